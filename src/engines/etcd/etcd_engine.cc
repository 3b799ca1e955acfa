#include "engines/etcd/etcd_engine.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "engines/etcd/client.h"
#include "engines/etcd/conflict_keys.h"
#include "engines/etcd/watcher.h"
#include "kv/atomic.h"
#include "strata/kv/error.h"

namespace strata::kv {
namespace {

using Clock = std::chrono::steady_clock;
using etcd::Client;
using etcd::Phase;
using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::TxnRequest;
using etcdserverpb::TxnResponse;

const std::string kClockKey("\0strata/clock", 13);
constexpr char kPlainValue = 0;
constexpr char kStampedValue = 1;
// Internal retries of one commit whose atomic-op inputs or clock moved before it gives up
// with not_committed (1020).
constexpr int kMaxGuardRetries = 64;

std::string encodePlain(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 1);
  out.push_back(kPlainValue);
  out.append(value);
  return out;
}

// A versionstamped value whose stamp is the key's mod_revision: header, offset, template.
std::string encodeStamped(std::string_view operand) {
  uint32_t pos = versionstampOffset(operand);
  std::string out(1, kStampedValue);
  out.append(operand.substr(operand.size() - 4));
  out.append(operand.substr(0, operand.size() - 4));
  (void)pos;
  return out;
}

std::string decodeValue(const mvccpb::KeyValue& kv) {
  const std::string& raw = kv.value();
  if (raw.empty()) return raw;
  if (raw[0] != kStampedValue || raw.size() < 5) return raw.substr(1);
  uint32_t pos = 0;
  for (int i = 0; i < 4; ++i) pos |= uint32_t{static_cast<uint8_t>(raw[1 + i])} << (8 * i);
  std::string value = raw.substr(5);
  CommitStamp stamp = makeCommitStamp(kv.mod_revision(), 0);
  if (pos + stamp.size() <= value.size()) {
    std::copy(stamp.begin(), stamp.end(), value.begin() + pos);
  }
  return value;
}

std::string keyAfter(std::string_view key) {
  std::string s(key);
  s.push_back('\0');
  return s;
}

// Revisions as this process first saw them: the conflict window and the collection horizon are
// "the newest revision first seen at or before (now - age)".
//
// Thread safety: thread-safe.
// Invariants: seen_ is ascending in revision and time; newest_ is its last revision.
class RevisionWindow {
 public:
  explicit RevisionWindow(std::chrono::milliseconds keep) : keep_(keep) {}

  void observe(int64_t revision) {
    const auto now = Clock::now();
    std::lock_guard lock(mu_);
    if (revision <= newest_) return;
    newest_ = revision;
    seen_.emplace_back(revision, now);
    // Keep one entry at or before (now - keep_): it answers every age up to keep_.
    while (seen_.size() > 1 && seen_[1].second <= now - keep_) seen_.pop_front();
  }
  [[nodiscard]] int64_t newest() const {
    std::lock_guard lock(mu_);
    return newest_;
  }
  // The newest revision first seen at least `age` ago; 0 if none.
  [[nodiscard]] int64_t seenBefore(std::chrono::milliseconds age) const {
    const auto cutoff = Clock::now() - age;
    std::lock_guard lock(mu_);
    int64_t out = 0;
    for (const auto& [revision, when] : seen_) {
      if (when > cutoff) break;
      out = revision;
    }
    return out;
  }

 private:
  const std::chrono::milliseconds keep_;
  mutable std::mutex mu_;
  std::deque<std::pair<int64_t, Clock::time_point>> seen_;  // guarded by mu_
  int64_t newest_ = 0;                                      // guarded by mu_
};

// The net effect of a commit's mutations on data keys, as etcd Txn operations allow it: at most
// one operation per key and no put inside a deleted range.
struct NetWrites {
  std::map<std::string, std::optional<std::string>> points;  // user key -> encoded value / clear
  std::vector<KeyRange> clears;                              // user ranges, in issue order

  [[nodiscard]] bool clearedByRange(const std::string& key) const {
    for (const auto& r : clears) {
      if (r.begin <= key && key < r.end) return true;
    }
    return false;
  }
  void clearRange(const std::string& begin, const std::string& end) {
    points.erase(points.lower_bound(begin), points.lower_bound(end));
    clears.push_back({begin, end});
  }
};

class EtcdEngine;

class EtcdReadView final : public ReadView {
 public:
  EtcdReadView(std::shared_ptr<EtcdEngine> engine, int64_t version)
      : engine_(std::move(engine)), version_(version) {}
  [[nodiscard]] int64_t version() const override { return version_; }
  [[nodiscard]] std::optional<std::string> get(std::string_view key) override;
  [[nodiscard]] RangeChunk getRange(std::string_view begin, std::string_view end, int limit,
                                    bool reverse) override;

 private:
  const std::shared_ptr<EtcdEngine> engine_;
  const int64_t version_;
};

class EtcdEngine final : public Engine, public std::enable_shared_from_this<EtcdEngine> {
 public:
  EtcdEngine(const EtcdEngineOptions& options, std::shared_ptr<Client> client)
      : options_(options),
        client_(std::move(client)),
        dataPrefix_(options.prefix + "d"),
        pointPrefix_(options.prefix + "w"),
        nodePrefix_(options.prefix + "c"),
        gcDelay_(std::max<std::chrono::milliseconds>(2 * options.maxTransactionLifetime,
                                                     std::chrono::seconds(10))),
        window_(gcDelay_ + std::chrono::seconds(1)),
        limits_(client_->limits()) {}

  ~EtcdEngine() override {
    {
      std::lock_guard lock(maintenanceMu_);
      stopping_ = true;
    }
    maintenanceCv_.notify_all();
    if (maintenanceThread_.joinable()) maintenanceThread_.join();
    std::unique_ptr<etcd::Watcher> watcher;
    {
      std::lock_guard lock(watcherMu_);
      watcher = std::move(watcher_);
    }
    watcher.reset();
  }

  void start() {
    if (options_.maintenance) {
      maintenanceThread_ = std::thread([this] { maintenanceLoop(); });
    }
  }

  // ---- reads ----------------------------------------------------------------------------------

  [[nodiscard]] int64_t currentRevision() {
    RangeRequest request;
    request.set_key(kClockKey);
    request.set_count_only(true);
    auto response = client_->range(request, Phase::kRead);
    window_.observe(response.header().revision());
    return response.header().revision();
  }

  [[nodiscard]] std::shared_ptr<ReadView> beginRead() override {
    return std::make_shared<EtcdReadView>(shared_from_this(), currentRevision());
  }

  [[nodiscard]] std::shared_ptr<ReadView> readAt(int64_t version) override {
    if (version > window_.newest() && version > currentRevision()) {
      throwError(ErrorCode::future_version, "revision " + std::to_string(version) +
                                                " is newer than the cluster's " +
                                                std::to_string(window_.newest()));
    }
    checkReadable(version);
    return std::make_shared<EtcdReadView>(shared_from_this(), version);
  }

  void checkReadable(int64_t version) const {
    int64_t base = window_.seenBefore(options_.maxTransactionLifetime);
    if (version < base) {
      throwError(ErrorCode::transaction_too_old, "revision " + std::to_string(version) +
                                                     " is older than the conflict window (" +
                                                     std::to_string(base) + ")");
    }
  }

  std::optional<std::string> get(int64_t version, std::string_view key) {
    checkReadable(version);
    RangeRequest request;
    request.set_key(dataPrefix_ + std::string(key));
    request.set_revision(version);
    auto response = rangeAt(request);
    if (response.kvs_size() == 0) return std::nullopt;
    return decodeValue(response.kvs(0));
  }

  RangeChunk getRange(int64_t version, std::string_view begin, std::string_view end, int limit,
                      bool reverse) {
    if (limit <= 0) {
      throwError(ErrorCode::range_limits_invalid, "limit " + std::to_string(limit) + " <= 0");
    }
    RangeChunk out;
    if (begin >= end) return out;
    checkReadable(version);
    RangeRequest request;
    request.set_key(dataPrefix_ + std::string(begin));
    request.set_range_end(dataPrefix_ + std::string(end));
    request.set_revision(version);
    request.set_limit(limit);
    if (reverse) {
      request.set_sort_order(RangeRequest::DESCEND);
      request.set_sort_target(RangeRequest::KEY);
    }
    auto response = rangeAt(request);
    out.kvs.reserve(static_cast<size_t>(response.kvs_size()));
    for (const auto& kv : response.kvs()) {
      out.kvs.push_back(KeyValue{kv.key().substr(dataPrefix_.size()), decodeValue(kv)});
    }
    out.more = response.more();
    return out;
  }

  // A Range at a fixed revision. The data at a revision a member has applied never changes, so
  // it is read locally on whichever member (serializable: no ReadIndex round trip through the
  // leader); a member that has not applied it yet says "future revision", and the read is
  // repeated linearizably, which waits until that member has caught up.
  etcdserverpb::RangeResponse rangeAt(RangeRequest& request) {
    request.set_serializable(true);
    etcdserverpb::RangeResponse response;
    try {
      response = client_->range(request, Phase::kRead);
    } catch (const Error& e) {
      if (e.code() != static_cast<int>(ErrorCode::future_version)) throw;
      request.set_serializable(false);
      response = client_->range(request, Phase::kRead);
    }
    window_.observe(response.header().revision());
    return response;
  }

  std::optional<std::string> readLatest(const std::string& key) {
    RangeRequest request;
    request.set_key(dataPrefix_ + key);
    auto response = client_->range(request, Phase::kRead);
    window_.observe(response.header().revision());
    if (response.kvs_size() == 0) return std::nullopt;
    return decodeValue(response.kvs(0));
  }

  // ---- commit ---------------------------------------------------------------------------------

  CommitResult commit(CommitRequest request) override;

  [[nodiscard]] std::function<void()> watch(WatchRequest request) override {
    etcd::Watcher* watcher = nullptr;
    {
      std::lock_guard lock(watcherMu_);
      if (!watcher_) {
        watcher_ = std::make_unique<etcd::Watcher>(
            client_, dataPrefix_, [this](const std::string& key) { return readLatest(key); });
      }
      watcher = watcher_.get();
    }
    return watcher->add(std::move(request));
  }

  [[nodiscard]] std::string name() const override { return "etcd"; }

  [[nodiscard]] EtcdEngineStats stats() const {
    EtcdEngineStats s;
    s.limits = limits_;
    s.commits = commits_.load();
    s.conflicts = conflicts_.load();
    s.guardRetries = guardRetries_.load();
    s.failovers = client_->failovers();
    s.markersCollected = markersCollected_.load();
    s.compactedRevision = client_->compactedRevision.load();
    return s;
  }

  void runMaintenance();

 private:
  struct AtomicInput {
    std::optional<std::string> value;  // decoded user value; nullopt = absent
    int64_t modRevision = 0;           // 0 = absent
  };
  struct Clock_ {
    int64_t header = 0;  // the cluster revision when read
    int64_t clock = 0;   // the clock key's mod_revision then
  };

  void addReadCompares(const std::vector<KeyRange>& reads, int64_t readVersion, TxnRequest& txn);
  void addMarkerPuts(const std::vector<KeyRange>& writes, TxnRequest& txn);
  // Applies the mutations in order; atomic ops read `inputs` for keys not yet written.
  NetWrites netWrites(const std::vector<Mutation>& mutations,
                      const std::map<std::string, AtomicInput>& inputs,
                      std::optional<int64_t> stampVersion) const;
  void addDataOps(const NetWrites& writes, TxnRequest& txn) const;
  void checkLimits(const TxnRequest& txn) const;
  void readInputs(std::map<std::string, AtomicInput>& inputs, bool wantClock, Clock_& clock);
  void maintenanceLoop();

  const EtcdEngineOptions options_;
  const std::shared_ptr<Client> client_;
  const std::string dataPrefix_, pointPrefix_, nodePrefix_;
  const std::chrono::milliseconds gcDelay_;
  RevisionWindow window_;
  const EtcdLimits limits_;

  std::atomic<uint64_t> commits_{0}, conflicts_{0}, guardRetries_{0}, markersCollected_{0};

  std::mutex watcherMu_;
  std::unique_ptr<etcd::Watcher> watcher_;  // guarded by watcherMu_; made on the first watch

  std::mutex maintenanceMu_;
  std::condition_variable maintenanceCv_;
  bool stopping_ = false;  // guarded by maintenanceMu_
  std::thread maintenanceThread_;
};

std::optional<std::string> EtcdReadView::get(std::string_view key) {
  return engine_->get(version_, key);
}
RangeChunk EtcdReadView::getRange(std::string_view begin, std::string_view end, int limit,
                                  bool reverse) {
  return engine_->getRange(version_, begin, end, limit, reverse);
}

Compare modBelow(const std::string& key, const std::string& rangeEnd, int64_t revision) {
  Compare c;
  c.set_result(Compare::LESS);
  c.set_target(Compare::MOD);
  c.set_key(key);
  if (!rangeEnd.empty()) c.set_range_end(rangeEnd);
  c.set_mod_revision(revision);
  return c;
}

void EtcdEngine::addReadCompares(const std::vector<KeyRange>& reads, int64_t readVersion,
                                 TxnRequest& txn) {
  // "mod_revision < readVersion + 1" over every marker key that a write overlapping a read range
  // would have touched (conflict_keys.h). Markers are never deleted inside the window, so a
  // compare that finds no key finds no write.
  std::set<std::string> covering;
  for (const auto& r : reads) {
    if (r.begin >= r.end) continue;
    *txn.add_compare() = modBelow(pointPrefix_ + r.begin, pointPrefix_ + r.end, readVersion + 1);
    *txn.add_compare() = modBelow(nodePrefix_ + r.begin, nodePrefix_ + r.end, readVersion + 1);
    for (auto& node : etcd::coveringNodes(r.begin)) covering.insert(std::move(node));
  }
  for (const auto& node : covering) {
    *txn.add_compare() = modBelow(nodePrefix_ + node, "", readVersion + 1);
  }
}

void EtcdEngine::addMarkerPuts(const std::vector<KeyRange>& writes, TxnRequest& txn) {
  std::set<std::string> keys;
  for (const auto& w : writes) {
    auto markers = etcd::writeMarkers(w.begin, w.end);
    for (auto& p : markers.points) keys.insert(pointPrefix_ + p);
    for (auto& n : markers.nodes) keys.insert(nodePrefix_ + n);
  }
  for (const auto& key : keys) txn.add_success()->mutable_request_put()->set_key(key);
}

NetWrites EtcdEngine::netWrites(const std::vector<Mutation>& mutations,
                                const std::map<std::string, AtomicInput>& inputs,
                                std::optional<int64_t> stampVersion) const {
  NetWrites out;
  std::optional<CommitStamp> stamp;
  if (stampVersion) stamp = makeCommitStamp(*stampVersion, 0);
  for (const auto& m : mutations) {
    switch (m.type) {
      case MutationType::kSetValue:
        out.points[m.key] = encodePlain(m.param);
        break;
      case MutationType::kClearRange:
        if (m.key < m.param) out.clearRange(m.key, m.param);
        break;
      case MutationType::kSetVersionstampedKey:
        out.points[applyVersionstamp(m.key, stamp.value())] = encodePlain(m.param);
        break;
      case MutationType::kSetVersionstampedValue:
        out.points[m.key] =
            stamp ? encodePlain(applyVersionstamp(m.param, *stamp)) : encodeStamped(m.param);
        break;
      default: {
        std::optional<std::string> existing;
        if (auto it = out.points.find(m.key); it != out.points.end()) {
          if (it->second) {
            mvccpb::KeyValue kv;
            kv.set_value(*it->second);
            kv.set_mod_revision(stampVersion.value_or(0));
            existing = decodeValue(kv);
          }
        } else if (!out.clearedByRange(m.key)) {
          existing = inputs.at(m.key).value;
        }
        auto result = applyAtomic(m.type, existing, m.param);
        out.points[m.key] =
            result ? std::optional<std::string>(encodePlain(*result)) : std::nullopt;
      }
    }
  }
  return out;
}

void EtcdEngine::addDataOps(const NetWrites& writes, TxnRequest& txn) const {
  // Deleted ranges: the clears merged, with every key that gets a put cut out (etcd refuses a
  // put inside a deleted range of the same Txn).
  std::vector<KeyRange> clears = writes.clears;
  for (const auto& [key, value] : writes.points) {
    if (!value) clears.push_back({key, keyAfter(key)});
  }
  std::sort(clears.begin(), clears.end(),
            [](const KeyRange& a, const KeyRange& b) { return a.begin < b.begin; });
  std::vector<KeyRange> merged;
  for (auto& r : clears) {
    if (!merged.empty() && r.begin <= merged.back().end) {
      merged.back().end = std::max(merged.back().end, r.end);
    } else {
      merged.push_back(std::move(r));
    }
  }
  auto emitDelete = [&](const std::string& begin, const std::string& end) {
    if (begin >= end) return;
    auto* d = txn.add_success()->mutable_request_delete_range();
    d->set_key(dataPrefix_ + begin);
    if (end != keyAfter(begin)) d->set_range_end(dataPrefix_ + end);
  };
  for (const auto& r : merged) {
    std::string from = r.begin;
    for (auto it = writes.points.lower_bound(r.begin);
         it != writes.points.end() && it->first < r.end; ++it) {
      if (!it->second) continue;
      emitDelete(from, it->first);
      from = keyAfter(it->first);
    }
    emitDelete(from, r.end);
  }
  for (const auto& [key, value] : writes.points) {
    if (!value) continue;
    auto* p = txn.add_success()->mutable_request_put();
    p->set_key(dataPrefix_ + key);
    p->set_value(*value);
  }
}

void EtcdEngine::checkLimits(const TxnRequest& txn) const {
  const int64_t ops = std::max({txn.compare_size(), txn.success_size(), txn.failure_size()});
  if (ops > limits_.maxTxnOps) {
    throwError(ErrorCode::transaction_too_large,
               "this commit needs " + std::to_string(ops) +
                   " operations in one etcd Txn; the cluster's --max-txn-ops allows " +
                   std::to_string(limits_.maxTxnOps) +
                   " (scripts/etcd-cluster.sh starts etcd with enough)");
  }
  const auto bytes = static_cast<int64_t>(txn.ByteSizeLong());
  if (bytes > limits_.maxRequestBytes) {
    throwError(ErrorCode::transaction_too_large,
               "this commit needs a " + std::to_string(bytes) +
                   "-byte etcd request; the cluster's --max-request-bytes allows about " +
                   std::to_string(limits_.maxRequestBytes) +
                   " (scripts/etcd-cluster.sh starts etcd with enough)");
  }
}

void EtcdEngine::readInputs(std::map<std::string, AtomicInput>& inputs, bool wantClock,
                            Clock_& clock) {
  TxnRequest read;  // read-only: one linearizable snapshot of every input
  for (const auto& [key, input] : inputs) {
    read.add_success()->mutable_request_range()->set_key(dataPrefix_ + key);
  }
  if (wantClock) read.add_success()->mutable_request_range()->set_key(kClockKey);
  TxnResponse response = client_->txn(read, Phase::kRead);
  window_.observe(response.header().revision());
  int i = 0;
  for (auto& [key, input] : inputs) {
    const auto& r = response.responses(i++).response_range();
    input = r.kvs_size() == 0 ? AtomicInput{}
                              : AtomicInput{decodeValue(r.kvs(0)), r.kvs(0).mod_revision()};
  }
  if (wantClock) {
    const auto& r = response.responses(i).response_range();
    clock.header = response.header().revision();
    clock.clock = r.kvs_size() == 0 ? 0 : r.kvs(0).mod_revision();
  }
}

CommitResult EtcdEngine::commit(CommitRequest request) {
  if (request.readVersion != -1) checkReadable(request.readVersion);
  // Which atomic ops read the stored value (no earlier write of this commit decides it), and
  // whether any versionstamped key needs the commit revision before the Txn is sent.
  std::map<std::string, AtomicInput> inputs;
  bool stampedKeys = false;
  {
    NetWrites probe;
    for (const auto& m : request.mutations) {
      switch (m.type) {
        case MutationType::kSetValue:
          probe.points[m.key] = "";
          break;
        case MutationType::kClearRange:
          if (m.key < m.param) probe.clearRange(m.key, m.param);
          break;
        case MutationType::kSetVersionstampedKey:
          (void)versionstampOffset(m.key);
          stampedKeys = true;
          break;
        case MutationType::kSetVersionstampedValue:
          (void)versionstampOffset(m.param);
          probe.points[m.key] = "";
          break;
        default:
          if (!isAtomicOp(m.type)) {
            throwError(ErrorCode::invalid_mutation_type,
                       "mutation type " + std::to_string(static_cast<int>(m.type)));
          }
          if (!probe.points.count(m.key) && !probe.clearedByRange(m.key)) inputs[m.key] = {};
          probe.points[m.key] = "";
      }
    }
  }
  Clock_ clock;
  bool fresh = false;  // inputs and clock hold what the last attempt's failure branch returned
  for (int attempt = 0;; ++attempt) {
    if (!fresh && (!inputs.empty() || stampedKeys)) readInputs(inputs, stampedKeys, clock);
    if (stampedKeys && clock.clock != clock.header) {
      // The newest revision is not a strata commit: write the clock so it is, then re-read.
      TxnRequest bump;
      bump.add_success()->mutable_request_put()->set_key(kClockKey);
      auto r = client_->txn(bump, Phase::kCommit);
      window_.observe(r.header().revision());
      fresh = false;
      continue;
    }
    std::optional<int64_t> stampVersion;
    if (stampedKeys) stampVersion = clock.header + 1;

    TxnRequest txn;
    if (request.readVersion != -1) addReadCompares(request.readConflicts, request.readVersion, txn);
    for (const auto& [key, input] : inputs) {
      Compare* c = txn.add_compare();
      c->set_key(dataPrefix_ + key);
      c->set_result(Compare::EQUAL);
      if (input.modRevision == 0) {
        c->set_target(Compare::VERSION);  // still absent (a deleted key has no mod_revision)
        c->set_version(0);
      } else {
        c->set_target(Compare::MOD);
        c->set_mod_revision(input.modRevision);
      }
      txn.add_failure()->mutable_request_range()->set_key(dataPrefix_ + key);
    }
    if (stampedKeys) {
      Compare* c = txn.add_compare();
      c->set_key(kClockKey);
      c->set_result(Compare::EQUAL);
      c->set_target(Compare::MOD);
      c->set_mod_revision(clock.clock);
      txn.add_failure()->mutable_request_range()->set_key(kClockKey);
    }
    addDataOps(netWrites(request.mutations, inputs, stampVersion), txn);
    addMarkerPuts(request.writeConflicts, txn);
    txn.add_success()->mutable_request_put()->set_key(kClockKey);
    checkLimits(txn);

    TxnResponse response = client_->txn(txn, Phase::kCommit);
    window_.observe(response.header().revision());
    if (response.succeeded()) {
      ++commits_;
      CommitResult result;
      result.version = stampVersion.value_or(response.header().revision());
      return result;
    }
    // Failed: did an internal guard move (retry), or only the read conflicts (1020)?
    bool moved = false;
    int i = 0;
    for (auto& [key, input] : inputs) {
      const auto& r = response.responses(i++).response_range();
      AtomicInput now = r.kvs_size() == 0
                            ? AtomicInput{}
                            : AtomicInput{decodeValue(r.kvs(0)), r.kvs(0).mod_revision()};
      if (now.modRevision != input.modRevision) moved = true;
      input = std::move(now);
    }
    if (stampedKeys) {
      const auto& r = response.responses(i).response_range();
      int64_t c = r.kvs_size() == 0 ? 0 : r.kvs(0).mod_revision();
      if (c != clock.clock) moved = true;
      clock = {response.header().revision(), c};
    }
    if (!moved) {
      ++conflicts_;
      throwError(ErrorCode::not_committed);
    }
    ++guardRetries_;
    fresh = true;
    if (attempt >= kMaxGuardRetries) {
      ++conflicts_;
      throwError(ErrorCode::not_committed,
                 "the commit's atomic-op inputs or versionstamp clock kept moving");
    }
  }
}

// ---- maintenance ------------------------------------------------------------------------------

void EtcdEngine::runMaintenance() {
  const int64_t horizon = window_.seenBefore(gcDelay_);
  if (horizon <= 0) return;
  // Markers older than every live read version can no longer decide a conflict.
  for (const std::string* space : {&pointPrefix_, &nodePrefix_}) {
    std::string from = *space;
    std::string end = *space;
    end.back() = static_cast<char>(end.back() + 1);
    for (;;) {
      RangeRequest page;
      page.set_key(from);
      page.set_range_end(end);
      page.set_keys_only(true);
      page.set_limit(std::min<int64_t>(500, limits_.maxTxnOps - 1));
      auto response = client_->range(page, Phase::kMaintenance);
      TxnRequest txn;
      for (const auto& kv : response.kvs()) {
        if (kv.mod_revision() >= horizon) continue;
        *txn.add_compare() = modBelow(kv.key(), "", horizon);
        txn.add_success()->mutable_request_delete_range()->set_key(kv.key());
      }
      if (txn.success_size() > 0) {
        txn.add_success()->mutable_request_put()->set_key(kClockKey);
        auto r = client_->txn(txn, Phase::kMaintenance);
        if (r.succeeded()) markersCollected_ += static_cast<uint64_t>(txn.success_size() - 1);
      }
      if (!response.more() || response.kvs_size() == 0) break;
      from = keyAfter(response.kvs(response.kvs_size() - 1).key());
    }
  }
  // etcd's history below the horizon: no live transaction reads there.
  const int64_t nowMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
          .count();
  if (horizon > client_->compactedRevision.load() &&
      nowMs - client_->lastCompactionMs.load() >= 5000) {
    client_->lastCompactionMs = nowMs;
    try {
      (void)client_->compact(horizon);
    } catch (const Error& e) {
      if (e.code() != static_cast<int>(ErrorCode::transaction_too_old)) throw;  // compacted
    }
    int64_t prev = client_->compactedRevision.load();
    while (prev < horizon && !client_->compactedRevision.compare_exchange_weak(prev, horizon)) {
    }
  }
}

void EtcdEngine::maintenanceLoop() {
  for (;;) {
    {
      std::unique_lock lock(maintenanceMu_);
      maintenanceCv_.wait_for(lock, std::chrono::seconds(2), [&] { return stopping_; });
      if (stopping_) return;
    }
    try {
      runMaintenance();
    } catch (const Error&) {
      // The cluster is unreachable or busy: the next pass tries again.
    }
  }
}

}  // namespace

std::shared_ptr<Engine> makeEtcdEngine(const EtcdEngineOptions& options) {
  if (options.endpoints.empty()) {
    throwError(ErrorCode::invalid_database_name, "etcd URL names no endpoint");
  }
  if (!options.prefix.empty() && options.prefix[0] == '\0') {
    throwError(ErrorCode::invalid_database_name, "etcd prefix must not start with \\x00");
  }
  if (options.maxTransactionLifetime.count() <= 0) {
    throwError(ErrorCode::invalid_option_value, "maxTransactionLifetime must be > 0");
  }
  etcd::ClientTimeouts timeouts{options.readDeadline, options.commitDeadline,
                                options.failoverBudget};
  auto client = Client::shared(options.endpoints, timeouts);
  auto engine = std::make_shared<EtcdEngine>(options, std::move(client));
  engine->start();
  return engine;
}

EtcdEngineStats etcdEngineStats(Engine& engine) {
  auto* e = dynamic_cast<EtcdEngine*>(&engine);
  if (e == nullptr) throwError(ErrorCode::client_invalid_operation, "not an etcd engine");
  return e->stats();
}

void etcdRunMaintenance(Engine& engine) {
  auto* e = dynamic_cast<EtcdEngine*>(&engine);
  if (e == nullptr) throwError(ErrorCode::client_invalid_operation, "not an etcd engine");
  e->runMaintenance();
}

}  // namespace strata::kv
