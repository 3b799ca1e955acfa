// DocumentStore: a hierarchical store of JSON documents under a caller's Subspace (usually a
// directory: DocumentStore(dirLayer.createOrOpen(tr, {"app", "docs"})); several independent stores
// per database). The store is one JSON tree; every node (object, array, string, number, boolean,
// null) is one key, addressed by a DocPath such as `pets.fido.species` or `pets.fido.tags[0]`.
// Values are typed through the tuple encoding, so an integer, a double, a string and a boolean
// stay distinct and sort in tuple order. Plugins (include/strata/layers/doc_plugin.h) see every
// write beneath their path pattern in the writing transaction; named indexes (stable names, not
// registration order as in the original SimpleDoc), change feeds and validators are plugins, kept
// exact in the same transaction as every write.
//
// Key layout (docs/FORMATS.md#documents, tuple-encoded under the subspace S):
//   (0, p1, ..., pn)             -> node value     the node at path p1..pn (strings for object
//                                                   members, integers for array elements); the
//                                                   root is (0,)
//       node value: "o" object | "a" array | Tuple{scalar}.pack() (null, bool, int, double,
//       string: first byte is the tuple type code, never 'o' or 'a')
//   (1,)                         -> versionstamp + 8 random bytes: the plugins version, rewritten
//                                   (kSetVersionstampedValue) by every change to the records or
//                                   cursors; absent until the first such change (sorts just
//                                   before the records, outside their range)
//   (1, name)                    -> Tuple{pattern, kind, state[, priority, scope, config]}.pack()
//                                   plugin record (an index's has only the first three): kind
//                                   0 value index, 1 exists index, 2 change feed, 3 validator,
//                                   4 external (registered by code); state 0 building, 1 ready;
//                                   scope 0 nodes, 1 subtrees; config JSON text (validator rules)
//   (2, name, v, p1, ..., pn)    -> ""             value-index entry: node p1..pn holds scalar v
//                                                   (numbers as doubles, see Limits)
//   (2, name, p1, ..., pn)       -> ""             exists-index entry: node p1..pn exists
//   (3, name)                    -> key            backfill cursor: data keys below it are done
//   (5, name, ...)               -> plugin-owned    pluginSubspace(name); cleared on removal
// Every node's ancestors exist as "o"/"a" nodes, so a node's own key precedes its descendants and
// listing children hops from child to child with one limit-1 read each, skipping subtrees.
//
// Cost per call (d = path depth, n = nodes written, o = old nodes under the path):
//   every mutation: one limit-1 read at the plugins version key (conflicting: adding, removing or
//     backfilling an index or plugin rewrites it, so concurrent writers retry, which is what
//     keeps them exact); only when the version differs from the one this store object last
//     loaded (another process or store changed the plugins, the key is absent, or this
//     transaction changed them itself) also a range read of the plugin records and, while a
//     plugin is building, of the backfill cursors (both conflicting); d reads of the ancestors
//     (created as containers when absent); then each matching plugin's own cost.
//   set: n writes + one range clear; reads the o old nodes only when a plugin pattern can match
//     at or below the path (to remove their entries) and a node was there (or an ancestor had
//     to be created), plus 1 write/clear per index entry.
//   update: set's cost per replaced member plus one read per merged object.
//   remove: one read of the node; o reads as for set; one range clear.
//   get: one range read of the subtree. listChildren: one limit-1 read per child returned.
//   find / findRange / findPrefix: one range read of the index entries.
// On commit_unknown_result (1021): every mutation is idempotent (set, update — a deep merge
//   applied twice gives the same tree — remove, addIndex with the same definition, buildIndex,
//   dropIndex, plugin adds, backfill steps and removals): retry it. With plugins, a mutation is
//   as idempotent as its plugins' hooks: the shipped ones are (a change feed logs only real
//   changes, so a retried identical write logs nothing), a plugin keeping counts with ADD is
//   too when it counts changes (old vs new value) rather than calls.
// Limits: a node's value up to 100,000 bytes (value_too_large, 2103); a path packs to under
//   ~9,900 bytes with the subspace prefix and, for indexed nodes, the indexed value (2102).
//   One set writes its subtree in one transaction (10 MB, 5 s): split big trees with
//   importJson(). Value indexes order numbers as doubles (integers beyond 2^53 round; the path
//   still leads to the exact stored integer); strings, numbers, booleans and null sort in tuple
//   order: null < strings < numbers < false < true.
// Thread safety: immutable after construction apart from the cache of the decoded plugin set
// (internally synchronised; copies share it); share freely (the plugins it was given are shared
// too: their hooks must be thread-safe). Every process writing a store must bump the plugins
// version when it changes plugins: strata 0.1.0 did not, so do not run 0.1.0 processes that add
// or remove plugins beside later ones.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

namespace docdetail {
class Dispatcher;
class Mutation;
class PluginCache;
}  // namespace docdetail

// A node's address: object member names and array indexes from the root.
// Text form: members separated by '.', array indexes in brackets: `pets.fido.tags[0]`,
// `[2].name`; `\` escapes '.', '[', ']' and '\' inside a name (toString() also writes a
// member named "?" as `\?`, the form index patterns read literally); "" is the root.
struct DocPath {
  using Element = std::variant<std::string, int64_t>;
  std::vector<Element> elements;

  // Throws: invalid_input (3005) for an empty member name, a bad or negative index, a dangling
  //   escape or an unbalanced bracket.
  [[nodiscard]] static DocPath parse(std::string_view text);
  // The text form (parse(toString()) == *this).
  [[nodiscard]] std::string toString() const;
  // This path extended by one element.
  [[nodiscard]] DocPath child(Element element) const;
  friend bool operator==(const DocPath&, const DocPath&) = default;
};

enum class NodeKind : uint8_t { kObject, kArray, kScalar };

struct DocChild {
  DocPath::Element name;
  NodeKind kind = NodeKind::kScalar;
};

enum class IndexKind : uint8_t { kValue = 0, kExists = 1 };     // on-disk format: never renumber
enum class IndexState : uint8_t { kBuilding = 0, kReady = 1 };  // on-disk: never renumber

// An index over the nodes whose path matches `pattern`: a DocPath text in which a `?` element
// (`.?` or `[?]`; `\?` is a member literally named "?") matches any member name or array index:
// `pets.?.species`, `orders[?].total`. kValue indexes scalar nodes by value; kExists indexes
// every matching node (objects and arrays included).
struct IndexSpec {
  std::string name;
  std::string pattern;
  IndexKind kind = IndexKind::kValue;
  friend bool operator==(const IndexSpec&, const IndexSpec&) = default;
};

struct IndexInfo {
  IndexSpec spec;
  IndexState state = IndexState::kBuilding;
};

// One index hit: the matching node, its indexed value (null for exists indexes) and the
// document it belongs to: the path up to and including the last `?` of the pattern (the node
// itself when the pattern has none).
struct IndexMatch {
  DocPath path;
  DocPath document;
  nlohmann::json value;
};

// The result of checkIndex(): entries without a matching node and nodes without an entry.
struct IndexCheck {
  std::vector<std::string> missing;  // node paths (text) the index lacks
  std::vector<std::string> extra;    // entries (rendered) that match no node
  [[nodiscard]] bool ok() const { return missing.empty() && extra.empty(); }
};

enum class JsonFormat : uint8_t {
  kJson,      // one JSON value (import: an object whose members become children of the target)
  kJsonLines  // one {"path": "...", "value": ...} object per line, path relative to the target
};

struct ImportOptions {
  JsonFormat format = JsonFormat::kJsonLines;
  // A transaction takes members/lines until they hold this many bytes of JSON text (a batch
  // that still exceeds the 10 MB transaction limit is split in halves and retried).
  int64_t batchBytes = 200'000;
  // Called after each committed batch with the documents written so far.
  std::function<void(int64_t documents)> progress;
};

class DocPlugin;  // include/strata/layers/doc_plugin.h

// A recorded plugin (listPlugins()).
struct PluginInfo {
  std::string name;
  std::string pattern;
  std::string kind;  // "value-index", "exists-index", "change-feed", "validator", "external"
  int priority = 0;
  IndexState state = IndexState::kBuilding;  // kReady once backfilled
  bool registered = false;                   // external: this process registered it
  std::string config;                        // validator rules (JSON text), else ""
};

class DocumentStore {
 public:
  explicit DocumentStore(Subspace subspace);
  // A store whose mutations run `plugins` once each is recorded (addPlugin()).
  // Throws: invalid_input (3005) for an empty name or a malformed pattern;
  //   client_invalid_operation (2000) for two plugins with one name.
  DocumentStore(Subspace subspace, std::vector<std::shared_ptr<const DocPlugin>> plugins);

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }

  // Replaces the node at `path` (and its whole subtree) with `value`, creating missing ancestors
  // as objects (or arrays where the next element is an index).
  // Throws: client_invalid_operation (2000) when an ancestor is a scalar, a member name meets an
  //   array or an index meets an object, or an array index is past the array's end (index ==
  //   length appends); invalid_input (3005) for a value JSON cannot hold (binary, discarded);
  //   value_too_large (2103) / key_too_large (2102) past the limits. Every mutation (set,
  //   update, remove) also throws doc_plugin_not_registered (3011) when the store requires a
  //   plugin this store object was not given, and whatever a plugin's hook throws (a
  //   validator: invalid_input (3005) naming the path and the rule); the transaction must then
  //   not be committed (Database::run() does not).
  void set(Transaction& tr, const DocPath& path, const nlohmann::json& value) const;
  // The subtree at `path` as JSON (array holes left by remove() read as null).
  // Returns: std::nullopt when no node is there. Conflicts: the subtree's range.
  [[nodiscard]] std::optional<nlohmann::json> get(Transaction& tr, const DocPath& path) const;
  // Deep merge (RFC 7396 merge patch): an object `patch` merges member by member into an object
  // node (recursively); a null member deletes that member; anything else replaces (as set()).
  // Throws: as set().
  void update(Transaction& tr, const DocPath& path, const nlohmann::json& patch) const;
  // Deletes the node at `path` and its subtree (an array element leaves a hole; the root path
  // empties the store). Returns: whether a node was there.
  bool remove(Transaction& tr, const DocPath& path) const;
  // The children of the node at `path` in key order (member names in byte order, array indexes
  // ascending), starting after `after` when given, at most `limit` (0 = all).
  // Cost: one limit-1 read per child; never reads grandchildren.
  [[nodiscard]] std::vector<DocChild> listChildren(
      Transaction& tr, const DocPath& path, int limit = 0,
      std::optional<DocPath::Element> after = {}) const;
  // The kind of node at `path`, or std::nullopt.
  [[nodiscard]] std::optional<NodeKind> kind(Transaction& tr, const DocPath& path) const;

  // Defines an index (an index plugin, doc_plugin.h) in the building state (not yet queryable;
  // writes maintain the entries of nodes the build has passed) and returns false if an
  // identical definition exists (true when created). Run buildIndex() next.
  // Throws: client_invalid_operation (2000) when `name` exists with another definition;
  //   invalid_input (3005) for an empty name or a malformed pattern.
  bool addIndex(Transaction& tr, const IndexSpec& spec) const;
  // Indexes up to `batchNodes` existing nodes from the build cursor on; marks the index ready
  // when the data is exhausted. Returns: true when the index is ready.
  // Throws: client_invalid_operation (2000) for an unknown index.
  bool buildIndexStep(Transaction& tr, std::string_view name, int batchNodes = 1000) const;
  // Removes an index and its entries. Returns: whether it existed.
  bool dropIndex(Transaction& tr, std::string_view name) const;
  [[nodiscard]] std::vector<IndexInfo> listIndexes(Transaction& tr) const;

  // Value-index queries: nodes whose value == `value`, in [lo, hi) (a null bound is open), or
  // strings starting with `prefix`; ordered by value then path; at most `limit` (0 = all).
  // Exists indexes: find() with a null value lists every indexed node.
  // Throws: client_invalid_operation (2000) for an unknown or still building index, or a value
  //   query on an exists index; invalid_input (3005) for a non-scalar value.
  // Conflicts: the range of entries read (a concurrent write to a match makes commit retry).
  [[nodiscard]] std::vector<IndexMatch> find(Transaction& tr, std::string_view index,
                                             const nlohmann::json& value, int limit = 0) const;
  [[nodiscard]] std::vector<IndexMatch> findRange(Transaction& tr, std::string_view index,
                                                  const nlohmann::json& lo,
                                                  const nlohmann::json& hi, int limit = 0) const;
  [[nodiscard]] std::vector<IndexMatch> findPrefix(Transaction& tr, std::string_view index,
                                                   std::string_view prefix, int limit = 0) const;
  // Listing from a position (what `strata doc ls|find|export --limit/--continue` do): walk the
  // `range` of an IndexListing (or childrenRange()) with a strata::Scan (strata/kv/scan.h) and
  // decode each row; the Scan's continuation token is the opaque position. Each batch is a
  // consistent snapshot, the whole listing is not (a node written or removed meanwhile may or may
  // not show). The listings of find / findRange / findPrefix: the same checks and matches, in the
  // same order, as an entry range and a decoder of its keys (which outlives `tr`).
  // Throws: as find / findRange / findPrefix. Cost: one read (the index definition).
  struct IndexListing {
    KeyRange range;  // begin >= end when nothing can match (findRange with lo > hi)
    std::function<IndexMatch(std::string_view key)> match;
  };
  [[nodiscard]] IndexListing listFind(Transaction& tr, std::string_view index,
                                      const nlohmann::json& value) const;
  [[nodiscard]] IndexListing listFindRange(Transaction& tr, std::string_view index,
                                           const nlohmann::json& lo,
                                           const nlohmann::json& hi) const;
  [[nodiscard]] IndexListing listFindPrefix(Transaction& tr, std::string_view index,
                                            std::string_view prefix) const;
  // The node keys of the subtree below `path` (its children and their descendants), in
  // listChildren() order: scan it and keep the rows childOfRow() names.
  [[nodiscard]] KeyRange childrenRange(const DocPath& path) const;
  // The child of `path` whose own node a row of childrenRange(path) is; std::nullopt for a row
  // of a deeper descendant. Throws: invalid_input (3005) for a key outside childrenRange(path).
  [[nodiscard]] std::optional<DocChild> childOfRow(const DocPath& path, const KeyValue& row) const;

  // Compares every entry of `index` with the documents and vice versa (a full scan of both).
  [[nodiscard]] IndexCheck checkIndex(Transaction& tr, std::string_view index) const;

  // ---- plugins (include/strata/layers/doc_plugin.h) ----
  // Records the registered plugin `name` as required by the store and returns false if it is
  // recorded with the same definition already. It starts building (run backfill()), or ready
  // when it needs no backfill or no node can match its pattern yet (one limit-1 read).
  // Throws: client_invalid_operation (2000) when this store has no registered plugin `name`, or
  //   the name is recorded with another definition.
  bool addPlugin(Transaction& tr, std::string_view name) const;
  // Records a change feed of every change at or below `pattern` (ready at once). Throws: as
  // addPlugin; invalid_input (3005) for a malformed pattern.
  bool addChangeFeed(Transaction& tr, std::string_view name, std::string_view pattern) const;
  // Records a validator of the nodes matching `pattern` (rules: doc_plugin.h). It checks every
  // write at once; it is building (run backfill() to check the existing documents) when nodes
  // exist under the pattern. Throws: as addChangeFeed; invalid_input (3005)
  //   for malformed rules.
  bool addValidator(Transaction& tr, std::string_view name, std::string_view pattern,
                    const nlohmann::json& rules) const;
  // Feeds up to `batchNodes` existing nodes from the plugin's cursor to its hooks; marks it
  // ready when its pattern's range is exhausted. Returns: true when ready.
  // Throws: client_invalid_operation (2000) for an unknown plugin; whatever a hook throws.
  bool backfillStep(Transaction& tr, std::string_view name, int batchNodes = 1000) const;
  // Removes a plugin: onRemove() when registered here, then its record, cursor, index entries
  // and pluginSubspace(name). Returns: whether it was recorded.
  bool removePlugin(Transaction& tr, std::string_view name) const;
  // Every recorded plugin (indexes included), in dispatch order.
  [[nodiscard]] std::vector<PluginInfo> listPlugins(Transaction& tr) const;
  // The subspace plugin `name` owns: S + (5, name).
  [[nodiscard]] Subspace pluginSubspace(std::string_view name) const;

  // Database& conveniences: each runs the method above inside Database::run() (reads inside
  // Database::read()).
  bool addPlugin(Database& db, std::string_view name) const;
  bool addChangeFeed(Database& db, std::string_view name, std::string_view pattern) const;
  bool addValidator(Database& db, std::string_view name, std::string_view pattern,
                    const nlohmann::json& rules) const;
  // Runs backfillStep() in successive transactions until ready (resumable from the cursor).
  // `progress` receives the batches done so far.
  void backfill(Database& db, std::string_view name, int batchNodes = 1000,
                const std::function<void(int64_t batches)>& progress = {}) const;
  bool removePlugin(Database& db, std::string_view name) const;
  void set(Database& db, const DocPath& path, const nlohmann::json& value) const;
  [[nodiscard]] std::optional<nlohmann::json> get(Database& db, const DocPath& path) const;
  void update(Database& db, const DocPath& path, const nlohmann::json& patch) const;
  bool remove(Database& db, const DocPath& path) const;
  [[nodiscard]] std::vector<DocChild> listChildren(Database& db, const DocPath& path) const;
  bool addIndex(Database& db, const IndexSpec& spec) const;
  // Runs buildIndexStep() in successive transactions until the index is ready (resumable: a
  // crashed build continues from its cursor). `progress` receives the batches done.
  void buildIndex(Database& db, std::string_view name, int batchNodes = 1000,
                  const std::function<void(int64_t batches)>& progress = {}) const;
  bool dropIndex(Database& db, std::string_view name) const;
  [[nodiscard]] std::vector<IndexMatch> find(Database& db, std::string_view index,
                                             const nlohmann::json& value, int limit = 0) const;

  // Streams JSON in from `in` under `target` in bounded transactions (ImportOptions). kJsonLines
  // reads line by line; kJson parses the whole input, then writes member by member.
  // Returns: documents written. Throws: invalid_input (3005) for malformed JSON or a line
  //   without "path"; as set(). On 1021 a batch is retried as a whole (set is idempotent).
  int64_t importJson(Database& db, const DocPath& target, std::istream& in,
                     const ImportOptions& options = {}) const;
  // Writes the subtree at `path` to `out`: kJson one value, kJsonLines one line per child.
  // Each child is read in its own transaction (consistent per child, not across children).
  // Returns: children written (1 for a scalar in kJson). Throws: client_invalid_operation (2000)
  //   when no node is at `path`.
  int64_t exportJson(Database& db, const DocPath& path, std::ostream& out,
                     JsonFormat format = JsonFormat::kJson) const;

 private:
  class Writer;  // one mutation's view: plugin records, ancestor checks, the write hook
  friend class Writer;
  friend class DocPluginContext;
  friend class DocChangeFeed;
  friend class docdetail::Dispatcher;
  friend class docdetail::Mutation;

  Subspace subspace_;
  Subspace nodes_;
  Subspace indexDefs_;
  Subspace indexEntries_;
  Subspace buildCursors_;
  Subspace pluginData_;
  std::string pluginsVersionKey_;                          // S + (1,) = indexDefs_.key()
  std::vector<std::shared_ptr<const DocPlugin>> plugins_;  // registered, in name order
  std::shared_ptr<docdetail::PluginCache> pluginCache_;    // never null; shared by copies
};

}  // namespace strata::layers
