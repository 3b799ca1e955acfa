#include "strata/kv/key_selector.h"

#include <string>

#include "strata/kv/error.h"
#include "strata/kv/mutation.h"
#include "strata/kv/range.h"

namespace strata {

std::string KeySelector::toString() const {
  std::string base = orEqual ? (offset >= 1 ? "firstGreaterThan" : "lastLessOrEqual")
                             : (offset >= 1 ? "firstGreaterOrEqual" : "lastLessThan");
  int rest = offset >= 1 ? offset - 1 : offset;
  std::string s = base + "('" + printable(key) + "')";
  if (rest > 0) s += "+" + std::to_string(rest);
  if (rest < 0) s += std::to_string(rest);
  return s;
}

std::string keyAfter(std::string_view k) {
  std::string s(k);
  s.push_back('\0');
  return s;
}

std::string strinc(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) {
    throwError(ErrorCode::client_invalid_operation,
               "strinc: key must contain at least one byte not equal to 0xff");
  }
  s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
  return s;
}

std::string printable(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (char ch : bytes) {
    auto c = static_cast<uint8_t>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 32 && c < 127) {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string unprintable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 >= text.size()) throwError(ErrorCode::invalid_input, "dangling backslash");
    char next = text[i + 1];
    if (next == '\\') {
      out.push_back('\\');
      i += 1;
    } else if (next == 'x' && i + 3 < text.size() && hexValue(text[i + 2]) >= 0 &&
               hexValue(text[i + 3]) >= 0) {
      out.push_back(static_cast<char>(hexValue(text[i + 2]) * 16 + hexValue(text[i + 3])));
      i += 3;
    } else {
      throwError(ErrorCode::invalid_input,
                 "bad escape at offset " + std::to_string(i) + " (use \\xNN or \\\\)");
    }
  }
  return out;
}

bool isAtomicOp(MutationType type) noexcept {
  switch (type) {
    case MutationType::kAdd:
    case MutationType::kBitAnd:
    case MutationType::kBitOr:
    case MutationType::kBitXor:
    case MutationType::kAppendIfFits:
    case MutationType::kMax:
    case MutationType::kMin:
    case MutationType::kSetVersionstampedKey:
    case MutationType::kSetVersionstampedValue:
    case MutationType::kByteMin:
    case MutationType::kByteMax:
    case MutationType::kCompareAndClear:
      return true;
    default:
      return false;
  }
}

const char* mutationName(MutationType type) noexcept {
  switch (type) {
    case MutationType::kSetValue:
      return "SET_VALUE";
    case MutationType::kClearRange:
      return "CLEAR_RANGE";
    case MutationType::kAdd:
      return "ADD";
    case MutationType::kBitAnd:
      return "BIT_AND";
    case MutationType::kBitOr:
      return "BIT_OR";
    case MutationType::kBitXor:
      return "BIT_XOR";
    case MutationType::kAppendIfFits:
      return "APPEND_IF_FITS";
    case MutationType::kMax:
      return "MAX";
    case MutationType::kMin:
      return "MIN";
    case MutationType::kSetVersionstampedKey:
      return "SET_VERSIONSTAMPED_KEY";
    case MutationType::kSetVersionstampedValue:
      return "SET_VERSIONSTAMPED_VALUE";
    case MutationType::kByteMin:
      return "BYTE_MIN";
    case MutationType::kByteMax:
      return "BYTE_MAX";
    case MutationType::kCompareAndClear:
      return "COMPARE_AND_CLEAR";
  }
  return "UNKNOWN";
}

int64_t streamingModeBytes(StreamingMode mode, int iteration) {
  static constexpr int64_t kIteratorBytes[] = {4096,  6144,  9216,  13824, 20736,
                                               31104, 46656, 69984, 80000, 120000};
  switch (mode) {
    case StreamingMode::kWantAll:
    case StreamingMode::kSerial:
      return 120000;
    case StreamingMode::kIterator: {
      int i = iteration < 1 ? 1 : (iteration > 10 ? 10 : iteration);
      return kIteratorBytes[i - 1];
    }
    case StreamingMode::kExact:
      return 0;
    case StreamingMode::kSmall:
      return 256;
    case StreamingMode::kMedium:
      return 1000;
    case StreamingMode::kLarge:
      return 4096;
  }
  return 120000;
}

}  // namespace strata
