#!/usr/bin/env bash
# Builds strata's libFuzzer targets (fuzz/, clang-14, ASan+UBSan, coverage on the library too)
# into build/fuzz and runs each one for a while. docs/RELIABILITY.md#fuzzing.
#   scripts/fuzz.sh                 20 s per target (what CI runs)
#   scripts/fuzz.sh 3600            an hour per target (the documented long run)
#   FUZZ_TARGETS="tuple_unpack_fuzzer" FUZZ_JOBS=2 scripts/fuzz.sh 600
# The corpus grows in build/fuzz/corpus/<target> (kept between runs), seeded from
# fuzz/corpus/<target>; a crash leaves its input in build/fuzz/crashes/ and fails the script.
# Reproduce one: build/fuzz/fuzz/<target> build/fuzz/crashes/<file>.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
targets=${FUZZ_TARGETS:-"tuple_unpack_fuzzer printable_key_fuzzer json_import_fuzzer format_open_fuzzer"}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
if [ ! -f build/fuzz/build.ninja ]; then
  cmake -S . -B build/fuzz -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
    -DCMAKE_C_FLAGS_DEBUG="-O1 -gline-tables-only" -DSTRATA_FUZZ=ON -DSTRATA_SANITIZE=address,undefined \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" -DSTRATA_BUILD_TESTS=OFF \
    -DSTRATA_BUILD_BENCH=OFF -DSTRATA_BUILD_EXAMPLES=OFF -DSTRATA_WITH_ETCD=OFF >/dev/null
fi
cmake --build build/fuzz -j"$(nproc)" --target fuzzers
mkdir -p build/fuzz/crashes
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for t in $targets; do
  corpus=build/fuzz/corpus/$t
  mkdir -p "$corpus"
  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds=("fuzz/corpus/$t")
  log=build/fuzz/$t.log
  echo "=== fuzz $t: ${seconds}s"
  jobs=()
  [ -n "${FUZZ_JOBS:-}" ] && jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
  if ! "build/fuzz/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2560 -timeout=25 \
      "${jobs[@]}" -print_final_stats=1 \
      -artifact_prefix="build/fuzz/crashes/$t-" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    echo "fuzz $t FAILED (input in build/fuzz/crashes/):"; tail -60 "$log"; status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
  echo "fuzz $t: $runs inputs in ${seconds}s, corpus $(ls "$corpus" | wc -l) files"
done
exit $status
