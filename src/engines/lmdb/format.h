// docs/FORMATS.md#embedded-engine-lmdb-on-disk-format — the persisted names and constants of the
// embedded engine. On-disk format: never renumber or rename; bump kFormatVersion on any change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::kv::lmdb {

// The format this build writes and the newest it reads.
inline constexpr uint32_t kFormatVersion = 1;

// Files inside the database directory (besides LMDB's data.mdb and lock.mdb).
inline constexpr std::string_view kNotifyFile = "notify";
inline constexpr std::string_view kDataFile = "data.mdb";
inline constexpr std::string_view kLockFile = "lock.mdb";

// Named LMDB sub-databases.
inline constexpr const char* kMetaDb = "meta";  // metadata, keys below
inline constexpr const char* kDataDb = "data";  // user key space (keyspace.h encoding)
inline constexpr const char* kLogDb = "clog";   // conflict log: 8-byte BE version -> ranges

// Keys of the meta sub-database.
inline constexpr std::string_view kMetaMagic = "magic";            // = kMagic
inline constexpr std::string_view kMetaFormat = "format_version";  // uint32 LE
inline constexpr std::string_view kMetaVersion = "version";        // int64 BE, last commit version
inline constexpr std::string_view kMetaLogHorizon =
    "log_horizon";  // int64 BE, newest pruned log version
inline constexpr std::string_view kMagic = "strata-lmdb";

// Keys up to this many bytes are stored inline; longer keys go to a bucket (keyspace.h).
inline constexpr size_t kInlineKeyMax = 400;
inline constexpr char kInlineTag = '\x00';
inline constexpr char kBucketTag = '\x01';

}  // namespace strata::kv::lmdb
