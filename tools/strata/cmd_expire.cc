// `strata expire`: deletes the keys whose time to live (`strata kv set KEY VALUE --ttl SECONDS`,
// layers/expiry.h under Expiry::cliSubspace()) has passed, in bounded transactions, and prints how
// many it deleted. Nothing runs in the background: schedule this command (cron, a timer) to keep
// expired keys from accumulating; until it runs, `kv get` already hides them.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "common.h"
#include "strata/layers/expiry.h"

namespace strata::cli {

void addExpireCommand(CLI::App& app, Context& context) {
  struct Args {
    int batch = 1000;
    int64_t limit = 0;
    bool dryRun = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "expire",
      "Delete every key whose time to live (kv set --ttl) has passed, in transactions of at most "
      "--batch keys, and print 'expired: N'. With --dry-run only count them ('due: N').");
  cmd->footer(
      "Examples:\n  strata expire\n  strata expire --batch 500 --limit 100000\n"
      "  strata expire --dry-run");
  cmd->add_option("--batch", args->batch, "Keys examined per transaction")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--limit", args->limit, "Delete at most N keys (0: all that are due)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_flag("--dry-run", args->dryRun, "Count the expired keys without deleting them");
  cmd->callback([args, &context] {
    Database db = openDatabase(context);
    layers::Expiry expiry(layers::Expiry::cliSubspace());
    if (args->dryRun) {
      int64_t due = db.read([&](Transaction& tr) { return expiry.countDue(tr); });
      fmt::print("due: {}\n", due);
      return;
    }
    layers::SweepOptions options;
    options.batch = args->batch;
    options.limit = args->limit;
    fmt::print("expired: {}\n", expiry.sweep(db, options));
  });
}

}  // namespace strata::cli
