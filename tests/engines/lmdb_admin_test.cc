// Backup, compaction, reader slots and status of the embedded engine (strata/kv/admin.h).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "strata/kv/admin.h"
#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "support/engines.h"

extern char** environ;

namespace strata {
namespace {

void expectError(ErrorCode code, const std::function<void()>& fn) {
  try {
    fn();
    ADD_FAILURE() << "expected error " << static_cast<int>(code);
  } catch (const Error& e) {
    EXPECT_EQ(e.errorCode(), code) << e.what();
  }
}

std::string numbered(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "n/%06d", i);
  return buf;
}

std::vector<KeyValue> everything(Database& db) {
  return db.read([](Transaction& tr) { return tr.getRangeAll("", "\xff"); });
}

class LmdbAdminTest : public ::testing::Test {
 protected:
  testsupport::ScratchDatabase scratch_{"file"};
  std::filesystem::path dbPath() const { return std::filesystem::path(scratch_.dir()) / "db"; }
  std::filesystem::path sibling(const std::string& name) const {
    return std::filesystem::path(scratch_.dir()) / name;
  }
};

// The reader child: this test binary run again with STRATA_LMDB_ADMIN_CHILD="URL READY RELEASE"
// (a fresh exec, not a fork, so the parent's threads cannot deadlock it). It opens the database,
// starts a read, writes one byte to fd READY, then waits on fd RELEASE (or to be killed). It runs
// as a global test environment's SetUp (after static initialization, before any test) and exits.
class ReaderChild : public ::testing::Environment {
 public:
  explicit ReaderChild(std::string spec) : spec_(std::move(spec)) {}
  void SetUp() override {
    char url[4096];
    int ready = -1, release = -1;
    if (std::sscanf(spec_.c_str(), "%4095s %d %d", url, &ready, &release) != 3) ::_exit(5);
    try {
      Database db = Database::open(url);
      Transaction tr = db.createTransaction();
      (void)tr.get("a");
      char c = 'r';
      if (::write(ready, &c, 1) != 1) ::_exit(2);
      if (::read(release, &c, 1) < 0) ::_exit(3);
    } catch (...) {
      ::_exit(4);
    }
    ::_exit(0);
  }

 private:
  std::string spec_;
};

const bool kReaderChildRegistered = [] {
  const char* spec = std::getenv("STRATA_LMDB_ADMIN_CHILD");
  if (spec != nullptr) ::testing::AddGlobalTestEnvironment(new ReaderChild(spec));
  return spec != nullptr;
}();

// Starts a reader child (above) on `url`. Returns: its pid.
pid_t spawnReader(const std::string& url, int ready, int release) {
  std::string spec = "STRATA_LMDB_ADMIN_CHILD=" + url + " " + std::to_string(ready) + " " +
                     std::to_string(release);
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  env.push_back(spec.data());
  env.push_back(nullptr);
  char self[] = "/proc/self/exe";
  char* argv[] = {self, nullptr};
  pid_t pid = -1;
  EXPECT_EQ(::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, env.data()), 0);
  return pid;
}

TEST_F(LmdbAdminTest, ABackupTakenWhileAnotherThreadWritesOpensWithAConsistentState) {
  Database db = scratch_.open();
  std::atomic<bool> stop{false};
  std::atomic<int> committed{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      db.run([&](Transaction& tr) {
        tr.set("a", std::to_string(i));
        tr.set(numbered(i), std::string(200, 'x'));
        tr.set("b", std::to_string(i));
      });
      committed = i + 1;
    }
  });
  while (committed.load() < 50) std::this_thread::yield();
  BackupResult r = backupDatabase(db, sibling("copy"));
  int atBackupEnd = committed.load();
  stop = true;
  writer.join();
  EXPECT_GT(r.bytes, 0);

  Database copy = Database::open("file:" + sibling("copy").string());
  auto rows = everything(copy);
  auto a = copy.read([](Transaction& tr) { return tr.get("a"); });
  auto b = copy.read([](Transaction& tr) { return tr.get("b"); });
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a, b);  // never half a transaction
  int last = std::stoi(*a);
  EXPECT_GE(last, 49);
  EXPECT_LE(last, atBackupEnd);
  EXPECT_EQ(rows.size(), static_cast<size_t>(last + 1 + 2));  // n/0..n/last, a, b
  // The copy is a working database.
  copy.run([](Transaction& tr) { tr.set("written", "to the copy"); });
  EXPECT_EQ(copy.read([](Transaction& tr) { return tr.get("written"); }), "to the copy");
}

TEST_F(LmdbAdminTest, ABackupRefusesANonEmptyDestinationAndOtherEngines) {
  Database db = scratch_.open();
  std::filesystem::create_directories(sibling("full"));
  std::FILE* f = std::fopen((sibling("full") / "x").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  expectError(ErrorCode::client_invalid_operation,
              [&] { (void)backupDatabase(db, sibling("full")); });
  std::filesystem::create_directories(sibling("empty"));
  EXPECT_GT(backupDatabase(db, sibling("empty")).bytes, 0);

  testsupport::ScratchDatabase memory("memory");
  Database mem = memory.open();
  expectError(ErrorCode::unsupported_operation, [&] { (void)backupDatabase(mem, sibling("m")); });
}

TEST_F(LmdbAdminTest, CompactReclaimsFreePagesAndKeepsEveryKey) {
  std::vector<KeyValue> before;
  {
    Database db = scratch_.open();
    for (int batch = 0; batch < 20; ++batch) {
      db.run([&](Transaction& tr) {
        for (int i = 0; i < 100; ++i) tr.set(numbered(batch * 100 + i), std::string(2000, 'v'));
      });
    }
    db.run([](Transaction& tr) { tr.clearRange(numbered(100), numbered(2000)); });
    db.run([](Transaction& tr) { tr.set("after", "the clear"); });
    EXPECT_GT(databaseStatus(db).embedded->freePages, 100);
    before = everything(db);
  }
  CompactResult r = compactDatabase(dbPath());
  EXPECT_LT(r.bytesAfter, r.bytesBefore / 2);
  Database db = scratch_.open();
  EXPECT_EQ(everything(db), before);
  db.run([](Transaction& tr) { tr.set("still", "writable"); });
}

TEST_F(LmdbAdminTest, CompactRefusesADatabaseOpenInAnotherProcess) {
  { Database db = scratch_.open(); }
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t child = spawnReader(scratch_.url(), ready[1], release[0]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  expectError(ErrorCode::database_locked, [&] { (void)compactDatabase(dbPath()); });
  ASSERT_EQ(::write(release[1], "x", 1), 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
  EXPECT_GT(compactDatabase(dbPath()).bytesAfter, 0);  // closed everywhere now
}

TEST_F(LmdbAdminTest, CompactRefusesWhatIsNotADatabase) {
  expectError(ErrorCode::file_not_found, [&] { (void)compactDatabase(sibling("nothing")); });
}

TEST_F(LmdbAdminTest, AKilledReadersSlotIsNamedStaleClearedOnDemandAndAtOpen) {
  auto db = std::make_optional(scratch_.open());
  db->run([](Transaction& tr) { tr.set("a", "1"); });
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t child = spawnReader(scratch_.url(), ready[1], release[0]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);

  auto staleSlots = [&](Database& d) {
    int n = 0;
    DatabaseStatus s = databaseStatus(d);
    for (const auto& r : s.embedded->readers) {
      if (r.pid == child) {
        EXPECT_TRUE(r.stale);
        ++n;
      }
    }
    return n;
  };
  EXPECT_GE(staleSlots(*db), 1);
  EXPECT_GE(clearStaleReaders(*db), 1);
  EXPECT_EQ(staleSlots(*db), 0);

  // Again, and this time an open clears it.
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  child = spawnReader(scratch_.url(), ready[1], release[0]);
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
  EXPECT_GE(staleSlots(*db), 1);
  db.reset();
  db.emplace(scratch_.open());
  EXPECT_EQ(staleSlots(*db), 0);
}

TEST_F(LmdbAdminTest, StatusDescribesTheEmbeddedEngine) {
  Database db = scratch_.open();
  db.run([](Transaction& tr) { tr.set("k", "v"); });
  Transaction reading = db.createTransaction();
  (void)reading.get("k");  // holds a reader slot of this process
  DatabaseStatus s = databaseStatus(db);
  EXPECT_EQ(s.engine, "lmdb");
  ASSERT_TRUE(s.embedded.has_value());
  EXPECT_FALSE(s.etcd.has_value());
  EXPECT_EQ(s.embedded->formatVersion, 1u);
  EXPECT_GT(s.embedded->fileBytes, 0);
  EXPECT_GT(s.embedded->pageSize, 0);
  EXPECT_GE(s.embedded->mapBytes, s.embedded->usedBytes);
  EXPECT_GT(s.embedded->lastCommitVersion, 0);
  EXPECT_GT(s.embedded->maxReaders, 0);
  bool mine = false;
  for (const auto& r : s.embedded->readers) {
    if (r.pid == ::getpid()) {
      mine = true;
      EXPECT_FALSE(r.stale);
    }
  }
  EXPECT_TRUE(mine);

  testsupport::ScratchDatabase memory("memory");
  Database mem = memory.open();
  DatabaseStatus m = databaseStatus(mem);
  EXPECT_EQ(m.engine, "memory");
  EXPECT_FALSE(m.embedded.has_value());
  EXPECT_EQ(clearStaleReaders(mem), 0);
}

}  // namespace
}  // namespace strata
