// The directory layer: FoundationDB's modern binding behaviour (fdb-api.md section 9), with the
// root-path edge cases raising cannot_modify_root_directory (2267) instead of failing by
// accident, and an optional path cache validated by a metadata-version key.
#include "strata/directory.h"

#include <algorithm>
#include <utility>

#include "directory/cache.h"
#include "directory/hca.h"
#include "strata/kv/error.h"
#include "strata/kv/key_selector.h"
#include "strata/kv/mutation.h"
#include "strata/kv/range.h"

namespace strata {
namespace {

constexpr int64_t kSubdirs = 0;
constexpr uint32_t kVersion[3] = {1, 0, 0};

const Tuple& layerKeyTuple() {
  static const Tuple t{Bytes("layer")};
  return t;
}

std::string versionValue() {
  std::string out;
  for (uint32_t part : kVersion) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((part >> (8 * i)) & 0xff));
  }
  return out;
}

uint32_t readLittleEndian32(std::string_view bytes) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= uint32_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
  return value;
}

DirectoryPath slice(const DirectoryPath& path, size_t begin, size_t end) {
  return DirectoryPath(path.begin() + static_cast<std::ptrdiff_t>(begin),
                       path.begin() + static_cast<std::ptrdiff_t>(end));
}

DirectoryPath concat(const DirectoryPath& a, const DirectoryPath& b) {
  DirectoryPath out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

bool startsWith(const DirectoryPath& path, const DirectoryPath& prefix) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

}  // namespace

DirectoryPath parseDirectoryPath(std::string_view text) {
  if (text.starts_with('/')) text.remove_prefix(1);
  if (text.ends_with('/')) text.remove_suffix(1);
  DirectoryPath path;
  if (text.empty()) return path;
  for (;;) {
    size_t slash = text.find('/');
    std::string_view name = text.substr(0, slash);
    if (name.empty()) throwError(ErrorCode::invalid_input, "empty directory name in path");
    path.emplace_back(name);
    if (slash == std::string_view::npos) return path;
    text.remove_prefix(slash + 1);
  }
}

std::string formatDirectoryPath(const DirectoryPath& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out += '/';
    out += path[i];
  }
  return out;
}

// A step of a lookup: the directory reached after walking `path` towards `target`.
struct DirectoryLayer::Node {
  std::optional<std::string> prefix;  // content prefix; nullopt when the directory is missing
  DirectoryPath path;                 // the names walked (relative to the layer)
  DirectoryPath target;               // the whole path looked up
  std::string layer;

  [[nodiscard]] bool exists() const { return prefix.has_value(); }
  // True when the walk stopped at a partition that `target` continues into (or ends at, with
  // includeEmptySubpath).
  [[nodiscard]] bool isInPartition(bool includeEmptySubpath = false) const {
    return exists() && layer == kPartitionLayer &&
           (includeEmptySubpath ? path.size() <= target.size() : path.size() < target.size());
  }
  [[nodiscard]] DirectoryPath partitionSubpath() const {
    return slice(target, path.size(), target.size());
  }
};

// The operations, as static functions over a layer (keeps the private helpers out of the header).
struct DirectoryLayer::Impl {
  using Layer = DirectoryLayer;

  static std::string nodeKey(const Layer& l, std::string_view prefix) {
    return l.node_.pack(Tuple{Bytes(prefix)});
  }
  static std::string entryKey(const Layer& l, std::string_view parentPrefix,
                              const std::string& name) {
    return nodeKey(l, parentPrefix) + Tuple{kSubdirs, name}.pack();
  }
  static std::string versionKey(const Layer& l) {
    return l.rootNode_ + Tuple{Bytes("version")}.pack();
  }
  // The node subspace's own key: outside node_.range(), so no range the layer reads covers it
  // (a range read over a key written by a versionstamped op here fails with 1036).
  static const std::string& metadataVersionKey(const Layer& l) { return l.node_.key(); }

  // Version check (section 9.1): missing -> readers proceed, writers create it.
  static void checkVersion(const Layer& l, Transaction& tr, bool writeAccess) {
    const std::string key = versionKey(l);
    std::optional<std::string> value = tr.get(key);
    if (!value) {
      if (writeAccess) tr.set(key, versionValue());
      return;
    }
    if (value->size() != 12) {
      throwError(ErrorCode::invalid_directory_layer_metadata, "version value is not 12 bytes");
    }
    uint32_t major = readLittleEndian32(*value), minor = readLittleEndian32(value->substr(4));
    uint32_t patch = readLittleEndian32(value->substr(8));
    std::string found =
        std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    if (major > kVersion[0]) {
      throwError(ErrorCode::incompatible_directory_version,
                 "cannot load directory layer version " + found + " (this is 1.0.0)");
    }
    if (minor > kVersion[1] && writeAccess) {
      throwError(ErrorCode::incompatible_directory_version,
                 "directory layer version " + found + " is read-only for this 1.0.0 layer");
    }
  }

  // Rewrites the metadata-version key with the commit's versionstamp (blind, conflict-free
  // between writers). Later reads of it in this transaction fail with 1036: lookups then bypass
  // the cache, so nothing resolved from uncommitted state is ever cached.
  static void bumpMetadataVersion(const Layer& l, Transaction& tr) {
    std::string param(14, '\0');  // 10 stamp bytes, then the offset 0 as uint32 LE
    tr.atomicOp(MutationType::kSetVersionstampedValue, metadataVersionKey(l), param);
  }

  static std::string cacheKey(const Layer& l, const DirectoryPath& path) {
    Tuple t{Bytes(l.node_.key())};
    for (const std::string& name : path) t.append(name);
    return t.pack();
  }

  // Reads the metadata-version key for the cache. Returns: nullopt when this transaction wrote
  // it (the cache must not be used).
  static std::optional<std::string> readMetadataVersion(const Layer& l, Transaction& tr) {
    try {
      return tr.get(metadataVersionKey(l)).value_or(std::string());
    } catch (const Error& e) {
      if (e.errorCode() == ErrorCode::accessed_unreadable) return std::nullopt;
      throw;
    }
  }

  static Node find(const Layer& l, Transaction& tr, const DirectoryPath& path) {
    std::optional<std::string> version;
    std::string key;
    if (l.cache_ && !path.empty()) {
      version = readMetadataVersion(l, tr);
      if (version) {
        key = cacheKey(l, path);
        if (auto hit = l.cache_->lookup(key, *version)) {
          return Node{std::move(hit->prefix), slice(path, 0, hit->walked), path,
                      std::move(hit->layer)};
        }
      }
    }
    Node node = walk(l, tr, path);
    if (version && node.exists()) {
      l.cache_->insert(key, *version, {*node.prefix, node.layer, node.path.size()});
    }
    return node;
  }

  // Section 9.2's lookup: one entry read and one layer read per level, stopping at a missing
  // directory or at a partition.
  static Node walk(const Layer& l, Transaction& tr, const DirectoryPath& path) {
    Node node{l.node_.key(), {}, path, {}};
    for (size_t i = 0; i < path.size(); ++i) {
      std::optional<std::string> child = tr.get(entryKey(l, *node.prefix, path[i]));
      node.path = slice(path, 0, i + 1);
      node.prefix = std::move(child);
      if (!node.prefix) return node;
      node.layer = tr.get(nodeKey(l, *node.prefix) + layerKeyTuple().pack()).value_or("");
      if (node.layer == kPartitionLayer) return node;
    }
    return node;
  }

  static DirectorySubspace contents(const Layer& l, const std::string& prefix,
                                    const DirectoryPath& path, const std::string& layer) {
    DirectoryPath absolute = concat(l.path_, path);
    if (layer == kPartitionLayer) {
      DirectoryLayer inner = l.partitionLayer(prefix, absolute);
      return DirectorySubspace(std::move(absolute), prefix, layer, std::move(inner), l);
    }
    return DirectorySubspace(std::move(absolute), prefix, layer, l, std::nullopt);
  }

  // The layer living inside the partition that `node` stopped at.
  static DirectoryLayer innerLayer(const Layer& l, const Node& node) {
    return l.partitionLayer(*node.prefix, concat(l.path_, node.path));
  }

  static std::string unpackNodePrefix(const Layer& l, std::string_view key) {
    Tuple t = l.node_.unpack(key);
    if (t.empty() || t.type(0) != TupleType::kBytes) {
      throwError(ErrorCode::invalid_directory_layer_metadata, "node key is not (bytes, ...)");
    }
    return t.getBytes(0);
  }

  // Section 9.2's prefix-free test: P is non-empty, outside the node subspace, no existing
  // directory's prefix is a prefix of P, and no existing prefix starts with P.
  static bool isPrefixFree(const Layer& l, Transaction& tr, const std::string& prefix,
                           Snapshot snapshot) {
    if (prefix.empty() || prefix.starts_with(l.node_.key())) return false;
    RangeOptions one;
    one.limit = 1;
    one.snapshot = snapshot;
    RangeOptions lastOne = one;
    lastOne.reverse = Reverse::kYes;
    std::vector<KeyValue> before =
        tr.getRangeAll(l.node_.range().begin, nodeKey(l, prefix) + '\x00', lastOne);
    if (!before.empty() && prefix.starts_with(unpackNodePrefix(l, before[0].key))) return false;
    std::vector<KeyValue> after =
        tr.getRangeAll(nodeKey(l, prefix), nodeKey(l, strinc(prefix)), one);
    return after.empty();
  }

  static DirectorySubspace createOrOpen(const Layer& l, Transaction& tr, const DirectoryPath& path,
                                        std::string_view layer,
                                        const std::optional<std::string>& prefix, bool allowCreate,
                                        bool allowOpen) {
    checkVersion(l, tr, false);
    if (prefix && l.manual_ != ManualPrefixes::kAllow) {
      if (l.path_.empty()) throwError(ErrorCode::manual_prefixes_not_enabled);
      throwError(ErrorCode::prefix_in_partition);
    }
    if (path.empty()) throwError(ErrorCode::cannot_open_root_directory);

    Node existing = find(l, tr, path);
    if (existing.exists()) {
      if (existing.isInPartition()) {
        return createOrOpen(innerLayer(l, existing), tr, existing.partitionSubpath(), layer, prefix,
                            allowCreate, allowOpen);
      }
      if (!allowOpen) throwError(ErrorCode::directory_already_exists, formatDirectoryPath(path));
      if (!layer.empty() && existing.layer != layer) {
        throwError(ErrorCode::mismatched_layer, "stored layer '" + printable(existing.layer) +
                                                    "', requested '" + printable(layer) + "'");
      }
      return contents(l, *existing.prefix, path, existing.layer);
    }
    if (!allowCreate) throwError(ErrorCode::directory_does_not_exist, formatDirectoryPath(path));

    checkVersion(l, tr, true);
    std::string newPrefix;
    if (!prefix) {
      newPrefix =
          l.content_.key() + directory::hcaAllocate(tr, Subspace(l.rootNode_)[Bytes("hca")]);
      RangeOptions one;
      one.limit = 1;
      if (!tr.getRangeAll(newPrefix, strinc(newPrefix), one).empty()) {
        throwError(ErrorCode::directory_prefix_not_empty, printable(newPrefix));
      }
      if (!isPrefixFree(l, tr, newPrefix, Snapshot::kYes)) {
        throwError(ErrorCode::directory_prefix_in_use,
                   "a manual prefix conflicts with allocated prefix " + printable(newPrefix));
      }
    } else {
      newPrefix = *prefix;
      if (newPrefix.starts_with('\xff')) {
        throwError(ErrorCode::key_outside_legal_range, "directory prefix in the system keys");
      }
      if (!isPrefixFree(l, tr, newPrefix, Snapshot::kNo)) {
        throwError(ErrorCode::directory_prefix_in_use, printable(newPrefix));
      }
    }

    std::string parentPrefix = l.node_.key();
    if (path.size() > 1) {
      DirectorySubspace parent =
          createOrOpen(l, tr, slice(path, 0, path.size() - 1), {}, std::nullopt, true, true);
      parentPrefix = parent.prefix_.key();
    }
    tr.set(entryKey(l, parentPrefix, path.back()), newPrefix);
    tr.set(nodeKey(l, newPrefix) + layerKeyTuple().pack(), layer);
    bumpMetadataVersion(l, tr);
    return contents(l, newPrefix, path, std::string(layer));
  }

  static std::vector<std::pair<std::string, std::string>> children(const Layer& l, Transaction& tr,
                                                                   const std::string& prefix) {
    Subspace subdirs(nodeKey(l, prefix) + Tuple{kSubdirs}.pack());
    KeyRange range = subdirs.range();
    std::vector<std::pair<std::string, std::string>> out;
    for (const KeyValue& kv : tr.getRange(range.begin, range.end)) {
      Tuple name = subdirs.unpack(kv.key);
      if (name.size() != 1 || name.type(0) != TupleType::kString) {
        throwError(ErrorCode::invalid_directory_layer_metadata,
                   "subdirectory entry " + name.toString() + " is not (unicode name,)");
      }
      out.emplace_back(name.getString(0), kv.value);
    }
    return out;
  }

  static void removeRecursive(const Layer& l, Transaction& tr, const std::string& prefix) {
    for (const auto& [name, childPrefix] : children(l, tr, prefix)) {
      removeRecursive(l, tr, childPrefix);
    }
    tr.clearRange(prefix, strinc(prefix));
    KeyRange node = Subspace(nodeKey(l, prefix)).range();
    tr.clearRange(node.begin, node.end);
  }

  static void removeFromParent(const Layer& l, Transaction& tr, const DirectoryPath& path) {
    Node parent = find(l, tr, slice(path, 0, path.size() - 1));
    tr.clear(entryKey(l, *parent.prefix, path.back()));
  }

  static bool remove(const Layer& l, Transaction& tr, const DirectoryPath& path,
                     bool failOnMissing) {
    checkVersion(l, tr, true);
    if (path.empty()) throwError(ErrorCode::cannot_modify_root_directory, "cannot remove root");
    Node node = find(l, tr, path);
    if (!node.exists()) {
      if (failOnMissing) {
        throwError(ErrorCode::directory_does_not_exist, formatDirectoryPath(path));
      }
      return false;
    }
    if (node.isInPartition()) {
      return remove(innerLayer(l, node), tr, node.partitionSubpath(), failOnMissing);
    }
    removeRecursive(l, tr, *node.prefix);
    removeFromParent(l, tr, path);
    bumpMetadataVersion(l, tr);
    return true;
  }

  static DirectorySubspace move(const Layer& l, Transaction& tr, const DirectoryPath& oldPath,
                                const DirectoryPath& newPath) {
    checkVersion(l, tr, true);
    if (oldPath.empty() || newPath.empty()) {
      throwError(ErrorCode::cannot_modify_root_directory, "cannot move the root or onto it");
    }
    if (startsWith(newPath, oldPath)) {
      throwError(ErrorCode::invalid_destination_directory,
                 formatDirectoryPath(newPath) + " is inside " + formatDirectoryPath(oldPath));
    }
    Node oldNode = find(l, tr, oldPath);
    Node newNode = find(l, tr, newPath);
    if (!oldNode.exists()) {
      throwError(ErrorCode::directory_does_not_exist, formatDirectoryPath(oldPath));
    }
    if (oldNode.isInPartition() || newNode.isInPartition()) {
      if (!oldNode.isInPartition() || !newNode.isInPartition() || oldNode.path != newNode.path) {
        throwError(ErrorCode::cannot_move_directory_between_partitions);
      }
      return move(innerLayer(l, newNode), tr, oldNode.partitionSubpath(),
                  newNode.partitionSubpath());
    }
    if (newNode.exists()) {
      throwError(ErrorCode::directory_already_exists, formatDirectoryPath(newPath));
    }
    Node parent = find(l, tr, slice(newPath, 0, newPath.size() - 1));
    if (!parent.exists()) {
      throwError(ErrorCode::parent_directory_does_not_exist, formatDirectoryPath(newPath));
    }
    tr.set(entryKey(l, *parent.prefix, newPath.back()), *oldNode.prefix);
    removeFromParent(l, tr, oldPath);
    bumpMetadataVersion(l, tr);
    return contents(l, *oldNode.prefix, newPath, oldNode.layer);
  }

  static std::vector<std::string> list(const Layer& l, Transaction& tr, const DirectoryPath& path) {
    checkVersion(l, tr, false);
    Node node = find(l, tr, path);
    if (!node.exists()) throwError(ErrorCode::directory_does_not_exist, formatDirectoryPath(path));
    if (node.isInPartition(true)) return list(innerLayer(l, node), tr, node.partitionSubpath());
    std::vector<std::string> names;
    for (auto& [name, prefix] : children(l, tr, *node.prefix)) names.push_back(std::move(name));
    return names;
  }

  static KeyRange listRange(const Layer& l, Transaction& tr, const DirectoryPath& path) {
    checkVersion(l, tr, false);
    Node node = find(l, tr, path);
    if (!node.exists()) throwError(ErrorCode::directory_does_not_exist, formatDirectoryPath(path));
    if (node.isInPartition(true)) {
      return listRange(innerLayer(l, node), tr, node.partitionSubpath());
    }
    return Subspace(nodeKey(l, *node.prefix) + Tuple{kSubdirs}.pack()).range();
  }

  static bool exists(const Layer& l, Transaction& tr, const DirectoryPath& path) {
    checkVersion(l, tr, false);
    Node node = find(l, tr, path);
    if (!node.exists()) return false;
    if (node.isInPartition()) return exists(innerLayer(l, node), tr, node.partitionSubpath());
    return true;
  }
};

// ---- DirectoryLayer ---------------------------------------------------------------------------

DirectoryLayer::DirectoryLayer() : DirectoryLayer(DirectoryLayerOptions{}) {}

DirectoryLayer::DirectoryLayer(DirectoryLayerOptions options)
    : DirectoryLayer(std::move(options.nodeSubspace), std::move(options.contentSubspace),
                     options.manualPrefixes, {},
                     options.cacheCapacity > 0
                         ? std::make_shared<DirectoryCache>(options.cacheCapacity)
                         : nullptr) {}

DirectoryLayer::DirectoryLayer(Subspace node, Subspace content, ManualPrefixes manual,
                               DirectoryPath path, std::shared_ptr<DirectoryCache> cache)
    : node_(std::move(node)),
      content_(std::move(content)),
      manual_(manual),
      path_(std::move(path)),
      cache_(std::move(cache)) {
  rootNode_ = node_.pack(Tuple{Bytes(node_.key())});
}

DirectoryLayer DirectoryLayer::partitionLayer(const std::string& prefix,
                                              const DirectoryPath& absolutePath) const {
  return DirectoryLayer(Subspace(prefix + '\xfe'), Subspace(prefix), ManualPrefixes::kDisallow,
                        absolutePath, cache_);
}

DirectoryCacheStats DirectoryLayer::cacheStats() const {
  if (!cache_) return {};
  return {cache_->hits(), cache_->misses()};
}

DirectorySubspace DirectoryLayer::createOrOpen(Transaction& tr, const DirectoryPath& path,
                                               std::string_view layer) const {
  return Impl::createOrOpen(*this, tr, path, layer, std::nullopt, true, true);
}

DirectorySubspace DirectoryLayer::open(Transaction& tr, const DirectoryPath& path,
                                       std::string_view layer) const {
  return Impl::createOrOpen(*this, tr, path, layer, std::nullopt, false, true);
}

DirectorySubspace DirectoryLayer::create(Transaction& tr, const DirectoryPath& path,
                                         std::string_view layer,
                                         std::optional<std::string> prefix) const {
  return Impl::createOrOpen(*this, tr, path, layer, prefix, true, false);
}

DirectorySubspace DirectoryLayer::move(Transaction& tr, const DirectoryPath& oldPath,
                                       const DirectoryPath& newPath) const {
  return Impl::move(*this, tr, oldPath, newPath);
}

void DirectoryLayer::remove(Transaction& tr, const DirectoryPath& path) const {
  (void)Impl::remove(*this, tr, path, true);
}

bool DirectoryLayer::removeIfExists(Transaction& tr, const DirectoryPath& path) const {
  return Impl::remove(*this, tr, path, false);
}

std::vector<std::string> DirectoryLayer::list(Transaction& tr, const DirectoryPath& path) const {
  return Impl::list(*this, tr, path);
}

bool DirectoryLayer::exists(Transaction& tr, const DirectoryPath& path) const {
  return Impl::exists(*this, tr, path);
}

KeyRange DirectoryLayer::listRange(Transaction& tr, const DirectoryPath& path) const {
  return Impl::listRange(*this, tr, path);
}

std::string DirectoryLayer::listedName(const KeyRange& range, std::string_view key) {
  // range.begin is the entries' prefix followed by 00 (Subspace::range()).
  std::string_view prefix(range.begin.data(), range.begin.empty() ? 0 : range.begin.size() - 1);
  if (range.begin.empty() || !key.starts_with(prefix) || key >= std::string_view(range.end)) {
    throwError(ErrorCode::invalid_directory_layer_metadata, "not a subdirectory entry key");
  }
  Tuple name = Tuple::unpack(key.substr(prefix.size()));
  if (name.size() != 1 || name.type(0) != TupleType::kString) {
    throwError(ErrorCode::invalid_directory_layer_metadata,
               "subdirectory entry " + name.toString() + " is not (unicode name,)");
  }
  return name.getString(0);
}

// ---- Database& conveniences -------------------------------------------------------------------

namespace {

// What a retry attempt knows about the attempts before it.
struct Attempt {
  bool previousMaybeCommitted = false;  // the previous attempt ended with 1021
  bool anyMaybeCommitted = false;       // some earlier attempt did
};

// Database::run that tells fn(tr, attempt) whether earlier attempts may have committed.
template <class Fn>
auto runTracking(Database& db, Fn&& fn) {
  Transaction tr = db.createTransaction();
  Attempt attempt;
  for (;;) {
    try {
      auto result = fn(tr, static_cast<const Attempt&>(attempt));
      tr.commit();
      return result;
    } catch (const Error& e) {
      attempt.previousMaybeCommitted = e.isMaybeCommitted();
      attempt.anyMaybeCommitted = attempt.anyMaybeCommitted || e.isMaybeCommitted();
      tr.onError(e);
    }
  }
}

}  // namespace

DirectorySubspace DirectoryLayer::createOrOpen(Database& db, const DirectoryPath& path,
                                               std::string_view layer) const {
  return db.run([&](Transaction& tr) { return createOrOpen(tr, path, layer); });
}

DirectorySubspace DirectoryLayer::open(Database& db, const DirectoryPath& path,
                                       std::string_view layer) const {
  return db.read([&](Transaction& tr) { return open(tr, path, layer); });
}

DirectorySubspace DirectoryLayer::create(Database& db, const DirectoryPath& path,
                                         std::string_view layer,
                                         std::optional<std::string> prefix) const {
  std::vector<std::string> attempted;  // prefixes of attempts that may have committed
  std::string last;
  return runTracking(db, [&](Transaction& tr, const Attempt& attempt) {
    if (attempt.previousMaybeCommitted && !last.empty()) attempted.push_back(last);
    last.clear();
    try {
      DirectorySubspace created = create(tr, path, layer, prefix);
      last = created.prefix_.key();
      return created;
    } catch (const Error& e) {
      if (e.errorCode() != ErrorCode::directory_already_exists || attempted.empty()) throw;
      DirectorySubspace existing = open(tr, path);
      if (std::find(attempted.begin(), attempted.end(), existing.prefix_.key()) ==
          attempted.end()) {
        throw;
      }
      return existing;  // an earlier attempt landed
    }
  });
}

DirectorySubspace DirectoryLayer::move(Database& db, const DirectoryPath& oldPath,
                                       const DirectoryPath& newPath) const {
  std::vector<std::string> attempted;
  std::string last;
  return runTracking(db, [&](Transaction& tr, const Attempt& attempt) {
    if (attempt.previousMaybeCommitted && !last.empty()) attempted.push_back(last);
    last.clear();
    try {
      DirectorySubspace moved = move(tr, oldPath, newPath);
      last = moved.prefix_.key();
      return moved;
    } catch (const Error& e) {
      bool landed = e.errorCode() == ErrorCode::directory_does_not_exist ||
                    e.errorCode() == ErrorCode::directory_already_exists;
      if (!landed || attempted.empty() || !exists(tr, newPath) || exists(tr, oldPath)) throw;
      DirectorySubspace there = open(tr, newPath);
      if (std::find(attempted.begin(), attempted.end(), there.prefix_.key()) == attempted.end()) {
        throw;
      }
      return there;
    }
  });
}

void DirectoryLayer::remove(Database& db, const DirectoryPath& path) const {
  runTracking(db, [&](Transaction& tr, const Attempt& attempt) {
    try {
      remove(tr, path);
    } catch (const Error& e) {
      if (e.errorCode() != ErrorCode::directory_does_not_exist || !attempt.anyMaybeCommitted) {
        throw;
      }
    }
    return 0;
  });
}

bool DirectoryLayer::removeIfExists(Database& db, const DirectoryPath& path) const {
  return db.run([&](Transaction& tr) { return removeIfExists(tr, path); });
}

std::vector<std::string> DirectoryLayer::list(Database& db, const DirectoryPath& path) const {
  return db.read([&](Transaction& tr) { return list(tr, path); });
}

bool DirectoryLayer::exists(Database& db, const DirectoryPath& path) const {
  return db.read([&](Transaction& tr) { return exists(tr, path); });
}

// ---- DirectorySubspace ------------------------------------------------------------------------

DirectorySubspace::DirectorySubspace(DirectoryPath path, std::string prefix, std::string layer,
                                     DirectoryLayer owner, std::optional<DirectoryLayer> parent)
    : prefix_(std::move(prefix)),
      path_(std::move(path)),
      layer_(std::move(layer)),
      layer0_(std::move(owner)),
      parent_(std::move(parent)) {}

const Subspace& DirectorySubspace::subspace() const {
  if (isPartition()) {
    throwError(ErrorCode::cannot_use_partition_as_subspace, formatDirectoryPath(path_));
  }
  return prefix_;
}

DirectoryPath DirectorySubspace::subpath(const DirectoryPath& relative,
                                         const DirectoryLayer& layer) const {
  return concat(slice(path_, layer.path().size(), path_.size()), relative);
}

const DirectoryLayer& DirectorySubspace::layerFor(const DirectoryPath& relative) const {
  return relative.empty() && parent_ ? *parent_ : layer0_;
}

DirectorySubspace DirectorySubspace::createOrOpen(Transaction& tr, const DirectoryPath& path,
                                                  std::string_view layer) const {
  return layer0_.createOrOpen(tr, subpath(path, layer0_), layer);
}

DirectorySubspace DirectorySubspace::open(Transaction& tr, const DirectoryPath& path,
                                          std::string_view layer) const {
  return layer0_.open(tr, subpath(path, layer0_), layer);
}

DirectorySubspace DirectorySubspace::create(Transaction& tr, const DirectoryPath& path,
                                            std::string_view layer,
                                            std::optional<std::string> prefix) const {
  return layer0_.create(tr, subpath(path, layer0_), layer, std::move(prefix));
}

DirectorySubspace DirectorySubspace::move(Transaction& tr, const DirectoryPath& oldPath,
                                          const DirectoryPath& newPath) const {
  return layer0_.move(tr, subpath(oldPath, layer0_), subpath(newPath, layer0_));
}

DirectorySubspace DirectorySubspace::moveTo(Transaction& tr,
                                            const DirectoryPath& newAbsolutePath) const {
  const DirectoryLayer& layer = layerFor({});
  if (!startsWith(newAbsolutePath, layer.path())) {
    throwError(ErrorCode::cannot_move_directory_between_partitions,
               formatDirectoryPath(newAbsolutePath) + " is outside partition " +
                   formatDirectoryPath(layer.path()));
  }
  const size_t n = layer.path().size();
  return layer.move(tr, slice(path_, n, path_.size()),
                    slice(newAbsolutePath, n, newAbsolutePath.size()));
}

void DirectorySubspace::remove(Transaction& tr, const DirectoryPath& path) const {
  const DirectoryLayer& layer = layerFor(path);
  layer.remove(tr, subpath(path, layer));
}

bool DirectorySubspace::removeIfExists(Transaction& tr, const DirectoryPath& path) const {
  const DirectoryLayer& layer = layerFor(path);
  return layer.removeIfExists(tr, subpath(path, layer));
}

std::vector<std::string> DirectorySubspace::list(Transaction& tr, const DirectoryPath& path) const {
  return layer0_.list(tr, subpath(path, layer0_));
}

bool DirectorySubspace::exists(Transaction& tr, const DirectoryPath& path) const {
  const DirectoryLayer& layer = layerFor(path);
  return layer.exists(tr, subpath(path, layer));
}

DirectorySubspace DirectorySubspace::createOrOpen(Database& db, const DirectoryPath& path,
                                                  std::string_view layer) const {
  return layer0_.createOrOpen(db, subpath(path, layer0_), layer);
}

DirectorySubspace DirectorySubspace::open(Database& db, const DirectoryPath& path,
                                          std::string_view layer) const {
  return layer0_.open(db, subpath(path, layer0_), layer);
}

DirectorySubspace DirectorySubspace::create(Database& db, const DirectoryPath& path,
                                            std::string_view layer,
                                            std::optional<std::string> prefix) const {
  return layer0_.create(db, subpath(path, layer0_), layer, std::move(prefix));
}

DirectorySubspace DirectorySubspace::move(Database& db, const DirectoryPath& oldPath,
                                          const DirectoryPath& newPath) const {
  return layer0_.move(db, subpath(oldPath, layer0_), subpath(newPath, layer0_));
}

bool DirectorySubspace::removeIfExists(Database& db, const DirectoryPath& path) const {
  const DirectoryLayer& layer = layerFor(path);
  return layer.removeIfExists(db, subpath(path, layer));
}

DirectorySubspace DirectorySubspace::moveTo(Database& db,
                                            const DirectoryPath& newAbsolutePath) const {
  const DirectoryLayer& layer = layerFor({});
  if (!startsWith(newAbsolutePath, layer.path())) {
    throwError(ErrorCode::cannot_move_directory_between_partitions,
               formatDirectoryPath(newAbsolutePath) + " is outside partition " +
                   formatDirectoryPath(layer.path()));
  }
  const size_t n = layer.path().size();
  return layer.move(db, slice(path_, n, path_.size()),
                    slice(newAbsolutePath, n, newAbsolutePath.size()));
}

void DirectorySubspace::remove(Database& db, const DirectoryPath& path) const {
  const DirectoryLayer& layer = layerFor(path);
  layer.remove(db, subpath(path, layer));
}

std::vector<std::string> DirectorySubspace::list(Database& db, const DirectoryPath& path) const {
  return layer0_.list(db, subpath(path, layer0_));
}

bool DirectorySubspace::exists(Database& db, const DirectoryPath& path) const {
  const DirectoryLayer& layer = layerFor(path);
  return layer.exists(db, subpath(path, layer));
}

std::string DirectorySubspace::toString() const {
  return "DirectorySubspace(path=" + formatDirectoryPath(path_) +
         ", prefix=" + TupleElement(Bytes(prefix_.key())).toString() + ", layer=\"" +
         printable(layer_) + "\")";
}

DirectoryPartition::DirectoryPartition(DirectorySubspace directory)
    : DirectorySubspace(std::move(directory)) {
  if (!isPartition()) {
    throwError(ErrorCode::mismatched_layer,
               "directory " + formatDirectoryPath(path()) + " is not a partition");
  }
}

}  // namespace strata
