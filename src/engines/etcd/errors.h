// The one translation of gRPC/etcd failures into strata::Error (errors.cc). Nothing outside
// src/engines/etcd/ sees a grpc::Status; client.cc calls these after every failed RPC.
#pragma once

#include <string_view>

#include "strata/kv/error.h"

namespace grpc {
class Status;
}

namespace strata::kv::etcd {

// What the failed call was doing; it decides the code of an ambiguous failure.
enum class Phase { kOpen, kRead, kCommit, kMaintenance };

// How the client reacts to a failure before translating it.
enum class Retry {
  kNo,             // translate and throw
  kOtherEndpoint,  // the request never left or is idempotent: try the next member
};

// Whether the request provably never reached a member that could apply it: no connection was
// made, or the member answered "no leader" before proposing (the engine sends "hasleader").
[[nodiscard]] bool notSent(const grpc::Status& status);

// How to react to `status` in `phase`: reads and never-sent requests fail over; a commit that
// may have been sent does not.
[[nodiscard]] Retry classify(const grpc::Status& status, Phase phase);

// The strata::Error for a failure; `what` names the call ("Txn", "Range").
//   "too many operations in txn request"           -> transaction_too_large (2101), --max-txn-ops
//   "request is too large", gRPC message too large -> transaction_too_large (2101),
//                                                     --max-request-bytes
//   "database space exceeded" (NOSPACE alarm)      -> disk_full (3004)
//   "required revision has been compacted"         -> transaction_too_old (1007)
//   "required revision is a future revision"       -> future_version (1009)
//   anything else during a commit                  -> commit_unknown_result (1021)
//   anything else                                  -> io_error (1510)
[[nodiscard]] Error translate(const grpc::Status& status, Phase phase, std::string_view what);

}  // namespace strata::kv::etcd
