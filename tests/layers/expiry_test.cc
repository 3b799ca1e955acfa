// Expiry layer: TTLs, reads that hide expired values, the exact deadline index under rewrites and
// concurrency, bounded sweeps. A fake clock replaces waiting. Runs on every engine kind.
#include "strata/layers/expiry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/engines.h"

namespace strata::layers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

using testsupport::errorCodeOf;

class ExpiryTest : public testsupport::EngineTest {
 protected:
  // A clock the test moves by hand, shared by every Expiry made with options().
  std::shared_ptr<std::atomic<int64_t>> nowMs_ =
      std::make_shared<std::atomic<int64_t>>(1'700'000'000'000);
  Subspace space_{Tuple{"expiry-test"}};

  ExpiryOptions options() {
    ExpiryOptions o;
    o.clock = [now = nowMs_] {
      return std::chrono::system_clock::time_point(milliseconds(now->load()));
    };
    return o;
  }
  Expiry expiry() { return Expiry(space_, options()); }
  void advance(milliseconds d) { nowMs_->fetch_add(d.count()); }

  std::optional<std::string> getThrough(const Expiry& e, const std::string& key) {
    return db().read([&](Transaction& tr) { return e.get(tr, key); });
  }
  std::optional<std::string> getRaw(const std::string& key) {
    return db().read([&](Transaction& tr) { return tr.get(key); });
  }
  size_t indexEntries() {
    return db().read([&](Transaction& tr) {
      KeyRange r = space_.range(Tuple{1});
      return tr.getRangeAll(r.begin, r.end).size();
    });
  }
};

TEST_P(ExpiryTest, AValueReadsUntilItsDeadlineAndNeverAfter) {
  Expiry e = expiry();
  db().run([&](Transaction& tr) { e.set(tr, "session", "token", seconds(10)); });
  EXPECT_EQ(getThrough(e, "session"), "token");
  EXPECT_EQ(getRaw("session"), "token");  // the value lives at the key itself
  advance(milliseconds(9'999));
  EXPECT_EQ(getThrough(e, "session"), "token");
  advance(milliseconds(1));
  EXPECT_EQ(getThrough(e, "session"), std::nullopt);  // expired, not yet swept
  EXPECT_EQ(getRaw("session"), "token");
}

TEST_P(ExpiryTest, SweepDeletesExactlyTheExpiredKeys) {
  Expiry e = expiry();
  db().run([&](Transaction& tr) {
    e.set(tr, "a", "1", seconds(1));
    e.set(tr, "b", "2", seconds(5));
    e.set(tr, "c", "3", seconds(1));
    tr.set("plain", "4");
  });
  advance(seconds(2));
  EXPECT_EQ(db().read([&](Transaction& tr) { return e.countDue(tr); }), 2);
  EXPECT_EQ(e.sweep(db()), 2);
  EXPECT_EQ(getRaw("a"), std::nullopt);
  EXPECT_EQ(getRaw("c"), std::nullopt);
  EXPECT_EQ(getRaw("b"), "2");
  EXPECT_EQ(getRaw("plain"), "4");
  EXPECT_EQ(indexEntries(), 1u);
  EXPECT_EQ(e.sweep(db()), 0);
}

TEST_P(ExpiryTest, ARewriteWithANewTtlMovesTheDeadline) {
  Expiry e = expiry();
  db().run([&](Transaction& tr) { e.set(tr, "k", "old", seconds(1)); });
  db().run([&](Transaction& tr) { e.set(tr, "k", "new", seconds(60)); });
  EXPECT_EQ(indexEntries(), 1u);
  advance(seconds(2));
  EXPECT_EQ(e.sweep(db()), 0);
  EXPECT_EQ(getThrough(e, "k"), "new");
  auto d = db().read([&](Transaction& tr) { return e.deadline(tr, "k"); });
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(d->time_since_epoch()).count(),
            nowMs_->load() - 2'000 + 60'000);
}

TEST_P(ExpiryTest, PersistAndSetPersistentDropTheDeadline) {
  Expiry e = expiry();
  db().run([&](Transaction& tr) {
    e.set(tr, "x", "1", seconds(1));
    e.set(tr, "y", "1", seconds(1));
  });
  EXPECT_TRUE(db().run([&](Transaction& tr) { return e.persist(tr, "x"); }));
  EXPECT_FALSE(db().run([&](Transaction& tr) { return e.persist(tr, "x"); }));
  db().run([&](Transaction& tr) { e.setPersistent(tr, "y", "2"); });
  advance(seconds(5));
  EXPECT_EQ(e.sweep(db()), 0);
  EXPECT_EQ(getThrough(e, "x"), "1");
  EXPECT_EQ(getThrough(e, "y"), "2");
  EXPECT_EQ(indexEntries(), 0u);
}

TEST_P(ExpiryTest, ClearRemovesTheValueAndItsIndexEntry) {
  Expiry e = expiry();
  db().run([&](Transaction& tr) { e.set(tr, "gone", "1", seconds(5)); });
  db().run([&](Transaction& tr) { e.clear(tr, "gone"); });
  EXPECT_EQ(getRaw("gone"), std::nullopt);
  EXPECT_EQ(indexEntries(), 0u);
}

TEST_P(ExpiryTest, SweepWorksInBoundedBatchesAndHonoursItsLimit) {
  Expiry e = expiry();
  db().run([&](Transaction& tr) {
    for (int i = 0; i < 25; ++i) e.set(tr, "k" + std::to_string(i), "v", seconds(1));
  });
  advance(seconds(2));
  SweepOptions limited;
  limited.batch = 4;
  limited.limit = 10;
  EXPECT_EQ(e.sweep(db(), limited), 10);
  limited.limit = 0;
  EXPECT_EQ(e.sweep(db(), limited), 15);
  EXPECT_EQ(indexEntries(), 0u);
  EXPECT_EQ(db().read([&](Transaction& tr) { return tr.getRangeAll("k", "l").size(); }), 0u);
}

TEST_P(ExpiryTest, ASweepRacingARewriteNeverDeletesTheNewValue) {
  Expiry e = expiry();
  db().run([&](Transaction& tr) { e.set(tr, "hot", "old", seconds(1)); });
  advance(seconds(2));
  // The sweeper reads the due entry; a rewrite commits before the sweeper does.
  Transaction sweeper = db().createTransaction();
  EXPECT_EQ(e.sweep(sweeper, 10), 1);
  db().run([&](Transaction& tr) { e.set(tr, "hot", "new", seconds(60)); });
  EXPECT_EQ(errorCodeOf([&] { sweeper.commit(); }), static_cast<int>(ErrorCode::not_committed));
  EXPECT_EQ(e.sweep(db()), 0);
  EXPECT_EQ(getThrough(e, "hot"), "new");
  EXPECT_EQ(indexEntries(), 1u);
}

TEST_P(ExpiryTest, ConcurrentRewritesLeaveExactlyOneIndexEntryPerKey) {
  Expiry e = expiry();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        db().run([&](Transaction& tr) {
          e.set(tr, "k" + std::to_string(i % 3), "t" + std::to_string(t), milliseconds(100 + i));
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(indexEntries(), 3u);
  advance(seconds(1));
  EXPECT_EQ(e.sweep(db()), 3);
  EXPECT_EQ(indexEntries(), 0u);
}

TEST_P(ExpiryTest, BadArgumentsAreRefused) {
  Expiry e = expiry();
  Transaction tr = db().createTransaction();
  EXPECT_EQ(errorCodeOf([&] { e.set(tr, "k", "v", milliseconds(0)); }),
            static_cast<int>(ErrorCode::client_invalid_operation));
  EXPECT_EQ(errorCodeOf([&] { e.set(tr, "k", "v", milliseconds(-5)); }),
            static_cast<int>(ErrorCode::client_invalid_operation));
  EXPECT_EQ(errorCodeOf([&] { (void)e.sweep(tr, 0); }),
            static_cast<int>(ErrorCode::range_limits_invalid));
  SweepOptions bad;
  bad.batch = 0;
  EXPECT_EQ(errorCodeOf([&] { (void)e.sweep(db(), bad); }),
            static_cast<int>(ErrorCode::range_limits_invalid));
  bad.batch = 10;
  bad.limit = -1;
  EXPECT_EQ(errorCodeOf([&] { (void)e.sweep(db(), bad); }),
            static_cast<int>(ErrorCode::range_limits_invalid));
  EXPECT_EQ(errorCodeOf([&] { e.set(tr, "k", std::string(100'001, 'v'), seconds(1)); }),
            static_cast<int>(ErrorCode::value_too_large));
  EXPECT_EQ(errorCodeOf([&] { e.set(tr, std::string(9'995, 'k'), "v", seconds(1)); }),
            static_cast<int>(ErrorCode::key_too_large));
}

TEST_P(ExpiryTest, TheRealClockIsTheDefault) {
  Expiry e(space_);
  db().run([&](Transaction& tr) { e.set(tr, "real", "v", milliseconds(20)); });
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(getThrough(e, "real"), std::nullopt);
  EXPECT_EQ(e.sweep(db()), 1);
}

STRATA_ENGINE_SUITE(ExpiryTest);

}  // namespace
}  // namespace strata::layers
