#include "kv/conflict_set.h"

#include <algorithm>
#include <iterator>

namespace strata::kv {

ConflictSet::ConflictSet() { steps_.emplace("", -1); }

void ConflictSet::add(std::string_view begin, std::string_view end, int64_t version) {
  if (begin >= end) return;
  // The version in force just at `end`, restored after the new step.
  auto atEnd = std::prev(steps_.upper_bound(end));
  int64_t endVersion = atEnd->second;
  auto first = steps_.lower_bound(begin);
  auto last = steps_.lower_bound(end);
  bool endIsBoundary = last != steps_.end() && last->first == end;
  steps_.erase(first, last);
  steps_.insert_or_assign(std::string(begin), version);
  if (!endIsBoundary) steps_.emplace(std::string(end), endVersion);
}

int64_t ConflictSet::maxVersion(std::string_view begin, std::string_view end) const {
  if (begin >= end) return horizon_ - 1;
  auto it = std::prev(steps_.upper_bound(begin));
  int64_t best = it->second;
  for (++it; it != steps_.end() && std::string_view(it->first) < end; ++it) {
    best = std::max(best, it->second);
  }
  return best;
}

bool ConflictSet::conflicts(const std::vector<KeyRange>& reads, int64_t readVersion) const {
  for (const auto& r : reads) {
    if (maxVersion(r.begin, r.end) > readVersion) return true;
  }
  return false;
}

std::vector<KeyRange> ConflictSet::conflictingRanges(const std::vector<KeyRange>& reads,
                                                     int64_t readVersion) const {
  std::vector<KeyRange> out;
  for (const auto& r : reads) {
    if (maxVersion(r.begin, r.end) > readVersion) out.push_back(r);
  }
  return out;
}

void ConflictSet::prune(int64_t horizon) {
  if (horizon <= horizon_) return;
  horizon_ = horizon;
  const int64_t old = horizon - 1;
  int64_t previous = 0;
  bool first = true;
  for (auto it = steps_.begin(); it != steps_.end();) {
    if (it->second < horizon) it->second = old;
    if (!first && it->second == previous) {
      it = steps_.erase(it);
      continue;
    }
    previous = it->second;
    first = false;
    ++it;
  }
}

}  // namespace strata::kv
