// The optional directory cache (DirectoryLayerOptions::cacheCapacity): hits, and invalidation by
// the metadata-version key on every strata mutation.
#include "directory/cache.h"

#include <gtest/gtest.h>

#include "directory/fixture.h"
#include "strata/directory.h"

namespace strata {
namespace {

STRATA_DIRECTORY_SUITE(DirectoryCacheTest);

DirectoryLayer cachedLayer() {
  DirectoryLayerOptions options;
  options.cacheCapacity = 100;
  return DirectoryLayer(options);
}

TEST(DirectoryCacheUnitTest, EvictsTheLeastRecentlyUsedBeyondCapacity) {
  DirectoryCache cache(2);
  cache.insert("a", "v1", {"pa", "", 1});
  cache.insert("b", "v1", {"pb", "", 1});
  EXPECT_TRUE(cache.lookup("a", "v1").has_value());  // a is now the most recent
  cache.insert("c", "v1", {"pc", "", 1});
  EXPECT_FALSE(cache.lookup("b", "v1").has_value());
  EXPECT_EQ(cache.lookup("a", "v1")->prefix, "pa");
  EXPECT_EQ(cache.lookup("c", "v1")->prefix, "pc");
  EXPECT_FALSE(cache.lookup("a", "v2").has_value()) << "an entry is valid for its version only";
}

TEST_P(DirectoryCacheTest, RepeatedOpensOfADeepPathAreServedFromTheCache) {
  DirectoryLayer layer = cachedLayer();
  DirectorySubspace d = layer.createOrOpen(db(), {"a", "b", "c"});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(layer.open(db(), {"a", "b", "c"}).key(), d.key());
  EXPECT_GE(layer.cacheStats().hits, 4u);
}

TEST_P(DirectoryCacheTest, AMoveByAnotherLayerObjectInvalidatesTheCache) {
  DirectoryLayer cached = cachedLayer();
  DirectoryLayer other;
  std::string first = cached.createOrOpen(db(), {"a", "b"}).key();
  EXPECT_EQ(cached.open(db(), {"a", "b"}).key(), first);
  (void)other.move(db(), {"a", "b"}, {"moved"});
  std::string second = other.createOrOpen(db(), {"a", "b"}).key();
  ASSERT_NE(first, second);
  EXPECT_EQ(cached.open(db(), {"a", "b"}).key(), second);
  EXPECT_EQ(cached.open(db(), {"moved"}).key(), first);
}

TEST_P(DirectoryCacheTest, ARemoveInvalidatesTheCache) {
  DirectoryLayer cached = cachedLayer();
  DirectoryLayer other;
  (void)cached.createOrOpen(db(), {"a"});
  EXPECT_TRUE(cached.exists(db(), {"a"}));
  other.remove(db(), {"a"});
  EXPECT_FALSE(cached.exists(db(), {"a"}));
  EXPECT_DIR_ERROR(2257, (void)cached.open(db(), {"a"}));
}

TEST_P(DirectoryCacheTest, AnAbortedTransactionLeavesNothingInTheCache) {
  DirectoryLayer cached = cachedLayer();
  {
    Transaction tr = db().createTransaction();
    DirectorySubspace d = cached.createOrOpen(tr, {"ghost"});
    EXPECT_EQ(cached.open(tr, {"ghost"}).key(), d.key());  // its own write, not cached
  }                                                        // rolled back
  EXPECT_DIR_ERROR(2257, (void)cached.open(db(), {"ghost"}));
}

TEST_P(DirectoryCacheTest, ATransactionUsingACachedEntryConflictsWithAConcurrentMove) {
  DirectoryLayer cached = cachedLayer();
  DirectorySubspace d = cached.createOrOpen(db(), {"a", "b"});
  (void)cached.open(db(), {"a", "b"});  // now cached
  Transaction user = db().createTransaction();
  DirectorySubspace seen = cached.open(user, {"a", "b"});
  uint64_t hitsBefore = cached.cacheStats().hits;
  EXPECT_GE(hitsBefore, 1u);
  user.set(seen.pack(Tuple{1}), "x");
  DirectoryLayer other;
  (void)other.move(db(), {"a", "b"}, {"c"});
  EXPECT_DIR_ERROR(1020, user.commit());
}

TEST_P(DirectoryCacheTest, PathsInsideAPartitionAreCachedAndInvalidated) {
  DirectoryLayer cached = cachedLayer();
  DirectoryLayer other;
  (void)cached.createOrOpen(db(), {"p"}, "partition");
  std::string first = cached.createOrOpen(db(), {"p", "x"}).key();
  EXPECT_EQ(cached.open(db(), {"p", "x"}).key(), first);
  (void)other.move(db(), {"p", "x"}, {"p", "y"});
  EXPECT_DIR_ERROR(2257, (void)cached.open(db(), {"p", "x"}));
  EXPECT_EQ(cached.open(db(), {"p", "y"}).key(), first);
}

}  // namespace
}  // namespace strata
