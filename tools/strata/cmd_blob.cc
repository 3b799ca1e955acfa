// `strata blob`: store and fetch files as blobs (include/strata/layers/blob.h). Blob NAME lives
// under the subspace ("strata.blob", NAME) (docs/FORMATS.md#blob). put streams over as many
// transactions as the file needs and publishes atomically; an interrupted put of the same file
// resumes where it stopped. A progress line is drawn on stderr for transfers of 8 MiB or more
// when stderr is a terminal.
#include <fmt/core.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common.h"
#include "listing.h"
#include "progress.h"
#include "strata/layers/blob.h"

namespace strata::cli {
namespace {

constexpr int64_t kProgressThreshold = 8 << 20;
constexpr size_t kReadBuffer = 1 << 20;

Subspace blobRoot() { return Subspace(Tuple{"strata.blob"}); }
layers::Blob blobNamed(const std::string& name) {
  return layers::Blob(blobRoot().sub(Tuple{name}));
}

bool blobExists(Database& db, const layers::Blob& blob) {
  return db.read([&](Transaction& tr) {
    KeyRange all = blob.subspace().range();
    RangeOptions one;
    one.limit = 1;
    return !tr.getRangeAll(all.begin, all.end, one).empty();
  });
}

// A FILE* that closes itself unless it is stdin/stdout.
struct File {
  std::FILE* f = nullptr;
  bool owned = false;
  ~File() {
    if (owned && f != nullptr) std::fclose(f);
  }
};

File openInput(const std::string& path) {
  if (path == "-") return File{stdin, false};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw Error(ErrorCode::file_not_found, "cannot open '" + path + "'");
  return File{f, true};
}

// CRC-32C of the first `n` bytes of `path`, or nullopt if it is shorter.
std::optional<uint32_t> prefixCrc(const std::string& path, int64_t n) {
  File in = openInput(path);
  std::string buffer(kReadBuffer, '\0');
  uint32_t crc = 0;
  while (n > 0) {
    size_t got =
        std::fread(buffer.data(), 1, std::min<size_t>(buffer.size(), static_cast<size_t>(n)), in.f);
    if (got == 0) return std::nullopt;
    crc = layers::crc32c(std::string_view(buffer).substr(0, got), crc);
    n -= static_cast<int64_t>(got);
  }
  return crc;
}

// The upload id of a put of `path`: the same file (path, size, mtime) resumes the same upload.
std::string uploadIdFor(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error(ErrorCode::file_not_found, "cannot stat '" + path + "'");
  return fmt::format("put:{}:{}:{}.{}", std::filesystem::absolute(path).string(), st.st_size,
                     st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

int64_t fileSize(const std::string& path) {
  struct stat st {};
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return st.st_size;
}

void put(Context& context, const std::string& name, const std::string& path, bool quiet) {
  Database db = openDatabase(context);
  layers::Blob blob = blobNamed(name);
  File in = openInput(path);
  layers::BlobStreamOptions options;
  if (path != "-") options.uploadId = uploadIdFor(path);
  auto writer = std::make_unique<layers::BlobWriter>(db, blob, options);
  if (writer->resumeOffset() > 0) {
    if (prefixCrc(path, writer->resumeOffset()) != writer->resumeCrc32c()) {
      fmt::print(stderr,
                 "the staged upload does not match the file's first bytes; starting over\n");
      writer->abort();
      writer = std::make_unique<layers::BlobWriter>(db, blob, options);
    } else {
      fmt::print(stderr, "resuming an interrupted upload at byte {}\n", writer->resumeOffset());
      if (std::fseek(in.f, static_cast<long>(writer->resumeOffset()), SEEK_SET) != 0) {
        throw Error(ErrorCode::io_error, "cannot seek in '" + path + "'");
      }
    }
  }
  int64_t total = fileSize(path);
  ProgressBar bar(
      "blob put " + name, "bytes", total,
      !quiet && ProgressBar::stderrIsTerminal() && (total < 0 || total >= kProgressThreshold));
  std::string buffer(kReadBuffer, '\0');
  for (;;) {
    size_t got = std::fread(buffer.data(), 1, buffer.size(), in.f);
    if (got == 0) break;
    writer->write(std::string_view(buffer).substr(0, got));
    bar.update(writer->bytesWritten());
  }
  if (std::ferror(in.f)) throw Error(ErrorCode::io_error, "cannot read '" + path + "'");
  layers::BlobDigest digest = writer->publish();
  bar.update(digest.size);
  bar.finish();
  fmt::print("{}: {} bytes, crc32c {:08x}\n", name, digest.size, digest.crc32c);
}

void get(Context& context, const std::string& name, int64_t offset, std::optional<int64_t> length,
         bool quiet) {
  Database db = openDatabase(context);
  layers::Blob blob = blobNamed(name);
  if (!blobExists(db, blob)) {
    fmt::print(stderr, "no blob named '{}'\n", name);
    context.exitCode = kExitAbsent;
    return;
  }
  layers::BlobReader reader(db, blob, offset, length);
  ProgressBar bar("blob get " + name, "bytes", reader.size(),
                  !quiet && ProgressBar::stderrIsTerminal() && reader.size() >= kProgressThreshold);
  int64_t done = 0;
  while (auto piece = reader.next()) {
    if (std::fwrite(piece->data(), 1, piece->size(), stdout) != piece->size()) {
      throw Error(ErrorCode::io_error, "cannot write to stdout");
    }
    done += static_cast<int64_t>(piece->size());
    bar.update(done);
  }
  std::fflush(stdout);
  bar.finish();
}

// Lists the blobs, hopping from one blob's keys to the next (one transaction per blob). With
// --limit, the token ("b1", packListingToken) holds the key prefix of the last blob printed.
void list(Context& context, const ListingArgs& listing) {
  Database db = openDatabase(context);
  Subspace root = blobRoot();
  KeyRange all = root.range();
  std::string cursor = all.begin;
  if (!listing.token.empty()) {
    Tuple t = unpackListingToken("b1", listing.token, "blob ls", "");
    if (t.size() != 3 || t.type(2) != TupleType::kBytes || !t.getBytes(2).starts_with(root.key()) ||
        t.getBytes(2) < all.begin || t.getBytes(2) >= all.end) {
      throwError(ErrorCode::invalid_input, "not a continuation token of 'blob ls'");
    }
    cursor = strinc(t.getBytes(2));
  }
  // The next blob at or after the cursor: its name, size and key prefix.
  struct Entry {
    std::string name;
    int64_t size = 0;
    std::string prefix;
  };
  auto nextEntry = [&](bool withSize) {
    return db.read([&](Transaction& tr) -> std::optional<Entry> {
      RangeOptions one;
      one.limit = 1;
      one.snapshot = Snapshot::kYes;
      auto rows = tr.getRangeAll(cursor, all.end, one);
      if (rows.empty()) return std::nullopt;
      Tuple t = root.unpack(rows[0].key);
      std::string name = t.type(0) == TupleType::kString ? t.getString(0) : t.toString();
      layers::Blob blob(root.sub(Tuple{t[0]}));
      return Entry{name, withSize ? blob.size(tr, Snapshot::kYes) : 0, blob.subspace().key()};
    });
  };
  int64_t printed = 0;
  std::string last;
  while (listing.limit == 0 || printed < listing.limit) {
    std::optional<Entry> entry = nextEntry(true);
    if (!entry) return;
    fmt::print("{}\t{}\n", entry->name, entry->size);
    ++printed;
    last = entry->prefix;
    cursor = strinc(entry->prefix);
  }
  if (nextEntry(false)) {
    fmt::print(stderr, "next: {}\n", packListingToken("b1", Tuple{"blob ls", "", Bytes(last)}));
  }
}

}  // namespace

void addBlobCommands(CLI::App& app, Context& context) {
  CLI::App* blob = app.add_subcommand(
      "blob",
      "Binary objects of any size, stored in 64 KiB chunks with CRC-32C checksums under "
      "(\"strata.blob\", NAME). put is atomic: readers see the old content or the new, never a "
      "partial upload.");
  blob->footer(
      "Examples:\n  strata blob put photo.jpg ./photo.jpg\n  strata blob get photo.jpg > "
      "copy.jpg\n  strata blob ls");
  blob->require_subcommand(1);

  struct PutArgs {
    std::string name, path;
    bool quiet = false;
  };
  auto putArgs = std::make_shared<PutArgs>();
  CLI::App* putCmd = blob->add_subcommand(
      "put",
      "Store FILE (or stdin with '-') as blob NAME, replacing it atomically. Streams over many "
      "transactions; rerunning an interrupted put of the same file resumes it. Prints the size "
      "and CRC-32C.");
  putCmd->footer(
      "Examples:\n  strata blob put photo.jpg ./photo.jpg\n  tar c src | strata blob put src.tar "
      "-");
  putCmd->add_option("NAME", putArgs->name, "Blob name")->required();
  putCmd->add_option("FILE", putArgs->path, "File to store, '-' for stdin")->required();
  putCmd->add_flag("--quiet,-q", putArgs->quiet, "No progress line");
  putCmd->callback(
      [putArgs, &context] { put(context, putArgs->name, putArgs->path, putArgs->quiet); });

  struct GetArgs {
    std::string name;
    int64_t offset = 0;
    std::optional<int64_t> length;
    bool quiet = false;
  };
  auto getArgs = std::make_shared<GetArgs>();
  CLI::App* getCmd = blob->add_subcommand(
      "get",
      "Write blob NAME (or LENGTH bytes from OFFSET) to stdout. Exit code 3 when there is no "
      "such blob. Checks every chunk's CRC-32C, and the whole content's when reading it all.");
  getCmd->footer(
      "Examples:\n  strata blob get photo.jpg > copy.jpg\n  strata blob get photo.jpg --offset 0 "
      "--length 16 | xxd");
  getCmd->add_option("NAME", getArgs->name, "Blob name")->required();
  getCmd->add_option("--offset", getArgs->offset, "First byte to write")
      ->check(CLI::NonNegativeNumber);
  getCmd->add_option("--length", getArgs->length, "Most bytes to write")
      ->check(CLI::NonNegativeNumber);
  getCmd->add_flag("--quiet,-q", getArgs->quiet, "No progress line");
  getCmd->callback([getArgs, &context] {
    get(context, getArgs->name, getArgs->offset, getArgs->length, getArgs->quiet);
  });

  auto name = std::make_shared<std::string>();
  CLI::App* sizeCmd = blob->add_subcommand(
      "size", "Print the size of blob NAME in bytes. Exit code 3 when there is no such blob.");
  sizeCmd->footer("Examples:\n  strata blob size photo.jpg");
  sizeCmd->add_option("NAME", *name, "Blob name")->required();
  sizeCmd->callback([name, &context] {
    Database db = openDatabase(context);
    layers::Blob b = blobNamed(*name);
    if (!blobExists(db, b)) {
      fmt::print(stderr, "no blob named '{}'\n", *name);
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", b.size(db));
  });

  CLI::App* rmCmd = blob->add_subcommand("rm", "Remove blob NAME (and any staged upload of it).");
  rmCmd->footer("Examples:\n  strata blob rm photo.jpg");
  rmCmd->add_option("NAME", *name, "Blob name")->required();
  rmCmd->callback([name, &context] {
    Database db = openDatabase(context);
    blobNamed(*name).remove(db);
  });

  CLI::App* lsCmd = blob->add_subcommand("ls", "List the blobs: NAME <tab> size in bytes.");
  lsCmd->footer("Examples:\n  strata blob ls\n  strata blob ls --limit 100 --continue TOKEN");
  auto listing = std::make_shared<ListingArgs>();
  listing->addTo(*lsCmd);
  lsCmd->callback([listing, &context] { list(context, *listing); });
}

}  // namespace strata::cli
