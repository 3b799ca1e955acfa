#!/usr/bin/env bash
# Runs FoundationDB's Node binding (npm `foundationdb` 2.0.1, a prebuilt addon linking libfdb_c.so)
# against strata's libfdb_c: first the package's own mocha suite (dist/test/*.js), then a check
# that data written through the binding's directory layer and tuple encoding is read by the strata
# CLI (`strata dir ls`, `strata tuple unpack`, `strata kv get`) and the reverse, on one database.
#
# Usage: scripts/fdb-node-test.sh LIBDIR STRATA_CLI URL [WORKDIR]
#   LIBDIR      the folder holding libfdb_c.so
#   STRATA_CLI  the strata binary
#   URL         a strata URL (file:PATH, etcd://h:p,...?prefix=P); the test owns its keys
#   WORKDIR     scratch folder for node_modules (default LIBDIR/../fdb-node); npm's downloads are
#               cached in ~/.npm
# Needs node and npm (scripts/install-deps.sh installs them) and the npm registry the first time.
# Exit status: 0 when everything passed.
set -euo pipefail

if (($# < 3)); then
  sed -n '2,15p' "$0" >&2
  exit 2
fi
LIBDIR=$(cd "$1" && pwd)
CLI=$2
URL=$3
WORK=${4:-$LIBDIR/../fdb-node}
[[ -f $LIBDIR/libfdb_c.so ]] || { echo "no libfdb_c.so in $LIBDIR" >&2; exit 2; }
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "node and npm are required (scripts/install-deps.sh)" >&2; exit 2; }

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
# One install per scratch folder; the lock keeps two ctest runs from installing at once.
(
  flock 9
  if [[ ! -f $WORK/node_modules/foundationdb/package.json ||
        ! -f $WORK/node_modules/mocha/package.json ]]; then
    [[ -f $WORK/package.json ]] || echo '{"name":"strata-fdb-node-test","private":true}' >"$WORK/package.json"
    (cd "$WORK" && npm install --ignore-scripts --no-audit --no-fund --cache "$HOME/.npm" \
      foundationdb@2.0.1 mocha@10 >/dev/null)
  fi
) 9>"$WORK/.install.lock"

RUN=$(mktemp -d)
trap 'rm -rf "$RUN"' EXIT
echo "$URL" >"$RUN/fdb.cluster"
export LD_LIBRARY_PATH=$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export FDB_CLUSTER_FILE=$RUN/fdb.cluster
unset STRATA_DB

echo "== foundationdb@2.0.1's mocha suite on $URL"
(cd "$WORK" && node_modules/.bin/mocha --timeout 60000 node_modules/foundationdb/dist/test/*.js)

echo "== directory layer and tuples: Node binding <-> strata CLI on $URL"
cat >"$WORK/interop.js" <<'JS'
// node interop.js write|read: the Node half of scripts/fdb-node-test.sh's interop check.
const fdb = require('foundationdb');
fdb.setAPIVersion(720);
const db = fdb.open(process.env.FDB_CLUSTER_FILE);
(async () => {
  if (process.argv[2] === 'write') {
    await fdb.directory.removeIfExists(db, ['fromnode']);
    const dir = await fdb.directory.createOrOpen(db, ['fromnode', 'users']);
    await db.at(dir).withKeyEncoding(fdb.tuple).set(['alice', 42], 'v1');
    console.log(Buffer.concat([dir.content.prefix, fdb.tuple.pack(['alice', 42])]).toString('hex'));
  } else {
    const dir = await fdb.directory.open(db, ['fromcli', 'things']);
    const value = await db.at(dir).withKeyEncoding(fdb.tuple).get(['bob', 7]);
    console.log(value === undefined ? '<absent>' : value.toString());
    console.log(dir.content.prefix.toString('hex'));
  }
})().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
JS
fail() { echo "FAIL: $*" >&2; exit 1; }
strata() { "$CLI" --db "$URL" "$@"; }
hexToPrintable() { sed 's/../\\x&/g' <<<"$1"; }

key=$(cd "$WORK" && node interop.js write)
strata dir ls fromnode | grep -qx 'users' || fail "strata dir ls fromnode: $(strata dir ls fromnode)"
unpacked=$(strata tuple unpack "$key")
[[ $unpacked == *'"alice",42]' ]] || fail "strata tuple unpack $key gave $unpacked"
[[ $(strata kv get "$(hexToPrintable "$key")") == v1 ]] || fail "strata kv get of the Node key"
echo "Node wrote $unpacked under fromnode/users; the CLI reads it"

strata dir rm fromcli --if-exists
prefix=$(strata dir mkdir fromcli/things)
strata kv set "$prefix$(hexToPrintable "$(strata tuple pack '["bob", 7]')")" hello
read -r -d '' value nodePrefix < <(cd "$WORK" && node interop.js read; printf '\0') || true
[[ $value == hello ]] || fail "Node read '$value' from fromcli/things (\"bob\", 7)"
[[ -n $nodePrefix ]] || fail "Node found no prefix for fromcli/things"
echo "the CLI wrote (\"bob\", 7) under fromcli/things; Node reads it"
strata dir rm fromnode --if-exists
strata dir rm fromcli --if-exists
echo "PASS"
