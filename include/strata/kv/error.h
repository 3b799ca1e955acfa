// strata::Error is the one exception type strata raises. It carries FoundationDB's numeric error
// code and name (see error_table.h for every code) and says whether Transaction::onError() may
// retry it. Compare codes, never messages: messages carry detail and may change.
//
// Retry classes (FoundationDB's fdb_error_predicate):
//   retryable-not-committed: 1007, 1009, 1020, 1038 — the transaction certainly did not commit;
//   maybe-committed:         1021 — the commit may or may not have landed; a retry may apply the
//                            transaction's effects twice unless the body is idempotent;
//   everything else is fatal to the transaction (onError rethrows it).
//
// Conflict reports: a not_committed (1020) raised by a commit carries the transaction's
// read-conflict ranges that another commit wrote into after its read version
// (conflictingRanges(), FoundationDB's report_conflicting_keys). Exact on the memory and embedded
// engines; on etcd a superset that can only be wider where the engine's conflict markers
// over-approximate a write (docs/engines/etcd.md#conflict-reports). The same ranges are readable
// in the failed transaction under "\xff\xff/transaction/conflicting_keys/" (transaction.h).
//
// Thread safety: immutable after construction; share freely.
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

enum class ErrorCode : int {
#define STRATA_ERROR(name, code, retry, message) name = code,
#include "strata/kv/error_table.h"
#undef STRATA_ERROR
};

// A key range [begin, end) named by an error: a read-conflict range that conflicted.
struct ConflictRange {
  std::string begin;
  std::string end;
  bool operator==(const ConflictRange&) const = default;
};

class Error : public std::exception {
 public:
  // Builds an error for `code`; `detail` (may be empty) is appended to the table's message.
  explicit Error(ErrorCode code, std::string_view detail = {});
  // Builds an error from a raw numeric code (unknown codes are named "unknown_error").
  explicit Error(int code, std::string_view detail = {});
  // A not_committed (1020) naming the read-conflict ranges that conflicted; the detail lists the
  // first few in printable form.
  Error(ErrorCode code, std::string_view detail, std::vector<ConflictRange> conflictingRanges);

  [[nodiscard]] int code() const noexcept { return code_; }
  [[nodiscard]] ErrorCode errorCode() const noexcept { return static_cast<ErrorCode>(code_); }
  // The FoundationDB name, e.g. "not_committed".
  [[nodiscard]] const char* name() const noexcept;
  // "<name> (<code>): <message>[: detail]".
  [[nodiscard]] const char* what() const noexcept override { return what_.c_str(); }
  // The detail given at construction, possibly empty.
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
  // The read-conflict ranges that conflicted, sorted and disjoint; empty for other errors and
  // where the engine could not tell (see the top).
  [[nodiscard]] const std::vector<ConflictRange>& conflictingRanges() const noexcept;

  // True for codes onError() retries (retryable-not-committed or maybe-committed).
  [[nodiscard]] bool isRetryable() const noexcept;
  // True for 1021: the transaction may have committed.
  [[nodiscard]] bool isMaybeCommitted() const noexcept;
  // True for codes that guarantee the transaction did not commit and may be retried.
  [[nodiscard]] bool isRetryableNotCommitted() const noexcept;

  bool operator==(ErrorCode c) const noexcept { return code_ == static_cast<int>(c); }

 private:
  int code_;
  std::string detail_;
  std::string what_;
  std::shared_ptr<const std::vector<ConflictRange>> conflicting_;  // null when none
};

// The FoundationDB name of `code`, or "unknown_error".
[[nodiscard]] const char* errorName(int code) noexcept;
// The table's message for `code`, or "unknown error".
[[nodiscard]] const char* errorMessage(int code) noexcept;
// fdb_error_predicate's three predicates over raw codes.
[[nodiscard]] bool errorIsRetryable(int code) noexcept;
[[nodiscard]] bool errorIsMaybeCommitted(int code) noexcept;
[[nodiscard]] bool errorIsRetryableNotCommitted(int code) noexcept;

// Throws Error(code, detail).
[[noreturn]] void throwError(ErrorCode code, std::string_view detail = {});

}  // namespace strata
