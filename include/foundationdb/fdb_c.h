/* strata's drop-in FoundationDB C API (libfdb_c.so), ABI-compatible with FoundationDB's fdb_c at
 * API versions 610 to 720: the same function names, argument types, struct layouts (FDBKey and
 * FDBKeyValue packed to 4 bytes), enum and option numbers. Every FoundationDB binding (Python, Go,
 * Java, Node, Rust, ...) loads it unchanged and then reads and writes a strata database.
 *
 * Opening: fdb_create_database(path) reads the cluster file at `path` (else $FDB_CLUSTER_FILE, else
 * $STRATA_DB as a URL, else "strata.db"); its one line is a strata URL ("file:/var/lib/app/db",
 * "etcd://127.0.0.1:2379,...", "memory:NAME"). A FoundationDB connection string
 * ("desc:id@ip:port") is refused with connection_string_invalid (2104).
 *
 * Semantics are FoundationDB's (its C API manual) with strata's engines underneath; docs/FDB_C.md
 * lists the differences, which options take effect, which are ignored and which are refused with
 * invalid_option (2007). The short form:
 *   - Futures: reads complete in the calling thread on the embedded engine, so their futures are
 *     usually ready when returned; watches, versionstamps and on_error become ready later.
 *     A callback set on a ready future runs at once on the calling thread; one set on a pending
 *     future runs on the network thread (fdb_run_network) when it becomes ready. Nothing ever
 *     blocks the network thread.
 *   - Errors of set/clear/atomic_op/set_read_version (key_too_large 2102, value_too_large 2103,
 *     key_outside_legal_range 2004, version_invalid 2011, ...) are reported by every later read,
 *     watch and commit of the transaction until on_error or reset, as FoundationDB does.
 *   - Tenants, blob granules, mapped ranges and cluster administration return
 *     unsupported_operation (2108) or tenants_disabled (2136).
 *
 * Thread safety: every function may be called from any thread. A transaction serialises the calls
 * made on it; futures may be waited on from any thread; callbacks run on the network thread.
 */
#ifndef FDB_C_H
#define FDB_C_H
#pragma once

#ifndef DLLEXPORT
#define DLLEXPORT
#endif

#if !defined(FDB_API_VERSION)
#error You must #define FDB_API_VERSION prior to including fdb_c.h (current version is 720)
#elif FDB_API_VERSION < 13
#error API version no longer supported (upgrade to 13)
#elif FDB_API_VERSION > 720
#error Requested API version requires a newer version of this header
#endif

#if FDB_API_VERSION >= 23 && !defined(WARN_UNUSED_RESULT)
#ifdef __GNUG__
#define WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#define WARN_UNUSED_RESULT
#endif
#else
#define WARN_UNUSED_RESULT
#endif

/* Calling a function removed at this FDB_API_VERSION fails to compile. */
#define This_FoundationDB_API_function_is_removed_at_this_FDB_API_VERSION() \
  { == == = }
#define FDB_REMOVED_FUNCTION This_FoundationDB_API_function_is_removed_at_this_FDB_API_VERSION(0)

#include <stdint.h>

#include "fdb_c_options.g.h"
#include "fdb_c_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors -----------------------------------------------------------------------------------
 */

/* The description of `code` ("Transaction not committed due to conflict with another
 * transaction"); "Unknown error" for a code nobody defines. The string is static. */
DLLEXPORT const char* fdb_get_error(fdb_error_t code);

/* True when `code` satisfies FDB_ERROR_PREDICATE_RETRYABLE (50000: 1007, 1009, 1020, 1021, 1038),
 * _MAYBE_COMMITTED (50001: 1021) or _RETRYABLE_NOT_COMMITTED (50002: 1007, 1009, 1020, 1038). */
DLLEXPORT fdb_bool_t fdb_error_predicate(int predicate_test, fdb_error_t code);

/* ---- API version and network ------------------------------------------------------------------
 */

#define /* fdb_error_t */ fdb_select_api_version(v) fdb_select_api_version_impl(v, FDB_API_VERSION)

/* Must be called once before anything else. Returns: 0; api_version_invalid (2202) outside
 * [610, 720] or above `header_version`; api_version_already_set (2201) for a second, different
 * version. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_select_api_version_impl(int runtime_version,
                                                                     int header_version);
/* 720. */
DLLEXPORT int fdb_get_max_api_version(void);
/* "7.2.0 (strata <version>)". */
DLLEXPORT const char* fdb_get_client_version(void);

/* Every FDBNetworkOption number is accepted (tracing, TLS, knobs, client threads: no effect);
 * unknown numbers: invalid_option (2007). Returns: network_already_setup (2009) after
 * fdb_setup_network for the options FoundationDB requires before it. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_network_set_option(FDBNetworkOption option,
                                                                uint8_t const* value,
                                                                int value_length);

#if FDB_API_VERSION >= 14
/* Once per process. Returns: api_version_unset (2200) before fdb_select_api_version;
 * network_already_setup (2009) the second time. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_setup_network(void);
#endif

/* Runs the network thread's loop (future callbacks, on_error timers) on the calling thread and
 * blocks until fdb_stop_network. Returns: 0 after a stop; network_not_setup (2008);
 * network_cannot_be_restarted (2025) once stopped. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_run_network(void);

/* Makes fdb_run_network return; the network cannot be restarted in this process.
 * Returns: network_not_setup (2008) before fdb_setup_network. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_stop_network(void);

/* `hook(hook_parameter)` runs on the network thread as fdb_run_network returns. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t
fdb_add_network_thread_completion_hook(void (*hook)(void*), void* hook_parameter);

/* ---- Structures (FoundationDB's layouts) ------------------------------------------------------
 */

#pragma pack(push, 4)
typedef struct key {
  const uint8_t* key;
  int key_length;
} FDBKey;
#if FDB_API_VERSION >= 710
typedef struct keyvalue {
  const uint8_t* key;
  int key_length;
  const uint8_t* value;
  int value_length;
} FDBKeyValue;
#else
typedef struct keyvalue {
  const void* key;
  int key_length;
  const void* value;
  int value_length;
} FDBKeyValue;
#endif
#pragma pack(pop)

typedef struct keyselector {
  FDBKey key;
  fdb_bool_t orEqual;
  int offset;
} FDBKeySelector;

typedef struct getrangereqandresult {
  FDBKeySelector begin;
  FDBKeySelector end;
  FDBKeyValue* data;
  int m_size, m_capacity;
} FDBGetRangeReqAndResult;

typedef struct mappedkeyvalue {
  FDBKey key;
  FDBKey value;
  FDBGetRangeReqAndResult getRange;
  unsigned char buffer[32];
} FDBMappedKeyValue;

#pragma pack(push, 4)
typedef struct keyrange {
  const uint8_t* begin_key;
  int begin_key_length;
  const uint8_t* end_key;
  int end_key_length;
} FDBKeyRange;
#pragma pack(pop)

typedef struct readgranulecontext {
  void* userContext;
  int64_t (*start_load_f)(const char* filename, int filenameLength, int64_t offset, int64_t length,
                          int64_t fullFileLength, void* context);
  uint8_t* (*get_load_f)(int64_t loadId, void* context);
  void (*free_load_f)(int64_t loadId, void* context);
  fdb_bool_t debugNoMaterialize;
  int granuleParallelism;
} FDBReadBlobGranuleContext;

/* ---- Futures -----------------------------------------------------------------------------------
 * A future is created by the call that returns it and ends with fdb_future_destroy (which also
 * cancels it). Results borrowed through fdb_future_get_* stay valid until the future is destroyed
 * or fdb_future_release_memory is called. */

/* Fails a pending future with operation_cancelled (1101); cancels a watch. No effect when ready. */
DLLEXPORT void fdb_future_cancel(FDBFuture* f);
/* Frees the result's memory; later fdb_future_get_* calls return future_released (1102). */
DLLEXPORT void fdb_future_release_memory(FDBFuture* f);
/* Cancels and frees; a callback not yet run never runs. */
DLLEXPORT void fdb_future_destroy(FDBFuture* f);
/* Blocks the caller until ready. Returns: 0 (the future's own error is fdb_future_get_error's). */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_block_until_ready(FDBFuture* f);
DLLEXPORT fdb_bool_t fdb_future_is_ready(FDBFuture* f);

typedef void (*FDBCallback)(FDBFuture* future, void* callback_parameter);

/* Runs `callback(f, callback_parameter)` once `f` is ready: at once on the calling thread when it
 * already is, otherwise on the network thread. A second call replaces a callback not yet run. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_set_callback(FDBFuture* f, FDBCallback callback,
                                                                 void* callback_parameter);

#if FDB_API_VERSION >= 23
/* The error the future failed with, 0 when it succeeded; future_not_set (2015) while pending. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_error(FDBFuture* f);
#endif

/* Each getter returns the future's error, or client_invalid_operation (2000) when the future
 * holds another kind of result, or future_released (1102) after fdb_future_release_memory. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_int64(FDBFuture* f, int64_t* out);
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_uint64(FDBFuture* f, uint64_t* out);
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_bool(FDBFuture* f, fdb_bool_t* out);
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_key(FDBFuture* f, uint8_t const** out_key,
                                                            int* out_key_length);
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_value(FDBFuture* f, fdb_bool_t* out_present,
                                                              uint8_t const** out_value,
                                                              int* out_value_length);
#if FDB_API_VERSION >= 14
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_keyvalue_array(FDBFuture* f,
                                                                       FDBKeyValue const** out_kv,
                                                                       int* out_count,
                                                                       fdb_bool_t* out_more);
#endif
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_mappedkeyvalue_array(
    FDBFuture* f, FDBMappedKeyValue const** out_kv, int* out_count, fdb_bool_t* out_more);
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_key_array(FDBFuture* f,
                                                                  FDBKey const** out_key_array,
                                                                  int* out_count);
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_string_array(FDBFuture* f,
                                                                     const char*** out_strings,
                                                                     int* out_count);
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t
fdb_future_get_keyrange_array(FDBFuture* f, FDBKeyRange const** out_ranges, int* out_count);

/* FDBResult comes only from fdb_transaction_read_blob_granules, which strata refuses. */
DLLEXPORT void fdb_result_destroy(FDBResult* r);
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_result_get_keyvalue_array(FDBResult* r,
                                                                       FDBKeyValue const** out_kv,
                                                                       int* out_count,
                                                                       fdb_bool_t* out_more);

/* ---- Databases ---------------------------------------------------------------------------------
 * A database handle is thread-safe; it must outlive its transactions. */

/* Opens the strata database the cluster file names (see the top of this header).
 * Returns: no_cluster_file_found (1515) when the file is missing; connection_string_invalid
 * (2104) for an empty file or a FoundationDB connection string; the open error otherwise
 * (invalid_database_name 2013, not_a_database 3001, io_error 1510, ...). */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_create_database(const char* cluster_file_path,
                                                             FDBDatabase** out_database);
/* The same, given the strata URL itself. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_create_database_from_connection_string(
    const char* connection_string, FDBDatabase** out_database);

DLLEXPORT void fdb_database_destroy(FDBDatabase* d);

/* Options 500-503 (and snapshot_ryw_*) become defaults of every later transaction; the rest are
 * accepted without effect, except those docs/FDB_C.md lists as refused (2007). */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_database_set_option(FDBDatabase* d,
                                                                 FDBDatabaseOption option,
                                                                 uint8_t const* value,
                                                                 int value_length);

/* Tenants: tenants_disabled (2136). */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_database_open_tenant(FDBDatabase* d,
                                                                  uint8_t const* tenant_name,
                                                                  int tenant_name_length,
                                                                  FDBTenant** out_tenant);

DLLEXPORT WARN_UNUSED_RESULT fdb_error_t
fdb_database_create_transaction(FDBDatabase* d, FDBTransaction** out_transaction);

/* Cluster administration and blob granules: futures failing with unsupported_operation (2108). */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_reboot_worker(FDBDatabase* db,
                                                                   uint8_t const* address,
                                                                   int address_length,
                                                                   fdb_bool_t check, int duration);
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_force_recovery_with_data_loss(
    FDBDatabase* db, uint8_t const* dcid, int dcid_length);
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_create_snapshot(FDBDatabase* db,
                                                                     uint8_t const* uid,
                                                                     int uid_length,
                                                                     uint8_t const* snap_command,
                                                                     int snap_command_length);
/* 0.0: strata has no busy network thread to report. */
DLLEXPORT WARN_UNUSED_RESULT double fdb_database_get_main_thread_busyness(FDBDatabase* db);
/* A future holding a uint64 protocol version (FoundationDB 7.2's). */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_get_server_protocol(FDBDatabase* db,
                                                                         uint64_t expected_version);
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_purge_blob_granules(
    FDBDatabase* db, uint8_t const* begin_key_name, int begin_key_name_length,
    uint8_t const* end_key_name, int end_key_name_length, int64_t purge_version, fdb_bool_t force);
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_wait_purge_granules_complete(
    FDBDatabase* db, uint8_t const* purge_key_name, int purge_key_name_length);
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_blobbify_range(FDBDatabase* db,
                                                                    uint8_t const* begin_key_name,
                                                                    int begin_key_name_length,
                                                                    uint8_t const* end_key_name,
                                                                    int end_key_name_length);
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_unblobbify_range(FDBDatabase* db,
                                                                      uint8_t const* begin_key_name,
                                                                      int begin_key_name_length,
                                                                      uint8_t const* end_key_name,
                                                                      int end_key_name_length);
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_list_blobbified_ranges(
    FDBDatabase* db, uint8_t const* begin_key_name, int begin_key_name_length,
    uint8_t const* end_key_name, int end_key_name_length, int rangeLimit);
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_database_verify_blob_range(
    FDBDatabase* db, uint8_t const* begin_key_name, int begin_key_name_length,
    uint8_t const* end_key_name, int end_key_name_length, int64_t version);

/* No tenant can be opened, so these only guard against a null or foreign handle. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t
fdb_tenant_create_transaction(FDBTenant* tenant, FDBTransaction** out_transaction);
DLLEXPORT void fdb_tenant_destroy(FDBTenant* tenant);

/* ---- Transactions ------------------------------------------------------------------------------
 * FoundationDB's transaction semantics over strata::Transaction (include/strata/kv/transaction.h):
 * read-your-writes, serializable conflicts (not_committed 1020), the 5-second rule
 * (transaction_too_old 1007), FoundationDB's size limits. */

/* Rolls back unless committed; watches already committed keep watching. */
DLLEXPORT void fdb_transaction_destroy(FDBTransaction* tr);
/* Every later operation fails with transaction_cancelled (1025) until fdb_transaction_reset. */
DLLEXPORT void fdb_transaction_cancel(FDBTransaction* tr);

#if FDB_API_VERSION >= 14
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_transaction_set_option(FDBTransaction* tr,
                                                                    FDBTransactionOption option,
                                                                    uint8_t const* value,
                                                                    int value_length);
#endif

DLLEXPORT void fdb_transaction_set_read_version(FDBTransaction* tr, int64_t version);
/* A future int64. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_read_version(FDBTransaction* tr);

#if FDB_API_VERSION >= 14
/* A future value (present or not). Conflicts: the key unless `snapshot`. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get(FDBTransaction* tr,
                                                            uint8_t const* key_name,
                                                            int key_name_length,
                                                            fdb_bool_t snapshot);
/* A future key: the selector (key_name, or_equal, offset) resolved. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_key(FDBTransaction* tr,
                                                                uint8_t const* key_name,
                                                                int key_name_length,
                                                                fdb_bool_t or_equal, int offset,
                                                                fdb_bool_t snapshot);
#endif

/* A future string array: one plausible local address ("127.0.0.1:4500"). */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_addresses_for_key(
    FDBTransaction* tr, uint8_t const* key_name, int key_name_length);

#if FDB_API_VERSION >= 14
/* A future key-value array: one batch of the range, sized by `mode`, `iteration` (1-based),
 * `limit` (0 = none) and `target_bytes` (0 = the mode's); out_more says whether rows remain. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_range(
    FDBTransaction* tr, uint8_t const* begin_key_name, int begin_key_name_length,
    fdb_bool_t begin_or_equal, int begin_offset, uint8_t const* end_key_name,
    int end_key_name_length, fdb_bool_t end_or_equal, int end_offset, int limit, int target_bytes,
    FDBStreamingMode mode, int iteration, fdb_bool_t snapshot, fdb_bool_t reverse);
#endif

/* unsupported_operation (2108). */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_mapped_range(
    FDBTransaction* tr, uint8_t const* begin_key_name, int begin_key_name_length,
    fdb_bool_t begin_or_equal, int begin_offset, uint8_t const* end_key_name,
    int end_key_name_length, fdb_bool_t end_or_equal, int end_offset, uint8_t const* mapper_name,
    int mapper_name_length, int limit, int target_bytes, FDBStreamingMode mode, int iteration,
    fdb_bool_t snapshot, fdb_bool_t reverse);

/* Buffered writes; their argument errors surface at the next read, watch or commit. */
DLLEXPORT void fdb_transaction_set(FDBTransaction* tr, uint8_t const* key_name, int key_name_length,
                                   uint8_t const* value, int value_length);
DLLEXPORT void fdb_transaction_atomic_op(FDBTransaction* tr, uint8_t const* key_name,
                                         int key_name_length, uint8_t const* param,
                                         int param_length, FDBMutationType operation_type);
DLLEXPORT void fdb_transaction_clear(FDBTransaction* tr, uint8_t const* key_name,
                                     int key_name_length);
DLLEXPORT void fdb_transaction_clear_range(FDBTransaction* tr, uint8_t const* begin_key_name,
                                           int begin_key_name_length, uint8_t const* end_key_name,
                                           int end_key_name_length);

/* A future that becomes ready (no value) when the key's value changes after this transaction
 * commits, in this process or any other on the same database; 1101 after fdb_future_cancel,
 * 1025 if the transaction is reset or destroyed uncommitted. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_watch(FDBTransaction* tr,
                                                              uint8_t const* key_name,
                                                              int key_name_length);

/* A future with no value: 0, or 1020, 1007, 1021, 2101, 1031, 1025, or a deferred write error. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_commit(FDBTransaction* tr);
/* The commit's version; -1 for a read-only commit or before commit. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t
fdb_transaction_get_committed_version(FDBTransaction* tr, int64_t* out_version);
/* A future int64: bytes of mutations and conflict ranges so far. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_approximate_size(FDBTransaction* tr);
/* A future key (10 bytes) ready once the commit succeeds; 2020 if it fails, 2021 read-only. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_versionstamp(FDBTransaction* tr);

/* A future ready after FoundationDB's backoff (10 ms doubling up to max_retry_delay, jittered)
 * once the transaction is reset for a retry; failing with `error` itself when it is not retryable
 * or the retry limit is used up, 1031 past the timeout. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_on_error(FDBTransaction* tr,
                                                                 fdb_error_t error);

/* Back to a fresh transaction with the database's default options. */
DLLEXPORT void fdb_transaction_reset(FDBTransaction* tr);

/* Returns: inverted_range (2005), key_outside_legal_range (2004), client_invalid_operation
 * (2000) for an unknown type. */
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_transaction_add_conflict_range(
    FDBTransaction* tr, uint8_t const* begin_key_name, int begin_key_name_length,
    uint8_t const* end_key_name, int end_key_name_length, FDBConflictRangeType type);

/* A future int64: bytes of the keys and values in the range (a snapshot scan of it; exact). */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_estimated_range_size_bytes(
    FDBTransaction* tr, uint8_t const* begin_key_name, int begin_key_name_length,
    uint8_t const* end_key_name, int end_key_name_length);
/* A future key array: begin, keys about `chunk_size` bytes apart, end. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_range_split_points(
    FDBTransaction* tr, uint8_t const* begin_key_name, int begin_key_name_length,
    uint8_t const* end_key_name, int end_key_name_length, int64_t chunk_size);

/* Blob granules: unsupported_operation (2108); fdb_transaction_read_blob_granules returns NULL. */
DLLEXPORT WARN_UNUSED_RESULT FDBFuture* fdb_transaction_get_blob_granule_ranges(
    FDBTransaction* tr, uint8_t const* begin_key_name, int begin_key_name_length,
    uint8_t const* end_key_name, int end_key_name_length, int rangeLimit);
DLLEXPORT WARN_UNUSED_RESULT FDBResult* fdb_transaction_read_blob_granules(
    FDBTransaction* tr, uint8_t const* begin_key_name, int begin_key_name_length,
    uint8_t const* end_key_name, int end_key_name_length, int64_t beginVersion, int64_t readVersion,
    FDBReadBlobGranuleContext granuleContext);

#define FDB_KEYSEL_LAST_LESS_THAN(k, l) k, l, 0, 0
#define FDB_KEYSEL_LAST_LESS_OR_EQUAL(k, l) k, l, 1, 0
#define FDB_KEYSEL_FIRST_GREATER_THAN(k, l) k, l, 1, 1
#define FDB_KEYSEL_FIRST_GREATER_OR_EQUAL(k, l) k, l, 0, 1

/* ---- Legacy API versions ----------------------------------------------------------------------
 */

#if FDB_API_VERSION < 620
DLLEXPORT WARN_UNUSED_RESULT fdb_error_t fdb_future_get_version(FDBFuture* f, int64_t* out_version);
#else
#define fdb_future_get_version(f, ov) FDB_REMOVED_FUNCTION
#endif

#ifdef __cplusplus
}
#endif
#endif
