// Bulk import: load many records with several writer threads, in byte-sized transactions,
// resumable after an interruption (a rerun skips the batches already committed).
#include <strata/kv.h>
#include <strata/layers/bulk_import.h>
#include <strata/tuple.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  strata::Subspace target(strata::Tuple{"example", "sensors"});

  // The source: called on this thread until it returns false. Here, 20,000 generated readings.
  int next = 0;
  auto source = [&next](strata::layers::ImportRecord& record) {
    if (next == 20'000) return false;
    record.key = std::to_string(next);
    record.value = "reading " + std::to_string(next * 7 % 100);
    ++next;
    return true;
  };
  // Apply: called on the writer threads, once per record, inside the batch's transaction.
  // It must be idempotent (a batch is retried whole after commit_unknown_result).
  auto apply = [&target](strata::Transaction& tr, const strata::layers::ImportRecord& record) {
    tr.set(target.pack(strata::Tuple{std::stoll(record.key)}), record.value);
  };

  strata::layers::BulkImportOptions options;
  options.writers = 2;
  options.batchBytes = 100'000;
  options.progress = strata::Subspace(strata::Tuple{"example", "import-job"});
  options.fingerprint = "generated-v1";  // identifies the input, so a rerun can resume
  auto report = strata::layers::runBulkImport(db, source, apply, options);
  std::printf("imported %lld records in %lld batches\n",
              static_cast<long long>(report.totals.records),
              static_cast<long long>(report.totals.batches));

  // Running the same job again finds it complete and writes nothing.
  next = 0;
  auto rerun = strata::layers::runBulkImport(db, source, apply, options);
  std::printf("rerun: already complete = %d\n", rerun.alreadyComplete);

  auto value = db.read([&](strata::Transaction& tr) { return tr.get(target.pack({19'999})); });
  return report.complete && report.totals.records == 20'000 && rerun.alreadyComplete &&
                 value == "reading 93"
             ? 0
             : 1;
}
