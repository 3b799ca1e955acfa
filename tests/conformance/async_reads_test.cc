// Asynchronous reads (Transaction::getAsync, getKeyAsync, getRangeAsync) issued together, as a
// FoundationDB binding issues them: every engine gives each read its own answer, with the
// transaction's own writes issued before it (and none issued after), its read conflicts, and its
// errors through the future. Each test runs twice per engine: with reads on the calling thread
// (readConcurrency 0, the local engines' default) and served by a pool of 4 threads (etcd's path,
// exercised on every engine so the sanitizers see it).
#include <atomic>
#include <cstdio>
#include <thread>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

class AsyncReadsTest : public ConformanceTest {
 protected:
  // Runs `body` on db() opened with reads on the calling thread, then on a fresh database whose
  // reads are served by a pool.
  void bothWays(const std::function<void()>& body) {
    for (int threads : {0, 4}) {
      SCOPED_TRACE("readConcurrency " + std::to_string(threads));
      DatabaseOptions options;
      options.readConcurrency = threads;
      reopen(options);
      body();
    }
  }
};

std::string key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%04d", i);
  return buf;
}

TEST_P(AsyncReadsTest, ManyReadsIssuedTogetherEachGetTheirOwnAnswer) {
  bothWays([&] {
    db().run([](Transaction& tr) {
      for (int i = 0; i < 200; i += 2) tr.set(key(i), "v" + std::to_string(i));
    });
    Transaction tr = tx();
    std::vector<Future<std::optional<std::string>>> gets;
    std::vector<Future<std::string>> keys;
    std::vector<Future<RangeBatch>> ranges;
    for (int i = 0; i < 200; ++i) {
      gets.push_back(tr.getAsync(key(i)));
      if (i % 10 == 0) {
        keys.push_back(tr.getKeyAsync(KeySelector::firstGreaterThan(key(i))));
        RangeOptions o;
        o.limit = 3;
        ranges.push_back(tr.getRangeAsync(KeySelector::firstGreaterOrEqual(key(i)),
                                          KeySelector::firstGreaterOrEqual("l"), o));
      }
    }
    for (int i = 0; i < 200; ++i) {
      if (i % 2 == 0) {
        EXPECT_EQ(gets[i].get(), "v" + std::to_string(i)) << key(i);
      } else {
        EXPECT_EQ(gets[i].get(), std::nullopt) << key(i);
      }
    }
    for (size_t j = 0; j < keys.size(); ++j) {
      const int i = static_cast<int>(j) * 10;
      EXPECT_EQ(keys[j].get(), i + 2 < 200 ? key(i + 2) : std::string("\xff")) << key(i);
      RangeBatch batch = ranges[j].get();
      ASSERT_EQ(batch.kvs.size(), i + 6 <= 200 ? 3u : static_cast<size_t>((200 - i) / 2));
      EXPECT_EQ(batch.kvs[0].key, key(i));
      EXPECT_EQ(batch.kvs[0].value, "v" + std::to_string(i));
    }
    db().run([](Transaction& t) { t.clearRange("k", "l"); });
  });
}

TEST_P(AsyncReadsTest, AReadSeesTheWritesIssuedBeforeItAndNoneIssuedAfter) {
  bothWays([&] {
    put("a", "committed");
    put("n", int64Le(5));
    Transaction tr = tx();
    auto before = tr.getAsync("a");
    auto rangeBefore = tr.getRangeAsync(KeySelector::firstGreaterOrEqual("a"),
                                        KeySelector::firstGreaterOrEqual("b"));
    tr.set("a", "mine");
    tr.set("a2", "new");
    auto after = tr.getAsync("a");
    auto rangeAfter = tr.getRangeAsync(KeySelector::firstGreaterOrEqual("a"),
                                       KeySelector::firstGreaterOrEqual("b"));
    tr.atomicOp(MutationType::kAdd, "n", int64Le(3));
    auto added = tr.getAsync("n");
    tr.clear("a");
    auto cleared = tr.getAsync("a");
    EXPECT_EQ(before.get(), "committed");
    EXPECT_EQ(keysOf(rangeBefore.get().kvs), (std::vector<std::string>{"a"}));
    EXPECT_EQ(after.get(), "mine");
    EXPECT_EQ(keysOf(rangeAfter.get().kvs), (std::vector<std::string>{"a", "a2"}));
    EXPECT_EQ(fromInt64Le(added.get().value()), 8);
    EXPECT_EQ(cleared.get(), std::nullopt);
  });
}

TEST_P(AsyncReadsTest, AnAsyncReadConflictsLikeASynchronousOneAndASnapshotReadDoesNot) {
  bothWays([&] {
    EXPECT_TRUE(conflicts([](Transaction& a) { (void)a.getAsync("k").get(); },
                          [](Transaction& b) { b.set("k", "x"); }));
    EXPECT_TRUE(conflicts(
        [](Transaction& a) {
          (void)a
              .getRangeAsync(KeySelector::firstGreaterOrEqual("r"),
                             KeySelector::firstGreaterOrEqual("s"))
              .get();
        },
        [](Transaction& b) { b.set("r5", "x"); }));
    EXPECT_FALSE(conflicts([](Transaction& a) { (void)a.getAsync("k", Snapshot::kYes).get(); },
                           [](Transaction& b) { b.set("k", "y"); }));
    // A commit issued while reads are pending waits for them: their conflicts count.
    EXPECT_TRUE(conflicts(
        [](Transaction& a) {
          for (int i = 0; i < 20; ++i) (void)a.getAsync("p" + std::to_string(i));
        },
        [](Transaction& b) { b.set("p7", "x"); }));
  });
}

TEST_P(AsyncReadsTest, ErrorsArriveThroughTheFuture) {
  bothWays([&] {
    Transaction tr = tx();
    auto outside = tr.getAsync("\xff\xff/not-a-special-key");
    RangeOptions negative;
    negative.limit = -1;
    auto badLimit = tr.getRangeAsync(KeySelector::firstGreaterOrEqual("a"),
                                     KeySelector::firstGreaterOrEqual("b"), negative);
    auto fine = tr.getAsync("a");
    EXPECT_ERROR_CODE(2004, (void)outside.get());
    EXPECT_ERROR_CODE(2012, (void)badLimit.get());
    EXPECT_EQ(fine.get(), std::nullopt);
  });
}

TEST_P(AsyncReadsTest, ResetCancelAndDestroyWithReadsPendingLeaveEveryFutureComplete) {
  bothWays([&] {
    db().run([](Transaction& tr) {
      for (int i = 0; i < 50; ++i) tr.set(key(i), "v");
    });
    std::vector<Future<std::optional<std::string>>> pending;
    {
      Transaction tr = tx();
      for (int i = 0; i < 50; ++i) pending.push_back(tr.getAsync(key(i)));
      tr.reset();
      for (int i = 0; i < 50; ++i) pending.push_back(tr.getAsync(key(i)));
      tr.cancel();
      EXPECT_ERROR_CODE(1025, (void)tr.get(key(0)));
      Transaction other = tx();
      for (int i = 0; i < 50; ++i) pending.push_back(other.getAsync(key(i)));
    }  // both destroyed here, `other` with its reads possibly still pending
    for (auto& f : pending) {
      ASSERT_TRUE(f.waitFor(std::chrono::seconds(30)));
      // A read finished before the reset or cancel has its value; one after, error 1025.
      const int code = errorCodeOf([&] { EXPECT_EQ(f.get(), "v"); });
      EXPECT_TRUE(code == 0 || code == 1025) << code;
    }
    db().run([](Transaction& t) { t.clearRange("k", "l"); });
  });
}

TEST_P(AsyncReadsTest, ReadsFromSeveralTransactionsAtOnceStayIsolated) {
  bothWays([&] {
    put("shared", "0");
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int round = 0; round < 10; ++round) {
          Transaction tr = tx();
          const std::string mine = "t" + std::to_string(t);
          tr.set(mine, std::to_string(round));
          std::vector<Future<std::optional<std::string>>> fs;
          for (int i = 0; i < 8; ++i) fs.push_back(tr.getAsync(i % 2 ? mine : "shared"));
          for (int i = 0; i < 8; ++i) {
            auto v = fs[i].get();
            if (v != (i % 2 ? std::optional<std::string>(std::to_string(round))
                            : std::optional<std::string>("0"))) {
              ++wrong;
            }
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(wrong.load(), 0);
  });
}

TEST_P(AsyncReadsTest, ReadConcurrencyOutsideItsRangeIsAnInvalidOptionValue) {
  DatabaseOptions options;
  options.readConcurrency = -2;
  EXPECT_ERROR_CODE(2006, (void)open(options));
  options.readConcurrency = 257;
  EXPECT_ERROR_CODE(2006, (void)open(options));
  // The URL form: a count 0..256.
  EXPECT_ERROR_CODE(2013, (void)Database::open("memory:?read_concurrency=257"));
  EXPECT_ERROR_CODE(2013, (void)Database::open("memory:?read_concurrency=two"));
  EXPECT_ERROR_CODE(2013, (void)Database::open("memory:?read_concurrency=-1"));
  EXPECT_ERROR_CODE(0, (void)Database::open("memory:?read_concurrency=3"));
}

INSTANTIATE_TEST_SUITE_P(Engines, AsyncReadsTest, ::testing::ValuesIn(engineKinds()),
                         engineKindName);

}  // namespace
}  // namespace strata::conformance
