// DocumentStore: paths, typed values, set/get/update/remove, children, indexes kept exact under
// concurrent writers, index builds, import/export. Runs on every engine kind of
// tests/support/engines.h (memory, file, etcd when STRATA_TEST_ETCD is set).
#include "strata/layers/doc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "strata/kv/scan.h"

#include "support/engines.h"

namespace strata::layers {
namespace {

using nlohmann::json;

using testsupport::errorCodeOf;

DocPath P(std::string_view text) { return DocPath::parse(text); }

std::set<std::string> pathsOf(const std::vector<IndexMatch>& matches) {
  std::set<std::string> out;
  for (const IndexMatch& m : matches) out.insert(m.path.toString());
  return out;
}

class DocTest : public testsupport::EngineTest {
 protected:
  DocumentStore store_{Subspace(Tuple{"doc-test"})};

  std::vector<IndexMatch> findIn(std::string_view index, const json& value) {
    return store_.find(db(), index, value);
  }
  void addReadyIndex(const IndexSpec& spec) {
    store_.addIndex(db(), spec);
    store_.buildIndex(db(), spec.name);
  }
  void expectIndexExact(std::string_view name) {
    IndexCheck check = db().read([&](Transaction& tr) { return store_.checkIndex(tr, name); });
    EXPECT_TRUE(check.ok()) << "missing " << check.missing.size() << " extra " << check.extra.size()
                            << (check.missing.empty() ? "" : " first missing " + check.missing[0])
                            << (check.extra.empty() ? "" : " first extra " + check.extra[0]);
  }
};

TEST(DocPathTest, ParsesMembersIndexesAndEscapes) {
  DocPath p = P("pets.fido.tags[2]");
  ASSERT_EQ(p.elements.size(), 4u);
  EXPECT_EQ(std::get<std::string>(p.elements[1]), "fido");
  EXPECT_EQ(std::get<int64_t>(p.elements[3]), 2);
  EXPECT_EQ(p.toString(), "pets.fido.tags[2]");
  DocPath q = P("[0][1].a\\.b");
  ASSERT_EQ(q.elements.size(), 3u);
  EXPECT_EQ(std::get<std::string>(q.elements[2]), "a.b");
  EXPECT_EQ(DocPath::parse(q.toString()), q);
  EXPECT_TRUE(P("").elements.empty());
}

TEST(DocPathTest, RejectsMalformedPathsWithInvalidInput) {
  for (const char* bad :
       {"a..b", ".a", "a.", "a[", "a[x]", "a[-1]", "a]", "a\\", "a.[0]", "a[0]b"}) {
    EXPECT_EQ(errorCodeOf([&] { (void)P(bad); }), 3005) << bad;
  }
}

TEST_P(DocTest, SetThenGetRoundTripsEveryJsonType) {
  json doc = json::parse(R"({"name":"fido","age":3,"weight":12.5,"good":true,"owner":null,
      "tags":["a",1,2.5,false,null,{"x":[]}],"empty":{},"big":18446744073709551615,"neg":-7})");
  store_.set(db(), P("pets.fido"), doc);
  EXPECT_EQ(store_.get(db(), P("pets.fido")), doc);
  EXPECT_EQ(store_.get(db(), P("pets.fido.tags[5].x")), json::array());
  EXPECT_EQ(store_.get(db(), P("pets")), json({{"fido", doc}}));
  EXPECT_EQ(store_.get(db(), P("pets.rex")), std::nullopt);
}

TEST_P(DocTest, NumbersStringsAndBooleansKeepTheirTypes) {
  store_.set(db(), P("v"), json::parse(R"([1, 1.0, "1", true])"));
  json back = *store_.get(db(), P("v"));
  EXPECT_TRUE(back[0].is_number_integer());
  EXPECT_TRUE(back[1].is_number_float());
  EXPECT_TRUE(back[2].is_string());
  EXPECT_TRUE(back[3].is_boolean());
}

TEST_P(DocTest, SetReplacesTheWholeSubtree) {
  store_.set(db(), P("a"), json{{"x", 1}, {"y", {{"z", 2}}}});
  store_.set(db(), P("a"), json{{"w", 3}});
  EXPECT_EQ(store_.get(db(), P("a")), json({{"w", 3}}));
  store_.set(db(), P("a"), 5);
  EXPECT_EQ(store_.get(db(), P("a")), json(5));
  EXPECT_EQ(store_.get(db(), P("a.w")), std::nullopt);
}

TEST_P(DocTest, SetCreatesMissingAncestorsAsObjectsOrArrays) {
  store_.set(db(), P("a.b[0].c"), "deep");
  EXPECT_EQ(store_.get(db(), P("")), json::parse(R"({"a":{"b":[{"c":"deep"}]}})"));
}

TEST_P(DocTest, WritesThatContradictTheTreeFailWithInvalidOperation) {
  store_.set(db(), P("s"), "scalar");
  store_.set(db(), P("arr"), json::array({1, 2}));
  store_.set(db(), P("obj"), json::object());
  EXPECT_EQ(errorCodeOf([&] { store_.set(db(), P("s.x"), 1); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { store_.set(db(), P("arr.x"), 1); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { store_.set(db(), P("obj[0]"), 1); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { store_.set(db(), P("arr[3]"), 1); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { store_.set(db(), P("new[1]"), 1); }), 2000);
  store_.set(db(), P("arr[2]"), 3);  // index == length appends
  EXPECT_EQ(store_.get(db(), P("arr")), json::array({1, 2, 3}));
  EXPECT_EQ(store_.get(db(), P("s")), json("scalar"));
}

TEST_P(DocTest, NegativeIndexInACodeBuiltPathIsInvalidInput) {
  DocPath p{{std::string("a"), int64_t{-1}}};
  EXPECT_EQ(errorCodeOf([&] { store_.set(db(), p, 1); }), 3005);
}

TEST_P(DocTest, BinaryJsonValuesAreRejected) {
  json bin = json::binary({1, 2, 3});
  EXPECT_EQ(errorCodeOf([&] { store_.set(db(), P("b"), bin); }), 3005);
}

TEST_P(DocTest, UpdateDeepMergesAndNullDeletesAMember) {
  store_.set(db(), P("u"), json::parse(R"({"a":1,"b":{"c":2,"d":3},"e":[1,2]})"));
  store_.update(db(), P("u"),
                json::parse(R"({"b":{"c":20,"f":{"g":null,"h":4}},"e":[9],"a":null})"));
  EXPECT_EQ(store_.get(db(), P("u")), json::parse(R"({"b":{"c":20,"d":3,"f":{"h":4}},"e":[9]})"));
  store_.update(db(), P("u.b"), 7);
  EXPECT_EQ(store_.get(db(), P("u.b")), json(7));
  store_.update(db(), P("fresh"), json::parse(R"({"x":{"y":null,"z":1}})"));
  EXPECT_EQ(store_.get(db(), P("fresh")), json::parse(R"({"x":{"z":1}})"));
}

TEST_P(DocTest, RemoveDeletesTheSubtreeAndReportsAbsence) {
  store_.set(db(), P("r"), json::parse(R"({"a":{"b":1},"c":2,"l":[1,2,3]})"));
  EXPECT_TRUE(store_.remove(db(), P("r.a")));
  EXPECT_FALSE(store_.remove(db(), P("r.a")));
  EXPECT_FALSE(store_.remove(db(), P("r.nothing.here")));
  EXPECT_TRUE(store_.remove(db(), P("r.l[1]")));
  EXPECT_EQ(store_.get(db(), P("r")), json::parse(R"({"c":2,"l":[1,null,3]})"));
  EXPECT_TRUE(store_.remove(db(), P("")));
  EXPECT_EQ(store_.get(db(), P("")), std::nullopt);
}

TEST_P(DocTest, ListChildrenReturnsEachChildOnceWithItsKind) {
  store_.set(db(), P("pets"),
             json::parse(R"({"a":{"x":{"y":[1,2,3]}},"b":[1],"c":3,"d":{"deep":{"deeper":1}}})"));
  std::vector<DocChild> kids = store_.listChildren(db(), P("pets"));
  ASSERT_EQ(kids.size(), 4u);
  EXPECT_EQ(std::get<std::string>(kids[0].name), "a");
  EXPECT_EQ(kids[0].kind, NodeKind::kObject);
  EXPECT_EQ(kids[1].kind, NodeKind::kArray);
  EXPECT_EQ(kids[2].kind, NodeKind::kScalar);
  std::vector<DocChild> page = db().read([&](Transaction& tr) {
    return store_.listChildren(tr, P("pets"), 2, DocPath::Element{std::string("a")});
  });
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(std::get<std::string>(page[0].name), "b");
  EXPECT_EQ(std::get<std::string>(page[1].name), "c");
  std::vector<DocChild> items = store_.listChildren(db(), P("pets.a.x.y"));
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(std::get<int64_t>(items[2].name), 2);
  EXPECT_TRUE(store_.listChildren(db(), P("pets.c")).empty());
}

TEST_P(DocTest, StoresInDifferentSubspacesAreIndependent) {
  DocumentStore other{Subspace(Tuple{"doc-test-other"})};
  store_.set(db(), P("k"), 1);
  other.set(db(), P("k"), 2);
  EXPECT_EQ(store_.get(db(), P("k")), json(1));
  EXPECT_EQ(other.get(db(), P("k")), json(2));
}

TEST_P(DocTest, ValueIndexFollowsSetsUpdatesAndRemoves) {
  addReadyIndex({"species", "pets.?.species", IndexKind::kValue});
  store_.set(db(), P("pets.fido"), json{{"species", "dog"}});
  store_.set(db(), P("pets.tom"), json{{"species", "cat"}});
  store_.set(db(), P("pets.rex.species"), "dog");
  EXPECT_EQ(pathsOf(findIn("species", "dog")),
            (std::set<std::string>{"pets.fido.species", "pets.rex.species"}));
  std::vector<IndexMatch> cats = findIn("species", "cat");
  ASSERT_EQ(cats.size(), 1u);
  EXPECT_EQ(cats[0].document.toString(), "pets.tom");
  EXPECT_EQ(cats[0].value, json("cat"));

  store_.update(db(), P("pets.fido"), json{{"species", "cat"}});
  EXPECT_EQ(pathsOf(findIn("species", "dog")), (std::set<std::string>{"pets.rex.species"}));
  store_.set(db(), P("pets.rex"), json{{"species", json{{"nested", true}}}});
  EXPECT_TRUE(findIn("species", "dog").empty());
  store_.remove(db(), P("pets"));
  EXPECT_TRUE(findIn("species", "cat").empty());
  expectIndexExact("species");
}

TEST_P(DocTest, RangeAndPrefixQueriesOrderNumbersTogether) {
  addReadyIndex({"age", "people.?.age", IndexKind::kValue});
  addReadyIndex({"name", "people.?.name", IndexKind::kValue});
  store_.set(db(), P("people"), json::parse(R"({"ann":{"age":30,"name":"ann"},
      "bob":{"age":41.5,"name":"bob"},"cy":{"age":25,"name":"anna"},"dee":{"age":50,"name":"b"}})"));
  std::vector<IndexMatch> mid =
      db().read([&](Transaction& tr) { return store_.findRange(tr, "age", 26, 50); });
  ASSERT_EQ(mid.size(), 2u);
  EXPECT_EQ(mid[0].document.toString(), "people.ann");
  EXPECT_EQ(mid[0].value, json(30));
  EXPECT_EQ(mid[1].value, json(41.5));
  std::vector<IndexMatch> open =
      db().read([&](Transaction& tr) { return store_.findRange(tr, "age", nullptr, 30); });
  EXPECT_EQ(pathsOf(open), (std::set<std::string>{"people.cy.age"}));
  EXPECT_EQ(findIn("age", 30.0).size(), 1u);
  std::vector<IndexMatch> an =
      db().read([&](Transaction& tr) { return store_.findPrefix(tr, "name", "an"); });
  EXPECT_EQ(pathsOf(an), (std::set<std::string>{"people.ann.name", "people.cy.name"}));
  std::vector<IndexMatch> limited = store_.find(db(), "name", "b", 1);
  EXPECT_EQ(limited.size(), 1u);
}

TEST_P(DocTest, ExistsIndexTracksNodesOfEveryKind) {
  addReadyIndex({"has-owner", "pets.?.owner", IndexKind::kExists});
  store_.set(db(), P("pets.a.owner"), json{{"name", "x"}});
  store_.set(db(), P("pets.b.owner"), nullptr);
  store_.set(db(), P("pets.c.species"), "cat");
  EXPECT_EQ(pathsOf(findIn("has-owner", nullptr)),
            (std::set<std::string>{"pets.a.owner", "pets.b.owner"}));
  store_.remove(db(), P("pets.a"));
  EXPECT_EQ(pathsOf(findIn("has-owner", nullptr)), (std::set<std::string>{"pets.b.owner"}));
  EXPECT_EQ(errorCodeOf([&] { (void)findIn("has-owner", "x"); }), 2000);
  expectIndexExact("has-owner");
}

TEST_P(DocTest, BuildingIndexesExistingDataInResumableBatches) {
  for (int i = 0; i < 50; ++i) {
    store_.set(db(), P("items.i" + std::to_string(i)),
               json{{"color", i % 3 == 0 ? "red" : "blue"}});
  }
  ASSERT_TRUE(store_.addIndex(db(), {"color", "items.?.color", IndexKind::kValue}));
  EXPECT_EQ(errorCodeOf([&] { (void)findIn("color", "red"); }), 2000);  // still building
  bool ready = db().run([&](Transaction& tr) { return store_.buildIndexStep(tr, "color", 7); });
  EXPECT_FALSE(ready);
  store_.set(db(), P("items.new.color"), "red");  // maintained while building
  store_.remove(db(), P("items.i0"));
  int64_t batches = 0;
  store_.buildIndex(db(), "color", 7, [&](int64_t b) { batches = b; });
  EXPECT_GT(batches, 1);
  EXPECT_EQ(findIn("color", "red").size(), 17u);  // i3..i48 step 3 (16) + new
  expectIndexExact("color");
}

TEST_P(DocTest, IndexDefinitionsAreIdempotentAndNamesAreStable) {
  IndexSpec a{"a", "x.?.v", IndexKind::kValue};
  IndexSpec b{"b", "x.?.w", IndexKind::kValue};
  EXPECT_TRUE(store_.addIndex(db(), b));
  EXPECT_TRUE(store_.addIndex(db(), a));
  EXPECT_FALSE(store_.addIndex(db(), a));
  EXPECT_EQ(errorCodeOf([&] { store_.addIndex(db(), {"a", "other", IndexKind::kValue}); }), 2000);
  store_.buildIndex(db(), "a");
  store_.buildIndex(db(), "b");
  store_.set(db(), P("x.1"), json{{"v", 1}, {"w", 2}});
  EXPECT_EQ(findIn("a", 1).size(), 1u);
  EXPECT_EQ(findIn("b", 2).size(), 1u);
  EXPECT_TRUE(store_.dropIndex(db(), "a"));
  EXPECT_FALSE(store_.dropIndex(db(), "a"));
  EXPECT_EQ(errorCodeOf([&] { (void)findIn("a", 1); }), 2000);
  EXPECT_EQ(findIn("b", 2).size(), 1u);
  std::vector<IndexInfo> infos = db().read([&](Transaction& tr) { return store_.listIndexes(tr); });
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].spec, b);
  EXPECT_EQ(infos[0].state, IndexState::kReady);
  // Re-adding "a" starts from an empty index, not the dropped one's entries.
  store_.addIndex(db(), a);
  store_.buildIndex(db(), "a");
  expectIndexExact("a");
}

TEST_P(DocTest, BadIndexRequestsFailWithTheRightCodes) {
  EXPECT_EQ(errorCodeOf([&] { store_.addIndex(db(), {"", "a", IndexKind::kValue}); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { store_.addIndex(db(), {"n", "a..b", IndexKind::kValue}); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { store_.addIndex(db(), {"n", "", IndexKind::kValue}); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { (void)findIn("nope", 1); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { store_.buildIndex(db(), "nope"); }), 2000);
  addReadyIndex({"v", "a.?", IndexKind::kValue});
  EXPECT_EQ(errorCodeOf([&] { (void)findIn("v", json::array()); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { (void)findIn("v", json::object()); }), 3005);
}

TEST_P(DocTest, WildcardIndexOverArraysAndLiteralQuestionMark) {
  addReadyIndex({"totals", "orders[?].total", IndexKind::kValue});
  addReadyIndex({"q", "odd.\\?", IndexKind::kValue});
  store_.set(db(), P("orders"), json::parse(R"([{"total":5},{"total":7},{"total":5}])"));
  store_.set(db(), P("odd"), json{{"?", 1}, {"x", 1}});
  EXPECT_EQ(pathsOf(findIn("totals", 5)),
            (std::set<std::string>{"orders[0].total", "orders[2].total"}));
  EXPECT_EQ(pathsOf(findIn("q", 1)), (std::set<std::string>{"odd.\\?"}));
}

TEST_P(DocTest, IndexesStayExactUnderConcurrentRandomWriters) {
  addReadyIndex({"species", "pets.?.species", IndexKind::kValue});
  addReadyIndex({"owned", "pets.?.owner", IndexKind::kExists});
  const char* species[] = {"dog", "cat", "eel"};
  std::atomic<bool> failed{false};
  // etcd: 50 writes per writer (each is several cluster round trips; 4 writers on 12 documents
  // still race on the same documents and index entries, which is what this checks).
  const int writes = kind() == "etcd" ? 50 : 150;
  auto writer = [&](int seed) {
    std::mt19937 rng(seed);
    try {
      for (int i = 0; i < writes; ++i) {
        DocPath pet = P("pets.p" + std::to_string(rng() % 12));
        switch (rng() % 5) {
          case 0:
            store_.set(db(), pet, json{{"species", species[rng() % 3]}, {"owner", "x"}});
            break;
          case 1:
            store_.update(db(), pet, json{{"species", species[rng() % 3]}, {"owner", nullptr}});
            break;
          case 2:
            store_.remove(db(), pet);
            break;
          case 3:
            store_.set(db(), pet.child(std::string("species")), species[rng() % 3]);
            break;
          default:
            store_.remove(db(), P("pets"));
            break;
        }
      }
    } catch (const Error&) {
      failed = true;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(writer, t + 1);
  // An index defined and built while the writers run must end up exact too.
  store_.addIndex(db(), {"late", "pets.?.species", IndexKind::kValue});
  store_.buildIndex(db(), "late", 3);
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(failed);
  expectIndexExact("species");
  expectIndexExact("owned");
  expectIndexExact("late");
}

TEST_P(DocTest, JsonLinesImportAndExportRoundTrip) {
  std::stringstream in;
  for (int i = 0; i < 30; ++i) {
    in << json{{"path", "d" + std::to_string(i)}, {"value", {{"n", i}, {"tags", {"a"}}}}}.dump()
       << "\n";
  }
  in << "\n";
  ImportOptions options;
  options.batchBytes = 200;
  std::vector<int64_t> progress;
  options.progress = [&](int64_t n) { progress.push_back(n); };
  EXPECT_EQ(store_.importJson(db(), P("docs"), in, options), 30);
  EXPECT_GT(progress.size(), 1u);
  EXPECT_EQ(progress.back(), 30);
  EXPECT_EQ(store_.get(db(), P("docs.d7")), json::parse(R"({"n":7,"tags":["a"]})"));

  std::stringstream lines;
  EXPECT_EQ(store_.exportJson(db(), P("docs"), lines, JsonFormat::kJsonLines), 30);
  DocumentStore copy{Subspace(Tuple{"doc-test-copy"})};
  EXPECT_EQ(copy.importJson(db(), P("docs"), lines), 30);
  EXPECT_EQ(copy.get(db(), P("docs")), store_.get(db(), P("docs")));
}

TEST_P(DocTest, JsonImportAndExportRoundTripWithArrayHoles) {
  std::stringstream in(R"({"a":{"x":[1,2,3]},"b":"text","c":[]})");
  ImportOptions options;
  options.format = JsonFormat::kJson;
  EXPECT_EQ(store_.importJson(db(), P(""), in, options), 3);
  store_.remove(db(), P("a.x[1]"));
  std::stringstream out;
  store_.exportJson(db(), P(""), out);
  EXPECT_EQ(json::parse(out.str()), json::parse(R"({"a":{"x":[1,null,3]},"b":"text","c":[]})"));
  std::stringstream scalar;
  store_.exportJson(db(), P("b"), scalar);
  EXPECT_EQ(scalar.str(), "\"text\"\n");
  std::stringstream none;
  EXPECT_EQ(errorCodeOf([&] { store_.exportJson(db(), P("zzz"), none); }), 2000);
}

TEST_P(DocTest, AnImportBatchPastTheTransactionLimitIsSplit) {
  if (GetParam() != "memory") GTEST_SKIP() << "the split logic is engine-independent";
  std::string text;
  std::string filler(1000, 'x');
  for (int i = 0; i < 12'000; ++i) {
    text += json{{"path", "d" + std::to_string(i)}, {"value", filler}}.dump() + "\n";
  }
  std::istringstream in(text);
  ImportOptions options;
  options.batchBytes = int64_t{1} << 40;  // one batch of ~12 MB: too large for one commit
  EXPECT_EQ(store_.importJson(db(), P("big"), in, options), 12'000);
  EXPECT_EQ(store_.get(db(), P("big.d11999")), json(filler));
}

TEST_P(DocTest, MalformedImportsFailWithInvalidInput) {
  std::stringstream bad("{\"path\":\"a\",\"value\":1}\n{not json\n");
  EXPECT_EQ(errorCodeOf([&] { store_.importJson(db(), P(""), bad); }), 3005);
  std::stringstream noPath("{\"value\":1}\n");
  EXPECT_EQ(errorCodeOf([&] { store_.importJson(db(), P(""), noPath); }), 3005);
  std::stringstream scalar("42");
  ImportOptions options;
  options.format = JsonFormat::kJson;
  EXPECT_EQ(errorCodeOf([&] { store_.importJson(db(), P(""), scalar, options); }), 3005);
}

TEST_P(DocTest, ARetriedSetAfterAnUnknownResultLeavesTheSameTreeAndIndex) {
  addReadyIndex({"species", "pets.?.species", IndexKind::kValue});
  json doc{{"species", "dog"}};
  store_.set(db(), P("pets.fido"), doc);
  store_.set(db(), P("pets.fido"), doc);  // what a 1021 retry does
  store_.update(db(), P("pets.fido"), json{{"age", 2}});
  store_.update(db(), P("pets.fido"), json{{"age", 2}});
  EXPECT_EQ(store_.get(db(), P("pets.fido")), json({{"species", "dog"}, {"age", 2}}));
  EXPECT_EQ(findIn("species", "dog").size(), 1u);
  expectIndexExact("species");
}

STRATA_ENGINE_SUITE(DocTest);

TEST_P(DocTest, ChildrenRangeRowsNameEachChildOnceAndListFindMatchesFind) {
  store_.set(db(), P("pets"),
             json::parse(R"({"a":{"s":"dog","t":[1,2]},"b":"x","c":[{"s":"cat"}]})"));
  KeyRange range = store_.childrenRange(P("pets"));
  std::vector<std::string> names;
  Scan scan = Scan::open(db(), range.begin, range.end);
  while (std::optional<KeyValue> row = scan.next()) {
    if (std::optional<DocChild> c = store_.childOfRow(P("pets"), *row)) {
      names.push_back(DocPath{{c->name}}.toString());
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(errorCodeOf([&] {
              (void)store_.childOfRow(P("pets.a"), KeyValue{range.end, ""});
            }),
            3005);

  addReadyIndex(IndexSpec{"species", "pets.?.s", IndexKind::kValue});
  DocumentStore::IndexListing listing =
      db().read([&](Transaction& tr) { return store_.listFindPrefix(tr, "species", ""); });
  std::vector<std::string> paths;
  Scan entries = Scan::open(db(), listing.range.begin, listing.range.end);
  while (std::optional<KeyValue> row = entries.next()) {
    paths.push_back(listing.match(row->key).path.toString());
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"pets.a.s"}));
  EXPECT_EQ(errorCodeOf([&] {
              db().read([&](Transaction& tr) { return store_.listFind(tr, "missing", "dog"); });
            }),
            2000);
}

}  // namespace
}  // namespace strata::layers
