// The directory layer's optional path cache (include/strata/directory.h, "Cache"): resolved
// paths of one or more directory layers, each entry valid only for the metadata-version stamp it
// was resolved under. Private to the directory layer.
//
// Thread safety: thread-safe (one mutex around the map and the LRU list).
// Invariants (under mu_): 1. every map value points into lru_, and every lru_ element is in the
//   map under its own key; 2. lru_.size() <= capacity_ after every insert.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace strata {

class DirectoryCache {
 public:
  // What a lookup resolved to: the directory reached after `walked` names of the path (fewer
  // than the path's length when the walk stopped at a partition).
  struct Resolution {
    std::string prefix;
    std::string layer;
    std::size_t walked = 0;
  };

  explicit DirectoryCache(std::size_t capacity) : capacity_(capacity) {}

  // Returns: the entry for `key` if it was stored under `version`.
  [[nodiscard]] std::optional<Resolution> lookup(const std::string& key,
                                                 const std::string& version);
  // Stores (replaces) the entry for `key`, evicting the least recently used beyond capacity.
  void insert(const std::string& key, std::string version, Resolution resolution);

  [[nodiscard]] uint64_t hits() const;
  [[nodiscard]] uint64_t misses() const;

 private:
  struct Entry {
    std::string key;
    std::string version;
    Resolution resolution;
  };

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace strata
