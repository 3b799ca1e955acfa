// DocumentStore: paths, node values, tree operations (set, get, update, remove, children) and
// JSON import/export. Layout: include/strata/layers/doc.h; indexes: doc_index.cc.
#include "strata/layers/doc.h"

#include <cmath>
#include <istream>
#include <map>
#include <ostream>

#include "layers/doc_internal.h"
#include "strata/tuple_json.h"

namespace strata::layers {

using docdetail::PatternElement;

// ---- paths ---------------------------------------------------------------------------------

namespace docdetail {

std::vector<PatternElement> parsePathText(std::string_view text, bool allowWildcard) {
  std::vector<PatternElement> out;
  auto bad = [&](std::string_view why) {
    throwError(ErrorCode::invalid_input, "path '" + std::string(text) + "': " + std::string(why));
  };
  size_t i = 0;
  bool needElement = false;  // after a '.'
  while (i < text.size()) {
    if (text[i] == '[') {
      size_t close = text.find(']', i);
      if (close == std::string_view::npos) bad("unbalanced '['");
      std::string_view inside = text.substr(i + 1, close - i - 1);
      if (inside == "?" && allowWildcard) {
        out.emplace_back(std::nullopt);
      } else {
        if (inside.empty() || inside.size() > 18) bad("array index must be 0..10^18");
        int64_t index = 0;
        for (char c : inside) {
          if (c < '0' || c > '9') bad("array index must be a non-negative integer");
          index = index * 10 + (c - '0');
        }
        out.emplace_back(std::in_place, std::in_place_index<1>, index);
      }
      i = close + 1;
    } else {
      std::string name;
      bool escaped = false;
      while (i < text.size() && text[i] != '.' && text[i] != '[') {
        if (text[i] == ']') bad("unbalanced ']'");
        if (text[i] == '\\') {
          if (i + 1 == text.size()) bad("dangling '\\'");
          escaped = true;
          ++i;
        }
        name.push_back(text[i++]);
      }
      if (name.empty()) bad("empty member name");
      if (allowWildcard && !escaped && name == "?") {
        out.emplace_back(std::nullopt);
      } else {
        out.emplace_back(DocPath::Element{std::move(name)});
      }
    }
    needElement = false;
    if (i < text.size()) {
      if (text[i] == '.') {
        needElement = true;
        ++i;
        if (i < text.size() && text[i] == '[') bad("'.' before '['");
      } else if (text[i] != '[') {
        bad("expected '.' or '['");
      }
    }
  }
  if (needElement) bad("trailing '.'");
  return out;
}

Tuple toTuple(const DocPath& path) {
  Tuple t;
  for (const DocPath::Element& e : path.elements) {
    if (const auto* s = std::get_if<std::string>(&e)) {
      t.append(*s);
    } else {
      int64_t index = std::get<int64_t>(e);
      if (index < 0) throwError(ErrorCode::invalid_input, "negative array index in a path");
      t.append(index);
    }
  }
  return t;
}

DocPath fromTuple(const Tuple& t, size_t from) {
  DocPath path;
  for (size_t i = from; i < t.size(); ++i) {
    if (t.type(i) == TupleType::kString) {
      path.elements.emplace_back(t.getString(i));
    } else {
      path.elements.emplace_back(t.getInt(i));
    }
  }
  return path;
}

// ---- node values ---------------------------------------------------------------------------

// Documents hold JSON, and JSON text is UTF-8: a string or member name that is not would store
// fine and then fail every export, so it is refused at write time.
void requireUtf8(std::string_view text, std::string_view what) {
  if (!isValidUtf8(text)) {
    throwError(ErrorCode::invalid_input,
               std::string(what) +
                   " is not valid UTF-8 (documents hold JSON text; store raw "
                   "bytes with the blob layer or encode them, e.g. as base64)");
  }
}

std::string encodeScalar(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return Tuple{nullptr}.pack();
    case nlohmann::json::value_t::boolean:
      return Tuple{value.get<bool>()}.pack();
    case nlohmann::json::value_t::number_integer:
      return Tuple{value.get<int64_t>()}.pack();
    case nlohmann::json::value_t::number_unsigned:
      return Tuple{value.get<uint64_t>()}.pack();
    case nlohmann::json::value_t::number_float:
      return Tuple{value.get<double>()}.pack();
    case nlohmann::json::value_t::string:
      requireUtf8(value.get_ref<const std::string&>(), "a string value");
      return Tuple{value.get<std::string>()}.pack();
    default:
      throwError(ErrorCode::invalid_input,
                 std::string("not a storable JSON scalar: ") + value.type_name());
  }
}

bool isContainer(std::string_view bytes) {
  return bytes.size() == 1 && (bytes[0] == kObjectValue || bytes[0] == kArrayValue);
}

nlohmann::json decodeValue(std::string_view bytes) {
  if (bytes.size() == 1 && bytes[0] == kObjectValue) return nlohmann::json::object();
  if (bytes.size() == 1 && bytes[0] == kArrayValue) return nlohmann::json::array();
  Tuple t = Tuple::unpack(bytes);
  if (t.size() != 1) throwError(ErrorCode::invalid_input, "corrupt document node value");
  const TupleElement& e = t[0];
  switch (e.type()) {
    case TupleType::kNull:
      return nullptr;
    case TupleType::kBool:
      return e.getBool();
    case TupleType::kString:
      return e.getString();
    case TupleType::kDouble:
      return e.getDouble();
    case TupleType::kInt:
      if (std::holds_alternative<uint64_t>(e.value())) return e.getUint64();
      return e.getInt();
    default:
      throwError(ErrorCode::invalid_input, "corrupt document node value");
  }
}

namespace {
TupleElement normalise(const TupleElement& e) {
  if (e.type() == TupleType::kInt) {
    double d = std::holds_alternative<uint64_t>(e.value()) ? static_cast<double>(e.getUint64())
                                                           : static_cast<double>(e.getInt());
    return TupleElement(d);
  }
  if (e.type() == TupleType::kDouble && e.getDouble() == 0.0) return TupleElement(0.0);
  return e;
}
}  // namespace

TupleElement indexElement(std::string_view encodedScalar) {
  return normalise(Tuple::unpack(encodedScalar)[0]);
}

TupleElement indexElementOfJson(const nlohmann::json& value) {
  return normalise(Tuple::unpack(encodeScalar(value))[0]);
}

nlohmann::json jsonOfIndexElement(const TupleElement& e) {
  if (e.type() == TupleType::kDouble) {
    double d = e.getDouble();
    if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) return static_cast<int64_t>(d);
  }
  return decodeValue(Tuple{e}.pack());
}

}  // namespace docdetail

DocPath DocPath::parse(std::string_view text) {
  docdetail::requireUtf8(text, "a document path");
  DocPath path;
  for (PatternElement& e : docdetail::parsePathText(text, false)) path.elements.push_back(*e);
  return path;
}

std::string DocPath::toString() const {
  std::string out;
  for (const Element& e : elements) {
    if (const auto* s = std::get_if<std::string>(&e)) {
      if (!out.empty()) out.push_back('.');
      if (*s == "?") out.push_back('\\');  // so that a pattern reads it literally
      for (char c : *s) {
        if (c == '.' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
    } else {
      out += "[" + std::to_string(std::get<int64_t>(e)) + "]";
    }
  }
  return out;
}

DocPath DocPath::child(Element element) const {
  DocPath out = *this;
  out.elements.push_back(std::move(element));
  return out;
}

// ---- writes --------------------------------------------------------------------------------

// One mutation: loads the plugin records once (or shares the dispatcher of the plugin whose
// document write it is), checks and creates ancestors, and routes every node write and clear
// through the Mutation, which calls the plugins' hooks.
class DocumentStore::Writer {
 public:
  Writer(const DocumentStore& store, Transaction& tr)
      : store_(store),
        tr_(tr),
        owned_(std::make_unique<docdetail::Dispatcher>(store, tr)),
        mutation_(*owned_, 0) {}
  Writer(const DocumentStore& store, docdetail::Dispatcher& dispatcher, size_t first)
      : store_(store), tr_(dispatcher.transaction()), mutation_(dispatcher, first) {}

  std::string nodeKey(const Tuple& path) const { return store_.nodes_.pack(path); }

  void finish() { mutation_.finish(); }

  // Makes every proper ancestor of `path` a container of the right kind, creating missing ones;
  // checks that an array index is at most the array's length. Returns: true when no node is at
  // `path` and nothing was created (so no hook ran that could have written one): `path` then has
  // no descendants either (every node's ancestors exist), and a replace() needs no old nodes.
  bool ensureAncestors(const Tuple& path) {
    std::vector<Future<std::optional<std::string>>> reads;
    Tuple prefix;
    for (size_t i = 0; i <= path.size(); ++i) {
      reads.push_back(tr_.getAsync(nodeKey(prefix)));
      if (i < path.size()) prefix.append(path[i]);
    }
    prefix = Tuple{};
    bool createdAny = false;
    for (size_t i = 0; i < path.size(); ++i) {
      const TupleElement& next = path[i];
      bool index = next.type() != TupleType::kString;
      std::optional<std::string> value = reads[i].get();
      if (!value) {
        createdAny = true;
        std::string created(1, index ? docdetail::kArrayValue : docdetail::kObjectValue);
        std::string key = nodeKey(prefix);
        tr_.set(key, created);
        mutation_.node(prefix, key, std::nullopt, created, ChangeOrigin::kWrite, nullptr);
        value = created;
      }
      if (!docdetail::isContainer(*value)) {
        fail("'" + docdetail::fromTuple(prefix).toString() + "' is a scalar, not a container");
      }
      if (index != ((*value)[0] == docdetail::kArrayValue)) {
        fail("'" + docdetail::fromTuple(prefix).toString() + "' is " +
             (index ? "an object: use a member name" : "an array: use an index"));
      }
      if (index && !reads[i + 1].get().has_value()) {
        int64_t length = arrayLength(prefix);
        if (next.getInt() > length) {
          fail("index " + std::to_string(next.getInt()) + " is past the end of '" +
               docdetail::fromTuple(prefix).toString() + "' (length " + std::to_string(length) +
               ")");
        }
      }
      prefix.append(next);
    }
    return !createdAny && !reads[path.size()].get().has_value();
  }

  // Replaces the subtree at `path` with `value` (ancestors already ensured). `absent`: the
  // caller knows no node is at or below `path` (ensureAncestors()); the old subtree is not read
  // (the read of the node's own key already conflicts with any commit creating one).
  void replace(const Tuple& path, const nlohmann::json& value, bool absent = false) {
    std::map<std::string, std::string> old = clearSubtreeKeepingOld(path, !absent);
    writeTree(path, value, old);
    reportRemoved(old);
  }

  // Clears the node at `path` and below; returns whether the node existed.
  bool remove(const Tuple& path) {
    if (!tr_.get(nodeKey(path))) return false;
    std::map<std::string, std::string> old = clearSubtreeKeepingOld(path);
    reportRemoved(old);
    return true;
  }

  void merge(const Tuple& path, const nlohmann::json& patch) {
    std::optional<std::string> current = tr_.get(nodeKey(path));
    if (!patch.is_object() || !current || (*current)[0] != docdetail::kObjectValue ||
        current->size() != 1) {
      nlohmann::json merged = nlohmann::json::object();
      merged.merge_patch(patch);
      replace(path, patch.is_object() ? merged : patch);
      return;
    }
    for (const auto& [name, member] : patch.items()) {
      docdetail::requireUtf8(name, "a member name");
      Tuple child = path;
      child.append(name);
      if (member.is_null()) {
        remove(child);
      } else if (member.is_object()) {
        merge(child, member);
      } else {
        replace(child, member);
      }
    }
  }

 private:
  [[noreturn]] static void fail(const std::string& why) {
    throwError(ErrorCode::client_invalid_operation, why);
  }

  void reportRemoved(const std::map<std::string, std::string>& old) {
    for (const auto& [key, bytes] : old) {
      mutation_.node(store_.nodes_.unpack(key), key, bytes, std::nullopt, ChangeOrigin::kWrite,
                     &old);
    }
  }

  int64_t arrayLength(const Tuple& arrayPath) {
    KeyRange r = store_.nodes_.range(arrayPath);
    RangeOptions options;
    options.limit = 1;
    options.reverse = Reverse::kYes;
    std::vector<KeyValue> last = tr_.getRangeAll(r.begin, r.end, options);
    if (last.empty()) return 0;
    return store_.nodes_.unpack(last[0].key).getInt(arrayPath.size()) + 1;
  }

  // Clears the node and its descendants; returns the old nodes (key -> value) when a plugin
  // needs them (empty otherwise: nothing observes them).
  std::map<std::string, std::string> clearSubtreeKeepingOld(const Tuple& path,
                                                            bool mayHaveOld = true) {
    std::string key = nodeKey(path);
    KeyRange below = store_.nodes_.range(path);
    std::map<std::string, std::string> old;
    if (mayHaveOld && mutation_.observesSubtree(path)) {
      for (const KeyValue& kv : tr_.getRange(key, below.end)) old.emplace(kv.key, kv.value);
    }
    tr_.clear(key);
    tr_.clearRange(below.begin, below.end);
    return old;
  }

  void writeTree(const Tuple& path, const nlohmann::json& value,
                 std::map<std::string, std::string>& old) {
    std::string key = nodeKey(path);
    std::string bytes;
    if (value.is_object()) {
      bytes.assign(1, docdetail::kObjectValue);
    } else if (value.is_array()) {
      bytes.assign(1, docdetail::kArrayValue);
    } else {
      bytes = docdetail::encodeScalar(value);
    }
    tr_.set(key, bytes);
    std::optional<std::string> before;
    if (auto it = old.find(key); it != old.end()) {
      before = std::move(it->second);
      old.erase(it);
    }
    mutation_.node(path, key, before, bytes, ChangeOrigin::kWrite, nullptr);
    if (value.is_object()) {
      for (const auto& [name, member] : value.items()) {
        docdetail::requireUtf8(name, "a member name");
        Tuple child = path;
        child.append(name);
        writeTree(child, member, old);
      }
    } else if (value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        Tuple child = path;
        child.append(static_cast<int64_t>(i));
        writeTree(child, value[i], old);
      }
    }
  }

  const DocumentStore& store_;
  Transaction& tr_;
  std::unique_ptr<docdetail::Dispatcher> owned_;  // top-level mutations only
  docdetail::Mutation mutation_;
};

DocumentStore::DocumentStore(Subspace subspace)
    : subspace_(std::move(subspace)),
      nodes_(subspace_.sub(Tuple{docdetail::kTagNodes})),
      indexDefs_(subspace_.sub(Tuple{docdetail::kTagPluginRecords})),
      indexEntries_(subspace_.sub(Tuple{docdetail::kTagIndexEntries})),
      buildCursors_(subspace_.sub(Tuple{docdetail::kTagBuildCursors})),
      pluginData_(subspace_.sub(Tuple{docdetail::kTagPluginData})),
      pluginsVersionKey_(indexDefs_.key()),
      pluginCache_(std::make_shared<docdetail::PluginCache>()) {}

void DocumentStore::set(Transaction& tr, const DocPath& path, const nlohmann::json& value) const {
  Tuple t = docdetail::toTuple(path);
  Writer w(*this, tr);
  bool absent = w.ensureAncestors(t);
  w.replace(t, value, absent);
  w.finish();
}

void DocumentStore::update(Transaction& tr, const DocPath& path,
                           const nlohmann::json& patch) const {
  Tuple t = docdetail::toTuple(path);
  Writer w(*this, tr);
  w.ensureAncestors(t);
  w.merge(t, patch);
  w.finish();
}

bool DocumentStore::remove(Transaction& tr, const DocPath& path) const {
  Tuple t = docdetail::toTuple(path);
  Writer w(*this, tr);
  bool removed = w.remove(t);
  w.finish();
  return removed;
}

// ---- plugin document writes ----------------------------------------------------------------

namespace docdetail {

void Dispatcher::set(const DocPath& path, const nlohmann::json& value, size_t position) {
  Tuple t = toTuple(path);
  DocumentStore::Writer w(store_, *this, position + 1);
  bool absent = w.ensureAncestors(t);
  w.replace(t, value, absent);
  w.finish();
}

void Dispatcher::update(const DocPath& path, const nlohmann::json& patch, size_t position) {
  Tuple t = toTuple(path);
  DocumentStore::Writer w(store_, *this, position + 1);
  w.ensureAncestors(t);
  w.merge(t, patch);
  w.finish();
}

bool Dispatcher::remove(const DocPath& path, size_t position) {
  DocumentStore::Writer w(store_, *this, position + 1);
  bool removed = w.remove(toTuple(path));
  w.finish();
  return removed;
}

}  // namespace docdetail

// ---- reads ---------------------------------------------------------------------------------

std::optional<nlohmann::json> DocumentStore::get(Transaction& tr, const DocPath& path) const {
  Tuple t = docdetail::toTuple(path);
  std::string key = nodes_.pack(t);
  std::optional<nlohmann::json> root;
  for (const KeyValue& kv : tr.getRange(key, nodes_.range(t).end)) {
    if (!root) {
      if (kv.key != key) return std::nullopt;  // unreachable while ancestors are kept
      root = docdetail::decodeValue(kv.value);
      continue;
    }
    Tuple full = nodes_.unpack(kv.key);
    nlohmann::json* node = &*root;
    for (size_t i = t.size(); i < full.size(); ++i) {
      nlohmann::json& parent = *node;
      if (full.type(i) == TupleType::kString) {
        node = &parent[full.getString(i)];
      } else {
        node = &parent[static_cast<size_t>(full.getInt(i))];
      }
    }
    *node = docdetail::decodeValue(kv.value);
  }
  return root;
}

std::optional<NodeKind> DocumentStore::kind(Transaction& tr, const DocPath& path) const {
  std::optional<std::string> v = tr.get(nodes_.pack(docdetail::toTuple(path)));
  if (!v) return std::nullopt;
  if (docdetail::isContainer(*v)) {
    return (*v)[0] == docdetail::kObjectValue ? NodeKind::kObject : NodeKind::kArray;
  }
  return NodeKind::kScalar;
}

std::vector<DocChild> DocumentStore::listChildren(Transaction& tr, const DocPath& path, int limit,
                                                  std::optional<DocPath::Element> after) const {
  Tuple t = docdetail::toTuple(path);
  KeyRange r = nodes_.range(t);
  std::string begin = r.begin;
  if (after) begin = nodes_.range(docdetail::toTuple(path.child(*after))).end;
  std::vector<DocChild> out;
  RangeOptions options;
  options.limit = 1;
  while (limit == 0 || static_cast<int>(out.size()) < limit) {
    std::vector<KeyValue> next = tr.getRangeAll(begin, r.end, options);
    if (next.empty()) break;
    Tuple child = nodes_.unpack(next[0].key);
    child = Tuple(std::vector<TupleElement>(child.begin(), child.begin() + t.size() + 1));
    DocChild c;
    c.name = docdetail::fromTuple(child, t.size()).elements[0];
    if (!docdetail::isContainer(next[0].value)) {
      c.kind = NodeKind::kScalar;
    } else {
      c.kind = next[0].value[0] == docdetail::kObjectValue ? NodeKind::kObject : NodeKind::kArray;
    }
    out.push_back(std::move(c));
    begin = nodes_.range(child).end;
  }
  return out;
}

// ---- Database& conveniences ------------------------------------------------------------------

void DocumentStore::set(Database& db, const DocPath& path, const nlohmann::json& value) const {
  db.run([&](Transaction& tr) { set(tr, path, value); });
}

std::optional<nlohmann::json> DocumentStore::get(Database& db, const DocPath& path) const {
  return db.read([&](Transaction& tr) { return get(tr, path); });
}

void DocumentStore::update(Database& db, const DocPath& path, const nlohmann::json& patch) const {
  db.run([&](Transaction& tr) { update(tr, path, patch); });
}

bool DocumentStore::remove(Database& db, const DocPath& path) const {
  return db.run([&](Transaction& tr) { return remove(tr, path); });
}

std::vector<DocChild> DocumentStore::listChildren(Database& db, const DocPath& path) const {
  return db.read([&](Transaction& tr) { return listChildren(tr, path); });
}

// ---- import / export -----------------------------------------------------------------------

int64_t DocumentStore::importJson(Database& db, const DocPath& target, std::istream& in,
                                  const ImportOptions& options) const {
  std::vector<std::pair<DocPath, nlohmann::json>> batch;
  int64_t batchBytes = 0;
  int64_t written = 0;
  // Writes batch[begin, end); a batch past the transaction size limit is split in halves.
  std::function<void(size_t, size_t)> write = [&](size_t begin, size_t end) {
    try {
      db.run([&](Transaction& tr) {
        for (size_t i = begin; i < end; ++i) set(tr, batch[i].first, batch[i].second);
      });
    } catch (const Error& e) {
      if (e.errorCode() != ErrorCode::transaction_too_large || end - begin < 2) throw;
      size_t mid = begin + (end - begin) / 2;
      write(begin, mid);
      write(mid, end);
    }
  };
  auto flush = [&] {
    if (batch.empty()) return;
    write(0, batch.size());
    written += static_cast<int64_t>(batch.size());
    batch.clear();
    batchBytes = 0;
    if (options.progress) options.progress(written);
  };
  auto add = [&](DocPath path, nlohmann::json value, int64_t bytes) {
    batch.emplace_back(std::move(path), std::move(value));
    batchBytes += bytes;
    if (batchBytes >= options.batchBytes) flush();
  };
  auto parse = [](std::string_view text, int64_t line) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      throwError(ErrorCode::invalid_input,
                 line > 0 ? "malformed JSON on line " + std::to_string(line) : "malformed JSON");
    }
    return j;
  };
  if (options.format == JsonFormat::kJsonLines) {
    std::string line;
    int64_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json j = parse(line, number);
      if (!j.is_object() || !j.contains("path") || !j["path"].is_string() || !j.contains("value")) {
        throwError(ErrorCode::invalid_input,
                   "line " + std::to_string(number) + ": expected {\"path\": ..., \"value\": ...}");
      }
      DocPath rel = DocPath::parse(j["path"].get<std::string>());
      DocPath full = target;
      full.elements.insert(full.elements.end(), rel.elements.begin(), rel.elements.end());
      add(std::move(full), std::move(j["value"]), static_cast<int64_t>(line.size()));
    }
  } else {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    nlohmann::json j = parse(text, 0);
    if (j.is_object()) {
      for (auto& [name, member] : j.items()) {
        int64_t bytes = static_cast<int64_t>(member.dump().size());
        add(target.child(name), std::move(member), bytes);
      }
    } else if (j.is_array()) {
      for (size_t i = 0; i < j.size(); ++i) {
        int64_t bytes = static_cast<int64_t>(j[i].dump().size());
        add(target.child(static_cast<int64_t>(i)), std::move(j[i]), bytes);
      }
    } else {
      throwError(ErrorCode::invalid_input, "a JSON import must be an object or an array");
    }
  }
  flush();
  return written;
}

int64_t DocumentStore::exportJson(Database& db, const DocPath& path, std::ostream& out,
                                  JsonFormat format) const {
  std::optional<NodeKind> k = db.read([&](Transaction& tr) { return kind(tr, path); });
  if (!k) {
    throwError(ErrorCode::client_invalid_operation, "no node at '" + path.toString() + "'");
  }
  if (*k == NodeKind::kScalar) {
    nlohmann::json v = *get(db, path);
    if (format == JsonFormat::kJson) {
      out << v.dump() << "\n";
    } else {
      out << nlohmann::json{{"path", ""}, {"value", v}}.dump() << "\n";
    }
    return 1;
  }
  bool array = *k == NodeKind::kArray;
  if (format == JsonFormat::kJson) out << (array ? "[" : "{");
  int64_t written = 0;
  int64_t nextIndex = 0;
  std::optional<DocPath::Element> after;
  for (;;) {
    std::vector<DocChild> page =
        db.read([&](Transaction& tr) { return listChildren(tr, path, 100, after); });
    if (page.empty()) break;
    for (const DocChild& c : page) {
      std::optional<nlohmann::json> v = get(db, path.child(c.name));
      after = c.name;
      if (!v) continue;  // removed since listed
      if (format == JsonFormat::kJsonLines) {
        out << nlohmann::json{{"path", DocPath{{c.name}}.toString()}, {"value", *v}}.dump() << "\n";
      } else {
        if (array) {
          for (int64_t i = nextIndex; i < std::get<int64_t>(c.name); ++i) {
            out << (written++ > 0 ? "," : "") << "null";
          }
          nextIndex = std::get<int64_t>(c.name) + 1;
          out << (written > 0 ? "," : "") << v->dump();
        } else {
          out << (written > 0 ? "," : "") << nlohmann::json(std::get<std::string>(c.name)).dump()
              << ":" << v->dump();
        }
      }
      ++written;
    }
  }
  if (format == JsonFormat::kJson) out << (array ? "]" : "}") << "\n";
  return written;
}

}  // namespace strata::layers
