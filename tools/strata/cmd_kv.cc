// `strata kv`: read and write raw keys. Keys and values on the command line and in the output are
// in FoundationDB's printable form (strata::printable / strata::unprintable), so anything printed
// can be pasted back as input.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>

#include "common.h"
#include "listing.h"
#include "strata/layers/expiry.h"

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
      "Print the value of KEY in printable form. When KEY is absent, or its time to live (set "
      "with 'kv set --ttl') has passed, nothing is printed on stdout and the exit code is 3.");
  cmd->footer(
      "Examples:\n  strata kv get hello\n  strata --db file:/var/lib/app.db kv get 'user\\x0042'");
  cmd->add_option("KEY", *key, std::string("The key, ") + kPrintableHelp)->required();
  cmd->callback([key, &context] {
    std::string k = unprintable(*key);
    Database db = openDatabase(context);
    layers::Expiry expiry(layers::Expiry::cliSubspace());
    auto value = db.read([&](Transaction& tr) { return expiry.get(tr, k, Snapshot::kYes); });
    if (!value) {
      fmt::print(stderr, "not found: {}\n", printable(k));
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", printable(*value));
  });
}

void addSet(CLI::App& kv, Context& context) {
  struct Args {
    std::string key, value;
    double ttl = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = kv.add_subcommand(
      "set",
      "Set KEY to VALUE in one transaction. With --ttl the key expires after SECONDS: 'kv get' "
      "no longer shows it and 'strata expire' deletes it; without --ttl any earlier time to live "
      "is dropped (layers/expiry.h).");
  cmd->footer(
      "Examples:\n  strata kv set hello world\n  strata kv set 'counter\\x00' "
      "'\\x01\\x00\\x00\\x00'\n  strata kv set session/42 token --ttl 3600");
  cmd->add_option("--ttl", args->ttl,
                  "Expire the key after SECONDS (0.001 to 3e9; fractions allowed)")
      ->check(CLI::Range(0.001, 3e9));
  cmd->add_option("KEY", args->key, std::string("The key, ") + kPrintableHelp)->required();
  cmd->add_option("VALUE", args->value, "The value, printable form")->required();
  cmd->callback([args, &context] {
    std::string k = unprintable(args->key);
    std::string v = unprintable(args->value);
    Database db = openDatabase(context);
    layers::Expiry expiry(layers::Expiry::cliSubspace());
    auto ttl = std::chrono::milliseconds(static_cast<int64_t>(args->ttl * 1000.0));
    db.run([&](Transaction& tr) {
      if (args->ttl > 0) {
        expiry.set(tr, k, v, ttl);
      } else {
        expiry.setPersistent(tr, k, v);
      }
    });
  });
}

void addClear(CLI::App& kv, Context& context) {
  auto key = std::make_shared<std::string>();
  CLI::App* cmd =
      kv.add_subcommand("clear", "Remove KEY (no error when it is absent) in one transaction.");
  cmd->footer("Examples:\n  strata kv clear hello");
  cmd->add_option("KEY", *key, std::string("The key, ") + kPrintableHelp)->required();
  cmd->callback([key, &context] {
    std::string k = unprintable(*key);
    Database db = openDatabase(context);
    layers::Expiry expiry(layers::Expiry::cliSubspace());
    db.run([&](Transaction& tr) { expiry.clear(tr, k); });
  });
}

void addClearRange(CLI::App& kv, Context& context) {
  auto args = std::make_shared<RangeArgs>();
  CLI::App* cmd = kv.add_subcommand(
      "clear-range",
      "Remove every key in [BEGIN, END), or every key starting with --prefix P, in one "
      "transaction. BEGIN after END is an error (inverted_range, 2005).");
  cmd->footer("Examples:\n  strata kv clear-range a b\n  strata kv clear-range --prefix session/");
  args->addTo(*cmd);
  cmd->callback([args, &context] {
    auto [begin, end] = args->resolve();
    Database db = openDatabase(context);
    db.run([&](Transaction& tr) { tr.clearRange(begin, end); });
  });
}

void addRange(CLI::App& kv, Context& context) {
  struct Args {
    RangeArgs range;
    int limit = 0;
    bool reverse = false;
    ListingArgs listing;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = kv.add_subcommand(
      "range",
      "Print the keys in [BEGIN, END), or every key starting with --prefix P, as 'KEY = VALUE' "
      "lines in printable form, ascending (descending with --reverse). Streams: the range is "
      "never held in memory at once.");
  cmd->footer(
      "Examples:\n  strata kv range '' '\\xff' --limit 10\n  strata kv range --prefix user/ "
      "--reverse");
  args->range.addTo(*cmd);
  cmd->add_option("--limit", args->limit, "Print at most N rows (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--reverse", args->reverse, "Descending order; --limit counts from the end");
  args->listing.addTo(*cmd, /*withLimit=*/false);
  cmd->callback([args, &context] {
    auto [begin, end] = args->range.resolve();
    Database db = openDatabase(context);
    // A continuation scan: any size, each batch a snapshot (strata/kv/scan.h).
    ScanOptions options;
    options.reverse = args->reverse ? Reverse::kYes : Reverse::kNo;
    Scan scan = args->listing.open(db, begin, end, options);
    runListing(scan, args->limit, [](const KeyValue& row) {
      fmt::print("{} = {}\n", printable(row.key), printable(row.value));
      return 1;
    });
  });
}

}  // namespace

void addKvCommands(CLI::App& app, Context& context) {
  CLI::App* kv = app.add_subcommand(
      "kv", "Read and write raw keys and values, in FoundationDB's printable form.");
  kv->footer(
      "Examples:\n  strata kv set hello world\n  strata kv get hello\n  strata kv range --prefix "
      "user/");
  kv->require_subcommand(1);
  addGet(*kv, context);
  addSet(*kv, context);
  addClear(*kv, context);
  addClearRange(*kv, context);
  addRange(*kv, context);
}

}  // namespace strata::cli
