// A KeySelector names a key by its position relative to another key, exactly as FoundationDB's
// selectors do: (key, orEqual, offset). Resolution against the visible keys S (the database at the
// read version merged with the transaction's own writes): let i be the index of the greatest key in
// S that is < key (<= key when orEqual), -1 if none; the result is the key at index i + offset.
// Past the first key it resolves to "" and past the last to the end of the legal key space ("\xff",
// or
// "\xff\xff" with system-key access).
//
// Thread safety: a plain value type.
#pragma once

#include <string>
#include <string_view>

namespace strata {

struct KeySelector {
  std::string key;
  bool orEqual = false;
  int offset = 1;

  // The last key < k.
  [[nodiscard]] static KeySelector lastLessThan(std::string_view k) {
    return {std::string(k), false, 0};
  }
  // The last key <= k.
  [[nodiscard]] static KeySelector lastLessOrEqual(std::string_view k) {
    return {std::string(k), true, 0};
  }
  // The first key > k.
  [[nodiscard]] static KeySelector firstGreaterThan(std::string_view k) {
    return {std::string(k), true, 1};
  }
  // The first key >= k.
  [[nodiscard]] static KeySelector firstGreaterOrEqual(std::string_view k) {
    return {std::string(k), false, 1};
  }

  // Moves the selector n keys forward (negative: backward).
  [[nodiscard]] KeySelector operator+(int n) const { return {key, orEqual, offset + n}; }
  [[nodiscard]] KeySelector operator-(int n) const { return {key, orEqual, offset - n}; }
  bool operator==(const KeySelector&) const = default;

  // FoundationDB's notation, e.g. "firstGreaterOrEqual('a\x00')+2"; for messages and tests.
  [[nodiscard]] std::string toString() const;
};

// The smallest key strictly greater than k: k + "\x00".
[[nodiscard]] std::string keyAfter(std::string_view k);

// The first key that does not start with `prefix`: strip trailing 0xff bytes, add one to the last
// byte. Throws: client_invalid_operation (2000) when prefix is empty or all 0xff.
[[nodiscard]] std::string strinc(std::string_view prefix);

// Renders bytes in FoundationDB's printable form: printable ASCII as is, backslash as "\\", any
// other byte as "\xNN" (lowercase hex).
[[nodiscard]] std::string printable(std::string_view bytes);

// Parses the printable form back: "\xNN" (either case) and "\\" escapes, everything else literal.
// Throws: invalid_input (3005) on a malformed escape.
[[nodiscard]] std::string unprintable(std::string_view text);

}  // namespace strata
