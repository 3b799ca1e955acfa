// Atomic mutation types: the numbers are FoundationDB's (fdb_c FDBMutationType) and never change.
// Every atomic op is evaluated at commit against the value current at the commit version, adds a
// write-conflict range on its key and no read conflict, so concurrent atomic ops on one key never
// conflict. Semantics per type: docs/FORMATS.md#atomic-operations (FoundationDB's, API >= 520).
#pragma once

#include <cstdint>

namespace strata {

enum class MutationType : int {
  kSetValue = 0,    // internal: a plain set (Transaction::set)
  kClearRange = 1,  // internal: a clear or clear-range (Transaction::clear/clearRange)
  kAdd = 2,
  kBitAnd = 6,
  kBitOr = 7,
  kBitXor = 8,
  kAppendIfFits = 9,
  kMax = 12,
  kMin = 13,
  kSetVersionstampedKey = 14,
  kSetVersionstampedValue = 15,
  kByteMin = 16,
  kByteMax = 17,
  kCompareAndClear = 20,
};

// True for the codes Transaction::atomicOp accepts (2, 6-9, 12-17, 20).
[[nodiscard]] bool isAtomicOp(MutationType type) noexcept;
// FoundationDB's name, e.g. "ADD", "SET_VERSIONSTAMPED_KEY"; "UNKNOWN" otherwise.
[[nodiscard]] const char* mutationName(MutationType type) noexcept;

}  // namespace strata
