#!/usr/bin/env bash
# FoundationDB's Node binding over strata's libfdb_c beside strata's C++ API and the bare C API,
# in one run, on the embedded engine (docs/BENCHMARKS.md#fdb_c): point reads/s, 1-key commits/s and
# 100-key range reads/s, one transaction per operation, one at a time.
#
# Usage: bench/fdb_c/fdb_node_bench.sh BUILD_DIR [SECONDS]
#   BUILD_DIR  a release tree with fdb_c_bench_cxx, fdb_c_bench_c and lib/libfdb_c.so built
#              (cmake --build BUILD_DIR --target fdb_c_bench_cxx fdb_c_bench_c)
# Needs node and npm; the binding is installed in BUILD_DIR/fdb-node (as scripts/fdb-node-test.sh
# does). Databases live in a temporary folder under /tmp, removed at the end.
set -euo pipefail
BUILD=$(cd "${1:?usage: fdb_node_bench.sh BUILD_DIR [SECONDS]}" && pwd)
SECONDS_EACH=${2:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$BUILD/fdb-node
mkdir -p "$WORK"
if [[ ! -f $WORK/node_modules/foundationdb/package.json ]]; then
  [[ -f $WORK/package.json ]] || echo '{"name":"strata-fdb-node-test","private":true}' >"$WORK/package.json"
  (cd "$WORK" && npm install --ignore-scripts --no-audit --no-fund foundationdb@2.0.1 mocha@10 >/dev/null)
fi
DIR=$(mktemp -d /tmp/fdb_node_bench.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

for side in cxx c; do
  "$BUILD/bench/fdb_c/fdb_c_bench_$side" "$DIR" --benchmark_min_time="$SECONDS_EACH" \
    --benchmark_format=json >"$DIR/$side.json"
done
echo "file:$DIR/node" >"$DIR/node.cluster"
cp "$HERE/fdb_node_bench.js" "$WORK/fdb_node_bench.js"
(cd "$WORK" && LD_LIBRARY_PATH=$BUILD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
  node fdb_node_bench.js "$DIR/node.cluster" "$SECONDS_EACH") >"$DIR/node.json"

node -e '
const cxx = require(process.argv[1]), c = require(process.argv[2]), js = require(process.argv[3]);
const rate = (n) => [...cxx.benchmarks, ...c.benchmarks].find((b) => b.name.split("/")[0] === n).items_per_second;
const f = (x) => Math.round(x).toLocaleString("en-US");
console.log("| operation (embedded engine) | C++ API /s | libfdb_c /s | Node binding /s | C / C++ | Node / C++ |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const op of ["PointRead", "Commit1Key", "Range100"]) {
  const a = rate("Cxx" + op), b = rate("C" + op), n = js[op];
  console.log(`| ${op} | ${f(a)} | ${f(b)} | ${f(n)} | ${(b / a).toFixed(2)} | ${(n / a).toFixed(2)} |`);
}' "$DIR/cxx.json" "$DIR/c.json" "$DIR/node.json"
