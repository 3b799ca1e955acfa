// The user key space inside the "data" sub-database
// (docs/FORMATS.md#embedded-engine-lmdb-on-disk-format).
//
// LMDB keys are 1..511 bytes; strata keys are 0..10,000 bytes. Encoding (order-preserving under
// LMDB's memcmp order):
//   key of at most kInlineKeyMax (400) bytes:  LMDB key = key + 0x00,        value = value
//   longer key (a "bucket" per 400-byte prefix): LMDB key = key[0:400] + 0x01,
//        value = entries sorted by suffix, each u32 LE suffix length, suffix, u32 LE value length,
//        value (suffix = key[400:], never empty).
// Every key in a bucket sorts after the inline key equal to its prefix and before any key whose
// first 400 bytes are larger, so a cursor walk that expands buckets yields keys in order.
//
// Thread safety: as the MDB_txn passed in (one thread at a time).
// Throws: MdbFailure (errors.h) for LMDB failures, untranslated.
#pragma once

#include <lmdb.h>

#include <optional>
#include <string>
#include <string_view>

#include "kv/engine.h"

namespace strata::kv::lmdb {

// The value of `key`, or nullopt.
[[nodiscard]] std::optional<std::string> dataGet(MDB_txn* txn, MDB_dbi dbi, std::string_view key);
// Sets `key` to `value`.
void dataPut(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value);
// Removes `key` if present.
void dataErase(MDB_txn* txn, MDB_dbi dbi, std::string_view key);
// Removes every key in [begin, end); nothing when begin >= end.
void dataClearRange(MDB_txn* txn, MDB_dbi dbi, std::string_view begin, std::string_view end);
// Up to `limit` rows of [begin, end), ascending or descending; more = rows remain.
[[nodiscard]] RangeChunk dataRange(MDB_txn* txn, MDB_dbi dbi, std::string_view begin,
                                   std::string_view end, int limit, bool reverse);

}  // namespace strata::kv::lmdb
