#include "strata/dump.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "support/engines.h"

namespace strata {
namespace {

std::vector<KeyValue> everything(Database& db) {
  return db.read([](Transaction& tr) { return tr.getRangeAll("", "\xff"); });
}

void expectError(ErrorCode code, const std::function<void()>& fn) {
  try {
    fn();
    ADD_FAILURE() << "expected error " << static_cast<int>(code);
  } catch (const Error& e) {
    EXPECT_EQ(e.errorCode(), code) << e.what();
  }
}

// Binary keys and values of every size class, long keys (past the embedded engine's 400-byte
// inline limit) included.
void fillVaried(Database& db, int n) {
  for (int base = 0; base < n; base += 200) {
    db.run([&](Transaction& tr) {
      for (int i = base; i < std::min(n, base + 200); ++i) {
        std::string key = "p/" + std::to_string(i * 7919 % 1000003);
        key.push_back(static_cast<char>(i % 256));
        if (i % 50 == 0) key += std::string(600 + i % 7, static_cast<char>('a' + i % 26));
        std::string value(static_cast<size_t>(i % 300), static_cast<char>(i * 31 % 256));
        if (i % 97 == 0) value = std::string(90'000, 'v');
        tr.set(key, value);
      }
    });
  }
  db.run([](Transaction& tr) {
    tr.set("other", "outside the prefix");
    tr.set(std::string("\x00", 1), "");
    tr.set("\xfe\xff", "last");
  });
}

class TempFile {
 public:
  TempFile() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("strata-dump-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
    std::filesystem::remove(progress(), ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path progress() const {
    auto p = path_;
    p += ".progress";
    return p;
  }

 private:
  std::filesystem::path path_;
};

DumpInfo dumpTo(Database& db, const std::filesystem::path& path, DumpOptions options = {}) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  return dump(db, out, options);
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
void spit(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class DumpTest : public testsupport::EngineTest {};

TEST_P(DumpTest, ADumpLoadsBackIntoAnEmptyDatabaseByteForByte) {
  fillVaried(db(), 1500);
  auto before = everything(db());
  TempFile file;
  DumpOptions options;
  options.blockBytes = 64 << 10;  // many blocks
  DumpInfo written = dumpTo(db(), file.path(), options);
  EXPECT_EQ(written.keys, static_cast<int64_t>(before.size()));
  EXPECT_GT(written.blocks, 3);
  EXPECT_EQ(written.consistent, kind() == "file");

  testsupport::ScratchDatabase target(GetParam());
  Database other = target.open();
  DumpInfo loaded = loadDump(other, file.path());
  EXPECT_EQ(loaded.keys, written.keys);
  EXPECT_EQ(loaded.blocks, written.blocks);
  EXPECT_EQ(everything(other), before);
}

TEST_P(DumpTest, APrefixDumpHoldsOnlyThatPrefixAndClearFirstReplacesIt) {
  fillVaried(db(), 300);
  TempFile file;
  DumpOptions options;
  options.prefix = "p/";
  DumpInfo info = dumpTo(db(), file.path(), options);
  EXPECT_EQ(info.prefix, "p/");
  EXPECT_EQ(info.keys, 300);

  testsupport::ScratchDatabase target(GetParam());
  Database other = target.open();
  other.run([](Transaction& tr) {
    tr.set("p/stale", "removed by clearFirst");
    tr.set("q", "kept");
  });
  LoadOptions load;
  load.clearFirst = true;
  (void)loadDump(other, file.path(), load);
  auto expected = db().read([](Transaction& tr) { return tr.getRangeAll("p/", "p0"); });
  EXPECT_EQ(other.read([](Transaction& tr) { return tr.getRangeAll("p/", "p0"); }), expected);
  EXPECT_EQ(other.read([](Transaction& tr) { return tr.get("q"); }), "kept");
}

TEST_P(DumpTest, AnEmptyDatabaseDumpsAndLoadsToNothing) {
  TempFile file;
  DumpInfo info = dumpTo(db(), file.path());
  EXPECT_EQ(info.keys, 0);
  std::ifstream in(file.path(), std::ios::binary);
  EXPECT_EQ(verifyDump(in).blocks, 0);
  EXPECT_EQ(loadDump(db(), file.path()).keys, 0);
  EXPECT_TRUE(everything(db()).empty());
}

TEST_P(DumpTest, ATruncatedDumpIsRefusedAndLoadsNothing) {
  fillVaried(db(), 600);
  TempFile file;
  DumpOptions options;
  options.blockBytes = 16 << 10;
  (void)dumpTo(db(), file.path(), options);
  std::string bytes = slurp(file.path());
  testsupport::ScratchDatabase target(GetParam());
  Database other = target.open();
  for (size_t cut :
       {bytes.size() - 1, bytes.size() - 33, bytes.size() / 2, size_t{20}, size_t{0}}) {
    spit(file.path(), bytes.substr(0, cut));
    expectError(ErrorCode::invalid_input, [&] { (void)loadDump(other, file.path()); });
    EXPECT_TRUE(everything(other).empty()) << "cut at " << cut;
  }
}

TEST_P(DumpTest, ACorruptedByteAnywhereIsRefused) {
  fillVaried(db(), 200);
  TempFile file;
  DumpOptions options;
  options.blockBytes = 4 << 10;
  (void)dumpTo(db(), file.path(), options);
  std::string bytes = slurp(file.path());
  testsupport::ScratchDatabase target(GetParam());
  Database other = target.open();
  for (size_t at = 0; at < bytes.size(); at += bytes.size() / 23 + 1) {
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    spit(file.path(), bad);
    expectError(ErrorCode::invalid_input, [&] { (void)loadDump(other, file.path()); });
  }
  spit(file.path(), bytes + "x");
  expectError(ErrorCode::invalid_input, [&] { (void)loadDump(other, file.path()); });
  EXPECT_TRUE(everything(other).empty());
}

TEST_P(DumpTest, AllowPartialLoadsTheBlocksBeforeTheDamage) {
  fillVaried(db(), 600);
  TempFile file;
  DumpOptions options;
  options.blockBytes = 16 << 10;
  DumpInfo info = dumpTo(db(), file.path(), options);
  ASSERT_GT(info.blocks, 4);
  std::string bytes = slurp(file.path());
  spit(file.path(), bytes.substr(0, bytes.size() / 2));
  testsupport::ScratchDatabase target(GetParam());
  Database other = target.open();
  LoadOptions load;
  load.allowPartial = true;
  expectError(ErrorCode::invalid_input, [&] { (void)loadDump(other, file.path(), load); });
  auto got = everything(other);
  auto all = everything(db());
  ASSERT_FALSE(got.empty());
  ASSERT_LT(got.size(), all.size());
  // A prefix of the source, in order.
  EXPECT_EQ(got, std::vector<KeyValue>(all.begin(), all.begin() + static_cast<long>(got.size())));
}

TEST_P(DumpTest, AnInterruptedLoadResumesWhereItStopped) {
  fillVaried(db(), 800);
  TempFile file;
  DumpOptions options;
  options.blockBytes = 8 << 10;
  DumpInfo info = dumpTo(db(), file.path(), options);
  ASSERT_GT(info.blocks, 6);
  testsupport::ScratchDatabase target(GetParam());
  Database other = target.open();
  struct Interrupt {};
  LoadOptions load;
  load.progressFile = file.progress();
  load.progress = [](const LoadProgress& p) {
    if (p.blocks == 3) throw Interrupt{};
  };
  EXPECT_THROW((void)loadDump(other, file.path(), load), Interrupt);
  EXPECT_TRUE(std::filesystem::exists(file.progress()));
  int64_t firstCommitted = 0;
  load.resume = true;
  load.progress = [&](const LoadProgress& p) {
    if (firstCommitted == 0) firstCommitted = p.blocks;
  };
  DumpInfo loaded = loadDump(other, file.path(), load);
  EXPECT_EQ(firstCommitted, 4);  // blocks 1-3 were skipped
  EXPECT_EQ(loaded.keys, info.keys);
  EXPECT_EQ(everything(other), everything(db()));
  EXPECT_FALSE(std::filesystem::exists(file.progress()));
}

TEST_P(DumpTest, AProgressFileOfAnotherDumpIsRefused) {
  fillVaried(db(), 50);
  TempFile a, b;
  (void)dumpTo(db(), a.path());
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  (void)dumpTo(db(), b.path());
  spit(a.progress(), "00000000 1\n");
  LoadOptions load;
  load.progressFile = a.progress();
  load.resume = true;
  expectError(ErrorCode::invalid_input, [&] { (void)loadDump(db(), b.path(), load); });
  LoadOptions noFile;
  noFile.resume = true;
  expectError(ErrorCode::client_invalid_operation, [&] { (void)loadDump(db(), b.path(), noFile); });
}

TEST_P(DumpTest, BadArgumentsAreRefused) {
  TempFile file;
  expectError(ErrorCode::file_not_found, [&] { (void)loadDump(db(), file.path()); });
  DumpOptions options;
  options.blockBytes = 0;
  std::ostringstream out;
  expectError(ErrorCode::invalid_option_value, [&] { (void)dump(db(), out, options); });
  std::istringstream notADump("hello, world, this is not a dump at all");
  expectError(ErrorCode::invalid_input, [&] { (void)verifyDump(notADump); });
}

STRATA_ENGINE_SUITE(DumpTest);

// The path: memory -> file -> etcd (when a cluster is given), byte-identical each time.
TEST(DumpAcrossEngines, ADumpFromOneEngineLoadsIntoAnotherByteForByte) {
  testsupport::ScratchDatabase memory("memory");
  Database source = memory.open();
  fillVaried(source, 700);
  auto expected = everything(source);
  std::vector<std::string> kinds{"file"};
  if (!testsupport::etcdEndpoints().empty()) kinds.push_back("etcd");
  TempFile file;
  (void)dumpTo(source, file.path());
  for (const auto& kind : kinds) {
    testsupport::ScratchDatabase target(kind);
    Database db = target.open();
    (void)loadDump(db, file.path());
    EXPECT_EQ(everything(db), expected) << kind;
    (void)dumpTo(db, file.path());  // the next engine loads this engine's dump
  }
}

}  // namespace
}  // namespace strata
