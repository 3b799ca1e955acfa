// The key-value API: open a database, run a transaction with the retry loop, read a range, and
// handle an error by its FoundationDB code.
//
//   ./example_kv_basics [URL]        (default memory:; try file:/tmp/kv-demo)
#include <strata/kv.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");

  // run() commits and retries on conflicts; the lambda may run more than once.
  db.run([](strata::Transaction& tr) {
    tr.set("fruit/apple", "3");
    tr.set("fruit/banana", "5");
    tr.set("veg/kale", "1");
  });

  // read() runs a read-only transaction, also with retries.
  auto fruit = db.read([](strata::Transaction& tr) {
    return tr.getRange("fruit/", "fruit0").toVector();  // "0" sorts right after "/"
  });
  for (const strata::KeyValue& kv : fruit) {
    std::printf("%s = %s\n", kv.key.c_str(), kv.value.c_str());
  }

  // Errors are strata::Error, with FoundationDB's code and name.
  try {
    db.run([](strata::Transaction& tr) { tr.set(std::string(20'000, 'k'), "too long"); });
    return 1;  // not reached: keys are limited to 10,000 bytes
  } catch (const strata::Error& e) {
    std::printf("expected error: %s (%d)\n", e.name(), e.code());
    if (e.errorCode() != strata::ErrorCode::key_too_large) return 1;
  }

  // The same for a URL with an unknown scheme.
  try {
    strata::Database bad = strata::Database::open("nosuch://x");
    return 1;
  } catch (const strata::Error& e) {
    std::printf("expected error: %s (%d)\n", e.name(), e.code());
  }
  return fruit.size() == 2 ? 0 : 1;
}
