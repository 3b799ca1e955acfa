// `strata tour`: a guided, self-checking walk through strata's features on a database. Each step
// is one function that says what it does, prints what it saw and checks it against what it should
// see; the tour exits 1 if any step fails. New layers add a step to kSteps.
//
// Without --db (or STRATA_DB) the tour runs on a temporary embedded database that it removes
// afterwards. On a given database it works under the key prefix "strata-tour/", which it clears
// before and after.
#include <fmt/format.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "common.h"
#include "strata/directory.h"
#include "strata/layers/blob.h"
#include "strata/layers/counter.h"
#include "strata/layers/doc.h"
#include "strata/layers/intern.h"
#include "strata/layers/pubsub.h"
#include "strata/layers/queue.h"
#include "strata/layers/spatial.h"
#include "strata/layers/vector.h"
#include "strata/subspace.h"
#include "strata/tuple.h"

namespace strata::cli {
namespace {

constexpr std::string_view kTourPrefix = "strata-tour/";

std::string hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

std::string littleEndian64(int64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((static_cast<uint64_t>(value) >> (8 * i)));
  return out;
}

std::string quoted(const std::optional<std::string>& value) {
  return value ? "'" + printable(*value) + "'" : std::string("<absent>");
}

// What a step works with, and the record of what it saw.
class TourRun {
 public:
  explicit TourRun(Database& db) : db_(db) {}

  Database& db() { return db_; }
  // The tour's key for `suffix`.
  [[nodiscard]] std::string key(std::string_view suffix) const {
    return std::string(kTourPrefix) + std::string(suffix);
  }
  // Prints one indented line of what the step did or saw.
  template <class... Args>
  void say(fmt::format_string<Args...> format, Args&&... args) {
    fmt::print("      {}\n", fmt::format(format, std::forward<Args>(args)...));
  }
  // Records a failure of the current step unless `ok`.
  void expect(bool ok, std::string_view what) {
    if (!ok) {
      fmt::print("      FAILED: {}\n", what);
      failed_ = true;
    }
  }
  // Records a failure unless `seen` equals `expected`.
  void expectEq(std::string_view what, const std::optional<std::string>& expected,
                const std::optional<std::string>& seen) {
    expect(expected == seen,
           fmt::format("{}: expected {}, saw {}", what, quoted(expected), quoted(seen)));
  }
  // Clears the step's failure flag; returns whether it had failed.
  bool takeFailure() { return std::exchange(failed_, false); }

 private:
  Database& db_;
  bool failed_ = false;
};

void clearTourKeys(TourRun& run) {
  std::string begin(kTourPrefix);
  std::string end = strinc(begin);
  run.db().run([&](Transaction& tr) { tr.clearRange(begin, end); });
}

void stepOpen(TourRun& run) {
  clearTourKeys(run);
  auto rows = run.db().read([&](Transaction& tr) {
    return tr.getRangeAll(std::string(kTourPrefix), strinc(kTourPrefix));
  });
  run.say("opened {}; cleared the keys under '{}': {} keys left", run.db().url(), kTourPrefix,
          rows.size());
  run.expect(rows.empty(), "the tour's keys should be gone after clearRange");
}

void stepSetGet(TourRun& run) {
  std::string hello = run.key("hello");
  std::optional<std::string> ownWrite = run.db().run([&](Transaction& tr) {
    tr.set(hello, "world");
    return tr.get(hello);  // read-your-writes: visible before commit
  });
  run.say("set '{}' = 'world' and read it back in the same transaction: {}", printable(hello),
          quoted(ownWrite));
  run.expectEq("read-your-writes", "world", ownWrite);

  auto [committed, missing] = run.db().read(
      [&](Transaction& tr) { return std::pair(tr.get(hello), tr.get(run.key("no-such-key"))); });
  run.say("a new transaction reads {}; a key never written reads {}", quoted(committed),
          quoted(missing));
  run.expectEq("committed value", "world", committed);
  run.expectEq("missing key", std::nullopt, missing);
}

void stepRangeWithSelector(TourRun& run) {
  const std::vector<std::string> fruits = {"apple", "banana", "cherry", "date", "elder"};
  run.db().run([&](Transaction& tr) {
    for (const auto& f : fruits) tr.set(run.key("fruit/" + f), f);
  });
  run.say("set 5 keys fruit/apple .. fruit/elder");

  auto [rows, before] = run.db().read([&](Transaction& tr) {
    auto range = tr.getRange(KeySelector::firstGreaterThan(run.key("fruit/banana")),
                             KeySelector::firstGreaterOrEqual(run.key("fruit/elder")));
    std::vector<std::string> seen;
    for (const KeyValue& kv : range) seen.push_back(kv.value);
    return std::pair(seen, tr.getKey(KeySelector::lastLessThan(run.key("fruit/cherry"))));
  });
  run.say("getRange(firstGreaterThan(fruit/banana), firstGreaterOrEqual(fruit/elder)) -> {}",
          fmt::format("[{}]", fmt::join(rows, ", ")));
  run.expect(rows == std::vector<std::string>{"cherry", "date"},
             "the range should hold exactly cherry and date");
  run.say("getKey(lastLessThan(fruit/cherry)) -> '{}'", printable(before));
  run.expectEq("lastLessThan", run.key("fruit/banana"), before);
}

void stepAtomicAdd(TourRun& run) {
  std::string counter = run.key("counter");
  for (int64_t delta : {5, 7}) {
    run.db().run(
        [&](Transaction& tr) { tr.atomicOp(MutationType::kAdd, counter, littleEndian64(delta)); });
  }
  auto value = run.db().read([&](Transaction& tr) { return tr.get(counter); });
  run.say("two transactions ADD 5 and ADD 7 (64-bit little-endian) without reading: {}",
          quoted(value));
  run.expectEq("counter", littleEndian64(12), value);
}

void stepConflict(TourRun& run) {
  std::string balance = run.key("balance");
  run.db().run([&](Transaction& tr) { tr.set(balance, "100"); });

  Transaction first = run.db().createTransaction();
  auto seen = first.get(balance);
  first.set(balance, "110");
  run.db().run([&](Transaction& tr) { tr.set(balance, "150"); });
  run.say("T1 reads balance {}, T2 writes 150 and commits, then T1 commits 110", quoted(seen));
  std::optional<int> code;
  try {
    first.commit();
  } catch (const Error& e) {
    code = e.code();
    run.say("T1's commit: {} ({})", e.name(), e.code());
  }
  run.expect(code == static_cast<int>(ErrorCode::not_committed),
             "T1 should fail with not_committed (1020)");

  // The retry loop: the first attempt loses to a concurrent writer, the second commits.
  int attempts = 0;
  Transaction tr = run.db().createTransaction();
  for (;;) {
    try {
      ++attempts;
      int current = std::stoi(tr.get(balance).value_or("0"));
      if (attempts == 1) run.db().run([&](Transaction& other) { other.set(balance, "200"); });
      tr.set(balance, std::to_string(current + 10));
      tr.commit();
      run.say("attempt {}: read {}, wrote {}, committed", attempts, current, current + 10);
      break;
    } catch (const Error& e) {
      run.say("attempt {}: {} ({}); onError() backs off and retries", attempts, e.name(), e.code());
      tr.onError(e);
    }
  }
  auto after = run.db().read([&](Transaction& t) { return t.get(balance); });
  run.expect(attempts == 2,
             fmt::format("the retry loop should take 2 attempts, took {}", attempts));
  run.expectEq("balance after the retry loop", "210", after);
}

void stepVersionstamp(TourRun& run) {
  std::string logPrefix = run.key("log/");
  std::string operand = logPrefix + std::string(10, '\0');
  uint32_t offset = static_cast<uint32_t>(logPrefix.size());
  for (int i = 0; i < 4; ++i) operand += static_cast<char>((offset >> (8 * i)) & 0xff);

  Transaction tr = run.db().createTransaction();
  tr.atomicOp(MutationType::kSetVersionstampedKey, operand, "first entry");
  Future<CommitStamp> stampFuture = tr.getVersionstamp();
  tr.commit();
  CommitStamp stamp = stampFuture.get();
  std::string stampBytes(stamp.begin(), stamp.end());
  run.say("SET_VERSIONSTAMPED_KEY under 'log/' committed at version {} with stamp {}",
          tr.getCommittedVersion(), hex(stampBytes));

  auto rows =
      run.db().read([&](Transaction& t) { return t.getRangeAll(logPrefix, strinc(logPrefix)); });
  run.say("keys under 'log/': {}", rows.size());
  run.expect(rows.size() == 1, "exactly one key should be under log/");
  if (rows.size() == 1) {
    run.say("'{}' = '{}'", printable(rows[0].key), printable(rows[0].value));
    run.expectEq("versionstamped key", logPrefix + stampBytes, rows[0].key);
  }
  int64_t stampVersion = 0;
  for (int i = 0; i < 8; ++i) stampVersion = (stampVersion << 8) | stamp[i];
  run.expect(stampVersion == tr.getCommittedVersion(),
             "the stamp's first 8 bytes should be the commit version");
}

void stepWatch(TourRun& run) {
  std::string watched = run.key("watched");
  Transaction tr = run.db().createTransaction();
  tr.set(watched, "1");
  Watch watch = tr.watch(watched);
  tr.commit();
  bool readyBefore = watch.isReady();
  run.say("set 'watched' = '1' and watched it; fired before any change: {}", readyBefore);
  run.expect(!readyBefore, "the watch should not fire before the value changes");

  run.db().run([&](Transaction& t) { t.set(watched, "2"); });
  bool fired = watch.waitFor(std::chrono::seconds(10));
  run.say("another transaction set 'watched' = '2'; the watch fired: {}", fired);
  run.expect(fired, "the watch should fire after the change");
}

void stepTuple(TourRun& run) {
  Tuple tuple{"strata", 1, nullptr};
  std::string packed = tuple.pack();
  run.say("{} packs to {}", tuple.toString(), hex(packed));
  run.expectEq("packed tuple", std::string("\x02strata\x00\x15\x01\x00", 11), packed);

  std::string key = run.key("") + packed;
  run.db().run([&](Transaction& tr) { tr.set(key, "tuple-keyed"); });
  auto rows = run.db().read([&](Transaction& tr) { return tr.getRangeAll(key, strinc(key)); });
  bool roundTrip = rows.size() == 1 &&
                   Tuple::unpack(std::string_view(rows[0].key).substr(kTourPrefix.size())) == tuple;
  run.say("stored under '{}' and read back: unpacks to the same tuple: {}", printable(key),
          roundTrip);
  run.expect(roundTrip, "the stored key should unpack to the tuple");
}

void stepVector(TourRun& run) {
  layers::Vector v(Subspace(Tuple{"vector"}, run.key("")), "-");
  run.db().run([&](Transaction& tr) {
    v.push(tr, "a");
    v.push(tr, "b");
    v.set(tr, 5, "f");  // grows the vector: slots 2..4 read as the default
  });
  auto [size, values] =
      run.db().read([&](Transaction& tr) { return std::pair(v.size(tr), v.getRange(tr)); });
  run.say("push a, push b, set [5] = f: size {}, slots [{}]", size, fmt::join(values, ", "));
  run.expect(size == 6, "the vector should have 6 slots");
  run.expect(values == std::vector<std::string>{"a", "b", "-", "-", "-", "f"},
             "unset slots should read as the default '-'");
  std::optional<std::string> popped = v.pop(run.db());
  run.say("pop -> {}; size now {} (slot 4 is stored so the size survives)", quoted(popped),
          v.size(run.db()));
  run.expectEq("popped", "f", popped);
  run.expect(v.size(run.db()) == 5, "the size after pop should be 5");
  std::optional<int> code;
  try {
    (void)v.get(run.db(), 9);
  } catch (const Error& e) {
    code = e.code();
    run.say("get [9] -> {} ({})", e.name(), e.code());
  }
  run.expect(code == static_cast<int>(ErrorCode::index_out_of_range),
             "get past the end should fail with index_out_of_range (3007)");
}

void stepIntern(TourRun& run) {
  layers::StringIntern names(Subspace(Tuple{"intern"}, run.key("")));
  std::string id = names.intern(run.db(), "a rather long string that many records repeat");
  std::string again = names.intern(run.db(), "a rather long string that many records repeat");
  run.say("intern(\"a rather long string ...\") -> {} ({} bytes); interning it again -> {}",
          hex(id), id.size(), hex(again));
  run.expect(id == again && id.size() <= 12, "the same string should get the same short id");
  layers::StringIntern uncached(Subspace(Tuple{"intern"}, run.key("")));
  std::optional<std::string> back = uncached.lookup(run.db(), id);
  run.say("lookup({}) from a fresh table (empty cache) -> {}", hex(id), quoted(back));
  run.expectEq("lookup", "a rather long string that many records repeat", back);
}

void stepBlob(TourRun& run) {
  layers::Blob blob(Subspace(Tuple{"blob"}, run.key("")));
  blob.write(run.db(), 70'000, "world");  // past the first 64 KiB chunk: bytes before are a hole
  blob.write(run.db(), 0, "hello");
  std::string head = blob.read(run.db(), 0, 5);
  std::string hole = blob.read(run.db(), 5, 10);
  run.say("write 'hello' at 0 and 'world' at 70,000: size {}, [0,5) = '{}', [5,15) = {} zero bytes",
          blob.size(run.db()), head, std::count(hole.begin(), hole.end(), '\0'));
  run.expect(blob.size(run.db()) == 70'005 && head == "hello" && hole == std::string(10, '\0'),
             "the blob should be 70,005 bytes with a zero-filled hole");
  layers::BlobStreamOptions small;
  small.bytesPerTransaction = layers::kBlobChunkSize;  // force several transactions
  layers::BlobWriter writer(run.db(), blob, small);
  std::string content(300'000, 'x');
  writer.write(content);
  std::string during = blob.read(run.db(), 0, 5);
  layers::BlobDigest digest = writer.publish();
  run.say(
      "a streaming upload of 300,000 bytes over 5 transactions: readers saw '{}' until "
      "publish; now size {}, crc32c {:08x}",
      during, blob.size(run.db()), digest.crc32c);
  run.expect(during == "hello", "readers should see the old content until publish");
  run.expect(blob.size(run.db()) == 300'000 && digest.crc32c == layers::crc32c(content),
             "the published blob should be the uploaded bytes");
}

void stepCounter(TourRun& run) {
  layers::Counter hits(Subspace(Tuple{"counter"}, run.key("")));
  Transaction a = run.db().createTransaction();
  Transaction b = run.db().createTransaction();
  (void)a.getReadVersion();
  (void)b.getReadVersion();
  hits.add(a, 3);
  hits.add(b, 4);
  a.commit();
  b.commit();  // atomic ADD: concurrent adds do not conflict
  run.say("two concurrent transactions add 3 and 4 and both commit: value {}", hits.get(run.db()));
  run.expect(hits.get(run.db()) == 7, "the counter should be 7");
  bool first = hits.add(run.db(), 10, "request-42");
  bool retry = hits.add(run.db(), 10, "request-42");  // as a retry after commit_unknown_result
  run.say("add 10 with idempotency token 'request-42' twice: applied {} then {}; value {}", first,
          retry, hits.get(run.db()));
  run.expect(first && !retry && hits.get(run.db()) == 17,
             "the token should make the second add a no-op");
}

void stepDirectory(TourRun& run) {
  // A directory layer kept under the tour's prefix (the default one lives at FE and the root).
  DirectoryLayerOptions options;
  options.nodeSubspace = Subspace(run.key("dir-nodes/"));
  options.contentSubspace = Subspace(run.key("dir/"));
  DirectoryLayer layer(options);
  DirectorySubspace users = layer.createOrOpen(run.db(), {"app", "users"}, "table");
  run.say("createOrOpen app/users (layer 'table') -> prefix '{}'", printable(users.key()));
  run.db().run([&](Transaction& tr) { tr.set(users.pack(Tuple{42}), "alice"); });
  DirectorySubspace people = layer.move(run.db(), {"app", "users"}, {"app", "people"});
  auto alice = run.db().read([&](Transaction& tr) { return tr.get(people.pack(Tuple{42})); });
  run.say("moved it to app/people: same prefix, so the user 42 key still reads {}", quoted(alice));
  run.expect(people.key() == users.key(), "a move keeps the prefix");
  run.expectEq("user 42 after the move", "alice", alice);
  auto names = layer.list(run.db(), {"app"});
  run.say("list app -> [{}]", fmt::join(names, ", "));
  run.expect(names == std::vector<std::string>{"people"}, "app should hold only people");
  layer.remove(run.db(), {"app"});
  bool gone = !layer.exists(run.db(), {"app"});
  run.say("removed app (its subtree and contents): exists -> {}", !gone);
  run.expect(gone, "app should be gone");
}

void stepSpatial(TourRun& run) {
  layers::SpatialIndex cafes(Subspace(Tuple{"spatial"}, run.key("")));
  run.db().run([&](Transaction& tr) {
    cafes.set(tr, "north", 10, 90);
    cafes.set(tr, "centre", 50, 50);
    cafes.set(tr, "east", 90, 45);
    cafes.set(tr, "moving", 52, 48);
  });
  cafes.set(run.db(), "moving", 5, 5);  // a move: the old curve entry goes in the same commit
  layers::SpatialQueryResult box = cafes.query(run.db(), layers::SpatialRect{40, 40, 100, 60});
  std::vector<std::string> ids;
  for (const layers::SpatialPoint& p : box.points) ids.push_back(p.id);
  std::sort(ids.begin(), ids.end());
  run.say("points in [40,100) x [40,60): [{}] ({} keys scanned, {} curve ranges)",
          fmt::join(ids, ", "), box.scanned, box.ranges);
  run.expect(ids == std::vector<std::string>{"centre", "east"},
             "the rectangle should hold centre and east (moving has moved away)");
  layers::SpatialQueryResult near = cafes.nearest(run.db(), 0, 0, 2);
  std::vector<std::string> nearIds;
  for (const layers::SpatialPoint& p : near.points) nearIds.push_back(p.id);
  run.say("the 2 nearest to (0,0): [{}]", fmt::join(nearIds, ", "));
  run.expect(nearIds == std::vector<std::string>{"moving", "centre"},
             "moving (5,5) then centre (50,50) should be nearest to the origin");
}

void stepPubSub(TourRun& run) {
  layers::PubSub ps(Subspace(Tuple{"pubsub"}, run.key("")));
  ps.createFeed(run.db(), "news");
  ps.createFeed(run.db(), "sport");
  ps.createInbox(run.db(), "alice");
  ps.subscribe(run.db(), "alice", "news");
  ps.subscribe(run.db(), "alice", "sport");
  bool woke = false;
  std::thread waiter([&] { woke = ps.wait(run.db(), "alice", std::chrono::seconds(10)); });
  ps.post(run.db(), "sport", "goal");
  waiter.join();
  run.say("alice waits on a watch of her feeds; a post to 'sport' wakes her: {}", woke);
  run.expect(woke, "the waiting inbox should wake");
  ps.post(run.db(), "news", "rain", "post-7");
  ps.post(run.db(), "news", "rain", "post-7");  // as a retry after commit_unknown_result
  std::vector<std::string> got;
  for (const layers::Message& m : ps.read(run.db(), "alice")) {
    got.push_back(m.feed + ":" + m.body);
  }
  run.say("alice reads, in commit order: [{}] (token 'post-7' posted once)", fmt::join(got, ", "));
  run.expect(got == std::vector<std::string>{"sport:goal", "news:rain"},
             "alice should get goal then rain, once each");
  bool empty = ps.read(run.db(), "alice").empty();
  run.say("reading again returns nothing new: {}", empty);
  run.expect(empty, "her cursors should have moved past both");
}

void stepDocuments(TourRun& run) {
  layers::DocumentStore docs(Subspace(Tuple{"doc"}, run.key("")));
  docs.addIndex(run.db(), {"species", "pets.?.species", layers::IndexKind::kValue});
  docs.buildIndex(run.db(), "species");
  docs.set(run.db(), layers::DocPath::parse("pets.fido"),
           nlohmann::json{{"species", "dog"}, {"age", 3}, {"tags", {"good", "loud"}}});
  docs.set(run.db(), layers::DocPath::parse("pets.tom"), nlohmann::json{{"species", "cat"}});
  docs.update(run.db(), layers::DocPath::parse("pets.tom"), nlohmann::json{{"species", "dog"}});
  auto fido = docs.get(run.db(), layers::DocPath::parse("pets.fido"));
  run.say("pets.fido reads back as {}", fido ? fido->dump() : "nothing");
  std::vector<std::string> dogs;
  for (const layers::IndexMatch& m : docs.find(run.db(), "species", "dog")) {
    dogs.push_back(m.document.toString());
  }
  run.say("index 'species' finds dogs: [{}] (tom's update moved his entry)", fmt::join(dogs, ", "));
  run.expect(dogs == std::vector<std::string>{"pets.fido", "pets.tom"},
             "fido and tom should both be found as dogs");
}

void stepQueue(TourRun& run) {
  layers::Queue jobs(Subspace(Tuple{"queue"}, run.key("")));
  std::optional<std::string> woke;
  std::thread consumer([&] { woke = jobs.pop(run.db(), std::chrono::seconds(10)); });
  jobs.push(run.db(), "resize-1");
  consumer.join();
  run.say("a consumer blocked on a watch wakes with '{}'", woke.value_or("nothing"));
  run.expect(woke == std::optional<std::string>("resize-1"), "the waiting pop should get it");
  jobs.push(run.db(), "email-2");
  auto lease = jobs.popWithLease(run.db(), std::chrono::milliseconds(50));
  run.say("leased '{}' for 50 ms and never acked it (a consumer that died)",
          lease ? lease->item : "nothing");
  auto back = jobs.popWithLease(run.db(), std::chrono::seconds(30), std::chrono::seconds(10));
  run.say("after the lease expired it came back: '{}'", back ? back->item : "nothing");
  run.expect(back && back->item == "email-2", "the unacked item should come back");
  bool acked = back && jobs.ack(run.db(), back->token);
  run.say("acked: {}; queue size now {}", acked, jobs.size(run.db()));
  run.expect(acked && jobs.empty(run.db()), "the ack should delete it");
}

void stepCleanUp(TourRun& run) {
  clearTourKeys(run);
  auto rows = run.db().read([&](Transaction& tr) {
    return tr.getRangeAll(std::string(kTourPrefix), strinc(kTourPrefix));
  });
  run.say("cleared the keys under '{}': {} left", kTourPrefix, rows.size());
  run.expect(rows.empty(), "no tour keys should remain");
}

struct TourStep {
  const char* title;
  void (*run)(TourRun&);
};

constexpr TourStep kSteps[] = {
    {"open the database", stepOpen},
    {"set and get, read-your-writes", stepSetGet},
    {"a range read bounded by key selectors", stepRangeWithSelector},
    {"an atomic ADD", stepAtomicAdd},
    {"a conflict (not_committed, 1020) and the retry loop", stepConflict},
    {"a versionstamped key", stepVersionstamp},
    {"a watch firing", stepWatch},
    {"tuple packing", stepTuple},
    {"a sparse vector (layers/vector.h)", stepVector},
    {"string interning (layers/intern.h)", stepIntern},
    {"a sparse blob and an atomic streaming upload (layers/blob.h)", stepBlob},
    {"a counter without conflicts, with an idempotency token (layers/counter.h)", stepCounter},
    {"the directory layer: paths to short prefixes, a move (directory.h)", stepDirectory},
    {"a spatial index: rectangle and nearest-neighbour queries (layers/spatial.h)", stepSpatial},
    {"pub/sub: a watch wakes a subscriber, per-feed cursors (layers/pubsub.h)", stepPubSub},
    {"JSON documents with a value index kept exact (layers/doc.h)", stepDocuments},
    {"a queue: a pop woken by a watch, a lease that expires (layers/queue.h)", stepQueue},
    {"clean up", stepCleanUp},
};

// Runs every step, each even when an earlier one failed. Returns: the number that failed.
int runSteps(Database& db) {
  TourRun run(db);
  int failed = 0;
  int n = static_cast<int>(std::size(kSteps));
  for (int i = 0; i < n; ++i) {
    fmt::print("[{}/{}] {}\n", i + 1, n, kSteps[i].title);
    try {
      kSteps[i].run(run);
    } catch (const Error& e) {
      run.expect(false, fmt::format("unexpected error: {}", e.what()));
    }
    if (run.takeFailure()) {
      ++failed;
    } else {
      fmt::print("      ok\n");
    }
  }
  fmt::print("tour: {} of {} steps passed\n", n - failed, n);
  return failed;
}

// A directory under the system temp folder, removed on destruction.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "strata-tour-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw Error(ErrorCode::io_error, "cannot create a temporary directory for the tour");
    }
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

int runTour(const Context& context) {
  std::optional<TempDirectory> temp;
  std::string url = context.dbUrl;
  if (!context.dbUrlGiven()) {
    temp.emplace();
    url = "file:" + (temp->path() / "db").string();
    fmt::print("strata tour on a temporary database ({}), removed afterwards\n\n", url);
  } else {
    fmt::print("strata tour on {} (its keys under '{}' are cleared)\n\n", url, kTourPrefix);
  }
  Database db = Database::open(url);
  return runSteps(db) == 0 ? kExitOk : kExitError;
}

}  // namespace

void addTourCommand(CLI::App& app, Context& context) {
  CLI::App* cmd = app.add_subcommand(
      "tour",
      "A guided, self-checking walk through strata's features: set/get, selectors, atomic ops, "
      "conflicts and retries, versionstamps, watches, tuples. Runs on a temporary database "
      "unless --db or STRATA_DB names one (then only keys under 'strata-tour/' are touched). "
      "Exit code 1 if any step does not see what it should.");
  cmd->footer("Examples:\n  strata tour\n  strata --db memory: tour");
  cmd->callback([&context] { context.exitCode = runTour(context); });
}

}  // namespace strata::cli
