// The embedded engine's side of strata/kv/admin.h: online backup (LMDB's compacting copy),
// offline compaction, reader slots and status. Only src/kv/admin.cc calls these.
//
// Thread safety: thread-safe; compact() requires the database closed in every process.
#pragma once

#include <filesystem>

#include "kv/engine.h"
#include "strata/kv/admin.h"

namespace strata::kv::lmdb {

// Requires: `engine` made by makeLmdbEngine (else unsupported_operation, 2108). See admin.h.
[[nodiscard]] EmbeddedStatus status(Engine& engine);
[[nodiscard]] int clearStaleReaders(Engine& engine);
BackupResult backup(Engine& engine, const std::filesystem::path& dest);
CompactResult compact(const std::filesystem::path& path);

}  // namespace strata::kv::lmdb
