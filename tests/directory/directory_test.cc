// The directory layer's operations, errors, partitions and concurrency (fdb-api.md section 9.2).
#include "strata/directory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "directory/fixture.h"
#include "strata/kv/scan.h"
#include "strata/tuple.h"

namespace strata {
namespace {

using testing_directory::bytes;
using testing_directory::errorCodeOf;
using testing_directory::unhex;

STRATA_DIRECTORY_SUITE(DirectoryTest);

DirectoryLayer manualLayer() {
  DirectoryLayerOptions options;
  options.manualPrefixes = ManualPrefixes::kAllow;
  return DirectoryLayer(options);
}

// ---- paths ------------------------------------------------------------------------------------

TEST(DirectoryPathTest, ParsesSlashSeparatedNames) {
  EXPECT_EQ(parseDirectoryPath("a/b/c"), (DirectoryPath{"a", "b", "c"}));
  EXPECT_EQ(parseDirectoryPath("/a/b/"), (DirectoryPath{"a", "b"}));
  EXPECT_EQ(parseDirectoryPath(""), DirectoryPath{});
  EXPECT_EQ(parseDirectoryPath("/"), DirectoryPath{});
  EXPECT_EQ(parseDirectoryPath("caf\xc3\xa9"), (DirectoryPath{"caf\xc3\xa9"}));
  EXPECT_EQ(formatDirectoryPath({"a", "b"}), "a/b");
  EXPECT_EQ(formatDirectoryPath({}), "");
}

TEST(DirectoryPathTest, RejectsEmptyNames) {
  EXPECT_DIR_ERROR(3005, (void)parseDirectoryPath("a//b"));
  EXPECT_DIR_ERROR(3005, (void)parseDirectoryPath("///"));
}

// ---- createOrOpen / open / create -------------------------------------------------------------

TEST_P(DirectoryTest, CreateOrOpenCreatesMissingParentsAndReopensTheSamePrefix) {
  DirectoryLayer layer;
  DirectorySubspace c = layer.createOrOpen(db(), {"a", "b", "c"});
  EXPECT_EQ(c.path(), (DirectoryPath{"a", "b", "c"}));
  EXPECT_EQ(c.layer(), "");
  EXPECT_TRUE(layer.exists(db(), {"a"}));
  EXPECT_TRUE(layer.exists(db(), {"a", "b"}));
  EXPECT_EQ(layer.createOrOpen(db(), {"a", "b", "c"}).key(), c.key());
  EXPECT_EQ(layer.open(db(), {"a", "b", "c"}).key(), c.key());
  EXPECT_EQ(layer.open(db(), parseDirectoryPath("a/b/c")).key(), c.key());
}

TEST_P(DirectoryTest, DirectoriesGetDistinctPrefixFreePrefixes) {
  DirectoryLayer layer;
  std::vector<std::string> prefixes;
  for (const char* name : {"a", "b", "c", "d"}) {
    prefixes.push_back(layer.createOrOpen(db(), {name}).key());
    prefixes.push_back(layer.createOrOpen(db(), {name, "child"}).key());
  }
  for (size_t i = 0; i < prefixes.size(); ++i) {
    for (size_t j = 0; j < prefixes.size(); ++j) {
      if (i != j) {
        EXPECT_FALSE(prefixes[j].starts_with(prefixes[i]));
      }
    }
  }
}

TEST_P(DirectoryTest, DirectorySubspacePacksUnderItsPrefix) {
  DirectoryLayer layer;
  DirectorySubspace users = layer.createOrOpen(db(), {"users"});
  std::string key = users.pack(Tuple{42, "name"});
  EXPECT_TRUE(key.starts_with(users.key()));
  EXPECT_EQ(users.unpack(key), (Tuple{42, "name"}));
  EXPECT_TRUE(users.contains(key));
  const Subspace& plain = users;
  EXPECT_EQ(plain.key(), users.key());
  EXPECT_EQ(users.sub(Tuple{1}).key(), users.key() + Tuple{1}.pack());
  EXPECT_EQ(users[1].key(), users.key() + Tuple{1}.pack());
  EXPECT_EQ(users.range().begin, users.key() + '\x00');
}

TEST_P(DirectoryTest, RootCannotBeOpenedOrCreated) {
  DirectoryLayer layer;
  EXPECT_DIR_ERROR(2255, (void)layer.createOrOpen(db(), {}));
  EXPECT_DIR_ERROR(2255, (void)layer.open(db(), {}));
  EXPECT_DIR_ERROR(2255, (void)layer.create(db(), {}));
}

TEST_P(DirectoryTest, OpenOfAMissingDirectoryFailsAndCreatesNothing) {
  DirectoryLayer layer;
  EXPECT_DIR_ERROR(2257, (void)layer.open(db(), {"nope"}));
  EXPECT_DIR_ERROR(2257, (void)layer.open(db(), {"nope", "deeper"}));
  EXPECT_TRUE(dump().empty());
}

TEST_P(DirectoryTest, CreateOfAnExistingDirectoryFails) {
  DirectoryLayer layer;
  (void)layer.create(db(), {"a"});
  EXPECT_DIR_ERROR(2256, (void)layer.create(db(), {"a"}));
}

TEST_P(DirectoryTest, RetryingCreateAfterItLandedIsResolvedByComparingPrefixes) {
  // The documented answer to 1021 for create(): a retry raises 2256; open and compare.
  DirectoryLayer layer;
  DirectorySubspace first = layer.create(db(), {"a"});
  int code = 0;
  DirectorySubspace found = db().run([&](Transaction& tr) {
    try {
      return layer.create(tr, {"a"});
    } catch (const Error& e) {
      code = e.code();
      return layer.open(tr, {"a"});
    }
  });
  EXPECT_EQ(code, 2256);
  EXPECT_EQ(found.key(), first.key());
}

TEST_P(DirectoryTest, LayerIsStoredAndChecked) {
  DirectoryLayer layer;
  DirectorySubspace t = layer.createOrOpen(db(), {"t"}, "table");
  EXPECT_EQ(t.layer(), "table");
  EXPECT_EQ(layer.open(db(), {"t"}).layer(), "table");  // empty layer: no check
  EXPECT_EQ(layer.open(db(), {"t"}, "table").key(), t.key());
  EXPECT_DIR_ERROR(2259, (void)layer.open(db(), {"t"}, "queue"));
  EXPECT_DIR_ERROR(2259, (void)layer.createOrOpen(db(), {"t"}, "queue"));
  (void)layer.createOrOpen(db(), {"plain"});
  EXPECT_DIR_ERROR(2259, (void)layer.open(db(), {"plain"}, "table"));
}

TEST_P(DirectoryTest, ManualPrefixNeedsTheOptIn) {
  DirectoryLayer layer;
  EXPECT_DIR_ERROR(2253, (void)layer.create(db(), {"m"}, "", unhex("05")));
  DirectorySubspace m = manualLayer().create(db(), {"m"}, "", std::string("\x05"));
  EXPECT_EQ(m.key(), "\x05");
  EXPECT_EQ(layer.open(db(), {"m"}).key(), "\x05");
}

TEST_P(DirectoryTest, ManualPrefixMustBePrefixFree) {
  DirectoryLayer layer = manualLayer();
  (void)layer.create(db(), {"m"}, "", std::string("\x05\x01"));
  EXPECT_DIR_ERROR(2265, (void)layer.create(db(), {"x"}, "", std::string("\x05\x01")));  // same
  EXPECT_DIR_ERROR(2265, (void)layer.create(db(), {"x"}, "", std::string("\x05")));      // shorter
  EXPECT_DIR_ERROR(2265, (void)layer.create(db(), {"x"}, "", std::string("\x05\x01\x02")));
  EXPECT_DIR_ERROR(2265, (void)layer.create(db(), {"x"}, "", std::string()));            // empty
  EXPECT_DIR_ERROR(2265, (void)layer.create(db(), {"x"}, "", std::string("\xfe\x01")));  // nodes
  EXPECT_DIR_ERROR(2004, (void)layer.create(db(), {"x"}, "", std::string("\xff\x01")));
  EXPECT_EQ(layer.create(db(), {"x"}, "", std::string("\x05\x02")).key(), "\x05\x02");
  EXPECT_FALSE(layer.exists(db(), {"y"}));
}

TEST_P(DirectoryTest, AllocatedPrefixHoldingDataIsRefused) {
  // Every candidate of the first window (15 00 .. 15 3F) holds a key.
  db().run([](Transaction& tr) {
    for (int i = 0; i < 64; ++i) tr.set(Tuple{i}.pack() + "x", "data");
  });
  DirectoryLayer layer;
  EXPECT_DIR_ERROR(2264, (void)layer.createOrOpen(db(), {"a"}));
}

TEST_P(DirectoryTest, AllocatedPrefixOverlappingAManualPrefixIsRefused) {
  // The first window's candidates 0..63 pack as 14 (0) and 15 01..15 3F: manual prefixes 14 and
  // 15 cover every one of them, so whichever the allocator draws overlaps.
  DirectoryLayer layer = manualLayer();
  (void)layer.create(db(), {"m"}, "", std::string("\x15"));
  (void)layer.create(db(), {"z"}, "", std::string("\x14"));
  EXPECT_DIR_ERROR(2265, (void)layer.createOrOpen(db(), {"a"}));
}

TEST_P(DirectoryTest, SeveralMutationsInOneTransactionSeeEachOther) {
  DirectoryLayer layer;
  db().run([&](Transaction& tr) {
    DirectorySubspace a = layer.createOrOpen(tr, {"a"});
    DirectorySubspace b = layer.createOrOpen(tr, {"a", "b"});
    EXPECT_NE(a.key(), b.key());
    EXPECT_EQ(layer.open(tr, {"a", "b"}).key(), b.key());
    (void)layer.move(tr, {"a", "b"}, {"c"});
    EXPECT_EQ(layer.list(tr), (std::vector<std::string>{"a", "c"}));
    layer.remove(tr, {"a"});
  });
  EXPECT_EQ(layer.list(db()), std::vector<std::string>{"c"});
}

TEST_P(DirectoryTest, AMutatingTransactionCannotReadTheMetadataVersionKeyAfterwards) {
  DirectoryLayer layer;
  Transaction tr = db().createTransaction();
  (void)layer.createOrOpen(tr, {"a"});
  EXPECT_DIR_ERROR(1036, (void)tr.getRangeAll("", "\xff"));
  EXPECT_EQ(layer.list(tr), std::vector<std::string>{"a"});  // the layer's own reads work
}

TEST_P(DirectoryTest, MoreThanSixtyFourDirectoriesAdvanceTheAllocatorWindow) {
  DirectoryLayer layer;
  std::set<std::string> prefixes;
  int64_t largest = 0;
  for (int i = 0; i < 100; ++i) {
    std::string p = layer.createOrOpen(db(), {"d" + std::to_string(i)}).key();
    EXPECT_TRUE(prefixes.insert(p).second) << "prefix handed out twice";
    largest = std::max(largest, Tuple::unpack(p).getInt(0));
  }
  EXPECT_GE(largest, 64) << "the allocator never left the first window";
  // Only the current window's counter remains under R + pack((b"hca", 0)).
  std::string counters = unhex("FE 01 FE 00 01 68 63 61 00 14");
  EXPECT_EQ(dump(counters, strinc(counters)).size(), 1u);
}

// ---- list / exists ----------------------------------------------------------------------------

TEST_P(DirectoryTest, ListReturnsChildNamesInUtf8ByteOrder) {
  DirectoryLayer layer;
  for (const char* name : {"b", "a", "\xc3\xa9", "Z", "a b"})
    (void)layer.createOrOpen(db(), {name});
  (void)layer.createOrOpen(db(), {"a", "inner"});
  EXPECT_EQ(layer.list(db()), (std::vector<std::string>{"Z", "a", "a b", "b", "\xc3\xa9"}));
  EXPECT_EQ(layer.list(db(), {"a"}), (std::vector<std::string>{"inner"}));
  EXPECT_TRUE(layer.list(db(), {"b"}).empty());
}

TEST_P(DirectoryTest, ListOfAMissingDirectoryFails) {
  DirectoryLayer layer;
  EXPECT_TRUE(layer.list(db()).empty());
  EXPECT_DIR_ERROR(2257, (void)layer.list(db(), {"nope"}));
}

TEST_P(DirectoryTest, RootAlwaysExists) {
  DirectoryLayer layer;
  EXPECT_TRUE(layer.exists(db()));
  EXPECT_FALSE(layer.exists(db(), {"a"}));
}

// ---- move -------------------------------------------------------------------------------------

TEST_P(DirectoryTest, MoveKeepsThePrefixAndTheContents) {
  DirectoryLayer layer;
  DirectorySubspace b = layer.createOrOpen(db(), {"a", "b"});
  (void)layer.createOrOpen(db(), {"a", "b", "kid"});
  (void)layer.createOrOpen(db(), {"c"});
  put(b.pack(Tuple{1}), "one");
  DirectorySubspace moved = layer.move(db(), {"a", "b"}, {"c", "d"});
  EXPECT_EQ(moved.key(), b.key());
  EXPECT_EQ(moved.path(), (DirectoryPath{"c", "d"}));
  EXPECT_FALSE(layer.exists(db(), {"a", "b"}));
  EXPECT_EQ(layer.open(db(), {"c", "d"}).key(), b.key());
  EXPECT_EQ(layer.list(db(), {"c", "d"}), (std::vector<std::string>{"kid"}));
  EXPECT_EQ(read(moved.pack(Tuple{1})), "one");
  EXPECT_TRUE(layer.list(db(), {"a"}).empty());
}

TEST_P(DirectoryTest, MoveErrors) {
  DirectoryLayer layer;
  (void)layer.createOrOpen(db(), {"a", "b"});
  (void)layer.createOrOpen(db(), {"c"});
  EXPECT_DIR_ERROR(2266, (void)layer.move(db(), {"a"}, {"a", "b", "x"}));
  EXPECT_DIR_ERROR(2266, (void)layer.move(db(), {"a"}, {"a"}));
  EXPECT_DIR_ERROR(2257, (void)layer.move(db(), {"nope"}, {"x"}));
  EXPECT_DIR_ERROR(2256, (void)layer.move(db(), {"a"}, {"c"}));
  EXPECT_DIR_ERROR(2258, (void)layer.move(db(), {"a"}, {"missing", "x"}));
  EXPECT_DIR_ERROR(2267, (void)layer.move(db(), {}, {"x"}));
  EXPECT_DIR_ERROR(2267, (void)layer.move(db(), {"a"}, {}));
  EXPECT_TRUE(layer.exists(db(), {"a", "b"}));
}

TEST_P(DirectoryTest, MoveToUsesAnAbsolutePath) {
  DirectoryLayer layer;
  DirectorySubspace b = layer.createOrOpen(db(), {"a", "b"});
  DirectorySubspace moved = db().run([&](Transaction& tr) { return b.moveTo(tr, {"top"}); });
  EXPECT_EQ(moved.path(), DirectoryPath{"top"});
  EXPECT_EQ(layer.open(db(), {"top"}).key(), b.key());
}

// ---- remove -----------------------------------------------------------------------------------

TEST_P(DirectoryTest, RemoveClearsTheSubtreeContentsAndMetadata) {
  DirectoryLayer layer;
  DirectorySubspace a = layer.createOrOpen(db(), {"a"});
  DirectorySubspace b = layer.createOrOpen(db(), {"a", "b"});
  DirectorySubspace keep = layer.createOrOpen(db(), {"keep"});
  put(a.pack(Tuple{1}), "x");
  put(b.pack(Tuple{2}), "y");
  put(keep.pack(Tuple{3}), "z");
  layer.remove(db(), {"a"});
  EXPECT_FALSE(layer.exists(db(), {"a"}));
  EXPECT_FALSE(layer.exists(db(), {"a", "b"}));
  EXPECT_EQ(read(a.pack(Tuple{1})), std::nullopt);
  EXPECT_EQ(read(b.pack(Tuple{2})), std::nullopt);
  EXPECT_EQ(read(keep.pack(Tuple{3})), "z");
  // No node key of a or b remains.
  for (const KeyValue& kv : dump(unhex("FE 00"), unhex("FE FF"))) {
    EXPECT_FALSE(kv.key.starts_with(unhex("FE") + Tuple{Bytes(a.key())}.pack()));
    EXPECT_FALSE(kv.key.starts_with(unhex("FE") + Tuple{Bytes(b.key())}.pack()));
  }
  EXPECT_EQ(layer.list(db()), std::vector<std::string>{"keep"});
}

TEST_P(DirectoryTest, RemoveErrorsAndRemoveIfExists) {
  DirectoryLayer layer;
  EXPECT_DIR_ERROR(2257, layer.remove(db(), {"nope"}));
  EXPECT_DIR_ERROR(2267, layer.remove(db(), {}));
  EXPECT_DIR_ERROR(2267, (void)layer.removeIfExists(db(), {}));
  EXPECT_FALSE(layer.removeIfExists(db(), {"nope"}));
  (void)layer.createOrOpen(db(), {"x"});
  EXPECT_TRUE(layer.removeIfExists(db(), {"x"}));
  EXPECT_FALSE(layer.exists(db(), {"x"}));
}

TEST_P(DirectoryTest, DirectorySubspaceRemovesItself) {
  DirectoryLayer layer;
  DirectorySubspace a = layer.createOrOpen(db(), {"a"});
  a.remove(db());
  EXPECT_FALSE(layer.exists(db(), {"a"}));
  EXPECT_FALSE(a.exists(db()));
}

// ---- relative operations ----------------------------------------------------------------------

TEST_P(DirectoryTest, DirectorySubspaceOperationsAreRelativeToIt) {
  DirectoryLayer layer;
  DirectorySubspace app = layer.createOrOpen(db(), {"app"});
  DirectorySubspace users = app.createOrOpen(db(), {"users"}, "table");
  EXPECT_EQ(users.path(), (DirectoryPath{"app", "users"}));
  EXPECT_EQ(app.open(db(), {"users"}).key(), users.key());
  EXPECT_EQ(app.list(db()), std::vector<std::string>{"users"});
  EXPECT_TRUE(app.exists(db(), {"users"}));
  db().run([&](Transaction& tr) {
    (void)app.create(tr, {"logs"});
    (void)app.move(tr, {"logs"}, {"old-logs"});
  });
  EXPECT_EQ(app.list(db()), (std::vector<std::string>{"old-logs", "users"}));
  EXPECT_TRUE(db().run([&](Transaction& tr) { return app.removeIfExists(tr, {"old-logs"}); }));
  app.remove(db(), {"users"});
  EXPECT_TRUE(app.list(db()).empty());
}

// ---- version key ------------------------------------------------------------------------------

TEST_P(DirectoryTest, NewerMajorVersionIsRefusedForEverything) {
  DirectoryLayer layer;
  (void)layer.createOrOpen(db(), {"a"});
  put(unhex("FE 01 FE 00 01 76 65 72 73 69 6F 6E 00"), bytes({2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_DIR_ERROR(2263, (void)layer.open(db(), {"a"}));
  EXPECT_DIR_ERROR(2263, (void)layer.exists(db(), {"a"}));
  EXPECT_DIR_ERROR(2263, (void)layer.list(db()));
  EXPECT_DIR_ERROR(2263, (void)layer.createOrOpen(db(), {"b"}));
  EXPECT_DIR_ERROR(2263, layer.remove(db(), {"a"}));
}

TEST_P(DirectoryTest, NewerMinorVersionIsReadOnly) {
  DirectoryLayer layer;
  DirectorySubspace a = layer.createOrOpen(db(), {"a"});
  put(unhex("FE 01 FE 00 01 76 65 72 73 69 6F 6E 00"), bytes({1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(layer.open(db(), {"a"}).key(), a.key());
  EXPECT_EQ(layer.createOrOpen(db(), {"a"}).key(), a.key());
  EXPECT_EQ(layer.list(db()), std::vector<std::string>{"a"});
  EXPECT_DIR_ERROR(2263, (void)layer.createOrOpen(db(), {"b"}));
  EXPECT_DIR_ERROR(2263, (void)layer.move(db(), {"a"}, {"b"}));
  EXPECT_DIR_ERROR(2263, layer.remove(db(), {"a"}));
}

TEST_P(DirectoryTest, MalformedVersionValueIsInvalidMetadata) {
  put(unhex("FE 01 FE 00 01 76 65 72 73 69 6F 6E 00"), "short");
  DirectoryLayer layer;
  EXPECT_DIR_ERROR(2260, (void)layer.exists(db(), {"a"}));
}

// ---- partitions -------------------------------------------------------------------------------

TEST_P(DirectoryTest, PartitionCannotBeUsedAsASubspace) {
  DirectoryLayer layer;
  DirectorySubspace part = layer.createOrOpen(db(), {"p"}, "partition");
  EXPECT_TRUE(part.isPartition());
  EXPECT_EQ(part.layer(), "partition");
  EXPECT_DIR_ERROR(2262, (void)part.key());
  EXPECT_DIR_ERROR(2262, (void)part.pack(Tuple{1}));
  EXPECT_DIR_ERROR(2262, (void)part.unpack("x"));
  EXPECT_DIR_ERROR(2262, (void)part.range());
  EXPECT_DIR_ERROR(2262, (void)part.contains("x"));
  EXPECT_DIR_ERROR(2262, (void)part.sub(Tuple{1}));
  EXPECT_DIR_ERROR(2262, (void)part[1]);
  EXPECT_DIR_ERROR(2262, (void)part.subspace());
  EXPECT_DIR_ERROR(2262, {
    const Subspace& s = part;
    (void)s;
  });
  EXPECT_DIR_ERROR(2259, DirectoryPartition(layer.createOrOpen(db(), {"plain"})));
}

TEST_P(DirectoryTest, PartitionAllocatesSubdirectoriesInsideItsPrefix) {
  DirectoryLayer layer;
  DirectoryPartition part(layer.createOrOpen(db(), {"p"}, "partition"));
  const std::string p = part.partitionLayer().contentSubspace().key();
  DirectorySubspace x = part.createOrOpen(db(), {"x", "y"});
  EXPECT_TRUE(x.key().starts_with(p));
  EXPECT_EQ(x.path(), (DirectoryPath{"p", "x", "y"}));
  // Reached through the outer layer as well.
  EXPECT_EQ(layer.open(db(), {"p", "x", "y"}).key(), x.key());
  EXPECT_EQ(layer.createOrOpen(db(), {"p", "x", "z"}).key().substr(0, p.size()), p);
  EXPECT_EQ(layer.list(db(), {"p"}), std::vector<std::string>{"x"});
  EXPECT_EQ(layer.list(db(), {"p", "x"}), (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ(part.list(db()), std::vector<std::string>{"x"});
  EXPECT_TRUE(layer.exists(db(), {"p", "x"}));
  EXPECT_FALSE(layer.exists(db(), {"p", "nope"}));
  // The outer layer's root lists only the partition.
  EXPECT_EQ(layer.list(db()), std::vector<std::string>{"p"});
}

TEST_P(DirectoryTest, ManualPrefixInsideAPartitionIsRefused) {
  DirectoryLayer layer = manualLayer();
  DirectorySubspace part = layer.createOrOpen(db(), {"p"}, "partition");
  EXPECT_DIR_ERROR(2254, (void)part.create(db(), {"x"}, "", std::string("\x01")));
  EXPECT_DIR_ERROR(2254, (void)layer.create(db(), {"p", "x"}, "", std::string("\x01")));
}

TEST_P(DirectoryTest, MovesStayInsideOnePartition) {
  DirectoryLayer layer;
  DirectorySubspace part = layer.createOrOpen(db(), {"p"}, "partition");
  DirectorySubspace a = part.createOrOpen(db(), {"a"});
  (void)layer.createOrOpen(db(), {"outside"});
  EXPECT_DIR_ERROR(2261, (void)layer.move(db(), {"p", "a"}, {"b"}));
  EXPECT_DIR_ERROR(2261, (void)layer.move(db(), {"outside"}, {"p", "b"}));
  EXPECT_DIR_ERROR(2261, (void)a.moveTo(db(), {"elsewhere"}));
  DirectorySubspace b = layer.move(db(), {"p", "a"}, {"p", "b"});
  EXPECT_EQ(b.key(), a.key());
  EXPECT_EQ(b.path(), (DirectoryPath{"p", "b"}));
  DirectorySubspace c = b.moveTo(db(), {"p", "c"});
  EXPECT_EQ(c.key(), a.key());
  EXPECT_EQ(part.list(db()), std::vector<std::string>{"c"});
  // The partition itself moves in its parent layer.
  DirectorySubspace moved = part.moveTo(db(), {"q"});
  EXPECT_TRUE(moved.isPartition());
  EXPECT_EQ(layer.open(db(), {"q", "c"}).key(), a.key());
}

TEST_P(DirectoryTest, RemovingAPartitionRemovesEverythingInside) {
  DirectoryLayer layer;
  DirectoryPartition part(layer.createOrOpen(db(), {"p"}, "partition"));
  const std::string p = part.partitionLayer().contentSubspace().key();
  DirectorySubspace x = part.createOrOpen(db(), {"x"});
  put(x.pack(Tuple{1}), "data");
  EXPECT_TRUE(db().run([&](Transaction& tr) { return part.removeIfExists(tr, {"x"}); }));
  EXPECT_EQ(read(x.pack(Tuple{1})), std::nullopt);
  (void)part.createOrOpen(db(), {"y"});
  part.remove(db());
  EXPECT_FALSE(layer.exists(db(), {"p"}));
  EXPECT_TRUE(dump(p, strinc(p)).empty());
}

// ---- concurrency ------------------------------------------------------------------------------

TEST_P(DirectoryTest, ConcurrentCreatesOfDistinctPathsGetDistinctPrefixFreePrefixes) {
  DirectoryLayer layer;
  constexpr int kThreads = 8, kPerThread = 12;
  std::vector<std::vector<std::string>> prefixes(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        prefixes[t].push_back(layer.createOrOpen(db(), {"shared", name}).key());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::string> all;
  for (auto& v : prefixes) all.insert(all.end(), v.begin(), v.end());
  all.push_back(layer.open(db(), {"shared"}).key());
  ASSERT_EQ(all.size(), size_t{kThreads * kPerThread + 1});
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i + 1 < all.size(); ++i) {
    EXPECT_FALSE(all[i + 1].starts_with(all[i])) << i;
  }
  EXPECT_EQ(layer.list(db(), {"shared"}).size(), size_t{kThreads * kPerThread});
}

TEST_P(DirectoryTest, ConcurrentCreateOrOpenOfOnePathAgreesOnOnePrefix) {
  DirectoryLayer layer;
  constexpr int kThreads = 8;
  std::vector<std::string> prefixes(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      prefixes[t] = layer.createOrOpen(db(), {"same", "path"}).key();
    });
  }
  for (auto& th : threads) th.join();
  for (const std::string& p : prefixes) EXPECT_EQ(p, prefixes[0]);
  EXPECT_EQ(layer.list(db(), {"same"}), std::vector<std::string>{"path"});
}

TEST_P(DirectoryTest, AScanOfListRangeNamesTheSubdirectoriesInListOrder) {
  DirectoryLayer layer;
  for (const char* name : {"c", "a", "b"}) (void)layer.createOrOpen(db(), {"app", name});
  (void)layer.createOrOpen(db(), {"app", "a", "deep"});
  (void)layer.createOrOpen(db(), {"part"}, "partition");
  (void)layer.createOrOpen(db(), {"part", "inner"});
  for (const DirectoryPath& path : {DirectoryPath{"app"}, DirectoryPath{"part"}, DirectoryPath{}}) {
    KeyRange range = db().read([&](Transaction& tr) { return layer.listRange(tr, path); });
    std::vector<std::string> names;
    Scan scan = Scan::open(db(), range.begin, range.end);
    while (std::optional<KeyValue> row = scan.next()) {
      names.push_back(DirectoryLayer::listedName(range, row->key));
    }
    EXPECT_EQ(names, layer.list(db(), path));
  }
  KeyRange app = db().read([&](Transaction& tr) { return layer.listRange(tr, {"app"}); });
  EXPECT_EQ(errorCodeOf([&] { (void)DirectoryLayer::listedName(app, app.end); }), 2260);
  EXPECT_EQ(errorCodeOf([&] {
              db().read([&](Transaction& tr) { return layer.listRange(tr, {"missing"}); });
            }),
            2257);
}

}  // namespace
}  // namespace strata
