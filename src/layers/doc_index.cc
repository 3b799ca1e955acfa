// DocumentStore indexes: definitions, the write hook that keeps entries exact, building, queries
// and verification. Layout: include/strata/layers/doc.h.
#include <cmath>
#include <map>
#include <set>

#include "layers/doc_internal.h"

namespace strata::layers {

using docdetail::IndexDef;
using docdetail::IndexMaintainer;

namespace docdetail {
namespace {

std::string encodeDef(const IndexDef& def) {
  return Tuple{def.spec.pattern, static_cast<int64_t>(def.spec.kind),
               static_cast<int64_t>(def.state)}
      .pack();
}

IndexDef decodeDef(std::string name, std::string_view bytes) {
  Tuple t = Tuple::unpack(bytes);
  IndexDef def;
  def.spec.name = std::move(name);
  def.spec.pattern = t.getString(0);
  int64_t kind = t.getInt(1);
  int64_t state = t.getInt(2);
  if (kind < 0 || kind > 1 || state < 0 || state > 1) {
    throwError(ErrorCode::invalid_input, "corrupt index definition for '" + def.spec.name + "'");
  }
  def.spec.kind = static_cast<IndexKind>(kind);
  def.state = static_cast<IndexState>(state);
  def.pattern = parsePathText(def.spec.pattern, true);
  for (size_t i = 0; i < def.pattern.size(); ++i) {
    if (!def.pattern[i]) def.documentDepth = static_cast<int>(i) + 1;
  }
  if (def.documentDepth == 0) def.documentDepth = static_cast<int>(def.pattern.size());
  return def;
}

bool elementMatches(const PatternElement& p, const TupleElement& e) {
  if (!p) return true;
  if (const auto* s = std::get_if<std::string>(&*p)) {
    return e.type() == TupleType::kString && e.getString() == *s;
  }
  return e.type() != TupleType::kString && e.getInt() == std::get<int64_t>(*p);
}

}  // namespace

std::vector<IndexDef> loadIndexes(Transaction& tr, const Subspace& defs, Snapshot snapshot) {
  KeyRange r = defs.range();
  RangeOptions options;
  options.snapshot = snapshot;
  std::vector<IndexDef> out;
  for (const KeyValue& kv : tr.getRangeAll(r.begin, r.end, options)) {
    out.push_back(decodeDef(defs.unpack(kv.key).getString(0), kv.value));
  }
  return out;
}

std::optional<IndexDef> loadIndex(Transaction& tr, const Subspace& defs, std::string_view name) {
  std::optional<std::string> v = tr.get(defs.pack(Tuple{name}));
  if (!v) return std::nullopt;
  return decodeDef(std::string(name), *v);
}

bool patternMatches(const std::vector<PatternElement>& pattern, const Tuple& path) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (!elementMatches(pattern[i], path[i])) return false;
  }
  return true;
}

std::string entryKey(const Subspace& entries, const IndexDef& def, const Tuple& path,
                     std::string_view encoded) {
  Tuple t{def.spec.name};
  if (def.spec.kind == IndexKind::kValue) t.append(indexElement(encoded));
  return entries.pack(t + path);
}

bool IndexMaintainer::observesSubtree(const Tuple& path) const {
  for (const IndexDef& def : defs_) {
    if (def.pattern.size() < path.size()) continue;
    bool prefix = true;
    for (size_t i = 0; i < path.size() && prefix; ++i) {
      prefix = elementMatches(def.pattern[i], path[i]);
    }
    if (prefix) return true;
  }
  return false;
}

void IndexMaintainer::onNodeWrite(Transaction& tr, const Tuple& path,
                                  const std::optional<std::string>& oldValue,
                                  const std::optional<std::string>& newValue) const {
  if (oldValue == newValue) return;
  for (const IndexDef& def : defs_) {
    if (!patternMatches(def.pattern, path)) continue;
    if (def.spec.kind == IndexKind::kExists) {
      if (oldValue.has_value() == newValue.has_value()) continue;
      if (newValue) {
        tr.set(entryKey(entries_, def, path, *newValue), "");
      } else {
        tr.clear(entryKey(entries_, def, path, *oldValue));
      }
      continue;
    }
    if (oldValue && !isContainer(*oldValue)) tr.clear(entryKey(entries_, def, path, *oldValue));
    if (newValue && !isContainer(*newValue)) tr.set(entryKey(entries_, def, path, *newValue), "");
  }
}

}  // namespace docdetail

namespace {

IndexDef requireQueryable(Transaction& tr, const Subspace& defs, std::string_view name) {
  std::optional<IndexDef> def = docdetail::loadIndex(tr, defs, name);
  if (!def)
    throwError(ErrorCode::client_invalid_operation, "no index named '" + std::string(name) + "'");
  if (def->state != IndexState::kReady) {
    throwError(ErrorCode::client_invalid_operation,
               "index '" + std::string(name) + "' is still building: run buildIndex");
  }
  return *def;
}

std::vector<IndexMatch> scanEntries(Transaction& tr, const Subspace& entries, const IndexDef& def,
                                    std::string_view begin, std::string_view end, int limit) {
  RangeOptions options;
  options.limit = limit;
  std::vector<IndexMatch> out;
  size_t skip = def.spec.kind == IndexKind::kValue ? 2 : 1;
  for (const KeyValue& kv : tr.getRange(begin, end, options)) {
    Tuple t = entries.unpack(kv.key);
    IndexMatch m;
    m.path = docdetail::fromTuple(t, skip);
    m.document.elements.assign(
        m.path.elements.begin(),
        m.path.elements.begin() + std::min<size_t>(def.documentDepth, m.path.elements.size()));
    if (def.spec.kind == IndexKind::kValue) m.value = docdetail::jsonOfIndexElement(t[1]);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

bool DocumentStore::addIndex(Transaction& tr, const IndexSpec& spec) const {
  if (spec.name.empty()) throwError(ErrorCode::invalid_input, "an index needs a name");
  std::vector<docdetail::PatternElement> pattern = docdetail::parsePathText(spec.pattern, true);
  if (pattern.empty()) throwError(ErrorCode::invalid_input, "an index pattern cannot be the root");
  if (std::optional<IndexDef> existing = docdetail::loadIndex(tr, indexDefs_, spec.name)) {
    if (existing->spec == spec) return false;
    throwError(ErrorCode::client_invalid_operation,
               "index '" + spec.name + "' exists with pattern '" + existing->spec.pattern + "'");
  }
  IndexDef def;
  def.spec = spec;
  def.state = IndexState::kBuilding;
  tr.set(indexDefs_.pack(Tuple{spec.name}), docdetail::encodeDef(def));
  KeyRange r = indexEntries_.range(Tuple{spec.name});
  tr.clearRange(r.begin, r.end);
  tr.clear(buildCursors_.pack(Tuple{spec.name}));
  return true;
}

bool DocumentStore::buildIndexStep(Transaction& tr, std::string_view name, int batchNodes) const {
  std::optional<IndexDef> def = docdetail::loadIndex(tr, indexDefs_, name);
  if (!def)
    throwError(ErrorCode::client_invalid_operation, "no index named '" + std::string(name) + "'");
  if (def->state == IndexState::kReady) return true;
  if (batchNodes < 1) throwError(ErrorCode::client_invalid_operation, "batchNodes must be >= 1");
  std::string cursorKey = buildCursors_.pack(Tuple{name});
  std::string begin = tr.get(cursorKey).value_or(nodes_.key());
  std::string end = nodes_.range().end;
  RangeOptions options;
  options.limit = batchNodes;
  IndexMaintainer maintainer(indexEntries_, {*def});
  int rows = 0;
  std::string last;
  for (const KeyValue& kv : tr.getRange(begin, end, options)) {
    ++rows;
    maintainer.onNodeWrite(tr, nodes_.unpack(kv.key), std::nullopt, kv.value);
    last = kv.key;
  }
  if (rows < batchNodes) {
    def->state = IndexState::kReady;
    tr.set(indexDefs_.pack(Tuple{name}), docdetail::encodeDef(*def));
    tr.clear(cursorKey);
    return true;
  }
  tr.set(cursorKey, keyAfter(last));
  return false;
}

bool DocumentStore::dropIndex(Transaction& tr, std::string_view name) const {
  std::string defKey = indexDefs_.pack(Tuple{name});
  if (!tr.get(defKey)) return false;
  tr.clear(defKey);
  KeyRange r = indexEntries_.range(Tuple{name});
  tr.clearRange(r.begin, r.end);
  tr.clear(buildCursors_.pack(Tuple{name}));
  return true;
}

std::vector<IndexInfo> DocumentStore::listIndexes(Transaction& tr) const {
  std::vector<IndexInfo> out;
  for (IndexDef& def : docdetail::loadIndexes(tr, indexDefs_, Snapshot::kNo)) {
    out.push_back(IndexInfo{std::move(def.spec), def.state});
  }
  return out;
}

std::vector<IndexMatch> DocumentStore::find(Transaction& tr, std::string_view index,
                                            const nlohmann::json& value, int limit) const {
  IndexDef def = requireQueryable(tr, indexDefs_, index);
  KeyRange r;
  if (def.spec.kind == IndexKind::kExists) {
    if (!value.is_null()) {
      throwError(ErrorCode::client_invalid_operation,
                 "index '" + def.spec.name + "' indexes existence: query it with null");
    }
    r = indexEntries_.range(Tuple{def.spec.name});
  } else {
    r = indexEntries_.range(Tuple{def.spec.name, docdetail::indexElementOfJson(value)});
  }
  return scanEntries(tr, indexEntries_, def, r.begin, r.end, limit);
}

std::vector<IndexMatch> DocumentStore::findRange(Transaction& tr, std::string_view index,
                                                 const nlohmann::json& lo, const nlohmann::json& hi,
                                                 int limit) const {
  IndexDef def = requireQueryable(tr, indexDefs_, index);
  if (def.spec.kind != IndexKind::kValue) {
    throwError(ErrorCode::client_invalid_operation, "range query on an exists index");
  }
  KeyRange all = indexEntries_.range(Tuple{def.spec.name});
  std::string begin =
      lo.is_null() ? all.begin
                   : indexEntries_.pack(Tuple{def.spec.name, docdetail::indexElementOfJson(lo)});
  std::string end =
      hi.is_null() ? all.end
                   : indexEntries_.pack(Tuple{def.spec.name, docdetail::indexElementOfJson(hi)});
  if (end < begin) return {};
  return scanEntries(tr, indexEntries_, def, begin, end, limit);
}

std::vector<IndexMatch> DocumentStore::findPrefix(Transaction& tr, std::string_view index,
                                                  std::string_view prefix, int limit) const {
  IndexDef def = requireQueryable(tr, indexDefs_, index);
  if (def.spec.kind != IndexKind::kValue) {
    throwError(ErrorCode::client_invalid_operation, "prefix query on an exists index");
  }
  std::string begin = indexEntries_.pack(Tuple{def.spec.name, std::string(prefix)});
  begin.pop_back();  // the string's terminator: what remains prefixes every longer string
  return scanEntries(tr, indexEntries_, def, begin, strinc(begin), limit);
}

IndexCheck DocumentStore::checkIndex(Transaction& tr, std::string_view name) const {
  std::optional<IndexDef> def = docdetail::loadIndex(tr, indexDefs_, name);
  if (!def)
    throwError(ErrorCode::client_invalid_operation, "no index named '" + std::string(name) + "'");
  std::set<std::string> expected;
  std::map<std::string, std::string> pathOf;
  std::string cursor = tr.get(buildCursors_.pack(Tuple{name})).value_or(nodes_.range().end);
  if (def->state == IndexState::kReady) cursor = nodes_.range().end;
  for (const KeyValue& kv : tr.getRange(nodes_.key(), nodes_.range().end)) {
    Tuple path = nodes_.unpack(kv.key);
    if (!docdetail::patternMatches(def->pattern, path)) continue;
    if (def->spec.kind == IndexKind::kValue && docdetail::isContainer(kv.value)) continue;
    std::string key = docdetail::entryKey(indexEntries_, *def, path, kv.value);
    // While building, nodes past the cursor may legitimately lack entries.
    if (kv.key >= cursor && def->state == IndexState::kBuilding) {
      pathOf[key] = "";
    } else {
      pathOf[key] = docdetail::fromTuple(path).toString();
    }
    expected.insert(key);
  }
  IndexCheck check;
  KeyRange r = indexEntries_.range(Tuple{def->spec.name});
  std::set<std::string> seen;
  for (const KeyValue& kv : tr.getRange(r.begin, r.end)) {
    seen.insert(kv.key);
    if (!expected.count(kv.key)) check.extra.push_back(indexEntries_.unpack(kv.key).toString());
  }
  for (const std::string& key : expected) {
    if (!seen.count(key) && !pathOf[key].empty()) check.missing.push_back(pathOf[key]);
  }
  return check;
}

void DocumentStore::buildIndex(Database& db, std::string_view name, int batchNodes,
                               const std::function<void(int64_t)>& progress) const {
  int64_t batches = 0;
  for (;;) {
    bool done = db.run([&](Transaction& tr) { return buildIndexStep(tr, name, batchNodes); });
    ++batches;
    if (progress) progress(batches);
    if (done) return;
  }
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
