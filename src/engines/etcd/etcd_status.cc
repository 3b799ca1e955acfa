// The etcd engine's status report (etcd_status.h).
#include "engines/etcd/etcd_status.h"

#include <string>
#include <vector>

#include "engines/etcd/client.h"
#include "engines/etcd/etcd_engine.h"

namespace strata::kv::etcd {

namespace {

// The endpoints of "etcd://h:p,h:p[/][?...]" (open.cc has already validated the URL).
std::vector<std::string> endpointsOf(std::string_view url) {
  std::vector<std::string> out;
  std::string_view rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?"));
  while (!rest.empty()) {
    auto comma = rest.find(',');
    out.emplace_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out;
}

}  // namespace

EtcdStatus status(Engine& engine, std::string_view url) {
  EtcdStatus s;
  EtcdEngineStats stats = etcdEngineStats(engine);
  s.maxTxnOps = stats.limits.maxTxnOps;
  s.maxRequestBytes = stats.limits.maxRequestBytes;
  // The process-wide client of this endpoint list (the engine's own, when its timeouts are the
  // defaults; otherwise a second set of channels to the same members).
  auto client = Client::shared(endpointsOf(url), ClientTimeouts{});
  for (size_t i = 0; i < client->endpointCount(); ++i) {
    EtcdMember m;
    m.endpoint = client->endpoint(i);
    if (auto r = client->status(i)) {
      m.answered = true;
      m.id = r->header().member_id();
      m.version = r->version();
      m.dbSize = r->dbsize();
      m.dbSizeInUse = r->dbsizeinuse();
      m.raftIndex = static_cast<int64_t>(r->raftindex());
      m.leader = r->leader() == m.id;
      if (r->leader() != 0) s.leader = r->leader();
    }
    s.members.push_back(std::move(m));
  }
  return s;
}

}  // namespace strata::kv::etcd
