// Byte codecs of the embedded engine's metadata and conflict log
// (docs/FORMATS.md#embedded-engine-lmdb-on-disk-format). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kv/engine.h"
#include "strata/kv/error.h"

namespace strata::kv::lmdb {

// int64 as 8 bytes big-endian (versions: sorts like the number for non-negative values).
inline std::string encodeBE64(int64_t v) {
  std::string out(8, '\0');
  auto u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i, u >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(u & 0xff);
  return out;
}
inline int64_t decodeBE64(std::string_view in) {
  uint64_t u = 0;
  for (size_t i = 0; i < 8 && i < in.size(); ++i) u = (u << 8) | static_cast<uint8_t>(in[i]);
  return static_cast<int64_t>(u);
}
inline std::string encodeU32(uint32_t v) {
  std::string out(4, '\0');
  for (size_t i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}
inline uint32_t decodeU32(std::string_view in) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4 && i < in.size(); ++i)
    v |= uint32_t(static_cast<uint8_t>(in[i])) << (8 * i);
  return v;
}

// Conflict-log value: u32 LE count, then per range u32 LE length + begin, u32 LE length + end.
inline std::string encodeRanges(const std::vector<const KeyRange*>& ranges) {
  std::string out = encodeU32(static_cast<uint32_t>(ranges.size()));
  for (const KeyRange* r : ranges) {
    out += encodeU32(static_cast<uint32_t>(r->begin.size()));
    out += r->begin;
    out += encodeU32(static_cast<uint32_t>(r->end.size()));
    out += r->end;
  }
  return out;
}
// Throws: io_error (1510) for a record that is truncated or holds an inverted range (a damaged
// file; found by fuzz/format_open_fuzzer.cc).
template <class Fn>
inline void decodeRanges(std::string_view in, Fn&& fn) {
  if (in.size() < 4) return;
  uint32_t n = decodeU32(in);
  size_t pos = 4;
  auto field = [&]() -> std::string_view {
    if (in.size() - pos < 4) throwError(ErrorCode::io_error, "corrupt conflict-log record");
    uint32_t len = decodeU32(in.substr(pos, 4));
    if (in.size() - pos - 4 < len) throwError(ErrorCode::io_error, "corrupt conflict-log record");
    std::string_view out = in.substr(pos + 4, len);
    pos += 4 + size_t{len};
    return out;
  };
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view b = field();
    std::string_view e = field();
    if (e < b) throwError(ErrorCode::io_error, "corrupt conflict-log record: inverted range");
    fn(b, e);
  }
}

}  // namespace strata::kv::lmdb
