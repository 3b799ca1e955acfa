// Bulk import: a bounded producer/consumer pipeline with per-batch progress markers, and the CSV
// reader. Contract and layout: include/strata/layers/bulk_import.h.
#include "strata/layers/bulk_import.h"

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace strata::layers {
namespace {

constexpr int64_t kTagJob = 0;
constexpr int64_t kTagBatch = 1;
constexpr int64_t kMaxBatchBytes = 9'000'000;

struct Batch {
  int64_t index = 0;
  int64_t bytes = 0;
  std::vector<ImportRecord> records;
};

// A bounded FIFO of batches. close() wakes everyone: pop() then drains what is left and returns
// nullopt; push() returns false.
// Invariants: items_.size() <= capacity_; nothing is pushed after closed_.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  bool push(Batch batch) {
    std::unique_lock lock(mu_);
    notFull_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(batch));
    notEmpty_.notify_one();
    return true;
  }
  std::optional<Batch> pop() {
    std::unique_lock lock(mu_);
    notEmpty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    Batch b = std::move(items_.front());
    items_.pop_front();
    notFull_.notify_one();
    return b;
  }
  // `discard`: drop what is queued (after an error) instead of letting writers drain it.
  void close(bool discard) {
    std::lock_guard lock(mu_);
    closed_ = true;
    if (discard) items_.clear();
    notFull_.notify_all();
    notEmpty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable notFull_, notEmpty_;
  std::deque<Batch> items_;
  size_t capacity_;
  bool closed_ = false;
};

struct JobState {
  int64_t batchBytes = 0;
  std::set<int64_t> done;
  BulkImportProgress resumed;
  bool complete = false;
};

JobState loadOrStartJob(Database& db, const BulkImportOptions& options) {
  const Subspace& p = options.progress;
  return db.run([&](Transaction& tr) {
    JobState state;
    std::string jobKey = p.pack(Tuple{kTagJob});
    auto job = tr.get(jobKey);
    if (!job) {
      state.batchBytes = options.batchBytes;
      tr.set(jobKey, Tuple{"running", options.batchBytes, Bytes(options.fingerprint)}.pack());
      return state;
    }
    Tuple t = Tuple::unpack(*job);
    if (t.getBytes(2) != options.fingerprint) {
      throwError(ErrorCode::invalid_input,
                 "the progress subspace holds an import of another input (fingerprint '" +
                     printable(t.getBytes(2)) + "'); clear it to start over");
    }
    state.batchBytes = t.getInt(1);
    if (t.getString(0) == "complete") {
      state.complete = true;
      state.resumed.records = t.getInt(3);
      state.resumed.bytes = t.getInt(4);
      return state;
    }
    KeyRange batches = p.range(Tuple{kTagBatch});
    for (const KeyValue& kv : tr.getRange(batches.begin, batches.end)) {
      state.done.insert(p.unpack(kv.key).getInt(1));
      Tuple counts = Tuple::unpack(kv.value);
      state.resumed.records += counts.getInt(0);
      state.resumed.bytes += counts.getInt(1);
    }
    state.resumed.batchesSkipped = static_cast<int64_t>(state.done.size());
    return state;
  });
}

void checkOptions(const BulkImportOptions& o) {
  if (o.writers < 1) throwError(ErrorCode::client_invalid_operation, "writers must be >= 1");
  if (o.batchBytes < 1 || o.batchBytes > kMaxBatchBytes) {
    throwError(ErrorCode::client_invalid_operation, "batchBytes must be in [1, 9,000,000]");
  }
  if (o.queueDepth < 0) throwError(ErrorCode::client_invalid_operation, "queueDepth must be >= 0");
  if (o.progress.key().empty()) {
    throwError(ErrorCode::client_invalid_operation, "the progress subspace must have a prefix");
  }
}

// Shared by the writer threads of one run.
class Writers {
 public:
  Writers(Database& db, const ImportApply& apply, const BulkImportOptions& options,
          BulkImportProgress start)
      : db_(db), apply_(apply), options_(options), progress_(start) {}

  // Writes one batch in one transaction with the retry loop.
  void write(const Batch& batch) {
    std::string marker = options_.progress.pack(Tuple{kTagBatch, batch.index});
    std::string counts = Tuple{static_cast<int64_t>(batch.records.size()), batch.bytes}.pack();
    Transaction tr = db_.createTransaction();
    int64_t retries = 0;
    for (;;) {
      try {
        for (const ImportRecord& r : batch.records) apply_(tr, r);
        tr.set(marker, counts);
        tr.commit();
        break;
      } catch (const Error& e) {
        tr.onError(e);
        ++retries;
      }
    }
    std::lock_guard lock(mu_);
    progress_.records += static_cast<int64_t>(batch.records.size());
    progress_.bytes += batch.bytes;
    progress_.batches += 1;
    progress_.retries += retries;
    if (options_.onProgress) options_.onProgress(progress_);
  }

  BulkImportProgress progress() {
    std::lock_guard lock(mu_);
    return progress_;
  }

 private:
  Database& db_;
  const ImportApply& apply_;
  const BulkImportOptions& options_;
  std::mutex mu_;
  BulkImportProgress progress_;  // guarded by mu_
};

}  // namespace

BulkImportReport runBulkImport(Database& db, const ImportSource& source, const ImportApply& apply,
                               const BulkImportOptions& options) {
  checkOptions(options);
  auto started = std::chrono::steady_clock::now();
  JobState job = loadOrStartJob(db, options);
  BulkImportReport report;
  if (job.complete) {
    report.alreadyComplete = true;
    report.complete = true;
    report.totals = job.resumed;
    report.resumed = job.resumed;
    return report;
  }
  if (options.onProgress) options.onProgress(job.resumed);

  Writers writers(db, apply, options, job.resumed);
  BatchQueue queue(
      static_cast<size_t>(options.queueDepth > 0 ? options.queueDepth : 2 * options.writers));
  std::mutex errorMu;
  std::exception_ptr firstError;
  auto fail = [&](std::exception_ptr e) {
    {
      std::lock_guard lock(errorMu);
      if (!firstError) firstError = e;
    }
    queue.close(/*discard=*/true);
  };

  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(options.writers));
  for (int i = 0; i < options.writers; ++i) {
    threads.emplace_back([&] {
      while (auto batch = queue.pop()) {
        try {
          writers.write(*batch);
        } catch (...) {
          fail(std::current_exception());
          return;
        }
      }
    });
  }

  bool cancelled = false;
  try {
    Batch batch;
    ImportRecord record;
    auto emit = [&]() -> bool {
      bool keep = true;
      int64_t nextIndex = batch.index + 1;
      if (!batch.records.empty() && !job.done.contains(batch.index)) {
        keep = queue.push(std::move(batch));
      }
      batch = Batch{};
      batch.index = nextIndex;
      return keep;
    };
    bool running = true;
    while (running) {
      if (options.cancel != nullptr && options.cancel->load()) {
        cancelled = true;
        break;
      }
      if (!source(record)) break;
      int64_t weight = static_cast<int64_t>(record.key.size() + record.value.size());
      if (!batch.records.empty() && batch.bytes + weight > job.batchBytes) running = emit();
      batch.bytes += weight;
      batch.records.push_back(std::move(record));
      record = ImportRecord{};
    }
    if (running && !cancelled) emit();
    queue.close(/*discard=*/cancelled);
  } catch (...) {
    fail(std::current_exception());
  }
  for (std::thread& t : threads) t.join();
  if (firstError) std::rethrow_exception(firstError);

  report.totals = writers.progress();
  report.resumed = job.resumed;
  if (!cancelled) {
    const Subspace& p = options.progress;
    db.run([&](Transaction& tr) {
      KeyRange batches = p.range(Tuple{kTagBatch});
      tr.clearRange(batches.begin, batches.end);
      tr.set(p.pack(Tuple{kTagJob}), Tuple{"complete", job.batchBytes, Bytes(options.fingerprint),
                                           report.totals.records, report.totals.bytes}
                                         .pack());
    });
    report.complete = true;
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

std::optional<BulkImportProgress> completedBulkImport(Database& db, const Subspace& progress,
                                                      std::string_view fingerprint) {
  auto job = db.read([&](Transaction& tr) { return tr.get(progress.pack(Tuple{kTagJob})); });
  if (!job) return std::nullopt;
  Tuple t = Tuple::unpack(*job);
  if (t.getString(0) != "complete" || t.getBytes(2) != fingerprint) return std::nullopt;
  BulkImportProgress totals;
  totals.records = t.getInt(3);
  totals.bytes = t.getInt(4);
  return totals;
}

void clearBulkImportProgress(Database& db, const Subspace& progress) {
  db.run([&](Transaction& tr) {
    KeyRange all = progress.range();
    tr.clearRange(all.begin, all.end);
  });
}

// ---- CSV --------------------------------------------------------------------------------------

// The stream buffer directly: istream::get/peek build a sentry per character.
int CsvReader::get() {
  int c = in_.rdbuf()->sbumpc();
  if (c == std::char_traits<char>::eof()) return c;
  ++bytes_;
  if (c == '\n') ++line_;
  return c;
}

int CsvReader::peek() { return in_.rdbuf()->sgetc(); }

bool CsvReader::next(std::vector<CsvField>& fields) {
  constexpr int kEof = std::char_traits<char>::eof();
  fields.clear();
  // Skip empty lines.
  for (;;) {
    int c = peek();
    if (c == '\n') {
      get();
    } else if (c == '\r') {
      get();
    } else if (c == kEof) {
      return false;
    } else {
      break;
    }
  }
  recordLine_ = line_;
  for (;;) {
    CsvField field;
    int c = peek();
    if (c == '"') {
      get();
      field.quoted = true;
      for (;;) {
        c = get();
        if (c == kEof) {
          throwError(ErrorCode::invalid_input,
                     "CSV quote opened on line " + std::to_string(recordLine_) + " is not closed");
        }
        if (c == '"') {
          if (peek() == '"') {
            get();
            field.text += '"';
            continue;
          }
          break;
        }
        field.text += static_cast<char>(c);
      }
      c = peek();
      if (c != ',' && c != '\n' && c != '\r' && c != kEof) {
        throwError(ErrorCode::invalid_input,
                   "CSV text after a closing quote on line " + std::to_string(line_));
      }
    } else {
      while ((c = peek()) != ',' && c != '\n' && c != '\r' && c != kEof) {
        field.text += static_cast<char>(get());
      }
    }
    fields.push_back(std::move(field));
    c = get();
    if (c == ',') continue;
    if (c == '\r' && peek() == '\n') get();
    return true;
  }
}

namespace {
std::optional<int64_t> canonicalInteger(const std::string& text) {
  std::string_view s = text;
  std::string_view digits = s.starts_with('-') ? s.substr(1) : s;
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  if (s == "-0") return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}
}  // namespace

ImportRecord csvRowToRecord(const std::vector<CsvField>& row, const Subspace& target) {
  if (row.size() < 2) {
    throwError(ErrorCode::invalid_input, "a CSV row needs at least 2 fields (key..., value), got " +
                                             std::to_string(row.size()));
  }
  Tuple key;
  for (size_t i = 0; i + 1 < row.size(); ++i) {
    std::optional<int64_t> n = row[i].quoted ? std::nullopt : canonicalInteger(row[i].text);
    if (n) {
      key.append(*n);
    } else {
      key.append(row[i].text);
    }
  }
  return ImportRecord{target.pack(key), row.back().text};
}

}  // namespace strata::layers
