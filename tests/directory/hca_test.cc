// The high-contention allocator (fdb-api.md section 9.3), driven directly.
#include "directory/hca.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "directory/fixture.h"
#include "strata/tuple.h"

namespace strata {
namespace {

using directory::hcaAllocate;
using directory::hcaWindowSize;

STRATA_DIRECTORY_SUITE(HcaTest);

const Subspace kHca(Tuple{Bytes("hca")}, "\x01");

int64_t allocateOne(Database& db) {
  std::string packed = db.run([](Transaction& tr) { return hcaAllocate(tr, kHca); });
  Tuple t = Tuple::unpack(packed);
  EXPECT_EQ(t.size(), 1u);
  return t.getInt(0);
}

TEST(HcaWindowTest, WindowsAre64Then1024Then8192) {
  EXPECT_EQ(hcaWindowSize(0), 64);
  EXPECT_EQ(hcaWindowSize(254), 64);
  EXPECT_EQ(hcaWindowSize(255), 1024);
  EXPECT_EQ(hcaWindowSize(65534), 1024);
  EXPECT_EQ(hcaWindowSize(65535), 8192);
}

TEST_P(HcaTest, FirstAllocationsComeFromTheFirstWindow) {
  for (int i = 0; i < 20; ++i) {
    int64_t c = allocateOne(db());
    EXPECT_GE(c, 0);
    EXPECT_LT(c, 64);
  }
}

TEST_P(HcaTest, WindowAdvancesWhenHalfFullAndOldStateIsCleared) {
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    int64_t c = allocateOne(db());
    EXPECT_TRUE(seen.insert(c).second) << "candidate " << c << " allocated twice";
  }
  EXPECT_GT(*seen.rbegin(), 63) << "the window never advanced";
  const Subspace counters = kHca[0];
  const Subspace recent = kHca[1];
  auto counterRows = dump(counters.range().begin, counters.range().end);
  ASSERT_EQ(counterRows.size(), 1u) << "older window counters must be cleared";
  int64_t start = counters.unpack(counterRows[0].key).getInt(0);
  EXPECT_GT(start, 0);
  // Markers below the current window are gone; the ones left are inside it.
  for (const KeyValue& kv : dump(recent.range().begin, recent.range().end)) {
    int64_t c = recent.unpack(kv.key).getInt(0);
    EXPECT_GE(c, start);
    EXPECT_LT(c, start + hcaWindowSize(start));
  }
}

TEST_P(HcaTest, ConcurrentAllocatorsNeverHandOutOneIntegerTwice) {
  constexpr int kThreads = 8, kPerThread = 40;
  std::vector<std::vector<int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) got[t].push_back(allocateOne(db()));
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> all;
  for (auto& v : got) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), size_t{kThreads * kPerThread});
}

TEST_P(HcaTest, TwoAllocatorsWithDifferentCandidatesDoNotConflict) {
  // Both transactions allocate from the same window at the same read version; unless they pick
  // the same candidate (retry until they differ) both commit.
  for (int attempt = 0; attempt < 20; ++attempt) {
    Transaction a = db().createTransaction();
    Transaction b = db().createTransaction();
    (void)a.getReadVersion();
    (void)b.getReadVersion();
    std::string ca = hcaAllocate(a, kHca);
    std::string cb = hcaAllocate(b, kHca);
    if (ca == cb) continue;
    a.commit();
    EXPECT_NO_THROW(b.commit());
    return;
  }
  FAIL() << "20 attempts picked the same candidate";
}

TEST_P(HcaTest, TwoAllocatorsPickingTheSameCandidateConflict) {
  // Both read the candidate's marker absent at the same read version: the one committing second
  // fails with not_committed (the marker read is the allocator's only conflicting read).
  for (int attempt = 0; attempt < 2000; ++attempt) {
    Transaction a = db().createTransaction();
    Transaction b = db().createTransaction();
    (void)a.getReadVersion();
    (void)b.getReadVersion();
    std::string ca = hcaAllocate(a, kHca);
    std::string cb = hcaAllocate(b, kHca);
    if (ca != cb) continue;
    a.commit();
    int code = testing_directory::errorCodeOf([&] { b.commit(); });
    EXPECT_EQ(code, 1020);
    return;
  }
  FAIL() << "no collision in 2000 attempts";
}

}  // namespace
}  // namespace strata
