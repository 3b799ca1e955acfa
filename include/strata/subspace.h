// A Subspace is a byte prefix that scopes a family of tuple-encoded keys: every key it makes is
// prefix + pack(tuple), so one range read or clear covers the family. FoundationDB's Subspace,
// byte-compatible with the official bindings (fdb-api.md section 8).
//
//   Subspace users(Tuple{"users"});                 // prefix 02 75 73 65 72 73 00
//   std::string k = users.pack(Tuple{42, "name"});  // prefix + 15 2A 02 6E 61 6D 65 00
//   Tuple t = users.unpack(k);                      // (42, "name")
//   KeyRange all = users.range();                   // [prefix + 00, prefix + FF)
//   Subspace user42 = users[42];                    // prefix + 15 2A
//
// Key layout (docs/FORMATS.md#subspace): key() = raw prefix + pack(prefix tuple); each tuple t
// is stored at key() + pack(t). range() excludes key() itself. A prefix built from arbitrary raw
// bytes need not be tuple-decodable.
//
// Cost: every method is pure computation (no database access), linear in the bytes produced.
// Thread safety: immutable after construction; share freely.
#pragma once

#include <string>
#include <string_view>

#include "strata/tuple.h"

namespace strata {

class Subspace {
 public:
  // The empty prefix: the whole key space.
  Subspace() = default;
  // A subspace whose prefix is exactly `rawPrefix`.
  explicit Subspace(std::string rawPrefix) : prefix_(std::move(rawPrefix)) {}
  // A subspace whose prefix is rawPrefix + prefixTuple.pack().
  // Throws: client_invalid_operation (2000) if prefixTuple holds an incomplete versionstamp.
  explicit Subspace(const Tuple& prefixTuple, std::string_view rawPrefix = {});

  // The prefix.
  // Lifetime: the reference lives as long as this Subspace.
  [[nodiscard]] const std::string& key() const noexcept { return prefix_; }

  // key() + t.pack().
  // Throws: client_invalid_operation (2000) if t holds an incomplete versionstamp.
  [[nodiscard]] std::string pack(const Tuple& t = {}) const;
  // t.packWithVersionstamp(key()): the stamp offset counts the prefix.
  // Throws: client_invalid_operation (2000) unless t holds exactly one incomplete versionstamp.
  [[nodiscard]] std::string packWithVersionstamp(const Tuple& t) const;
  // The tuple packed after the prefix of `key`.
  // Throws: key_not_in_subspace (2252) unless contains(key); invalid_tuple_data_type (2250)
  //   when the rest is not a packed tuple.
  [[nodiscard]] Tuple unpack(std::string_view key) const;
  // [key() + t.pack() + 00, key() + t.pack() + FF): the keys of every tuple strictly extending t
  // in this subspace. range() covers the whole subspace except key() itself.
  // Throws: client_invalid_operation (2000) if t holds an incomplete versionstamp.
  [[nodiscard]] KeyRange range(const Tuple& t = {}) const;
  // True when `key` starts with key() (key() itself included).
  [[nodiscard]] bool contains(std::string_view key) const noexcept;

  // The child subspace with prefix key() + t.pack().
  // Throws: client_invalid_operation (2000) if t holds an incomplete versionstamp.
  [[nodiscard]] Subspace sub(const Tuple& t) const;
  // sub(Tuple{element}): users["alice"], users[42].
  [[nodiscard]] Subspace operator[](const TupleElement& element) const;

  // "Subspace(b\"...\")", for messages.
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const Subspace&, const Subspace&) = default;

 private:
  std::string prefix_;
};

}  // namespace strata
