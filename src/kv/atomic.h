// The value semantics of FoundationDB's atomic operations and versionstamp operands, shared by
// every engine (docs/FORMATS.md#atomic-operations). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "strata/kv/mutation.h"
#include "strata/kv/transaction.h"

namespace strata::kv {

// The value after applying atomic op `type` with `param` to `existing` (nullopt = absent).
// Returns: nullopt when the result is "absent" (COMPARE_AND_CLEAR that matched).
// Requires: isAtomicOp(type) and type is not a versionstamp op.
[[nodiscard]] std::optional<std::string> applyAtomic(MutationType type,
                                                     const std::optional<std::string>& existing,
                                                     std::string_view param);

// Checks a versionstamp operand: ends with a 4-byte little-endian offset pos, and
// pos + 10 <= size - 4. Throws: client_invalid_operation (2000) otherwise.
// Returns: pos.
uint32_t versionstampOffset(std::string_view operand);

// The operand with its 4-byte offset removed and the 10 bytes at the offset replaced by `stamp`.
// Requires: versionstampOffset(operand) succeeds.
[[nodiscard]] std::string applyVersionstamp(std::string_view operand, const CommitStamp& stamp);

// The stamp for a commit version and batch order: 8 bytes BE version, 2 bytes BE order.
[[nodiscard]] CommitStamp makeCommitStamp(int64_t version, uint16_t order);

}  // namespace strata::kv
