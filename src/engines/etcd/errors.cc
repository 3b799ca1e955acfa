#include "engines/etcd/errors.h"

#include <grpcpp/support/status.h>

#include <string>

namespace strata::kv::etcd {
namespace {

bool has(const grpc::Status& status, std::string_view text) {
  return status.error_message().find(text) != std::string::npos;
}

std::string describe(const grpc::Status& status, std::string_view what) {
  return std::string(what) + ": gRPC code " +
         std::to_string(static_cast<int>(status.error_code())) + ", " + status.error_message();
}

}  // namespace

bool notSent(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
  return has(status, "failed to connect") || has(status, "etcdserver: no leader") ||
         has(status, "Connection refused") || has(status, "not ready");
}

Retry classify(const grpc::Status& status, Phase phase) {
  if (notSent(status)) return Retry::kOtherEndpoint;
  if (phase == Phase::kCommit) return Retry::kNo;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Retry::kOtherEndpoint;
    default:
      break;
  }
  if (has(status, "leader changed") || has(status, "request timed out") ||
      has(status, "no leader") || has(status, "too many requests")) {
    return Retry::kOtherEndpoint;
  }
  return Retry::kNo;
}

Error translate(const grpc::Status& status, Phase phase, std::string_view what) {
  const std::string detail = describe(status, what);
  if (has(status, "too many operations in txn request")) {
    return Error(ErrorCode::transaction_too_large,
                 "etcd --max-txn-ops exceeded (" + detail + "); raise it on the cluster");
  }
  if (has(status, "request is too large") ||
      (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
       has(status, "message larger than max"))) {
    return Error(ErrorCode::transaction_too_large,
                 "etcd --max-request-bytes exceeded (" + detail + "); raise it on the cluster");
  }
  if (has(status, "database space exceeded")) {
    return Error(ErrorCode::disk_full, "etcd NOSPACE alarm: " + detail +
                                           " (raise --quota-backend-bytes, compact, defragment, "
                                           "then disarm the alarm)");
  }
  if (has(status, "required revision has been compacted")) {
    return Error(ErrorCode::transaction_too_old, detail);
  }
  if (has(status, "required revision is a future revision")) {
    return Error(ErrorCode::future_version, detail);
  }
  if (phase == Phase::kCommit && !notSent(status)) {
    return Error(ErrorCode::commit_unknown_result, detail);
  }
  if (phase == Phase::kOpen)
    return Error(ErrorCode::io_error, "etcd cluster unreachable: " + detail);
  return Error(ErrorCode::io_error, detail);
}

}  // namespace strata::kv::etcd
