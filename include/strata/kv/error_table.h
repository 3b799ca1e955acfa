// The one table of every error strata raises (docs/ARCHITECTURE.md#errors). It generates the
// ErrorCode enum, the names, the messages and the retry predicates in error.h.
//
// FoundationDB's codes keep their numbers and names (the tuple/directory binding codes 2250-2269
// included). Codes strata invents take the 3xxx band, each commented with who raises it.
// Add a code only when a caller can catch it and do something different.
//
// No include guard on purpose: include with STRATA_ERROR defined.
//
// clang-format off
//           name                                 code  retry class       message
STRATA_ERROR(success,                                0, kFatal,          "success")
STRATA_ERROR(operation_failed,                    1000, kFatal,          "operation failed")
STRATA_ERROR(timed_out,                           1004, kFatal,          "operation timed out")
STRATA_ERROR(transaction_too_old,                 1007, kRetryable,      "transaction is too old to perform reads or be committed")
STRATA_ERROR(future_version,                      1009, kRetryable,      "request for future version")
STRATA_ERROR(not_committed,                       1020, kRetryable,      "transaction not committed due to conflict with another transaction")
STRATA_ERROR(commit_unknown_result,               1021, kMaybeCommitted, "transaction may or may not have committed")
STRATA_ERROR(transaction_cancelled,               1025, kFatal,          "operation aborted because the transaction was cancelled")
STRATA_ERROR(watch_cancelled,                     1029, kFatal,          "operation aborted because the watch was cancelled")
STRATA_ERROR(transaction_timed_out,               1031, kFatal,          "operation aborted because the transaction timed out")
STRATA_ERROR(too_many_watches,                    1032, kFatal,          "too many watches currently set")
STRATA_ERROR(watches_disabled,                    1034, kFatal,          "watches cannot be set if read your writes is disabled")
STRATA_ERROR(accessed_unreadable,                 1036, kFatal,          "read or wrote an unreadable key")
STRATA_ERROR(database_locked,                     1038, kRetryable,      "database is locked")
STRATA_ERROR(operation_cancelled,                 1101, kFatal,          "asynchronous operation cancelled")
STRATA_ERROR(future_released,                     1102, kFatal,          "future has been released")
STRATA_ERROR(io_error,                            1510, kFatal,          "disk i/o operation failed")
STRATA_ERROR(file_not_found,                      1511, kFatal,          "file not found")
STRATA_ERROR(client_invalid_operation,            2000, kFatal,          "invalid API call")
STRATA_ERROR(key_outside_legal_range,             2004, kFatal,          "key outside legal range")
STRATA_ERROR(inverted_range,                      2005, kFatal,          "range begin key larger than end key")
STRATA_ERROR(invalid_option_value,                2006, kFatal,          "option set with an invalid value")
STRATA_ERROR(invalid_option,                      2007, kFatal,          "option not valid in this context")
STRATA_ERROR(read_version_already_set,            2010, kFatal,          "transaction already has a read version set")
STRATA_ERROR(range_limits_invalid,                2012, kFatal,          "invalid range limits")
STRATA_ERROR(invalid_database_name,               2013, kFatal,          "invalid database name or URL")
STRATA_ERROR(used_during_commit,                  2017, kFatal,          "operation issued while a commit was outstanding")
STRATA_ERROR(invalid_mutation_type,               2018, kFatal,          "unrecognized atomic mutation type")
STRATA_ERROR(transaction_invalid_version,         2020, kFatal,          "transaction does not have a valid commit version")
STRATA_ERROR(no_commit_version,                   2021, kFatal,          "transaction is read-only and therefore does not have a commit version")
STRATA_ERROR(transaction_read_only,               2023, kFatal,          "attempted to commit a transaction specified as read-only")
STRATA_ERROR(transaction_too_large,               2101, kFatal,          "transaction exceeds byte limit")
STRATA_ERROR(key_too_large,                       2102, kFatal,          "key length exceeds limit")
STRATA_ERROR(value_too_large,                     2103, kFatal,          "value length exceeds limit")
// Raised by kv/scan.h for a pinned scan on an engine that cannot keep a version, and by kv/admin.h
// for an operation the engine does not have (backup/compact outside the embedded engine).
STRATA_ERROR(unsupported_operation,               2108, kFatal,          "operation is not supported")
STRATA_ERROR(exact_mode_without_limits,           2210, kFatal,          "EXACT streaming mode requires limits, but none were given")
STRATA_ERROR(invalid_tuple_data_type,             2250, kFatal,          "unrecognized data type in packed tuple")
STRATA_ERROR(invalid_tuple_index,                 2251, kFatal,          "tuple does not have an element at the specified index")
STRATA_ERROR(key_not_in_subspace,                 2252, kFatal,          "cannot unpack key that is not in subspace")
STRATA_ERROR(manual_prefixes_not_enabled,         2253, kFatal,          "cannot specify a prefix unless manual prefixes are enabled")
STRATA_ERROR(prefix_in_partition,                 2254, kFatal,          "cannot specify a prefix in a partition")
STRATA_ERROR(cannot_open_root_directory,          2255, kFatal,          "root directory cannot be opened")
STRATA_ERROR(directory_already_exists,            2256, kFatal,          "directory already exists")
STRATA_ERROR(directory_does_not_exist,            2257, kFatal,          "directory does not exist")
STRATA_ERROR(parent_directory_does_not_exist,     2258, kFatal,          "directory's parent does not exist")
STRATA_ERROR(mismatched_layer,                    2259, kFatal,          "directory has already been created with a different layer string")
STRATA_ERROR(invalid_directory_layer_metadata,    2260, kFatal,          "invalid internal directory layer metadata")
STRATA_ERROR(cannot_move_directory_between_partitions, 2261, kFatal,     "directory cannot be moved between partitions")
STRATA_ERROR(cannot_use_partition_as_subspace,    2262, kFatal,          "directory partition cannot be used as subspace")
STRATA_ERROR(incompatible_directory_version,      2263, kFatal,          "directory layer was created with an incompatible version")
STRATA_ERROR(directory_prefix_not_empty,          2264, kFatal,          "database has keys stored at the prefix chosen by the automatic prefix allocator")
STRATA_ERROR(directory_prefix_in_use,             2265, kFatal,          "directory layer already has a conflicting prefix")
STRATA_ERROR(invalid_destination_directory,       2266, kFatal,          "target directory is invalid")
STRATA_ERROR(cannot_modify_root_directory,        2267, kFatal,          "root directory cannot be modified")
STRATA_ERROR(invalid_uuid_size,                   2268, kFatal,          "UUID is not sixteen bytes")
STRATA_ERROR(invalid_versionstamp_size,           2269, kFatal,          "versionstamp is not exactly twelve bytes")
// strata's own codes (3xxx).
// Raised by Database::open when a path holds something that is not a strata database.
STRATA_ERROR(not_a_database,                      3001, kFatal,          "path is not a strata database")
// Raised by Database::open for an on-disk format newer than this build understands.
STRATA_ERROR(unsupported_format_version,          3002, kFatal,          "database format version is not supported by this build")
// Raised by writes on a database opened read-only (?readonly).
STRATA_ERROR(database_read_only,                  3003, kFatal,          "database was opened read-only")
// Raised by commits when the disk (or quota) is full; nothing committed before is lost.
STRATA_ERROR(disk_full,                           3004, kFatal,          "no space left on the device holding the database")
// Raised by tuple/printable-key parsers on malformed text input (CLI, JSON import).
STRATA_ERROR(invalid_input,                       3005, kFatal,          "malformed input")
// Raised by Watch::wait() when it times out before the watch fired.
STRATA_ERROR(watch_timed_out,                     3006, kFatal,          "watch wait timed out")
// Raised by layers/vector.h for an index outside the vector: get/swap at an index < 0 or >= size,
// set/resize with a negative index or size. Catch it to treat "past the end" as absence.
STRATA_ERROR(index_out_of_range,                  3007, kFatal,          "index is outside the vector")
// Raised by layers/work_queue.h when ack/nack/extend is given a token whose lease is no longer
// held: the item was leased again under another token, given back, or dead-lettered. Nothing
// changed; the caller's work on the item is not recorded (another consumer owns it now).
STRATA_ERROR(lease_lost,                          3010, kFatal,          "queue lease is no longer held by this token")
// Raised by layers/doc.h mutations when the store records a plugin (layers/doc_plugin.h) that this
// process did not register: register it, or remove it from the store (strata doc plugins rm).
STRATA_ERROR(doc_plugin_not_registered,           3011, kFatal,          "document store requires a plugin this process did not register")
// clang-format on
