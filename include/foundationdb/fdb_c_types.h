/* The opaque handle types and scalar types of FoundationDB's C API, as strata's drop-in libfdb_c
 * defines them (include/foundationdb/fdb_c.h declares the functions; docs/FDB_C.md is the manual).
 * Thread safety: plain declarations. */
#ifndef FDB_C_TYPES_H
#define FDB_C_TYPES_H
#pragma once

#ifndef DLLEXPORT
#define DLLEXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Pointers to these opaque types are the objects of the API. */
typedef struct FDB_future FDBFuture;
typedef struct FDB_result FDBResult;
typedef struct FDB_cluster FDBCluster;
typedef struct FDB_database FDBDatabase;
typedef struct FDB_tenant FDBTenant;
typedef struct FDB_transaction FDBTransaction;

/* 0 is success; any other value is a FoundationDB error code (fdb_get_error names it). */
typedef int fdb_error_t;
typedef int fdb_bool_t;

#ifdef __cplusplus
}
#endif
#endif
