// The bad-input catalogue, on every engine: each entry feeds one public API a bad input
// (oversized keys, values and transactions, malformed tuples, invalid UTF-8, negative or huge
// offsets and limits, empty names, unknown URLs) and expects the documented strata::Error code -
// no other exception, no crash. Data committed before the catalogue runs must be intact after it.
#include <gtest/gtest.h>

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "strata/directory.h"
#include "strata/layers/counter.h"
#include "strata/layers/doc.h"
#include "strata/layers/pubsub.h"
#include "strata/layers/queue.h"
#include "strata/tuple.h"
#include "support/engines.h"

namespace strata::reliability {
namespace {

using namespace std::string_literals;

struct BadInput {
  const char* what;
  int code;  // the documented error code
  std::function<void(Database&)> call;
};

std::string le32(uint32_t v) {
  return std::string{static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff),
                     static_cast<char>((v >> 16) & 0xff), static_cast<char>(v >> 24)};
}

layers::ImportOptions jsonFormat() {
  layers::ImportOptions o;
  o.format = layers::JsonFormat::kJson;
  return o;
}

std::vector<BadInput> catalogue() {
  auto inTxn = [](std::function<void(Transaction&)> f) {
    return [f](Database& db) {
      Transaction tr = db.createTransaction();
      f(tr);
      tr.commit();
    };
  };
  layers::Queue queue(Subspace(Tuple{"bad", "queue"}));
  layers::PubSub ps(Subspace(Tuple{"bad", "ps"}));
  layers::DocumentStore docs(Subspace(Tuple{"bad", "docs"}));
  return {
      // kv: sizes
      {"set with a 10,001-byte key", 2102,
       inTxn([](Transaction& tr) { tr.set(std::string(10'001, 'k'), "v"); })},
      {"set with a 100,001-byte value", 2103,
       inTxn([](Transaction& tr) { tr.set("k", std::string(100'001, 'v')); })},
      {"atomic ADD with a 100,001-byte param", 2103, inTxn([](Transaction& tr) {
         tr.atomicOp(MutationType::kAdd, "k", std::string(100'001, '\1'));
       })},
      {"a transaction over its size limit", 2101, inTxn([](Transaction& tr) {
         tr.setSizeLimit(1000);
         for (int i = 0; i < 20; ++i) tr.set("big" + std::to_string(i), std::string(100, 'x'));
       })},
      {"a size limit below 32 bytes", 2006, inTxn([](Transaction& tr) { tr.setSizeLimit(1); })},
      // kv: key space and ranges
      {"set a key in the system key space", 2004,
       inTxn([](Transaction& tr) { tr.set("\xff/x", "v"); })},
      {"get a system key", 2004, inTxn([](Transaction& tr) { (void)tr.get("\xff\x01"); })},
      {"selector past the key space", 2004, inTxn([](Transaction& tr) {
         (void)tr.getKey(KeySelector::firstGreaterOrEqual("\xff\xff\xff"));
       })},
      {"clearRange with begin > end", 2005,
       inTxn([](Transaction& tr) { tr.clearRange("b", "a"); })},
      {"read-conflict range with begin > end", 2005,
       inTxn([](Transaction& tr) { tr.addReadConflictRange("z", "a"); })},
      {"negative range limit", 2012,
       inTxn([](Transaction& tr) { (void)tr.getRangeAll("a", "z", {.limit = -1}); })},
      {"exact streaming mode without a limit", 2210, inTxn([](Transaction& tr) {
         (void)tr.getRangeAll("a", "z", {.mode = StreamingMode::kExact});
       })},
      {"unknown mutation type", 2018,
       inTxn([](Transaction& tr) { tr.atomicOp(static_cast<MutationType>(99), "k", "v"); })},
      {"versionstamped value without an offset", 2000, inTxn([](Transaction& tr) {
         tr.atomicOp(MutationType::kSetVersionstampedValue, "k", "ab");
       })},
      {"versionstamped value with a huge offset", 2000, inTxn([](Transaction& tr) {
         tr.atomicOp(MutationType::kSetVersionstampedValue, "k",
                     std::string(12, 'x') + le32(0xffffffffu));
       })},
      {"versionstamped key with an offset past the key", 2000, inTxn([](Transaction& tr) {
         tr.atomicOp(MutationType::kSetVersionstampedKey, "key" + le32(100), "v");
       })},
      {"read version set twice", 2010, inTxn([](Transaction& tr) {
         int64_t v = tr.getReadVersion();
         tr.setReadVersion(v);
       })},
      {"unknown transaction option", 2007,
       inTxn([](Transaction& tr) { tr.setOption(static_cast<TransactionOption>(99999), 0); })},
      // URLs
      {"unknown URL scheme", 2013, [](Database&) { (void)Database::open("bogus://nowhere"); }},
      {"empty URL", 2013, [](Database&) { (void)Database::open(""); }},
      // tuples and printable keys
      {"tuple with an unknown type code", 2250, [](Database&) { (void)Tuple::unpack("\x99"s); }},
      {"tuple string without terminator", 2250,
       [](Database&) {
         (void)Tuple::unpack(
             "\x02"
             "abc"s);
       }},
      {"truncated tuple integer", 2250, [](Database&) { (void)Tuple::unpack("\x18\x01"s); }},
      {"tuple nested 2,000 deep", 2250,
       [](Database&) { (void)Tuple::unpack(std::string(2000, '\x05')); }},
      {"key outside the subspace", 2252,
       [](Database&) { (void)Subspace(Tuple{"a"}).unpack("zzz"); }},
      {"malformed printable escape", 3005, [](Database&) { (void)unprintable("\\x4"); }},
      {"strinc of an empty prefix", 2000, [](Database&) { (void)strinc(""); }},
      {"strinc of all-0xff bytes", 2000, [](Database&) { (void)strinc("\xff\xff"); }},
      // directory
      {"directory path with an empty name", 3005,
       [](Database&) { (void)parseDirectoryPath("a//b"); }},
      {"open a missing directory", 2257,
       [](Database& db) {
         (void)DirectoryLayer().open(db, {"no", "such"});
       }},
      {"create a directory twice", 2256,
       [](Database& db) {
         (void)DirectoryLayer().createOrOpen(db, {"twice"});
         (void)DirectoryLayer().create(db, {"twice"});
       }},
      {"open a directory with the wrong layer", 2259,
       [](Database& db) {
         (void)DirectoryLayer().createOrOpen(db, {"layered"}, "one");
         (void)DirectoryLayer().open(db, {"layered"}, "two");
       }},
      // layers
      {"queue item of 100,001 bytes", 2103,
       [queue](Database& db) { queue.push(db, std::string(100'001, 'q')); }},
      {"post to a feed that does not exist", 2000,
       [ps](Database& db) { (void)ps.post(db, "no-such-feed", "hello"); }},
      {"read an inbox that does not exist", 2000,
       [ps](Database& db) { (void)ps.read(db, "no-such-inbox"); }},
      {"read an inbox with a negative limit", 2012,
       [ps](Database& db) {
         ps.createInbox(db, "neg");
         (void)ps.read(db, "neg", -1);
       }},
      {"document path with an empty member", 3005,
       [](Database&) { (void)layers::DocPath::parse("a..b"); }},
      {"document path with a negative index", 3005,
       [](Database&) { (void)layers::DocPath::parse("a[-1]"); }},
      {"document path with an unbalanced bracket", 3005,
       [](Database&) { (void)layers::DocPath::parse("a[1"); }},
      {"index with an empty name", 3005,
       [docs](Database& db) {
         (void)docs.addIndex(db, {"", "a.?", layers::IndexKind::kValue});
       }},
      {"import of malformed JSON", 3005,
       [docs](Database& db) {
         std::istringstream in("{\"a\": ");
         (void)docs.importJson(db, {}, in, jsonFormat());
       }},
      {"import of JSON with invalid UTF-8", 3005,
       [docs](Database& db) {
         std::istringstream in("{\"a\": \"\xff\xfe\"}");
         (void)docs.importJson(db, {}, in, jsonFormat());
       }},
      {"import of a JSON line without a path", 3005,
       [docs](Database& db) {
         std::istringstream in("{\"value\": 1}\n");
         (void)docs.importJson(db, {}, in);
       }},
  };
}

class BadInputTest : public testsupport::EngineTest {};

TEST_P(BadInputTest, EveryBadInputGetsItsDocumentedErrorAndNothingCommittedIsLost) {
  db().run([](Transaction& tr) {
    for (int i = 0; i < 50; ++i) tr.set("sentinel/" + std::to_string(i), std::to_string(i));
  });
  int tried = 0;
  for (const BadInput& bad : catalogue()) {
    SCOPED_TRACE(bad.what);
    try {
      bad.call(db());
      ADD_FAILURE() << bad.what << ": no error, expected " << bad.code;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), bad.code) << bad.what << ": " << e.what();
      EXPECT_NE(std::string(e.what()), "") << bad.what;
    } catch (const std::exception& e) {
      ADD_FAILURE() << bad.what << ": a non-strata exception: " << e.what();
    }
    ++tried;
  }
  auto rows =
      db().read([](Transaction& tr) { return tr.getRangeStartsWith("sentinel/").toVector(); });
  ASSERT_EQ(rows.size(), 50u);
  std::printf("[bad-input] %s: %d bad inputs tried\n", kind().c_str(), tried);
}

// Documents hold JSON text: a string value, member name or path that is not UTF-8 is refused at
// write time with invalid_input (3005) and stores nothing (it used to be stored and then make
// every export throw nlohmann's type_error 316).
TEST_P(BadInputTest, ADocumentStringNameOrPathThatIsNotUtf8IsRefusedWithInvalidInput) {
  layers::DocumentStore docs(Subspace(Tuple{"bad", "utf8"}));
  auto codeOf = [](const std::function<void()>& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return e.code();
    }
    return 0;
  };
  EXPECT_EQ(codeOf([&] {
              docs.set(db(), layers::DocPath::parse("x"), nlohmann::json(std::string("\xff\xfe")));
            }),
            3005);
  nlohmann::json badName = nlohmann::json::object();
  badName[std::string("\xc0\xaf")] = 1;  // an overlong '/'
  EXPECT_EQ(codeOf([&] { docs.set(db(), layers::DocPath::parse("y"), badName); }), 3005);
  EXPECT_EQ(codeOf([&] { (void)layers::DocPath::parse("a.\xed\xa0\x80"); }), 3005);  // surrogate
  docs.set(db(), layers::DocPath::parse("ok"), nlohmann::json("caf\xc3\xa9"));
  std::ostringstream out;
  (void)docs.exportJson(db(), {}, out);
  EXPECT_EQ(out.str().find("\"x\""), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("caf"), std::string::npos) << out.str();
}

STRATA_ENGINE_SUITE(BadInputTest);

}  // namespace
}  // namespace strata::reliability
