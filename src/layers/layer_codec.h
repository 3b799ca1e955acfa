// Small encodings the layers share (internal: not installed, not part of the public API).
//
// int64Le / fromInt64Le: the 8-byte little-endian two's-complement form FoundationDB's atomic ADD,
// MIN and MAX operate on (docs/FORMATS.md). fromInt64Le reads up to 8 bytes; missing high bytes
// count as zero, as ADD treats a shorter value.
// layerRng(): a per-thread random generator for nonces, shard choice and jitter (not for secrets).
//
// Thread safety: every function is safe to call from any thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace strata::layers::codec {

inline std::string int64Le(int64_t value) {
  std::string out(8, '\0');
  auto u = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((u >> (8 * i)) & 0xff);
  return out;
}

inline int64_t fromInt64Le(std::string_view bytes) {
  uint64_t u = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    u |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  }
  return static_cast<int64_t>(u);
}

inline std::mt19937_64& layerRng() {
  thread_local std::mt19937_64 gen{std::random_device{}() ^
                                   (static_cast<uint64_t>(std::random_device{}()) << 32)};
  return gen;
}

}  // namespace strata::layers::codec
