// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of continuation tokens and
// dump files (docs/FORMATS.md#continuation-tokens, #dump-format). On-disk format: never change.
// Check value: crc32c("123456789") == 0xE3069283.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace strata::kv {

namespace detail {
inline constexpr std::array<uint32_t, 256> makeCrc32cTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
inline constexpr std::array<uint32_t, 256> kCrc32cTable = makeCrc32cTable();
}  // namespace detail

// Continues a CRC-32C over `bytes`; start with crc = 0.
// Returns: the CRC of everything fed so far.
[[nodiscard]] inline uint32_t crc32c(std::string_view bytes, uint32_t crc = 0) {
  crc = ~crc;
  for (unsigned char b : bytes) crc = detail::kCrc32cTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

}  // namespace strata::kv
