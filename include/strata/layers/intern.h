// StringIntern: a write-once, one-to-one map between byte strings and short identifiers under a
// caller's Subspace. Store the identifier (4 bytes, rarely more) wherever the string would be
// repeated, and look the string up again when needed. A bounded per-process cache answers
// repeated intern() and lookup() calls without reading the database.
//
//   layers::StringIntern names(Subspace(Tuple{"app", "names"}));
//   std::string id = names.intern(db, "Ada Lovelace");   // e.g. "\x8f\x02\x1c\xd3"
//   names.lookup(db, id);                                // "Ada Lovelace"
//
// Key layout (docs/FORMATS.md#string-interning), under the subspace's prefix P:
//   P + pack(("U", <id bytes>))                -> the string    the mapping, id -> string
//   P + pack(("H", <hash bytes>, <id bytes>))  -> ""            the index, string -> id
//   <hash bytes> is the 8-byte big-endian FNV-1a-64 hash of the string. Strings sharing a hash
//   form a chain of "H" keys, each pointing at its own "U" record; intern() compares the
//   strings themselves, so collisions cost a read, never a wrong id. Strings live only in
//   values, so keys stay under 30 bytes whatever the string's length.
//   <id bytes>: random, 4 bytes long; an allocation that hits a taken id draws again one byte
//   longer (so ids grow only when 4-byte ids get crowded).
//   Differences from the original (("S", s) -> u and ("U", u) -> s): strings are no longer in
//   keys, so the real limit is the 100,000-byte value limit, not about 10,000 bytes.
//
// Cost:
//   lookup  cache hit: no read. Miss: 1 read (2 when the id is unknown or written by this
//           transaction).
//   intern  cache hit: no read. Known string: 1 range read of the hash chain + 1 read per chain
//           entry (normally 1). New string: those reads twice (committed view, then this
//           transaction's), 1 read per id drawn, 2 writes.
//   Conflicts: none for mappings already committed (they never change). A new string: the read
//   of its hash chain and of the id drawn, so two transactions interning the same new string,
//   or drawing the same id, conflict and the retry finds the winner's mapping: one-to-one.
//
// On commit_unknown_result (1021): intern is idempotent by design. A retry of a landed commit
// finds the string's mapping and returns the same id; a retry of a commit that did not land
// draws a fresh id, and the lost one was never visible to anyone. lookup only reads.
//
// The cache: LRU over (string, id) pairs, charged string + id + 96 bytes each, evicting the least
// recently used entries past options.cacheBytes. It holds only committed mappings: those read
// from the database's committed state (a snapshot read without read-your-writes), and those
// the Database& overload of intern() created, added after their commit succeeded. A mapping a
// transaction wrote itself is never cached from that transaction, so a rollback or failed commit
// cannot leave a phantom id in the cache. Mappings are never deleted, so a cached entry never
// goes stale. A StringIntern caches mappings of one database: use one object per database.
//
// Limits: strings up to 100,000 bytes (value_too_large 2103); no deletion (the write-once rule
// is what makes caching safe); ids up to 12 bytes. FNV-1a is not collision-resistant: strings
// crafted to share a hash make long chains and slow intern() down, never break it.
// Requires: read-your-writes left at its defaults. A kSnapshotRywEnable without a matching
// disable defeats the committed-only read that fills the cache; with kReadYourWritesDisable, a
// transaction interning the same new string twice makes two ids for it (both look it up).
//
// Thread safety: thread-safe; share one object (and its cache) across threads. Each Transaction
// is used by one thread at a time. Copies share the cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

struct StringInternOptions {
  // Bytes the per-process cache may hold (strings + ids + 96 per entry); 0 disables it.
  // Trade-off: memory for database reads on repeated strings. The original's 10 MB.
  size_t cacheBytes = 10'000'000;
};

// What the cache holds and how it has served, for tests, benchmarks and monitoring.
struct StringInternCacheStats {
  size_t entries = 0;
  size_t bytes = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
};

namespace detail {
class InternCache;
}

class StringIntern {
 public:
  explicit StringIntern(Subspace subspace, StringInternOptions options = {});

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }

  // The identifier of `s`, creating a mapping when `s` has none yet.
  // Returns: the id bytes (4 bytes unless 4-byte ids are crowded).
  // Throws: value_too_large (2103) when s exceeds 100,000 bytes.
  // Conflicts: see the top; none when s is already committed.
  // The Transaction& form adds a mapping it creates to the cache never: the Database& form runs
  // it in Database::run() and caches the mapping once the commit has succeeded.
  [[nodiscard]] std::string intern(Transaction& tr, std::string_view s) const;
  [[nodiscard]] std::string intern(Database& db, std::string_view s) const;

  // The string whose identifier is `id`, seeing this transaction's own intern() calls.
  // Returns: std::nullopt for an id no mapping has. Conflicts: only when the id is not
  // committed (then on its "U" key, so a later mapping of it is noticed).
  [[nodiscard]] std::optional<std::string> lookup(Transaction& tr, std::string_view id) const;
  // In Database::read().
  [[nodiscard]] std::optional<std::string> lookup(Database& db, std::string_view id) const;

  [[nodiscard]] StringInternCacheStats cacheStats() const;
  // Empties the cache (counters kept); the next calls read the database.
  void clearCache() const;

 private:
  [[nodiscard]] std::string idKey(std::string_view id) const;
  [[nodiscard]] KeyRange chainRange(std::string_view s) const;
  // The id of `s` in the chain, reading with `snapshot`; std::nullopt when not in it.
  [[nodiscard]] std::optional<std::string> findInChain(Transaction& tr, std::string_view s,
                                                       Snapshot snapshot) const;
  [[nodiscard]] std::string allocateId(Transaction& tr) const;
  // intern() and lookup() past the cache.
  [[nodiscard]] std::string internUncached(Transaction& tr, std::string_view s) const;
  [[nodiscard]] std::optional<std::string> lookupUncached(Transaction& tr,
                                                          std::string_view id) const;

  Subspace subspace_;
  std::shared_ptr<detail::InternCache> cache_;
};

// FNV-1a 64 of `s` (offset basis 0xcbf29ce484222325, prime 0x100000001b3): the chain hash of the
// key layout, part of the on-disk format.
[[nodiscard]] uint64_t internHash(std::string_view s) noexcept;

}  // namespace strata::layers
