// The JSON form of tuples used by the CLI and by JSON import/export (nlohmann::json), and hex
// helpers. A tuple is a JSON array; each element maps as follows:
//
//   JSON                                   tuple element
//   null / true / false                    null / bool
//   integer number (fits int64 or uint64)  integer
//   other number (has '.', 'e', or is too big for uint64)   double
//   "text"                                 unicode string
//   [ ... ]                                nested tuple
//   {"bytes": "00ff"}                      byte string, lowercase hex (either case accepted)
//   {"float": 1.5}                         32-bit float (the number rounded to float)
//   {"double": 1.5}                        double (the plain number form is the same)
//   {"float": "nan"}, {"double": "-inf"}   non-finite values: "nan", "-nan", "inf", "-inf"
//   {"uuid": "12345678-1234-5678-1234-567812345678"}
//   {"versionstamp": "<24 hex digits>"}    10 stamp bytes + 2-byte user version; incomplete when
//                                          the first 20 digits are all f
//   {"int": "-18446744073709551616"}       any integer as decimal text (needed past 64 bits)
//
// What JSON cannot carry: nlohmann parses an integer literal beyond the uint64 range as a double,
// so 18446744073709551616 written as a bare number becomes the double 1.8446744073709552e19
// (precision lost, silently: the parser gives no signal). Write such integers as {"int": "..."};
// tupleToJson always does. NaN payload bits other than the sign are not preserved ("nan" reads
// back as the default quiet NaN). Everything else round-trips exactly:
// tupleFromJson(tupleToJson(t)) == t.
//
// Thread safety: pure functions; call from any thread.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "strata/tuple.h"

namespace strata {

// The tuple a JSON array describes (table above).
// Throws: invalid_input (3005) when `array` is not an array or an element (at any depth) has no
//   mapping: the detail names the element by its path, e.g. "element 2.0: ...".
[[nodiscard]] Tuple tupleFromJson(const nlohmann::json& array);

// The JSON array for `tuple`: int64/uint64 as JSON integers, wider integers as {"int": ...},
// finite doubles as plain numbers, floats as {"float": ...}, bytes/uuid/versionstamp as objects.
// Throws: invalid_input (3005) when a unicode string is not valid UTF-8 (JSON cannot hold it;
//   store such data as Bytes).
[[nodiscard]] nlohmann::json tupleToJson(const Tuple& tuple);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). Cost: O(size).
[[nodiscard]] bool isValidUtf8(std::string_view text);

// Lowercase hex of `bytes`, two digits per byte.
[[nodiscard]] std::string toHex(std::string_view bytes);
// The bytes `hex` spells (either case).
// Throws: invalid_input (3005) on an odd length or a non-hex character.
[[nodiscard]] std::string fromHex(std::string_view hex);

}  // namespace strata
