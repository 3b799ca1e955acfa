// libFuzzer target: DocumentStore::importJson (both formats) into an in-memory database, with a
// value index on the imported documents. Bad input must raise a strata::Error (invalid_input
// 3005 for malformed JSON or paths, or a limit's code) - never another exception or a crash -
// and after any import the index must match the documents.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "strata/kv.h"
#include "strata/layers/doc.h"

namespace {
strata::Database& database() {
  static strata::Database db = strata::Database::open("memory:fuzz-json");
  return db;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace strata::layers;
  strata::Database& db = database();
  db.run([](strata::Transaction& tr) { tr.clearRange("", "\xff"); });
  DocumentStore docs(strata::Subspace(std::string("d")));
  docs.addIndex(db, {"v", "?.v", IndexKind::kValue});
  docs.buildIndex(db, "v");
  ImportOptions options;
  options.format = (data[0] & 1) ? JsonFormat::kJson : JsonFormat::kJsonLines;
  options.batchBytes = 64 + (data[0] >> 1) * 64;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  try {
    (void)docs.importJson(db, DocPath{}, in, options);
  } catch (const strata::Error&) {
    // documented failure; what was committed before it must still be consistent
  }
  bool ok = db.read([&](strata::Transaction& tr) { return docs.checkIndex(tr, "v").ok(); });
  if (!ok) std::abort();
  std::ostringstream out;
  try {
    (void)docs.exportJson(db, DocPath{}, out);
  } catch (const strata::Error& e) {
    if (e.code() != 2000) std::abort();  // only "no node at ''" (nothing was imported)
  }
  return 0;
}
