// Shared between doc.cc (tree operations), doc_plugin.cc (plugin records and dispatch),
// doc_index.cc (the index plugins and queries) and doc_feed.cc (change feed, validator).
// Layout: include/strata/layers/doc.h and docs/FORMATS.md#documents.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/layers/doc.h"
#include "strata/layers/doc_plugin.h"

namespace strata::layers::docdetail {

// Subspace tags under the store's subspace (on-disk format: never renumber).
inline constexpr int64_t kTagNodes = 0;
inline constexpr int64_t kTagPluginRecords = 1;  // index definitions are plugin records
inline constexpr int64_t kTagIndexEntries = 2;
inline constexpr int64_t kTagBuildCursors = 3;
inline constexpr int64_t kTagPluginData = 5;

inline constexpr char kObjectValue = 'o';
inline constexpr char kArrayValue = 'a';

// Plugin record kinds (on-disk format: never renumber; 0 and 1 are IndexKind).
enum class PluginKind : int64_t {
  kValueIndex = 0,
  kExistsIndex = 1,
  kChangeFeed = 2,
  kValidator = 3,
  kExternal = 4,
};
inline constexpr int kIndexPriority = 0;
inline constexpr int kFeedPriority = 1000;        // late: logs what earlier plugins wrote too
inline constexpr int kValidatorPriority = -1000;  // early

// A DocPath or pattern element; std::nullopt is the `?` wildcard (patterns only).
using PatternElement = std::optional<DocPath::Element>;
// Throws: invalid_input (3005) on malformed text, or a wildcard when !allowWildcard.
std::vector<PatternElement> parsePathText(std::string_view text, bool allowWildcard);

Tuple toTuple(const DocPath& path);
DocPath fromTuple(const Tuple& t, size_t from = 0);

// Node values: "o", "a" or Tuple{scalar}.pack().
// Throws: invalid_input (3005) for a JSON value that is not a scalar.
std::string encodeScalar(const nlohmann::json& value);
nlohmann::json decodeValue(std::string_view bytes);
bool isContainer(std::string_view bytes);
// The element a value index stores for a scalar node value / JSON scalar (numbers as doubles).
TupleElement indexElement(std::string_view encodedScalar);
TupleElement indexElementOfJson(const nlohmann::json& value);
nlohmann::json jsonOfIndexElement(const TupleElement& e);

struct PluginRecord {
  std::string name;
  std::string pattern;
  PluginKind kind = PluginKind::kExternal;
  IndexState state = IndexState::kBuilding;
  int priority = 0;
  PluginScope scope = PluginScope::kNodes;
  std::string config;
  std::vector<PatternElement> parsed;
  int documentDepth = 0;  // elements up to and including the last wildcard
  [[nodiscard]] bool isIndex() const {
    return kind == PluginKind::kValueIndex || kind == PluginKind::kExistsIndex;
  }
};
using IndexDef = PluginRecord;

std::string encodeRecord(const PluginRecord& record);
// Throws: invalid_input (3005) for a corrupt record.
PluginRecord decodeRecord(std::string name, std::string_view bytes);
// Fills parsed and documentDepth from pattern. Throws: invalid_input (3005).
void parseRecordPattern(PluginRecord& record);
std::string kindName(PluginKind kind);

// Records as read by one transaction. Conflicts: the whole records range (doc.h: adding or
// removing a plugin makes concurrent writers retry).
std::vector<PluginRecord> loadRecords(Transaction& tr, const Subspace& records, Snapshot snapshot);
std::optional<PluginRecord> loadRecord(Transaction& tr, const Subspace& records,
                                       std::string_view name);

// Rewrites the plugins version key `key` with this commit's versionstamp followed by 8 random
// bytes (so two databases never share a value). Every change to plugin records or backfill
// cursors calls it in its transaction. Conflicts: none (a blind atomic op); later reads of `key`
// in this transaction fail with accessed_unreadable (1036).
void bumpPluginsVersion(Transaction& tr, std::string_view key);

bool patternMatches(const std::vector<PatternElement>& pattern, const Tuple& path);
bool patternPrefixMatches(const std::vector<PatternElement>& pattern, const Tuple& path,
                          size_t count);
// The entry key of `path` (holding `encoded`, a scalar for value indexes) in index `def`.
std::string entryKey(const Subspace& entries, const IndexDef& def, const Tuple& path,
                     std::string_view encoded);

// The built-in plugins, made from their records.
std::shared_ptr<const DocPlugin> makeIndexPlugin(const PluginRecord& record,
                                                 const Subspace& entries);
std::shared_ptr<const DocPlugin> makeChangeFeedPlugin(const PluginRecord& record,
                                                      const Subspace& data);
std::shared_ptr<const DocPlugin> makeValidatorPlugin(const PluginRecord& record);
// Throws: invalid_input (3005) for malformed validator rules.
void checkValidatorRules(const nlohmann::json& rules);

// The plugins one transaction runs: every record, each with its plugin object, in dispatch
// order, and the backfill cursors of the building ones.
// Throws: doc_plugin_not_registered (3011) for a recorded external plugin this store lacks;
//   client_invalid_operation (2000) when a registered plugin contradicts its record.
class Dispatcher {
 public:
  struct Active {
    PluginRecord record;
    std::shared_ptr<const DocPlugin> plugin;
    std::optional<std::string> cursor;  // building: node keys below it are hooked
  };
  using Set = std::vector<Active>;
  // Reads the plugins version (S + (1,), just before the records: one limit-1 read of
  // [version key, end of records) answers "version V", "no version but records" (a store whose
  // plugins 0.1.0 recorded: reload, never cache) or "neither" (no plugins at all: nothing
  // more to read)); reuses the store's cached set when it was loaded at V, else loads the
  // records (and the cursors while one builds) and caches them. Conflicts: the version key (or
  // the records range when there is no version), and what a reload reads.
  Dispatcher(const DocumentStore& store, Transaction& tr);

  [[nodiscard]] const std::vector<Active>& plugins() const { return *active_; }
  [[nodiscard]] const DocumentStore& store() const { return store_; }
  [[nodiscard]] Transaction& transaction() const { return tr_; }
  // Whether a plugin at `first` or later could see `path` or a node below it.
  [[nodiscard]] bool observesSubtree(const Tuple& path, size_t first) const;
  // Whether plugin `i` sees the node `path` (stored at `nodeKey`) now.
  [[nodiscard]] bool sees(size_t i, const Tuple& path, std::string_view nodeKey) const;
  [[nodiscard]] DocPluginContext context(size_t i);
  [[nodiscard]] DocPluginContext removalContext(size_t i);

  // Document writes made by plugin `position` (dispatched to those after it).
  void set(const DocPath& path, const nlohmann::json& value, size_t position);
  void update(const DocPath& path, const nlohmann::json& patch, size_t position);
  bool remove(const DocPath& path, size_t position);

 private:
  // Every record with its plugin object, in dispatch order.
  static std::shared_ptr<const Set> load(const DocumentStore& store, Transaction& tr);

  const DocumentStore& store_;
  Transaction& tr_;
  std::shared_ptr<const Set> active_;  // never null; shared with the cache
};

// A DocumentStore's last loaded plugin set, keyed by the plugins version it was loaded at (a
// versionstamp + random bytes: one value is one state of the records in one database). A store
// has one (copies share it: the set depends only on the subspace and the registered plugins,
// which copies share). Thread safety: internally synchronised.
class PluginCache {
 public:
  [[nodiscard]] std::shared_ptr<const Dispatcher::Set> lookup(std::string_view version) const {
    std::lock_guard lock(mu_);
    return version == version_ ? set_ : nullptr;
  }
  void insert(std::string version, std::shared_ptr<const Dispatcher::Set> set) {
    std::lock_guard lock(mu_);
    version_ = std::move(version);
    set_ = std::move(set);
  }

 private:
  mutable std::mutex mu_;
  std::string version_;
  std::shared_ptr<const Dispatcher::Set> set_;
};

// One mutation's hook calls: node changes go to the plugins from `first` on that see them;
// finish() calls onMutationEnd.
class Mutation {
 public:
  Mutation(Dispatcher& dispatcher, size_t first, std::optional<size_t> only = std::nullopt)
      : dispatcher_(dispatcher),
        first_(first),
        only_(only),
        perPlugin_(dispatcher.plugins().size()) {}
  [[nodiscard]] bool observesSubtree(const Tuple& path) const {
    return dispatcher_.observesSubtree(path, first_);
  }
  // `oldNodes` (node key -> value) holds the removed subtree when `newValue` is absent.
  void node(const Tuple& path, std::string_view nodeKey, const std::optional<std::string>& oldValue,
            const std::optional<std::string>& newValue, ChangeOrigin origin,
            const std::map<std::string, std::string>* oldNodes);
  void finish();

 private:
  Dispatcher& dispatcher_;
  size_t first_;
  std::optional<size_t> only_;
  std::deque<DocChange> changes_;
  std::vector<std::vector<const DocChange*>> perPlugin_;
};

// The subtree stored in `nodes` (key -> value) at `rootKey`, as JSON.
nlohmann::json subtreeJson(const Subspace& nodeSpace,
                           const std::map<std::string, std::string>& nodes,
                           const std::string& rootKey, size_t depth);

}  // namespace strata::layers::docdetail
