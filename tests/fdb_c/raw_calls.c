/* Calls with enum arguments no enumerator names, as a binding may pass them (C enums are ints).
 * Written in C: it also proves fdb_c.h compiles as C. Used by fdb_c_test.cc. */
#define FDB_API_VERSION 720
#include <foundationdb/fdb_c.h>

#include "raw_calls.h"

fdb_error_t raw_network_option(int option) { return fdb_network_set_option(option, 0, 0); }

fdb_error_t raw_database_option(FDBDatabase* db, int option) {
  return fdb_database_set_option(db, option, 0, 0);
}

fdb_error_t raw_transaction_option(FDBTransaction* tr, int option) {
  return fdb_transaction_set_option(tr, option, 0, 0);
}

FDBFuture* raw_get_range_mode(FDBTransaction* tr, int mode, int iteration) {
  return fdb_transaction_get_range(tr, FDB_KEYSEL_FIRST_GREATER_OR_EQUAL((const uint8_t*)"a", 1),
                                   FDB_KEYSEL_FIRST_GREATER_OR_EQUAL((const uint8_t*)"b", 1), 0, 0,
                                   mode, iteration, 0, 0);
}

void raw_atomic_op(FDBTransaction* tr, int type) {
  fdb_transaction_atomic_op(tr, (const uint8_t*)"k", 1, (const uint8_t*)"v", 1, type);
}

fdb_error_t raw_conflict_range(FDBTransaction* tr, int type) {
  return fdb_transaction_add_conflict_range(tr, (const uint8_t*)"a", 1, (const uint8_t*)"b", 1,
                                            type);
}
