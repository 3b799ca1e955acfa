// The strata command-line tool: global options, dispatch to the command groups, and the mapping of
// failures to exit codes (common.h).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "common.h"

#ifndef STRATA_VERSION
#error "STRATA_VERSION must be defined by the build (the project version)"
#endif

namespace strata::cli {

Database openDatabase(const Context& context) { return Database::open(context.dbUrl); }

void printError(const Error& error) { fmt::print(stderr, "error: {}\n", error.what()); }

namespace {

// CLI11's failure message, followed by the usage of the (sub)command being parsed.
std::string usageFailure(const CLI::App* app, const CLI::Error& error) {
  return fmt::format("error: {}\n\n{}", error.what(), app->help());
}

int runCli(int argc, char** argv) {
  Context context;
  CLI::App app(
      "strata: an ordered, transactional key-value store with FoundationDB's semantics and "
      "byte formats, and data-model layers on top of it.\n"
      "Keys and values are read and written in FoundationDB's printable form: printable ASCII as "
      "is, a backslash as \\\\, any other byte as \\xNN.",
      "strata");
  app.set_version_flag("--version", std::string("strata ") + STRATA_VERSION,
                       "Print the version and exit");
  context.dbOption =
      app.add_option("--db", context.dbUrl,
                     "Database URL: a path or file:PATH (embedded), memory:[NAME], etcd://h:p,... "
                     "(default: $STRATA_DB, else " +
                         std::string(kDefaultDatabaseUrl) + ")")
          ->envname(kDatabaseEnv)
          ->capture_default_str();
  app.require_subcommand(1);
  app.failure_message(usageFailure);

  addKvCommands(app, context);
  addTupleCommands(app, context);
  addTourCommand(app, context);
  addBlobCommands(app, context);
  addCounterCommands(app, context);
  addImportCommands(app, context);
  addVectorCommands(app, context);
  addInternCommands(app, context);
  addDirCommands(app, context);
  addPubSubCommands(app, context);
  addSpatialCommands(app, context);
  addDocCommands(app, context);
  addQueueCommands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, version, or the failure message and usage
    return code == static_cast<int>(CLI::ExitCodes::Success) ? kExitOk : kExitUsage;
  }
  return context.exitCode;
}

}  // namespace
}  // namespace strata::cli

int main(int argc, char** argv) {
  try {
    return strata::cli::runCli(argc, argv);
  } catch (const strata::Error& e) {
    strata::cli::printError(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
  }
  return strata::cli::kExitError;
}
