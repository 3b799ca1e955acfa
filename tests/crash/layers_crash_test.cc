// Kill -9 harness for the layers on the embedded engine: a child process runs queue, counter,
// document and directory workloads from several threads and reports each acknowledged commit
// through a pipe; the parent kills it with SIGKILL at a random moment, reopens the database and
// checks the layer invariants:
//   queue      every acknowledged push is either still queued or was popped (a "popped" marker
//              written in the pop's transaction), never both, never lost; size() agrees
//   counter    the counter equals the number of "added" markers written in the adds' transactions,
//              and every acknowledged add has its marker
//   documents  every acknowledged document is there with its value; the index matches the data
//   directory  no two directories share a prefix
// The parent also drains the queue after each cycle, so the layers keep working after recovery.
// 20 cycles by default; STRATA_CRASH_CYCLES=N for more.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "strata/directory.h"
#include "strata/layers/counter.h"
#include "strata/layers/doc.h"
#include "strata/layers/queue.h"
#include "support/engines.h"

namespace strata::crash {
namespace {

using layers::Counter;
using layers::DocPath;
using layers::DocumentStore;
using layers::Queue;

const Subspace kMarks(Tuple{"marks"});
Queue queue() { return Queue(Subspace(Tuple{"queue"})); }
Counter counter() { return Counter(Subspace(Tuple{"counter"})); }
DocumentStore docs() { return DocumentStore(Subspace(Tuple{"docs"})); }

// Acknowledgement records sent to the parent: kind + id.
struct Ack {
  char kind;  // 'p' push, 'c' counter add, 'd' document
  int64_t id;
};

[[noreturn]] void workForever(const std::string& url, int64_t firstId, int ackFd) {
  Database db = Database::open(url);
  auto ack = [&](char kind, int64_t id) {
    Ack a{kind, id};
    if (write(ackFd, &a, sizeof a) != sizeof a) _exit(3);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Queue q = queue();
      Counter c = counter();
      DocumentStore d = docs();
      DirectoryLayer dl;
      std::mt19937_64 rng(static_cast<uint64_t>(firstId) + static_cast<uint64_t>(t));
      for (int64_t i = 0;; ++i) {
        int64_t id = firstId + t * 100'000'000LL + i;
        switch (t) {
          case 0:  // producer
            db.run([&](Transaction& tr) {
              q.push(tr, std::to_string(id));
              tr.set(kMarks.pack({"pushed", id}), "");
            });
            ack('p', id);
            break;
          case 1:  // consumer + counter
            db.run([&](Transaction& tr) {
              auto item = q.pop(tr);
              if (item) tr.set(kMarks.pack({"popped", std::stoll(*item)}), "");
            });
            db.run([&](Transaction& tr) {
              c.add(tr, 1);
              tr.set(kMarks.pack({"added", id}), "");
            });
            ack('c', id);
            break;
          case 2:  // documents
            d.set(db, DocPath::parse("d.n" + std::to_string(id)),
                  {{"v", id}, {"k", static_cast<int64_t>(id % 5)}});
            ack('d', id);
            if (rng() % 3 == 0) {
              ack('r', id);  // no longer required to exist; sent before the remove may land
              (void)d.remove(db, DocPath::parse("d.n" + std::to_string(id)));
            }
            break;
          default: {  // directories
            DirectoryPath p{std::string(1, static_cast<char>('a' + rng() % 6)),
                            std::to_string(rng() % 4)};
            if (rng() % 3 == 0) {
              (void)dl.removeIfExists(db, p);
            } else {
              (void)dl.createOrOpen(db, p);
            }
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

int cycles() {
  const char* env = std::getenv("STRATA_CRASH_CYCLES");
  int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : 20;
}

std::set<int64_t> marks(Transaction& tr, const char* what) {
  std::set<int64_t> out;
  auto r = kMarks.range({what});
  for (const auto& kv : tr.getRange(r.begin, r.end)) {
    out.insert(kMarks.unpack(kv.key).getInt(1));
  }
  return out;
}

void collectDirs(const DirectoryLayer& dl, Transaction& tr, const DirectoryPath& path,
                 std::map<std::string, DirectoryPath>& out) {
  for (const auto& name : dl.list(tr, path)) {
    DirectoryPath child = path;
    child.push_back(name);
    auto dir = dl.open(tr, child);
    EXPECT_TRUE(out.emplace(dir.key(), child).second) << formatDirectoryPath(child);
    collectDirs(dl, tr, child, out);
  }
}

TEST(LayersCrashTest, LayerInvariantsHoldAfterEveryKillNine) {
  testsupport::ScratchDatabase scratch("file");
  std::mt19937 rng(std::random_device{}());
  std::set<int64_t> pushedAcks, addedAcks, docAcks;
  const int n = cycles();
  int64_t drained = 0;
  {
    Database db = scratch.open();
    docs().addIndex(db, {"k", "d.?.k", layers::IndexKind::kValue});
    docs().buildIndex(db, "k");
  }
  for (int cycle = 0; cycle < n; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      workForever(scratch.url(), int64_t{cycle + 1} * 1'000'000'000LL, fds[1]);
    }
    close(fds[1]);
    Ack a{};
    ASSERT_EQ(read(fds[0], &a, sizeof a), static_cast<ssize_t>(sizeof a));
    std::vector<Ack> acks{a};
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 120'000));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
    while (read(fds[0], &a, sizeof a) == static_cast<ssize_t>(sizeof a)) acks.push_back(a);
    close(fds[0]);
    for (const Ack& x : acks) {
      if (x.kind == 'p') pushedAcks.insert(x.id);
      if (x.kind == 'c') addedAcks.insert(x.id);
      if (x.kind == 'd') docAcks.insert(x.id);
      if (x.kind == 'r') docAcks.erase(x.id);
    }

    Database db = scratch.open();
    Queue q = queue();
    DocumentStore d = docs();
    db.read([&](Transaction& tr) {
      std::set<int64_t> pushed = marks(tr, "pushed"), popped = marks(tr, "popped");
      for (int64_t id : pushedAcks) ASSERT_TRUE(pushed.count(id)) << "lost push " << id;
      for (int64_t id : popped) ASSERT_TRUE(pushed.count(id)) << "popped unknown " << id;
      EXPECT_EQ(q.size(tr), static_cast<int64_t>(pushed.size() - popped.size()));
      std::set<int64_t> added = marks(tr, "added");
      for (int64_t id : addedAcks) ASSERT_TRUE(added.count(id)) << "lost add " << id;
      EXPECT_EQ(counter().get(tr), static_cast<int64_t>(added.size()));
      for (int64_t id : docAcks) {
        auto v = d.get(tr, DocPath::parse("d.n" + std::to_string(id)));
        ASSERT_TRUE(v.has_value()) << "lost document " << id;
        EXPECT_EQ((*v)["v"], id);
      }
      auto check = d.checkIndex(tr, "k");
      EXPECT_TRUE(check.ok()) << check.missing.size() << " missing, " << check.extra.size()
                              << " extra index entries";
      std::map<std::string, DirectoryPath> dirs;
      collectDirs(DirectoryLayer(), tr, {}, dirs);
      for (auto it = dirs.begin(); it != dirs.end() && std::next(it) != dirs.end(); ++it) {
        EXPECT_FALSE(std::next(it)->first.starts_with(it->first))
            << formatDirectoryPath(it->second) << " prefixes "
            << formatDirectoryPath(std::next(it)->second);
      }
    });
    // The queue still works after recovery: drain it, marking each pop as the consumer does.
    for (;;) {
      bool got = db.run([&](Transaction& tr) {
        auto item = q.pop(tr);
        if (item) tr.set(kMarks.pack({"popped", std::stoll(*item)}), "");
        return item.has_value();
      });
      if (!got) break;
      ++drained;
    }
    EXPECT_EQ(q.size(db), 0);
  }
  std::printf("[crash] %d cycles; %zu pushes, %zu adds, %zu documents acknowledged; %lld drained\n",
              n, pushedAcks.size(), addedAcks.size(), docAcks.size(),
              static_cast<long long>(drained));
}

}  // namespace
}  // namespace strata::crash
