// Access to a running embedded engine's LMDB environment for the operations in lmdb_admin.h
// (backup, status, stale readers). Only src/engines/lmdb/ includes this header.
//
// Thread safety: the fields are immutable; LMDB calls that touch the map must hold *mapMu shared
// (lmdb_engine.cc's invariant 1), and `keepAlive` keeps the environment open while held.
#pragma once

#include <lmdb.h>

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include "kv/engine.h"

namespace strata::kv {

struct LmdbAccess {
  MDB_env* env = nullptr;
  MDB_dbi meta = 0;
  MDB_dbi data = 0;
  std::shared_mutex* mapMu = nullptr;
  std::shared_ptr<void> keepAlive;  // the engine's environment
  std::string path;                 // the database directory
  bool readOnly = false;
};

// Returns: the environment of an engine made by makeLmdbEngine; nullopt for other engines.
[[nodiscard]] std::optional<LmdbAccess> lmdbAccess(Engine& engine);

}  // namespace strata::kv
