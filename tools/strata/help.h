// `strata help`: the CLI's help, man page and bash completion, all generated from the one text
// each command registers with CLI11 (its description, options and "Examples:" footer), so they
// cannot drift apart.
//
//   strata help                   usage, global options and every command with one line each
//   strata help COMMAND...        the command's usage, paragraph, options and examples
//   strata help --man             the man page strata.1 (roff); the build installs its output
//   strata help --completion      a bash completion script; the build installs its output
//   strata help --commands        every command path, one per line (for tests and scripts)
//
// Thread safety: single-threaded, like the rest of the CLI.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "common.h"

namespace strata::cli {

// Registers `help` on the top-level app; `app` must be the root and outlive app.parse().
// Call after every other command group is registered.
void addHelpCommand(CLI::App& app, Context& context);

// Every visible command below `root`, depth first, as full paths without the program name
// ("kv", "kv get", ...).
[[nodiscard]] std::vector<std::string> commandPaths(const CLI::App& root);

// The roff man page and the bash completion script for the whole CLI.
[[nodiscard]] std::string manPage(const CLI::App& root);
[[nodiscard]] std::string bashCompletion(const CLI::App& root);

}  // namespace strata::cli
