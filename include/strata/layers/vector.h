// Vector: a sparse array of byte values under a caller's Subspace (or a directory's). Indexes run
// from 0 to size() - 1; a slot never written reads as the vector's default value, so a vector of a
// billion defaults costs one key. The original python-layers Vector, with its swap and get_range
// defects fixed and push/pop narrowed to the slots they touch.
//
//   layers::Vector v(Subspace(Tuple{"app", "scores"}), "0");
//   db.run([&](Transaction& tr) { v.push(tr, "17"); v.set(tr, 9, "40"); });
//   v.getRange(db, 0, 10);   // {"17", "0", ..., "0", "40"}: gaps and trailing slots filled
//
// Key layout (docs/FORMATS.md#vector), under the subspace's prefix P:
//   P + pack((i,)) -> value      slot i (a tuple integer, i >= 0); the value's raw bytes
//   Invariant: the last slot (size - 1) is always stored, so size = last stored index + 1 and
//   is found by one reverse key read; there is no size key to contend on. Other slots are
//   stored only when written. The default value is not stored: every handle on the same
//   vector must be constructed with the same default.
//   Differences from the original: values are stored raw (not tuple-packed), so a value may
//   use the full 100,000 bytes; negative indexes are rejected instead of written.
//
// Cost and conflicts per call (K = last stored index, "reads" = engine reads):
//   size, back      1 key read (+1 value read for back); conflict [P+pack((K,)), P+"\xff").
//   get, front      1 range read of 1 row; conflict from slot i to the next stored slot.
//   empty           1 range read of 1 row; conflict from P to the first stored slot.
//   set             no read, 1 write; no read conflict (a blind write: never conflicts unless
//                   another transaction read that slot).
//   push            1 key read, 1 write; conflicts only on slots K and K+1, so push conflicts
//                   with another push/pop/shrink of the same vector but not with set(), get()
//                   or getRange() below K. A set() past K+1 racing a push or pop lets both
//                   commit: the outcome is that of the push/pop running first.
//   pop             1 key read, 2 value reads, 1 clear (+1 write to keep the invariant);
//                   conflicts only on slots K-1, K and K+1.
//   getRange        a size read + 1 range read over [lowest, highest] requested index.
//   swap            a size read + 2 value reads, 2 writes.
//   resize          a size read (+1 value read when shrinking), 1 clear range and/or 1 write.
//   clear           1 clear range, no read.
//
// On commit_unknown_result (1021) — Database::run() retries the body:
//   set, resize, clear: idempotent; a retry leaves the same state.
//   push: NOT idempotent (a retry after a landed commit appends a second copy). Idempotent form:
//     read size() once, then retry pushAt(tr, thatSize, value): it appends only while
//     size() == thatSize and reports a landed earlier attempt as success.
//   pop: NOT idempotent (a retry removes a second element). Idempotent form: read size() and
//     back() once, then retry resize(tr, thatSize - 1).
//   swap: NOT idempotent (a retry swaps back). Idempotent form: read both values once, then
//     retry set() of each.
//
// Limits: values up to 100,000 bytes (value_too_large 2103); prefix + 10 bytes under the
// 10,000-byte key limit; indexes in [0, 2^63 - 3] (index_out_of_range past them). getRange()
// returns its result in memory and must finish within the 5-second transaction limit: read large
// vectors in pieces.
//
// Requires: snapshot read-your-writes (the default). With TransactionOption::kSnapshotRywDisable
// set, push/pop/pushAt in a transaction that already changed the vector misjudge its end.
//
// Thread safety: immutable after construction; share freely. Each Transaction is used by one
// thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

class Vector {
 public:
  // A vector stored under `subspace` whose unset slots read as `defaultValue`.
  // Throws: value_too_large (2103) when defaultValue exceeds 100,000 bytes.
  explicit Vector(Subspace subspace, std::string defaultValue = {});

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }
  [[nodiscard]] const std::string& defaultValue() const noexcept { return defaultValue_; }

  // The number of slots: last stored index + 1, 0 when empty.
  // Conflicts: [slot K, P+"\xff"): any write at or after the last slot. Cost: 1 key read.
  [[nodiscard]] int64_t size(Transaction& tr) const;
  [[nodiscard]] int64_t size(Database& db) const;  // in its own read transaction (Database::read)

  // True when the vector has no slots. Conflicts: [P, first stored slot]. Cost: 1 row read.
  [[nodiscard]] bool empty(Transaction& tr) const;
  [[nodiscard]] bool empty(Database& db) const;

  // The value at `index` (the default for an unset slot).
  // Throws: index_out_of_range (3007) when index < 0 or index >= size().
  // Conflicts: [slot index, next stored slot], or [slot index, P+"\xff") when out of range.
  // Cost: 1 range read of 1 row.
  [[nodiscard]] std::string get(Transaction& tr, int64_t index) const;
  [[nodiscard]] std::string get(Database& db, int64_t index) const;

  // Slot 0 and the last slot. Returns: std::nullopt when the vector is empty.
  // Conflicts: as get(0) / size(). Cost: 1 row read / 1 key read + 1 value read.
  [[nodiscard]] std::optional<std::string> front(Transaction& tr) const;
  [[nodiscard]] std::optional<std::string> front(Database& db) const;
  [[nodiscard]] std::optional<std::string> back(Transaction& tr) const;
  [[nodiscard]] std::optional<std::string> back(Database& db) const;

  // Python slice semantics: the slots begin, begin + step, ... up to (not including) end.
  // Negative begin/end count from size(); both are clamped to the vector; std::nullopt means
  // "from the start" / "to the end" (the other way round for a negative step). Unset slots,
  // trailing ones included, are filled with the default value.
  // Returns: the values, in slice order. Throws: client_invalid_operation (2000) for step 0.
  // Conflicts: as size(), and the range of slots read.
  // Cost: 1 key read + 1 range read over every slot between the lowest and highest index
  //   selected (all of them, also those a step > 1 skips); the result is held in memory.
  [[nodiscard]] std::vector<std::string> getRange(Transaction& tr,
                                                  std::optional<int64_t> begin = std::nullopt,
                                                  std::optional<int64_t> end = std::nullopt,
                                                  int64_t step = 1) const;
  [[nodiscard]] std::vector<std::string> getRange(Database& db,
                                                  std::optional<int64_t> begin = std::nullopt,
                                                  std::optional<int64_t> end = std::nullopt,
                                                  int64_t step = 1) const;

  // The indexes a getRange(begin, end, step) over a vector of `size` slots selects:
  // first, first + step, ... (count of them). Throws: client_invalid_operation (2000) for
  // step 0. Cost: no database access.
  struct Slice {
    int64_t first = 0;
    int64_t count = 0;
  };
  [[nodiscard]] static Slice resolveSlice(std::optional<int64_t> begin, std::optional<int64_t> end,
                                          int64_t step, int64_t size);

  // Sets slot `index`; an index at or past size() grows the vector to index + 1 (the slots in
  // between read as the default). Throws: index_out_of_range (3007) for index < 0;
  // value_too_large (2103). Conflicts: write only. Cost: 1 write, no read.
  void set(Transaction& tr, int64_t index, std::string_view value) const;
  void set(Database& db, int64_t index, std::string_view value) const;  // in Database::run()

  // Appends `value` at index size(). Returns: that index. Throws: value_too_large (2103).
  // Conflicts: slots K and K+1 only (see the top). Not idempotent on 1021: see pushAt().
  int64_t push(Transaction& tr, std::string_view value) const;
  int64_t push(Database& db, std::string_view value) const;  // in Database::run()

  // The idempotent push: appends `value` at `index` when size() == index.
  // Returns: true when it appended, or when slot `index` is already the last slot and holds
  //   exactly `value` (an earlier attempt of this call landed: nothing is written); false
  //   otherwise (someone else changed the size: read it again). A value pushed by another
  //   writer that is byte-identical to `value` at `index` is indistinguishable from our own.
  // Throws: index_out_of_range (3007) for index < 0; value_too_large (2103).
  // Conflicts: as push() when it appends; as size() otherwise.
  [[nodiscard]] bool pushAt(Transaction& tr, int64_t index, std::string_view value) const;
  [[nodiscard]] bool pushAt(Database& db, int64_t index, std::string_view value) const;

  // Removes the last slot. Returns: its value, or std::nullopt when the vector is empty.
  // The new last slot is written with the default value if it was unset (the invariant).
  // Conflicts: slots K-1, K and K+1 only; slot 0 when empty. Not idempotent on 1021.
  std::optional<std::string> pop(Transaction& tr) const;
  std::optional<std::string> pop(Database& db) const;  // in Database::run()

  // Exchanges the values of slots i and j (an unset slot's value is the default: after the swap
  // the other slot is unset, or stores the default when it is the last slot).
  // Throws: index_out_of_range (3007) unless both are in [0, size()).
  // Conflicts: as size(), and slots i and j. Not idempotent on 1021 (a retry swaps back).
  void swap(Transaction& tr, int64_t i, int64_t j) const;
  void swap(Database& db, int64_t i, int64_t j) const;  // in Database::run()

  // Makes size() == `size`: shrinking drops the slots from `size` on; growing adds slots that
  // read as the default. Throws: index_out_of_range (3007) for size < 0.
  // Conflicts: as size(), and slot size - 1 when shrinking. Idempotent.
  void resize(Transaction& tr, int64_t size) const;
  void resize(Database& db, int64_t size) const;  // in Database::run()

  // Removes every slot (size() becomes 0). Conflicts: write only. Cost: 1 clear range.
  void clear(Transaction& tr) const;
  void clear(Database& db) const;  // in Database::run()

  // The key of slot `index`: prefix + pack((index,)). Throws: index_out_of_range for index < 0.
  [[nodiscard]] std::string keyOf(int64_t index) const;

 private:
  [[nodiscard]] int64_t indexOf(std::string_view key) const;
  // The last stored index (snapshot read, no conflict), or std::nullopt when empty.
  [[nodiscard]] std::optional<int64_t> lastIndex(Transaction& tr) const;
  // size() with its conflict range.
  [[nodiscard]] int64_t sizeSerializable(Transaction& tr) const;
  // The first stored slot at or after `index` (conflict up to it, or to the end when none).
  [[nodiscard]] std::optional<KeyValue> firstAtOrAfter(Transaction& tr, int64_t index) const;
  // Writes `value` into slot `index`, or leaves it unset (the default) unless it is `last`.
  void writeSlot(Transaction& tr, int64_t index, const std::optional<std::string>& value,
                 int64_t last) const;

  Subspace subspace_;
  std::string defaultValue_;
  std::string begin_;  // subspace key + "\x00": first possible slot key
  std::string end_;    // subspace key + "\xff": past every slot key
};

}  // namespace strata::layers
