// The one translation of LMDB return codes into strata::Error (errors.cc). Code in this folder
// calls check() after every LMDB call; the engine handles the codes it can recover from
// (MDB_MAP_FULL, MDB_MAP_RESIZED, MDB_TXN_FULL, MDB_READERS_FULL) and passes every other failure
// to translate(). Nothing outside src/engines/lmdb/ sees an MDB_* code.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "strata/kv/error.h"

namespace strata::kv::lmdb {

// Where a failure happened; it decides the strata code (a failed commit's outcome is unknown).
enum class Phase { kOpen, kRead, kWrite, kCommit };

// An untranslated LMDB failure, thrown by check() and caught inside the engine.
class MdbFailure : public std::exception {
 public:
  MdbFailure(int rc, const char* call, Phase phase) : rc_(rc), call_(call), phase_(phase) {}
  [[nodiscard]] int rc() const noexcept { return rc_; }
  [[nodiscard]] const char* call() const noexcept { return call_; }
  [[nodiscard]] Phase phase() const noexcept { return phase_; }
  [[nodiscard]] const char* what() const noexcept override;

 private:
  int rc_;
  const char* call_;
  Phase phase_;
};

// Throws MdbFailure(rc, call, phase) unless rc is 0.
inline void check(int rc, const char* call, Phase phase = Phase::kWrite) {
  if (rc != 0) throw MdbFailure(rc, call, phase);
}

// The strata::Error for an LMDB failure:
//   ENOSPC, EDQUOT, EFBIG, MDB_MAP_FULL          -> disk_full (3004)
//   EACCES/EROFS while writing                  -> database_read_only (3003)
//   MDB_INVALID, MDB_INCOMPATIBLE, MDB_CORRUPTED at open -> not_a_database (3001)
//   MDB_VERSION_MISMATCH                        -> unsupported_format_version (3002)
//   ENOENT at open                              -> file_not_found (1511)
//   anything else in mdb_txn_commit             -> commit_unknown_result (1021)
//   anything else                               -> io_error (1510)
// The detail names the LMDB call and mdb_strerror(rc).
[[nodiscard]] Error translate(int rc, Phase phase, std::string_view call);
[[nodiscard]] Error translate(const MdbFailure& failure);
// The error for an mdb_txn_commit that failed and verifiably did not land (the snapshot after it
// does not hold the batch): disk_full (3004) for space errors, and for the EIO LMDB reports on a
// short write when the file system holding `directory` has under 16 MiB free or the process
// file-size limit is within 16 MiB of data.mdb's size; io_error (1510) otherwise.
[[nodiscard]] Error translateRejectedCommit(int rc, const std::string& directory);

// Classifiers the engine uses to decide whether to recover.
[[nodiscard]] bool isMapFull(int rc) noexcept;
[[nodiscard]] bool isMapResized(int rc) noexcept;
[[nodiscard]] bool isTxnFull(int rc) noexcept;
[[nodiscard]] bool isReadersFull(int rc) noexcept;
[[nodiscard]] bool isNotFound(int rc) noexcept;

}  // namespace strata::kv::lmdb
