#include "engines/etcd/conflict_keys.h"

#include <algorithm>

namespace strata::kv::etcd {

std::optional<std::string> keyAfterPrefix(std::string_view key) {
  std::string s(key);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

WriteMarkers writeMarkers(std::string_view begin, std::string_view end) {
  WriteMarkers out;
  if (begin >= end) return out;
  std::string cur(begin);
  while (cur < end) {
    if (out.points.size() + out.nodes.size() >= kMaxMarkersPerRange) {
      auto diff = std::mismatch(begin.begin(), begin.end(), end.begin(), end.end());
      auto common = static_cast<size_t>(diff.first - begin.begin());
      out.points.clear();
      out.nodes.assign(1, std::string(begin.substr(0, std::min(common, kMaxNodeDepth))));
      return out;
    }
    if (cur.size() > kMaxNodeDepth) {
      // Too deep: an ancestor node covers cur and possibly more (an over-approximation).
      std::string node = cur.substr(0, kMaxNodeDepth);
      auto next = keyAfterPrefix(node);
      out.nodes.push_back(std::move(node));
      if (!next || *next >= end) break;
      cur = std::move(*next);
      continue;
    }
    auto next = keyAfterPrefix(cur);
    if (next && *next <= end) {
      out.nodes.push_back(cur);
      cur = std::move(*next);
    } else {
      // `end` starts with cur: cur alone, then its children from cur + "\x00".
      out.points.push_back(cur);
      cur.push_back('\0');
    }
  }
  return out;
}

std::vector<std::string> coveringNodes(std::string_view begin) {
  std::vector<std::string> nodes;
  const size_t n = std::min(begin.size(), kMaxNodeDepth + 1);
  nodes.reserve(n);
  for (size_t i = 0; i < n; ++i) nodes.emplace_back(begin.substr(0, i));
  return nodes;
}

}  // namespace strata::kv::etcd
