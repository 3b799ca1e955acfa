/* raw_calls.c: fdb_c calls taking enum arguments as plain ints. */
#pragma once
#ifdef __cplusplus
extern "C" {
#endif
fdb_error_t raw_network_option(int option);
fdb_error_t raw_database_option(FDBDatabase* db, int option);
fdb_error_t raw_transaction_option(FDBTransaction* tr, int option);
FDBFuture* raw_get_range_mode(FDBTransaction* tr, int mode, int iteration);
void raw_atomic_op(FDBTransaction* tr, int type);
fdb_error_t raw_conflict_range(FDBTransaction* tr, int type);
#ifdef __cplusplus
}
#endif
