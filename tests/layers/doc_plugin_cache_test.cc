// DocumentStore's cached plugin set (include/strata/layers/doc.h, key (1,)): every change to the
// plugin records or backfill cursors bumps the plugins version; a writer reads only that key and
// reuses the set it decoded at the same version, yet never applies a stale set: a plugin added,
// removed or backfilled by another store object, another Database handle or another process is
// honoured by the next write, a write in flight during the change conflicts, and a store without
// a version key (older stores) reloads on every write. Every engine (tests/support/engines.h).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "layers/doc_internal.h"
#include "layers/layer_codec.h"
#include "strata/layers/doc_plugin.h"
#include "support/engines.h"

extern char** environ;

namespace strata::layers {
namespace {

using nlohmann::json;

using testsupport::errorCodeOf;

DocPath P(std::string_view text) { return DocPath::parse(text); }

const Subspace kSpace{Tuple{"doc-plugin-cache-test"}};

// Marks every node matching `pattern` that a write sets or updates: pluginSubspace(name) +
// (pathText,) -> "". Needs no backfill, so it is ready as soon as it is added.
class Marker : public DocPlugin {
 public:
  explicit Marker(std::string name = "marker", std::string pattern = "docs.?")
      : name_(std::move(name)), pattern_(std::move(pattern)) {}
  std::string name() const override { return name_; }
  std::string pattern() const override { return pattern_; }
  bool needsBackfill() const override { return false; }
  void onChange(const DocPluginContext& context, const DocChange& change) const override {
    if (change.newValue) {
      context.transaction().set(context.subspace().pack(Tuple{change.path.toString()}), "");
    }
  }

 private:
  std::string name_, pattern_;
};

using codec::int64Le;

int64_t fromLe(const std::optional<std::string>& bytes) {
  return bytes ? codec::fromInt64Le(*bytes) : 0;
}

// Documents per city, kept with atomic ADD from the old and new values (needs a backfill).
class CityCount : public DocPlugin {
 public:
  std::string name() const override { return "city-count"; }
  std::string pattern() const override { return "docs.?.city"; }
  void onChange(const DocPluginContext& context, const DocChange& change) const override {
    if (change.oldValue && change.oldValue->is_string()) add(context, *change.oldValue, -1);
    if (change.newValue && change.newValue->is_string()) add(context, *change.newValue, 1);
  }

 private:
  static void add(const DocPluginContext& context, const json& city, int64_t delta) {
    context.transaction().atomicOp(MutationType::kAdd,
                                   context.subspace().pack(Tuple{city.get<std::string>()}),
                                   int64Le(delta));
  }
};

// The other process of AnotherProcesssPluginChangesAreHonouredByTheNextWrite: this binary
// started again with kChildUrlEnv and kChildActionEnv set; a global environment does the action
// ("add" or "remove" the marker plugin) on the database at the URL and exits (0: done).
constexpr const char* kChildUrlEnv = "STRATA_DOC_CACHE_TEST_URL";
constexpr const char* kChildActionEnv = "STRATA_DOC_CACHE_TEST_ACTION";

class PluginChangingProcess : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* url = std::getenv(kChildUrlEnv);
    const char* action = std::getenv(kChildActionEnv);
    if (url == nullptr || action == nullptr) return;
    try {
      Database db = Database::open(url);
      DocumentStore store(kSpace, {std::make_shared<Marker>()});
      bool changed = std::string_view(action) == "add" ? store.addPlugin(db, "marker")
                                                       : store.removePlugin(db, "marker");
      _exit(changed ? 0 : 2);
    } catch (...) {
      _exit(3);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kPluginChangingProcess =
    ::testing::AddGlobalTestEnvironment(new PluginChangingProcess);

class DocPluginCacheTest : public testsupport::EngineTest {
 protected:
  std::optional<std::string> version() {
    return db().read(
        [&](Transaction& tr) { return tr.get(kSpace.pack(Tuple{docdetail::kTagPluginRecords})); });
  }
  bool marked(Database& db, std::string_view path, std::string_view plugin = "marker") {
    DocumentStore reader(kSpace);
    return db.read([&](Transaction& tr) {
      return tr.get(reader.pluginSubspace(plugin).pack(Tuple{path})).has_value();
    });
  }
  int64_t cityCount(std::string_view city) {
    DocumentStore reader(kSpace);
    return db().read([&](Transaction& tr) {
      return fromLe(tr.get(reader.pluginSubspace("city-count").pack(Tuple{city})));
    });
  }
  std::map<std::string, int64_t> trueCityCounts() {
    std::map<std::string, int64_t> out;
    std::optional<json> docs = DocumentStore(kSpace).get(db(), P("docs"));
    if (!docs) return out;
    for (const auto& [name, doc] : docs->items()) {
      if (doc.is_object() && doc.contains("city")) ++out[doc["city"].get<std::string>()];
    }
    return out;
  }
  // Runs this binary again as PluginChangingProcess doing `action`. Returns: its exit status.
  int runOtherProcess(const std::string& action) {
    std::string self = "/proc/self/exe";
    // Only this test: gtest sets environments up only when a test is selected, and the
    // environment exits before the test runs.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string filter =
        std::string("--gtest_filter=") + info->test_suite_name() + "." + info->name();
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    env.push_back(std::string(kChildUrlEnv) + "=" + scratch().url());
    env.push_back(std::string(kChildActionEnv) + "=" + action);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<char*> argv{self.data(), filter.data(), nullptr};
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
      int devNull = open("/dev/null", O_WRONLY);
      if (devNull >= 0) dup2(devNull, STDOUT_FILENO);
      execve(self.c_str(), argv.data(), envp.data());
      _exit(4);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
  }
};

TEST_P(DocPluginCacheTest, EveryChangeToThePluginsBumpsTheVersionAndWritesDoNot) {
  DocumentStore store(kSpace, {std::make_shared<Marker>(), std::make_shared<CityCount>()});
  EXPECT_FALSE(version().has_value());  // a new store has none yet
  store.set(db(), P("docs.a"), json{{"city", "oslo"}});
  EXPECT_FALSE(version().has_value());
  std::set<std::string> seen;
  auto bumped = [&](const char* what) {
    std::optional<std::string> v = version();
    ASSERT_TRUE(v.has_value()) << what;
    EXPECT_EQ(v->size(), 18u) << what;  // versionstamp + 8 random bytes
    EXPECT_TRUE(seen.insert(*v).second) << what << " did not change the version";
  };
  store.addPlugin(db(), "marker");
  bumped("addPlugin");
  store.addPlugin(db(), "city-count");  // building: docs.a exists
  bumped("addPlugin (building)");
  // docs, docs.a, docs.a.city: three nodes under the pattern's prefix, one per step.
  for (int step = 0; step < 3; ++step) {
    db().run([&](Transaction& tr) { EXPECT_FALSE(store.backfillStep(tr, "city-count", 1)); });
    bumped("backfillStep (cursor moved)");
  }
  db().run([&](Transaction& tr) { EXPECT_TRUE(store.backfillStep(tr, "city-count", 1)); });
  bumped("backfillStep (ready)");
  store.addChangeFeed(db(), "feed", "docs");
  bumped("addChangeFeed");
  store.addValidator(db(), "valid", "docs.?", json{{"type", "object"}});
  bumped("addValidator");
  store.addIndex(db(), {"by-city", "docs.?.city", IndexKind::kValue});
  bumped("addIndex");
  store.buildIndex(db(), "by-city");
  bumped("buildIndex");
  store.dropIndex(db(), "by-city");
  bumped("dropIndex");
  store.removePlugin(db(), "feed");
  bumped("removePlugin");
  // Neither document writes nor repeating an identical definition change it.
  std::optional<std::string> before = version();
  store.set(db(), P("docs.b"), json{{"city", "rome"}});
  store.update(db(), P("docs.b"), json{{"city", "oslo"}});
  store.remove(db(), P("docs.a"));
  EXPECT_FALSE(store.addPlugin(db(), "marker"));
  EXPECT_FALSE(store.addValidator(db(), "valid", "docs.?", json{{"type", "object"}}));
  EXPECT_FALSE(store.removePlugin(db(), "feed"));
  EXPECT_EQ(version(), before);
  EXPECT_EQ(cityCount("oslo"), 1);
  EXPECT_EQ(cityCount("rome"), 0);
}

TEST_P(DocPluginCacheTest, APluginAddedOrRemovedThroughAnotherHandleIsHonouredByTheNextWrite) {
  DocumentStore writer(kSpace, {std::make_shared<Marker>()});
  Database other = scratch().open();
  DocumentStore admin(kSpace, {std::make_shared<Marker>()});
  admin.addChangeFeed(other, "feed", "elsewhere");  // a version to cache against
  writer.set(db(), P("docs.a"), 1);                 // caches {feed}
  writer.set(db(), P("docs.b"), 1);
  EXPECT_FALSE(marked(db(), "docs.b"));
  admin.addPlugin(other, "marker");
  writer.set(db(), P("docs.c"), 1);
  EXPECT_TRUE(marked(db(), "docs.c"));
  writer.set(db(), P("docs.d"), 1);  // cached {feed, marker}
  EXPECT_TRUE(marked(db(), "docs.d"));
  admin.removePlugin(other, "marker");
  writer.set(db(), P("docs.e"), 1);
  EXPECT_FALSE(marked(db(), "docs.e"));
  EXPECT_FALSE(marked(db(), "docs.d"));  // the removal cleared what it owned
}

TEST_P(DocPluginCacheTest, ARequiredPluginRecordedElsewhereFailsTheNextWriteOfACachedWriter) {
  DocumentStore without(kSpace);  // registers nothing
  Database other = scratch().open();
  DocumentStore admin(kSpace, {std::make_shared<Marker>()});
  admin.addChangeFeed(other, "feed", "elsewhere");
  without.set(db(), P("docs.a"), 1);
  without.set(db(), P("docs.b"), 1);  // a cache hit
  admin.addPlugin(other, "marker");
  EXPECT_EQ(errorCodeOf([&] { without.set(db(), P("docs.c"), 1); }), 3011);
  EXPECT_EQ(errorCodeOf([&] { without.update(db(), P("docs"), json{{"x", 1}}); }), 3011);
  EXPECT_EQ(errorCodeOf([&] { without.remove(db(), P("docs.a")); }), 3011);
  EXPECT_EQ(errorCodeOf([&] { without.set(db(), P("docs.c"), 1); }), 3011);  // not cached
  admin.removePlugin(other, "marker");
  without.set(db(), P("docs.c"), 1);
  EXPECT_EQ(without.get(db(), P("docs.c")), json(1));
}

TEST_P(DocPluginCacheTest, AWriteInFlightWhenAPluginIsAddedConflictsAndItsRetrySeesThePlugin) {
  DocumentStore writer(kSpace, {std::make_shared<Marker>()});
  Database other = scratch().open();
  DocumentStore admin(kSpace, {std::make_shared<Marker>()});
  admin.addChangeFeed(other, "feed", "elsewhere");
  writer.set(db(), P("docs.a"), 1);  // cached {feed}
  Transaction tr = db().createTransaction();
  writer.set(tr, P("docs.b"), 1);  // a cache hit, without the marker
  admin.addPlugin(other, "marker");
  EXPECT_EQ(errorCodeOf([&] { tr.commit(); }), 1020);  // not_committed
  EXPECT_FALSE(writer.get(db(), P("docs.b")).has_value());
  // Database::run's retry sees the plugin.
  int attempts = 0;
  db().run([&](Transaction& t) {
    if (++attempts == 1) {
      writer.set(t, P("docs.c"), 1);
      admin.removePlugin(other, "marker");
      admin.addPlugin(other, "marker");
      return;
    }
    writer.set(t, P("docs.c"), 2);
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(writer.get(db(), P("docs.c")), json(2));
  EXPECT_TRUE(marked(db(), "docs.c"));
}

TEST_P(DocPluginCacheTest, AWriteInFlightOnAStoreWithoutPluginsConflictsWithTheFirstOne) {
  DocumentStore writer(kSpace, {std::make_shared<Marker>()});
  Database other = scratch().open();
  DocumentStore admin(kSpace, {std::make_shared<Marker>()});
  writer.set(db(), P("docs.a"), 1);  // no version, no records: no plugins
  Transaction tr = db().createTransaction();
  writer.set(tr, P("docs.b"), 1);
  admin.addPlugin(other, "marker");
  EXPECT_EQ(errorCodeOf([&] { tr.commit(); }), 1020);
  writer.set(db(), P("docs.b"), 1);
  EXPECT_TRUE(marked(db(), "docs.b"));
}

TEST_P(DocPluginCacheTest, AWriteInTheTransactionThatChangedThePluginsUsesThatChange) {
  DocumentStore store(kSpace, {std::make_shared<Marker>()});
  store.addChangeFeed(db(), "feed", "elsewhere");
  store.set(db(), P("docs.a"), 1);  // cached {feed}
  db().run([&](Transaction& tr) {
    store.addPlugin(tr, "marker");
    store.set(tr, P("docs.b"), 1);
    EXPECT_TRUE(tr.get(store.pluginSubspace("marker").pack(Tuple{"docs.b"})).has_value());
    store.removePlugin(tr, "marker");
    store.set(tr, P("docs.c"), 1);
    store.addPlugin(tr, "marker");
    store.set(tr, P("docs.d"), 1);
  });
  EXPECT_FALSE(marked(db(), "docs.b"));  // cleared by the removal in the same transaction
  EXPECT_FALSE(marked(db(), "docs.c"));
  EXPECT_TRUE(marked(db(), "docs.d"));
  store.set(db(), P("docs.e"), 1);
  EXPECT_TRUE(marked(db(), "docs.e"));
}

TEST_P(DocPluginCacheTest, BackfillByAnotherHandleBetweenCachedWritesKeepsCountsExact) {
  DocumentStore writer(kSpace, {std::make_shared<CityCount>()});
  Database other = scratch().open();
  DocumentStore admin(kSpace, {std::make_shared<CityCount>()});
  const std::vector<std::string> cities{"oslo", "rome", "lima"};
  for (int i = 0; i < 12; ++i) {
    writer.set(db(), P("docs.d" + std::to_string(10 + i)), json{{"city", cities[i % 3]}});
  }
  admin.addPlugin(other, "city-count");  // building
  for (int step = 0, i = 0; step < 40; ++step, ++i) {
    // Updates of documents the backfill has and has not passed, and new ones, between steps.
    writer.update(db(), P("docs.d" + std::to_string(10 + i % 12)),
                  json{{"city", cities[(i + 1) % 3]}});
    writer.set(db(), P("docs.n" + std::to_string(10 + i)), json{{"city", cities[i % 3]}});
    if (step % 2 == 0) {
      other.run([&](Transaction& tr) { (void)admin.backfillStep(tr, "city-count", 3); });
    }
  }
  admin.backfill(other, "city-count", 3);
  Transaction tr = db().createTransaction();
  EXPECT_EQ(admin.listPlugins(tr).at(0).state, IndexState::kReady);
  for (const auto& [city, n] : trueCityCounts()) EXPECT_EQ(cityCount(city), n) << city;
}

TEST_P(DocPluginCacheTest, AStoreWithoutAVersionKeyReloadsItsRecordsOnEveryWrite) {
  // A store whose plugins were recorded before the version key existed: a record but no key.
  DocumentStore without(kSpace);
  without.set(db(), P("docs.a"), 1);
  without.set(db(), P("docs.b"), 1);
  docdetail::PluginRecord record;
  record.name = "marker";
  record.pattern = "docs.?";
  record.kind = docdetail::PluginKind::kExternal;
  record.state = IndexState::kReady;
  const std::string recordKey = kSpace.pack(Tuple{docdetail::kTagPluginRecords, "marker"});
  db().run([&](Transaction& tr) { tr.set(recordKey, docdetail::encodeRecord(record)); });
  ASSERT_FALSE(version().has_value());
  EXPECT_EQ(errorCodeOf([&] { without.set(db(), P("docs.c"), 1); }), 3011);
  DocumentStore with(kSpace, {std::make_shared<Marker>()});
  with.set(db(), P("docs.c"), 1);
  EXPECT_TRUE(marked(db(), "docs.c"));
  db().run([&](Transaction& tr) { tr.clear(recordKey); });
  without.set(db(), P("docs.d"), 1);
  with.set(db(), P("docs.e"), 1);
  EXPECT_FALSE(marked(db(), "docs.e"));
  // The first versioned change starts the version; the old record survives it.
  db().run([&](Transaction& tr) { tr.set(recordKey, docdetail::encodeRecord(record)); });
  with.addChangeFeed(db(), "feed", "elsewhere");
  EXPECT_TRUE(version().has_value());
  with.set(db(), P("docs.f"), 1);
  EXPECT_TRUE(marked(db(), "docs.f"));
  EXPECT_EQ(errorCodeOf([&] { without.set(db(), P("docs.g"), 1); }), 3011);
}

TEST_P(DocPluginCacheTest, AWriteAtAnUnchangedVersionDoesNotReadThePluginRecords) {
  DocumentStore store(kSpace, {std::make_shared<Marker>()});
  store.addPlugin(db(), "marker");
  store.set(db(), P("docs.a"), 1);  // loads and caches
  // Damage the record behind the version's back: only a reload would notice.
  const std::string recordKey = kSpace.pack(Tuple{docdetail::kTagPluginRecords, "marker"});
  db().run([&](Transaction& tr) { tr.set(recordKey, "not a record"); });
  store.set(db(), P("docs.b"), 1);  // the cached set
  EXPECT_TRUE(marked(db(), "docs.b"));
  DocumentStore fresh(kSpace, {std::make_shared<Marker>()});  // another cache: reloads
  EXPECT_EQ(errorCodeOf([&] { fresh.set(db(), P("docs.c"), 1); }), 3005);
  // Copies share the cache.
  DocumentStore copy = store;
  copy.set(db(), P("docs.d"), 1);
  EXPECT_TRUE(marked(db(), "docs.d"));
}

TEST_P(DocPluginCacheTest, AnotherProcesssPluginChangesAreHonouredByTheNextWrite) {
  if (!scratch().sharedAcrossProcesses()) {
    GTEST_SKIP() << "needs a database shared between processes (memory: is per process)";
  }
  DocumentStore writer(kSpace, {std::make_shared<Marker>()});
  DocumentStore without(kSpace);
  writer.addChangeFeed(db(), "feed", "elsewhere");
  writer.set(db(), P("docs.a"), 1);
  without.set(db(), P("docs.b"), 1);
  ASSERT_EQ(runOtherProcess("add"), 0);
  writer.set(db(), P("docs.c"), 1);
  EXPECT_TRUE(marked(db(), "docs.c"));
  EXPECT_EQ(errorCodeOf([&] { without.set(db(), P("docs.d"), 1); }), 3011);
  ASSERT_EQ(runOtherProcess("remove"), 0);
  writer.set(db(), P("docs.e"), 1);
  EXPECT_FALSE(marked(db(), "docs.e"));
  without.set(db(), P("docs.d"), 1);
  EXPECT_EQ(without.get(db(), P("docs.d")), json(1));
}

TEST_P(DocPluginCacheTest, ConcurrentWritersSharingOneStoreStayExactWhilePluginsChange) {
  DocumentStore store(kSpace, {std::make_shared<CityCount>()});
  store.addPlugin(db(), "city-count");
  // Opened before the writers start (opening a second file: handle while another commits and a
  // third writes versionstamped values lost a commit in 1 of ~200 runs: an engine bug reported
  // separately, not this test's subject).
  Database other = scratch().open();
  DocumentStore admin(kSpace, {std::make_shared<CityCount>()});
  const std::vector<std::string> cities{"oslo", "rome", "lima"};
  const int writers = 3, writes = kind() == "etcd" ? 10 : 25;
  std::atomic<int> done{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < writes; ++i) {
        store.set(db(), P("docs.w" + std::to_string(w) + "_" + std::to_string(i)),
                  json{{"city", cities[(w + i) % 3]}});
      }
      ++done;
    });
  }
  // Plugin changes (each bumps the version) while they write, from another handle.
  go = true;
  for (int i = 0; done.load() < writers && i < 50; ++i) {
    admin.addChangeFeed(other, "feed", "docs");
    admin.removePlugin(other, "feed");
  }
  for (auto& t : threads) t.join();
  std::map<std::string, int64_t> truth = trueCityCounts();
  int64_t total = 0;
  for (const auto& [city, n] : truth) {
    EXPECT_EQ(cityCount(city), n) << city;
    total += n;
  }
  EXPECT_EQ(total, writers * writes);
  if (total != writers * writes) {
    std::optional<json> docs = DocumentStore(kSpace).get(db(), P("docs"));
    for (int w = 0; w < writers; ++w)
      for (int i = 0; i < writes; ++i) {
        std::string n = "w" + std::to_string(w) + "_" + std::to_string(i);
        if (!docs->contains(n)) fprintf(stderr, "DBG missing %s (%s)\n", n.c_str(), kind().c_str());
      }
  }
}

// set() of a node that is not there skips reading its (empty) old subtree: still exact when a
// concurrent commit creates a descendant, and when a hook fired by the ancestors set() creates
// has written a subtree there meanwhile.
TEST_P(DocPluginCacheTest, ASetOfANewNodeConflictsWithAConcurrentlyCreatedDescendant) {
  DocumentStore store(kSpace);
  store.addIndex(db(), {"all", "docs.?.?", IndexKind::kExists});
  store.set(db(), P("docs.x"), json::object());
  Transaction tr = db().createTransaction();
  store.set(tr, P("docs.a"), json{{"v", 1}});
  Database other = scratch().open();
  store.set(other, P("docs.a.w"), 2);  // creates docs.a too
  EXPECT_EQ(errorCodeOf([&] { tr.commit(); }), 1020);
  store.set(db(), P("docs.a"), json{{"v", 1}});
  EXPECT_EQ(store.get(db(), P("docs.a")), (json{{"v", 1}}));
  Transaction check = db().createTransaction();
  EXPECT_TRUE(store.checkIndex(check, "all").ok());
}

// Creates docs.b.x whenever `docs` is created (before the index in dispatch order).
class Seeder : public DocPlugin {
 public:
  std::string name() const override { return "seeder"; }
  std::string pattern() const override { return "docs"; }
  int priority() const override { return -1; }
  bool needsBackfill() const override { return false; }
  void onChange(const DocPluginContext& context, const DocChange& change) const override {
    if (change.op == ChangeOp::kSet) context.set(P("docs.b.x"), 1);
  }
};

TEST_P(DocPluginCacheTest, ASetStillSeesASubtreeAHookCreatedWhileMakingItsAncestors) {
  DocumentStore store(kSpace, {std::make_shared<Seeder>()});
  store.addPlugin(db(), "seeder");
  store.addIndex(db(), {"all", "docs.?.?", IndexKind::kExists});
  store.buildIndex(db(), "all");
  // Creating `docs` for docs.b makes the seeder write docs.b.x, which set() then replaces: the
  // index must see docs.b.x go.
  store.set(db(), P("docs.b"), json{{"y", 2}});
  EXPECT_EQ(store.get(db(), P("docs")), (json{{"b", {{"y", 2}}}}));
  Transaction check = db().createTransaction();
  IndexCheck result = store.checkIndex(check, "all");
  EXPECT_TRUE(result.ok()) << (result.extra.empty() ? "" : result.extra[0]);
  EXPECT_EQ(store.find(db(), "all", nullptr).size(), 1u);
}

STRATA_ENGINE_SUITE(DocPluginCacheTest);

}  // namespace
}  // namespace strata::layers
