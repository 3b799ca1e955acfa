// A Tuple is an ordered list of typed elements that packs to bytes whose order is the tuple order:
// FoundationDB's tuple layer, byte-identical with the official bindings (Python, Java, Go, flow).
// Layers build every key from tuples so that related keys sort together and range reads return
// them in element order.
//
// Element types: null, Bytes (a byte string), unicode string (std::string holding UTF-8), nested
// Tuple, integer (int64 / uint64 / BigInt up to 255 magnitude bytes, one type: 42 as int64 and
// 42 as uint64 are the same element), float (32-bit, distinct from double), double, bool, Uuid
// and Versionstamp (complete or incomplete). Byte format: docs/FORMATS.md#tuple.
//
//   Tuple key{"users", 42, Bytes{"\x00\x01"}, Tuple{1.5f, true}};
//   std::string packed = key.pack();               // 02 75 73 65 72 73 00 15 2A ...
//   Tuple back = Tuple::unpack(packed);            // back == key
//   int64_t id = back.getInt(1);                   // 42
//
// Construction from C++ values: `const char*`, std::string, std::string_view and u8 strings are
// unicode strings; bytes must be wrapped in Bytes; every builtin integer width works (plain
// `char` does not: use a string or an explicitly sized integer); float and double stay distinct;
// `nullptr` is null. `Tuple{t}` for a Tuple `t` makes a one-element tuple holding `t` nested
// (as Python's `(t,)`); copy with `Tuple(t)` or `=`.
//
// Ordering: operator<=> orders tuples exactly as their packed bytes (by type code first, then by
// value; floats by their total order: -NaN < -inf < ... < -0.0 < +0.0 < ... < +inf < +NaN; a
// prefix sorts first); == compares element by element, floats by their bits.
//
// Unicode strings are packed as their bytes: UTF-8 validity is neither checked nor required.
//
// Limits: a decoded tuple nests at most 1,024 levels (deeper input: invalid_tuple_data_type).
// Thread safety: a value type; const methods may be called concurrently.
#pragma once

#include <array>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace strata {

// A byte string element, kept apart from unicode strings (they pack with different type codes).
// From a string literal (a char array) it takes every character but the final NUL, so
// Bytes{"\x00\x01"} holds two bytes; from a `const char*` it stops at the first NUL.
struct Bytes {
  std::string data;

  Bytes() = default;
  explicit Bytes(std::string bytes) : data(std::move(bytes)) {}
  explicit Bytes(std::string_view bytes) : data(bytes) {}
  template <std::size_t N>
  explicit Bytes(const char (&literal)[N]) : data(literal, N - 1) {}
  template <class P>
  requires(std::is_same_v<P, const char*> || std::is_same_v<P, char*>) explicit Bytes(P cString)
      : data(cString) {}

  friend bool operator==(const Bytes&, const Bytes&) = default;
  friend std::strong_ordering operator<=>(const Bytes&, const Bytes&) = default;
};

// A 16-byte UUID, packed in RFC 4122 network order.
struct Uuid {
  std::array<uint8_t, 16> bytes{};

  // Parses the canonical 8-4-4-4-12 hex form (either case).
  // Throws: invalid_input (3005) for any other text.
  [[nodiscard]] static Uuid fromString(std::string_view text);
  // Throws: invalid_uuid_size (2268) unless `raw` is 16 bytes.
  [[nodiscard]] static Uuid fromBytes(std::string_view raw);
  // The canonical lowercase 8-4-4-4-12 form.
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend std::strong_ordering operator<=>(const Uuid&, const Uuid&) = default;
};

// A 96-bit versionstamp: the 10-byte commit stamp of a transaction (8-byte commit version and
// 2-byte batch order, both big-endian; Transaction::getVersionstamp()) and a 2-byte user version
// that orders several stamps written by one transaction. It is *incomplete* while its 10 stamp
// bytes are all 0xFF: a placeholder that Tuple::packWithVersionstamp() locates so that a
// versionstamped key or value write fills in the commit's stamp.
struct Versionstamp {
  std::array<uint8_t, 10> transactionVersion{};
  uint16_t userVersion = 0;

  // The placeholder for the committing transaction's stamp.
  [[nodiscard]] static Versionstamp incomplete(uint16_t userVersion = 0);
  // From the 12 packed bytes (stamp, then user version big-endian).
  // Throws: invalid_versionstamp_size (2269) unless `raw` is 12 bytes.
  [[nodiscard]] static Versionstamp fromBytes(std::string_view raw);
  // The 12 packed bytes.
  [[nodiscard]] std::string toBytes() const;
  // False while the 10 stamp bytes are all 0xFF.
  [[nodiscard]] bool isComplete() const noexcept;

  friend bool operator==(const Versionstamp&, const Versionstamp&) = default;
  friend std::strong_ordering operator<=>(const Versionstamp&, const Versionstamp&) = default;
};

// True for the builtin integer types a tuple accepts: all but bool and the character types.
template <class T>
concept TupleInteger = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                       !std::same_as<T, wchar_t> && !std::same_as<T, char8_t> &&
                       !std::same_as<T, char16_t> && !std::same_as<T, char32_t>;

enum class Sign : bool { kNonNegative, kNegative };

// An integer of up to 255 magnitude bytes (the tuple format's limit), for values beyond the
// int64/uint64 range. Kept normalised: no leading zero bytes in the magnitude; zero is
// non-negative with an empty magnitude.
class BigInt {
 public:
  BigInt() = default;
  template <TupleInteger T>
  BigInt(T value) {  // NOLINT: implicit, as for a builtin integer
    if constexpr (std::is_signed_v<T>) {
      if (value < 0) {
        negative_ = true;
        setMagnitude(uint64_t{0} - static_cast<uint64_t>(static_cast<int64_t>(value)));
        return;
      }
    }
    setMagnitude(static_cast<uint64_t>(value));
  }

  // The integer with magnitude `bigEndian` (leading zero bytes allowed) and `sign`.
  // Throws: client_invalid_operation (2000) when the magnitude needs more than 255 bytes.
  [[nodiscard]] static BigInt fromMagnitude(Sign sign, std::string_view bigEndian);
  // Parses an optional '-' and decimal digits.
  // Throws: invalid_input (3005) for other text or a magnitude beyond 255 bytes.
  [[nodiscard]] static BigInt fromString(std::string_view decimal);

  [[nodiscard]] bool isNegative() const noexcept { return negative_; }
  // Big-endian magnitude without leading zeros; empty for zero.
  [[nodiscard]] const std::string& magnitude() const noexcept { return magnitude_; }
  // The value when it fits the type, else std::nullopt.
  [[nodiscard]] std::optional<int64_t> toInt64() const noexcept;
  [[nodiscard]] std::optional<uint64_t> toUint64() const noexcept;
  // Decimal text, '-' first when negative.
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const BigInt&, const BigInt&) = default;
  friend std::strong_ordering operator<=>(const BigInt& a, const BigInt& b) noexcept;

 private:
  void setMagnitude(uint64_t value);

  bool negative_ = false;
  std::string magnitude_;
};

// The kinds of element, in the order packed tuples sort them.
enum class TupleType : uint8_t {
  kNull,
  kBytes,
  kString,
  kTuple,
  kInt,
  kFloat,
  kDouble,
  kBool,
  kUuid,
  kVersionstamp,
};

// "null", "bytes", "string", "tuple", "integer", "float", "double", "bool", "uuid",
// "versionstamp".
[[nodiscard]] const char* tupleTypeName(TupleType type) noexcept;

class TupleElement;

// A [begin, end) pair of keys, as Tuple::range() and Subspace::range() return.
struct KeyRange {
  std::string begin;
  std::string end;
  friend bool operator==(const KeyRange&, const KeyRange&) = default;
};

class Tuple {
 public:
  using Element = TupleElement;

  Tuple() = default;
  Tuple(std::initializer_list<TupleElement> elements);
  explicit Tuple(std::vector<TupleElement> elements);

  // Appends each argument as one element (anything TupleElement accepts). Returns *this.
  template <class... Ts>
  Tuple& append(Ts&&... values);
  // Appends every element of `other` (no nesting). Returns *this.
  Tuple& extend(const Tuple& other);

  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] bool empty() const noexcept;
  // The element at `index`.
  // Throws: invalid_tuple_index (2251) when index >= size().
  [[nodiscard]] const TupleElement& at(std::size_t index) const;
  [[nodiscard]] const TupleElement& operator[](std::size_t index) const { return at(index); }
  [[nodiscard]] std::vector<TupleElement>::const_iterator begin() const noexcept;
  [[nodiscard]] std::vector<TupleElement>::const_iterator end() const noexcept;
  [[nodiscard]] const std::vector<TupleElement>& elements() const noexcept;

  // Typed accessors. Each Throws: invalid_tuple_index (2251) when index >= size();
  // invalid_tuple_data_type (2250) when the element has another type (or, for getInt and
  // getUint64, an integer outside the returned type's range).
  [[nodiscard]] TupleType type(std::size_t index) const;
  [[nodiscard]] bool isNull(std::size_t index) const;
  [[nodiscard]] int64_t getInt(std::size_t index) const;
  [[nodiscard]] uint64_t getUint64(std::size_t index) const;
  [[nodiscard]] BigInt getBigInt(std::size_t index) const;  // any integer
  [[nodiscard]] const std::string& getString(std::size_t index) const;
  [[nodiscard]] const std::string& getBytes(std::size_t index) const;
  [[nodiscard]] const Tuple& getTuple(std::size_t index) const;
  [[nodiscard]] float getFloat(std::size_t index) const;
  [[nodiscard]] double getDouble(std::size_t index) const;
  [[nodiscard]] bool getBool(std::size_t index) const;
  [[nodiscard]] const Uuid& getUuid(std::size_t index) const;
  [[nodiscard]] const Versionstamp& getVersionstamp(std::size_t index) const;

  // The packed bytes; the empty tuple packs to "".
  // Throws: client_invalid_operation (2000) if the tuple holds an incomplete versionstamp.
  // Cost: one pass, one allocation.
  [[nodiscard]] std::string pack() const;
  // Appends the packed bytes to `out` (same rules as pack()).
  void packTo(std::string& out) const;
  // prefix + packed bytes + the 4-byte little-endian offset of the incomplete versionstamp's
  // first stamp byte (counted from the start, prefix included): the operand of
  // MutationType::kSetVersionstampedKey / kSetVersionstampedValue.
  // Throws: client_invalid_operation (2000) unless exactly one incomplete versionstamp occurs
  //   (nested tuples searched).
  [[nodiscard]] std::string packWithVersionstamp(std::string_view prefix = {}) const;
  // True if an incomplete versionstamp occurs anywhere (nested tuples searched).
  [[nodiscard]] bool hasIncompleteVersionstamp() const noexcept;

  // Decodes packed bytes. Accepts every encoding the official bindings emit (both forms of
  // +-(2^64-1), non-minimal integer lengths).
  // Throws: invalid_tuple_data_type (2250) on malformed input (unknown type code, truncated
  //   element, missing terminator, nesting deeper than 1,024); never reads past `packed`.
  [[nodiscard]] static Tuple unpack(std::string_view packed);

  // [pack() + "\x00", pack() + "\xff"): every tuple that strictly extends this one.
  // Throws: as pack().
  [[nodiscard]] KeyRange range() const;

  // A Python-like rendering for messages: ("users", 42, b"\x00", 1.5f, 2.5, None, True).
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const Tuple& a, const Tuple& b) noexcept;
  friend std::strong_ordering operator<=>(const Tuple& a, const Tuple& b) noexcept;
  // Concatenation: a's elements followed by b's.
  friend Tuple operator+(const Tuple& a, const Tuple& b);
  // Writes toString().
  friend std::ostream& operator<<(std::ostream& out, const Tuple& t);

 private:
  std::vector<TupleElement> elements_;
};

// One element of a Tuple. Implicitly constructible from every supported C++ value (see the top
// of this file), which is what makes `Tuple{"a", 1, 2.5}` work.
class TupleElement {
 public:
  // The stored alternatives. Integers are normalised: int64_t for values in its range, uint64_t
  // only above INT64_MAX, BigInt only outside [INT64_MIN, UINT64_MAX].
  using Value = std::variant<std::nullptr_t, Bytes, std::string, Tuple, int64_t, uint64_t, BigInt,
                             float, double, bool, Uuid, Versionstamp>;

  TupleElement() noexcept : value_(nullptr) {}
  TupleElement(std::nullptr_t) noexcept : value_(nullptr) {}
  TupleElement(Bytes bytes) : value_(std::move(bytes)) {}
  TupleElement(std::string text) : value_(std::move(text)) {}
  TupleElement(std::string_view text) : value_(std::string(text)) {}
  TupleElement(const char* text) : value_(std::string(text)) {}
  TupleElement(std::u8string_view text)
      : value_(std::string(reinterpret_cast<const char*>(text.data()), text.size())) {}
  TupleElement(const char8_t* text) : TupleElement(std::u8string_view(text)) {}
  TupleElement(Tuple tuple) : value_(std::move(tuple)) {}
  template <TupleInteger T>
  TupleElement(T value) noexcept {
    if constexpr (std::is_signed_v<T>) {
      value_ = static_cast<int64_t>(value);
    } else if (static_cast<uint64_t>(value) <= static_cast<uint64_t>(INT64_MAX)) {
      value_ = static_cast<int64_t>(value);
    } else {
      value_ = static_cast<uint64_t>(value);
    }
  }
  TupleElement(BigInt value);
  TupleElement(float value) noexcept : value_(value) {}
  TupleElement(double value) noexcept : value_(value) {}
  template <class B>
  requires std::same_as<B, bool> TupleElement(B value)
  noexcept : value_(value) {}
  TupleElement(Uuid uuid) noexcept : value_(uuid) {}
  TupleElement(Versionstamp stamp) noexcept : value_(stamp) {}

  [[nodiscard]] TupleType type() const noexcept;
  [[nodiscard]] const Value& value() const noexcept { return value_; }
  [[nodiscard]] bool isNull() const noexcept { return type() == TupleType::kNull; }

  // Typed accessors. Each Throws: invalid_tuple_data_type (2250) when the element has another
  // type (or, for getInt and getUint64, an integer outside the returned type's range).
  [[nodiscard]] int64_t getInt() const;
  [[nodiscard]] uint64_t getUint64() const;
  [[nodiscard]] BigInt getBigInt() const;
  [[nodiscard]] const std::string& getString() const;
  [[nodiscard]] const std::string& getBytes() const;
  [[nodiscard]] const Tuple& getTuple() const;
  [[nodiscard]] float getFloat() const;
  [[nodiscard]] double getDouble() const;
  [[nodiscard]] bool getBool() const;
  [[nodiscard]] const Uuid& getUuid() const;
  [[nodiscard]] const Versionstamp& getVersionstamp() const;

  // The element as it would appear inside Tuple::toString().
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const TupleElement& a, const TupleElement& b) noexcept;
  friend std::strong_ordering operator<=>(const TupleElement& a, const TupleElement& b) noexcept;

 private:
  Value value_;
};

template <class... Ts>
Tuple& Tuple::append(Ts&&... values) {
  (elements_.emplace_back(std::forward<Ts>(values)), ...);
  return *this;
}

}  // namespace strata
