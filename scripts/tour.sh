#!/usr/bin/env bash
# Installs what is missing, builds, and runs `strata tour` on the embedded default database.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/release/tools/strata/strata tour "$@"
