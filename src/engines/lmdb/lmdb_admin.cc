// Backup, compaction, reader slots and status of the embedded engine (lmdb_admin.h).
#include "engines/lmdb/lmdb_admin.h"

#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <system_error>

#include "engines/lmdb/codec.h"
#include "engines/lmdb/errors.h"
#include "engines/lmdb/format.h"
#include "engines/lmdb/lmdb_access.h"

namespace strata::kv::lmdb {

namespace {

// As lmdb_engine.cc opens environments (the lock file's reader table is sized by the first
// opener, so every opener asks for the same).
constexpr unsigned kMaxReaders = 4096;
constexpr unsigned kMaxDbs = 8;

LmdbAccess accessOf(Engine& engine) {
  auto access = lmdbAccess(engine);
  if (!access) {
    throwError(ErrorCode::unsupported_operation,
               engine.name() + " is not the embedded engine (file:); use strata dump for a copy");
  }
  return std::move(*access);
}

int64_t fileSize(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

bool processGone(int64_t pid) {
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Parses mdb_reader_list's lines: "%10d %zx %zu" (pid, thread, txnid) or "-" for an idle slot.
int collectReader(const char* line, void* ctx) {
  auto* out = static_cast<std::vector<ReaderSlot>*>(ctx);
  std::istringstream in(line);
  std::string pid, thread, txn;
  if (!(in >> pid >> thread >> txn) || pid == "pid") return 0;
  ReaderSlot slot;
  try {
    slot.pid = std::stoll(pid);
    if (txn != "-") slot.txnId = std::stoll(txn);
  } catch (const std::exception&) {
    return 0;  // "(no active readers)"
  }
  slot.thread = thread;
  slot.stale = processGone(slot.pid);
  out->push_back(slot);
  return 0;
}

std::optional<std::string> metaValue(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "mdb_get(meta)", Phase::kRead);
  return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
}

// Counts the pages in LMDB's free list (FREE_DBI = 0): each record is a list of page numbers
// whose first word is its length (as mdb_stat -f does).
int64_t countFreePages(MDB_txn* txn) {
  MDB_cursor* cursor = nullptr;
  check(mdb_cursor_open(txn, 0, &cursor), "mdb_cursor_open(free)", Phase::kRead);
  MDB_val k, v;
  int64_t pages = 0;
  int rc;
  while ((rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) == 0) {
    if (v.mv_size >= sizeof(size_t)) {
      size_t n;
      std::memcpy(&n, v.mv_data, sizeof n);
      pages += static_cast<int64_t>(n);
    }
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) check(rc, "mdb_cursor_get(free)", Phase::kRead);
  return pages;
}

void fsyncPath(const std::filesystem::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

EmbeddedStatus status(Engine& engine) {
  LmdbAccess a = accessOf(engine);
  EmbeddedStatus s;
  s.path = a.path;
  s.fileBytes = fileSize(std::filesystem::path(a.path) / std::string(kDataFile));
  try {
    std::shared_lock lock(*a.mapMu);
    MDB_envinfo info;
    check(mdb_env_info(a.env, &info), "mdb_env_info", Phase::kRead);
    MDB_stat st;
    check(mdb_env_stat(a.env, &st), "mdb_env_stat", Phase::kRead);
    s.mapBytes = static_cast<int64_t>(info.me_mapsize);
    s.pageSize = st.ms_psize;
    s.usedBytes = static_cast<int64_t>(info.me_last_pgno + 1) * st.ms_psize;
    s.maxReaders = info.me_maxreaders;
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(a.env, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin(read)", Phase::kRead);
    try {
      s.freePages = countFreePages(txn);
      if (auto f = metaValue(txn, a.meta, kMetaFormat); f && f->size() == 4) {
        s.formatVersion = decodeU32(*f);
      }
      if (auto v = metaValue(txn, a.meta, kMetaVersion); v && v->size() == 8) {
        s.lastCommitVersion = decodeBE64(*v);
      }
    } catch (...) {
      mdb_txn_abort(txn);
      throw;
    }
    mdb_txn_abort(txn);
    check(mdb_reader_list(a.env, collectReader, &s.readers), "mdb_reader_list", Phase::kRead);
  } catch (const MdbFailure& f) {
    throw translate(f);
  }
  return s;
}

int clearStaleReaders(Engine& engine) {
  LmdbAccess a = accessOf(engine);
  int dead = 0;
  std::shared_lock lock(*a.mapMu);
  int rc = mdb_reader_check(a.env, &dead);
  if (rc != 0) throw translate(rc, Phase::kRead, "mdb_reader_check");
  return dead;
}

BackupResult backup(Engine& engine, const std::filesystem::path& dest) {
  LmdbAccess a = accessOf(engine);
  std::error_code ec;
  if (std::filesystem::exists(dest, ec) &&
      !(std::filesystem::is_directory(dest, ec) && std::filesystem::is_empty(dest, ec))) {
    throwError(ErrorCode::client_invalid_operation,
               dest.string() + " exists and is not an empty directory");
  }
  auto parent = dest.parent_path().empty() ? std::filesystem::path(".") : dest.parent_path();
  auto staging = parent / ("." + dest.filename().string() + ".backup-" +
                           std::to_string(std::random_device{}()));
  std::filesystem::create_directories(staging, ec);
  if (ec)
    throwError(ErrorCode::io_error, "cannot create " + staging.string() + ": " + ec.message());
  try {
    int rc;
    {
      std::shared_lock lock(*a.mapMu);
      rc = mdb_env_copy2(a.env, staging.c_str(), MDB_CP_COMPACT);
    }
    if (rc != 0) throw translate(rc, Phase::kWrite, "mdb_env_copy2");
    fsyncPath(staging / std::string(kDataFile), O_RDONLY);
    if (std::filesystem::exists(dest, ec)) std::filesystem::remove(dest, ec);  // empty dir
    std::filesystem::rename(staging, dest, ec);
    if (ec) throwError(ErrorCode::io_error, "cannot rename the copy to " + dest.string());
    fsyncPath(parent, O_RDONLY | O_DIRECTORY);
  } catch (...) {
    std::filesystem::remove_all(staging, ec);
    throw;
  }
  return {fileSize(dest / std::string(kDataFile))};
}

CompactResult compact(const std::filesystem::path& path) {
  auto data = path / std::string(kDataFile);
  std::error_code ec;
  if (!std::filesystem::exists(data, ec)) {
    throwError(ErrorCode::file_not_found, "no database at " + path.string());
  }
  CompactResult result;
  result.bytesBefore = fileSize(data);
  auto tmp = path / (std::string(kDataFile) + ".compact");
  MDB_env* env = nullptr;
  int fd = -1;
  try {
    // LMDB holds a shared fcntl lock on byte 0 of lock.mdb in every process with the environment
    // open; a write lock there would conflict with any other process's.
    int lockFd = ::open((path / std::string(kLockFile)).c_str(), O_RDWR | O_CLOEXEC);
    if (lockFd >= 0) {
      struct flock probe {};
      probe.l_type = F_WRLCK;
      probe.l_whence = SEEK_SET;
      probe.l_start = 0;
      probe.l_len = 1;
      int got = ::fcntl(lockFd, F_GETLK, &probe);
      ::close(lockFd);  // before our own open: closing an fd drops this process's fcntl locks
      if (got == 0 && probe.l_type != F_UNLCK) {
        throwError(ErrorCode::database_locked,
                   path.string() + " is open in process " + std::to_string(probe.l_pid) +
                       "; compact needs it closed everywhere (or use strata backup)");
      }
    }
    check(mdb_env_create(&env), "mdb_env_create", Phase::kOpen);
    check(mdb_env_set_maxdbs(env, kMaxDbs), "mdb_env_set_maxdbs", Phase::kOpen);
    check(mdb_env_set_maxreaders(env, kMaxReaders), "mdb_env_set_maxreaders", Phase::kOpen);
    int rc = mdb_env_open(env, path.c_str(), MDB_NOTLS, 0644);
    if (rc != 0) throw MdbFailure(rc, "mdb_env_open", Phase::kOpen);
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin", Phase::kOpen);
    MDB_dbi meta;
    rc = mdb_dbi_open(txn, kMetaDb, 0, &meta);
    std::optional<std::string> magic;
    if (rc == 0) magic = metaValue(txn, meta, kMetaMagic);
    mdb_txn_abort(txn);
    if (!magic || *magic != kMagic) {
      throwError(ErrorCode::not_a_database, path.string() + " is not a strata database");
    }
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throwError(ErrorCode::io_error, "cannot create " + tmp.string());
    check(mdb_env_copyfd2(env, fd, MDB_CP_COMPACT), "mdb_env_copyfd2", Phase::kWrite);
    if (::fsync(fd) != 0) throwError(ErrorCode::io_error, "fsync " + tmp.string());
    ::close(fd);
    fd = -1;
    mdb_env_close(env);
    env = nullptr;
    std::filesystem::rename(tmp, data, ec);
    if (ec) throwError(ErrorCode::io_error, "cannot rename over " + data.string());
    fsyncPath(path, O_RDONLY | O_DIRECTORY);
  } catch (const MdbFailure& f) {
    if (fd >= 0) ::close(fd);
    if (env != nullptr) mdb_env_close(env);
    std::filesystem::remove(tmp, ec);
    throw translate(f);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    if (env != nullptr) mdb_env_close(env);
    std::filesystem::remove(tmp, ec);
    throw;
  }
  result.bytesAfter = fileSize(data);
  return result;
}

}  // namespace strata::kv::lmdb
