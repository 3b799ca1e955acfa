#include "strata/tuple.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ostream>

#include "strata/kv/error.h"

namespace strata {
namespace {

// Tuple type codes: docs/FORMATS.md#tuple. On-disk format: never renumber.
enum Code : uint8_t {
  kNullCode = 0x00,
  kBytesCode = 0x01,
  kStringCode = 0x02,
  kNestedCode = 0x05,
  kNegBigIntCode = 0x0b,
  kIntZeroCode = 0x14,
  kPosBigIntCode = 0x1d,
  kFloatCode = 0x20,
  kDoubleCode = 0x21,
  kFalseCode = 0x26,
  kTrueCode = 0x27,
  kUuidCode = 0x30,
  kVersionstampCode = 0x33,
  kEscapeByte = 0xff,
};

constexpr int kMaxDepth = 1024;
constexpr std::size_t kMaxMagnitudeBytes = 255;

int byteCount(uint64_t v) { return v == 0 ? 0 : (64 - std::countl_zero(v) + 7) / 8; }

void putBigEndian(std::string& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t magnitudeToUint64(std::string_view mag) {
  uint64_t v = 0;
  for (unsigned char c : mag) v = (v << 8) | c;
  return v;
}

// The order-preserving transforms of fdb-api.md 7.3, on the big-endian bit pattern.
uint32_t encodeFloatBits(float f) {
  uint32_t bits = std::bit_cast<uint32_t>(f);
  return (bits & 0x80000000u) ? ~bits : bits ^ 0x80000000u;
}
float decodeFloatBits(uint32_t bits) {
  return std::bit_cast<float>((bits & 0x80000000u) ? bits ^ 0x80000000u : ~bits);
}
uint64_t encodeDoubleBits(double d) {
  uint64_t bits = std::bit_cast<uint64_t>(d);
  return (bits & 0x8000000000000000ull) ? ~bits : bits ^ 0x8000000000000000ull;
}
double decodeDoubleBits(uint64_t bits) {
  return std::bit_cast<double>((bits & 0x8000000000000000ull) ? bits ^ 0x8000000000000000ull
                                                              : ~bits);
}

void appendEscaped(std::string& out, std::string_view s) {
  std::size_t start = 0;
  while (true) {
    std::size_t zero = s.find('\0', start);
    if (zero == std::string_view::npos) {
      out.append(s.substr(start));
      break;
    }
    out.append(s.substr(start, zero + 1 - start));
    out.push_back(static_cast<char>(kEscapeByte));
    start = zero + 1;
  }
  out.push_back('\0');
}

// ---- Encoding ------------------------------------------------------------------------------

struct Encoder {
  std::string& out;
  int incompleteStamps = 0;
  std::size_t stampOffset = 0;

  void integer(int64_t v) {
    if (v == 0) {
      out.push_back(static_cast<char>(kIntZeroCode));
    } else if (v > 0) {
      int n = byteCount(static_cast<uint64_t>(v));
      out.push_back(static_cast<char>(kIntZeroCode + n));
      putBigEndian(out, static_cast<uint64_t>(v), n);
    } else {
      uint64_t mag = uint64_t{0} - static_cast<uint64_t>(v);
      negativeUpTo64(mag);
    }
  }

  void negativeUpTo64(uint64_t mag) {
    int n = byteCount(mag);
    out.push_back(static_cast<char>(kIntZeroCode - n));
    uint64_t mask = n == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
    putBigEndian(out, ~mag & mask, n);
  }

  void unsignedInt(uint64_t v) {
    int n = byteCount(v);
    out.push_back(static_cast<char>(kIntZeroCode + n));
    putBigEndian(out, v, n);
  }

  void bigInt(const BigInt& b) {
    const std::string& mag = b.magnitude();
    if (mag.size() <= 8) {
      // Only reached for -(2^64-1) .. -(2^63+1): the Java/Go form, code 0C.
      negativeUpTo64(magnitudeToUint64(mag));
      return;
    }
    if (b.isNegative()) {
      out.push_back(static_cast<char>(kNegBigIntCode));
      out.push_back(static_cast<char>(mag.size() ^ 0xff));
      for (char c : mag) out.push_back(static_cast<char>(~c));
    } else {
      out.push_back(static_cast<char>(kPosBigIntCode));
      out.push_back(static_cast<char>(mag.size()));
      out.append(mag);
    }
  }

  void element(const TupleElement& e, bool nested) {
    const TupleElement::Value& v = e.value();
    switch (v.index()) {
      case 0:  // null
        out.push_back(static_cast<char>(kNullCode));
        if (nested) out.push_back(static_cast<char>(kEscapeByte));
        break;
      case 1:
        out.push_back(static_cast<char>(kBytesCode));
        appendEscaped(out, std::get<Bytes>(v).data);
        break;
      case 2:
        out.push_back(static_cast<char>(kStringCode));
        appendEscaped(out, std::get<std::string>(v));
        break;
      case 3:
        out.push_back(static_cast<char>(kNestedCode));
        tuple(std::get<Tuple>(v), true);
        out.push_back(static_cast<char>(kNullCode));
        break;
      case 4:
        integer(std::get<int64_t>(v));
        break;
      case 5:
        unsignedInt(std::get<uint64_t>(v));
        break;
      case 6:
        bigInt(std::get<BigInt>(v));
        break;
      case 7:
        out.push_back(static_cast<char>(kFloatCode));
        putBigEndian(out, encodeFloatBits(std::get<float>(v)), 4);
        break;
      case 8:
        out.push_back(static_cast<char>(kDoubleCode));
        putBigEndian(out, encodeDoubleBits(std::get<double>(v)), 8);
        break;
      case 9:
        out.push_back(static_cast<char>(std::get<bool>(v) ? kTrueCode : kFalseCode));
        break;
      case 10: {
        out.push_back(static_cast<char>(kUuidCode));
        const auto& b = std::get<Uuid>(v).bytes;
        out.append(reinterpret_cast<const char*>(b.data()), b.size());
        break;
      }
      case 11: {
        const Versionstamp& s = std::get<Versionstamp>(v);
        out.push_back(static_cast<char>(kVersionstampCode));
        if (!s.isComplete()) {
          ++incompleteStamps;
          stampOffset = out.size();
        }
        out.append(s.toBytes());
        break;
      }
    }
  }

  void tuple(const Tuple& t, bool nested) {
    for (const TupleElement& e : t) element(e, nested);
  }
};

// ---- Decoding ------------------------------------------------------------------------------

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  Tuple topLevel() {
    std::vector<TupleElement> elements;
    elements.reserve(std::min<std::size_t>(in_.size(), 8));
    while (pos_ < in_.size()) elements.push_back(element(0));
    return Tuple(std::move(elements));
  }

 private:
  [[noreturn]] void fail(std::string_view what, std::size_t at) const {
    throwError(
        ErrorCode::invalid_tuple_data_type,
        std::string(what) + " at byte " + std::to_string(at) + " of " + std::to_string(in_.size()));
  }

  std::string_view take(std::size_t n, std::string_view what) {
    if (in_.size() - pos_ < n) fail(std::string("truncated ") + std::string(what), pos_);
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }

  // Reads an escaped string up to its terminator (a 00 not followed by FF).
  std::string escaped(std::string_view what) {
    std::size_t start = pos_ - 1;
    std::size_t first = in_.find('\0', pos_);
    if (first != std::string_view::npos &&
        (first + 1 == in_.size() || static_cast<uint8_t>(in_[first + 1]) != kEscapeByte)) {
      std::string s(in_.substr(pos_, first - pos_));  // no escapes: the common case
      pos_ = first + 1;
      return s;
    }
    std::string s;
    while (true) {
      std::size_t zero = in_.find('\0', pos_);
      if (zero == std::string_view::npos)
        fail(std::string("unterminated ") + std::string(what), start);
      s.append(in_.substr(pos_, zero - pos_));
      if (zero + 1 < in_.size() && static_cast<uint8_t>(in_[zero + 1]) == kEscapeByte) {
        s.push_back('\0');
        pos_ = zero + 2;
      } else {
        pos_ = zero + 1;
        return s;
      }
    }
  }

  TupleElement nestedTuple(int depth) {
    std::size_t start = pos_ - 1;
    if (depth >= kMaxDepth) fail("tuple nested deeper than 1024 levels", start);
    std::vector<TupleElement> elements;
    while (true) {
      if (pos_ >= in_.size()) fail("unterminated nested tuple", start);
      if (in_[pos_] == '\0') {
        if (pos_ + 1 < in_.size() && static_cast<uint8_t>(in_[pos_ + 1]) == kEscapeByte) {
          elements.emplace_back(nullptr);
          pos_ += 2;
          continue;
        }
        ++pos_;
        return Tuple(std::move(elements));
      }
      elements.push_back(element(depth + 1));
    }
  }

  TupleElement element(int depth) {
    std::size_t start = pos_;
    uint8_t code = static_cast<uint8_t>(in_[pos_++]);
    if (code == kNullCode) return TupleElement(nullptr);
    if (code == kBytesCode) return Bytes(escaped("byte string"));
    if (code == kStringCode) return escaped("unicode string");
    if (code == kNestedCode) return nestedTuple(depth);
    if (code > kNegBigIntCode && code < kIntZeroCode) {
      int n = kIntZeroCode - code;
      uint64_t mag = ~magnitudeToUint64(take(n, "negative integer"));
      if (n < 8) mag &= (uint64_t{1} << (8 * n)) - 1;
      if (mag <= uint64_t{1} << 63) return static_cast<int64_t>(uint64_t{0} - mag);
      std::string bigEndian;
      putBigEndian(bigEndian, mag, 8);
      return BigInt::fromMagnitude(Sign::kNegative, bigEndian);
    }
    if (code == kIntZeroCode) return 0;
    if (code > kIntZeroCode && code < kPosBigIntCode) {
      return magnitudeToUint64(take(code - kIntZeroCode, "positive integer"));
    }
    if (code == kPosBigIntCode || code == kNegBigIntCode) {
      bool negative = code == kNegBigIntCode;
      uint8_t lengthByte = static_cast<uint8_t>(take(1, "integer length")[0]);
      std::size_t n = negative ? lengthByte ^ 0xff : lengthByte;
      std::string mag(take(n, "big integer"));
      if (negative) {
        for (char& c : mag) c = static_cast<char>(~c);
      }
      return BigInt::fromMagnitude(negative ? Sign::kNegative : Sign::kNonNegative, mag);
    }
    if (code == kFloatCode) {
      return decodeFloatBits(static_cast<uint32_t>(magnitudeToUint64(take(4, "float"))));
    }
    if (code == kDoubleCode) return decodeDoubleBits(magnitudeToUint64(take(8, "double")));
    if (code == kFalseCode) return false;
    if (code == kTrueCode) return true;
    if (code == kUuidCode) return Uuid::fromBytes(take(16, "uuid"));
    if (code == kVersionstampCode) return Versionstamp::fromBytes(take(12, "versionstamp"));
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", code);
    fail(std::string("unknown type code ") + hex, start);
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

// ---- Comparison ----------------------------------------------------------------------------

// Integers in four classes, in numeric order: negative BigInt, int64, uint64, positive BigInt.
int intClass(const TupleElement::Value& v) {
  if (v.index() == 4) return 1;
  if (v.index() == 5) return 2;
  return std::get<BigInt>(v).isNegative() ? 0 : 3;
}

std::strong_ordering compareValues(const TupleElement::Value& a, const TupleElement::Value& b);

std::strong_ordering compareTuples(const Tuple& a, const Tuple& b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto c = compareValues(a.elements()[i].value(), b.elements()[i].value());
    if (c != 0) return c;
  }
  return a.size() <=> b.size();
}

std::strong_ordering compareValues(const TupleElement::Value& a, const TupleElement::Value& b) {
  auto typeOf = [](const TupleElement::Value& v) {
    static constexpr TupleType kTypes[] = {
        TupleType::kNull,   TupleType::kBytes, TupleType::kString, TupleType::kTuple,
        TupleType::kInt,    TupleType::kInt,   TupleType::kInt,    TupleType::kFloat,
        TupleType::kDouble, TupleType::kBool,  TupleType::kUuid,   TupleType::kVersionstamp};
    return kTypes[v.index()];
  };
  TupleType x = typeOf(a);
  TupleType y = typeOf(b);
  if (x != y) return x <=> y;
  switch (x) {
    case TupleType::kNull:
      return std::strong_ordering::equal;
    case TupleType::kBytes:
      return std::get<Bytes>(a).data.compare(std::get<Bytes>(b).data) <=> 0;
    case TupleType::kString:
      return std::get<std::string>(a).compare(std::get<std::string>(b)) <=> 0;
    case TupleType::kTuple:
      return compareTuples(std::get<Tuple>(a), std::get<Tuple>(b));
    case TupleType::kInt: {
      int ca = intClass(a);
      int cb = intClass(b);
      if (ca != cb) return ca <=> cb;
      if (ca == 1) return std::get<int64_t>(a) <=> std::get<int64_t>(b);
      if (ca == 2) return std::get<uint64_t>(a) <=> std::get<uint64_t>(b);
      return std::get<BigInt>(a) <=> std::get<BigInt>(b);
    }
    case TupleType::kFloat:
      return encodeFloatBits(std::get<float>(a)) <=> encodeFloatBits(std::get<float>(b));
    case TupleType::kDouble:
      return encodeDoubleBits(std::get<double>(a)) <=> encodeDoubleBits(std::get<double>(b));
    case TupleType::kBool:
      return std::get<bool>(a) <=> std::get<bool>(b);
    case TupleType::kUuid:
      return std::get<Uuid>(a) <=> std::get<Uuid>(b);
    case TupleType::kVersionstamp:
      return std::get<Versionstamp>(a) <=> std::get<Versionstamp>(b);
  }
  return std::strong_ordering::equal;
}

// ---- Rendering -----------------------------------------------------------------------------

void appendQuoted(std::string& out, std::string_view s, bool bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += bytes ? "b\"" : "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x80 && !bytes) {
      out.push_back(static_cast<char>(c));  // UTF-8 passes through
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out.push_back('"');
}

template <class F>
std::string floatText(F f) {
  if (std::isnan(f)) return std::signbit(f) ? "-nan" : "nan";
  if (std::isinf(f)) return f < 0 ? "-inf" : "inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string hexOf(const uint8_t* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 15]);
  }
  return s;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void typeError(const TupleElement& e, const char* wanted,
                            std::optional<std::size_t> index) {
  std::string where = index ? "tuple element " + std::to_string(*index) : std::string("element");
  std::string shown = e.toString();
  if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
  throwError(ErrorCode::invalid_tuple_data_type,
             where + " is " + tupleTypeName(e.type()) + " " + shown + ", not " + wanted);
}

}  // namespace

// ---- Uuid, Versionstamp, BigInt ------------------------------------------------------------

Uuid Uuid::fromString(std::string_view text) {
  Uuid u;
  bool ok = text.size() == 36;
  std::size_t j = 0;
  for (std::size_t i = 0; ok && i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      ok = text[i] == '-';
      continue;
    }
    int hi = hexDigit(text[i]);
    int lo = i + 1 < 36 ? hexDigit(text[i + 1]) : -1;
    ok = hi >= 0 && lo >= 0;
    if (ok) u.bytes[j++] = static_cast<uint8_t>(hi * 16 + lo);
    ++i;
  }
  if (!ok) {
    throwError(ErrorCode::invalid_input,
               "UUID must be 8-4-4-4-12 hex digits, got \"" + std::string(text) + "\"");
  }
  return u;
}

Uuid Uuid::fromBytes(std::string_view raw) {
  if (raw.size() != 16) {
    throwError(ErrorCode::invalid_uuid_size, "got " + std::to_string(raw.size()) + " bytes");
  }
  Uuid u;
  std::memcpy(u.bytes.data(), raw.data(), 16);
  return u;
}

std::string Uuid::toString() const {
  std::string h = hexOf(bytes.data(), bytes.size());
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

Versionstamp Versionstamp::incomplete(uint16_t userVersion) {
  Versionstamp s;
  s.transactionVersion.fill(0xff);
  s.userVersion = userVersion;
  return s;
}

Versionstamp Versionstamp::fromBytes(std::string_view raw) {
  if (raw.size() != 12) {
    throwError(ErrorCode::invalid_versionstamp_size,
               "got " + std::to_string(raw.size()) + " bytes");
  }
  Versionstamp s;
  std::memcpy(s.transactionVersion.data(), raw.data(), 10);
  s.userVersion =
      static_cast<uint16_t>((static_cast<uint8_t>(raw[10]) << 8) | static_cast<uint8_t>(raw[11]));
  return s;
}

std::string Versionstamp::toBytes() const {
  std::string s(reinterpret_cast<const char*>(transactionVersion.data()), 10);
  s.push_back(static_cast<char>(userVersion >> 8));
  s.push_back(static_cast<char>(userVersion & 0xff));
  return s;
}

bool Versionstamp::isComplete() const noexcept {
  return std::any_of(transactionVersion.begin(), transactionVersion.end(),
                     [](uint8_t b) { return b != 0xff; });
}

void BigInt::setMagnitude(uint64_t value) {
  magnitude_.clear();
  putBigEndian(magnitude_, value, byteCount(value));
  if (magnitude_.empty()) negative_ = false;
}

BigInt BigInt::fromMagnitude(Sign sign, std::string_view bigEndian) {
  std::size_t first = 0;
  while (first < bigEndian.size() && bigEndian[first] == '\0') ++first;
  bigEndian.remove_prefix(first);
  if (bigEndian.size() > kMaxMagnitudeBytes) {
    throwError(ErrorCode::client_invalid_operation, "integer magnitude of " +
                                                        std::to_string(bigEndian.size()) +
                                                        " bytes exceeds the tuple format's 255");
  }
  BigInt b;
  b.magnitude_ = std::string(bigEndian);
  b.negative_ = sign == Sign::kNegative && !b.magnitude_.empty();
  return b;
}

BigInt BigInt::fromString(std::string_view decimal) {
  std::string_view digits = decimal;
  bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.remove_prefix(1);
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throwError(
        ErrorCode::invalid_input,
        "integer must be an optional '-' and decimal digits, got \"" + std::string(decimal) + "\"");
  }
  std::string mag;  // little-endian while building
  for (char d : digits) {
    unsigned carry = static_cast<unsigned>(d - '0');
    for (char& byte : mag) {
      unsigned v = static_cast<uint8_t>(byte) * 10u + carry;
      byte = static_cast<char>(v & 0xff);
      carry = v >> 8;
    }
    if (carry) mag.push_back(static_cast<char>(carry));
    while (!mag.empty() && mag.back() == '\0') mag.pop_back();
    if (mag.size() > kMaxMagnitudeBytes) {
      throwError(ErrorCode::invalid_input,
                 "integer \"" + std::string(decimal) + "\" exceeds 255 magnitude bytes");
    }
  }
  std::reverse(mag.begin(), mag.end());
  return fromMagnitude(negative ? Sign::kNegative : Sign::kNonNegative, mag);
}

std::optional<int64_t> BigInt::toInt64() const noexcept {
  if (magnitude_.size() > 8) return std::nullopt;
  uint64_t mag = magnitudeToUint64(magnitude_);
  if (negative_) {
    if (mag > uint64_t{1} << 63) return std::nullopt;
    return static_cast<int64_t>(uint64_t{0} - mag);
  }
  if (mag > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(mag);
}

std::optional<uint64_t> BigInt::toUint64() const noexcept {
  if (negative_ || magnitude_.size() > 8) return std::nullopt;
  return magnitudeToUint64(magnitude_);
}

std::string BigInt::toString() const {
  if (magnitude_.empty()) return "0";
  std::string work = magnitude_;
  std::string digits;
  while (!work.empty()) {
    unsigned rem = 0;
    for (char& byte : work) {
      unsigned v = (rem << 8) | static_cast<uint8_t>(byte);
      byte = static_cast<char>(v / 10);
      rem = v % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
    std::size_t first = work.find_first_not_of('\0');
    work.erase(0, first == std::string::npos ? work.size() : first);
  }
  if (negative_) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::strong_ordering operator<=>(const BigInt& a, const BigInt& b) noexcept {
  if (a.negative_ != b.negative_)
    return a.negative_ ? std::strong_ordering::less : std::strong_ordering::greater;
  std::strong_ordering byMagnitude = a.magnitude_.size() != b.magnitude_.size()
                                         ? a.magnitude_.size() <=> b.magnitude_.size()
                                         : a.magnitude_.compare(b.magnitude_) <=> 0;
  return a.negative_ ? 0 <=> byMagnitude : byMagnitude;
}

const char* tupleTypeName(TupleType type) noexcept {
  switch (type) {
    case TupleType::kNull:
      return "null";
    case TupleType::kBytes:
      return "bytes";
    case TupleType::kString:
      return "string";
    case TupleType::kTuple:
      return "tuple";
    case TupleType::kInt:
      return "integer";
    case TupleType::kFloat:
      return "float";
    case TupleType::kDouble:
      return "double";
    case TupleType::kBool:
      return "bool";
    case TupleType::kUuid:
      return "uuid";
    case TupleType::kVersionstamp:
      return "versionstamp";
  }
  return "unknown";
}

// ---- TupleElement --------------------------------------------------------------------------

TupleElement::TupleElement(BigInt value) {
  if (auto i = value.toInt64()) {
    value_ = *i;
  } else if (auto u = value.toUint64()) {
    value_ = *u;
  } else {
    value_ = std::move(value);
  }
}

TupleType TupleElement::type() const noexcept {
  switch (value_.index()) {
    case 0:
      return TupleType::kNull;
    case 1:
      return TupleType::kBytes;
    case 2:
      return TupleType::kString;
    case 3:
      return TupleType::kTuple;
    case 4:
    case 5:
    case 6:
      return TupleType::kInt;
    case 7:
      return TupleType::kFloat;
    case 8:
      return TupleType::kDouble;
    case 9:
      return TupleType::kBool;
    case 10:
      return TupleType::kUuid;
    default:
      return TupleType::kVersionstamp;
  }
}

namespace {

int64_t intOf(const TupleElement& e, std::optional<std::size_t> index) {
  if (const auto* i = std::get_if<int64_t>(&e.value())) return *i;
  typeError(e, e.type() == TupleType::kInt ? "an integer in the int64 range" : "an integer", index);
}

uint64_t uintOf(const TupleElement& e, std::optional<std::size_t> index) {
  if (const auto* i = std::get_if<int64_t>(&e.value()); i && *i >= 0) {
    return static_cast<uint64_t>(*i);
  }
  if (const auto* u = std::get_if<uint64_t>(&e.value())) return *u;
  typeError(e, e.type() == TupleType::kInt ? "an integer in the uint64 range" : "an integer",
            index);
}

BigInt bigOf(const TupleElement& e, std::optional<std::size_t> index) {
  const auto& v = e.value();
  if (const auto* i = std::get_if<int64_t>(&v)) return BigInt(*i);
  if (const auto* u = std::get_if<uint64_t>(&v)) return BigInt(*u);
  if (const auto* b = std::get_if<BigInt>(&v)) return *b;
  typeError(e, "an integer", index);
}

template <class T>
const T& as(const TupleElement& e, const char* wanted, std::optional<std::size_t> index) {
  if (const T* p = std::get_if<T>(&e.value())) return *p;
  typeError(e, wanted, index);
}

}  // namespace

int64_t TupleElement::getInt() const { return intOf(*this, std::nullopt); }
uint64_t TupleElement::getUint64() const { return uintOf(*this, std::nullopt); }
BigInt TupleElement::getBigInt() const { return bigOf(*this, std::nullopt); }
const std::string& TupleElement::getString() const {
  return as<std::string>(*this, "a unicode string", std::nullopt);
}
const std::string& TupleElement::getBytes() const {
  return as<Bytes>(*this, "a byte string", std::nullopt).data;
}
const Tuple& TupleElement::getTuple() const { return as<Tuple>(*this, "a tuple", std::nullopt); }
float TupleElement::getFloat() const { return as<float>(*this, "a float", std::nullopt); }
double TupleElement::getDouble() const { return as<double>(*this, "a double", std::nullopt); }
bool TupleElement::getBool() const { return as<bool>(*this, "a bool", std::nullopt); }
const Uuid& TupleElement::getUuid() const { return as<Uuid>(*this, "a uuid", std::nullopt); }
const Versionstamp& TupleElement::getVersionstamp() const {
  return as<Versionstamp>(*this, "a versionstamp", std::nullopt);
}

std::string TupleElement::toString() const {
  std::string out;
  switch (value_.index()) {
    case 0:
      return "None";
    case 1:
      appendQuoted(out, std::get<Bytes>(value_).data, true);
      return out;
    case 2:
      appendQuoted(out, std::get<std::string>(value_), false);
      return out;
    case 3:
      return std::get<Tuple>(value_).toString();
    case 4:
      return std::to_string(std::get<int64_t>(value_));
    case 5:
      return std::to_string(std::get<uint64_t>(value_));
    case 6:
      return std::get<BigInt>(value_).toString();
    case 7:
      return floatText(std::get<float>(value_)) + "f";
    case 8:
      return floatText(std::get<double>(value_));
    case 9:
      return std::get<bool>(value_) ? "True" : "False";
    case 10:
      return "UUID(" + std::get<Uuid>(value_).toString() + ")";
    default: {
      const Versionstamp& s = std::get<Versionstamp>(value_);
      if (!s.isComplete()) return "Versionstamp(incomplete, " + std::to_string(s.userVersion) + ")";
      return "Versionstamp(" + hexOf(s.transactionVersion.data(), 10) + ", " +
             std::to_string(s.userVersion) + ")";
    }
  }
}

bool operator==(const TupleElement& a, const TupleElement& b) noexcept {
  return compareValues(a.value_, b.value_) == 0;
}
std::strong_ordering operator<=>(const TupleElement& a, const TupleElement& b) noexcept {
  return compareValues(a.value_, b.value_);
}

// ---- Tuple ---------------------------------------------------------------------------------

Tuple::Tuple(std::initializer_list<TupleElement> elements) : elements_(elements) {}
Tuple::Tuple(std::vector<TupleElement> elements) : elements_(std::move(elements)) {}

Tuple& Tuple::extend(const Tuple& other) {
  elements_.insert(elements_.end(), other.elements_.begin(), other.elements_.end());
  return *this;
}

std::size_t Tuple::size() const noexcept { return elements_.size(); }
bool Tuple::empty() const noexcept { return elements_.empty(); }
std::vector<TupleElement>::const_iterator Tuple::begin() const noexcept {
  return elements_.begin();
}
std::vector<TupleElement>::const_iterator Tuple::end() const noexcept { return elements_.end(); }
const std::vector<TupleElement>& Tuple::elements() const noexcept { return elements_; }

const TupleElement& Tuple::at(std::size_t index) const {
  if (index >= elements_.size()) {
    throwError(ErrorCode::invalid_tuple_index, "index " + std::to_string(index) +
                                                   " in a tuple of " +
                                                   std::to_string(elements_.size()) + " elements");
  }
  return elements_[index];
}

TupleType Tuple::type(std::size_t index) const { return at(index).type(); }
bool Tuple::isNull(std::size_t index) const { return at(index).isNull(); }
int64_t Tuple::getInt(std::size_t index) const { return intOf(at(index), index); }
uint64_t Tuple::getUint64(std::size_t index) const { return uintOf(at(index), index); }
BigInt Tuple::getBigInt(std::size_t index) const { return bigOf(at(index), index); }
const std::string& Tuple::getString(std::size_t index) const {
  return as<std::string>(at(index), "a unicode string", index);
}
const std::string& Tuple::getBytes(std::size_t index) const {
  return as<Bytes>(at(index), "a byte string", index).data;
}
const Tuple& Tuple::getTuple(std::size_t index) const {
  return as<Tuple>(at(index), "a tuple", index);
}
float Tuple::getFloat(std::size_t index) const { return as<float>(at(index), "a float", index); }
double Tuple::getDouble(std::size_t index) const {
  return as<double>(at(index), "a double", index);
}
bool Tuple::getBool(std::size_t index) const { return as<bool>(at(index), "a bool", index); }
const Uuid& Tuple::getUuid(std::size_t index) const { return as<Uuid>(at(index), "a uuid", index); }
const Versionstamp& Tuple::getVersionstamp(std::size_t index) const {
  return as<Versionstamp>(at(index), "a versionstamp", index);
}

void Tuple::packTo(std::string& out) const {
  std::size_t start = out.size();
  Encoder enc{out};
  enc.tuple(*this, false);
  if (enc.incompleteStamps > 0) {
    out.resize(start);
    throwError(ErrorCode::client_invalid_operation,
               "tuple holds an incomplete versionstamp: use packWithVersionstamp()");
  }
}

std::string Tuple::pack() const {
  std::string out;
  out.reserve(16 + elements_.size() * 12);
  packTo(out);
  return out;
}

std::string Tuple::packWithVersionstamp(std::string_view prefix) const {
  std::string out(prefix);
  Encoder enc{out};
  enc.tuple(*this, false);
  if (enc.incompleteStamps != 1) {
    throwError(
        ErrorCode::client_invalid_operation,
        enc.incompleteStamps == 0
            ? std::string("packWithVersionstamp needs one incomplete versionstamp, found none")
            : "packWithVersionstamp needs exactly one incomplete versionstamp, found " +
                  std::to_string(enc.incompleteStamps));
  }
  if (enc.stampOffset > UINT32_MAX) {
    throwError(ErrorCode::client_invalid_operation, "versionstamp offset exceeds 32 bits");
  }
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((enc.stampOffset >> (8 * i)) & 0xff));
  return out;
}

bool Tuple::hasIncompleteVersionstamp() const noexcept {
  for (const TupleElement& e : elements_) {
    if (const auto* s = std::get_if<Versionstamp>(&e.value()); s && !s->isComplete()) return true;
    if (const auto* t = std::get_if<Tuple>(&e.value()); t && t->hasIncompleteVersionstamp()) {
      return true;
    }
  }
  return false;
}

Tuple Tuple::unpack(std::string_view packed) { return Decoder(packed).topLevel(); }

KeyRange Tuple::range() const {
  std::string p = pack();
  return KeyRange{p + '\x00', p + '\xff'};
}

std::string Tuple::toString() const {
  std::string out = "(";
  for (std::size_t i = 0; i < elements_.size(); ++i) {
    if (i > 0) out += ", ";
    out += elements_[i].toString();
  }
  if (elements_.size() == 1) out += ",";
  out += ")";
  return out;
}

bool operator==(const Tuple& a, const Tuple& b) noexcept { return compareTuples(a, b) == 0; }
std::strong_ordering operator<=>(const Tuple& a, const Tuple& b) noexcept {
  return compareTuples(a, b);
}

std::ostream& operator<<(std::ostream& out, const Tuple& t) { return out << t.toString(); }

Tuple operator+(const Tuple& a, const Tuple& b) {
  Tuple t = a;
  t.extend(b);
  return t;
}

}  // namespace strata
