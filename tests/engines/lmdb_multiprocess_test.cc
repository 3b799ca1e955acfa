// The LMDB engine with several processes on one path: conflicts, watches, map growth, disk full.
// Children are forked before the parent opens anything, so no LMDB handle crosses a fork.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>

#include "engines/lmdb/lmdb_engine.h"
#include "engines/lmdb_test_util.h"

namespace strata::kv {
namespace {

using testing::errorCodeOf;
using testing::forkChild;
using testing::Gate;
using testing::openAt;
using testing::setRequest;
using testing::TempDir;
using testing::waitChild;

TEST(LmdbMultiprocessTest, AWriteByAnotherProcessConflictsWithAnEarlierRead) {
  TempDir dir;
  { (void)openAt(dir.path()); }
  Gate go, done;
  pid_t child = forkChild([&] {
    go.pass();
    auto engine = openAt(dir.path());
    (void)engine->commit(setRequest({{"k", "child"}}));
    done.open();
    return 0;
  });
  auto engine = openAt(dir.path());
  int64_t rv = engine->beginRead()->version();
  (void)engine->commit(setRequest({{"warm", "1"}}));  // this process has committed before
  int64_t rv2 = engine->beginRead()->version();
  go.open();
  done.pass();
  ASSERT_EQ(waitChild(child), 0);
  EXPECT_EQ(errorCodeOf([&] {
              (void)engine->commit(setRequest({{"x", "1"}}, rv, {"k"}));
            }),
            static_cast<int>(ErrorCode::not_committed));
  EXPECT_EQ(errorCodeOf([&] {
              (void)engine->commit(setRequest({{"x", "1"}}, rv2, {"k"}));
            }),
            static_cast<int>(ErrorCode::not_committed));
  EXPECT_NO_THROW((void)engine->commit(setRequest({{"x", "1"}}, rv2, {"unrelated"})));
  auto view = engine->beginRead();
  EXPECT_EQ(view->get("k"), "child");
  EXPECT_GT(lmdbEngineStats(*engine).conflictLogReplays, 0u);
}

// Two processes increment one counter with read-modify-write transactions; none is lost.
TEST(LmdbMultiprocessTest, CountersIncrementedFromTwoProcessesLoseNothing) {
  TempDir dir;
  { (void)openAt(dir.path()); }
  constexpr int kPerProcess = 150;
  auto work = [&] {
    auto engine = openAt(dir.path());
    for (int i = 0; i < kPerProcess;) {
      auto view = engine->beginRead();
      auto cur = view->get("counter");
      int n = cur ? std::stoi(*cur) : 0;
      try {
        (void)engine->commit(
            setRequest({{"counter", std::to_string(n + 1)}}, view->version(), {"counter"}));
        ++i;
      } catch (const Error& e) {
        if (e.code() != static_cast<int>(ErrorCode::not_committed)) throw;
      }
    }
    return 0;
  };
  pid_t a = forkChild(work);
  pid_t b = forkChild(work);
  EXPECT_EQ(waitChild(a), 0);
  EXPECT_EQ(waitChild(b), 0);
  EXPECT_EQ(openAt(dir.path())->beginRead()->get("counter"), std::to_string(2 * kPerProcess));
}

TEST(LmdbMultiprocessTest, AWatchFiresWhenAnotherProcessChangesTheKey) {
  TempDir dir;
  { (void)openAt(dir.path()); }
  Gate go;
  pid_t child = forkChild([&] {
    go.pass();
    auto engine = openAt(dir.path());
    (void)engine->commit(setRequest({{"other", "1"}}));
    (void)engine->commit(setRequest({{"w", "changed"}}));
    return 0;
  });
  auto engine = openAt(dir.path());
  Promise<void> promise;
  auto cancel = engine->watch({"w", std::nullopt, engine->beginRead()->version(), promise});
  EXPECT_FALSE(promise.isReady());
  go.open();
  EXPECT_TRUE(promise.future().waitFor(std::chrono::seconds(10)));
  EXPECT_EQ(waitChild(child), 0);
}

TEST(LmdbMultiprocessTest, AMapGrownByAnotherProcessIsAdopted) {
  TempDir dir;
  LmdbEngineOptions options;
  options.path = dir.path();
  options.initialMapSize = 256 << 10;
  { (void)makeLmdbEngine(options); }
  Gate go, done;
  std::string big(1 << 20, 'b');
  pid_t child = forkChild([&] {
    go.pass();
    auto engine = makeLmdbEngine(options);
    for (int i = 0; i < 8; ++i)
      (void)engine->commit(setRequest({{"big" + std::to_string(i), big}}));
    done.open();
    return 0;
  });
  auto engine = makeLmdbEngine(options);
  (void)engine->commit(setRequest({{"small", "1"}}));
  go.open();
  done.pass();
  ASSERT_EQ(waitChild(child), 0);
  auto view = engine->beginRead();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(view->get("big" + std::to_string(i)), big);
  EXPECT_NO_THROW((void)engine->commit(setRequest({{"after", big}})));
}

// A file-size limit stands in for a full disk: the failing commit reports disk_full and every
// commit acknowledged before it survives.
TEST(LmdbMultiprocessTest, AFullDiskFailsTheCommitWithDiskFullAndLosesNothing) {
  TempDir dir;
  { (void)openAt(dir.path()); }
  pid_t child = forkChild([&] {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{4 << 20, 4 << 20};
    setrlimit(RLIMIT_FSIZE, &limit);
    auto engine = openAt(dir.path());
    std::string value(256 << 10, 'v');
    for (int i = 0; i < 64; ++i) {
      try {
        (void)engine->commit(
            setRequest({{"k" + std::to_string(i), value}, {"count", std::to_string(i + 1)}}));
      } catch (const Error& e) {
        if (e.code() != static_cast<int>(ErrorCode::disk_full)) {
          std::fprintf(stderr, "unexpected error: %s\n", e.what());
          return 2;
        }
        // The engine stays usable: a small commit lands or reports disk_full again.
        try {
          (void)engine->commit(setRequest({{"small", "ok"}}));
        } catch (const Error& again) {
          if (again.code() != static_cast<int>(ErrorCode::disk_full)) return 3;
        }
        return 0;
      }
    }
    return 1;  // never hit the limit
  });
  ASSERT_EQ(waitChild(child), 0);
  auto engine = openAt(dir.path());
  auto view = engine->beginRead();
  auto count = view->get("count");
  ASSERT_TRUE(count.has_value());
  int n = std::stoi(*count);
  EXPECT_GT(n, 0);
  for (int i = 0; i < n; ++i) EXPECT_TRUE(view->get("k" + std::to_string(i)).has_value());
  EXPECT_EQ(view->get("k" + std::to_string(n)), std::nullopt);
}

}  // namespace
}  // namespace strata::kv
