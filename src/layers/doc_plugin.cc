// DocumentStore plugins: records, dispatch order, the required-plugin check, hooks per node
// change, backfill and removal. API: include/strata/layers/doc_plugin.h; layout: doc.h.
#include <algorithm>
#include <random>
#include <set>

#include "layers/doc_internal.h"

namespace strata::layers {

std::string_view changeOpName(ChangeOp op) {
  switch (op) {
    case ChangeOp::kSet:
      return "set";
    case ChangeOp::kUpdate:
      return "update";
    default:
      return "rm";
  }
}

namespace docdetail {
namespace {

bool elementMatches(const PatternElement& p, const TupleElement& e) {
  if (!p) return true;
  if (const auto* s = std::get_if<std::string>(&*p)) {
    return e.type() == TupleType::kString && e.getString() == *s;
  }
  return e.type() != TupleType::kString && e.getInt() == std::get<int64_t>(*p);
}

bool orderedBefore(const Dispatcher::Active& a, const Dispatcher::Active& b) {
  if (a.record.priority != b.record.priority) return a.record.priority < b.record.priority;
  return a.record.name < b.record.name;
}

}  // namespace

bool patternPrefixMatches(const std::vector<PatternElement>& pattern, const Tuple& path,
                          size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (!elementMatches(pattern[i], path[i])) return false;
  }
  return true;
}

bool patternMatches(const std::vector<PatternElement>& pattern, const Tuple& path) {
  return pattern.size() == path.size() && patternPrefixMatches(pattern, path, path.size());
}

std::string kindName(PluginKind kind) {
  switch (kind) {
    case PluginKind::kValueIndex:
      return "value-index";
    case PluginKind::kExistsIndex:
      return "exists-index";
    case PluginKind::kChangeFeed:
      return "change-feed";
    case PluginKind::kValidator:
      return "validator";
    default:
      return "external";
  }
}

void parseRecordPattern(PluginRecord& record) {
  record.parsed = parsePathText(record.pattern, true);
  record.documentDepth = 0;
  for (size_t i = 0; i < record.parsed.size(); ++i) {
    if (!record.parsed[i]) record.documentDepth = static_cast<int>(i) + 1;
  }
  if (record.documentDepth == 0) record.documentDepth = static_cast<int>(record.parsed.size());
}

std::string encodeRecord(const PluginRecord& r) {
  Tuple t{r.pattern, static_cast<int64_t>(r.kind), static_cast<int64_t>(r.state)};
  // Index records keep the three-element form of Layers II.
  if (r.isIndex() && r.priority == kIndexPriority && r.scope == PluginScope::kNodes &&
      r.config.empty()) {
    return t.pack();
  }
  t.append(static_cast<int64_t>(r.priority));
  t.append(static_cast<int64_t>(r.scope));
  t.append(r.config);
  return t.pack();
}

PluginRecord decodeRecord(std::string name, std::string_view bytes) {
  PluginRecord r;
  r.name = std::move(name);
  auto corrupt = [&] {
    throwError(ErrorCode::invalid_input, "corrupt plugin record for '" + r.name + "'");
  };
  try {
    Tuple t = Tuple::unpack(bytes);
    if (t.size() != 3 && t.size() != 6) corrupt();
    r.pattern = t.getString(0);
    int64_t kind = t.getInt(1);
    int64_t state = t.getInt(2);
    if (kind < 0 || kind > 4 || state < 0 || state > 1) corrupt();
    r.kind = static_cast<PluginKind>(kind);
    r.state = static_cast<IndexState>(state);
    r.priority = kIndexPriority;
    if (t.size() == 6) {
      int64_t scope = t.getInt(4);
      if (scope < 0 || scope > 1) corrupt();
      r.priority = static_cast<int>(t.getInt(3));
      r.scope = static_cast<PluginScope>(scope);
      r.config = t.getString(5);
    }
    parseRecordPattern(r);
  } catch (const Error& e) {
    // Bytes that are no tuple, or a tuple of the wrong types, are a corrupt record too.
    if (e.errorCode() == ErrorCode::invalid_input) throw;
    corrupt();
  }
  return r;
}

std::vector<PluginRecord> loadRecords(Transaction& tr, const Subspace& records, Snapshot snapshot) {
  KeyRange r = records.range();
  RangeOptions options;
  options.snapshot = snapshot;
  std::vector<PluginRecord> out;
  for (const KeyValue& kv : tr.getRangeAll(r.begin, r.end, options)) {
    out.push_back(decodeRecord(records.unpack(kv.key).getString(0), kv.value));
  }
  return out;
}

std::optional<PluginRecord> loadRecord(Transaction& tr, const Subspace& records,
                                       std::string_view name) {
  std::optional<std::string> v = tr.get(records.pack(Tuple{name}));
  if (!v) return std::nullopt;
  return decodeRecord(std::string(name), *v);
}

void bumpPluginsVersion(Transaction& tr, std::string_view key) {
  // One generator per thread, seeded once: the random bytes only have to differ between
  // databases whose commits happen to get the same versionstamp.
  thread_local std::mt19937_64 random{std::random_device{}()};
  uint64_t nonce = random();
  std::string param(10, '\0');  // the stamp's placeholder
  for (int i = 0; i < 8; ++i) param.push_back(static_cast<char>((nonce >> (8 * i)) & 0xff));
  param.append(4, '\0');  // the stamp's offset in the value: 0, uint32 LE
  tr.atomicOp(MutationType::kSetVersionstampedValue, key, param);
}

// ---- dispatch ------------------------------------------------------------------------------

namespace {

const DocPlugin* registeredPlugin(const std::vector<std::shared_ptr<const DocPlugin>>& plugins,
                                  std::string_view name) {
  for (const auto& p : plugins) {
    if (p->name() == name) return p.get();
  }
  return nullptr;
}

}  // namespace

Dispatcher::Dispatcher(const DocumentStore& store, Transaction& tr) : store_(store), tr_(tr) {
  static const auto kNone = std::make_shared<const Set>();
  std::optional<std::string> version;
  try {
    RangeOptions first;
    first.limit = 1;
    std::vector<KeyValue> row =
        tr.getRangeAll(store.pluginsVersionKey_, store.indexDefs_.range().end, first);
    if (row.empty()) {
      active_ = kNone;
      return;
    }
    if (row[0].key == store.pluginsVersionKey_) {
      version = std::move(row[0].value);
      active_ = store.pluginCache_->lookup(*version);
      if (active_) return;
    }
    // Else records without a version: recorded by strata 0.1.0, which does not bump it, so the
    // set may change without notice: reload on every mutation, never cache.
  } catch (const Error& e) {
    // This transaction bumped the version: its plugin state is its own, uncommitted (and the
    // key unreadable): reload, never cache.
    if (e.errorCode() != ErrorCode::accessed_unreadable) throw;
  }
  active_ = load(store, tr);
  if (version) store.pluginCache_->insert(std::move(*version), active_);
}

std::shared_ptr<const Dispatcher::Set> Dispatcher::load(const DocumentStore& store,
                                                        Transaction& tr) {
  auto set = std::make_shared<Set>();
  Set& active = *set;
  std::vector<PluginRecord> records = loadRecords(tr, store.indexDefs_, Snapshot::kNo);
  bool building = false;
  for (PluginRecord& r : records) {
    Active a;
    switch (r.kind) {
      case PluginKind::kValueIndex:
      case PluginKind::kExistsIndex:
        a.plugin = makeIndexPlugin(r, store.indexEntries_);
        break;
      case PluginKind::kChangeFeed:
        a.plugin = makeChangeFeedPlugin(r, store.pluginSubspace(r.name));
        break;
      case PluginKind::kValidator:
        a.plugin = makeValidatorPlugin(r);
        break;
      case PluginKind::kExternal: {
        auto it = std::find_if(store.plugins_.begin(), store.plugins_.end(),
                               [&](const auto& p) { return p->name() == r.name; });
        if (it == store.plugins_.end()) {
          throwError(ErrorCode::doc_plugin_not_registered,
                     "the document store requires plugin '" + r.name + "' (pattern '" + r.pattern +
                         "'), which this process did not register: register it "
                         "with DocumentStore's constructor, or remove it from the store");
        }
        const DocPlugin& p = **it;
        if (p.pattern() != r.pattern || p.priority() != r.priority || p.scope() != r.scope) {
          throwError(ErrorCode::client_invalid_operation,
                     "plugin '" + r.name + "' is registered with pattern '" + p.pattern() +
                         "' and priority " + std::to_string(p.priority()) +
                         " but the store recorded pattern '" + r.pattern + "' and priority " +
                         std::to_string(r.priority) + ": remove and re-add it");
        }
        a.plugin = *it;
        break;
      }
    }
    building = building || r.state == IndexState::kBuilding;
    a.record = std::move(r);
    active.push_back(std::move(a));
  }
  std::sort(active.begin(), active.end(), orderedBefore);
  if (!building) return set;
  KeyRange cursors = store.buildCursors_.range();
  std::map<std::string, std::string> byName;
  for (const KeyValue& kv : tr.getRangeAll(cursors.begin, cursors.end)) {
    byName[store.buildCursors_.unpack(kv.key).getString(0)] = kv.value;
  }
  for (Active& a : active) {
    if (a.record.state != IndexState::kBuilding) continue;
    auto it = byName.find(a.record.name);
    a.cursor = it == byName.end() ? std::string() : it->second;
  }
  return set;
}

bool Dispatcher::observesSubtree(const Tuple& path, size_t first) const {
  const Set& active = *active_;
  for (size_t i = first; i < active.size(); ++i) {
    const PluginRecord& r = active[i].record;
    if (r.scope == PluginScope::kNodes && r.parsed.size() < path.size()) continue;
    if (patternPrefixMatches(r.parsed, path, std::min(r.parsed.size(), path.size()))) return true;
  }
  return false;
}

bool Dispatcher::sees(size_t i, const Tuple& path, std::string_view nodeKey) const {
  const Active& a = (*active_)[i];
  // A building plugin sees only the nodes its backfill passed, so that each node reaches it
  // once; a validator's check is idempotent, so it sees every write from the start.
  if (a.cursor && a.record.kind != PluginKind::kValidator &&
      (a.cursor->empty() || nodeKey >= *a.cursor)) {
    return false;
  }
  const PluginRecord& r = a.record;
  if (r.scope == PluginScope::kNodes) return patternMatches(r.parsed, path);
  return path.size() >= r.parsed.size() && patternPrefixMatches(r.parsed, path, r.parsed.size());
}

DocPluginContext Dispatcher::context(size_t i) {
  const std::string& name = (*active_)[i].record.name;
  return DocPluginContext(tr_, store_, name, store_.pluginSubspace(name), this, i);
}

DocPluginContext Dispatcher::removalContext(size_t i) {
  DocPluginContext c = context(i);
  c.dispatcher_ = nullptr;
  return c;
}

nlohmann::json subtreeJson(const Subspace& nodeSpace,
                           const std::map<std::string, std::string>& nodes,
                           const std::string& rootKey, size_t depth) {
  auto it = nodes.find(rootKey);
  if (it == nodes.end()) return nullptr;
  nlohmann::json root = decodeValue(it->second);
  for (++it; it != nodes.end() && it->first.compare(0, rootKey.size(), rootKey) == 0; ++it) {
    Tuple full = nodeSpace.unpack(it->first);
    nlohmann::json* node = &root;
    for (size_t i = depth; i < full.size(); ++i) {
      nlohmann::json& parent = *node;
      if (full.type(i) == TupleType::kString) {
        node = &parent[full.getString(i)];
      } else {
        node = &parent[static_cast<size_t>(full.getInt(i))];
      }
    }
    *node = decodeValue(it->second);
  }
  return root;
}

void Mutation::node(const Tuple& path, std::string_view nodeKey,
                    const std::optional<std::string>& oldValue,
                    const std::optional<std::string>& newValue, ChangeOrigin origin,
                    const std::map<std::string, std::string>* oldNodes) {
  if (oldValue == newValue) return;
  const std::vector<Dispatcher::Active>& plugins = dispatcher_.plugins();
  DocChange* change = nullptr;
  for (size_t i = first_; i < plugins.size(); ++i) {
    if (only_) {
      if (i != *only_) continue;
      // Backfill: the node is past the cursor by definition; only the pattern decides.
      const PluginRecord& r = plugins[i].record;
      bool match = r.scope == PluginScope::kNodes
                       ? patternMatches(r.parsed, path)
                       : path.size() >= r.parsed.size() &&
                             patternPrefixMatches(r.parsed, path, r.parsed.size());
      if (!match) continue;
    } else if (!dispatcher_.sees(i, path, nodeKey)) {
      continue;
    }
    if (change == nullptr) {
      DocChange c;
      c.op = !oldValue ? ChangeOp::kSet : newValue ? ChangeOp::kUpdate : ChangeOp::kRemove;
      c.origin = origin;
      c.path = fromTuple(path);
      if (oldValue) c.oldValue = decodeValue(*oldValue);
      if (newValue) c.newValue = decodeValue(*newValue);
      if (!newValue && oldNodes != nullptr) {
        c.removed =
            subtreeJson(dispatcher_.store().nodes_, *oldNodes, std::string(nodeKey), path.size());
      }
      changes_.push_back(std::move(c));
      change = &changes_.back();
    }
    DocPluginContext context = dispatcher_.context(i);
    plugins[i].plugin->onChange(context, *change);
    perPlugin_[i].push_back(change);
  }
}

void Mutation::finish() {
  const std::vector<Dispatcher::Active>& plugins = dispatcher_.plugins();
  for (size_t i = first_; i < plugins.size(); ++i) {
    if (perPlugin_[i].empty()) continue;
    DocPluginContext context = dispatcher_.context(i);
    plugins[i].plugin->onMutationEnd(context, perPlugin_[i]);
  }
  changes_.clear();
  for (auto& v : perPlugin_) v.clear();
}

}  // namespace docdetail

// ---- context -------------------------------------------------------------------------------

namespace {
[[noreturn]] void noWritesHere() {
  throwError(ErrorCode::client_invalid_operation,
             "a plugin cannot write documents from onRemove()");
}
}  // namespace

void DocPluginContext::set(const DocPath& path, const nlohmann::json& value) const {
  if (dispatcher_ == nullptr) noWritesHere();
  dispatcher_->set(path, value, position_);
}

void DocPluginContext::update(const DocPath& path, const nlohmann::json& patch) const {
  if (dispatcher_ == nullptr) noWritesHere();
  dispatcher_->update(path, patch, position_);
}

bool DocPluginContext::remove(const DocPath& path) const {
  if (dispatcher_ == nullptr) noWritesHere();
  return dispatcher_->remove(path, position_);
}

// ---- DocumentStore: plugin management ------------------------------------------------------

using docdetail::PluginKind;
using docdetail::PluginRecord;

DocumentStore::DocumentStore(Subspace subspace,
                             std::vector<std::shared_ptr<const DocPlugin>> plugins)
    : DocumentStore(std::move(subspace)) {
  std::set<std::string> names;
  for (const auto& p : plugins) {
    if (!p) throwError(ErrorCode::invalid_input, "a null plugin");
    std::string name = p->name();
    if (name.empty()) throwError(ErrorCode::invalid_input, "a plugin needs a name");
    (void)docdetail::parsePathText(p->pattern(), true);
    if (!names.insert(name).second) {
      throwError(ErrorCode::client_invalid_operation,
                 "two plugins registered with the name '" + name + "'");
    }
  }
  plugins_ = std::move(plugins);
  std::sort(plugins_.begin(), plugins_.end(),
            [](const auto& a, const auto& b) { return a->name() < b->name(); });
}

Subspace DocumentStore::pluginSubspace(std::string_view name) const {
  return pluginData_.sub(Tuple{name});
}

namespace {

// The pattern's literal prefix: the elements before its first wildcard.
Tuple literalPrefix(const std::vector<docdetail::PatternElement>& pattern) {
  Tuple prefix;
  for (const docdetail::PatternElement& e : pattern) {
    if (!e) break;
    if (const auto* s = std::get_if<std::string>(&*e)) {
      prefix.append(*s);
    } else {
      prefix.append(std::get<int64_t>(*e));
    }
  }
  return prefix;
}

// Whether any node could match `pattern` (one limit-1 read of its prefix range, conflicting).
bool anyNodeUnder(Transaction& tr, const Subspace& nodes, const std::string& pattern) {
  Tuple prefix = literalPrefix(docdetail::parsePathText(pattern, true));
  RangeOptions options;
  options.limit = 1;
  return !tr.getRangeAll(nodes.pack(prefix), nodes.range(prefix).end, options).empty();
}

// Writes `record` (and bumps the plugins version at `versionKey`) unless an identical one
// exists. Returns: whether written.
bool putRecord(Transaction& tr, const Subspace& records, const Subspace& cursors,
               std::string_view versionKey, PluginRecord record, bool needsBackfill) {
  if (record.name.empty()) throwError(ErrorCode::invalid_input, "a plugin needs a name");
  docdetail::parseRecordPattern(record);
  if (std::optional<PluginRecord> existing = docdetail::loadRecord(tr, records, record.name)) {
    if (existing->kind == record.kind && existing->pattern == record.pattern &&
        existing->priority == record.priority && existing->scope == record.scope &&
        existing->config == record.config) {
      return false;
    }
    throwError(ErrorCode::client_invalid_operation,
               "'" + record.name + "' is already recorded as a " +
                   docdetail::kindName(existing->kind) + " with pattern '" + existing->pattern +
                   "'");
  }
  record.state = needsBackfill ? IndexState::kBuilding : IndexState::kReady;
  tr.set(records.pack(Tuple{record.name}), docdetail::encodeRecord(record));
  tr.clear(cursors.pack(Tuple{record.name}));
  docdetail::bumpPluginsVersion(tr, versionKey);
  return true;
}

}  // namespace

bool DocumentStore::addPlugin(Transaction& tr, std::string_view name) const {
  const DocPlugin* p = docdetail::registeredPlugin(plugins_, name);
  if (p == nullptr) {
    throwError(ErrorCode::client_invalid_operation,
               "no plugin named '" + std::string(name) + "' is registered with this store");
  }
  PluginRecord r;
  r.name = std::string(name);
  r.pattern = p->pattern();
  r.kind = PluginKind::kExternal;
  r.priority = p->priority();
  r.scope = p->scope();
  bool added = putRecord(tr, indexDefs_, buildCursors_, pluginsVersionKey_, r,
                         p->needsBackfill() && anyNodeUnder(tr, nodes_, r.pattern));
  if (added) {
    KeyRange own = pluginSubspace(name).range();
    tr.clearRange(own.begin, own.end);
    tr.clear(pluginSubspace(name).key());
  }
  return added;
}

bool DocumentStore::addChangeFeed(Transaction& tr, std::string_view name,
                                  std::string_view pattern) const {
  PluginRecord r;
  r.name = std::string(name);
  r.pattern = std::string(pattern);
  r.kind = PluginKind::kChangeFeed;
  r.priority = docdetail::kFeedPriority;
  r.scope = PluginScope::kSubtrees;
  return putRecord(tr, indexDefs_, buildCursors_, pluginsVersionKey_, r, false);
}

bool DocumentStore::addValidator(Transaction& tr, std::string_view name, std::string_view pattern,
                                 const nlohmann::json& rules) const {
  docdetail::checkValidatorRules(rules);
  PluginRecord r;
  r.name = std::string(name);
  r.pattern = std::string(pattern);
  r.kind = PluginKind::kValidator;
  r.priority = docdetail::kValidatorPriority;
  r.scope = PluginScope::kSubtrees;
  r.config = rules.dump();
  return putRecord(tr, indexDefs_, buildCursors_, pluginsVersionKey_, r,
                   anyNodeUnder(tr, nodes_, r.pattern));
}

bool DocumentStore::backfillStep(Transaction& tr, std::string_view name, int batchNodes) const {
  std::optional<PluginRecord> record = docdetail::loadRecord(tr, indexDefs_, name);
  if (!record) {
    throwError(ErrorCode::client_invalid_operation, "no plugin named '" + std::string(name) + "'");
  }
  if (batchNodes < 1) throwError(ErrorCode::client_invalid_operation, "batchNodes must be >= 1");
  if (record->state == IndexState::kReady) return true;
  docdetail::Dispatcher dispatcher(*this, tr);
  size_t position = 0;
  while (dispatcher.plugins()[position].record.name != name) ++position;
  // The pattern's literal prefix bounds the nodes it can match.
  Tuple prefix = literalPrefix(record->parsed);
  std::string cursorKey = buildCursors_.pack(Tuple{name});
  std::string begin = *dispatcher.plugins()[position].cursor;
  if (begin.empty()) begin = nodes_.pack(prefix);
  std::string end = nodes_.range(prefix).end;
  RangeOptions options;
  options.limit = batchNodes;
  docdetail::Mutation mutation(dispatcher, position, position);
  int rows = 0;
  std::string last;
  for (const KeyValue& kv : tr.getRange(begin, end, options)) {
    ++rows;
    mutation.node(nodes_.unpack(kv.key), kv.key, std::nullopt, kv.value, ChangeOrigin::kBackfill,
                  nullptr);
    last = kv.key;
  }
  mutation.finish();
  if (rows < batchNodes) {
    record->state = IndexState::kReady;
    tr.set(indexDefs_.pack(Tuple{name}), docdetail::encodeRecord(*record));
    tr.clear(cursorKey);
    docdetail::bumpPluginsVersion(tr, pluginsVersionKey_);
    return true;
  }
  tr.set(cursorKey, keyAfter(last));
  docdetail::bumpPluginsVersion(tr, pluginsVersionKey_);
  return false;
}

bool DocumentStore::removePlugin(Transaction& tr, std::string_view name) const {
  std::string recordKey = indexDefs_.pack(Tuple{name});
  std::optional<PluginRecord> record = docdetail::loadRecord(tr, indexDefs_, name);
  if (!record) return false;
  if (record->kind == PluginKind::kExternal) {
    if (const DocPlugin* p = docdetail::registeredPlugin(plugins_, name)) {
      DocPluginContext context(tr, *this, std::string(name), pluginSubspace(name), nullptr, 0);
      p->onRemove(context);
    }
  }
  tr.clear(recordKey);
  KeyRange entries = indexEntries_.range(Tuple{name});
  tr.clearRange(entries.begin, entries.end);
  tr.clear(buildCursors_.pack(Tuple{name}));
  Subspace own = pluginSubspace(name);
  tr.clear(own.key());
  KeyRange data = own.range();
  tr.clearRange(data.begin, data.end);
  docdetail::bumpPluginsVersion(tr, pluginsVersionKey_);
  return true;
}

std::vector<PluginInfo> DocumentStore::listPlugins(Transaction& tr) const {
  std::vector<PluginRecord> records = docdetail::loadRecords(tr, indexDefs_, Snapshot::kNo);
  std::sort(records.begin(), records.end(), [](const PluginRecord& a, const PluginRecord& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.name < b.name;
  });
  std::vector<PluginInfo> out;
  for (PluginRecord& r : records) {
    PluginInfo info;
    info.name = r.name;
    info.pattern = r.pattern;
    info.kind = docdetail::kindName(r.kind);
    info.priority = r.priority;
    info.state = r.state;
    info.registered =
        r.kind != PluginKind::kExternal || docdetail::registeredPlugin(plugins_, r.name) != nullptr;
    info.config = r.config;
    out.push_back(std::move(info));
  }
  return out;
}

bool DocumentStore::addPlugin(Database& db, std::string_view name) const {
  return db.run([&](Transaction& tr) { return addPlugin(tr, name); });
}

bool DocumentStore::addChangeFeed(Database& db, std::string_view name,
                                  std::string_view pattern) const {
  return db.run([&](Transaction& tr) { return addChangeFeed(tr, name, pattern); });
}

bool DocumentStore::addValidator(Database& db, std::string_view name, std::string_view pattern,
                                 const nlohmann::json& rules) const {
  return db.run([&](Transaction& tr) { return addValidator(tr, name, pattern, rules); });
}

void DocumentStore::backfill(Database& db, std::string_view name, int batchNodes,
                             const std::function<void(int64_t)>& progress) const {
  int64_t batches = 0;
  for (;;) {
    bool done = db.run([&](Transaction& tr) { return backfillStep(tr, name, batchNodes); });
    ++batches;
    if (progress) progress(batches);
    if (done) return;
  }
}

bool DocumentStore::removePlugin(Database& db, std::string_view name) const {
  return db.run([&](Transaction& tr) { return removePlugin(tr, name); });
}

}  // namespace strata::layers
