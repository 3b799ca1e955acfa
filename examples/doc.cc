// Document layer: JSON documents stored as a tree of keys; read or update any subtree; a value
// index answers "which documents have city = X".
#include <strata/kv.h>
#include <strata/layers/doc.h>
#include <strata/tuple.h>

#include <cstdio>
#include <nlohmann/json.hpp>

using strata::layers::DocPath;

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  strata::layers::DocumentStore docs(strata::Subspace(strata::Tuple{"example", "docs"}));

  docs.addIndex(db, {"by_city", "users.?.address.city", strata::layers::IndexKind::kValue});
  docs.buildIndex(db, "by_city");  // instant while empty; new writes keep it current

  docs.set(db, DocPath::parse("users.ada"),
           {{"name", "Ada"}, {"address", {{"city", "London"}}}, {"langs", {"en", "fr"}}});
  docs.set(db, DocPath::parse("users.bo"), {{"name", "Bo"}, {"address", {{"city", "Oslo"}}}});

  // Read a subtree; patch part of a document without rewriting the rest.
  auto city = docs.get(db, DocPath::parse("users.ada.address.city"));
  docs.update(db, DocPath::parse("users.bo"), {{"age", 41}});
  auto bo = docs.get(db, DocPath::parse("users.bo"));
  std::printf("ada lives in %s; bo is %s\n", city->dump().c_str(), bo->dump().c_str());

  auto inOslo = docs.find(db, "by_city", "Oslo");
  for (const auto& match : inOslo) std::printf("in Oslo: %s\n", match.document.toString().c_str());

  bool removed = docs.remove(db, DocPath::parse("users.ada"));
  return *city == "London" && (*bo)["age"] == 41 && inOslo.size() == 1 && removed &&
                 !docs.get(db, DocPath::parse("users.ada"))
             ? 0
             : 1;
}
