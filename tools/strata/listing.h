// --limit N and --continue TOKEN for the CLI's listing commands (kv range, dir ls, blob ls, ...).
//
// A listing walks its key range with a strata::Scan (strata/kv/scan.h): any size, in as many
// transactions as needed, each batch a snapshot. --limit N stops after N printed items; when more
// remain, the last line on stderr is "next: TOKEN", and the same command with --continue TOKEN
// (and the same other arguments) prints the items after the last one printed. A token of another
// listing is refused with invalid_input (3005).
//
// Thread safety: used by one thread (the CLI's).
#pragma once

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "strata/kv/database.h"
#include "strata/kv/scan.h"
#include "strata/tuple.h"

namespace strata::cli {

struct ListingArgs {
  int limit = 0;
  std::string token;
  CLI::Option* limitOption = nullptr;

  // Adds --limit (unless `withLimit` is false because the command has its own) and --continue.
  void addTo(CLI::App& cmd, bool withLimit = true) {
    if (withLimit) {
      limitOption = cmd.add_option("--limit", limit,
                                   "Print at most N items (0: all); when more remain the last "
                                   "line on stderr is 'next: TOKEN'")
                        ->check(CLI::NonNegativeNumber);
    }
    cmd.add_option("--continue", token,
                   "Resume after the last item a --limit run printed (its 'next:' TOKEN; give "
                   "the same other arguments)");
  }

  // Opens the scan of [begin, end): from the start, or after the token's position.
  [[nodiscard]] Scan open(Database& db, std::string_view begin, std::string_view end,
                          ScanOptions options = {}) const {
    if (token.empty()) return Scan::open(db, begin, end, options);
    return Scan::resume(db, begin, end, token, options);
  }
};

// Feeds the scan's rows to `visit(const KeyValue&) -> int` (the number of items it printed for
// the row: 0 to skip it) until `limit` items were printed; then prints "next: TOKEN" on stderr
// if rows remain. A row that would print past the limit is left for the continuation.
// Returns: the items printed.
template <class Visit>
int64_t runListing(Scan& scan, int limit, Visit&& visit) {
  int64_t printed = 0;
  while (limit == 0 || printed < limit) {
    std::optional<KeyValue> kv = scan.next();
    if (!kv) return printed;
    printed += visit(*kv);
  }
  if (scan.hasMore()) fmt::print(stderr, "next: {}\n", scan.continuation());
  return printed;
}

// Tokens of listings whose position is not one key of one range (vector range: an index of a
// slice): `tag` + lowercase hex of pack((listing, fingerprint, position...)), where
// `fingerprint` names the arguments the position depends on. Printable, no spaces.
inline std::string packListingToken(std::string_view tag, Tuple t) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(tag);
  for (unsigned char c : t.pack()) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// The tuple of a packListingToken() token whose first two elements are `listing` and
// `fingerprint`. Throws: invalid_input (3005) for a damaged token, another listing's, or one made
// with other arguments.
inline Tuple unpackListingToken(std::string_view tag, std::string_view token,
                                std::string_view listing, std::string_view fingerprint) {
  auto bad = [&] {
    throwError(ErrorCode::invalid_input, "not a continuation token of this '" +
                                             std::string(listing) +
                                             "' (give the same other arguments)");
  };
  if (!token.starts_with(tag) || (token.size() - tag.size()) % 2 != 0) bad();
  auto digit = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    bad();
    return 0;
  };
  std::string packed;
  for (size_t i = tag.size(); i < token.size(); i += 2) {
    packed += static_cast<char>(digit(token[i]) * 16 + digit(token[i + 1]));
  }
  Tuple t;
  try {
    t = Tuple::unpack(packed);
  } catch (const Error&) {
    bad();
  }
  if (t.size() < 2 || t.type(0) != TupleType::kString || t.type(1) != TupleType::kString ||
      t.getString(0) != listing || t.getString(1) != fingerprint) {
    bad();
  }
  return t;
}

}  // namespace strata::cli
