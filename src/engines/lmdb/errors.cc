#include "engines/lmdb/errors.h"

#include <lmdb.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <string>

namespace strata::kv::lmdb {

const char* MdbFailure::what() const noexcept { return mdb_strerror(rc_); }

Error translate(int rc, Phase phase, std::string_view call) {
  std::string detail = std::string(call) + ": " + mdb_strerror(rc);
  switch (rc) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case MDB_MAP_FULL:
      return Error(ErrorCode::disk_full, detail);
    case MDB_VERSION_MISMATCH:
      return Error(ErrorCode::unsupported_format_version, detail);
    default:
      break;
  }
  if (phase == Phase::kOpen) {
    switch (rc) {
      case MDB_INVALID:
      case MDB_INCOMPATIBLE:
      case MDB_CORRUPTED:
        return Error(ErrorCode::not_a_database, detail);
      case ENOENT:
        return Error(ErrorCode::file_not_found, detail);
      default:
        return Error(ErrorCode::io_error, detail);
    }
  }
  if ((phase == Phase::kWrite || phase == Phase::kCommit) && (rc == EACCES || rc == EROFS)) {
    return Error(ErrorCode::database_read_only, detail);
  }
  if (rc == MDB_READERS_FULL) {
    return Error(ErrorCode::io_error, detail + " (too many open read views across processes)");
  }
  if (phase == Phase::kCommit) return Error(ErrorCode::commit_unknown_result, detail);
  return Error(ErrorCode::io_error, detail);
}

Error translate(const MdbFailure& failure) {
  return translate(failure.rc(), failure.phase(), failure.call());
}

namespace {

// True when a short write is best explained by running out of space.
bool spaceExhausted(const std::string& directory) {
  constexpr unsigned long long kMargin = 16ull << 20;
  struct statvfs fs;
  if (statvfs(directory.c_str(), &fs) == 0 &&
      static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize < kMargin) {
    return true;
  }
  rlimit limit;
  struct stat st;
  std::string data = directory + "/data.mdb";
  if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      stat(data.c_str(), &st) == 0 &&
      static_cast<unsigned long long>(st.st_size) + kMargin >= limit.rlim_cur) {
    return true;
  }
  return false;
}

}  // namespace

Error translateRejectedCommit(int rc, const std::string& directory) {
  std::string detail = std::string("mdb_txn_commit: ") + mdb_strerror(rc) + " (not committed)";
  switch (rc) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case MDB_MAP_FULL:
      return Error(ErrorCode::disk_full, detail);
    case EIO:
      if (spaceExhausted(directory)) return Error(ErrorCode::disk_full, detail);
      return Error(ErrorCode::io_error, detail);
    case EACCES:
    case EROFS:
      return Error(ErrorCode::database_read_only, detail);
    default:
      return Error(ErrorCode::io_error, detail);
  }
}

bool isMapFull(int rc) noexcept { return rc == MDB_MAP_FULL; }
bool isMapResized(int rc) noexcept { return rc == MDB_MAP_RESIZED; }
bool isTxnFull(int rc) noexcept { return rc == MDB_TXN_FULL; }
bool isReadersFull(int rc) noexcept { return rc == MDB_READERS_FULL; }
bool isNotFound(int rc) noexcept { return rc == MDB_NOTFOUND; }

}  // namespace strata::kv::lmdb
