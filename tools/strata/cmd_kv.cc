// `strata kv`: read and write raw keys. Keys and values on the command line and in the output are
// in FoundationDB's printable form (strata::printable / strata::unprintable), so anything printed
// can be pasted back as input.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>

#include "common.h"

namespace strata::cli {
namespace {

constexpr const char* kPrintableHelp =
    "in printable form: bytes outside printable ASCII as \\xNN, a backslash as \\\\";

// The arguments naming a key range: BEGIN END, or --prefix P.
struct RangeArgs {
  std::string begin;
  std::string end;
  std::string prefix;
  CLI::Option* beginOption = nullptr;
  CLI::Option* endOption = nullptr;
  CLI::Option* prefixOption = nullptr;

  void addTo(CLI::App& cmd) {
    beginOption =
        cmd.add_option("BEGIN", begin, std::string("First key of the range, ") + kPrintableHelp);
    endOption = cmd.add_option("END", end, "Key just past the range (exclusive), printable form");
    prefixOption = cmd.add_option(
        "--prefix", prefix, "Every key starting with P (printable form) instead of BEGIN END");
    prefixOption->excludes(beginOption)->excludes(endOption);
  }

  // Returns: the range as raw keys [begin, end). Throws: CLI::RequiredError without BEGIN END or
  //   --prefix; invalid_input (3005) for a malformed escape.
  [[nodiscard]] std::pair<std::string, std::string> resolve() const {
    if (prefixOption->count() > 0) {
      std::string p = unprintable(prefix);
      // An empty prefix names the whole user key space.
      return {p, p.empty() ? std::string("\xff") : strinc(p)};
    }
    if (beginOption->count() == 0 || endOption->count() == 0) {
      throw CLI::RequiredError("BEGIN and END, or --prefix,");
    }
    return {unprintable(begin), unprintable(end)};
  }
};

void addGet(CLI::App& kv, Context& context) {
  auto key = std::make_shared<std::string>();
  CLI::App* cmd = kv.add_subcommand(
      "get",
      "Print the value of KEY in printable form. When KEY is absent nothing is printed on stdout "
      "and the exit code is 3.");
  cmd->add_option("KEY", *key, std::string("The key, ") + kPrintableHelp)->required();
  cmd->callback([key, &context] {
    std::string k = unprintable(*key);
    Database db = openDatabase(context);
    auto value = db.read([&](Transaction& tr) { return tr.get(k, Snapshot::kYes); });
    if (!value) {
      fmt::print(stderr, "not found: {}\n", printable(k));
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", printable(*value));
  });
}

void addSet(CLI::App& kv, Context& context) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = kv.add_subcommand("set", "Set KEY to VALUE in one transaction.");
  cmd->add_option("KEY", args->first, std::string("The key, ") + kPrintableHelp)->required();
  cmd->add_option("VALUE", args->second, "The value, printable form")->required();
  cmd->callback([args, &context] {
    std::string k = unprintable(args->first);
    std::string v = unprintable(args->second);
    Database db = openDatabase(context);
    db.run([&](Transaction& tr) { tr.set(k, v); });
  });
}

void addClear(CLI::App& kv, Context& context) {
  auto key = std::make_shared<std::string>();
  CLI::App* cmd =
      kv.add_subcommand("clear", "Remove KEY (no error when it is absent) in one transaction.");
  cmd->add_option("KEY", *key, std::string("The key, ") + kPrintableHelp)->required();
  cmd->callback([key, &context] {
    std::string k = unprintable(*key);
    Database db = openDatabase(context);
    db.run([&](Transaction& tr) { tr.clear(k); });
  });
}

void addClearRange(CLI::App& kv, Context& context) {
  auto args = std::make_shared<RangeArgs>();
  CLI::App* cmd = kv.add_subcommand(
      "clear-range",
      "Remove every key in [BEGIN, END), or every key starting with --prefix P, in one "
      "transaction. BEGIN after END is an error (inverted_range, 2005).");
  args->addTo(*cmd);
  cmd->callback([args, &context] {
    auto [begin, end] = args->resolve();
    Database db = openDatabase(context);
    db.run([&](Transaction& tr) { tr.clearRange(begin, end); });
  });
}

// Streams [begin, end) to stdout as "KEY = VALUE" lines. A scan longer than one transaction's
// 5 seconds continues in a new transaction from the last key printed, so each batch is
// consistent but the whole scan is not one snapshot.
void printRange(Database& db, std::string begin, std::string end, int limit, Reverse reverse) {
  Transaction tr = db.createTransaction();
  int printed = 0;
  for (;;) {
    if (limit > 0 && printed >= limit) return;  // a resumed scan that had already finished
    try {
      RangeOptions options;
      options.limit = limit == 0 ? 0 : limit - printed;
      options.reverse = reverse;
      options.snapshot = Snapshot::kYes;
      for (const KeyValue& row : tr.getRange(begin, end, options)) {
        fmt::print("{} = {}\n", printable(row.key), printable(row.value));
        ++printed;
        if (reverse == Reverse::kYes) {
          end = row.key;
        } else {
          begin = keyAfter(row.key);
        }
      }
      return;
    } catch (const Error& e) {
      tr.onError(e);  // rethrows what is not retryable; otherwise resume where we stopped
    }
  }
}

void addRange(CLI::App& kv, Context& context) {
  struct Args {
    RangeArgs range;
    int limit = 0;
    bool reverse = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = kv.add_subcommand(
      "range",
      "Print the keys in [BEGIN, END), or every key starting with --prefix P, as 'KEY = VALUE' "
      "lines in printable form, ascending (descending with --reverse). Streams: the range is "
      "never held in memory at once.");
  args->range.addTo(*cmd);
  cmd->add_option("--limit", args->limit, "Print at most N rows (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--reverse", args->reverse, "Descending order; --limit counts from the end");
  cmd->callback([args, &context] {
    auto [begin, end] = args->range.resolve();
    Database db = openDatabase(context);
    printRange(db, std::move(begin), std::move(end), args->limit,
               args->reverse ? Reverse::kYes : Reverse::kNo);
  });
}

}  // namespace

void addKvCommands(CLI::App& app, Context& context) {
  CLI::App* kv = app.add_subcommand(
      "kv", "Read and write raw keys and values, in FoundationDB's printable form.");
  kv->require_subcommand(1);
  addGet(*kv, context);
  addSet(*kv, context);
  addClear(*kv, context);
  addClearRange(*kv, context);
  addRange(*kv, context);
}

}  // namespace strata::cli
