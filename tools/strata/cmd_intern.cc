// `strata intern`: string interning (layers/intern.h) in a table named NAME, stored under the
// subspace ("intern", NAME). Identifiers are printed and read as lowercase hex; strings in
// printable form.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common.h"
#include "strata/layers/intern.h"
#include "strata/subspace.h"
#include "strata/tuple.h"

namespace strata::cli {
namespace {

std::string toHex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

// Throws: invalid_input (3005) unless `hex` is an even number of hex digits.
std::string fromHex(std::string_view hex) {
  auto digit = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw Error(ErrorCode::invalid_input, "identifier '" + std::string(hex) + "' is not hex");
  };
  if (hex.size() % 2 != 0) {
    throw Error(ErrorCode::invalid_input,
                "identifier '" + std::string(hex) + "' has an odd number of hex digits");
  }
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1])));
  }
  return out;
}

layers::StringIntern table(const std::string& name) {
  return layers::StringIntern(Subspace(Tuple{"intern", name}));
}

void addAdd(CLI::App& group, Context& context) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = group.add_subcommand(
      "add",
      "Intern STRING in table NAME and print its identifier as hex. The same STRING always "
      "prints the same identifier.");
  cmd->footer("Examples:\n  strata intern add agents 'Mozilla/5.0 (X11; Linux x86_64)'");
  cmd->add_option("NAME", args->first, "The table's name")->required();
  cmd->add_option("STRING", args->second,
                  "The string, in printable form (\\xNN for other bytes, \\\\ for a backslash)")
      ->required();
  cmd->callback([args, &context] {
    std::string s = unprintable(args->second);
    Database db = openDatabase(context);
    fmt::print("{}\n", toHex(table(args->first).intern(db, s)));
  });
}

void addLookup(CLI::App& group, Context& context) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = group.add_subcommand(
      "lookup",
      "Print the string (printable form) whose identifier is HEX in table NAME. For an unknown "
      "identifier nothing is printed on stdout and the exit code is 3.");
  cmd->footer("Examples:\n  strata intern lookup agents 0a1b2c");
  cmd->add_option("NAME", args->first, "The table's name")->required();
  cmd->add_option("HEX", args->second, "The identifier, as `intern add` printed it")->required();
  cmd->callback([args, &context] {
    std::string id = fromHex(args->second);
    Database db = openDatabase(context);
    std::optional<std::string> s = table(args->first).lookup(db, id);
    if (!s) {
      fmt::print(stderr, "not found: identifier {} in '{}'\n", toHex(id), printable(args->first));
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", printable(*s));
  });
}

}  // namespace

void addInternCommands(CLI::App& app, Context& context) {
  CLI::App* group = app.add_subcommand(
      "intern",
      "String interning (layers/intern.h): map strings to short identifiers and back. Each NAME "
      "is a table under the subspace (\"intern\", NAME).");
  group->footer(
      "Examples:\n  strata intern add agents 'Mozilla/5.0 (X11; Linux x86_64)'\n  strata intern "
      "lookup agents 0a1b2c");
  group->require_subcommand(1);
  addAdd(*group, context);
  addLookup(*group, context);
}

}  // namespace strata::cli
