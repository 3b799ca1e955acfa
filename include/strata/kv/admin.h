// Operations on a whole database: online backup and offline compaction of the embedded engine,
// clearing the reader slots of killed processes, and a status report for every engine (what
// `strata backup|compact|status` print).
//
// The embedded engine (file:) keeps readers in LMDB's lock file: a process killed while reading
// leaves its slot behind, pinning old pages until it is cleared. Slots of dead processes are
// cleared when a database is opened and whenever a read finds every slot taken
// (mdb_reader_check); clearStaleReaders() does it on demand and databaseStatus() names them.
//
// Thread safety: thread-safe (each call uses the thread-safe Database).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "strata/kv/database.h"

namespace strata {

// One LMDB reader slot.
struct ReaderSlot {
  int64_t pid = 0;
  std::string thread;            // hex thread id, as LMDB reports it
  std::optional<int64_t> txnId;  // the LMDB snapshot it pins; nullopt for an idle (reset) slot
  bool stale = false;            // the process is gone: the slot is left over from a killed process
};

struct EmbeddedStatus {
  std::string path;            // the database directory
  uint32_t formatVersion = 0;  // strata's on-disk format (docs/FORMATS.md)
  int64_t lastCommitVersion = 0;
  int64_t fileBytes = 0;  // size of data.mdb
  int64_t mapBytes = 0;   // LMDB map size (grows on demand)
  int64_t usedBytes = 0;  // pages up to the last one used, times the page size
  int64_t pageSize = 0;
  int64_t freePages = 0;  // pages in LMDB's free list: reusable now, reclaimed by compact
  int64_t maxReaders = 0;
  std::vector<ReaderSlot> readers;
};

struct EtcdMember {
  std::string endpoint;
  uint64_t id = 0;
  bool answered = false;  // false: the member did not answer the status call
  bool leader = false;
  std::string version;      // etcd server version
  int64_t dbSize = 0;       // bytes of its backend file
  int64_t dbSizeInUse = 0;  // bytes in use in it
  int64_t raftIndex = 0;
};

struct EtcdStatus {
  std::vector<EtcdMember> members;  // one per endpoint of the URL
  uint64_t leader = 0;              // the leader's member id (0 when nobody answered)
  int64_t quotaBytes = 0;           // the backend quota (etcd's --quota-backend-bytes; 0 unknown)
  int64_t maxTxnOps = 0;            // the cluster's limits as the engine measured them
  int64_t maxRequestBytes = 0;
};

struct DatabaseStatus {
  std::string engine;  // "memory", "lmdb", "etcd"
  std::string url;
  std::optional<EmbeddedStatus> embedded;
  std::optional<EtcdStatus> etcd;
};

// Describes `db`. Returns: engine and URL always; `embedded` for file:, `etcd` for etcd://.
// Throws: io_error (1510); the etcd client's errors when no member answers at all.
// Cost: embedded: one read transaction walking LMDB's free list; etcd: one status call per
//   member plus the limit probes on first use.
[[nodiscard]] DatabaseStatus databaseStatus(Database& db);

// Clears the reader slots of processes that no longer exist (mdb_reader_check).
// Returns: how many were cleared; 0 on engines without reader slots.
[[nodiscard]] int clearStaleReaders(Database& db);

struct BackupResult {
  int64_t bytes = 0;  // size of the copy's data.mdb
};

// Writes a consistent, compacted copy of the embedded database `db` to the directory `dest`
// (LMDB's compacting copy, mdb_env_copy2 with MDB_CP_COMPACT): one snapshot, taken while other
// threads and processes keep writing; free pages are left out. The copy opens as a database
// ("file:" + dest). It is written to a sibling folder and renamed into place, so `dest` never
// holds half a copy.
// Returns: the copy's size. Throws: unsupported_operation (2108) on memory: and etcd:// (use
//   dump.h); client_invalid_operation (2000) when `dest` exists and is not an empty directory;
//   io_error (1510), disk_full (3004).
// Cost: reads every page in use once; writers are not blocked, but a growth of the LMDB map
//   waits until the copy ends.
BackupResult backupDatabase(Database& db, const std::filesystem::path& dest);

struct CompactResult {
  int64_t bytesBefore = 0;  // data.mdb before
  int64_t bytesAfter = 0;   // data.mdb after
};

// Rewrites the embedded database in directory `path` without its free pages: a compacting copy
// beside data.mdb, flushed, then renamed over it (atomic: a crash leaves the old file or the
// new one, never a mix). Offline: the database must not be open in any process, this one
// included.
// Throws: database_locked (1038) when another process has it open (naming the process);
//   file_not_found (1511); not_a_database (3001); io_error (1510), disk_full (3004).
CompactResult compactDatabase(const std::filesystem::path& path);

}  // namespace strata
