// URL -> engine. The one place that knows every engine.
#include <cctype>
#include <map>
#include <mutex>
#include <string>

#include "engines/memory/memory_engine.h"
#include "kv/database_shared.h"
#ifdef STRATA_HAVE_LMDB
#include "engines/lmdb/lmdb_engine.h"
#endif
#ifdef STRATA_HAVE_ETCD
#include "engines/etcd/etcd_engine.h"
#endif

namespace strata::kv {
namespace {

struct ParsedUrl {
  std::string scheme;  // "memory", "file", "etcd"
  std::string location;
  std::map<std::string, std::string> query;
};

// "scheme:" = a letter, then letters, digits, '+', '-' or '.', then ':' (a path starting with
// '/' or '.' never matches).
bool hasScheme(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

ParsedUrl parse(std::string_view url) {
  ParsedUrl p;
  std::string_view rest = url;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view item = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (item.empty()) continue;
      auto eq = item.find('=');
      p.query[std::string(item.substr(0, eq))] =
          eq == std::string_view::npos ? "" : std::string(item.substr(eq + 1));
    }
  }
  if (rest.starts_with("memory:")) {
    p.scheme = "memory";
    p.location = rest.substr(7);
  } else if (rest.starts_with("file:")) {
    p.scheme = "file";
    p.location = rest.substr(5);
    if (p.location.starts_with("//")) p.location = p.location.substr(2);
  } else if (rest.starts_with("etcd://")) {
    p.scheme = "etcd";
    p.location = rest.substr(7);
  } else if (hasScheme(rest)) {
    throwError(ErrorCode::invalid_database_name,
               "unknown URL scheme in '" + std::string(url) + "' (memory:, file:, etcd://)");
  } else {
    p.scheme = "file";
    p.location = rest;
  }
  return p;
}

int64_t intOption(const ParsedUrl& p, const std::string& name, int64_t fallback) {
  auto it = p.query.find(name);
  if (it == p.query.end()) return fallback;
  try {
    size_t used = 0;
    int64_t v = std::stoll(it->second, &used);
    if (used != it->second.size() || v < 0) throw std::invalid_argument(name);
    return v;
  } catch (const std::exception&) {
    throwError(ErrorCode::invalid_database_name,
               "option " + name + " needs a non-negative integer");
  }
}

void rejectUnknown(const ParsedUrl& p, std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : p.query) {
    bool ok = false;
    for (auto k : known) ok = ok || k == name;
    if (!ok) throwError(ErrorCode::invalid_database_name, "unknown URL option '" + name + "'");
  }
}

// Named memory stores live as long as some Database has them open.
std::mutex gNamedMutex;
std::map<std::string, std::weak_ptr<Engine>> gNamed;

}  // namespace

std::shared_ptr<Engine> openEngine(std::string_view url, DatabaseOptions& options) {
  ParsedUrl p = parse(url);
  options.maxTransactionLifetime = std::chrono::milliseconds(
      intOption(p, "lifetime_ms", options.maxTransactionLifetime.count()));
  if (p.query.count("read_concurrency") > 0) {
    const int64_t threads = intOption(p, "read_concurrency", 0);
    if (threads > 256) {
      throwError(ErrorCode::invalid_database_name, "read_concurrency must be 0..256");
    }
    options.readConcurrency = static_cast<int>(threads);
  }
  if (p.scheme == "memory") {
    rejectUnknown(p, {"lifetime_ms", "read_concurrency"});
    MemoryEngineOptions mo;
    mo.maxTransactionLifetime = options.maxTransactionLifetime;
    if (p.location.empty()) return makeMemoryEngine(mo);
    std::lock_guard lock(gNamedMutex);
    if (auto existing = gNamed[p.location].lock()) return existing;
    auto engine = makeMemoryEngine(mo);
    gNamed[p.location] = engine;
    return engine;
  }
  if (p.scheme == "file") {
#ifdef STRATA_HAVE_LMDB
    rejectUnknown(p, {"lifetime_ms", "read_concurrency", "readonly", "nosync", "nometasync"});
    if (p.location.empty()) throwError(ErrorCode::invalid_database_name, "empty path");
    LmdbEngineOptions lo;
    lo.path = p.location;
    lo.readOnly = p.query.count("readonly") > 0;
    lo.noSync = p.query.count("nosync") > 0;
    lo.noMetaSync = p.query.count("nometasync") > 0;
    lo.maxTransactionLifetime = options.maxTransactionLifetime;
    return makeLmdbEngine(lo);
#else
    throwError(ErrorCode::invalid_database_name, "this build has no embedded (file:) engine");
#endif
  }
#ifdef STRATA_HAVE_ETCD
  // etcd://HOST:PORT[,HOST:PORT...][/][?prefix=P]
  rejectUnknown(p, {"lifetime_ms", "read_concurrency", "prefix"});
  EtcdEngineOptions eo;
  std::string_view hosts = p.location;
  if (hosts.ends_with('/')) hosts.remove_suffix(1);
  while (!hosts.empty()) {
    auto comma = hosts.find(',');
    std::string_view host = hosts.substr(0, comma);
    hosts = comma == std::string_view::npos ? std::string_view() : hosts.substr(comma + 1);
    if (host.empty() || host.find('/') != std::string_view::npos) {
      throwError(ErrorCode::invalid_database_name,
                 "bad etcd endpoint in '" + std::string(url) + "'");
    }
    eo.endpoints.emplace_back(host);
  }
  if (auto it = p.query.find("prefix"); it != p.query.end()) eo.prefix = it->second;
  eo.maxTransactionLifetime = options.maxTransactionLifetime;
  return makeEtcdEngine(eo);
#else
  throwError(ErrorCode::invalid_database_name, "this build has no etcd engine");
#endif
}

}  // namespace strata::kv
