// What the strata CLI's command groups share: the global options, the exit codes, the helpers that
// open the database and print errors, and one registration function per command group
// (cmd_<group>.cc, each with its help text beside its code).
//
// Exit codes: 0 success; 1 a strata::Error (printed as "error: <name> (<code>): <message>" on
// stderr); 2 bad arguments (CLI11's message and the command's usage on stderr); 3 "absent" where a
// command documents it (kv get of a missing key).
//
// Thread safety: the CLI is single-threaded except where a command says otherwise (tour).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "strata/kv.h"

namespace strata::cli {

// The database used when neither --db nor STRATA_DB names one: the embedded engine's directory
// in the working directory. The one place this default is written down.
inline constexpr std::string_view kDefaultDatabaseUrl = "strata.db";
// The environment variable that overrides kDefaultDatabaseUrl (--db overrides both).
inline constexpr const char* kDatabaseEnv = "STRATA_DB";

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitAbsent = 3;

// State every command sees; filled by the parser, read by the command callbacks.
struct Context {
  // The database URL (Database::open's forms).
  std::string dbUrl{kDefaultDatabaseUrl};
  // The --db option; set by main().
  const CLI::Option* dbOption = nullptr;
  // What main() returns when the command finishes without throwing.
  int exitCode = kExitOk;

  // True when --db or STRATA_DB named the database (tour uses a temporary one otherwise).
  [[nodiscard]] bool dbUrlGiven() const { return dbOption != nullptr && dbOption->count() > 0; }
};

// Opens context.dbUrl. Throws: as Database::open.
[[nodiscard]] Database openDatabase(const Context& context);

// Prints "error: <name> (<code>): <message>" to stderr, then for a not_committed (1020) one
// "conflicting keys: [BEGIN, END)" line per conflicting read range (printable form).
void printError(const Error& error);

// Registration of each command group on the top-level app; the callbacks capture `context`,
// which must outlive app.parse().
void addKvCommands(CLI::App& app, Context& context);
void addTupleCommands(CLI::App& app, Context& context);
void addTourCommand(CLI::App& app, Context& context);
void addBlobCommands(CLI::App& app, Context& context);
void addCounterCommands(CLI::App& app, Context& context);
void addImportCommands(CLI::App& app, Context& context);
void addVectorCommands(CLI::App& app, Context& context);
void addInternCommands(CLI::App& app, Context& context);
void addDirCommands(CLI::App& app, Context& context);
void addPubSubCommands(CLI::App& app, Context& context);
void addSpatialCommands(CLI::App& app, Context& context);
void addDocCommands(CLI::App& app, Context& context);
void addQueueCommands(CLI::App& app, Context& context);
void addAdminCommands(CLI::App& app, Context& context);
void addExpireCommand(CLI::App& app, Context& context);

}  // namespace strata::cli
