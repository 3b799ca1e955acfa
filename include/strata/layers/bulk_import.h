// Bulk import: loads a stream of records into a database with several writer threads, in
// transactions sized by bytes, resumable after an interruption. Also the CSV dialect that
// `strata import kv` reads.
//
// Pipeline: the calling thread runs the Source (the producer) and cuts its records into batches
// of about batchBytes (key + value bytes; a record larger than that is a batch of its own). A
// bounded queue (queueDepth batches) hands them to `writers` threads; each writes one batch in
// one transaction through a retry loop (onError: conflicts, 1007, 1021 are retried) and records
// "batch b done" in that same transaction. So after a crash or kill the committed batches are
// exactly the ones marked; a rerun with the same progress subspace and the same input skips them
// (the producer still reads the input up to the end; the skipped batches cost no transaction).
// Batch boundaries depend only on the input and batchBytes, which is stored with the job and
// reused on resume.
//
// Key layout of the job's progress (docs/FORMATS.md#bulk-import, tuple-encoded under `progress`):
//   (0,)    -> pack(("running", batchBytes, fingerprint))   while the job runs or was interrupted
//              pack(("complete", batchBytes, fingerprint, records, bytes))   once it finished
//   (1, b)  -> pack((records, bytes))   batch b committed (cleared when the job completes)
//
// Cost: one transaction per batch, plus one at the start (reading the markers) and one at the
// end. Conflicts: between writers only if Apply makes them (plain sets of distinct keys never do).
// On 1021: a batch is retried whole; Apply must be idempotent (set a key, write a blob range:
// yes; an ADD: no). The marker is a plain set, so a retried batch is harmless.
// Limits: batchBytes in [1, 9,000,000] (one batch must fit a 10 MB commit with room for
// conflict ranges); what Apply writes per record counts against that.
// Thread safety: runBulkImport() may be called from any thread; it calls Source on the calling
// thread, Apply on the writer threads (concurrently: it must be thread-safe), onProgress on a
// writer thread with a mutex held (never concurrently with itself).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

// One unit of input. Its weight for batching is key.size() + value.size().
struct ImportRecord {
  std::string key;
  std::string value;
};

struct BulkImportProgress {
  int64_t records = 0;         // committed so far, including batches of an earlier run
  int64_t bytes = 0;           // key + value bytes committed so far, likewise
  int64_t batches = 0;         // batches committed by this run
  int64_t batchesSkipped = 0;  // batches an earlier run had committed
  int64_t retries = 0;         // transactions retried (conflicts, 1007, 1021)
};

struct BulkImportReport {
  BulkImportProgress totals;
  // The part of `totals` an earlier run had committed (totals - resumed = this run's work).
  BulkImportProgress resumed;
  // The job was already complete: nothing was read or written.
  bool alreadyComplete = false;
  // False when stopped by `cancel`: the job is left resumable.
  bool complete = false;
  double seconds = 0;
};

struct BulkImportOptions {
  // Writer threads. Must be >= 1.
  int writers = 4;
  // Target bytes per batch (one transaction): bigger amortizes commits, smaller retries cheaper.
  int64_t batchBytes = 1'000'000;
  // Batches the queue holds before the producer waits; 0 = 2 x writers. Bounds memory to about
  // (queueDepth + writers) x batchBytes.
  int queueDepth = 0;
  // Where the job's progress lives (see above). Required: a non-empty prefix.
  Subspace progress;
  // Identifies the input (e.g. size and mtime of a file). Resuming with another fingerprint
  // fails with invalid_input (3005) rather than mixing two inputs.
  std::string fingerprint;
  // Called after each committed batch (and once at the start with the resumed totals).
  std::function<void(const BulkImportProgress&)> onProgress;
  // When it becomes true, the producer stops, queued batches are dropped, the batches being
  // written finish, and runBulkImport returns a report with complete = false.
  const std::atomic<bool>* cancel = nullptr;
};

// Produces the next record into `record`. Returns: false at the end of the input.
using ImportSource = std::function<bool(ImportRecord& record)>;
// Writes one record inside a batch's transaction (e.g. tr.set(record.key, record.value)).
using ImportApply = std::function<void(Transaction& tr, const ImportRecord& record)>;

// Runs (or resumes) the import described above.
// Returns: the report. Throws: client_invalid_operation (2000) for bad options; invalid_input
//   (3005) when the progress subspace holds a job with another fingerprint; the first error the
//   source, Apply or a non-retryable commit raised (the job stays resumable).
BulkImportReport runBulkImport(Database& db, const ImportSource& source, const ImportApply& apply,
                               const BulkImportOptions& options);

// Returns: the totals of the job under `progress` when it completed with this fingerprint, else
//   nullopt (never run, interrupted, or another input). Cost: one read.
[[nodiscard]] std::optional<BulkImportProgress> completedBulkImport(Database& db,
                                                                    const Subspace& progress,
                                                                    std::string_view fingerprint);

// Forgets the job under `progress` (all its markers), so the next run starts over.
void clearBulkImportProgress(Database& db, const Subspace& progress);

// ---- CSV ------------------------------------------------------------------------------------

// One CSV field and whether it was quoted.
struct CsvField {
  std::string text;
  bool quoted = false;
};

// Reads RFC 4180 CSV: fields separated by ',', records ended by CRLF or LF (or the end of the
// input); a field starting with '"' is quoted: it ends at the next lone '"', may hold ',' and line
// breaks, and "" inside stands for one '"'. Empty lines are skipped. Bytes are not interpreted
// (any encoding passes through).
// Thread safety: used by one thread at a time.
class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}
  // Reads the next record into `fields`. Returns: false at the end of the input.
  // Throws: invalid_input (3005) for a quote that is not closed, or text after a closing quote.
  bool next(std::vector<CsvField>& fields);
  // The line the last record returned started on (1-based).
  [[nodiscard]] int64_t line() const noexcept { return recordLine_; }
  // Bytes consumed so far.
  [[nodiscard]] int64_t bytesRead() const noexcept { return bytes_; }

 private:
  int get();
  int peek();

  std::istream& in_;
  int64_t line_ = 1;
  int64_t recordLine_ = 0;
  int64_t bytes_ = 0;
};

// The record `strata import kv` makes of a CSV row: key = target.pack(tuple of every field but
// the last), value = the last field's bytes. A field becomes a tuple integer when it is unquoted
// and is canonical decimal fitting int64 (-?(0|[1-9][0-9]*)); otherwise a unicode string (quote
// a field to keep "42" a string). Throws: invalid_input (3005) for fewer than 2 fields.
[[nodiscard]] ImportRecord csvRowToRecord(const std::vector<CsvField>& row, const Subspace& target);

}  // namespace strata::layers
