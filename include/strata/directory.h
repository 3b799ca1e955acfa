// The directory layer maps paths of names ("app", "users") to short key prefixes, so that an
// application names its key spaces by path while every key stays short, and a whole directory is
// moved by rewriting one entry instead of every key. Byte-compatible with FoundationDB's directory
// layer (fdb-api.md section 9): a tree written by strata opens with the official bindings and the
// reverse.
//
//   DirectoryLayer directories;                       // node subspace FE, content subspace ""
//   DirectorySubspace users = directories.createOrOpen(db, parseDirectoryPath("app/users"));
//   tr.set(users.pack(Tuple{42}), "alice");            // e.g. 15 07 15 2A
//
// Key layout (docs/FORMATS.md#directory-layer), N = node subspace (default raw prefix FE), C =
// content subspace (default empty), node(P) = N + pack((P,)) for content prefix P:
//   root node R = node(N.key())                      FE 01 FE 00
//   R + pack((b"version",))      -> <III LE (1,0,0)  written by the first mutation
//   node(P) + pack((0, name))    -> child's P        one per child, names as unicode strings
//   node(P) + pack((b"layer",))  -> layer bytes      always written ("" for none)
//   R + pack((b"hca", 0, start)) -> int64 LE count   high-contention allocator window counters
//   R + pack((b"hca", 1, cand))  -> ""               allocator candidates in use
//   N.key() (FE itself)          -> 10-byte versionstamp   strata only: metadata version (Cache)
//   a new directory's prefix is C.key() + pack((candidate,)), e.g. 15 07.
// A partition (layer "partition") with prefix P runs its own directory layer: node subspace
// P + FE, content subspace P, so its subdirectories' prefixes start with P.
//
// Cost per call, for a path of depth d (each read a point read unless said otherwise):
//   open / exists        1 version read + 2 reads per level (entry, layer); with the cache,
//                        1 version read + 1 metadata-version read on a hit, whatever d is.
//   createOrOpen         as open when present; creating: + the allocator (about 4 reads, 4
//                        writes) + 3 range reads limit 1 (prefix checks) + 2 writes (entry,
//                        layer) + 1 versionstamped write, and the same for each missing parent.
//   list                 lookup + 1 range read of the children.
//   move                 3 lookups + 2 writes.
//   remove               lookup + 1 range read per directory in the subtree + 2 clears each.
// Conflicts: lookups read the entries they walk serializably, so a concurrent move/remove/create
// of those entries makes the caller's commit fail with not_committed (1020) and the retry loop
// re-resolves the path. Allocation conflicts only with an allocator that picked the same
// candidate (section 9.3). Every mutation writes the metadata-version key as a blind
// versionstamped write: mutations never conflict with each other through it.
//
// On commit_unknown_result (1021) — what a caller running its own retry loop does:
//   createOrOpen    idempotent: retry it; the retry opens what the first attempt created.
//   create          retry; directory_already_exists (2256) on the retry may mean the first
//                   attempt landed: open the path and compare its prefix with the one the first
//                   attempt returned (or use the Database& overload, which does exactly that).
//   move            retry; directory_does_not_exist (2257) / directory_already_exists (2256) on
//                   the retry may mean it landed: open the new path and compare prefixes (the
//                   Database& overload does).
//   remove          retry; directory_does_not_exist (2257) on the retry means it landed (the
//                   Database& overload returns normally then). removeIfExists is idempotent.
//   list / exists   read only: retry.
//
// Cache (DirectoryLayerOptions::cacheCapacity > 0): resolved paths are remembered per layer and
// validated by one serializable read of the metadata-version key, which every strata mutation
// rewrites with a versionstamp; so a move or remove by any strata process invalidates every
// cache at once, and a transaction that used a cached entry conflicts with a concurrent change.
// The official bindings do not write that key: do not cache while they mutate the same tree.
// In a transaction that has itself mutated the directory, lookups bypass the cache. As with
// FoundationDB's \xff/metadataVersion, a transaction that mutated the directory (cache or not)
// cannot read the metadata-version key (N.key(), FE by default) afterwards: a range read
// covering it raises accessed_unreadable (1036).
//
// Limits: names are unicode strings of any bytes except that the "a/b/c" form cannot hold '/';
// paths as deep as the key limit allows (each level adds its name to one key). remove of a big
// subtree is one transaction: under 10 MB of clears and 5 s (transaction_too_large 2101,
// transaction_too_old 1007 otherwise). Removing a directory does not stop a client still holding
// its prefix from writing there.
//
// Thread safety: DirectoryLayer and DirectorySubspace are immutable after construction (the
// cache is internally synchronised); share them freely. Each call uses the Transaction it is
// given, which is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/transaction.h"
#include "strata/subspace.h"
#include "strata/tuple.h"

namespace strata {

// A path of directory names, outermost first; relative to the object it is given to.
using DirectoryPath = std::vector<std::string>;

// "a/b/c" -> {"a", "b", "c"}; "" and "/" -> {} (the root). One leading and one trailing '/' are
// ignored. Throws: invalid_input (3005) for an empty name ("a//b").
[[nodiscard]] DirectoryPath parseDirectoryPath(std::string_view text);
// {"a", "b"} -> "a/b"; {} -> "".
[[nodiscard]] std::string formatDirectoryPath(const DirectoryPath& path);

// The layer of a directory partition.
inline constexpr std::string_view kPartitionLayer = "partition";

enum class ManualPrefixes : bool { kDisallow, kAllow };

struct DirectoryLayerOptions {
  // Where directory metadata lives. FoundationDB's default: raw prefix FE.
  Subspace nodeSubspace{std::string("\xfe")};
  // Under which allocated prefixes are placed. Default: the whole key space.
  Subspace contentSubspace{};
  // Whether create() accepts a caller-chosen prefix (manual_prefixes_not_enabled 2253 if not).
  ManualPrefixes manualPrefixes = ManualPrefixes::kDisallow;
  // Resolved paths remembered (see Cache above); 0 disables the cache. Memory: about
  // 100 bytes + the path and prefix per entry.
  std::size_t cacheCapacity = 0;
};

// Counters of a directory layer's cache (shared with its partitions' layers).
struct DirectoryCacheStats {
  uint64_t hits = 0;    // lookups answered from the cache
  uint64_t misses = 0;  // lookups that walked the tree (absent or stale entry)
};

class DirectorySubspace;
class DirectoryCache;

class DirectoryLayer {
 public:
  // FoundationDB's default directory layer: node subspace FE, content subspace empty.
  DirectoryLayer();
  explicit DirectoryLayer(DirectoryLayerOptions options);

  // Opens the directory at `path`, creating it and any missing parents (with no layer).
  // Returns: the directory (a partition when its layer is "partition").
  // Throws: cannot_open_root_directory (2255) for an empty path; mismatched_layer (2259) when
  //   `layer` is non-empty and differs from the stored layer; incompatible_directory_version
  //   (2263) for a tree of major version > 1, or of minor > 0 when it must create;
  //   directory_prefix_not_empty (2264) when the allocated prefix holds keys;
  //   directory_prefix_in_use (2265) when it overlaps a manual prefix.
  // Conflicts: the entries and layers walked; the allocator's candidate (when creating).
  [[nodiscard]] DirectorySubspace createOrOpen(Transaction& tr, const DirectoryPath& path,
                                               std::string_view layer = {}) const;
  // As createOrOpen, never creating. Throws: directory_does_not_exist (2257), 2255, 2259, 2263.
  [[nodiscard]] DirectorySubspace open(Transaction& tr, const DirectoryPath& path,
                                       std::string_view layer = {}) const;
  // As createOrOpen, never opening; with `prefix`, uses it instead of allocating one.
  // Throws: directory_already_exists (2256); manual_prefixes_not_enabled (2253) or, inside a
  //   partition, prefix_in_partition (2254) when a prefix is given without
  //   ManualPrefixes::kAllow; directory_prefix_in_use (2265) when `prefix` is empty or overlaps
  //   the node subspace or another directory's prefix; and as createOrOpen.
  [[nodiscard]] DirectorySubspace create(Transaction& tr, const DirectoryPath& path,
                                         std::string_view layer = {},
                                         std::optional<std::string> prefix = std::nullopt) const;
  // Moves the directory at `oldPath` (with its subtree and contents: the prefix is kept) to
  // `newPath`, whose parent must exist. Returns: the directory at its new path.
  // Throws: cannot_modify_root_directory (2267) when either path is empty;
  //   invalid_destination_directory (2266) when newPath is inside oldPath;
  //   directory_does_not_exist (2257) for oldPath; directory_already_exists (2256) for newPath;
  //   parent_directory_does_not_exist (2258); cannot_move_directory_between_partitions (2261).
  [[nodiscard]] DirectorySubspace move(Transaction& tr, const DirectoryPath& oldPath,
                                       const DirectoryPath& newPath) const;
  // Removes the directory, its subdirectories and every key under their prefixes.
  // Throws: cannot_modify_root_directory (2267) for an empty path; directory_does_not_exist
  //   (2257). Cost: see above; the clears count against the 10 MB limit.
  void remove(Transaction& tr, const DirectoryPath& path) const;
  // As remove. Returns: false (and changes nothing) when the directory does not exist.
  [[nodiscard]] bool removeIfExists(Transaction& tr, const DirectoryPath& path) const;
  // Returns: the names of the directory's children in key order (UTF-8 byte order).
  // Throws: directory_does_not_exist (2257).
  [[nodiscard]] std::vector<std::string> list(Transaction& tr,
                                              const DirectoryPath& path = {}) const;
  // Returns: whether the directory exists; the root always does.
  [[nodiscard]] bool exists(Transaction& tr, const DirectoryPath& path = {}) const;
  // Listing from a position (what `strata dir ls --limit/--continue` does): walk listRange(path)
  // with a strata::Scan (strata/kv/scan.h) and decode each row's key with listedName(); the
  // Scan's continuation token is the opaque position. Rows come in list() order. Each batch is a
  // consistent snapshot, the whole listing is not (a subdirectory created, moved or removed
  // meanwhile may or may not show).
  // Returns: the key range of the directory's subdirectory entries (for a directory inside a
  //   partition, in the partition's node subspace).
  // Throws: as list(). Conflicts: the entries walked to resolve `path`.
  [[nodiscard]] KeyRange listRange(Transaction& tr, const DirectoryPath& path = {}) const;
  // The subdirectory name of a key of `range` (a listRange() result).
  // Throws: invalid_directory_layer_metadata (2260) for a key outside `range` or not (name,).
  [[nodiscard]] static std::string listedName(const KeyRange& range, std::string_view key);

  // The same operations run in the database's retry loop (Database::run or, for list and
  // exists, Database::read). create, move and remove resolve commit_unknown_result (1021) as
  // described at the top of this file.
  [[nodiscard]] DirectorySubspace createOrOpen(Database& db, const DirectoryPath& path,
                                               std::string_view layer = {}) const;
  [[nodiscard]] DirectorySubspace open(Database& db, const DirectoryPath& path,
                                       std::string_view layer = {}) const;
  [[nodiscard]] DirectorySubspace create(Database& db, const DirectoryPath& path,
                                         std::string_view layer = {},
                                         std::optional<std::string> prefix = std::nullopt) const;
  [[nodiscard]] DirectorySubspace move(Database& db, const DirectoryPath& oldPath,
                                       const DirectoryPath& newPath) const;
  void remove(Database& db, const DirectoryPath& path) const;
  [[nodiscard]] bool removeIfExists(Database& db, const DirectoryPath& path) const;
  [[nodiscard]] std::vector<std::string> list(Database& db, const DirectoryPath& path = {}) const;
  [[nodiscard]] bool exists(Database& db, const DirectoryPath& path = {}) const;

  [[nodiscard]] const Subspace& nodeSubspace() const noexcept { return node_; }
  [[nodiscard]] const Subspace& contentSubspace() const noexcept { return content_; }
  // The absolute path of this layer's root: {} for a top-level layer, the partition's path for
  // a partition's layer.
  [[nodiscard]] const DirectoryPath& path() const noexcept { return path_; }
  // Returns: the cache's counters; zeros without a cache.
  [[nodiscard]] DirectoryCacheStats cacheStats() const;

 private:
  friend class DirectorySubspace;
  friend class DirectoryPartition;
  struct Node;
  struct Impl;

  DirectoryLayer(Subspace node, Subspace content, ManualPrefixes manual, DirectoryPath path,
                 std::shared_ptr<DirectoryCache> cache);
  [[nodiscard]] DirectoryLayer partitionLayer(const std::string& prefix,
                                              const DirectoryPath& absolutePath) const;

  Subspace node_;
  Subspace content_;
  std::string rootNode_;  // node(node_.key()): FE 01 FE 00 by default
  ManualPrefixes manual_ = ManualPrefixes::kDisallow;
  DirectoryPath path_;
  std::shared_ptr<DirectoryCache> cache_;  // shared with partitions' layers; may be null
};

// A directory: its content prefix (as a Subspace), absolute path and layer, and the directory
// operations relative to it (a path {} names this directory itself).
//
// A DirectorySubspace converts to `const Subspace&`, so it is passed wherever a Subspace is
// taken (`Counter(users)`), except for a partition: a partition's prefix belongs to its own
// directory layer, and every Subspace method and the conversion throw
// cannot_use_partition_as_subspace (2262).
//
// Thread safety: immutable after construction; share freely.
class DirectorySubspace {
 public:
  [[nodiscard]] const DirectoryPath& path() const noexcept { return path_; }
  [[nodiscard]] const std::string& layer() const noexcept { return layer_; }
  [[nodiscard]] bool isPartition() const noexcept { return layer_ == kPartitionLayer; }
  // The layer that creates this directory's children (a partition's own layer for a partition).
  [[nodiscard]] const DirectoryLayer& directoryLayer() const noexcept { return layer0_; }

  // The Subspace methods (subspace.h). Each Throws: cannot_use_partition_as_subspace (2262) for
  // a partition, and what the Subspace method throws.
  [[nodiscard]] const Subspace& subspace() const;
  operator const Subspace&() const { return subspace(); }  // NOLINT: a directory is a subspace
  [[nodiscard]] const std::string& key() const { return subspace().key(); }
  [[nodiscard]] std::string pack(const Tuple& t = {}) const { return subspace().pack(t); }
  [[nodiscard]] std::string packWithVersionstamp(const Tuple& t) const {
    return subspace().packWithVersionstamp(t);
  }
  [[nodiscard]] Tuple unpack(std::string_view key) const { return subspace().unpack(key); }
  [[nodiscard]] KeyRange range(const Tuple& t = {}) const { return subspace().range(t); }
  [[nodiscard]] bool contains(std::string_view key) const { return subspace().contains(key); }
  [[nodiscard]] Subspace sub(const Tuple& t) const { return subspace().sub(t); }
  [[nodiscard]] Subspace operator[](const TupleElement& e) const { return subspace()[e]; }

  // DirectoryLayer's operations with paths relative to this directory; see DirectoryLayer for
  // Returns/Throws. remove/removeIfExists/exists with {} act on this directory itself.
  [[nodiscard]] DirectorySubspace createOrOpen(Transaction& tr, const DirectoryPath& path,
                                               std::string_view layer = {}) const;
  [[nodiscard]] DirectorySubspace open(Transaction& tr, const DirectoryPath& path,
                                       std::string_view layer = {}) const;
  [[nodiscard]] DirectorySubspace create(Transaction& tr, const DirectoryPath& path,
                                         std::string_view layer = {},
                                         std::optional<std::string> prefix = std::nullopt) const;
  [[nodiscard]] DirectorySubspace move(Transaction& tr, const DirectoryPath& oldPath,
                                       const DirectoryPath& newPath) const;
  // Moves this directory to `newAbsolutePath` (absolute, unlike every other path here).
  // Throws: cannot_move_directory_between_partitions (2261) when it leaves this directory's
  //   partition; and as DirectoryLayer::move.
  [[nodiscard]] DirectorySubspace moveTo(Transaction& tr,
                                         const DirectoryPath& newAbsolutePath) const;
  void remove(Transaction& tr, const DirectoryPath& path = {}) const;
  [[nodiscard]] bool removeIfExists(Transaction& tr, const DirectoryPath& path = {}) const;
  [[nodiscard]] std::vector<std::string> list(Transaction& tr,
                                              const DirectoryPath& path = {}) const;
  [[nodiscard]] bool exists(Transaction& tr, const DirectoryPath& path = {}) const;

  // The same, each in the database's retry loop (as DirectoryLayer's Database& overloads).
  [[nodiscard]] DirectorySubspace createOrOpen(Database& db, const DirectoryPath& path,
                                               std::string_view layer = {}) const;
  [[nodiscard]] DirectorySubspace open(Database& db, const DirectoryPath& path,
                                       std::string_view layer = {}) const;
  [[nodiscard]] DirectorySubspace create(Database& db, const DirectoryPath& path,
                                         std::string_view layer = {},
                                         std::optional<std::string> prefix = std::nullopt) const;
  [[nodiscard]] DirectorySubspace move(Database& db, const DirectoryPath& oldPath,
                                       const DirectoryPath& newPath) const;
  [[nodiscard]] DirectorySubspace moveTo(Database& db, const DirectoryPath& newAbsolutePath) const;
  void remove(Database& db, const DirectoryPath& path = {}) const;
  [[nodiscard]] bool removeIfExists(Database& db, const DirectoryPath& path = {}) const;
  [[nodiscard]] std::vector<std::string> list(Database& db, const DirectoryPath& path = {}) const;
  [[nodiscard]] bool exists(Database& db, const DirectoryPath& path = {}) const;

  // "DirectorySubspace(path=a/b, prefix=b\"\\x15\\x07\", layer=\"\")", for messages.
  [[nodiscard]] std::string toString() const;

 private:
  friend class DirectoryLayer;
  friend class DirectoryPartition;
  DirectorySubspace(DirectoryPath path, std::string prefix, std::string layer, DirectoryLayer owner,
                    std::optional<DirectoryLayer> parent);
  // The path of `relative` inside `layer` (this directory's path minus the layer's own path).
  [[nodiscard]] DirectoryPath subpath(const DirectoryPath& relative,
                                      const DirectoryLayer& layer) const;
  // The layer that holds `relative`: the parent layer for {} on a partition, else layer0_.
  [[nodiscard]] const DirectoryLayer& layerFor(const DirectoryPath& relative) const;

  Subspace prefix_;
  DirectoryPath path_;
  std::string layer_;
  DirectoryLayer layer0_;                 // creates the children
  std::optional<DirectoryLayer> parent_;  // a partition's enclosing layer
};

// A directory whose layer is "partition", as its own type for functions that need one.
// Thread safety: immutable after construction; share freely.
class DirectoryPartition : public DirectorySubspace {
 public:
  // Throws: mismatched_layer (2259) unless directory.isPartition().
  explicit DirectoryPartition(DirectorySubspace directory);
  // The layer that lives inside the partition (node subspace prefix + FE, content prefix).
  [[nodiscard]] const DirectoryLayer& partitionLayer() const noexcept { return directoryLayer(); }
};

}  // namespace strata
