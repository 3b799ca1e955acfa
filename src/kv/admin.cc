// Database-level operations (strata/kv/admin.h): dispatch to the engine's implementation.
#include "strata/kv/admin.h"

#include "kv/engine.h"
#include "strata/kv/error.h"

#ifdef STRATA_HAVE_LMDB
#include "engines/lmdb/lmdb_admin.h"
#endif
#ifdef STRATA_HAVE_ETCD
#include "engines/etcd/etcd_status.h"
#endif

namespace strata {

DatabaseStatus databaseStatus(Database& db) {
  DatabaseStatus s;
  s.engine = db.engine().name();
  s.url = db.url();
#ifdef STRATA_HAVE_LMDB
  if (s.engine == "lmdb") s.embedded = kv::lmdb::status(db.engine());
#endif
#ifdef STRATA_HAVE_ETCD
  if (s.engine == "etcd") s.etcd = kv::etcd::status(db.engine(), db.url());
#endif
  return s;
}

int clearStaleReaders(Database& db) {
#ifdef STRATA_HAVE_LMDB
  if (db.engine().name() == "lmdb") return kv::lmdb::clearStaleReaders(db.engine());
#endif
  (void)db;
  return 0;
}

BackupResult backupDatabase(Database& db, const std::filesystem::path& dest) {
#ifdef STRATA_HAVE_LMDB
  if (db.engine().name() == "lmdb") return kv::lmdb::backup(db.engine(), dest);
#endif
  (void)dest;
  throwError(ErrorCode::unsupported_operation,
             "backup copies the embedded engine's files; " + db.engine().name() +
                 " has none (use strata dump: an engine-neutral logical copy)");
}

CompactResult compactDatabase(const std::filesystem::path& path) {
#ifdef STRATA_HAVE_LMDB
  return kv::lmdb::compact(path);
#else
  (void)path;
  throwError(ErrorCode::unsupported_operation, "this build has no embedded engine");
#endif
}

}  // namespace strata
