#include "strata/kv/error.h"

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
