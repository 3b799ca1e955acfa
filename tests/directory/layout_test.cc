// Byte compatibility with FoundationDB's directory layer (fdb-api.md section 9.1): the exact keys
// strata writes, and a tree written by hand the way the official Python binding writes it, which
// strata must open and list.
#include <gtest/gtest.h>

#include <set>

#include "directory/fixture.h"
#include "strata/tuple.h"

namespace strata {
namespace {

using testing_directory::bytes;
using testing_directory::hex;
using testing_directory::unhex;

STRATA_DIRECTORY_SUITE(DirectoryLayoutTest);

TEST_P(DirectoryLayoutTest, RootNodeIsFe01Fe00) {
  DirectoryLayer layer;
  // The layer's HCA and version key live under the root node; check through a created child.
  DirectorySubspace users = layer.createOrOpen(db(), {"users"});
  auto rows = dump(unhex("FE 01 FE 00"), unhex("FE 01 FE 01"));
  ASSERT_FALSE(rows.empty());
  for (const KeyValue& kv : rows) EXPECT_TRUE(kv.key.starts_with(unhex("FE 01 FE 00")));
}

TEST_P(DirectoryLayoutTest, FirstMutationWritesVersionOneZeroZeroAsThreeLittleEndianWords) {
  DirectoryLayer layer;
  (void)layer.createOrOpen(db(), {"users"});
  auto version = read(unhex("FE 01 FE 00 01 76 65 72 73 69 6F 6E 00"));
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(hex(*version), "01 00 00 00 00 00 00 00 00 00 00 00");
}

TEST_P(DirectoryLayoutTest, SubdirectoryEntryOfUsersHoldsTheAllocatedPrefix) {
  DirectoryLayer layer;
  DirectorySubspace users = layer.createOrOpen(db(), {"users"});
  auto entry = read(unhex("FE 01 FE 00 14 02 75 73 65 72 73 00"));
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(*entry, users.key());
  // The first window is [0, 64): the prefix is one tuple integer below 64.
  Tuple t = Tuple::unpack(users.key());
  ASSERT_EQ(t.size(), 1u);
  EXPECT_GE(t.getInt(0), 0);
  EXPECT_LT(t.getInt(0), 64);
  EXPECT_EQ(users.key(), Tuple{t.getInt(0)}.pack());
}

TEST_P(DirectoryLayoutTest, LayerKeyOfAManualPrefixDirectoryMatchesTheSpecBytes) {
  DirectoryLayerOptions options;
  options.manualPrefixes = ManualPrefixes::kAllow;
  DirectoryLayer layer(options);
  DirectorySubspace d = layer.create(db(), {"manual"}, "table", unhex("15 37"));
  EXPECT_EQ(d.key(), unhex("15 37"));
  EXPECT_EQ(read(unhex("FE 01 15 37 00 01 6C 61 79 65 72 00")), "table");
  EXPECT_EQ(read(unhex("FE 01 FE 00 14 02 6D 61 6E 75 61 6C 00")), unhex("15 37"));
}

TEST_P(DirectoryLayoutTest, LayerKeyIsWrittenEvenWhenTheLayerIsEmpty) {
  DirectoryLayer layer;
  DirectorySubspace d = layer.createOrOpen(db(), {"plain"});
  std::string layerKey =
      unhex("FE 01") + Tuple{Bytes(d.key())}.pack().substr(1) + unhex("01 6C 61 79 65 72 00");
  // node(P) = FE + pack((P,)) = FE 01 <P escaped> 00.
  std::string packed = unhex("FE") + Tuple{Bytes(d.key()), Bytes("layer")}.pack();
  EXPECT_EQ(layerKey, packed);
  EXPECT_EQ(read(layerKey), "");
}

TEST_P(DirectoryLayoutTest, AllocatorCounterAndCandidateKeysSitUnderRootHca) {
  DirectoryLayer layer;
  DirectorySubspace d = layer.createOrOpen(db(), {"users"});
  int64_t candidate = Tuple::unpack(d.key()).getInt(0);
  const std::string hca = unhex("FE 01 FE 00 01 68 63 61 00");
  // counters = HCA[0]: window start 0 -> key hca 14 14, value 1 as int64 LE.
  EXPECT_EQ(hex(read(hca + unhex("14 14")).value_or("<absent>")), "01 00 00 00 00 00 00 00");
  // recent = HCA[1]: hca 15 01 <pack(candidate)> -> "".
  EXPECT_EQ(read(hca + unhex("15 01") + Tuple{candidate}.pack()), "");
}

TEST_P(DirectoryLayoutTest, OneCreateWritesExactlyTheOfficialKeysPlusTheMetadataVersion) {
  DirectoryLayer layer;
  DirectorySubspace d = layer.createOrOpen(db(), {"users"});
  int64_t candidate = Tuple::unpack(d.key()).getInt(0);
  std::set<std::string> keys;
  for (const KeyValue& kv : dump()) keys.insert(hex(kv.key));
  const std::string root = "FE 01 FE 00";
  std::set<std::string> expected = {
      "FE",                                                            // strata's metadata version
      root + " 01 76 65 72 73 69 6F 6E 00",                            // version
      root + " 01 68 63 61 00 14 14",                                  // hca counter, window 0
      root + " 01 68 63 61 00 15 01 " + hex(Tuple{candidate}.pack()),  // hca candidate
      root + " 14 02 75 73 65 72 73 00",                               // entry "users"
      "FE " + hex(Tuple{Bytes(d.key()), Bytes("layer")}.pack()),       // layer of the new node
  };
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(read(unhex("FE"))->size(), 10u);  // a versionstamp
}

TEST_P(DirectoryLayoutTest, NestedDirectoryEntryLivesUnderItsParentsNode) {
  DirectoryLayer layer;
  DirectorySubspace b = layer.createOrOpen(db(), {"a", "b"});
  DirectorySubspace a = layer.open(db(), {"a"});
  std::string entry = unhex("FE") + Tuple{Bytes(a.key()), 0, "b"}.pack();
  EXPECT_EQ(read(entry), b.key());
}

TEST_P(DirectoryLayoutTest, PartitionUsesItsOwnNodeSubspaceAndVersionKey) {
  DirectoryLayer layer;
  DirectorySubspace part = layer.createOrOpen(db(), {"part"}, "partition");
  ASSERT_TRUE(part.isPartition());
  DirectorySubspace inner = part.createOrOpen(db(), {"x"});
  const std::string p = DirectoryPartition(part).partitionLayer().contentSubspace().key();
  EXPECT_TRUE(inner.key().starts_with(p));
  EXPECT_EQ(DirectoryPartition(part).partitionLayer().nodeSubspace().key(), p + "\xfe");
  // Inner root node = (P+FE) + pack((P+FE,)); its version key and entry for "x".
  std::string innerRoot = p + "\xfe" + Tuple{Bytes(p + "\xfe")}.pack();
  EXPECT_EQ(hex(read(innerRoot + Tuple{Bytes("version")}.pack()).value_or("")),
            "01 00 00 00 00 00 00 00 00 00 00 00");
  EXPECT_EQ(read(innerRoot + Tuple{0, "x"}.pack()), inner.key());
  EXPECT_EQ(read(unhex("FE") + Tuple{Bytes(p), Bytes("layer")}.pack()), "partition");
}

// A tree as the official Python binding writes it (version key, entries, layer keys; one node
// from the old binding without a layer key), built by hand from fdb-api.md section 9.1.
class HandBuiltTree {
 public:
  static constexpr const char* kRoot = "FE 01 FE 00";
  static void write(Transaction& tr) {
    const std::string root = unhex(kRoot);
    auto node = [](const std::string& prefix) { return unhex("FE") + Tuple{Bytes(prefix)}.pack(); };
    tr.set(root + Tuple{Bytes("version")}.pack(), bytes({1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    // /app -> 15 05, /logs -> 15 09 (no layer key: the old binding), /app/users -> 15 07
    // ("table"), /app/part -> 15 0A (a partition), /app/part/inner -> 15 0A 15 03.
    tr.set(root + Tuple{0, "app"}.pack(), unhex("15 05"));
    tr.set(node(unhex("15 05")) + Tuple{Bytes("layer")}.pack(), "");
    tr.set(root + Tuple{0, "logs"}.pack(), unhex("15 09"));
    tr.set(node(unhex("15 05")) + Tuple{0, "users"}.pack(), unhex("15 07"));
    tr.set(node(unhex("15 07")) + Tuple{Bytes("layer")}.pack(), "table");
    tr.set(node(unhex("15 05")) + Tuple{0, "part"}.pack(), unhex("15 0A"));
    tr.set(node(unhex("15 0A")) + Tuple{Bytes("layer")}.pack(), "partition");
    const std::string innerNodes = unhex("15 0A FE");
    const std::string innerRoot = innerNodes + Tuple{Bytes(innerNodes)}.pack();
    tr.set(innerRoot + Tuple{Bytes("version")}.pack(), bytes({1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    tr.set(innerRoot + Tuple{0, "inner"}.pack(), unhex("15 0A 15 03"));
    tr.set(innerNodes + Tuple{Bytes(unhex("15 0A 15 03")), Bytes("layer")}.pack(), "");
    // User data in /app/users.
    tr.set(unhex("15 07") + Tuple{42}.pack(), "alice");
  }
};

TEST_P(DirectoryLayoutTest, OpensAndListsATreeWrittenTheOfficialBindingsWay) {
  db().run([](Transaction& tr) { HandBuiltTree::write(tr); });
  DirectoryLayer layer;
  EXPECT_EQ(layer.list(db()), (std::vector<std::string>{"app", "logs"}));
  EXPECT_EQ(layer.list(db(), {"app"}), (std::vector<std::string>{"part", "users"}));

  DirectorySubspace users = layer.open(db(), {"app", "users"}, "table");
  EXPECT_EQ(users.key(), unhex("15 07"));
  EXPECT_EQ(users.layer(), "table");
  EXPECT_EQ(users.path(), (DirectoryPath{"app", "users"}));
  auto alice = db().read([&](Transaction& tr) { return tr.get(users.pack(Tuple{42})); });
  EXPECT_EQ(alice, "alice");

  DirectorySubspace logs = layer.open(db(), {"logs"});
  EXPECT_EQ(logs.key(), unhex("15 09"));
  EXPECT_EQ(logs.layer(), "");

  DirectorySubspace part = layer.open(db(), {"app", "part"});
  EXPECT_TRUE(part.isPartition());
  EXPECT_EQ(layer.list(db(), {"app", "part"}), (std::vector<std::string>{"inner"}));
  DirectorySubspace inner = layer.open(db(), {"app", "part", "inner"});
  EXPECT_EQ(inner.key(), unhex("15 0A 15 03"));
  EXPECT_EQ(inner.path(), (DirectoryPath{"app", "part", "inner"}));
  EXPECT_TRUE(layer.exists(db(), {"app", "part", "inner"}));
  EXPECT_FALSE(layer.exists(db(), {"app", "part", "nope"}));
}

TEST_P(DirectoryLayoutTest, ReadOnlyCallsOnATreeWithoutVersionKeyWriteNothing) {
  db().run([](Transaction& tr) {
    tr.set(unhex("FE 01 FE 00") + Tuple{0, "a"}.pack(), unhex("15 05"));
    tr.set(unhex("FE") + Tuple{Bytes(unhex("15 05")), Bytes("layer")}.pack(), "");
  });
  auto before = dump();
  DirectoryLayer layer;
  EXPECT_EQ(layer.open(db(), {"a"}).key(), unhex("15 05"));
  EXPECT_EQ(layer.list(db()), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(layer.exists(db(), {"a"}));
  EXPECT_EQ(dump(), before);
}

}  // namespace
}  // namespace strata
