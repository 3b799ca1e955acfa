// `strata vector`: a sparse array (layers/vector.h) named NAME, stored under the subspace
// ("vector", NAME). Values on the command line and in the output are in printable form.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common.h"
#include "strata/layers/vector.h"
#include "strata/subspace.h"
#include "strata/tuple.h"

namespace strata::cli {
namespace {

constexpr const char* kValueHelp =
    "in printable form: bytes outside printable ASCII as \\xNN, a backslash as \\\\";

// The arguments every vector command shares.
struct VectorArgs {
  std::string name;
  std::string defaultValue;

  void addTo(CLI::App& cmd) {
    cmd.add_option("NAME", name, "The vector's name (its subspace is (\"vector\", NAME))")
        ->required();
    cmd.add_option("--default", defaultValue,
                   std::string("The value unset slots read as (not stored: give the same one on "
                               "every call), ") +
                       kValueHelp);
  }
  [[nodiscard]] layers::Vector vector() const {
    return layers::Vector(Subspace(Tuple{"vector", name}), unprintable(defaultValue));
  }
};

CLI::App* addCommand(CLI::App& group, const char* name, const char* help,
                     const std::shared_ptr<VectorArgs>& args) {
  CLI::App* cmd = group.add_subcommand(name, help);
  args->addTo(*cmd);
  return cmd;
}

void addPush(CLI::App& group, Context& context) {
  auto args = std::make_shared<VectorArgs>();
  auto value = std::make_shared<std::string>();
  CLI::App* cmd = addCommand(group, "push", "Append VALUE; print its index.", args);
  cmd->footer("Examples:\n  strata vector push scores 10");
  cmd->add_option("VALUE", *value, std::string("The value, ") + kValueHelp)->required();
  cmd->callback([args, value, &context] {
    std::string v = unprintable(*value);
    Database db = openDatabase(context);
    fmt::print("{}\n", args->vector().push(db, v));
  });
}

void addPop(CLI::App& group, Context& context) {
  auto args = std::make_shared<VectorArgs>();
  CLI::App* cmd = addCommand(
      group, "pop",
      "Remove the last slot and print its value. On an empty vector nothing is printed on "
      "stdout and the exit code is 3.",
      args);
  cmd->footer("Examples:\n  strata vector pop scores");
  cmd->callback([args, &context] {
    Database db = openDatabase(context);
    std::optional<std::string> value = args->vector().pop(db);
    if (!value) {
      fmt::print(stderr, "vector '{}' is empty\n", printable(args->name));
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", printable(*value));
  });
}

void addGet(CLI::App& group, Context& context) {
  auto args = std::make_shared<VectorArgs>();
  auto index = std::make_shared<int64_t>(0);
  CLI::App* cmd = addCommand(
      group, "get",
      "Print the value at INDEX (the default for an unset slot). An index outside [0, size) "
      "fails with index_out_of_range (3007).",
      args);
  cmd->footer("Examples:\n  strata vector get scores 0\n  strata vector get scores 7 --default 0");
  cmd->add_option("INDEX", *index, "The slot, from 0")->required();
  cmd->callback([args, index, &context] {
    Database db = openDatabase(context);
    fmt::print("{}\n", printable(args->vector().get(db, *index)));
  });
}

void addSet(CLI::App& group, Context& context) {
  auto args = std::make_shared<VectorArgs>();
  auto index = std::make_shared<int64_t>(0);
  auto value = std::make_shared<std::string>();
  CLI::App* cmd = addCommand(
      group, "set", "Set the slot at INDEX to VALUE, growing the vector when INDEX >= size.", args);
  cmd->footer("Examples:\n  strata vector set scores 3 42");
  cmd->add_option("INDEX", *index, "The slot, from 0")->required();
  cmd->add_option("VALUE", *value, std::string("The value, ") + kValueHelp)->required();
  cmd->callback([args, index, value, &context] {
    std::string v = unprintable(*value);
    Database db = openDatabase(context);
    args->vector().set(db, *index, v);
  });
}

void addSize(CLI::App& group, Context& context) {
  auto args = std::make_shared<VectorArgs>();
  CLI::App* cmd = addCommand(group, "size", "Print the number of slots.", args);
  cmd->footer("Examples:\n  strata vector size scores");
  cmd->callback([args, &context] {
    Database db = openDatabase(context);
    fmt::print("{}\n", args->vector().size(db));
  });
}

void addResize(CLI::App& group, Context& context) {
  auto args = std::make_shared<VectorArgs>();
  auto size = std::make_shared<int64_t>(0);
  CLI::App* cmd = addCommand(
      group, "resize",
      "Make the vector SIZE slots long: shrinking drops the slots from SIZE on, growing adds "
      "slots that read as the default.",
      args);
  cmd->footer("Examples:\n  strata vector resize scores 100");
  cmd->add_option("SIZE", *size, "The new size")->required();
  cmd->callback([args, size, &context] {
    Database db = openDatabase(context);
    args->vector().resize(db, *size);
  });
}

void addRange(CLI::App& group, Context& context) {
  struct RangeArgs {
    std::optional<int64_t> begin;
    std::optional<int64_t> end;
    int64_t step = 1;
  };
  auto args = std::make_shared<VectorArgs>();
  auto range = std::make_shared<RangeArgs>();
  CLI::App* cmd = addCommand(
      group, "range",
      "Print the slots of a Python-style slice [BEGIN:END:STEP], one per line as "
      "\"INDEX<tab>VALUE\", unset slots as the default. Negative BEGIN/END count from the end; "
      "without them the whole vector.",
      args);
  cmd->footer(
      "Examples:\n  strata vector range scores\n  strata vector range scores 2 5\n  strata vector "
      "range scores 0 10 --step 2");
  cmd->add_option("BEGIN", range->begin, "First index (negative: from the end)");
  cmd->add_option("END", range->end, "Index to stop before (negative: from the end)");
  cmd->add_option("--step", range->step, "Step between indexes; negative walks backwards")
      ->capture_default_str();
  cmd->callback([args, range, &context] {
    Database db = openDatabase(context);
    layers::Vector v = args->vector();
    auto [size, values] = db.read([&](Transaction& tr) {
      int64_t n = v.size(tr);
      return std::pair(n, v.getRange(tr, range->begin, range->end, range->step));
    });
    const int64_t first =
        layers::Vector::resolveSlice(range->begin, range->end, range->step, size).first;
    for (size_t i = 0; i < values.size(); ++i) {
      fmt::print("{}\t{}\n", first + static_cast<int64_t>(i) * range->step, printable(values[i]));
    }
  });
}

}  // namespace

void addVectorCommands(CLI::App& app, Context& context) {
  CLI::App* group = app.add_subcommand(
      "vector",
      "Sparse arrays of values (layers/vector.h): push, pop, get, set, size, resize, range. "
      "Each NAME is a vector under the subspace (\"vector\", NAME).");
  group->footer("Examples:\n  strata vector push scores 10\n  strata vector range scores");
  group->require_subcommand(1);
  addPush(*group, context);
  addPop(*group, context);
  addGet(*group, context);
  addSet(*group, context);
  addSize(*group, context);
  addResize(*group, context);
  addRange(*group, context);
}

}  // namespace strata::cli
