// DocumentStore plugins: dispatch order, atomicity, backfill, the required-plugin check, removal,
// plugins' own document writes, the change feed (also under concurrent writers) and the
// validator. Every engine (tests/support/engines.h).
#include "strata/layers/doc_plugin.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/engines.h"

namespace strata::layers {
namespace {

using nlohmann::json;

using testsupport::errorCodeOf;

std::string errorMessageOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

DocPath P(std::string_view text) { return DocPath::parse(text); }

// A plugin built from lambdas, for the tests.
class TestPlugin : public DocPlugin {
 public:
  using Hook = std::function<void(const DocPluginContext&, const DocChange&)>;
  TestPlugin(std::string name, std::string pattern, int priority, Hook hook,
             PluginScope scope = PluginScope::kNodes)
      : name_(std::move(name)),
        pattern_(std::move(pattern)),
        priority_(priority),
        scope_(scope),
        hook_(std::move(hook)) {}
  std::string name() const override { return name_; }
  std::string pattern() const override { return pattern_; }
  int priority() const override { return priority_; }
  PluginScope scope() const override { return scope_; }
  void onChange(const DocPluginContext& context, const DocChange& change) const override {
    hook_(context, change);
  }

 private:
  std::string name_, pattern_;
  int priority_;
  PluginScope scope_;
  Hook hook_;
};

std::string int64Le(int64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  return out;
}

int64_t fromLe(const std::optional<std::string>& bytes) {
  if (!bytes) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes->size(); ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>((*bytes)[i])) << (8 * i);
  }
  return static_cast<int64_t>(v);
}

// The user-written plugin of the issue: pets per city, kept with atomic ADD from old vs new.
class CityCount : public DocPlugin {
 public:
  std::string name() const override { return "city-count"; }
  std::string pattern() const override { return "pets.?.city"; }
  void onChange(const DocPluginContext& context, const DocChange& change) const override {
    if (change.oldValue && change.oldValue->is_string()) add(context, *change.oldValue, -1);
    if (change.newValue && change.newValue->is_string()) add(context, *change.newValue, 1);
  }
  static int64_t count(Transaction& tr, const DocumentStore& store, std::string_view city) {
    return fromLe(tr.get(store.pluginSubspace("city-count").pack(Tuple{city})));
  }

 private:
  static void add(const DocPluginContext& context, const json& city, int64_t delta) {
    context.transaction().atomicOp(MutationType::kAdd,
                                   context.subspace().pack(Tuple{city.get<std::string>()}),
                                   int64Le(delta));
  }
};

class DocPluginTest : public testsupport::EngineTest {
 protected:
  const Subspace space_{Tuple{"doc-plugin-test"}};
  DocumentStore plain_{space_};

  int64_t cityCount(const DocumentStore& store, std::string_view city) {
    return db().read([&](Transaction& tr) { return CityCount::count(tr, store, city); });
  }
  std::map<std::string, int64_t> trueCityCounts(const DocumentStore& store) {
    std::map<std::string, int64_t> out;
    std::optional<json> pets = store.get(db(), P("pets"));
    if (!pets) return out;
    for (const auto& [name, pet] : pets->items()) {
      if (pet.is_object() && pet.contains("city") && pet["city"].is_string()) {
        ++out[pet["city"].get<std::string>()];
      }
    }
    return out;
  }
};

TEST_P(DocPluginTest, PluginsRunInPriorityThenNameOrderNeverRegistrationOrder) {
  auto log = std::make_shared<std::vector<std::string>>();
  auto recorder = [log](std::string name, int priority) {
    return std::make_shared<TestPlugin>(
        name, "a", priority,
        [log, name](const DocPluginContext&, const DocChange&) { log->push_back(name); });
  };
  DocumentStore store(space_, {recorder("b", 5), recorder("zz", -1), recorder("a", 5)});
  for (const char* name : {"a", "b", "zz"}) store.addPlugin(db(), name);
  store.set(db(), P("a"), 1);
  EXPECT_EQ(*log, (std::vector<std::string>{"zz", "a", "b"}));
  std::vector<PluginInfo> infos = db().read([&](Transaction& tr) { return store.listPlugins(tr); });
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_EQ(infos[0].name, "zz");
  EXPECT_EQ(infos[1].name, "a");
  EXPECT_EQ(infos[2].kind, "external");
  EXPECT_TRUE(infos[2].registered);
  // The same plugins registered in another order dispatch identically.
  log->clear();
  DocumentStore reordered(space_, {recorder("a", 5), recorder("b", 5), recorder("zz", -1)});
  reordered.set(db(), P("a"), 2);
  EXPECT_EQ(*log, (std::vector<std::string>{"zz", "a", "b"}));
}

TEST_P(DocPluginTest, HooksSeeOldAndNewValuesAndTheRemovedSubtree) {
  auto changes = std::make_shared<std::vector<DocChange>>();
  DocumentStore store(
      space_, {std::make_shared<TestPlugin>(
                  "watch", "pets.?", 0,
                  [changes](const DocPluginContext&, const DocChange& c) { changes->push_back(c); },
                  PluginScope::kSubtrees)});
  store.addPlugin(db(), "watch");
  store.set(db(), P("pets.rex"), json{{"age", 3}});
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].op, ChangeOp::kSet);
  EXPECT_EQ((*changes)[0].path.toString(), "pets.rex");
  EXPECT_EQ((*changes)[0].newValue, json::object());
  EXPECT_EQ((*changes)[1].path.toString(), "pets.rex.age");
  changes->clear();
  store.set(db(), P("pets.rex.age"), 4);
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].op, ChangeOp::kUpdate);
  EXPECT_EQ((*changes)[0].oldValue, json(3));
  EXPECT_EQ((*changes)[0].newValue, json(4));
  changes->clear();
  store.set(db(), P("pets.rex.age"), 4);  // unchanged: no change
  EXPECT_TRUE(changes->empty());
  store.remove(db(), P("pets.rex"));
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].op, ChangeOp::kRemove);
  EXPECT_EQ((*changes)[0].removed, json({{"age", 4}}));
  EXPECT_EQ((*changes)[1].removed, json(4));
  EXPECT_FALSE((*changes)[1].newValue.has_value());
  changes->clear();
  store.set(db(), P("other"), 1);  // outside the pattern
  EXPECT_TRUE(changes->empty());
}

TEST_P(DocPluginTest, AUserPluginKeepsPerCityCountsWithAtomicAdd) {
  DocumentStore store(space_, {std::make_shared<CityCount>()});
  EXPECT_TRUE(store.addPlugin(db(), "city-count"));
  EXPECT_FALSE(store.addPlugin(db(), "city-count"));
  store.backfill(db(), "city-count");
  store.set(db(), P("pets"), json::parse(R"({"rex":{"city":"oslo"},"tom":{"city":"rome"},
      "kit":{"city":"oslo"},"eel":{"city":3}})"));
  EXPECT_EQ(cityCount(store, "oslo"), 2);
  store.update(db(), P("pets.kit"), json{{"city", "rome"}});
  store.remove(db(), P("pets.tom"));
  store.set(db(), P("pets.rex"), json{{"city", "oslo"}, {"age", 2}});  // same city: no change
  EXPECT_EQ(cityCount(store, "oslo"), 1);
  EXPECT_EQ(cityCount(store, "rome"), 1);
  EXPECT_EQ(trueCityCounts(store), (std::map<std::string, int64_t>{{"oslo", 1}, {"rome", 1}}));
}

TEST_P(DocPluginTest, AFailingPluginAbortsTheDocumentWriteAndEveryPluginWrite) {
  auto boom = std::make_shared<TestPlugin>(
      "boom", "pets.?.city", 10, [](const DocPluginContext&, const DocChange& c) {
        if (c.newValue == json("atlantis")) {
          throwError(ErrorCode::client_invalid_operation, "no such city");
        }
      });
  DocumentStore store(space_, {std::make_shared<CityCount>(), boom});
  store.addPlugin(db(), "city-count");
  store.addPlugin(db(), "boom");
  store.addIndex(db(), {"by-city", "pets.?.city", IndexKind::kValue});
  store.buildIndex(db(), "by-city");
  store.set(db(), P("pets.rex"), json{{"city", "oslo"}});
  EXPECT_EQ(errorCodeOf([&] {
              store.set(db(), P("pets"),
                        json{{"tom", {{"city", "oslo"}}}, {"ann", {{"city", "atlantis"}}}});
            }),
            2000);
  EXPECT_EQ(store.get(db(), P("pets")), json({{"rex", {{"city", "oslo"}}}}));
  EXPECT_EQ(cityCount(store, "oslo"), 1);  // city-count ran before boom; its ADDs were lost too
  EXPECT_EQ(cityCount(store, "atlantis"), 0);
  EXPECT_EQ(store.find(db(), "by-city", "oslo").size(), 1u);
  EXPECT_TRUE(store.find(db(), "by-city", "atlantis").empty());
}

TEST_P(DocPluginTest, BackfillCoversExistingDataInResumableBatchesAndCountsEachNodeOnce) {
  for (int i = 0; i < 40; ++i) {
    plain_.set(db(), P("pets.p" + std::to_string(100 + i)),
               json{{"city", i % 3 == 0 ? "oslo" : "rome"}});
  }
  plain_.set(db(), P("cities.oslo"), "not a pet");  // outside the pattern's prefix
  DocumentStore store(space_, {std::make_shared<CityCount>()});
  store.addPlugin(db(), "city-count");
  EXPECT_FALSE(db().run([&](Transaction& tr) { return store.backfillStep(tr, "city-count", 9); }));
  // Writes during the backfill: before the cursor (counted by the write), after it (left to the
  // backfill), and new nodes on both sides.
  store.set(db(), P("pets.p100.city"), "rome");
  store.set(db(), P("pets.p138.city"), "oslo");
  store.remove(db(), P("pets.p139"));
  store.remove(db(), P("pets.p101"));
  store.set(db(), P("pets.a"), json{{"city", "rome"}});
  store.set(db(), P("pets.z"), json{{"city", "oslo"}});
  std::vector<int64_t> progress;
  store.backfill(db(), "city-count", 9, [&](int64_t batches) { progress.push_back(batches); });
  EXPECT_GT(progress.size(), 2u);
  std::map<std::string, int64_t> truth = trueCityCounts(store);
  EXPECT_EQ(cityCount(store, "oslo"), truth["oslo"]);
  EXPECT_EQ(cityCount(store, "rome"), truth["rome"]);
  EXPECT_EQ(truth["oslo"] + truth["rome"], 40);
  std::vector<PluginInfo> infos = db().read([&](Transaction& tr) { return store.listPlugins(tr); });
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].state, IndexState::kReady);
}

TEST_P(DocPluginTest, AWriterWithoutARequiredPluginGetsAClearError) {
  DocumentStore with(space_, {std::make_shared<CityCount>()});
  with.addPlugin(db(), "city-count");
  with.set(db(), P("pets.rex.city"), "oslo");
  // Another process: a second handle on the same database, a store without the plugin.
  Database other = scratch().open();
  DocumentStore without(space_);
  std::string message = errorMessageOf([&] { without.set(other, P("pets.tom.city"), "oslo"); });
  EXPECT_NE(message.find("city-count"), std::string::npos) << message;
  EXPECT_EQ(errorCodeOf([&] { without.set(other, P("pets.tom.city"), "oslo"); }), 3011);
  EXPECT_EQ(errorCodeOf([&] { without.remove(other, P("pets.rex")); }), 3011);
  EXPECT_EQ(without.get(other, P("pets.rex.city")), json("oslo"));  // reads need no plugin
  // A registered plugin that contradicts its record is refused too.
  auto moved = std::make_shared<TestPlugin>("city-count", "pets.?.town", 0,
                                            [](const DocPluginContext&, const DocChange&) {});
  DocumentStore contradicting(space_, {moved});
  EXPECT_EQ(errorCodeOf([&] { contradicting.set(other, P("x"), 1); }), 2000);
  EXPECT_EQ(cityCount(with, "oslo"), 1);
}

TEST_P(DocPluginTest, RemovingAPluginCleansUpWhatItOwned) {
  auto removed = std::make_shared<std::atomic<int>>(0);
  class Owning : public CityCount {
   public:
    explicit Owning(std::shared_ptr<std::atomic<int>> removed) : removed_(std::move(removed)) {}
    void onRemove(const DocPluginContext& context) const override {
      ++*removed_;
      EXPECT_EQ(errorCodeOf([&] { context.set(P("x"), 1); }), 2000);
      context.transaction().clear(context.store().subspace().pack(Tuple{"outside", "mark"}));
    }

   private:
    std::shared_ptr<std::atomic<int>> removed_;
  };
  DocumentStore store(space_, {std::make_shared<Owning>(removed)});
  store.addPlugin(db(), "city-count");
  store.set(db(), P("pets.rex.city"), "oslo");
  db().run([&](Transaction& tr) { tr.set(space_.pack(Tuple{"outside", "mark"}), "1"); });
  EXPECT_EQ(cityCount(store, "oslo"), 1);
  EXPECT_TRUE(store.removePlugin(db(), "city-count"));
  EXPECT_FALSE(store.removePlugin(db(), "city-count"));
  EXPECT_EQ(removed->load(), 1);
  KeyRange own = store.pluginSubspace("city-count").range();
  EXPECT_TRUE(
      db().read([&](Transaction& tr) { return tr.getRangeAll(own.begin, own.end); }).empty());
  EXPECT_FALSE(db().read([&](Transaction& tr) {
    return tr.get(space_.pack(Tuple{"outside", "mark"}));
  }));
  // Without the record, writers no longer need the plugin.
  plain_.set(db(), P("pets.tom.city"), "rome");
}

TEST_P(DocPluginTest, APluginsDocumentWritesReachOnlyTheLaterPlugins) {
  auto seen = std::make_shared<std::map<std::string, std::vector<std::string>>>();
  auto observer = [seen](std::string name, int priority) {
    return std::make_shared<TestPlugin>(
        name, "", priority,
        [seen, name](const DocPluginContext&, const DocChange& c) {
          (*seen)[name].push_back(c.path.toString());
        },
        PluginScope::kSubtrees);
  };
  // "mirror" copies each pet's name under names.<pet>, and also writes under its own pattern
  // (pets.?.name): that write is not dispatched back to it, so nothing recurses.
  auto mirror = std::make_shared<TestPlugin>(
      "mirror", "pets.?.name", 0, [](const DocPluginContext& context, const DocChange& c) {
        if (!c.newValue) return;
        context.set(DocPath{{std::string("names"), c.path.elements[1]}}, *c.newValue);
        context.set(DocPath{{std::string("pets"), std::string("copy"), std::string("name")}},
                    *c.newValue);
      });
  DocumentStore store(space_, {observer("early", -5), mirror, observer("late", 5)});
  for (const char* n : {"early", "mirror", "late"}) store.addPlugin(db(), n);
  store.set(db(), P("pets.rex.name"), "Rex");
  EXPECT_EQ(store.get(db(), P("names.rex")), json("Rex"));
  EXPECT_EQ(store.get(db(), P("pets.copy.name")), json("Rex"));
  std::set<std::string> late((*seen)["late"].begin(), (*seen)["late"].end());
  std::set<std::string> early((*seen)["early"].begin(), (*seen)["early"].end());
  EXPECT_TRUE(late.count("names.rex"));
  EXPECT_TRUE(late.count("pets.copy.name"));
  EXPECT_FALSE(early.count("names.rex"));
  EXPECT_TRUE(early.count("pets.rex.name"));
}

TEST_P(DocPluginTest, ChangeFeedLogsChangesOldestFirstWithContinuationAndTrimming) {
  EXPECT_TRUE(plain_.addChangeFeed(db(), "pets-feed", "pets"));
  EXPECT_FALSE(plain_.addChangeFeed(db(), "pets-feed", "pets"));
  DocChangeFeed feed(plain_, "pets-feed");
  plain_.set(db(), P("pets.rex"), json{{"age", 3}});
  plain_.set(db(), P("other"), 1);
  plain_.update(db(), P("pets.rex"), json{{"age", 4}});
  plain_.remove(db(), P("pets.rex"));
  ChangePage all = db().read([&](Transaction& tr) { return feed.read(tr, ""); });
  std::vector<std::string> seen;
  for (const ChangeEntry& c : all.changes) {
    seen.push_back(std::string(changeOpName(c.op)) + " " + c.path.toString() + " " +
                   c.value.dump());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"set pets {}", "set pets.rex {}", "set pets.rex.age 3",
                                            "update pets.rex.age 4", "rm pets.rex null",
                                            "rm pets.rex.age null"}));
  ChangePage first = db().read([&](Transaction& tr) { return feed.read(tr, "", 2); });
  ASSERT_EQ(first.changes.size(), 2u);
  ChangePage rest = db().read([&](Transaction& tr) { return feed.read(tr, first.continuation); });
  EXPECT_EQ(rest.changes.size(), 4u);
  EXPECT_EQ(rest.changes[0].path.toString(), "pets.rex.age");
  ChangePage none = db().read([&](Transaction& tr) { return feed.read(tr, rest.continuation); });
  EXPECT_TRUE(none.changes.empty());
  EXPECT_EQ(none.continuation, rest.continuation);
  ChangePage under =
      db().read([&](Transaction& tr) { return feed.read(tr, "", 0, P("pets.rex.age")); });
  EXPECT_EQ(under.changes.size(), 3u);

  EXPECT_EQ(feed.trimToCount(db(), 4), 2);
  EXPECT_EQ(db().read([&](Transaction& tr) { return feed.read(tr, ""); }).changes.size(), 4u);
  EXPECT_EQ(feed.trimOlderThan(db(), std::chrono::hours(1)), 0);
  EXPECT_EQ(feed.trimOlderThan(db(), std::chrono::milliseconds(-60'000)), 4);
  EXPECT_TRUE(db().read([&](Transaction& tr) { return feed.read(tr, ""); }).changes.empty());

  EXPECT_EQ(errorCodeOf([&] { db().read([&](Transaction& tr) { return feed.read(tr, "zz"); }); }),
            3005);
  EXPECT_EQ(errorCodeOf([&] { db().read([&](Transaction& tr) { return feed.read(tr, "0102"); }); }),
            3005);
  DocChangeFeed missing(plain_, "nope");
  EXPECT_EQ(errorCodeOf([&] { db().read([&](Transaction& tr) { return missing.read(tr, ""); }); }),
            2000);
  EXPECT_EQ(errorCodeOf([&] { plain_.addChangeFeed(db(), "pets-feed", "cats"); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { plain_.addChangeFeed(db(), "f", "a..b"); }), 3005);
}

TEST_P(DocPluginTest, ChangeFeedWaitWakesWhenAWriterAppends) {
  plain_.addChangeFeed(db(), "feed", "");
  DocChangeFeed feed(plain_, "feed");
  EXPECT_FALSE(feed.wait(db(), "", std::chrono::milliseconds(20)));
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    plain_.set(db(), P("x"), 1);
  });
  EXPECT_TRUE(feed.wait(db(), "", std::chrono::seconds(20)));
  writer.join();
  ChangePage page = db().read([&](Transaction& tr) { return feed.read(tr, ""); });
  ASSERT_EQ(page.changes.size(), 2u);  // the root, then x
  EXPECT_FALSE(feed.wait(db(), page.continuation, std::chrono::milliseconds(20)));
}

TEST_P(DocPluginTest, ChangeFeedUnderConcurrentWritersHasEveryCommittedChangeOnceInCommitOrder) {
  plain_.set(db(), P("w"), json::object());
  plain_.addChangeFeed(db(), "feed", "w");
  constexpr int kWriters = 4;
  constexpr int kWrites = 25;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 1; i <= kWrites; ++i) {
          // Two changes per transaction: the writer's own counter and a shared last-writer node.
          db().run([&](Transaction& tr) {
            plain_.set(tr, P("w.n" + std::to_string(t)), i);
            plain_.set(tr, P("w.last"), json{{"writer", t}, {"i", i}});
          });
        }
      } catch (const Error&) {
        failed = true;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_FALSE(failed);
  DocChangeFeed feed(plain_, "feed");
  std::vector<ChangeEntry> changes;
  std::string token;
  for (;;) {  // read in pages to use the continuation
    ChangePage page = db().read([&](Transaction& tr) { return feed.read(tr, token, 17); });
    if (page.changes.empty()) break;
    changes.insert(changes.end(), page.changes.begin(), page.changes.end());
    token = page.continuation;
  }
  std::map<std::string, int> next;
  for (int t = 0; t < kWriters; ++t) next["w.n" + std::to_string(t)] = 1;
  int lastWriterChanges = 0;
  json lastWrite;
  for (const ChangeEntry& c : changes) {
    std::string path = c.path.toString();
    if (next.count(path)) {
      EXPECT_EQ(c.value, json(next[path])) << path;  // each counter value once, in order
      ++next[path];
    } else if (path == "w.last.writer" || path == "w.last.i" || path == "w.last") {
      if (path == "w.last.i") ++lastWriterChanges;
      if (path == "w.last.writer" || path == "w.last.i") lastWrite[path] = c.value;
    }
  }
  for (int t = 0; t < kWriters; ++t) EXPECT_EQ(next["w.n" + std::to_string(t)], kWrites + 1);
  // The log's last value of w.last is the value that committed last.
  json final = *plain_.get(db(), P("w.last"));
  EXPECT_EQ(lastWrite["w.last.i"], final["i"]);
  EXPECT_GT(lastWriterChanges, 0);
}

TEST_P(DocPluginTest, ValidatorRejectsWritesThatBreakItsRulesNamingPathAndRule) {
  json rules = json::parse(
      R"({"type":"object","required":["name"],"fields":{"name":"string","age":"integer"}})");
  plain_.set(db(), P("pets.old"), json{{"age", "unknown"}});  // violates, written before
  EXPECT_TRUE(plain_.addValidator(db(), "pets", "pets.?", rules));
  plain_.set(db(), P("pets.rex"), json{{"name", "Rex"}, {"age", 3}});
  plain_.set(db(), P("pets.rex.age"), 4);
  std::string message = errorMessageOf([&] { plain_.set(db(), P("pets.tom"), json{{"age", 3}}); });
  EXPECT_NE(message.find("pets.tom"), std::string::npos) << message;
  EXPECT_NE(message.find("required field 'name'"), std::string::npos) << message;
  EXPECT_EQ(errorCodeOf([&] { plain_.set(db(), P("pets.rex.age"), "old"); }), 3005);
  message = errorMessageOf([&] { plain_.set(db(), P("pets.rex.age"), 2.5); });
  EXPECT_NE(message.find("pets.rex.age"), std::string::npos) << message;
  EXPECT_NE(message.find("fields.age"), std::string::npos) << message;
  EXPECT_EQ(errorCodeOf([&] { plain_.remove(db(), P("pets.rex.name")); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { plain_.set(db(), P("pets.cat"), "meow"); }), 3005);
  plain_.remove(db(), P("pets.rex"));  // removing a whole document is fine
  EXPECT_EQ(plain_.get(db(), P("pets.rex")), std::nullopt);
  // The backfill checks the existing documents and reports the first violation.
  message = errorMessageOf([&] { plain_.backfill(db(), "pets"); });
  EXPECT_NE(message.find("pets.old"), std::string::npos) << message;
  plain_.remove(db(), P("pets.old"));
  plain_.backfill(db(), "pets");
  for (const char* bad : {R"([])", R"({})", R"({"type":"text"})", R"({"required":"name"})",
                          R"({"fields":{"a":1}})", R"({"other":1})"}) {
    EXPECT_EQ(errorCodeOf([&] { plain_.addValidator(db(), "v", "x", json::parse(bad)); }), 3005)
        << bad;
  }
}

TEST_P(DocPluginTest, BadPluginRequestsFailWithTheRightCodes) {
  auto noop = [](std::string name, std::string pattern) {
    return std::make_shared<TestPlugin>(std::move(name), std::move(pattern), 0,
                                        [](const DocPluginContext&, const DocChange&) {});
  };
  EXPECT_EQ(errorCodeOf([&] { DocumentStore s(space_, {noop("a", "x"), noop("a", "y")}); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { DocumentStore s(space_, {noop("", "x")}); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { DocumentStore s(space_, {noop("a", "x..y")}); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { DocumentStore s(space_, {nullptr}); }), 3005);
  DocumentStore store(space_, {noop("a", "x"), noop("idx", "y")});
  EXPECT_EQ(errorCodeOf([&] { store.addPlugin(db(), "unregistered"); }), 2000);
  store.addIndex(db(), {"idx", "y", IndexKind::kValue});
  EXPECT_EQ(errorCodeOf([&] { store.addPlugin(db(), "idx"); }), 2000);  // one namespace
  EXPECT_EQ(errorCodeOf([&] { store.addChangeFeed(db(), "idx", "y"); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { store.backfill(db(), "nope"); }), 2000);
  store.addPlugin(db(), "a");
  EXPECT_EQ(errorCodeOf(
                [&] { db().run([&](Transaction& tr) { return store.backfillStep(tr, "a", 0); }); }),
            2000);
  EXPECT_FALSE(store.dropIndex(db(), "a"));  // not an index
  EXPECT_EQ(errorCodeOf([&] { store.buildIndex(db(), "a"); }), 2000);
}

}  // namespace

STRATA_ENGINE_SUITE(DocPluginTest);

}  // namespace strata::layers
