#include "strata/kv/error.h"

#include "strata/kv/key_selector.h"

namespace strata {
namespace {

enum RetryClass { kFatal, kRetryable, kMaybeCommitted };

struct ErrorInfo {
  int code;
  const char* name;
  RetryClass retry;
  const char* message;
};

constexpr ErrorInfo kErrors[] = {
#define STRATA_ERROR(name, code, retry, message) {code, #name, retry, message},
#include "strata/kv/error_table.h"
#undef STRATA_ERROR
};

const ErrorInfo* find(int code) noexcept {
  for (const auto& e : kErrors) {
    if (e.code == code) return &e;
  }
  return nullptr;
}

}  // namespace

Error::Error(ErrorCode code, std::string_view detail) : Error(static_cast<int>(code), detail) {}

Error::Error(int code, std::string_view detail) : code_(code), detail_(detail) {
  what_ = std::string(errorName(code)) + " (" + std::to_string(code) + "): " + errorMessage(code);
  if (!detail_.empty()) what_ += ": " + detail_;
}

Error::Error(ErrorCode code, std::string_view detail, std::vector<ConflictRange> conflictingRanges)
    : Error(code, [&] {
        std::string d(detail);
        if (conflictingRanges.empty()) return d;
        constexpr size_t kShown = 3;
        if (!d.empty()) d += "; ";
        d += "conflicting keys";
        for (size_t i = 0; i < conflictingRanges.size() && i < kShown; ++i) {
          const ConflictRange& r = conflictingRanges[i];
          d += (i == 0 ? " [" : ", [") + printable(r.begin.substr(0, 60)) + ", " +
               printable(r.end.substr(0, 60)) + ")";
        }
        if (conflictingRanges.size() > kShown) {
          d += " and " + std::to_string(conflictingRanges.size() - kShown) + " more";
        }
        return d;
      }()) {
  if (!conflictingRanges.empty()) {
    conflicting_ = std::make_shared<const std::vector<ConflictRange>>(std::move(conflictingRanges));
  }
}

const std::vector<ConflictRange>& Error::conflictingRanges() const noexcept {
  static const std::vector<ConflictRange> kNone;
  return conflicting_ ? *conflicting_ : kNone;
}

const char* Error::name() const noexcept { return errorName(code_); }
bool Error::isRetryable() const noexcept { return errorIsRetryable(code_); }
bool Error::isMaybeCommitted() const noexcept { return errorIsMaybeCommitted(code_); }
bool Error::isRetryableNotCommitted() const noexcept { return errorIsRetryableNotCommitted(code_); }

const char* errorName(int code) noexcept {
  const ErrorInfo* e = find(code);
  return e ? e->name : "unknown_error";
}

const char* errorMessage(int code) noexcept {
  const ErrorInfo* e = find(code);
  return e ? e->message : "unknown error";
}

bool errorIsRetryable(int code) noexcept {
  return errorIsMaybeCommitted(code) || errorIsRetryableNotCommitted(code);
}

bool errorIsMaybeCommitted(int code) noexcept {
  const ErrorInfo* e = find(code);
  return e && e->retry == kMaybeCommitted;
}

bool errorIsRetryableNotCommitted(int code) noexcept {
  const ErrorInfo* e = find(code);
  return e && e->retry == kRetryable;
}

void throwError(ErrorCode code, std::string_view detail) { throw Error(code, detail); }

}  // namespace strata
