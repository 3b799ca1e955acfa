// `strata counter`: high-contention counters (include/strata/layers/counter.h) under
// ("strata.counter", NAME) (docs/FORMATS.md#counter).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "common.h"
#include "strata/layers/counter.h"

namespace strata::cli {
namespace {

layers::Counter counterNamed(const std::string& name, bool blind) {
  layers::CounterOptions options;
  if (blind) options.mode = layers::CounterMode::kBlindShards;
  return layers::Counter(Subspace(Tuple{"strata.counter"}).sub(Tuple{name}), options);
}

}  // namespace

void addCounterCommands(CLI::App& app, Context& context) {
  CLI::App* counter = app.add_subcommand(
      "counter",
      "64-bit counters that concurrent writers add to without conflicting, under "
      "(\"strata.counter\", NAME). A counter never written reads 0.");
  counter->footer("Examples:\n  strata counter add visits 1\n  strata counter get visits");
  counter->require_subcommand(1);

  struct AddArgs {
    std::string name;
    int64_t delta = 0;
    std::string token;
    bool blind = false;
  };
  auto addArgs = std::make_shared<AddArgs>();
  CLI::App* add = counter->add_subcommand(
      "add",
      "Add DELTA (may be negative) to counter NAME, then print its value (read in a new "
      "transaction, so it may include other clients' adds). With --token, an add whose token was "
      "already applied adds nothing (safe to rerun after an unknown result).");
  add->footer(
      "Examples:\n  strata counter add visits 1\n  strata counter add stock -3 --token order-1234");
  add->add_option("NAME", addArgs->name, "Counter name")->required();
  add->add_option("DELTA", addArgs->delta, "Signed 64-bit amount")->required();
  add->add_option("--token", addArgs->token, "Idempotency token: unique per logical add");
  add->add_flag("--blind", addArgs->blind,
                "Blind-written random shard instead of atomic ADD (for engines whose atomic ops "
                "conflict)");
  add->callback([addArgs, &context] {
    Database db = openDatabase(context);
    layers::Counter c = counterNamed(addArgs->name, addArgs->blind);
    if (!c.add(db, addArgs->delta, addArgs->token)) {
      fmt::print(stderr, "token '{}' was already applied; nothing added\n", addArgs->token);
    }
    fmt::print("{}\n", c.get(db));
  });

  auto getName = std::make_shared<std::string>();
  CLI::App* get = counter->add_subcommand("get", "Print the value of counter NAME.");
  get->footer("Examples:\n  strata counter get visits");
  get->add_option("NAME", *getName, "Counter name")->required();
  get->callback([getName, &context] {
    Database db = openDatabase(context);
    fmt::print("{}\n", counterNamed(*getName, false).get(db));
  });

  struct SetArgs {
    std::string name;
    int64_t value = 0;
  };
  auto setArgs = std::make_shared<SetArgs>();
  CLI::App* set = counter->add_subcommand("set", "Set counter NAME to VALUE.");
  set->footer("Examples:\n  strata counter set visits 0");
  set->add_option("NAME", setArgs->name, "Counter name")->required();
  set->add_option("VALUE", setArgs->value, "Signed 64-bit value")->required();
  set->callback([setArgs, &context] {
    Database db = openDatabase(context);
    counterNamed(setArgs->name, false).set(db, setArgs->value);
  });
}

}  // namespace strata::cli
