// `strata tuple`: pack a tuple written as JSON (strata/tuple_json.h) to FoundationDB tuple bytes
// in lowercase hex, and unpack hex back to compact JSON. The two round-trip.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common.h"
#include "strata/tuple.h"
#include "strata/tuple_json.h"

namespace strata::cli {
namespace {

constexpr const char* kJsonForms =
    "JSON forms: null, true/false, integers, other numbers (double), \"text\", [nested], "
    "{\"bytes\":\"00ff\"}, {\"float\":1.5}, {\"uuid\":\"...\"}, {\"versionstamp\":\"<24 hex>\"}, "
    "{\"int\":\"<decimal>\"} for integers past 64 bits.";

void addPack(CLI::App& tuple) {
  auto json = std::make_shared<std::string>();
  CLI::App* cmd = tuple.add_subcommand(
      "pack", std::string("Print the packed bytes of the tuple JSON_ARRAY as lowercase hex, e.g. "
                          "'[\"hello\", 1, null]' -> 0268656c6c6f00150100. ") +
                  kJsonForms);
  cmd->footer(
      "Examples:\n  strata tuple pack '[\"users\", 42, null]'\n  strata tuple pack '[\"a\", [1, "
      "2]]'");
  cmd->add_option("JSON_ARRAY", *json, "The tuple as a JSON array")->required();
  cmd->callback([json] {
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(*json);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(ErrorCode::invalid_input, std::string("not JSON: ") + e.what());
    }
    fmt::print("{}\n", toHex(tupleFromJson(parsed).pack()));
  });
}

void addUnpack(CLI::App& tuple) {
  auto hex = std::make_shared<std::string>();
  CLI::App* cmd = tuple.add_subcommand(
      "unpack",
      std::string("Print the tuple packed in HEX as compact JSON (the form `tuple pack` reads). ") +
          kJsonForms);
  cmd->footer("Examples:\n  strata tuple unpack 02757365727300152a");
  cmd->add_option("HEX", *hex, "Packed tuple bytes in hex (either case)")->required();
  cmd->callback([hex] { fmt::print("{}\n", tupleToJson(Tuple::unpack(fromHex(*hex))).dump()); });
}

}  // namespace

void addTupleCommands(CLI::App& app, Context& /*context*/) {
  CLI::App* tuple = app.add_subcommand(
      "tuple", "Convert between tuples written as JSON and FoundationDB's tuple bytes.");
  tuple->footer(
      "Examples:\n  strata tuple pack '[\"users\", 42, null]'\n  strata tuple unpack "
      "02757365727300152a");
  tuple->require_subcommand(1);
  addPack(*tuple);
  addUnpack(*tuple);
}

}  // namespace strata::cli
