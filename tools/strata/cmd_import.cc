// `strata import`: bulk loads with several writer threads, byte-sized batches, a progress line
// and a final report, resumable after an interruption (include/strata/layers/bulk_import.h).
//   import kv FILE.csv      each CSV row -> key (PREFIX, fields but the last...), value = last
//   import blob NAME FILE   FILE -> blob NAME, written in parallel, published atomically
// The job's progress lives under ("strata.import", "kv"|"blob", TARGET, absolute path); rerunning
// the same command on the same (unchanged) file resumes it, and on a finished job says so unless
// --restart. Ctrl-C stops after the batches in flight; rerun to resume.
#include <fmt/core.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "common.h"
#include "progress.h"
#include "strata/layers/blob.h"
#include "strata/layers/bulk_import.h"

namespace strata::cli {
namespace {

std::atomic<bool> gInterrupted{false};

extern "C" void onInterrupt(int) { gInterrupted.store(true); }

// Routes SIGINT to gInterrupted while alive.
class InterruptGuard {
 public:
  InterruptGuard() {
    gInterrupted = false;
    previous_ = std::signal(SIGINT, onInterrupt);
  }
  ~InterruptGuard() { std::signal(SIGINT, previous_); }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  void (*previous_)(int) = SIG_DFL;
};

struct CommonArgs {
  int writers = 4;
  int64_t batchBytes = 1'000'000;
  bool restart = false;
  bool quiet = false;

  void addTo(CLI::App& cmd) {
    cmd.add_option("--writers", writers, "Writer threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd.add_option("--batch-bytes", batchBytes,
                   "Key + value bytes per transaction (at most 9,000,000)")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{9'000'000}));
    cmd.add_flag("--restart", restart, "Forget an earlier run of this import and start over");
    cmd.add_flag("--quiet,-q", quiet, "No progress line");
  }
};

struct InputFile {
  std::string absolute;
  int64_t size = 0;
  std::string fingerprint;
};

InputFile statInput(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::file_not_found, "'" + path + "' is not a readable regular file");
  }
  return InputFile{
      std::filesystem::absolute(path).string(), st.st_size,
      fmt::format("size={} mtime={}.{:09}", st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)};
}

void printReport(Context& context, const layers::BulkImportReport& r, std::string_view what) {
  const auto& t = r.totals;
  if (r.alreadyComplete) {
    fmt::print("already imported: {} {} ({:.1f} MiB); use --restart to import again\n",
               groupThousands(t.records), what, static_cast<double>(t.bytes) / (1 << 20));
    return;
  }
  double rate = r.seconds > 0 ? static_cast<double>(t.records - r.resumed.records) / r.seconds : 0;
  fmt::print(
      "{} {} {} ({:.1f} MiB) in {:.2f} s: {} {}/s; {} batches written, {} skipped (done by an "
      "earlier run), {} retried transactions\n",
      r.complete ? "imported" : "interrupted after", groupThousands(t.records), what,
      static_cast<double>(t.bytes) / (1 << 20), r.seconds,
      groupThousands(static_cast<int64_t>(rate)), what, groupThousands(t.batches),
      groupThousands(t.batchesSkipped), groupThousands(t.retries));
  if (!r.complete) {
    fmt::print(stderr, "interrupted: rerun the same command to resume\n");
    context.exitCode = kExitError;
  }
}

void importKv(Context& context, const std::string& path, const std::string& prefix, bool header,
              const CommonArgs& args) {
  InputFile input = statInput(path);
  Database db = openDatabase(context);
  Subspace target(Tuple{prefix});
  layers::BulkImportOptions options;
  options.writers = args.writers;
  options.batchBytes = args.batchBytes;
  options.progress = Subspace(Tuple{"strata.import", "kv", prefix, input.absolute});
  options.fingerprint = input.fingerprint;
  if (args.restart) layers::clearBulkImportProgress(db, options.progress);

  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::file_not_found, "cannot open '" + path + "'");
  layers::CsvReader csv(in);
  std::vector<layers::CsvField> row;
  std::atomic<int64_t> rowsRead{0}, bytesRead{0};
  if (header) csv.next(row);
  layers::ImportSource source = [&](layers::ImportRecord& record) {
    if (!csv.next(row)) return false;
    try {
      record = layers::csvRowToRecord(row, target);
    } catch (const Error& e) {
      throw Error(ErrorCode::invalid_input,
                  fmt::format("{} line {}: {}", path, csv.line(), e.detail()));
    }
    rowsRead.fetch_add(1, std::memory_order_relaxed);
    bytesRead.store(csv.bytesRead(), std::memory_order_relaxed);
    return true;
  };
  ProgressBar bar("import kv", "rows", -1, !args.quiet);
  options.onProgress = [&](const layers::BulkImportProgress& p) {
    int64_t read = rowsRead.load(std::memory_order_relaxed);
    int64_t bytes = bytesRead.load(std::memory_order_relaxed);
    // Estimated total rows: the rows read so far scaled by the fraction of the file read.
    int64_t total = bytes > 0 ? static_cast<int64_t>(static_cast<double>(read) *
                                                     static_cast<double>(input.size) /
                                                     static_cast<double>(bytes))
                              : -1;
    bar.update(p.records, total > p.records ? total : p.records);
  };
  InterruptGuard guard;
  options.cancel = &gInterrupted;
  layers::BulkImportReport report = layers::runBulkImport(
      db, source, [](Transaction& tr, const layers::ImportRecord& r) { tr.set(r.key, r.value); },
      options);
  if (!report.alreadyComplete) {
    bar.update(report.totals.records, report.complete ? report.totals.records : -1);
  }
  bar.finish();
  printReport(context, report, "rows");
}

std::string bigEndian64(int64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[7 - i] = static_cast<char>(static_cast<uint64_t>(v) >> (8 * i));
  return out;
}

int64_t fromBigEndian64(std::string_view s) {
  uint64_t v = 0;
  for (unsigned char c : s) v = (v << 8) | c;
  return static_cast<int64_t>(v);
}

uint32_t fileCrc(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string buffer(1 << 20, '\0');
  uint32_t crc = 0;
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    crc = layers::crc32c(std::string_view(buffer).substr(0, static_cast<size_t>(in.gcount())), crc);
  }
  return crc;
}

void importBlob(Context& context, const std::string& name, const std::string& path,
                const CommonArgs& args) {
  InputFile input = statInput(path);
  Database db = openDatabase(context);
  layers::Blob blob(Subspace(Tuple{"strata.blob"}).sub(Tuple{name}));
  layers::BulkImportOptions options;
  options.writers = args.writers;
  options.batchBytes = args.batchBytes;
  options.progress = Subspace(Tuple{"strata.import", "blob", name, input.absolute});
  options.fingerprint = input.fingerprint;
  std::string uploadId = "import:" + input.absolute + ":" + input.fingerprint;
  if (args.restart) {
    layers::clearBulkImportProgress(db, options.progress);
    db.run([&](Transaction& tr) {
      if (auto old = blob.findUpload(tr, uploadId)) blob.abortUpload(tr, *old);
    });
  }
  std::optional<layers::BlobUpload> staged =
      db.read([&](Transaction& tr) { return blob.findUpload(tr, uploadId); });
  if (auto done = layers::completedBulkImport(db, options.progress, options.fingerprint)) {
    // Finished earlier; if its publish was interrupted, publish now.
    if (staged) {
      layers::BlobDigest digest{input.size, fileCrc(path)};
      db.run([&](Transaction& tr) { blob.publishUpload(tr, *staged, digest); });
      fmt::print("published blob '{}': {} bytes, crc32c {:08x}\n", name, digest.size,
                 digest.crc32c);
    }
    layers::BulkImportReport report;
    report.alreadyComplete = report.complete = true;
    report.totals = report.resumed = *done;
    printReport(context, report, "chunks");
    return;
  }
  layers::BlobUpload upload =
      staged ? *staged : db.run([&](Transaction& tr) { return blob.startUpload(tr, uploadId); });

  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::file_not_found, "cannot open '" + path + "'");
  int64_t offset = 0;
  uint32_t crc = 0;
  layers::ImportSource source = [&](layers::ImportRecord& record) {
    record.value.resize(static_cast<size_t>(layers::kBlobChunkSize));
    in.read(record.value.data(), layers::kBlobChunkSize);
    auto got = static_cast<size_t>(in.gcount());
    if (got == 0) return false;
    record.value.resize(got);
    record.key = bigEndian64(offset);
    crc = layers::crc32c(record.value, crc);
    offset += static_cast<int64_t>(got);
    return true;
  };
  ProgressBar bar("import blob " + name, "bytes", input.size, !args.quiet);
  options.onProgress = [&](const layers::BulkImportProgress& p) {
    bar.update(p.bytes - 8 * p.records);  // record keys are 8-byte offsets
  };
  InterruptGuard guard;
  options.cancel = &gInterrupted;
  layers::BulkImportReport report = layers::runBulkImport(
      db, source,
      [&](Transaction& tr, const layers::ImportRecord& r) {
        blob.writeUpload(tr, upload, fromBigEndian64(r.key), r.value);
      },
      options);
  bar.finish();
  if (report.complete) {
    layers::BlobDigest digest{input.size, crc};
    db.run([&](Transaction& tr) { blob.publishUpload(tr, upload, digest); });
    fmt::print("published blob '{}': {} bytes, crc32c {:08x}\n", name, digest.size, digest.crc32c);
  }
  printReport(context, report, "chunks");
}

}  // namespace

void addImportCommands(CLI::App& app, Context& context) {
  CLI::App* import = app.add_subcommand(
      "import",
      "Bulk loads: parallel writers, transactions sized by bytes, a progress line, a final "
      "report; rerunning an interrupted import (Ctrl-C, crash) of the same unchanged file resumes "
      "it.");
  import->footer(
      "Examples:\n  strata import kv users.csv --prefix users --header\n  strata import blob "
      "backup.tar ./backup.tar");
  import->require_subcommand(1);

  struct KvArgs {
    std::string path;
    std::string prefix = "bulk_kvp";
    bool header = false;
    CommonArgs common;
  };
  auto kv = std::make_shared<KvArgs>();
  CLI::App* kvCmd = import->add_subcommand(
      "kv",
      "Import FILE.csv: each row becomes key (PREFIX, field1, ..., fieldN-1) (tuple-packed) "
      "with the last field as the value (raw bytes). CSV dialect: RFC 4180 (',' separated, "
      "CRLF or LF, \"quoted\" fields may hold commas, line breaks and \"\" for a quote; empty "
      "lines skipped). An unquoted key field in canonical decimal that fits int64 becomes a "
      "tuple integer; every other field a unicode string (quote a number to keep it a string).");
  kvCmd->footer(
      "Examples:\n  strata import kv users.csv --prefix users --header\n  strata import kv big.csv "
      "--writers 8 --batch-bytes 500000");
  kvCmd->add_option("FILE", kv->path, "CSV file")->required();
  kvCmd->add_option("--prefix", kv->prefix, "First key element (a string)")->capture_default_str();
  kvCmd->add_flag("--header", kv->header, "Skip the first row");
  kv->common.addTo(*kvCmd);
  kvCmd->callback(
      [kv, &context] { importKv(context, kv->path, kv->prefix, kv->header, kv->common); });

  struct BlobArgs {
    std::string name, path;
    CommonArgs common;
  };
  auto blob = std::make_shared<BlobArgs>();
  CLI::App* blobCmd = import->add_subcommand(
      "blob",
      "Import FILE as blob NAME (as `blob put`, but with parallel writers): readers see the old "
      "content until the whole file is in, then the new content at once.");
  blobCmd->footer(
      "Examples:\n  strata import blob backup.tar ./backup.tar\n  strata import blob video.mp4 "
      "./video.mp4 --writers 8");
  blobCmd->add_option("NAME", blob->name, "Blob name")->required();
  blobCmd->add_option("FILE", blob->path, "File")->required();
  blob->common.addTo(*blobCmd);
  blobCmd->callback(
      [blob, &context] { importBlob(context, blob->name, blob->path, blob->common); });
}

}  // namespace strata::cli
