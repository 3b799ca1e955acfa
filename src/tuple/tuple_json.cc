#include "strata/tuple_json.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "strata/kv/error.h"

namespace strata {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throwError(ErrorCode::invalid_input, "element " + path + ": " + what);
}

std::string shortDump(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

template <class F>
F nonFinite(const std::string& path, const std::string& text) {
  if (text == "nan") return std::numeric_limits<F>::quiet_NaN();
  if (text == "-nan") return -std::numeric_limits<F>::quiet_NaN();
  if (text == "inf") return std::numeric_limits<F>::infinity();
  if (text == "-inf") return -std::numeric_limits<F>::infinity();
  bad(path,
      "expected a number or one of \"nan\", \"-nan\", \"inf\", \"-inf\", got \"" + text + "\"");
}

template <class F>
F floating(const std::string& path, const json& v) {
  if (v.is_number()) return static_cast<F>(v.get<double>());
  if (v.is_string()) return nonFinite<F>(path, v.get<std::string>());
  bad(path, "expected a number, got " + shortDump(v));
}

std::string hexField(const std::string& path, const json& v, const char* key) {
  if (!v.is_string()) bad(path, std::string("\"") + key + "\" needs a hex string");
  try {
    return fromHex(v.get_ref<const std::string&>());
  } catch (const Error& e) {
    bad(path, std::string("\"") + key + "\": " + e.detail());
  }
}

TupleElement fromObject(const std::string& path, const json& obj) {
  if (obj.size() != 1) {
    bad(path,
        "an object needs exactly one key (bytes, float, double, uuid, versionstamp, int), "
        "got " +
            shortDump(obj));
  }
  const std::string& key = obj.begin().key();
  const json& v = obj.begin().value();
  try {
    if (key == "bytes") return Bytes(hexField(path, v, "bytes"));
    if (key == "float") return floating<float>(path, v);
    if (key == "double") return floating<double>(path, v);
    if (key == "uuid") {
      if (!v.is_string()) bad(path, "\"uuid\" needs a string");
      return Uuid::fromString(v.get_ref<const std::string&>());
    }
    if (key == "versionstamp") {
      std::string raw = hexField(path, v, "versionstamp");
      if (raw.size() != 12) bad(path, "\"versionstamp\" needs 24 hex digits");
      return Versionstamp::fromBytes(raw);
    }
    if (key == "int") {
      if (!v.is_string()) bad(path, "\"int\" needs a decimal string");
      return BigInt::fromString(v.get_ref<const std::string&>());
    }
  } catch (const Error& e) {
    if (e.code() == static_cast<int>(ErrorCode::invalid_input) &&
        e.detail().starts_with("element ")) {
      throw;
    }
    bad(path, e.detail());
  }
  bad(path, "unknown object key \"" + key +
                "\" (expected bytes, float, double, uuid, versionstamp or int)");
}

Tuple fromArray(const std::string& path, const json& array);

TupleElement fromJsonValue(const std::string& path, const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return nullptr;
    case json::value_t::boolean:
      return v.get<bool>();
    case json::value_t::number_integer:
      return v.get<int64_t>();
    case json::value_t::number_unsigned:
      return v.get<uint64_t>();
    case json::value_t::number_float:
      return v.get<double>();
    case json::value_t::string:
      return v.get<std::string>();
    case json::value_t::array:
      return fromArray(path + ".", v);
    case json::value_t::object:
      return fromObject(path, v);
    default:
      bad(path, "no tuple element for JSON " + std::string(v.type_name()));
  }
}

Tuple fromArray(const std::string& pathPrefix, const json& array) {
  std::vector<TupleElement> elements;
  elements.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    elements.push_back(fromJsonValue(pathPrefix + std::to_string(i), array[i]));
  }
  return Tuple(std::move(elements));
}

template <class F>
json floatingToJson(F f, const char* key) {
  if (std::isnan(f)) return json{{key, std::signbit(f) ? "-nan" : "nan"}};
  if (std::isinf(f)) return json{{key, f < 0 ? "-inf" : "inf"}};
  return json{{key, static_cast<double>(f)}};
}

json toJsonValue(const TupleElement& e) {
  const TupleElement::Value& v = e.value();
  switch (v.index()) {
    case 0:
      return nullptr;
    case 1:
      return json{{"bytes", toHex(std::get<Bytes>(v).data)}};
    case 2: {
      const std::string& s = std::get<std::string>(v);
      if (!isValidUtf8(s)) {
        throwError(ErrorCode::invalid_input,
                   "unicode string " + e.toString() + " is not valid UTF-8: JSON cannot hold it");
      }
      return s;
    }
    case 3:
      return tupleToJson(std::get<Tuple>(v));
    case 4:
      return std::get<int64_t>(v);
    case 5:
      return std::get<uint64_t>(v);
    case 6:
      return json{{"int", std::get<BigInt>(v).toString()}};
    case 7:
      return floatingToJson(std::get<float>(v), "float");
    case 8: {
      double d = std::get<double>(v);
      if (std::isfinite(d)) return d;
      return floatingToJson(d, "double");
    }
    case 9:
      return std::get<bool>(v);
    case 10:
      return json{{"uuid", std::get<Uuid>(v).toString()}};
    default:
      return json{{"versionstamp", toHex(std::get<Versionstamp>(v).toBytes())}};
  }
}

}  // namespace

bool isValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    std::size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto d = static_cast<uint8_t>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

Tuple tupleFromJson(const nlohmann::json& array) {
  if (!array.is_array()) {
    throwError(ErrorCode::invalid_input, "a tuple is a JSON array, got " + shortDump(array));
  }
  return fromArray("", array);
}

nlohmann::json tupleToJson(const Tuple& tuple) {
  json out = json::array();
  for (const TupleElement& e : tuple) out.push_back(toJsonValue(e));
  return out;
}

std::string toHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s.push_back(kHex[c >> 4]);
    s.push_back(kHex[c & 15]);
  }
  return s;
}

std::string fromHex(std::string_view hex) {
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) {
    throwError(ErrorCode::invalid_input,
               "hex text has an odd number of digits (" + std::to_string(hex.size()) + ")");
  }
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = digit(hex[i]);
    int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      throwError(ErrorCode::invalid_input,
                 "non-hex character at position " + std::to_string(hi < 0 ? i : i + 1));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace strata
