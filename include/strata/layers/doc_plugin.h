// DocPlugin: code that sees every document write beneath a path pattern inside the writing
// transaction, and the plugins strata ships on it (value and exists indexes, a change feed, a
// validator). The original SimpleDoc's plugin capability without its two defects: a plugin is
// known by a stable name (never by registration order) and dispatch is explicit (no thread-local
// state).
//
// Life of a plugin in a DocumentStore (include/strata/layers/doc.h):
//   1. Code registers it: DocumentStore(subspace, {std::make_shared<MyPlugin>()}). A registered
//      plugin does nothing until the store records it.
//   2. addPlugin(tr, name) records it in the database as required: ready at once when no node
//      can match its pattern yet (or it needs no backfill), else building; then backfill()
//      feeds it the existing nodes under its pattern (origin kBackfill) in bounded, resumable
//      transactions (a cursor in the database; progress per batch) and marks it ready. While it
//      builds, writes call its hooks only for nodes the backfill already passed (keys before the
//      cursor), so every node is seen exactly once: by the backfill or by a later write.
//   3. Every mutation (set, update, remove) of every process runs the store's recorded plugins
//      as of its transaction: it reads the plugins version (one key every add, removal and
//      backfill step rewrites with a versionstamp) and decodes the records only when that
//      version is not the one its DocumentStore object cached, so a change by any process or
//      handle reaches the next write and makes writes in flight conflict and retry. A recorded
//      external plugin that this process did not register fails the mutation with
//      doc_plugin_not_registered (3011) rather than leaving the plugin's data stale. Built-in
//      plugins (indexes, change feeds, validators) are rebuilt from their records, so every
//      process runs them without registering anything.
//   4. removePlugin(tr, name) calls the plugin's onRemove() hook (when registered here), clears
//      the subspace it owns (pluginSubspace(name)) and its record, in one transaction.
//
// Dispatch: plugins run in the order (priority ascending, then name in byte order); registration
// order never matters. For each node a mutation sets, updates or clears, each plugin whose
// pattern matches (PluginScope) gets onChange(); after the mutation each plugin that got changes
// gets onMutationEnd() with all of them. A plugin may read and write anything through
// context.transaction(): its writes commit or fail with the document write. A throw from a hook
// aborts the mutation; the caller's transaction must then not be committed (Database::run()
// rethrows it and commits nothing), so the document write and every plugin write are lost
// together.
//
// A plugin's own document writes (context.set/update/remove) are mutations dispatched only to the
// plugins AFTER it in the order, never to itself or to earlier ones: nesting is at most as deep
// as the number of plugins, and a plugin that must see another plugin's writes is ordered after
// it. Raw key writes through context.transaction() are not dispatched at all. A plugin's document
// write lands at once; one inside the subtree the triggering mutation is still writing may be
// overwritten by the rest of that mutation: write elsewhere (a summary, a mirror).
//
// Cost: one limit-1 read at the plugins version per mutation; the records are read and the
// built-in plugins instantiated only when the version changed since this DocumentStore object
// (or a copy) last did so, or when the store has no version yet (stores whose plugins were last
// changed by strata 0.1.0: reloaded on every mutation until the next plugin change). A matching
// node costs its decoded old and new values and the hooks' own work.
//
// Thread safety: a DocPlugin is shared by every thread using the store: its hooks must be
// thread-safe (they are const; keep per-write state in the transaction or the database).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/layers/doc.h"
#include "strata/tuple.h"

namespace strata::layers {

namespace docdetail {
class Dispatcher;
}

// What happened to one node (on-disk in change feed entries: never renumber).
enum class ChangeOp : uint8_t {
  kSet = 0,     // the node did not exist and now does
  kUpdate = 1,  // the node existed and its own value changed (a scalar, or object <-> array ...)
  kRemove = 2,  // the node existed and was cleared
};
// "set", "update", "rm" (the CLI's words).
[[nodiscard]] std::string_view changeOpName(ChangeOp op);

enum class ChangeOrigin : uint8_t {
  kWrite,     // a document mutation
  kBackfill,  // backfill() presenting an existing node (op kSet, no old value)
};

// Which nodes a plugin sees (on-disk in plugin records: never renumber).
enum class PluginScope : uint8_t {
  kNodes = 0,     // nodes whose path matches the pattern exactly
  kSubtrees = 1,  // those nodes and every node below them
};

// One node change. Node values are a node's OWN value: a scalar, or {} / [] for an object /
// array node (its members are nodes of their own). A write that leaves a node's value as it was
// is not a change.
struct DocChange {
  ChangeOp op = ChangeOp::kSet;
  ChangeOrigin origin = ChangeOrigin::kWrite;
  DocPath path;
  std::optional<nlohmann::json> oldValue;  // absent for kSet
  std::optional<nlohmann::json> newValue;  // absent for kRemove
  // kRemove only: the subtree that was removed at `path`, as get() returned it before.
  std::optional<nlohmann::json> removed;
};

// What a hook may use. Valid only during the hook call.
class DocPluginContext {
 public:
  [[nodiscard]] Transaction& transaction() const { return *tr_; }
  [[nodiscard]] const DocumentStore& store() const { return *store_; }
  [[nodiscard]] const std::string& pluginName() const { return name_; }
  // The subspace this plugin owns (DocumentStore::pluginSubspace(name)); cleared on removal.
  [[nodiscard]] const Subspace& subspace() const { return subspace_; }
  // Document writes as DocumentStore::set/update/remove, dispatched only to the plugins after
  // this one (see above). Throws: as those methods.
  void set(const DocPath& path, const nlohmann::json& value) const;
  void update(const DocPath& path, const nlohmann::json& patch) const;
  bool remove(const DocPath& path) const;

 private:
  friend class docdetail::Dispatcher;
  friend class DocumentStore;
  DocPluginContext(Transaction& tr, const DocumentStore& store, std::string name, Subspace subspace,
                   docdetail::Dispatcher* dispatcher, size_t position)
      : tr_(&tr),
        store_(&store),
        name_(std::move(name)),
        subspace_(std::move(subspace)),
        dispatcher_(dispatcher),
        position_(position) {}
  Transaction* tr_;
  const DocumentStore* store_;
  std::string name_;
  Subspace subspace_;
  docdetail::Dispatcher* dispatcher_;  // null during onRemove: no document writes then
  size_t position_;
};

// Implement this to write a plugin; register it with DocumentStore's constructor and record it
// with addPlugin(). name(), pattern(), priority() and scope() must return the same values for the
// life of the object (they are recorded when the plugin is added; a mismatch with the record
// fails mutations with client_invalid_operation (2000)).
class DocPlugin {
 public:
  virtual ~DocPlugin() = default;
  // The stable identity: non-empty, unique in a store (indexes, feeds and validators share the
  // namespace).
  [[nodiscard]] virtual std::string name() const = 0;
  // A path pattern: DocPath text where `?` matches any one member or index (`pets.?.owner`);
  // "" is the root (with kSubtrees: every node).
  [[nodiscard]] virtual std::string pattern() const = 0;
  // Lower runs first; ties run in name order.
  [[nodiscard]] virtual int priority() const { return 0; }
  [[nodiscard]] virtual PluginScope scope() const { return PluginScope::kNodes; }
  // False: addPlugin() marks the plugin ready at once (a change feed does not replay history).
  [[nodiscard]] virtual bool needsBackfill() const { return true; }
  // Called for each matching node change. Throws: whatever it likes; it aborts the mutation.
  virtual void onChange(const DocPluginContext& context, const DocChange& change) const = 0;
  // Called once after each mutation (and each backfill batch) that gave this plugin changes.
  virtual void onMutationEnd(const DocPluginContext& context,
                             std::span<const DocChange* const> changes) const {
    (void)context;
    (void)changes;
  }
  // Called by removePlugin() before the plugin's subspace and record are cleared; clean up data
  // kept elsewhere. Document writes are not allowed here.
  virtual void onRemove(const DocPluginContext& context) const { (void)context; }
};

// ---- shipped plugins -----------------------------------------------------------------------

// A change feed's log, read and trimmed. The feed itself is added with
// DocumentStore::addChangeFeed(); every change under its pattern (kSubtrees) is appended in the
// writing transaction.
//
// Key layout (under pluginSubspace(name) = S + (5, name)):
//   (0, <versionstamp>, seq) -> Tuple{pathText, op, jsonText(new value or null), wallMs}.pack()
//   (1,)                     -> int64 LE entry count, kept with atomic ADD (watched by wait())
// Entries sort in commit order (the versionstamp), then in order of writing inside one
// transaction (seq = the transaction's approximate size when written, strictly increasing).
// Cost: a change adds 1 versionstamped write and 1 ADD, no reads and no conflicts.
// On 1021: the document write's retry appends its changes again only if the first attempt
// committed (then they are real changes of the retry, e.g. none for an identical set()).
// Thread safety: immutable after construction; share freely.
struct ChangeEntry {
  DocPath path;
  ChangeOp op = ChangeOp::kSet;
  nlohmann::json value;  // the new value (null for kRemove)
  int64_t wallMs = 0;    // the writer's clock when written
  std::string token;     // pass to read() to continue after this entry
};

struct ChangePage {
  std::vector<ChangeEntry> changes;  // oldest first
  std::string continuation;          // the last entry's token ("" when none: reuse yours)
};

class DocChangeFeed {
 public:
  DocChangeFeed(const DocumentStore& store, std::string name);
  // The name of the change feed that logs changes at `path`: the one whose pattern matches the
  // longest prefix of `path` (std::nullopt when none does).
  [[nodiscard]] static std::optional<std::string> covering(Transaction& tr,
                                                           const DocumentStore& store,
                                                           const DocPath& path);

  // Entries after `after` ("" = from the oldest kept), at most `limit` (0 = all), whose path is
  // `under` or below it (the feed's whole log when `under` is the root).
  // Throws: client_invalid_operation (2000) when no change feed `name` is recorded;
  //   invalid_input (3005) for a malformed token.
  // Conflicts: the range read (snapshot when `snapshot` is kYes).
  [[nodiscard]] ChangePage read(Transaction& tr, std::string_view after, int limit = 0,
                                const DocPath& under = {}) const;
  // Deletes the oldest entries until at most `keep` remain. Returns: entries deleted.
  // Cost: bounded transactions of up to 1,000 entries.
  int64_t trimToCount(Database& db, int64_t keep) const;
  // Deletes entries written more than `age` ago (by their wallMs). Returns: entries deleted.
  int64_t trimOlderThan(Database& db, std::chrono::milliseconds age) const;
  // Waits until an entry after `after` exists or `timeout` passes, sleeping on a watch of the
  // count key (no polling). Returns: whether an entry is there.
  bool wait(Database& db, std::string_view after, std::chrono::milliseconds timeout) const;

 private:
  const DocumentStore* store_;
  std::string name_;
  Subspace log_;
  Subspace count_;
};

// Validator rules (DocumentStore::addValidator), a JSON object:
//   {"type": "object", "required": ["name", "species"],
//    "fields": {"name": "string", "age": "integer", "tags": "array"}}
// Each key is optional. "type" constrains every node matching the pattern; "required" lists
// members a matching object must have; "fields" the type of members when present. Types: string,
// integer, number (integers included), boolean, null, object, array, any.
// A mutation leaving a matching node in violation fails with invalid_input (3005), the message
// naming the validator, the node's path and the rule ("validator 'pets': pets.rex: required
// field 'name' is missing").

}  // namespace strata::layers
