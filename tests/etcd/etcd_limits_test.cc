// etcd's own limits on a cluster started with etcd's defaults (--max-txn-ops 128,
// --max-request-bytes 1.5 MiB): measured at open, and a commit past either is
// transaction_too_large (2101) naming the limit, with nothing written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "engines/etcd/etcd_engine.h"
#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "strata/kv/transaction.h"

namespace strata {
namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, f) != nullptr) out += buf;
  pclose(f);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

class EtcdDefaultLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = "STRATA_ETCD_DIR=/dev/shm/strata-etcd-limits-" + std::to_string(getpid()) +
           " STRATA_ETCD_PORT=" + std::to_string(STRATA_ETCD_FAULT_PORT + 100) +
           " STRATA_ETCD_MEMBERS=1 STRATA_ETCD_LIMITS=default ";
    endpoints_ = run(env_ + STRATA_ETCD_SCRIPT " stop >/dev/null 2>&1; " + env_ +
                     STRATA_ETCD_SCRIPT " start");
    ASSERT_NE(endpoints_.find("127.0.0.1:"), std::string::npos) << "etcd did not start";
    db_.emplace(Database::open("etcd://" + endpoints_ + "/?prefix=limits/"));
  }
  void TearDown() override {
    db_.reset();
    (void)run(env_ + STRATA_ETCD_SCRIPT " stop");
  }
  // The message of the strata::Error `fn` throws with code 2101, or "" (test fails).
  std::string tooLarge(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), 2101) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "no error";
    return "";
  }
  std::string env_, endpoints_;
  std::optional<Database> db_;
};

TEST_F(EtcdDefaultLimitsTest, TheDefaultLimitsAreMeasuredAtOpen) {
  kv::EtcdEngineOptions options;
  options.endpoints = {endpoints_};
  auto stats = kv::etcdEngineStats(*kv::makeEtcdEngine(options));
  EXPECT_EQ(stats.limits.maxTxnOps, 128);
  EXPECT_GE(stats.limits.maxRequestBytes, 1 << 20);
  EXPECT_LE(stats.limits.maxRequestBytes, 3 << 19);
}

TEST_F(EtcdDefaultLimitsTest, TooManyOperationsIsTransactionTooLargeNamingMaxTxnOps) {
  std::string message = tooLarge([&] {
    Transaction tr = db_->createTransaction();
    for (int i = 0; i < 100; ++i) tr.set("k" + std::to_string(i), "v");  // 200 puts + markers
    tr.commit();
  });
  EXPECT_NE(message.find("--max-txn-ops"), std::string::npos) << message;
  EXPECT_TRUE(db_->read([](Transaction& tr) { return tr.getRangeAll("k", "l"); }).empty());
}

TEST_F(EtcdDefaultLimitsTest, TooManyBytesIsTransactionTooLargeNamingMaxRequestBytes) {
  std::string message = tooLarge([&] {
    Transaction tr = db_->createTransaction();
    for (int i = 0; i < 20; ++i) tr.set("big" + std::to_string(i), std::string(100'000, 'v'));
    tr.commit();
  });
  EXPECT_NE(message.find("--max-request-bytes"), std::string::npos) << message;
  EXPECT_TRUE(db_->read([](Transaction& tr) { return tr.getRangeAll("big", "bih"); }).empty());
}

TEST_F(EtcdDefaultLimitsTest, CommitsWithinTheLimitsStillWork) {
  db_->run([](Transaction& tr) {
    for (int i = 0; i < 20; ++i) tr.set("small" + std::to_string(i), "v");
  });
  EXPECT_EQ(db_->read([](Transaction& tr) { return tr.getRangeAll("small", "smalm"); }).size(),
            20u);
}

}  // namespace
}  // namespace strata
