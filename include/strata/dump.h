// Dump and load: a logical, engine-neutral copy of a key space (or one prefix of it) in a
// versioned, checksummed streaming format (docs/FORMATS.md#dump-format). A dump made on any engine
// (memory, file, etcd) loads into any other and gives a byte-identical key space.
//
// dump() reads with a kv/scan.h Scan: on the embedded engine the scan is pinned, so the dump is
// one consistent snapshot (DumpInfo::consistent); on memory and etcd each block is a snapshot but
// the whole dump is not (writes made while dumping may be partly in it).
//
// load() writes the records back in bounded transactions, one per block (at most blockBytes of
// keys and values plus one record, under the 10 MB transaction limit; halved again, as often as
// needed, on an engine that commits less, such as an etcd cluster with a small
// --max-request-bytes: transaction_too_large, 2101, is never raised for a block). It first verifies
// the whole file (every block checksum, the trailer's counts and chained checksum, key order and
// limits), so a truncated or corrupted dump loads nothing; LoadOptions::allowPartial loads the
// blocks before the damage instead. A load interrupted half-way resumes with LoadOptions::resume:
// blocks already committed (recorded in a progress file after each commit) are skipped. Loading
// is idempotent per block (sets only), so a block committed just before a crash and loaded again
// changes nothing.
//
// On commit_unknown_result (1021) during load: the block is retried; it only sets keys, so a
// second application is harmless.
//
// Thread safety: the functions may run concurrently on different streams; each Database is
// thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>

#include "strata/kv/database.h"

namespace strata {

// Progress callbacks: what has been done so far.
struct DumpProgress {
  int64_t keys = 0;
  int64_t bytes = 0;  // keys + values
  int64_t blocks = 0;
};

struct DumpOptions {
  // Only keys starting with this prefix ("" = the whole key space below "\xff").
  std::string prefix;
  // Close a block after this many bytes of keys and values; a block is one load transaction.
  // Must be in [1, 4,000,000].
  int64_t blockBytes = 1 << 20;
  // Called after each block is written. May be empty.
  std::function<void(const DumpProgress&)> progress;
};

// What a dump file says about itself (header and trailer).
struct DumpInfo {
  uint32_t formatVersion = 0;
  std::string prefix;
  std::string sourceEngine;    // "memory", "lmdb", "etcd": informational
  bool consistent = false;     // true: one snapshot (a pinned scan)
  int64_t sourceVersion = -1;  // the read version of the first block (the snapshot's version)
  int64_t createdMicros = 0;   // Unix time of the dump, microseconds
  int64_t keys = 0;
  int64_t bytes = 0;  // keys + values
  int64_t blocks = 0;
};

// Writes every key and value under options.prefix to `out`.
// Returns: the file's description (counts as written).
// Throws: invalid_option_value (2006) for blockBytes out of range; io_error (1510) when `out`
//   fails; the errors of a Scan.
// Cost: one scan of the range; memory of one block.
DumpInfo dump(Database& db, std::ostream& out, const DumpOptions& options = {});

// Reads a whole dump and checks it without loading anything.
// Returns: its description.
// Throws: invalid_input (3005) naming the first problem and its byte offset (bad magic, newer
//   format, checksum mismatch, truncation, keys out of order or outside the prefix, bytes after
//   the end); io_error (1510) when `in` fails.
DumpInfo verifyDump(std::istream& in);

struct LoadProgress {
  int64_t keys = 0;
  int64_t bytes = 0;
  int64_t blocks = 0;       // blocks committed (skipped ones included)
  int64_t totalBlocks = 0;  // from verification; 0 when loading unverified (allowPartial)
};

struct LoadOptions {
  // Load the good blocks before a damaged part, then throw; without it a damaged dump loads
  // nothing.
  bool allowPartial = false;
  // Clear the dump's prefix range before loading (not when resuming), so the key space ends up
  // exactly the dump's.
  bool clearFirst = false;
  // A file recording how many blocks are committed, rewritten after each commit and removed on
  // success; "" = none. Required by resume.
  std::filesystem::path progressFile;
  // Skip the blocks progressFile records as committed. Throws invalid_input (3005) when the
  // progress file belongs to another dump.
  bool resume = false;
  // Called after each committed block. May be empty.
  std::function<void(const LoadProgress&)> progress;
};

// Loads the dump at `path` into `db` (verifying it first unless options.allowPartial).
// Returns: the dump's description.
// Throws: as verifyDump (nothing loaded unless allowPartial); file_not_found (1511);
//   client_invalid_operation (2000) for resume without progressFile; the errors of a commit
//   that Database::run does not retry (transaction_too_large only for one record too large for
//   the engine).
DumpInfo loadDump(Database& db, const std::filesystem::path& path, const LoadOptions& options = {});

}  // namespace strata
