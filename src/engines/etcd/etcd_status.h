// The etcd engine's side of strata/kv/admin.h's databaseStatus(): members, leader, database
// size and the measured limits. Only src/kv/admin.cc calls it.
//
// Thread safety: thread-safe.
#pragma once

#include <string_view>

#include "kv/engine.h"
#include "strata/kv/admin.h"

namespace strata::kv::etcd {

// `url` is the database's etcd:// URL (its endpoints are asked, one status call each).
// Requires: `engine` made by makeEtcdEngine.
[[nodiscard]] EtcdStatus status(Engine& engine, std::string_view url);

}  // namespace strata::kv::etcd
