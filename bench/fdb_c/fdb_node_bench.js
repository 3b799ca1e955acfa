// node fdb_node_bench.js CLUSTER_FILE [SECONDS]: point reads, 1-key commits and 100-key range reads
// per second through FoundationDB's Node binding (npm foundationdb 2.0.1) over libfdb_c, one
// awaited transaction at a time, on the database the cluster file names. Prints JSON.
// Run by bench/fdb_c/fdb_node_bench.sh beside fdb_c_bench's C++ and C figures.
'use strict';
const fdb = require('foundationdb');

const KEYS = 1000;
const key = (i) => 'k' + String(i).padStart(5, '0');
const value = Buffer.alloc(100, 'v');

async function measure(seconds, op) {
  for (let i = 0; i < 200; i++) await op(i);  // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    for (let j = 0; j < 50; j++) await op(n++);
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

(async () => {
  fdb.setAPIVersion(720);
  const db = fdb.open(process.argv[2]);
  const seconds = Number(process.argv[3] || 2);
  await db.doTn(async (tn) => {
    for (let i = 0; i < KEYS; i++) tn.set(key(i), value);
  });
  const out = {};
  out.PointRead = await measure(seconds, (i) => db.get(key(i % KEYS)));
  out.Commit1Key = await measure(seconds, (i) => db.set(key(i % KEYS), value));
  out.Range100 = await measure(seconds, async (i) => {
    const rows = await db.getRangeAll(key(i % (KEYS - 100)), 'l', { limit: 100 });
    if (rows.length !== 100) throw new Error('short range: ' + rows.length);
  });
  console.log(JSON.stringify(out));
})().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
