// A user-written document plugin: the number of pets per city, kept exact in the same
// transaction as every write to `pets.?.city` with atomic ADD (include/strata/layers/doc_plugin.h).
//
//   doc_plugin_city_count                  uses a fresh in-memory database
//   doc_plugin_city_count file:/tmp/pets   uses (and keeps) an embedded database
//
// Every process that writes to this store must register CityCount: the store records it as
// required, and a writer without it fails with doc_plugin_not_registered (3011) instead of
// leaving the counts stale.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "strata/layers/doc.h"
#include "strata/layers/doc_plugin.h"
#include "strata/strata.h"

namespace {

using nlohmann::json;
using strata::layers::DocChange;
using strata::layers::DocPath;
using strata::layers::DocPlugin;
using strata::layers::DocPluginContext;
using strata::layers::DocumentStore;

std::string int64Le(int64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  return out;
}

int64_t fromInt64Le(const std::optional<std::string>& bytes) {
  uint64_t v = 0;
  for (size_t i = 0; bytes && i < bytes->size() && i < 8; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>((*bytes)[i])) << (8 * i);
  }
  return static_cast<int64_t>(v);
}

// Counts pets per city under the plugin's own subspace: (city) -> int64 LE.
class CityCount : public DocPlugin {
 public:
  std::string name() const override { return "city-count"; }
  std::string pattern() const override { return "pets.?.city"; }
  // Called for every pets.<name>.city node set, updated or removed (and, during backfill, for
  // each existing one): count the change, not the call, so a repeated write adds nothing.
  void onChange(const DocPluginContext& context, const DocChange& change) const override {
    if (change.oldValue && change.oldValue->is_string()) add(context, *change.oldValue, -1);
    if (change.newValue && change.newValue->is_string()) add(context, *change.newValue, +1);
  }

  static int64_t count(strata::Transaction& tr, const DocumentStore& store,
                       const std::string& city) {
    return fromInt64Le(tr.get(store.pluginSubspace("city-count").pack(strata::Tuple{city})));
  }

 private:
  static void add(const DocPluginContext& context, const json& city, int64_t delta) {
    context.transaction().atomicOp(strata::MutationType::kAdd,
                                   context.subspace().pack(strata::Tuple{city.get<std::string>()}),
                                   int64Le(delta));
  }
};

}  // namespace

int main(int argc, char** argv) {
  try {
    strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
    DocumentStore store(strata::Subspace(strata::Tuple{"example", "pets"}),
                        {std::make_shared<CityCount>()});

    store.set(db, DocPath::parse("pets.rex"), json{{"species", "dog"}, {"city", "oslo"}});
    // Adding the plugin to a store with data backfills it in bounded transactions.
    store.addPlugin(db, "city-count");
    store.backfill(db, "city-count", 1000, [](int64_t batches) {
      std::printf("backfill: %lld batches\n", (long long)batches);
    });

    store.set(db, DocPath::parse("pets.tom"), json{{"species", "cat"}, {"city", "rome"}});
    store.set(db, DocPath::parse("pets.kit"), json{{"species", "cat"}, {"city", "oslo"}});
    store.update(db, DocPath::parse("pets.rex"),
                 json{{"city", "rome"}});          // moves: oslo -1, rome +1
    store.remove(db, DocPath::parse("pets.tom"));  // rome -1

    for (const char* city : {"oslo", "rome"}) {
      int64_t n =
          db.read([&](strata::Transaction& tr) { return CityCount::count(tr, store, city); });
      std::printf("%s: %lld\n", city, static_cast<long long>(n));
    }
    return 0;
  } catch (const strata::Error& e) {
    std::fprintf(stderr, "error: %s (%d): %s\n", e.name(), e.code(), e.what());
    return 1;
  }
}
