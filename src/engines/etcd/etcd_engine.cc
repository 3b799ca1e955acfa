#include "engines/etcd/etcd_engine.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "engines/etcd/client.h"
#include "engines/etcd/conflict_keys.h"
#include "engines/etcd/watcher.h"
#include "kv/atomic.h"
#include "kv/conflict_set.h"
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

// Rows of a range read already fetched, and the part of the key space they describe completely.
// The data at one revision never changes, so a later read of the same view inside `covered` is
// answered without a round trip. This matters for iteration: src/kv/ reads whole chunks of rows
// (up to its row limit) but its streaming modes stop each batch on bytes, so a small-mode or
// early iterator batch uses a few rows of the chunk and the next batch asks again from just after
// them; without this each such batch was one Range RPC re-sending most of the previous one
// (650 RPCs and ~90 MB for 650 rows of 200 bytes in StreamingMode::kSmall). Parts may overlap:
// each is exact on its own.
struct RangeCache {
  KeyRange covered;            // no rows outside `rows` exist in [covered.begin, covered.end)
  std::vector<KeyValue> rows;  // ascending, all inside `covered`
};

class EtcdReadView final : public ReadView {
 public:
  EtcdReadView(std::shared_ptr<EtcdEngine> engine, int64_t version)
      : engine_(std::move(engine)), version_(version) {}
  [[nodiscard]] int64_t version() const override { return version_; }
  [[nodiscard]] std::optional<std::string> get(std::string_view key) override;
  [[nodiscard]] RangeChunk getRange(std::string_view begin, std::string_view end, int limit,
                                    bool reverse) override;

 private:
  // Rows fetched beyond what a read asks for when it continues from the cache: the next batch
  // of an iterator usually wants them.
  static constexpr int kReadAhead = 128;
  // Parts kept: an iterator's batch reads its rows and resolves both selectors (the end one
  // reads past the range), so a single part would be replaced on every batch.
  static constexpr size_t kCachedParts = 4;

  const std::shared_ptr<EtcdEngine> engine_;
  const int64_t version_;
  std::mutex mu_;                  // guards cache_ (a view may be read from several threads)
  std::vector<RangeCache> cache_;  // least recently used first
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
        defaultLimits_{kEtcdDefaultTxnOps, kEtcdDefaultRequestBytes} {
    client_->checkReachable();
  }

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
  [[nodiscard]] bool remote() const override { return true; }

  [[nodiscard]] EtcdEngineStats stats() const {
    EtcdEngineStats s;
    s.limits = client_->limits();
    s.commits = commits_.load();
    s.conflicts = conflicts_.load();
    s.guardRetries = guardRetries_.load();
    s.failovers = client_->failovers();
    s.markersCollected = markersCollected_.load();
    s.compactedRevision = client_->compactedRevision.load();
    return s;
  }

  void runMaintenance();
  [[nodiscard]] Client& client() { return *client_; }

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
  // The ranges of `reads` whose compares failed at `revision`: those some marker written after
  // readVersion overlaps (the same test addReadCompares makes). Empty when it cannot be told.
  std::vector<KeyRange> conflictingReads(const std::vector<KeyRange>& reads, int64_t readVersion,
                                         int64_t revision);
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
  // What every etcd accepts unless configured below its defaults (--max-txn-ops 128,
  // --max-request-bytes 1.5 MiB, less the margin limits() keeps): a commit within them is sent
  // as is; one beyond them is first checked by probes no larger than itself (Client::accepts),
  // and only a refused one measures the exact limits (~2 s of probes) to name them. A cluster
  // set below the defaults still gets 2101: errors.cc translates etcd's refusal.
  static constexpr int64_t kEtcdDefaultTxnOps = 128;
  static constexpr int64_t kEtcdDefaultRequestBytes = int64_t{1} << 20;
  const EtcdLimits defaultLimits_;

  std::atomic<uint64_t> commits_{0}, conflicts_{0}, guardRetries_{0}, markersCollected_{0};

  std::mutex watcherMu_;
  std::unique_ptr<etcd::Watcher> watcher_;  // guarded by watcherMu_; made on the first watch

  std::mutex maintenanceMu_;
  std::condition_variable maintenanceCv_;
  bool stopping_ = false;  // guarded by maintenanceMu_
  std::thread maintenanceThread_;
};

std::optional<std::string> EtcdReadView::get(std::string_view key) {
  {
    std::lock_guard lock(mu_);
    for (const RangeCache& c : cache_) {
      if (c.covered.begin <= key && key < c.covered.end) {
        engine_->checkReadable(version_);
        auto it =
            std::lower_bound(c.rows.begin(), c.rows.end(), key,
                             [](const KeyValue& kv, std::string_view k) { return kv.key < k; });
        if (it != c.rows.end() && it->key == key) return it->value;
        return std::nullopt;
      }
    }
  }
  return engine_->get(version_, key);
}

RangeChunk EtcdReadView::getRange(std::string_view begin, std::string_view end, int limit,
                                  bool reverse) {
  if (limit <= 0 || begin >= end) return engine_->getRange(version_, begin, end, limit, reverse);
  std::unique_lock lock(mu_);
  auto byKey = [](const KeyValue& kv, std::string_view k) { return kv.key < k; };
  // A read continues a cached part when its starting edge (begin going up, end going down) lies
  // inside the covered range; the rows there, up to the read's other edge, are all that exist.
  auto hit = std::find_if(cache_.begin(), cache_.end(), [&](const RangeCache& c) {
    return reverse ? c.covered.begin < end && end <= c.covered.end
                   : c.covered.begin <= begin && begin < c.covered.end;
  });
  const bool continues = hit != cache_.end();
  std::vector<KeyValue> known;  // in read order
  bool complete = false;        // `known` holds every row of [begin, end)
  std::string from(begin), to(end);
  KeyRange continued;  // the covered range of the part continued
  if (continues) {
    const KeyRange& covered = hit->covered;
    if (reverse) {
      auto lo = std::lower_bound(hit->rows.begin(), hit->rows.end(),
                                 std::max(begin, std::string_view(covered.begin)), byKey);
      auto hi = std::lower_bound(hit->rows.begin(), hit->rows.end(), end, byKey);
      if (hi - lo > limit) lo = hi - (limit + 1);  // enough to answer, and to tell "more"
      known.assign(std::make_reverse_iterator(hi), std::make_reverse_iterator(lo));
      complete = begin >= covered.begin;
      to = covered.begin;
    } else {
      auto lo = std::lower_bound(hit->rows.begin(), hit->rows.end(), begin, byKey);
      auto hi = std::lower_bound(hit->rows.begin(), hit->rows.end(),
                                 std::min(end, std::string_view(covered.end)), byKey);
      if (hi - lo > limit) hi = lo + (limit + 1);
      known.assign(lo, hi);
      complete = end <= covered.end;
      from = covered.end;
    }
    continued = covered;
    engine_->checkReadable(version_);
    // Most recently used last: eviction takes the front.
    std::rotate(hit, hit + 1, cache_.end());
  }
  const auto have = static_cast<int64_t>(known.size());
  if (!continues || (!complete && have <= limit)) {
    // Fetch what the cache lacks: the rest of the range past the covered part (all of it when
    // the read does not continue), with read-ahead when part of the answer is known already.
    // The lock is released meanwhile: other reads of this view (a transaction's asynchronous
    // reads) are in flight at the same time.
    const int fetch =
        continues ? static_cast<int>(std::max<int64_t>(limit - have, std::min(limit, kReadAhead)))
                  : limit;
    lock.unlock();
    RangeChunk more = engine_->getRange(version_, from, to, fetch, reverse);
    lock.lock();
    std::string edge;  // the far end of what is now known
    if (more.more) {
      edge = reverse ? more.kvs.back().key : keyAfter(more.kvs.back().key);
    } else {
      edge = reverse ? from : to;
    }
    for (auto& kv : more.kvs) known.push_back(std::move(kv));
    complete = !more.more;
    // The part this read returned or fetched, from its starting edge on, replaces the part it
    // continued (if no other read replaced it meanwhile) or the least recently used one.
    hit = continues ? std::find_if(cache_.begin(), cache_.end(),
                                   [&](const RangeCache& c) { return c.covered == continued; })
                    : cache_.end();
    if (hit == cache_.end()) {
      if (cache_.size() >= kCachedParts) cache_.erase(cache_.begin());
      hit = cache_.emplace(cache_.end());
    }
    hit->covered = reverse ? KeyRange{edge, std::string(end)} : KeyRange{std::string(begin), edge};
    hit->rows = known;
    if (reverse) std::reverse(hit->rows.begin(), hit->rows.end());
  }
  // Rows left past the answer: beyond the limit, or past what was read (the fetch hit its limit).
  RangeChunk out;
  out.more = static_cast<int64_t>(known.size()) > limit || !complete;
  if (static_cast<int64_t>(known.size()) > limit) known.resize(static_cast<size_t>(limit));
  out.kvs = std::move(known);
  return out;
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

std::vector<KeyRange> EtcdEngine::conflictingReads(const std::vector<KeyRange>& reads,
                                                   int64_t readVersion, int64_t revision) {
  std::vector<KeyRange> out;
  if (reads.empty()) return out;
  // Markers written after the read version, up to the end of the last read range: few (the
  // window's writes), and etcd filters by mod_revision before answering.
  auto fresh = [&](const std::string& space) {
    RangeRequest request;
    request.set_key(space);
    request.set_range_end(space + reads.back().end);
    request.set_revision(revision);
    request.set_keys_only(true);
    request.set_min_mod_revision(readVersion + 1);
    std::set<std::string> keys;
    const auto response = client_->range(request, Phase::kRead);
    for (const auto& kv : response.kvs()) {
      keys.insert(kv.key().substr(space.size()));
    }
    return keys;
  };
  std::set<std::string> points, nodes;
  try {
    points = fresh(pointPrefix_);
    nodes = fresh(nodePrefix_);
  } catch (const Error&) {
    return out;  // compacted or unreachable: the report stays empty
  }
  auto anyIn = [](const std::set<std::string>& keys, const KeyRange& r) {
    auto it = keys.lower_bound(r.begin);
    return it != keys.end() && *it < r.end;
  };
  for (const auto& r : reads) {
    if (r.begin >= r.end) continue;
    bool hit = anyIn(points, r) || anyIn(nodes, r);
    for (const auto& node : etcd::coveringNodes(r.begin)) hit = hit || nodes.count(node) > 0;
    if (hit) out.push_back(r);
  }
  return out;
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
  const auto bytes = static_cast<int64_t>(txn.ByteSizeLong());
  if (ops <= defaultLimits_.maxTxnOps && bytes <= defaultLimits_.maxRequestBytes) return;
  if (client_->accepts(ops, bytes)) return;
  const EtcdLimits limits = client_->limits();  // refused: measure, to name the limit
  if (ops > limits.maxTxnOps) {
    throwError(ErrorCode::transaction_too_large,
               "this commit needs " + std::to_string(ops) +
                   " operations in one etcd Txn; the cluster's --max-txn-ops allows " +
                   std::to_string(limits.maxTxnOps) +
                   " (scripts/etcd-cluster.sh starts etcd with enough)");
  }
  if (bytes > limits.maxRequestBytes) {
    throwError(ErrorCode::transaction_too_large,
               "this commit needs a " + std::to_string(bytes) +
                   "-byte etcd request; the cluster's --max-request-bytes allows about " +
                   std::to_string(limits.maxRequestBytes) +
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
      throw conflictError(conflictingReads(request.readConflicts, request.readVersion,
                                           response.header().revision()));
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
      page.set_limit(
          std::min<int64_t>(500, client_->measuredLimits().value_or(defaultLimits_).maxTxnOps - 1));
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

int etcdTakePeakReadsInFlight(Engine& engine) {
  auto* e = dynamic_cast<EtcdEngine*>(&engine);
  if (e == nullptr) throwError(ErrorCode::client_invalid_operation, "not an etcd engine");
  return e->client().takePeakRangesInFlight();
}

void etcdRunMaintenance(Engine& engine) {
  auto* e = dynamic_cast<EtcdEngine*>(&engine);
  if (e == nullptr) throwError(ErrorCode::client_invalid_operation, "not an etcd engine");
  e->runMaintenance();
}

}  // namespace strata::kv
