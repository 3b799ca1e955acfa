// The strata command-line tool: global options, dispatch to the command groups, and the mapping of
// failures to exit codes (common.h).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <system_error>

#include "common.h"
#include "help.h"
#include "strata/version.h"

namespace strata::cli {

Database openDatabase(const Context& context) { return Database::open(context.dbUrl); }

namespace {

// What a user can do about an error, by code; empty when the message says it all.
std::string_view whatToDo(int code) {
  switch (code) {
    case 2013:  // invalid_database_name
      return "give --db (or STRATA_DB) a path, file:PATH, memory:[NAME] or "
             "etcd://HOST:PORT[,HOST:PORT...]; URL options: readonly, nosync, nometasync, "
             "lifetime_ms=N";
    case 1511:  // file_not_found
      return "check the path given by --db (or STRATA_DB); a new database is created only where "
             "its parent folder exists and the URL is not readonly";
    case 1510:  // io_error
      return "check that the database path is readable and writable and the disk is healthy; "
             "for etcd:// URLs, that the cluster is reachable";
    case 3001:  // not_a_database
      return "--db names something that is not a strata database; point it at a strata "
             "database folder or a new path";
    case 3002:  // unsupported_format_version
      return "this database was written by another strata version; open it with that version";
    case 3003:  // database_read_only
      return "the database was opened read-only; drop ?readonly from the URL to write";
    case 3004:  // disk_full
      return "free disk space, or raise the embedded engine's map size";
    case 3005:  // invalid_input
      return "check the input's format against the command's help";
    case 1020:  // not_committed
    case 1021:  // commit_unknown_result
      return "another client wrote concurrently; run the command again (check first whether it "
             "already took effect when the result was unknown)";
    case 1007:  // transaction_too_old
    case 1031:  // transaction_timed_out
      return "the transaction ran too long; retry, or work on a smaller range";
    case 2101:  // transaction_too_large
    case 2102:  // key_too_large
    case 2103:  // value_too_large
      return "split the work: keys up to 10,000 bytes, values up to 100,000 bytes, 10 MB per "
             "transaction (use 'strata blob' or 'strata import' for large data)";
    case 2004:  // key_outside_legal_range
      return "keys at or after \\xff are system keys; use a key below \\xff";
    case 2005:  // inverted_range
      return "give the range's begin key before its end key";
    case 2250:  // invalid_tuple_data_type
    case 2251:  // invalid_tuple_index
      return "check the tuple: 'strata help tuple pack' shows the accepted JSON forms";
    case 2256:  // directory_already_exists
      return "pick another path, or open the existing directory with 'strata dir open'";
    case 2257:  // directory_does_not_exist
    case 2258:  // parent_directory_does_not_exist
      return "list what exists with 'strata dir ls', or create it with 'strata dir mkdir'";
    case 2259:  // mismatched_layer
      return "the directory belongs to another layer; open it with that layer's commands";
    default:
      return {};
  }
}

// CLI11's failure message, what to do, and the usage of the (sub)command being parsed. `app` is
// the root; the command is found by following the parsed subcommands.
std::string usageFailure(const CLI::App* app, const CLI::Error& error) {
  std::string path;
  for (const CLI::App* a = app; !a->get_subcommands().empty();) {
    a = a->get_subcommands().front();
    path += " " + a->get_name();
  }
  return fmt::format(
      "error: {}\nWhat to do: fix the arguments; 'strata help{}' shows the usage and "
      "examples.\n\n{}",
      error.what(), path, app->help());
}

}  // namespace

// The command being run ("kv get"), for the hints printError gives; set once parsing is done.
static std::string& runningCommand() {
  static std::string command;
  return command;
}

void printError(const Error& error) {
  fmt::print(stderr, "error: {}\n", error.what());
  for (const ConflictRange& r : error.conflictingRanges()) {
    fmt::print(stderr, "conflicting keys: [{}, {})\n", printable(r.begin), printable(r.end));
  }
  if (std::string_view todo = whatToDo(error.code()); !todo.empty()) {
    fmt::print(stderr, "What to do: {}.\n", todo);
    if (!runningCommand().empty()) {
      fmt::print(stderr, "Usage and examples: strata help {}\n", runningCommand());
    }
  }
}

namespace {

// CLI11 converts integers with strtoll/strtoull and keeps the saturated value of one that is out
// of range: "counter add c 99999999999999999999" would add 2^63-1. Every integer option of every
// command is therefore range-checked first (a usage error naming the value).
void guardIntegerOptions(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    const std::string type = option->get_type_name();
    bool isSigned = type == "INT";
    if (!isSigned && type != "UINT") continue;
    option->check(CLI::Validator(
        [isSigned](std::string& text) -> std::string {
          const char* first = text.data();
          const char* last = text.data() + text.size();
          if (!isSigned && first != last && *first == '-') {
            return "'" + text + "' is negative: a value from 0 up is expected";
          }
          if (first != last && *first == '+') ++first;
          std::from_chars_result r{};
          if (isSigned) {
            int64_t v = 0;
            r = std::from_chars(first, last, v);
          } else {
            uint64_t v = 0;
            r = std::from_chars(first, last, v);
          }
          if (r.ec == std::errc::result_out_of_range) {
            return "'" + text + "' is out of range for a " +
                   (isSigned ? std::string("signed") : std::string("unsigned")) + " 64-bit integer";
          }
          return {};  // anything else is CLI11's own conversion to judge
        },
        "", "int64 range"));
  }
  for (CLI::App* sub : app.get_subcommands({})) guardIntegerOptions(*sub);
}

int runCli(int argc, char** argv) {
  Context context;
  CLI::App app(
      "strata: an ordered, transactional key-value store with FoundationDB's semantics and "
      "byte formats, and data-model layers on top of it.\n"
      "Keys and values are read and written in FoundationDB's printable form: printable ASCII as "
      "is, a backslash as \\\\, any other byte as \\xNN.",
      "strata");
  app.set_version_flag("--version", "strata " + std::string(strata::version()),
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
  addAdminCommands(app, context);
  addExpireCommand(app, context);
  addHelpCommand(app, context);  // last: it lists every command registered above
  guardIntegerOptions(app);

  // Runs after parsing, before the command's callback: errors can then name the command.
  app.parse_complete_callback([&app] {
    std::string path;
    for (const CLI::App* a = &app; !a->get_subcommands().empty();) {
      a = a->get_subcommands().front();
      path += (path.empty() ? "" : " ") + a->get_name();
    }
    runningCommand() = path;
  });
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
    fmt::print(
        stderr,
        "error: {}\nWhat to do: check the command's arguments against 'strata help COMMAND'.\n",
        e.what());
  }
  return strata::cli::kExitError;
}
