#include "kv/write_map.h"

#include <iterator>

#include "kv/atomic.h"

namespace strata::kv {

std::optional<std::string> WriteMap::Entry::resolve(const std::optional<std::string>& base) const {
  if (!dependent) return value;
  std::optional<std::string> v = base;
  for (const auto& [type, param] : ops) v = applyAtomic(type, v, param);
  return v;
}

void WriteMap::set(std::string_view key, std::string_view value) {
  Entry& e = points_[std::string(key)];
  e.dependent = false;
  e.value = std::string(value);
  e.ops.clear();
}

void WriteMap::clear(std::string_view key) {
  Entry& e = points_[std::string(key)];
  e.dependent = false;
  e.value.reset();
  e.ops.clear();
}

void WriteMap::clearRange(std::string_view begin, std::string_view end) {
  if (begin >= end) return;
  points_.erase(points_.lower_bound(begin), points_.lower_bound(end));
  std::string b(begin), e(end);
  // Merge with an overlapping or adjacent range that starts before `begin`.
  auto it = clearedRanges_.upper_bound(b);
  if (it != clearedRanges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= b) {
      b = prev->first;
      if (prev->second > e) e = prev->second;
      clearedRanges_.erase(prev);
    }
  }
  // Absorb ranges starting inside [b, e].
  it = clearedRanges_.lower_bound(b);
  while (it != clearedRanges_.end() && it->first <= e) {
    if (it->second > e) e = it->second;
    it = clearedRanges_.erase(it);
  }
  clearedRanges_.emplace(std::move(b), std::move(e));
}

void WriteMap::atomicOp(MutationType type, std::string_view key, std::string_view param) {
  auto it = points_.find(key);
  if (it == points_.end()) {
    Entry e;
    if (isCleared(key)) {
      e.value = applyAtomic(type, std::nullopt, param);
    } else {
      e.dependent = true;
      e.ops.emplace_back(type, std::string(param));
    }
    points_.emplace(std::string(key), std::move(e));
    return;
  }
  Entry& e = it->second;
  if (e.dependent) {
    e.ops.emplace_back(type, std::string(param));
  } else {
    e.value = applyAtomic(type, e.value, param);
  }
}

std::vector<std::pair<std::string, std::string>> WriteMap::knownSegments(
    std::string_view begin, std::string_view end) const {
  std::vector<std::pair<std::string, std::string>> segments;
  if (begin >= end) return segments;
  auto add = [&](std::string b, std::string e) {
    if (b < begin) b = std::string(begin);
    if (e > end) e = std::string(end);
    if (b >= e) return;
    if (!segments.empty() && b <= segments.back().second) {
      if (e > segments.back().second) segments.back().second = std::move(e);
    } else {
      segments.emplace_back(std::move(b), std::move(e));
    }
  };
  auto range = clearedRanges_.upper_bound(begin);
  if (range != clearedRanges_.begin()) --range;
  auto point = points_.lower_bound(begin);
  // Merge cleared ranges and known points in key order.
  while (true) {
    while (range != clearedRanges_.end() && std::string_view(range->second) <= begin) ++range;
    while (point != points_.end() && point->second.dependent) ++point;
    const bool haveRange = range != clearedRanges_.end() && std::string_view(range->first) < end;
    const bool havePoint = point != points_.end() && std::string_view(point->first) < end;
    if (!haveRange && !havePoint) break;
    if (haveRange && (!havePoint || range->first <= point->first)) {
      add(range->first, range->second);
      ++range;
    } else {
      std::string after = point->first;
      after.push_back('\0');
      add(point->first, std::move(after));
      ++point;
    }
  }
  return segments;
}

const WriteMap::Entry* WriteMap::find(std::string_view key) const {
  auto it = points_.find(key);
  return it == points_.end() ? nullptr : &it->second;
}

bool WriteMap::isCleared(std::string_view key) const {
  auto it = clearedRanges_.upper_bound(key);
  if (it == clearedRanges_.begin()) return false;
  --it;
  return key >= std::string_view(it->first) && key < std::string_view(it->second);
}

WriteMap::State WriteMap::state(std::string_view key) const {
  if (const Entry* e = find(key)) return e->dependent ? State::kDependent : State::kKnown;
  return isCleared(key) ? State::kKnown : State::kUnmodified;
}

}  // namespace strata::kv
