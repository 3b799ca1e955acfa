// The delivery log the work-queue fault tests (tests/crash/work_queue_crash_test.cc,
// tests/etcd/work_queue_failover_test.cc) write beside the queue, in the same transactions as the
// queue operations, and the checks they make on it:
//   (log, "d", item, attempt, token) -> pack((startMs, deadlineMs))   a delivery
//   (log, "e", token)                -> pack((endMs,))                its ack or nack
//   (log, "a", item)                 -> int64 LE, ADD                 successful acks
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/layers/work_queue.h"

namespace strata::testsupport {

struct WorkDelivery {
  int attempt = 0;
  int64_t start = 0, deadline = 0;
  std::optional<int64_t> end;  // when its ack or nack committed
};

struct WorkQueueLog {
  std::map<std::string, std::vector<WorkDelivery>> deliveries;  // by item
  std::map<std::string, int64_t> acks;                          // by item
  std::map<std::string, int> deadAttempts;                      // by item
  size_t deadLetters = 0;                                       // dead letters listed
};

// Reads the whole log and the queue's dead letters in `tr`.
inline WorkQueueLog readWorkQueueLog(Transaction& tr, const Subspace& log,
                                     const layers::WorkQueue& q) {
  WorkQueueLog out;
  RangeOptions all;
  all.mode = StreamingMode::kWantAll;
  std::map<std::string, int64_t> ends;
  KeyRange e = log.range(Tuple{"e"});
  for (const KeyValue& kv : tr.getRangeAll(e.begin, e.end, all)) {
    ends[log.unpack(kv.key).getString(1)] = Tuple::unpack(kv.value).getInt(0);
  }
  KeyRange d = log.range(Tuple{"d"});
  for (const KeyValue& kv : tr.getRangeAll(d.begin, d.end, all)) {
    Tuple k = log.unpack(kv.key);
    Tuple v = Tuple::unpack(kv.value);
    WorkDelivery del{static_cast<int>(k.getInt(2)), v.getInt(0), v.getInt(1), std::nullopt};
    if (auto it = ends.find(k.getString(3)); it != ends.end()) del.end = it->second;
    out.deliveries[k.getString(1)].push_back(del);
  }
  KeyRange a = log.range(Tuple{"a"});
  for (const KeyValue& kv : tr.getRangeAll(a.begin, a.end, all)) {
    int64_t count = 0;
    for (int i = 7; i >= 0; --i) count = (count << 8) | static_cast<uint8_t>(kv.value[i]);
    out.acks[log.unpack(kv.key).getString(1)] = count;
  }
  std::vector<layers::DeadLetter> dead = q.listDead(tr, 1'000'000);
  out.deadLetters = dead.size();
  for (const layers::DeadLetter& dl : dead) out.deadAttempts[dl.item] = dl.attempts;
  return out;
}

// Checks one item: acked exactly once, or dead with exactly `maxAttempts` attempts; attempt
// numbers 1, 2, ... without gaps; no delivery while the previous lease was live.
// Returns: whether the item was acked.
inline bool expectDeliveredOnceOrDead(WorkQueueLog& log, const std::string& item, int maxAttempts) {
  SCOPED_TRACE(item);
  const int64_t acked = log.acks.count(item) ? log.acks[item] : 0;
  if (acked == 1) {
    EXPECT_EQ(log.deadAttempts.count(item), 0u) << "acked and dead";
  } else {
    EXPECT_EQ(acked, 0) << "acked more than once";
    EXPECT_EQ(log.deadAttempts.count(item), 1u) << "lost: neither acked nor dead";
    if (log.deadAttempts.count(item)) {
      EXPECT_EQ(log.deadAttempts[item], maxAttempts);
    }
  }
  std::vector<WorkDelivery>& list = log.deliveries[item];
  std::sort(list.begin(), list.end(),
            [](const WorkDelivery& x, const WorkDelivery& y) { return x.attempt < y.attempt; });
  for (size_t k = 0; k < list.size(); ++k) {
    EXPECT_EQ(list[k].attempt, static_cast<int>(k) + 1) << "attempt numbers skip or repeat";
    if (k == 0) continue;
    const WorkDelivery& prev = list[k - 1];
    const int64_t liveUntil = prev.end ? std::min(*prev.end, prev.deadline) : prev.deadline;
    EXPECT_GE(list[k].start, liveUntil)
        << "attempt " << list[k].attempt << " delivered while attempt " << prev.attempt
        << "'s lease was live";
  }
  EXPECT_LE(list.size(), static_cast<size_t>(maxAttempts));
  return acked == 1;
}

}  // namespace strata::testsupport
