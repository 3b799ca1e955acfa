// DocumentStore indexes: definitions, the write hook that keeps entries exact, building, queries
// and verification. Layout: include/strata/layers/doc.h.
#include <cmath>
#include <map>
#include <set>

#include "layers/doc_internal.h"

namespace strata::layers {

using docdetail::IndexDef;
using docdetail::PluginKind;

namespace docdetail {

std::string entryKey(const Subspace& entries, const IndexDef& def, const Tuple& path,
                     std::string_view encoded) {
  Tuple t{def.name};
  if (def.kind == PluginKind::kValueIndex) t.append(indexElement(encoded));
  return entries.pack(t + path);
}

namespace {

// The Layers II indexes as plugins: an entry per matching node (value: scalar nodes only),
// written and cleared from the node changes.
class IndexPlugin final : public DocPlugin {
 public:
  IndexPlugin(PluginRecord record, Subspace entries)
      : record_(std::move(record)), entries_(std::move(entries)) {}
  std::string name() const override { return record_.name; }
  std::string pattern() const override { return record_.pattern; }
  int priority() const override { return record_.priority; }
  void onChange(const DocPluginContext& context, const DocChange& change) const override {
    Transaction& tr = context.transaction();
    Tuple path = toTuple(change.path);
    if (record_.kind == PluginKind::kExistsIndex) {
      if (change.op == ChangeOp::kSet) tr.set(entryKey(entries_, record_, path, {}), "");
      if (change.op == ChangeOp::kRemove) tr.clear(entryKey(entries_, record_, path, {}));
      return;
    }
    if (change.oldValue && isScalar(*change.oldValue)) {
      tr.clear(entryKey(entries_, record_, path, encodeScalar(*change.oldValue)));
    }
    if (change.newValue && isScalar(*change.newValue)) {
      tr.set(entryKey(entries_, record_, path, encodeScalar(*change.newValue)), "");
    }
  }

 private:
  static bool isScalar(const nlohmann::json& v) { return !v.is_object() && !v.is_array(); }
  PluginRecord record_;
  Subspace entries_;
};

}  // namespace

std::shared_ptr<const DocPlugin> makeIndexPlugin(const PluginRecord& record,
                                                 const Subspace& entries) {
  return std::make_shared<IndexPlugin>(record, entries);
}

}  // namespace docdetail

namespace {

IndexKind kindOf(const IndexDef& def) {
  return def.kind == PluginKind::kValueIndex ? IndexKind::kValue : IndexKind::kExists;
}

IndexDef requireIndex(Transaction& tr, const Subspace& defs, std::string_view name) {
  std::optional<IndexDef> def = docdetail::loadRecord(tr, defs, name);
  if (!def || !def->isIndex()) {
    throwError(ErrorCode::client_invalid_operation, "no index named '" + std::string(name) + "'");
  }
  return *def;
}

IndexDef requireQueryable(Transaction& tr, const Subspace& defs, std::string_view name) {
  std::optional<IndexDef> def = requireIndex(tr, defs, name);
  if (def->state != IndexState::kReady) {
    throwError(ErrorCode::client_invalid_operation,
               "index '" + std::string(name) + "' is still building: run buildIndex");
  }
  return *def;
}

// Decodes an entry key of `def` into its match.
IndexMatch matchOfEntry(const Subspace& entries, const IndexDef& def, std::string_view key) {
  Tuple t = entries.unpack(key);
  size_t skip = def.kind == PluginKind::kValueIndex ? 2 : 1;
  IndexMatch m;
  m.path = docdetail::fromTuple(t, skip);
  m.document.elements.assign(
      m.path.elements.begin(),
      m.path.elements.begin() + std::min<size_t>(def.documentDepth, m.path.elements.size()));
  if (def.kind == PluginKind::kValueIndex) m.value = docdetail::jsonOfIndexElement(t[1]);
  return m;
}

DocumentStore::IndexListing listingOf(const Subspace& entries, const IndexDef& def,
                                      std::string begin, std::string end) {
  DocumentStore::IndexListing listing;
  listing.range = KeyRange{std::move(begin), std::move(end)};
  listing.match = [entries, def](std::string_view key) { return matchOfEntry(entries, def, key); };
  return listing;
}

std::vector<IndexMatch> scanEntries(Transaction& tr, const DocumentStore::IndexListing& listing,
                                    int limit) {
  if (listing.range.end < listing.range.begin) return {};
  RangeOptions options;
  options.limit = limit;
  std::vector<IndexMatch> out;
  for (const KeyValue& kv : tr.getRange(listing.range.begin, listing.range.end, options)) {
    out.push_back(listing.match(kv.key));
  }
  return out;
}

}  // namespace

bool DocumentStore::addIndex(Transaction& tr, const IndexSpec& spec) const {
  if (spec.name.empty()) throwError(ErrorCode::invalid_input, "an index needs a name");
  std::vector<docdetail::PatternElement> pattern = docdetail::parsePathText(spec.pattern, true);
  if (pattern.empty()) throwError(ErrorCode::invalid_input, "an index pattern cannot be the root");
  PluginKind kind =
      spec.kind == IndexKind::kValue ? PluginKind::kValueIndex : PluginKind::kExistsIndex;
  if (std::optional<IndexDef> existing = docdetail::loadRecord(tr, indexDefs_, spec.name)) {
    if (existing->kind == kind && existing->pattern == spec.pattern) return false;
    throwError(ErrorCode::client_invalid_operation,
               "'" + spec.name + "' exists as a " + docdetail::kindName(existing->kind) +
                   " with pattern '" + existing->pattern + "'");
  }
  IndexDef def;
  def.name = spec.name;
  def.pattern = spec.pattern;
  def.kind = kind;
  def.state = IndexState::kBuilding;
  def.priority = docdetail::kIndexPriority;
  tr.set(indexDefs_.pack(Tuple{spec.name}), docdetail::encodeRecord(def));
  KeyRange r = indexEntries_.range(Tuple{spec.name});
  tr.clearRange(r.begin, r.end);
  tr.clear(buildCursors_.pack(Tuple{spec.name}));
  docdetail::bumpPluginsVersion(tr, pluginsVersionKey_);
  return true;
}

bool DocumentStore::buildIndexStep(Transaction& tr, std::string_view name, int batchNodes) const {
  (void)requireIndex(tr, indexDefs_, name);
  return backfillStep(tr, name, batchNodes);
}

bool DocumentStore::dropIndex(Transaction& tr, std::string_view name) const {
  std::optional<IndexDef> def = docdetail::loadRecord(tr, indexDefs_, name);
  if (!def || !def->isIndex()) return false;
  return removePlugin(tr, name);
}

std::vector<IndexInfo> DocumentStore::listIndexes(Transaction& tr) const {
  std::vector<IndexInfo> out;
  for (IndexDef& def : docdetail::loadRecords(tr, indexDefs_, Snapshot::kNo)) {
    if (!def.isIndex()) continue;
    out.push_back(IndexInfo{IndexSpec{def.name, def.pattern, kindOf(def)}, def.state});
  }
  return out;
}

DocumentStore::IndexListing DocumentStore::listFind(Transaction& tr, std::string_view index,
                                                    const nlohmann::json& value) const {
  IndexDef def = requireQueryable(tr, indexDefs_, index);
  KeyRange r;
  if (def.kind == PluginKind::kExistsIndex) {
    if (!value.is_null()) {
      throwError(ErrorCode::client_invalid_operation,
                 "index '" + def.name + "' indexes existence: query it with null");
    }
    r = indexEntries_.range(Tuple{def.name});
  } else {
    r = indexEntries_.range(Tuple{def.name, docdetail::indexElementOfJson(value)});
  }
  return listingOf(indexEntries_, def, std::move(r.begin), std::move(r.end));
}

DocumentStore::IndexListing DocumentStore::listFindRange(Transaction& tr, std::string_view index,
                                                         const nlohmann::json& lo,
                                                         const nlohmann::json& hi) const {
  IndexDef def = requireQueryable(tr, indexDefs_, index);
  if (def.kind != PluginKind::kValueIndex) {
    throwError(ErrorCode::client_invalid_operation, "range query on an exists index");
  }
  KeyRange all = indexEntries_.range(Tuple{def.name});
  std::string begin = lo.is_null()
                          ? all.begin
                          : indexEntries_.pack(Tuple{def.name, docdetail::indexElementOfJson(lo)});
  std::string end = hi.is_null()
                        ? all.end
                        : indexEntries_.pack(Tuple{def.name, docdetail::indexElementOfJson(hi)});
  return listingOf(indexEntries_, def, std::move(begin), std::move(end));
}

DocumentStore::IndexListing DocumentStore::listFindPrefix(Transaction& tr, std::string_view index,
                                                          std::string_view prefix) const {
  IndexDef def = requireQueryable(tr, indexDefs_, index);
  if (def.kind != PluginKind::kValueIndex) {
    throwError(ErrorCode::client_invalid_operation, "prefix query on an exists index");
  }
  std::string begin = indexEntries_.pack(Tuple{def.name, std::string(prefix)});
  begin.pop_back();  // the string's terminator: what remains prefixes every longer string
  std::string end = strinc(begin);
  return listingOf(indexEntries_, def, std::move(begin), std::move(end));
}

std::vector<IndexMatch> DocumentStore::find(Transaction& tr, std::string_view index,
                                            const nlohmann::json& value, int limit) const {
  return scanEntries(tr, listFind(tr, index, value), limit);
}

std::vector<IndexMatch> DocumentStore::findRange(Transaction& tr, std::string_view index,
                                                 const nlohmann::json& lo, const nlohmann::json& hi,
                                                 int limit) const {
  return scanEntries(tr, listFindRange(tr, index, lo, hi), limit);
}

std::vector<IndexMatch> DocumentStore::findPrefix(Transaction& tr, std::string_view index,
                                                  std::string_view prefix, int limit) const {
  return scanEntries(tr, listFindPrefix(tr, index, prefix), limit);
}

// Children listings (declared with the find listings in doc.h).
KeyRange DocumentStore::childrenRange(const DocPath& path) const {
  return nodes_.range(docdetail::toTuple(path));
}

std::optional<DocChild> DocumentStore::childOfRow(const DocPath& path, const KeyValue& row) const {
  KeyRange r = childrenRange(path);
  if (row.key < r.begin || row.key >= r.end) {
    throwError(ErrorCode::invalid_input, "not a key below the listed node");
  }
  const size_t depth = path.elements.size();
  Tuple t = nodes_.unpack(row.key);
  if (t.size() != depth + 1) return std::nullopt;
  DocChild c;
  c.name = docdetail::fromTuple(t, depth).elements[0];
  if (!docdetail::isContainer(row.value)) {
    c.kind = NodeKind::kScalar;
  } else {
    c.kind = row.value[0] == docdetail::kObjectValue ? NodeKind::kObject : NodeKind::kArray;
  }
  return c;
}

IndexCheck DocumentStore::checkIndex(Transaction& tr, std::string_view name) const {
  IndexDef def = requireIndex(tr, indexDefs_, name);
  std::set<std::string> expected;
  std::map<std::string, std::string> pathOf;
  // While building, nodes at or past the cursor have no entries yet (the backfill adds them).
  std::string cursor = nodes_.range().end;
  if (def.state == IndexState::kBuilding) {
    cursor = tr.get(buildCursors_.pack(Tuple{name})).value_or(nodes_.key());
  }
  for (const KeyValue& kv : tr.getRange(nodes_.key(), nodes_.range().end)) {
    Tuple path = nodes_.unpack(kv.key);
    if (!docdetail::patternMatches(def.parsed, path)) continue;
    if (def.kind == PluginKind::kValueIndex && docdetail::isContainer(kv.value)) continue;
    std::string key = docdetail::entryKey(indexEntries_, def, path, kv.value);
    if (kv.key >= cursor) continue;
    pathOf[key] = docdetail::fromTuple(path).toString();
    expected.insert(key);
  }
  IndexCheck check;
  KeyRange r = indexEntries_.range(Tuple{def.name});
  std::set<std::string> seen;
  for (const KeyValue& kv : tr.getRange(r.begin, r.end)) {
    seen.insert(kv.key);
    if (!expected.count(kv.key)) check.extra.push_back(indexEntries_.unpack(kv.key).toString());
  }
  for (const std::string& key : expected) {
    if (!seen.count(key)) check.missing.push_back(pathOf[key]);
  }
  return check;
}

void DocumentStore::buildIndex(Database& db, std::string_view name, int batchNodes,
                               const std::function<void(int64_t)>& progress) const {
  (void)db.read([&](Transaction& tr) { return requireIndex(tr, indexDefs_, name); });
  backfill(db, name, batchNodes, progress);
}

bool DocumentStore::addIndex(Database& db, const IndexSpec& spec) const {
  return db.run([&](Transaction& tr) { return addIndex(tr, spec); });
}

bool DocumentStore::dropIndex(Database& db, std::string_view name) const {
  return db.run([&](Transaction& tr) { return dropIndex(tr, name); });
}

std::vector<IndexMatch> DocumentStore::find(Database& db, std::string_view index,
                                            const nlohmann::json& value, int limit) const {
  return db.read([&](Transaction& tr) { return find(tr, index, value, limit); });
}

}  // namespace strata::layers
