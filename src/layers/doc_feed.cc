// The plugins strata ships besides the indexes: the change feed (a versionstamped log written in
// the document write's transaction) with its reader, and the validator.
// API and layout: include/strata/layers/doc_plugin.h.
#include <algorithm>
#include <set>

#include "layers/doc_internal.h"

namespace strata::layers {

namespace docdetail {
namespace {

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string int64Le(int64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((static_cast<uint64_t>(value) >> (8 * i)) & 0xff);
  return out;
}

int64_t decodeInt64Le(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes.size() && i < 8; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  }
  return static_cast<int64_t>(v);
}

class ChangeFeedPlugin final : public DocPlugin {
 public:
  ChangeFeedPlugin(PluginRecord record, Subspace data)
      : record_(std::move(record)), log_(data.sub(Tuple{0})), countKey_(data.pack(Tuple{1})) {}
  std::string name() const override { return record_.name; }
  std::string pattern() const override { return record_.pattern; }
  int priority() const override { return record_.priority; }
  PluginScope scope() const override { return PluginScope::kSubtrees; }
  bool needsBackfill() const override { return false; }
  void onChange(const DocPluginContext& context, const DocChange& change) const override {
    if (change.origin != ChangeOrigin::kWrite) return;
    Transaction& tr = context.transaction();
    // The approximate size grows with every mutation, so it orders entries inside one commit.
    const int64_t seq = tr.getApproximateSize();
    nlohmann::json value = change.newValue ? *change.newValue : nlohmann::json(nullptr);
    std::string entry =
        Tuple{change.path.toString(), static_cast<int64_t>(change.op), value.dump(), wallMs()}
            .pack();
    tr.atomicOp(MutationType::kSetVersionstampedKey,
                log_.packWithVersionstamp(Tuple{Versionstamp::incomplete(), seq}), entry);
    tr.atomicOp(MutationType::kAdd, countKey_, int64Le(1));
  }

 private:
  PluginRecord record_;
  Subspace log_;
  std::string countKey_;
};

// ---- validator -----------------------------------------------------------------------------

const std::set<std::string>& typeNames() {
  static const std::set<std::string> names{"string", "integer", "number", "boolean",
                                           "null",   "object",  "array",  "any"};
  return names;
}

bool hasType(const nlohmann::json& v, const std::string& type) {
  if (type == "any") return true;
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "object") return v.is_object();
  return v.is_array();
}

std::string typeOf(const nlohmann::json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();
}

class ValidatorPlugin final : public DocPlugin {
 public:
  explicit ValidatorPlugin(PluginRecord record)
      : record_(std::move(record)), rules_(nlohmann::json::parse(record_.config)) {}
  std::string name() const override { return record_.name; }
  std::string pattern() const override { return record_.pattern; }
  int priority() const override { return record_.priority; }
  PluginScope scope() const override { return PluginScope::kSubtrees; }
  void onChange(const DocPluginContext&, const DocChange&) const override {}
  // Checks each matching node touched by the mutation, as it stands after the mutation.
  void onMutationEnd(const DocPluginContext& context,
                     std::span<const DocChange* const> changes) const override {
    std::set<std::string> seen;
    for (const DocChange* change : changes) {
      DocPath node;
      node.elements.assign(
          change->path.elements.begin(),
          change->path.elements.begin() + static_cast<std::ptrdiff_t>(record_.parsed.size()));
      if (!seen.insert(node.toString()).second) continue;
      std::optional<nlohmann::json> value = context.store().get(context.transaction(), node);
      if (value) check(node, *value);
    }
  }

 private:
  [[noreturn]] void fail(const DocPath& node, const std::string& why) const {
    std::string where = node.elements.empty() ? "(root)" : node.toString();
    throwError(ErrorCode::invalid_input, "validator '" + record_.name + "': " + where + ": " + why);
  }

  void check(const DocPath& node, const nlohmann::json& value) const {
    if (rules_.contains("type")) {
      const std::string type = rules_["type"].get<std::string>();
      if (!hasType(value, type)) {
        fail(node, "expected " + type + ", got " + typeOf(value) + " (rule type)");
      }
    }
    if (!value.is_object()) return;
    if (rules_.contains("required")) {
      for (const nlohmann::json& field : rules_["required"]) {
        if (!value.contains(field.get<std::string>())) {
          fail(node,
               "required field '" + field.get<std::string>() + "' is missing (rule required)");
        }
      }
    }
    if (rules_.contains("fields")) {
      for (const auto& [field, type] : rules_["fields"].items()) {
        auto it = value.find(field);
        if (it == value.end()) continue;
        if (!hasType(*it, type.get<std::string>())) {
          fail(node.child(field), "expected " + type.get<std::string>() + ", got " + typeOf(*it) +
                                      " (rule fields." + field + ")");
        }
      }
    }
  }

  PluginRecord record_;
  nlohmann::json rules_;
};

}  // namespace

void checkValidatorRules(const nlohmann::json& rules) {
  auto bad = [](const std::string& why) {
    throwError(ErrorCode::invalid_input, "validator rules: " + why);
  };
  if (!rules.is_object()) bad("expected a JSON object");
  for (const auto& [key, value] : rules.items()) {
    if (key == "type") {
      if (!value.is_string() || !typeNames().count(value.get<std::string>())) {
        bad("\"type\" must be one of string, integer, number, boolean, null, object, array, any");
      }
    } else if (key == "required") {
      if (!value.is_array()) bad("\"required\" must be an array of member names");
      for (const nlohmann::json& f : value) {
        if (!f.is_string() || f.get<std::string>().empty()) {
          bad("\"required\" must be an array of member names");
        }
      }
    } else if (key == "fields") {
      if (!value.is_object()) bad("\"fields\" must map member names to types");
      for (const auto& [field, type] : value.items()) {
        if (!type.is_string() || !typeNames().count(type.get<std::string>())) {
          bad("unknown type for field '" + field + "'");
        }
      }
    } else {
      bad("unknown rule '" + key + "' (expected type, required, fields)");
    }
  }
  if (rules.empty()) bad("no rules");
}

std::shared_ptr<const DocPlugin> makeChangeFeedPlugin(const PluginRecord& record,
                                                      const Subspace& data) {
  return std::make_shared<ChangeFeedPlugin>(record, data);
}

std::shared_ptr<const DocPlugin> makeValidatorPlugin(const PluginRecord& record) {
  return std::make_shared<ValidatorPlugin>(record);
}

}  // namespace docdetail

// ---- DocChangeFeed -------------------------------------------------------------------------

namespace {

std::string toHex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string fromHexToken(std::string_view token) {
  auto bad = [&] {
    throwError(ErrorCode::invalid_input,
               "malformed change feed token '" + std::string(token) + "'");
  };
  if (token.size() % 2 != 0) bad();
  std::string out;
  for (size_t i = 0; i < token.size(); i += 2) {
    int v = 0;
    for (size_t j = i; j < i + 2; ++j) {
      char c = token[j];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else {
        bad();
      }
    }
    out.push_back(static_cast<char>(v));
  }
  try {
    Tuple t = Tuple::unpack(out);
    if (t.size() != 2 || t.type(0) != TupleType::kVersionstamp || t.type(1) != TupleType::kInt) {
      bad();
    }
  } catch (const Error& e) {
    if (e.errorCode() == ErrorCode::invalid_input) throw;
    bad();
  }
  return out;
}

bool under(const DocPath& path, const DocPath& prefix) {
  if (path.elements.size() < prefix.elements.size()) return false;
  return std::equal(prefix.elements.begin(), prefix.elements.end(), path.elements.begin());
}

constexpr int kTrimBatch = 1000;

}  // namespace

DocChangeFeed::DocChangeFeed(const DocumentStore& store, std::string name)
    : store_(&store),
      name_(std::move(name)),
      log_(store.pluginSubspace(name_).sub(Tuple{0})),
      count_(store.pluginSubspace(name_).sub(Tuple{1})) {}

std::optional<std::string> DocChangeFeed::covering(Transaction& tr, const DocumentStore& store,
                                                   const DocPath& path) {
  Tuple t = docdetail::toTuple(path);
  std::optional<std::string> best;
  size_t bestDepth = 0;
  for (const docdetail::PluginRecord& r :
       docdetail::loadRecords(tr, store.indexDefs_, Snapshot::kNo)) {
    if (r.kind != docdetail::PluginKind::kChangeFeed || r.parsed.size() > t.size()) continue;
    if (!docdetail::patternPrefixMatches(r.parsed, t, r.parsed.size())) continue;
    if (!best || r.parsed.size() > bestDepth) {
      best = r.name;
      bestDepth = r.parsed.size();
    }
  }
  return best;
}

ChangePage DocChangeFeed::read(Transaction& tr, std::string_view after, int limit,
                               const DocPath& underPath) const {
  std::optional<docdetail::PluginRecord> record =
      docdetail::loadRecord(tr, store_->indexDefs_, name_);
  if (!record || record->kind != docdetail::PluginKind::kChangeFeed) {
    throwError(ErrorCode::client_invalid_operation, "no change feed named '" + name_ + "'");
  }
  if (limit < 0) throwError(ErrorCode::client_invalid_operation, "limit must be >= 0");
  KeyRange all = log_.range();
  std::string begin = all.begin;
  if (!after.empty()) begin = keyAfter(log_.key() + fromHexToken(after));
  ChangePage page;
  page.continuation = std::string(after);
  RangeOptions options;
  options.limit = 1000;
  while (limit == 0 || static_cast<int>(page.changes.size()) < limit) {
    std::vector<KeyValue> batch = tr.getRangeAll(begin, all.end, options);
    for (const KeyValue& kv : batch) {
      std::string token = toHex(std::string_view(kv.key).substr(log_.key().size()));
      page.continuation = token;
      begin = keyAfter(kv.key);
      Tuple entry = Tuple::unpack(kv.value);
      ChangeEntry change;
      change.path = DocPath::parse(entry.getString(0));
      if (!under(change.path, underPath)) continue;
      change.op = static_cast<ChangeOp>(entry.getInt(1));
      change.value = nlohmann::json::parse(entry.getString(2));
      change.wallMs = entry.getInt(3);
      change.token = std::move(token);
      page.changes.push_back(std::move(change));
      if (limit != 0 && static_cast<int>(page.changes.size()) >= limit) break;
    }
    if (static_cast<int>(batch.size()) < options.limit) break;
  }
  return page;
}

int64_t DocChangeFeed::trimToCount(Database& db, int64_t keep) const {
  if (keep < 0) throwError(ErrorCode::client_invalid_operation, "keep must be >= 0");
  int64_t deleted = 0;
  for (;;) {
    int64_t n = db.run([&](Transaction& tr) -> int64_t {
      std::optional<std::string> count = tr.get(count_.key(), Snapshot::kYes);
      int64_t excess = (count ? docdetail::decodeInt64Le(*count) : 0) - keep;
      if (excess <= 0) return 0;
      RangeOptions options;
      options.limit = static_cast<int>(std::min<int64_t>(excess, kTrimBatch));
      KeyRange all = log_.range();
      std::vector<KeyValue> oldest = tr.getRangeAll(all.begin, all.end, options);
      if (oldest.empty()) return 0;
      tr.clearRange(all.begin, keyAfter(oldest.back().key));
      tr.atomicOp(MutationType::kAdd, count_.key(),
                  docdetail::int64Le(-static_cast<int64_t>(oldest.size())));
      return static_cast<int64_t>(oldest.size());
    });
    deleted += n;
    if (n == 0) return deleted;
  }
}

int64_t DocChangeFeed::trimOlderThan(Database& db, std::chrono::milliseconds age) const {
  const int64_t cutoff = docdetail::wallMs() - age.count();
  int64_t deleted = 0;
  for (;;) {
    bool more = false;
    int64_t n = db.run([&](Transaction& tr) -> int64_t {
      RangeOptions options;
      options.limit = kTrimBatch;
      KeyRange all = log_.range();
      std::vector<KeyValue> oldest = tr.getRangeAll(all.begin, all.end, options);
      int64_t old = 0;
      for (const KeyValue& kv : oldest) {
        if (Tuple::unpack(kv.value).getInt(3) >= cutoff) break;
        ++old;
      }
      more = old == static_cast<int64_t>(oldest.size()) && old == kTrimBatch;
      if (old == 0) return 0;
      tr.clearRange(all.begin, keyAfter(oldest[static_cast<size_t>(old) - 1].key));
      tr.atomicOp(MutationType::kAdd, count_.key(), docdetail::int64Le(-old));
      return old;
    });
    deleted += n;
    if (!more) return deleted;
  }
}

bool DocChangeFeed::wait(Database& db, std::string_view after,
                         std::chrono::milliseconds timeout) const {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::optional<Watch> watch;
    bool found = db.run([&](Transaction& tr) {
      watch.reset();
      if (!read(tr, after, 1).changes.empty()) return true;
      watch.emplace(tr.watch(count_.key()));
      return false;
    });
    if (found) return true;
    auto now = std::chrono::steady_clock::now();
    if (now >= end) return false;
    (void)watch->waitFor(end - now);
    if (std::chrono::steady_clock::now() >= end) {
      return db.read([&](Transaction& tr) { return !read(tr, after, 1).changes.empty(); });
    }
  }
}

}  // namespace strata::layers
