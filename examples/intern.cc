// String interning layer: replace long, repeated strings by short ids, stored once.
#include <strata/kv.h>
#include <strata/layers/intern.h>
#include <strata/tuple.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  strata::layers::StringIntern names(strata::Subspace(strata::Tuple{"example", "intern"}));

  std::string agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)";
  std::string id = names.intern(db, agent);     // allocates an id the first time
  std::string again = names.intern(db, agent);  // the same id afterwards (cached)
  std::printf("id is %zu bytes for a %zu-byte string\n", id.size(), agent.size());

  // Store the short id in your own records...
  db.run([&](strata::Transaction& tr) { tr.set("example/request/1/agent", id); });

  // ...and turn it back into the string when reading.
  auto stored = db.read([](strata::Transaction& tr) { return tr.get("example/request/1/agent"); });
  auto text = names.lookup(db, *stored);
  std::printf("lookup: %s\n", text ? text->c_str() : "(unknown id)");

  auto stats = names.cacheStats();
  std::printf("cache: %zu entries, %llu hits\n", stats.entries,
              static_cast<unsigned long long>(stats.hits));
  return id == again && text == agent && !names.lookup(db, "no-such-id") ? 0 : 1;
}
