// An Engine stores versioned key-value data and decides commits. It is the only seam between
// the transaction logic in src/kv/ and storage: engines never see a Transaction; they serve reads
// at a version through a ReadView and accept or reject a finished CommitRequest (mutations in
// issue order, read and write conflict ranges, read version). Implementations: memory/, lmdb/,
// etcd/; tests/conformance/ runs on all.
//
// Versions: int64, strictly increasing per commit, advancing about 1,000,000 per second of wall
// time (FoundationDB's rate) so the 5-second rule is 5,000,000 versions everywhere.
//
// Thread safety: every Engine method may be called concurrently from any thread. A ReadView is
// used by one thread at a time, except on a remote() engine, whose views serve the concurrent
// reads of one transaction (Transaction::*Async through the ReadPool) and must be thread-safe.
// Errors: engines throw strata::Error with 1007, 1009, 1020, 1021, 1510, 3003, 3004 only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv/future.h"
#include "strata/kv/mutation.h"
#include "strata/kv/range.h"

namespace strata::kv {

// A half-open key range [begin, end).
struct KeyRange {
  std::string begin;
  std::string end;
  bool operator==(const KeyRange&) const = default;
};

// One buffered write, in issue order.
//   kSetValue:   key = value(param)
//   kClearRange: clear [key, param)      (a point clear is [key, key + "\x00"))
//   atomic ops:  evaluated against the value current at the commit version (kv/atomic.h)
//   kSetVersionstampedKey/Value: the operand (key or param) still carries its 4-byte LE offset;
//                the engine stamps it with kv::applyVersionstamp at commit.
struct Mutation {
  MutationType type;
  std::string key;
  std::string param;
};

struct CommitRequest {
  // The version reads were made at; -1 when the transaction read nothing (blind writes).
  int64_t readVersion = -1;
  std::vector<Mutation> mutations;
  // Sorted, non-overlapping, coalesced.
  std::vector<KeyRange> readConflicts;
  std::vector<KeyRange> writeConflicts;
};

struct CommitResult {
  int64_t version = -1;
  // The transaction's place in its commit batch (the versionstamp's last 2 bytes).
  uint16_t batchOrder = 0;
};

// A chunk of a plain range read.
struct RangeChunk {
  std::vector<KeyValue> kvs;
  // True when the limit cut the read short (rows may remain).
  bool more = false;
};

// A consistent snapshot of the store at one version.
class ReadView {
 public:
  virtual ~ReadView() = default;
  [[nodiscard]] virtual int64_t version() const = 0;
  // The value of `key` at version(), or nullopt.
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view key) = 0;
  // Rows with begin <= key < end at version(): ascending, or descending when reverse (from end
  // downwards). At most `limit` rows (limit > 0). more = true iff stopped by the limit with rows
  // left.
  [[nodiscard]] virtual RangeChunk getRange(std::string_view begin, std::string_view end, int limit,
                                            bool reverse) = 0;
};

// A registered watch: fire `promise` when the committed value of `key` differs from `seen`.
struct WatchRequest {
  std::string key;
  std::optional<std::string> seen;
  // Only commits after this version count (the watching transaction's commit or read version).
  int64_t version = 0;
  Promise<void> promise;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // A view at the newest committed version: it sees every commit acknowledged before the call.
  [[nodiscard]] virtual std::shared_ptr<ReadView> beginRead() = 0;
  // A view at `version`. Throws: transaction_too_old (1007) if the engine no longer serves it,
  // future_version (1009) if it is newer than the newest commit.
  [[nodiscard]] virtual std::shared_ptr<ReadView> readAt(int64_t version) = 0;

  // Validates and applies `request` atomically. Conflict iff a transaction that committed after
  // request.readVersion (or earlier in the same batch) wrote into one of request.readConflicts.
  // Returns: the commit version and batch order; durable on return unless opened nosync.
  // Throws: not_committed (1020), transaction_too_old (1007) when readVersion is older than the
  //   engine's conflict window, commit_unknown_result (1021), io_error (1510), disk_full (3004),
  //   database_read_only (3003).
  virtual CommitResult commit(CommitRequest request) = 0;

  // Registers a watch. If the value already differs from `seen` at a version after
  // request.version, fires at once. Returns: a function that cancels the watch (its promise then
  // fails with operation_cancelled, 1101); safe to call after it fired.
  [[nodiscard]] virtual std::function<void()> watch(WatchRequest request) = 0;

  // The engine's name: "memory", "lmdb", "etcd".
  [[nodiscard]] virtual std::string name() const = 0;

  // True when a read is a network round trip (etcd): asynchronous reads are then served by a
  // ReadPool so that reads issued together are in flight together (DatabaseOptions::
  // readConcurrency). Local engines answer in microseconds on the calling thread.
  [[nodiscard]] virtual bool remote() const { return false; }
};

}  // namespace strata::kv
