// FoundationDB's high-contention allocator (fdb-api.md section 9.3; layout in
// docs/FORMATS.md#directory-layer), which hands out short, never-reused integers for directory
// prefixes. Private to the directory layer; tests/directory/hca_test.cc tests it directly.
//
// Key layout under the allocator's subspace H (R + pack((b"hca",)) for a directory layer):
//   H + pack((0, start))     -> int64 LE   allocations counted in the window starting at `start`
//   H + pack((1, candidate)) -> ""         candidate taken (cleared once its window is passed)
//
// Thread safety: stateless; each call uses the Transaction it is given.
#pragma once

#include <cstdint>
#include <string>

#include "strata/kv/transaction.h"
#include "strata/subspace.h"

namespace strata::directory {

// The window that starts at `start`: 64 below 255, 1024 below 65535, else 8192.
[[nodiscard]] int64_t hcaWindowSize(int64_t start) noexcept;

// Allocates an integer never returned before for `hca` and returns it packed as a one-element
// tuple (candidate 55 -> 15 37).
// Conflicts: one serializable read and an explicit write conflict on the chosen candidate's key;
//   every other read is a snapshot read and the window-advance clears of H[1] add no write
//   conflict, so two allocators conflict only when they pick the same candidate.
// Cost: about 2 snapshot range reads (limit 1), 1 snapshot read, 1 read, 1 ADD and 1 write per
//   try; a window advance adds 2 clears.
[[nodiscard]] std::string hcaAllocate(Transaction& tr, const Subspace& hca);

}  // namespace strata::directory
