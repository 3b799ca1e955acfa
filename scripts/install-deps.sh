#!/usr/bin/env bash
# Installs the Debian 12 packages strata builds and tests with (run as root). Idempotent.
set -euo pipefail
PACKAGES=(
  g++ cmake ninja-build ccache pkg-config dpkg-dev clang-14 libclang-rt-14-dev clang-format
  liblmdb-dev libcli11-dev nlohmann-json3-dev libfmt-dev libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev librocksdb-dev libsqlite3-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc etcd-server etcd-client
  nodejs
)
# npm runs FoundationDB's Node binding suite (scripts/fdb-node-test.sh); a NodeSource nodejs ships
# its own npm and conflicts with Debian's package.
command -v npm >/dev/null || PACKAGES+=(npm)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
