#include "engines/etcd/client.h"

#include <grpcpp/grpcpp.h>

#include <map>
#include <thread>
#include <utility>

#include "etcd_rpc.grpc.pb.h"

namespace strata::kv::etcd {

struct Client::Member {
  std::string endpoint;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
};

namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<grpc::Channel> makeChannel(const std::string& endpoint) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

void prepare(grpc::ClientContext& context, std::chrono::milliseconds deadline) {
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  // A member without a leader answers "etcdserver: no leader" at once instead of proposing.
  context.AddMetadata("hasleader", "true");
}

}  // namespace

Client::Client(std::vector<std::string> endpoints, ClientTimeouts timeouts) : timeouts_(timeouts) {
  for (auto& endpoint : endpoints) {
    auto m = std::make_unique<Member>();
    m->endpoint = std::move(endpoint);
    m->channel = makeChannel(m->endpoint);
    m->kv = etcdserverpb::KV::NewStub(m->channel);
    m->maintenance = etcdserverpb::Maintenance::NewStub(m->channel);
    members_.push_back(std::move(m));
  }
}

Client::~Client() = default;

std::shared_ptr<Client> Client::shared(const std::vector<std::string>& endpoints,
                                       ClientTimeouts timeouts) {
  // Clients live as long as the process: channels stay connected and limits stay measured
  // across opens (tests open hundreds of databases).
  static std::mutex mu;
  static auto* clients = new std::map<std::string, std::shared_ptr<Client>>();
  std::string name;
  for (const auto& e : endpoints) name += e + ",";
  name += std::to_string(timeouts.readDeadline.count()) + "/" +
          std::to_string(timeouts.commitDeadline.count()) + "/" +
          std::to_string(timeouts.failoverBudget.count());
  std::lock_guard lock(mu);
  auto& client = (*clients)[name];
  if (!client) client = std::make_shared<Client>(endpoints, timeouts);
  return client;
}

const std::string& Client::endpoint(size_t index) const { return members_.at(index)->endpoint; }

std::shared_ptr<grpc::Channel> Client::currentChannel() const {
  return members_[current_.load() % members_.size()]->channel;
}

void Client::rotate(size_t from) {
  size_t expected = from;
  if (current_.compare_exchange_strong(expected, (from + 1) % members_.size())) ++failovers_;
}

template <class Call>
void Client::withFailover(Phase phase, const char* what, Call call) {
  const auto giveUp = Clock::now() + timeouts_.failoverBudget;
  const auto deadline = phase == Phase::kCommit ? timeouts_.commitDeadline : timeouts_.readDeadline;
  auto backoff = std::chrono::milliseconds(10);
  size_t triedInRound = 0;
  for (;;) {
    const size_t index = current_.load() % members_.size();
    grpc::ClientContext context;
    prepare(context, deadline);
    grpc::Status status = call(*members_[index], context);
    if (status.ok()) return;
    if (classify(status, phase) == Retry::kNo || Clock::now() + backoff > giveUp) {
      throw translate(status, phase, what);
    }
    rotate(index);
    if (++triedInRound >= members_.size()) {
      // Every member failed once: wait (an election takes ~1 s) before the next round.
      triedInRound = 0;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(500));
    }
  }
}

int Client::takePeakRangesInFlight() {
  return peakRangesInFlight_.exchange(rangesInFlight_.load());
}

etcdserverpb::RangeResponse Client::range(const etcdserverpb::RangeRequest& request, Phase phase) {
  const int now = rangesInFlight_.fetch_add(1) + 1;
  int peak = peakRangesInFlight_.load();
  while (now > peak && !peakRangesInFlight_.compare_exchange_weak(peak, now)) {
  }
  struct Done {
    std::atomic<int>& count;
    ~Done() { count.fetch_sub(1); }
  } done{rangesInFlight_};
  etcdserverpb::RangeResponse response;
  withFailover(phase, "Range", [&](Member& m, grpc::ClientContext& context) {
    response.Clear();
    return m.kv->Range(&context, request, &response);
  });
  return response;
}

etcdserverpb::TxnResponse Client::txn(const etcdserverpb::TxnRequest& request, Phase phase) {
  etcdserverpb::TxnResponse response;
  withFailover(phase, "Txn", [&](Member& m, grpc::ClientContext& context) {
    response.Clear();
    return m.kv->Txn(&context, request, &response);
  });
  return response;
}

etcdserverpb::CompactionResponse Client::compact(int64_t revision) {
  etcdserverpb::CompactionRequest request;
  request.set_revision(revision);
  etcdserverpb::CompactionResponse response;
  withFailover(Phase::kMaintenance, "Compact", [&](Member& m, grpc::ClientContext& context) {
    return m.kv->Compact(&context, request, &response);
  });
  return response;
}

std::optional<etcdserverpb::StatusResponse> Client::status(size_t index) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeouts_.readDeadline);
  etcdserverpb::StatusResponse response;
  auto s =
      members_.at(index)->maintenance->Status(&context, etcdserverpb::StatusRequest(), &response);
  if (!s.ok()) return std::nullopt;
  return response;
}

void Client::checkReachable() {
  std::call_once(reachableOnce_, [this] {
    etcdserverpb::RangeRequest ping;
    ping.set_key(std::string("\0strata/clock", 13));
    ping.set_count_only(true);
    (void)range(ping, Phase::kOpen);
  });
}

EtcdLimits Client::limits() {
  std::call_once(limitsOnce_, [this] {
    limits_ = measureLimits();
    limitsMeasured_ = true;
  });
  return limits_;
}

std::optional<EtcdLimits> Client::measuredLimits() const {
  if (!limitsMeasured_.load()) return std::nullopt;
  return limits_;
}

namespace {
// The gRPC server accepts messages up to --max-request-bytes + 512 KiB.
constexpr int64_t kGrpcOverhead = 512 * 1024;
}  // namespace

// Operations: a read-only Txn of n empty compares passes the count check (--max-txn-ops) before
// failing "key is not provided"; beyond the limit it fails "too many operations".
bool Client::opsAccepted(int64_t n) {
  etcdserverpb::TxnRequest probe;
  for (int64_t i = 0; i < n; ++i) probe.add_compare();
  try {
    (void)txn(probe, Phase::kOpen);
    return true;
  } catch (const Error& e) {
    return e.code() != static_cast<int>(ErrorCode::transaction_too_large);
  }
}

// Bytes: a Range of a huge key probes the gRPC message limit without writing anything.
bool Client::bytesAccepted(int64_t n) {
  etcdserverpb::RangeRequest probe;
  probe.set_key(std::string(static_cast<size_t>(n), 'p'));
  probe.set_serializable(true);
  probe.set_count_only(true);
  try {
    (void)range(probe, Phase::kOpen);
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool Client::accepts(int64_t ops, int64_t bytes) {
  auto prove = [](std::atomic<int64_t>& proven, int64_t n, auto probe) {
    if (n <= proven.load()) return true;
    if (!probe(n)) return false;
    int64_t prev = proven.load();
    while (prev < n && !proven.compare_exchange_weak(prev, n)) {
    }
    return true;
  };
  // A Range of bytes + the gRPC overhead passes iff a request of bytes fits --max-request-bytes.
  return prove(provenOps_, ops, [this](int64_t n) { return opsAccepted(n); }) &&
         prove(provenBytes_, bytes, [this](int64_t n) { return bytesAccepted(n + kGrpcOverhead); });
}

EtcdLimits Client::measureLimits() {
  EtcdLimits limits;
  // An unreachable cluster fails here, with io_error, before any probe is judged.
  {
    etcdserverpb::RangeRequest ping;
    ping.set_key(std::string("\0strata/clock", 13));
    (void)range(ping, Phase::kOpen);
  }
  int64_t lo = 1, hi = int64_t{1} << 20;  // lo accepted; find the largest accepted below hi
  if (opsAccepted(hi)) {
    lo = hi;
  } else {
    while (hi - lo > 1) {
      int64_t mid = lo + (hi - lo) / 2;
      (opsAccepted(mid) ? lo : hi) = mid;
    }
  }
  limits.maxTxnOps = lo;
  // Bytes: the largest probe accepted, less the gRPC overhead (which also keeps us under the
  // raft check).
  for (int64_t size : {int64_t{32} << 20, int64_t{16} << 20, int64_t{8} << 20, int64_t{4} << 20,
                       int64_t{2} << 20, int64_t{3} << 19, int64_t{1} << 20}) {
    if (bytesAccepted(size)) {
      limits.maxRequestBytes = size - kGrpcOverhead;
      break;
    }
  }
  if (limits.maxRequestBytes == 0) limits.maxRequestBytes = 256 * 1024;
  return limits;
}

}  // namespace strata::kv::etcd
