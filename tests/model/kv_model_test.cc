// Model-based randomized test of the kv API on every engine. Several threads run random
// transactions (get, getKey and getRange with random selectors, limits and direction, set, clear,
// clearRange, every atomic op, versionstamped keys and values, manual read and write conflict
// ranges, snapshot reads) and record what each read returned. Afterwards a reference model - a
// std::map - replays the committed transactions in commit order (sorted by versionstamp) and
// checks:
//   1. every read of every transaction (committed or not) equals the model at its read version
//      merged with the transaction's own earlier writes;
//   2. for every committed transaction that wrote, its non-snapshot reads, and the data under the
//      read-conflict ranges it added by hand, are the same just before its commit (serializability:
//      a commit that passed the conflict check saw nothing change under its reads);
//   3. the database ends equal to the model.
//
// Seeds: each run prints its seed. STRATA_MODEL_SEED=S reruns seed S (with STRATA_MODEL_THREADS=1
// the run is fully deterministic; with several threads the operations are the same and only the
// interleaving differs), STRATA_MODEL_SEEDS=N runs N seeds per engine (default 2),
// STRATA_MODEL_TXNS=N transactions per thread (default 60).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "strata/kv/key_selector.h"
#include "strata/kv/mutation.h"
#include "support/engines.h"

namespace strata::model {
namespace {

using State = std::map<std::string, std::string>;

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::atoi(v);
}

// ---- The reference semantics of the atomic ops (docs/FORMATS.md#atomic-operations), written
// independently of src/kv/atomic.cc so a bug there shows up as a mismatch. ---------------------

std::string fitTo(std::string v, size_t n) {
  v.resize(n, '\0');  // truncate or zero-extend
  return v;
}

// Unsigned little-endian comparison of equal-length strings.
int compareLe(const std::string& a, const std::string& b) {
  for (size_t i = a.size(); i-- > 0;) {
    auto x = static_cast<uint8_t>(a[i]), y = static_cast<uint8_t>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

std::optional<std::string> applyAtomic(MutationType type, const std::optional<std::string>& old,
                                       const std::string& p) {
  switch (type) {
    case MutationType::kAdd: {
      std::string a = fitTo(old.value_or(""), p.size()), r(p.size(), '\0');
      unsigned carry = 0;
      for (size_t i = 0; i < p.size(); ++i) {
        unsigned s = static_cast<uint8_t>(a[i]) + static_cast<uint8_t>(p[i]) + carry;
        r[i] = static_cast<char>(s & 0xff);
        carry = s >> 8;
      }
      return r;
    }
    case MutationType::kBitAnd:
    case MutationType::kBitOr:
    case MutationType::kBitXor: {
      if (!old && type == MutationType::kBitAnd) return p;
      std::string a = fitTo(old.value_or(""), p.size());
      for (size_t i = 0; i < p.size(); ++i) {
        if (type == MutationType::kBitAnd) a[i] = static_cast<char>(a[i] & p[i]);
        if (type == MutationType::kBitOr) a[i] = static_cast<char>(a[i] | p[i]);
        if (type == MutationType::kBitXor) a[i] = static_cast<char>(a[i] ^ p[i]);
      }
      return a;
    }
    case MutationType::kAppendIfFits: {
      std::string a = old.value_or("");
      if (a.size() + p.size() > 100'000) return a;
      return a + p;
    }
    case MutationType::kMax:
    case MutationType::kMin: {
      if (!old) return p;
      std::string a = fitTo(*old, p.size());
      int c = compareLe(a, p);
      if (type == MutationType::kMax) return c >= 0 ? a : p;
      return c <= 0 ? a : p;
    }
    case MutationType::kByteMin:
      if (!old) return p;
      return std::min(*old, p);
    case MutationType::kByteMax:
      if (!old) return p;
      return std::max(*old, p);
    case MutationType::kCompareAndClear:
      if (old && *old == p) return std::nullopt;
      return old;
    default:
      ADD_FAILURE() << "model has no atomic op " << static_cast<int>(type);
      return old;
  }
}

const MutationType kAtomicOps[] = {
    MutationType::kAdd,          MutationType::kBitAnd,
    MutationType::kBitOr,        MutationType::kBitXor,
    MutationType::kAppendIfFits, MutationType::kMax,
    MutationType::kMin,          MutationType::kByteMin,
    MutationType::kByteMax,      MutationType::kCompareAndClear,
};

// ---- Operations and their recorded results ---------------------------------------------------

enum class Kind {
  kGet,
  kGetKey,
  kGetRange,
  kSet,
  kClear,
  kClearRange,
  kAtomic,
  kReadConflict,
  kWriteConflict,
  kVersionstampedKey,    // key = prefix + 10 placeholder bytes + suffix; value plain
  kVersionstampedValue,  // value = prefix + 10 placeholder bytes + suffix
};

struct Op {
  Kind kind;
  std::string key, key2, value;  // key2: clearRange/conflict end; vs ops: the 10-byte slot offset
  MutationType type = MutationType::kSetValue;
  KeySelector begin, end;
  int limit = 0;
  bool reverse = false;
  bool snapshot = false;
  size_t stampAt = 0;  // versionstamp placeholder offset
  // Results (reads only).
  std::optional<std::string> gotValue;
  std::string gotKey;
  std::vector<KeyValue> gotRows;
};

struct TxnRecord {
  int thread = 0, index = 0;
  std::vector<Op> ops;
  int64_t readVersion = -1;  // -1: never acquired
  bool committed = false;
  bool wrote = false;
  int64_t commitVersion = -1;
  CommitStamp stamp{};
  int error = 0;  // the code commit or a read failed with, 0 if none
};

std::string describe(const KeySelector& s) { return s.toString(); }

std::string describe(const Op& op) {
  std::ostringstream o;
  switch (op.kind) {
    case Kind::kGet:
      o << "get(" << printable(op.key) << (op.snapshot ? ", snapshot" : "") << ")";
      break;
    case Kind::kGetKey:
      o << "getKey(" << describe(op.begin) << (op.snapshot ? ", snapshot" : "") << ")";
      break;
    case Kind::kGetRange:
      o << "getRange(" << describe(op.begin) << ", " << describe(op.end) << ", limit " << op.limit
        << (op.reverse ? ", reverse" : "") << (op.snapshot ? ", snapshot" : "") << ")";
      break;
    case Kind::kSet:
      o << "set(" << printable(op.key) << ", " << printable(op.value) << ")";
      break;
    case Kind::kClear:
      o << "clear(" << printable(op.key) << ")";
      break;
    case Kind::kClearRange:
      o << "clearRange(" << printable(op.key) << ", " << printable(op.key2) << ")";
      break;
    case Kind::kAtomic:
      o << mutationName(op.type) << "(" << printable(op.key) << ", " << printable(op.value) << ")";
      break;
    case Kind::kReadConflict:
      o << "addReadConflictRange(" << printable(op.key) << ", " << printable(op.key2) << ")";
      break;
    case Kind::kWriteConflict:
      o << "addWriteConflictRange(" << printable(op.key) << ", " << printable(op.key2) << ")";
      break;
    case Kind::kVersionstampedKey:
      o << "SET_VERSIONSTAMPED_KEY(" << printable(op.key) << ")";
      break;
    case Kind::kVersionstampedValue:
      o << "SET_VERSIONSTAMPED_VALUE(" << printable(op.key) << ")";
      break;
  }
  return o.str();
}

// ---- Random generation -----------------------------------------------------------------------

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return uniform(1, 100) <= percent; }

  // Keys "k00".."k23": small enough for constant contention and frequent selector edge cases.
  std::string key() {
    char buf[8];
    std::snprintf(buf, sizeof buf, "k%02d", uniform(0, 23));
    return buf;
  }
  // A key or a point between keys, for selectors and range bounds.
  std::string boundary() {
    switch (uniform(0, 9)) {
      case 0:
        return "";
      case 1:
        return "k";
      case 2:
        return "z";
      case 3:
        return key() + '\0';
      case 4:
        return key() + "5";
      default:
        return key();
    }
  }
  std::string bytes(int lo, int hi) {
    std::string s(static_cast<size_t>(uniform(lo, hi)), '\0');
    for (auto& c : s) c = static_cast<char>(chance(70) ? uniform('a', 'e') : uniform(0, 255));
    return s;
  }
  KeySelector selector() { return KeySelector{boundary(), chance(50), uniform(-3, 3)}; }

  Op op(bool allowVersionstamp) {
    Op op{};
    int r = uniform(0, 99);
    if (r < 14) {
      op.kind = Kind::kGet;
      op.key = chance(90) ? key() : boundary();
    } else if (r < 24) {
      op.kind = Kind::kGetKey;
      op.begin = selector();
    } else if (r < 38) {
      op.kind = Kind::kGetRange;
      op.begin = selector();
      op.end = selector();
      if (chance(30)) op.begin = KeySelector::firstGreaterOrEqual(boundary());
      if (chance(30)) op.end = KeySelector::firstGreaterOrEqual(boundary());
      op.limit = chance(40) ? 0 : uniform(1, 6);
      op.reverse = chance(35);
    } else if (r < 55) {
      op.kind = Kind::kSet;
      op.key = key();
      op.value = bytes(0, 12);
    } else if (r < 61) {
      op.kind = Kind::kClear;
      op.key = key();
    } else if (r < 65) {
      op.kind = Kind::kClearRange;
      op.key = boundary();
      op.key2 = boundary();
      if (op.key2 < op.key) std::swap(op.key, op.key2);
    } else if (r < 85) {
      op.kind = Kind::kAtomic;
      op.type = kAtomicOps[uniform(0, std::size(kAtomicOps) - 1)];
      op.key = key();
      op.value = bytes(chance(5) ? 0 : 1, 8);
    } else if (r < 91) {
      op.kind = chance(50) ? Kind::kReadConflict : Kind::kWriteConflict;
      op.key = boundary();
      op.key2 = boundary();
      if (op.key2 < op.key) std::swap(op.key, op.key2);
    } else if (allowVersionstamp && r < 94) {
      // Versionstamped keys land at "v<stamp>" (a handful per run), values on a normal key.
      if (chance(40)) {
        op.kind = Kind::kVersionstampedKey;
        op.key = "v" + std::string(10, '\0') + bytes(0, 2);
        op.stampAt = 1;
        op.value = bytes(0, 6);
      } else {
        op.kind = Kind::kVersionstampedValue;
        op.key = key();
        std::string head = bytes(0, 3);
        op.stampAt = head.size();
        op.value = head + std::string(10, '\0') + bytes(0, 3);
      }
    } else {
      op.kind = Kind::kGet;
      op.key = key();
    }
    op.snapshot = chance(30);
    return op;
  }

 private:
  std::mt19937_64 rng_;
};

std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// ---- Running one transaction against the database --------------------------------------------

void perform(Transaction& tr, Op& op) {
  Snapshot snap = op.snapshot ? Snapshot::kYes : Snapshot::kNo;
  switch (op.kind) {
    case Kind::kGet:
      op.gotValue = tr.get(op.key, snap);
      break;
    case Kind::kGetKey:
      op.gotKey = tr.getKey(op.begin, snap);
      break;
    case Kind::kGetRange: {
      RangeOptions o;
      o.limit = op.limit;
      o.reverse = op.reverse ? Reverse::kYes : Reverse::kNo;
      o.snapshot = snap;
      op.gotRows = tr.getRange(op.begin, op.end, o).toVector();
      break;
    }
    case Kind::kSet:
      tr.set(op.key, op.value);
      break;
    case Kind::kClear:
      tr.clear(op.key);
      break;
    case Kind::kClearRange:
      tr.clearRange(op.key, op.key2);
      break;
    case Kind::kAtomic:
      tr.atomicOp(op.type, op.key, op.value);
      break;
    case Kind::kReadConflict:
      tr.addReadConflictRange(op.key, op.key2);
      break;
    case Kind::kWriteConflict:
      tr.addWriteConflictRange(op.key, op.key2);
      break;
    case Kind::kVersionstampedKey:
      tr.atomicOp(MutationType::kSetVersionstampedKey,
                  op.key + le32(static_cast<uint32_t>(op.stampAt)), op.value);
      break;
    case Kind::kVersionstampedValue:
      tr.atomicOp(MutationType::kSetVersionstampedValue, op.key,
                  op.value + le32(static_cast<uint32_t>(op.stampAt)));
      break;
  }
}

bool isWrite(Kind k) {
  return k == Kind::kSet || k == Kind::kClear || k == Kind::kClearRange || k == Kind::kAtomic ||
         k == Kind::kWriteConflict || k == Kind::kVersionstampedKey ||
         k == Kind::kVersionstampedValue;
}

TxnRecord runOne(Database& db, Generator& gen, int thread, int index, bool yieldBeforeCommit) {
  TxnRecord rec;
  rec.thread = thread;
  rec.index = index;
  int n = gen.uniform(1, 8);
  for (int i = 0; i < n; ++i) {
    rec.ops.push_back(gen.op(/*allowVersionstamp=*/true));
    Kind k = rec.ops.back().kind;
    if (k == Kind::kVersionstampedKey || k == Kind::kVersionstampedValue) break;  // last op
  }
  for (const Op& op : rec.ops) rec.wrote = rec.wrote || isWrite(op.kind);
  Transaction tr = db.createTransaction();
  try {
    rec.readVersion = tr.getReadVersion();
    for (Op& op : rec.ops) perform(tr, op);
    // The in-process engine is so fast that transactions would rarely overlap: let the other
    // threads commit between this one's reads and its commit.
    if (yieldBeforeCommit) std::this_thread::yield();
    std::optional<Future<CommitStamp>> stamp;
    if (rec.wrote) stamp.emplace(tr.getVersionstamp());
    tr.commit();
    rec.committed = true;
    rec.commitVersion = tr.getCommittedVersion();
    // Empty clear and conflict ranges write nothing: such a commit is read-only (version -1).
    if (rec.commitVersion < 0) rec.wrote = false;
    if (rec.wrote) rec.stamp = stamp->get();
  } catch (const Error& e) {
    // Only not_committed (1020, from commit: every read completed) leaves results to check.
    rec.error = static_cast<int>(e.code());
  }
  return rec;
}

// ---- The checker -----------------------------------------------------------------------------

std::string resolve(const State& s, const KeySelector& sel) {
  // i = index of the greatest key < sel.key (<= with orEqual), -1 if none.
  auto it = sel.orEqual ? s.upper_bound(sel.key) : s.lower_bound(sel.key);
  int64_t i = static_cast<int64_t>(std::distance(s.begin(), it)) - 1;
  int64_t target = i + sel.offset;
  if (target < 0) return "";
  if (target >= static_cast<int64_t>(s.size())) return "\xff";
  return std::next(s.begin(), target)->first;
}

void applyWrite(State& s, const Op& op, const CommitStamp* stamp) {
  switch (op.kind) {
    case Kind::kSet:
      s[op.key] = op.value;
      break;
    case Kind::kClear:
      s.erase(op.key);
      break;
    case Kind::kClearRange:
      s.erase(s.lower_bound(op.key), s.lower_bound(op.key2));
      break;
    case Kind::kAtomic: {
      auto it = s.find(op.key);
      std::optional<std::string> old;
      if (it != s.end()) old = it->second;
      auto next = applyAtomic(op.type, old, op.value);
      if (next) {
        s[op.key] = *next;
      } else {
        s.erase(op.key);
      }
      break;
    }
    case Kind::kVersionstampedKey:
      if (stamp != nullptr) {
        std::string k = op.key;
        k.replace(op.stampAt, 10, reinterpret_cast<const char*>(stamp->data()), 10);
        s[k] = op.value;
      }
      break;
    case Kind::kVersionstampedValue:
      if (stamp != nullptr) {
        std::string v = op.value;
        v.replace(op.stampAt, 10, reinterpret_cast<const char*>(stamp->data()), 10);
        s[op.key] = v;
      }
      break;
    default:
      break;
  }
}

std::string rowsToString(const std::vector<KeyValue>& rows) {
  std::string out = "[";
  for (const auto& kv : rows) out += printable(kv.key) + "=" + printable(kv.value) + " ";
  return out + "]";
}

// Replays `rec` on top of `base`; for each read (all, or only non-snapshot ones) compares the
// recorded result with the model's. Returns: a description of the first mismatch, or "".
std::string checkReads(const State& base, const TxnRecord& rec, bool nonSnapshotOnly) {
  State s = base;
  for (size_t i = 0; i < rec.ops.size(); ++i) {
    const Op& op = rec.ops[i];
    bool check = !(nonSnapshotOnly && op.snapshot);
    std::string expected, got;
    switch (op.kind) {
      case Kind::kGet: {
        auto it = s.find(op.key);
        std::optional<std::string> want;
        if (it != s.end()) want = it->second;
        if (check && want != op.gotValue) {
          expected = want ? printable(*want) : "<absent>";
          got = op.gotValue ? printable(*op.gotValue) : "<absent>";
        }
        break;
      }
      case Kind::kGetKey: {
        std::string want = resolve(s, op.begin);
        if (check && want != op.gotKey) {
          expected = printable(want);
          got = printable(op.gotKey);
        }
        break;
      }
      case Kind::kGetRange: {
        std::string b = resolve(s, op.begin), e = resolve(s, op.end);
        std::vector<KeyValue> want;
        if (b < e) {
          auto lo = s.lower_bound(b), hi = s.lower_bound(e);
          for (auto it = lo; it != hi; ++it) want.push_back({it->first, it->second});
        }
        if (op.reverse) std::reverse(want.begin(), want.end());
        if (op.limit > 0 && want.size() > static_cast<size_t>(op.limit)) {
          want.resize(static_cast<size_t>(op.limit));
        }
        if (check && want != op.gotRows) {
          expected = rowsToString(want);
          got = rowsToString(op.gotRows);
        }
        break;
      }
      default:
        applyWrite(s, op, nullptr);
        break;
    }
    if (!expected.empty() || !got.empty()) {
      return "op " + std::to_string(i) + " " + describe(op) + ": expected " + expected + ", got " +
             got;
    }
  }
  return "";
}

State slice(const State& s, const std::string& b, const std::string& e) {
  if (!(b < e)) return {};
  return State(s.lower_bound(b), s.lower_bound(e));
}

std::string transcript(const TxnRecord& rec) {
  std::ostringstream o;
  o << "transaction t" << rec.thread << "#" << rec.index << " readVersion " << rec.readVersion
    << (rec.committed ? " committed at " + std::to_string(rec.commitVersion)
                      : " failed with " + std::to_string(rec.error))
    << ":\n";
  for (const Op& op : rec.ops) o << "    " << describe(op) << "\n";
  return o.str();
}

class KvModelTest : public testsupport::EngineTest {};

TEST_P(KvModelTest, RandomConcurrentTransactionsMatchASerialReplayOfTheCommittedHistory) {
  const int seeds = std::max(1, envInt("STRATA_MODEL_SEEDS", 2));
  const int threads = std::max(1, envInt("STRATA_MODEL_THREADS", 4));
  const int txnsPerThread = std::max(1, envInt("STRATA_MODEL_TXNS", kind() == "etcd" ? 25 : 60));
  const char* fixed = std::getenv("STRATA_MODEL_SEED");
  uint64_t firstSeed = fixed != nullptr ? std::strtoull(fixed, nullptr, 10)
                                        : (uint64_t{std::random_device{}()} << 16) ^
                                              static_cast<uint64_t>(std::random_device{}());
  int64_t totalCommitted = 0, totalTxns = 0;
  for (int round = 0; round < seeds; ++round) {
    const uint64_t seed = firstSeed + static_cast<uint64_t>(round);
    std::printf(
        "[model] engine %s seed %llu (reproduce: STRATA_MODEL_SEED=%llu STRATA_MODEL_SEEDS=1"
        " --gtest_filter='*KvModelTest*/%s')\n",
        kind().c_str(), static_cast<unsigned long long>(seed),
        static_cast<unsigned long long>(seed), kind().c_str());
    std::fflush(stdout);
    SCOPED_TRACE("seed " + std::to_string(seed) + " on " + kind() +
                 " (reproduce with STRATA_MODEL_SEED=" + std::to_string(seed) +
                 " STRATA_MODEL_SEEDS=1)");
    // Fresh data for every seed.
    db().run([](Transaction& tr) { tr.clearRange("", "\xff"); });

    std::vector<std::vector<TxnRecord>> perThread(static_cast<size_t>(threads));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        Generator gen(seed * 1000 + static_cast<uint64_t>(t));
        for (int i = 0; i < txnsPerThread; ++i) {
          perThread[static_cast<size_t>(t)].push_back(runOne(db(), gen, t, i, kind() == "memory"));
        }
      });
    }
    for (auto& w : workers) w.join();

    std::vector<TxnRecord> all;
    for (auto& v : perThread) {
      for (auto& r : v) all.push_back(std::move(r));
    }
    std::vector<const TxnRecord*> writers;
    for (const auto& r : all) {
      ASSERT_TRUE(r.error == 0 || r.error == 1020 || r.error == 1007)
          << "unexpected error " << r.error << " in " << transcript(r);
      if (r.committed && r.wrote) writers.push_back(&r);
      totalTxns++;
      totalCommitted += r.committed ? 1 : 0;
    }
    std::sort(writers.begin(), writers.end(),
              [](const TxnRecord* a, const TxnRecord* b) { return a->stamp < b->stamp; });
    for (size_t i = 1; i < writers.size(); ++i) {
      ASSERT_LT(writers[i - 1]->stamp, writers[i]->stamp) << "two commits share a versionstamp";
      ASSERT_LE(writers[i - 1]->commitVersion, writers[i]->commitVersion)
          << "versionstamp order and commit version order disagree";
    }
    // states[i]: the model after the first i committed writers.
    std::vector<State> states{State{}};
    for (const TxnRecord* w : writers) {
      State next = states.back();
      for (const Op& op : w->ops) applyWrite(next, op, &w->stamp);
      states.push_back(std::move(next));
    }
    auto stateAt = [&](int64_t version) -> const State& {
      auto it =
          std::upper_bound(writers.begin(), writers.end(), version,
                           [](int64_t v, const TxnRecord* w) { return v < w->commitVersion; });
      return states[static_cast<size_t>(it - writers.begin())];
    };

    for (const auto& r : all) {
      if (r.readVersion < 0 || (r.error != 0 && r.error != 1020)) continue;
      // Failed with 1020: every op completed (reads don't raise it), so all results are there.
      std::string bad = checkReads(stateAt(r.readVersion), r, /*nonSnapshotOnly=*/false);
      ASSERT_EQ(bad, "") << "read differs from the model at the read version in\n" << transcript(r);
    }
    for (size_t i = 0; i < writers.size(); ++i) {
      const TxnRecord& w = *writers[i];
      ASSERT_GE(w.commitVersion, w.readVersion);
      std::string bad = checkReads(states[i], w, /*nonSnapshotOnly=*/true);
      ASSERT_EQ(bad, "") << "a committed transaction's read changed before its commit "
                            "(missed conflict) in\n"
                         << transcript(w);
      const State& atRead = stateAt(w.readVersion);
      for (size_t j = 0; j < w.ops.size(); ++j) {
        const Op& op = w.ops[j];
        if (op.kind != Kind::kReadConflict) continue;
        // As in FoundationDB, a manual read-conflict range skips what the transaction already
        // wrote (its value no longer depends on the database).
        auto ownWrite = [&](const std::string& key) {
          for (size_t k = 0; k < j; ++k) {
            const Op& o = w.ops[k];
            if ((o.kind == Kind::kSet || o.kind == Kind::kClear || o.kind == Kind::kAtomic ||
                 o.kind == Kind::kVersionstampedValue) &&
                o.key == key) {
              return true;
            }
            if (o.kind == Kind::kClearRange && o.key <= key && key < o.key2) return true;
          }
          return false;
        };
        auto unwritten = [&](State s) {
          std::erase_if(s, [&](const auto& kv) { return ownWrite(kv.first); });
          return s;
        };
        ASSERT_EQ(unwritten(slice(atRead, op.key, op.key2)),
                  unwritten(slice(states[i], op.key, op.key2)))
            << "data under a manual read-conflict range changed before the commit (missed "
               "conflict) in\n"
            << transcript(w);
      }
    }
    std::vector<KeyValue> finalRows =
        db().read([](Transaction& tr) { return tr.getRangeAll("", "\xff"); });
    std::vector<KeyValue> want;
    for (const auto& [k, v] : states.back()) want.push_back({k, v});
    ASSERT_EQ(rowsToString(finalRows), rowsToString(want)) << "final database differs";
  }
  std::printf("[model] %s: %d seeds, %lld transactions, %lld committed\n", kind().c_str(), seeds,
              static_cast<long long>(totalTxns), static_cast<long long>(totalCommitted));
  RecordProperty("transactions", static_cast<int>(totalTxns));
}

STRATA_ENGINE_SUITE(KvModelTest);

}  // namespace
}  // namespace strata::model
