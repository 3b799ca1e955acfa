// Client: the gRPC side of the etcd engine. One channel per member, unary calls with a deadline
// and failover (errors.h decides when a call may move to another member), and the cluster's
// limits measured once. Clients are shared by every engine of the process that names the same
// endpoint list (shared()), so opening many databases on one cluster opens one set of channels.
//
// Channels ignore http_proxy/grpc_proxy (GRPC_ARG_ENABLE_HTTP_PROXY = 0), accept responses of
// any size, and reconnect to a restarted member within ~2 s (reconnect backoff capped).
//
// Thread safety: thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engines/etcd/errors.h"
#include "engines/etcd/etcd_engine.h"
#include "etcd_rpc.pb.h"

namespace grpc {
class Channel;
}

namespace strata::kv::etcd {

struct ClientTimeouts {
  std::chrono::milliseconds readDeadline{5000};
  std::chrono::milliseconds commitDeadline{10000};
  std::chrono::milliseconds failoverBudget{20000};
};

class Client {
 public:
  Client(std::vector<std::string> endpoints, ClientTimeouts timeouts);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The process-wide client for this endpoint list and timeouts (made on first use).
  [[nodiscard]] static std::shared_ptr<Client> shared(const std::vector<std::string>& endpoints,
                                                      ClientTimeouts timeouts);

  // Unary calls with failover. Throws: the translated error (errors.h) once the call failed in a
  // way that does not fail over, or the failover budget is spent.
  [[nodiscard]] etcdserverpb::RangeResponse range(const etcdserverpb::RangeRequest& request,
                                                  Phase phase);
  [[nodiscard]] etcdserverpb::TxnResponse txn(const etcdserverpb::TxnRequest& request, Phase phase);
  [[nodiscard]] etcdserverpb::CompactionResponse compact(int64_t revision);
  // The status of member `index`, without failover; nullopt when it does not answer.
  [[nodiscard]] std::optional<etcdserverpb::StatusResponse> status(size_t index);

  // Throws: io_error (1510) when no member answers within the failover budget. One Range on the
  // first successful call; later calls return at once.
  void checkReachable();
  // The cluster's limits, measured on first call: probe RPCs (no writes) of up to ~1M compares and
  // ~32 MB, about 2 s, so callers ask only when a commit exceeds etcd's defaults.
  [[nodiscard]] EtcdLimits limits();
  // The limits if limits() measured them already.
  [[nodiscard]] std::optional<EtcdLimits> measuredLimits() const;
  // Whether the cluster accepts a Txn of `ops` operations in one list and `bytes` bytes: answered
  // from what earlier calls proved, else by read-only probes no larger than such a request (a Txn
  // of `ops` empty compares; a Range of a key of `bytes` + the gRPC overhead). Cheaper than
  // limits() for a commit just beyond etcd's defaults.
  [[nodiscard]] bool accepts(int64_t ops, int64_t bytes);

  // The channel of the member calls currently go to, and its index; rotate() moves on.
  [[nodiscard]] std::shared_ptr<grpc::Channel> currentChannel() const;
  [[nodiscard]] size_t currentIndex() const { return current_.load() % members_.size(); }
  void rotate(size_t from);
  // The newest revision some engine of this process compacted at (maintenance coordination).
  std::atomic<int64_t> compactedRevision{0};
  std::atomic<int64_t> lastCompactionMs{0};
  [[nodiscard]] size_t endpointCount() const { return members_.size(); }
  [[nodiscard]] const std::string& endpoint(size_t index) const;
  [[nodiscard]] uint64_t failovers() const { return failovers_.load(); }
  // The most Range calls in flight at once since the last call of this (tests, benchmarks).
  [[nodiscard]] int takePeakRangesInFlight();
  [[nodiscard]] const ClientTimeouts& timeouts() const { return timeouts_; }

 private:
  struct Member;
  template <class Call>
  void withFailover(Phase phase, const char* what, Call call);
  EtcdLimits measureLimits();
  bool opsAccepted(int64_t n);
  bool bytesAccepted(int64_t n);

  const ClientTimeouts timeouts_;
  std::vector<std::unique_ptr<Member>> members_;
  std::atomic<size_t> current_{0};
  std::atomic<uint64_t> failovers_{0};
  std::atomic<int> rangesInFlight_{0}, peakRangesInFlight_{0};
  std::once_flag reachableOnce_;
  std::once_flag limitsOnce_;
  std::atomic<bool> limitsMeasured_{false};
  EtcdLimits limits_;  // written once under limitsOnce_, then limitsMeasured_ set
  std::atomic<int64_t> provenOps_{0}, provenBytes_{0};  // largest sizes a probe accepted
};

}  // namespace strata::kv::etcd
