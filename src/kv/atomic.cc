#include "kv/atomic.h"

#include <algorithm>
#include <cstring>

#include "strata/kv/error.h"
#include "strata/kv/options.h"

namespace strata::kv {
namespace {

// existing truncated or zero-extended to n bytes.
std::string fit(std::string_view existing, size_t n) {
  std::string out(existing.substr(0, std::min(existing.size(), n)));
  out.resize(n, '\0');
  return out;
}

std::string add(std::string_view existing, std::string_view param) {
  std::string out = fit(existing, param.size());
  unsigned carry = 0;
  for (size_t i = 0; i < param.size(); ++i) {
    unsigned sum = static_cast<uint8_t>(out[i]) + static_cast<uint8_t>(param[i]) + carry;
    out[i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  return out;
}

// Compares little-endian unsigned integers of equal length.
int compareLittleEndian(std::string_view a, std::string_view b) {
  for (size_t i = a.size(); i-- > 0;) {
    auto x = static_cast<uint8_t>(a[i]), y = static_cast<uint8_t>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

template <class Op>
std::string bitwise(std::string_view existing, std::string_view param, Op op) {
  std::string out = fit(existing, param.size());
  for (size_t i = 0; i < param.size(); ++i) {
    out[i] = static_cast<char>(op(static_cast<uint8_t>(out[i]), static_cast<uint8_t>(param[i])));
  }
  return out;
}

}  // namespace

std::optional<std::string> applyAtomic(MutationType type,
                                       const std::optional<std::string>& existing,
                                       std::string_view param) {
  const bool absent = !existing.has_value();
  const bool absentOrEmpty = absent || existing->empty();
  switch (type) {
    case MutationType::kAdd:
      if (absentOrEmpty) return std::string(param);
      return add(*existing, param);
    case MutationType::kBitAnd:
      if (absent) return std::string(param);
      return bitwise(*existing, param, [](uint8_t a, uint8_t b) { return a & b; });
    case MutationType::kBitOr:
      if (absentOrEmpty) return std::string(param);
      return bitwise(*existing, param, [](uint8_t a, uint8_t b) { return a | b; });
    case MutationType::kBitXor:
      if (absentOrEmpty) return std::string(param);
      return bitwise(*existing, param, [](uint8_t a, uint8_t b) { return a ^ b; });
    case MutationType::kAppendIfFits:
      if (absentOrEmpty) return std::string(param);
      if (existing->size() + param.size() > kMaxValueSize) return existing;
      return *existing + std::string(param);
    case MutationType::kMax: {
      if (absentOrEmpty) return std::string(param);
      std::string cur = fit(*existing, param.size());
      return compareLittleEndian(cur, param) >= 0 ? cur : std::string(param);
    }
    case MutationType::kMin: {
      if (absent) return std::string(param);
      std::string cur = fit(*existing, param.size());
      return compareLittleEndian(cur, param) <= 0 ? cur : std::string(param);
    }
    case MutationType::kByteMin:
      if (absent) return std::string(param);
      return std::min(*existing, std::string(param));
    case MutationType::kByteMax:
      if (absent) return std::string(param);
      return std::max(*existing, std::string(param));
    case MutationType::kCompareAndClear:
      if (!absent && *existing == param) return std::nullopt;
      return existing;
    default:
      throwError(ErrorCode::invalid_mutation_type, mutationName(type));
  }
}

uint32_t versionstampOffset(std::string_view operand) {
  if (operand.size() < 4) {
    throwError(ErrorCode::client_invalid_operation, "versionstamp operand shorter than 4 bytes");
  }
  const auto* p = reinterpret_cast<const uint8_t*>(operand.data() + operand.size() - 4);
  uint32_t pos = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  if (static_cast<uint64_t>(pos) + 10 > operand.size() - 4) {
    throwError(ErrorCode::client_invalid_operation,
               "versionstamp offset " + std::to_string(pos) + " out of bounds");
  }
  return pos;
}

std::string applyVersionstamp(std::string_view operand, const CommitStamp& stamp) {
  uint32_t pos = versionstampOffset(operand);
  std::string out(operand.substr(0, operand.size() - 4));
  std::memcpy(out.data() + pos, stamp.data(), stamp.size());
  return out;
}

CommitStamp makeCommitStamp(int64_t version, uint16_t order) {
  CommitStamp s{};
  auto v = static_cast<uint64_t>(version);
  for (int i = 7; i >= 0; --i) {
    s[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  s[8] = static_cast<uint8_t>(order >> 8);
  s[9] = static_cast<uint8_t>(order & 0xff);
  return s;
}

}  // namespace strata::kv
