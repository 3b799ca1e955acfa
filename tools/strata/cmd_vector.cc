// `strata vector`: a sparse array (layers/vector.h) named NAME, stored under the subspace
// ("vector", NAME). Values on the command line and in the output are in printable form.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common.h"
#include "listing.h"
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

// `vector range --limit/--continue`: the slice is resolved against the size once, by the first
// page; its token ("v1", packListingToken) holds the slice (first, count) and the slots done, so
// each page reads its slots in transactions of at most 10,000 slots (slots past a since-shrunk end
// are skipped). Without --limit the whole slice is printed the same way.
void pageRange(Database& db, const layers::Vector& v, const std::string& name,
               std::optional<int64_t> begin, std::optional<int64_t> end, int64_t step,
               const ListingArgs& listing) {
  auto text = [](std::optional<int64_t> i) { return i ? std::to_string(*i) : std::string("-"); };
  const std::string fingerprint = fmt::format("{}\n{}\n{}\n{}", name, text(begin), text(end), step);
  layers::Vector::Slice slice;
  int64_t done = 0;
  if (listing.token.empty()) {
    int64_t size = db.read([&](Transaction& tr) { return v.size(tr); });
    slice = layers::Vector::resolveSlice(begin, end, step, size);
  } else {
    Tuple t = unpackListingToken("v1", listing.token, "vector range", fingerprint);
    if (t.size() != 5 || t.type(2) != TupleType::kInt || t.type(3) != TupleType::kInt ||
        t.type(4) != TupleType::kInt || t.getInt(4) < 0 || t.getInt(4) > t.getInt(3)) {
      throwError(ErrorCode::invalid_input, "not a continuation token of this 'vector range'");
    }
    slice.first = t.getInt(2);
    slice.count = t.getInt(3);
    done = t.getInt(4);
  }
  const int64_t remaining = slice.count - done;
  const int64_t n = listing.limit == 0 ? remaining : std::min<int64_t>(listing.limit, remaining);
  // Each transaction reads a span of at most kSpan slots, far inside the 5 s and 10 MB limits.
  constexpr int64_t kSpan = 10'000;
  const int64_t stride = step < 0 ? -step : step;
  const int64_t perTransaction = std::max<int64_t>(1, kSpan / stride);
  for (int64_t printed = 0; printed < n;) {
    const int64_t m = std::min(perTransaction, n - printed);
    const int64_t from = slice.first + (done + printed) * step;
    const int64_t to = from + (m - 1) * step;
    const int64_t lo = std::min(from, to);
    std::vector<std::string> values =
        db.read([&](Transaction& tr) { return v.getRange(tr, lo, std::max(from, to) + 1, 1); });
    for (int64_t i = 0; i < m; ++i) {
      const int64_t index = from + i * step;
      if (index - lo >= static_cast<int64_t>(values.size())) continue;  // past a shrunk end
      fmt::print("{}\t{}\n", index, printable(values[static_cast<size_t>(index - lo)]));
    }
    printed += m;
  }
  if (done + n < slice.count) {
    fmt::print(stderr, "next: {}\n",
               packListingToken(
                   "v1", Tuple{"vector range", fingerprint, slice.first, slice.count, done + n}));
  }
}

void addRange(CLI::App& group, Context& context) {
  struct RangeArgs {
    std::optional<int64_t> begin;
    std::optional<int64_t> end;
    int64_t step = 1;
  };
  auto args = std::make_shared<VectorArgs>();
  auto range = std::make_shared<RangeArgs>();
  auto listing = std::make_shared<ListingArgs>();
  CLI::App* cmd = addCommand(
      group, "range",
      "Print the slots of a Python-style slice [BEGIN:END:STEP], one per line as "
      "\"INDEX<tab>VALUE\", unset slots as the default. Negative BEGIN/END count from the end; "
      "without them the whole vector.",
      args);
  cmd->footer(
      "Examples:\n  strata vector range scores\n  strata vector range scores 2 5\n  strata vector "
      "range scores 0 10 --step 2\n  strata vector range scores --limit 1000 --continue TOKEN");
  cmd->add_option("BEGIN", range->begin, "First index (negative: from the end)");
  cmd->add_option("END", range->end, "Index to stop before (negative: from the end)");
  cmd->add_option("--step", range->step, "Step between indexes; negative walks backwards")
      ->capture_default_str();
  listing->addTo(*cmd);
  cmd->callback([args, range, listing, &context] {
    Database db = openDatabase(context);
    layers::Vector v = args->vector();
    // Paged through the slice in bounded transactions: any size; --limit/--continue page it.
    pageRange(db, v, args->name, range->begin, range->end, range->step, *listing);
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
