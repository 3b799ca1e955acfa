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
#include <utility>

#include "strata/kv/database.h"
#include "strata/kv/scan.h"

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

}  // namespace strata::cli
