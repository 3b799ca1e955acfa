// Disk full on the embedded engine: the test mounts a small tmpfs (root only; skipped with the
// reason when mounting is not permitted), puts a ballast file and a database on it, and commits
// until the filesystem is full. Then:
//   - the failing commit raises disk_full (3004), not a crash and not a silent success;
//   - everything committed before is still there, in this handle and after a reopen;
//   - once the ballast is deleted, commits succeed again.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "strata/kv.h"

namespace strata::reliability {
namespace {

namespace fs = std::filesystem;

class SmallFilesystem {
 public:
  SmallFilesystem() {
    std::string tmpl = (fs::temp_directory_path() / "strata-diskfull-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      reason_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    if (mount("strata-diskfull", dir_.c_str(), "tmpfs", 0, "size=6m") != 0) {
      reason_ =
          std::string("cannot mount a tmpfs (needs root / CAP_SYS_ADMIN): ") + std::strerror(errno);
      return;
    }
    mounted_ = true;
  }
  ~SmallFilesystem() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }
  [[nodiscard]] fs::path path() const { return dir_; }

 private:
  std::string dir_, reason_;
  bool mounted_ = false;
};

std::string keyOf(int i) { return "k" + std::to_string(100000 + i); }

TEST(DiskFullTest, CommitsFailWithDiskFullLoseNothingAndResumeOnceSpaceIsFreed) {
  SmallFilesystem small;
  if (!small.mounted()) GTEST_SKIP() << small.reason();
  const fs::path ballast = small.path() / "ballast";
  {
    std::ofstream out(ballast, std::ios::binary);
    std::string mb(1 << 20, 'b');
    for (int i = 0; i < 2; ++i) out << mb;
  }
  const std::string url = "file:" + (small.path() / "db").string();
  const std::string value(40'000, 'v');
  int committed = 0;
  int failure = 0;
  std::string message;
  {
    Database db = Database::open(url);
    for (int i = 0; i < 1000 && failure == 0; ++i) {
      try {
        Transaction tr = db.createTransaction();
        tr.set(keyOf(i), value + std::to_string(i));
        tr.commit();
        ++committed;
      } catch (const Error& e) {
        failure = e.code();
        message = e.what();
      }
    }
    ASSERT_EQ(failure, 3004) << "expected disk_full after " << committed << " commits: " << message;
    EXPECT_GT(committed, 10);
    // Everything acknowledged is still readable through the same handle.
    auto rows = db.read([](Transaction& tr) { return tr.getRangeAll("k", "l"); });
    ASSERT_EQ(rows.size(), static_cast<size_t>(committed));
  }
  std::printf("[diskfull] %d commits before disk_full: %s\n", committed, message.c_str());

  // After a reopen, still full: nothing lost, and reads work.
  {
    Database db = Database::open(url);
    auto rows = db.read([](Transaction& tr) { return tr.getRangeAll("k", "l"); });
    ASSERT_EQ(rows.size(), static_cast<size_t>(committed));
    for (int i = 0; i < committed; ++i) {
      ASSERT_EQ(rows[static_cast<size_t>(i)].key, keyOf(i));
      ASSERT_EQ(rows[static_cast<size_t>(i)].value, value + std::to_string(i));
    }
  }

  // Free the space: commits work again.
  fs::remove(ballast);
  {
    Database db = Database::open(url);
    for (int i = committed; i < committed + 10; ++i) {
      db.run([&](Transaction& tr) { tr.set(keyOf(i), value + std::to_string(i)); });
    }
    auto rows = db.read([](Transaction& tr) { return tr.getRangeAll("k", "l"); });
    EXPECT_EQ(rows.size(), static_cast<size_t>(committed + 10));
  }
}

}  // namespace
}  // namespace strata::reliability
