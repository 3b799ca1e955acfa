#include <set>

#include "kv/stats_collector.h"

namespace strata {

std::string_view statsPrefix(std::string_view key) {
  if (key.empty()) return key;
  const auto type = static_cast<unsigned char>(key[0]);
  size_t length = 1;
  if (type == 0x01 || type == 0x02) {
    // Byte or text string: up to its 0x00 terminator (0x00 0xff is an escaped zero byte).
    length = key.size();
    for (size_t i = 1; i < key.size(); ++i) {
      if (key[i] != '\0') continue;
      if (i + 1 < key.size() && static_cast<unsigned char>(key[i + 1]) == 0xff) {
        ++i;
        continue;
      }
      length = i + 1;
      break;
    }
  } else if (type >= 0x0c && type <= 0x1c) {
    length = 1 + static_cast<size_t>(type > 0x14 ? type - 0x14 : 0x14 - type);
  } else if (type == 0x20) {
    length = 5;
  } else if (type == 0x21) {
    length = 9;
  } else if (type == 0x30) {
    length = 17;
  } else if (type == 0x33) {
    length = 13;
  }
  return key.substr(0, std::min(length, key.size()));
}

}  // namespace strata

namespace strata::kv {

void StatsCollector::count(Event event) {
  std::lock_guard lock(mu_);
  switch (event) {
    case Event::kCommit:
      ++totals_.commits;
      break;
    case Event::kConflict:
      ++totals_.conflicts;
      break;
    case Event::kUnknownResult:
      ++totals_.unknownResults;
      break;
    case Event::kResolvedCommitted:
      ++totals_.idempotentResolvedCommitted;
      break;
    case Event::kResolvedNotCommitted:
      ++totals_.idempotentResolvedNotCommitted;
      break;
  }
}

PrefixStats* StatsCollector::slot(std::string_view key) {
  std::string_view prefix = statsPrefix(key);
  auto it = prefixes_.find(prefix);
  if (it != prefixes_.end()) return &it->second;
  if (prefixes_.size() >= kMaxStatsPrefixes) return nullptr;
  auto& entry = prefixes_[std::string(prefix)];
  entry.prefix = std::string(prefix);
  return &entry;
}

void StatsCollector::countConflict(const std::vector<ConflictRange>& ranges) {
  std::lock_guard lock(mu_);
  ++totals_.conflicts;
  std::set<std::string_view> seen;
  for (const auto& r : ranges) {
    if (!seen.insert(statsPrefix(r.begin)).second) continue;
    if (PrefixStats* s = slot(r.begin)) ++s->conflicts;
  }
}

void StatsCollector::countRetry(const std::vector<std::string_view>& prefixKeys) {
  std::lock_guard lock(mu_);
  ++totals_.retries;
  std::set<std::string_view> seen;
  for (std::string_view key : prefixKeys) {
    if (!seen.insert(statsPrefix(key)).second) continue;
    if (PrefixStats* s = slot(key)) ++s->retries;
  }
}

DatabaseStats StatsCollector::snapshot() const {
  std::lock_guard lock(mu_);
  DatabaseStats out = totals_;
  out.prefixes.reserve(prefixes_.size());
  for (const auto& [prefix, s] : prefixes_) out.prefixes.push_back(s);
  return out;
}

}  // namespace strata::kv
