// The distributed engine: strata's kv API on an etcd v3 cluster (etcd 3.4, gRPC). The engine for
// "etcd://HOST:PORT[,HOST:PORT...][/?prefix=P]" URLs. docs/engines/etcd.md explains the design.
//
// Versions are etcd revisions: a read version is the cluster's revision when the view was taken
// (a linearizable read), reads are served at that revision, and a commit's version is the
// revision of its one etcd Txn. Read-your-writes lives in src/kv/, above this engine.
//
// Key layout under the prefix P (docs/FORMATS.md#etcd-engine):
//   P "d" key   -> 0x00 value                         a value
//                  0x01 offset(4, LE) value-template  a versionstamped value; the stamp is the
//                                                     key's mod_revision, filled in on read
//   P "w" key   -> ""   point write-conflict marker   (conflict_keys.h)
//   P "c" node  -> ""   range write-conflict marker   (conflict_keys.h)
//   "\x00strata/clock" -> ""   written by every strata commit on the cluster (versionstamps)
//
// Commit = one etcd Txn: compares prove that no write-conflict marker inside the transaction's
// read-conflict ranges changed after its read version; its success branch writes the data, the
// markers of its write-conflict ranges and the clock. A failed compare is not_committed (1020);
// an RPC that fails once it may have reached the cluster is commit_unknown_result (1021).
//
// Limits: a commit within etcd's default --max-txn-ops (128) and --max-request-bytes (1 MiB
// usable) is sent as is; for a larger one the cluster's own limits are measured (once per
// endpoint list and process: ~2 s of read-only probes), and a commit that would exceed either
// fails with transaction_too_large (2101) naming the limit, before anything is sent. (A cluster
// set below the defaults refuses the Txn, which is translated to 2101 too.)
//
// Failover: one gRPC channel per endpoint; reads move to the next endpoint on UNAVAILABLE or
// a deadline; a commit moves only when the request provably did not leave (no connection, or
// "no leader" from a member that has none), and is 1021 otherwise. Every call has a deadline.
//
// Thread safety: thread-safe. Each engine runs one maintenance thread (marker garbage
// collection, etcd compaction) and, while watches exist, one watch-stream thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kv/engine.h"

namespace strata::kv {

struct EtcdEngineOptions {
  // "host:port" of every member; at least one.
  std::vector<std::string> endpoints;
  // Every key this engine stores starts with it; several strata keyspaces (or other
  // applications) can share a cluster under different prefixes. Must not start with "\x00".
  std::string prefix;
  // The conflict window: reads and commits at revisions first seen longer ago than this are
  // transaction_too_old (1007). Markers and etcd history are kept at least twice as long
  // (and at least 10 s) before they are collected and compacted.
  std::chrono::milliseconds maxTransactionLifetime{5000};
  // Deadline of one read RPC, and of one commit RPC.
  std::chrono::milliseconds readDeadline{5000};
  std::chrono::milliseconds commitDeadline{10000};
  // How long reads (and commits not yet sent) keep failing over between members before giving
  // up with io_error (1510): covers a leader election (~1-2 s).
  std::chrono::milliseconds failoverBudget{20000};
  // Compact etcd's history and collect old markers (turn off only when another client of the
  // same cluster does it).
  bool maintenance = true;
};

// Connects to the cluster (checks that a member answers, once per endpoint list and process).
// Returns: the engine, named "etcd".
// Throws: invalid_database_name (2013) for no endpoints or a bad prefix; io_error (1510) when no
//   endpoint answers within failoverBudget.
[[nodiscard]] std::shared_ptr<Engine> makeEtcdEngine(const EtcdEngineOptions& options);

// What a cluster accepts, as measured (etcdEngineStats() measures it if no commit needed to).
struct EtcdLimits {
  int64_t maxTxnOps = 0;        // operations (and compares) per Txn list (--max-txn-ops)
  int64_t maxRequestBytes = 0;  // usable bytes of one request (--max-request-bytes, less margin)
};

// Counters for tests and benchmarks; engine must be one made by makeEtcdEngine.
struct EtcdEngineStats {
  EtcdLimits limits;
  uint64_t commits = 0;           // commits that succeeded
  uint64_t conflicts = 0;         // commits that failed with 1020
  uint64_t guardRetries = 0;      // internal retries (atomic-op inputs or clock moved)
  uint64_t failovers = 0;         // switches to another endpoint
  uint64_t markersCollected = 0;  // marker keys deleted by garbage collection
  int64_t compactedRevision = 0;  // the newest revision this engine compacted at
};
// Throws: client_invalid_operation (2000) if `engine` is not an etcd engine.
[[nodiscard]] EtcdEngineStats etcdEngineStats(Engine& engine);

// The most Range calls the engine's client had in flight at once since the last call (tests and
// benchmarks of Transaction::*Async). Throws: client_invalid_operation (2000) if `engine` is not
// an etcd engine.
[[nodiscard]] int etcdTakePeakReadsInFlight(Engine& engine);

// Runs one maintenance pass now (tests): collects markers older than the collection horizon
// and compacts. Throws: client_invalid_operation (2000) if `engine` is not an etcd engine.
void etcdRunMaintenance(Engine& engine);

}  // namespace strata::kv
