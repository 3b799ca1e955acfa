#!/usr/bin/env bash
# Installs what is missing, builds every configuration and runs every test:
# release (-Werror) with all labels, then ASan+UBSan and TSan builds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export CTEST_OUTPUT_ON_FAILURE=1
status=0
for config in release asan tsan; do
  echo "=== $config: build"
  scripts/build.sh "$config"
  echo "=== $config: test"
  if [ "$config" = tsan ]; then
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
  fi
  (cd "build/$config" && ctest -j"$(nproc)" --timeout 600) || status=1
  if [ "$config" = release ]; then
    echo "=== release: packaging (install, find_package, pkg-config, .deb)"
    tests/packaging/package_test.sh build/release || status=1
  fi
done
echo "=== fuzz: build (clang-14, build/fuzz) and a short run of each target"
scripts/fuzz.sh "${STRATA_FUZZ_SECONDS:-15}" || status=1
exit $status
