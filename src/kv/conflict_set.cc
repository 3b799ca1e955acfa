#include "kv/conflict_set.h"

#include <algorithm>
#include <iterator>

namespace strata::kv {

ConflictSet::ConflictSet() { steps_.emplace("", -1); }

void ConflictSet::add(std::string_view begin, std::string_view end, int64_t version) {
  if (begin >= end) return;
  pruneCredit_ += kPruneCreditPerAdd;
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
  // Steps older than the horizon that no prune pass has rewritten yet read as horizon_ - 1.
  int64_t best = horizon_ - 1;
  if (begin >= end) return best;
  auto it = std::prev(steps_.upper_bound(begin));
  best = std::max(best, it->second);
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
  horizon_ = std::max(horizon_, horizon);
  if (pruneCredit_ == 0) return;
  const int64_t old = horizon_ - 1;
  auto effective = [old](int64_t v) { return std::max(v, old); };
  auto it = steps_.lower_bound(pruneCursor_);
  for (; pruneCredit_ > 0 && it != steps_.end(); --pruneCredit_) {
    if (it->second < old) it->second = old;
    if (it != steps_.begin() && effective(std::prev(it)->second) == it->second) {
      it = steps_.erase(it);
    } else {
      ++it;
    }
  }
  if (it == steps_.end()) {
    // The pass is complete; the next one starts from the first step with fresh credit.
    pruneCursor_.clear();
    pruneCredit_ = 0;
  } else {
    pruneCursor_ = it->first;
  }
}

Error conflictError(const std::vector<KeyRange>& ranges, std::string_view detail) {
  std::vector<ConflictRange> out;
  out.reserve(ranges.size());
  for (const KeyRange& r : ranges) out.push_back({r.begin, r.end});
  return Error(ErrorCode::not_committed, detail, std::move(out));
}

}  // namespace strata::kv
