#!/usr/bin/env bash
# Configures and builds one configuration into build/<name>:
#   release  RelWithDebInfo, -Werror (the default)
#   asan     ASan + UBSan, -Werror
#   tsan     ThreadSanitizer, -Werror
# One build tree per configuration, ccache on, so rebuilds are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-release}
# ccache keyed on paths relative to the checkout, so every clone (CI's too) shares one cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
extra=()
case "$name" in
  release) extra=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) extra=(-DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=address,undefined -DSTRATA_BUILD_BENCH=OFF) ;;
  tsan) extra=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=thread -DSTRATA_BUILD_BENCH=OFF -DSTRATA_WITH_ETCD=OFF) ;;
  *) echo "unknown configuration: $name" >&2; exit 2 ;;
esac
if [ ! -f "build/$name/build.ninja" ]; then
  cmake -S . -B "build/$name" -G Ninja -DSTRATA_WERROR=ON \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache "${extra[@]}" >/dev/null
fi
cmake --build "build/$name" -j"$(nproc)"
