#include "directory/cache.h"

#include <utility>

namespace strata {

std::optional<DirectoryCache::Resolution> DirectoryCache::lookup(const std::string& key,
                                                                 const std::string& version) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->version != version) {
    ++misses_;
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  ++hits_;
  return it->second->resolution;
}

void DirectoryCache::insert(const std::string& key, std::string version, Resolution resolution) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it != index_.end()) {
    it->second->version = std::move(version);
    it->second->resolution = std::move(resolution);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(Entry{key, std::move(version), std::move(resolution)});
  index_.emplace(key, lru_.begin());
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

uint64_t DirectoryCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

uint64_t DirectoryCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

}  // namespace strata
