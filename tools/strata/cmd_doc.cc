// `strata doc`: hierarchical JSON documents with indexes (include/strata/layers/doc.h), in the
// store rooted at the directory strata.doc/STORE (--store, default "default";
// docs/FORMATS.md#documents). Paths are written `pets.fido.tags[0]`; "" is the root.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "common.h"
#include "progress.h"
#include "strata/directory.h"
#include "strata/layers/doc.h"

namespace strata::cli {
namespace {

using nlohmann::json;

constexpr const char* kPathHelp = "Node path: pets.fido.species, tags[0]; \"\" is the root";

layers::DocumentStore openStore(Database& db, const std::string& store) {
  DirectoryLayer layer;
  return layers::DocumentStore(layer.createOrOpen(db, {"strata.doc", store}, "doc"));
}

json parseJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throwError(ErrorCode::invalid_input, "not valid JSON: " + text);
  return j;
}

// A query value: JSON when it parses, else the text as a string (so `find species dog` works).
json queryValue(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

std::string kindName(layers::NodeKind kind) {
  switch (kind) {
    case layers::NodeKind::kObject:
      return "object";
    case layers::NodeKind::kArray:
      return "array";
    default:
      return "value";
  }
}

void addNodeCommands(CLI::App& doc, Context& context, std::shared_ptr<std::string> store) {
  struct Args {
    std::string path;
    std::string value;
    bool pretty = false;
  };
  auto set = std::make_shared<Args>();
  CLI::App* cmd = doc.add_subcommand(
      "set", "Replace the node at PATH (and its subtree) with JSON, creating missing parents.");
  cmd->add_option("PATH", set->path, kPathHelp)->required();
  cmd->add_option("JSON", set->value, "A JSON value: '{\"species\":\"dog\"}', 3, '\"text\"'")
      ->required();
  cmd->callback([set, store, &context] {
    Database db = openDatabase(context);
    openStore(db, *store).set(db, layers::DocPath::parse(set->path), parseJson(set->value));
  });

  auto update = std::make_shared<Args>();
  cmd = doc.add_subcommand("update",
                           "Deep-merge JSON into the node at PATH (RFC 7396: a null member "
                           "deletes that member).");
  cmd->add_option("PATH", update->path, kPathHelp)->required();
  cmd->add_option("JSON", update->value, "A JSON merge patch")->required();
  cmd->callback([update, store, &context] {
    Database db = openDatabase(context);
    openStore(db, *store)
        .update(db, layers::DocPath::parse(update->path), parseJson(update->value));
  });

  auto get = std::make_shared<Args>();
  cmd = doc.add_subcommand("get", "Print the subtree at PATH as JSON (exit 3 when absent).");
  cmd->add_option("PATH", get->path, kPathHelp);
  cmd->add_flag("--pretty", get->pretty, "Indent the JSON");
  cmd->callback([get, store, &context] {
    Database db = openDatabase(context);
    std::optional<json> v = openStore(db, *store).get(db, layers::DocPath::parse(get->path));
    if (!v) {
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", v->dump(get->pretty ? 2 : -1));
  });

  auto rm = std::make_shared<Args>();
  cmd = doc.add_subcommand("rm", "Delete the node at PATH and its subtree (exit 3 when absent).");
  cmd->add_option("PATH", rm->path, kPathHelp)->required();
  cmd->callback([rm, store, &context] {
    Database db = openDatabase(context);
    if (!openStore(db, *store).remove(db, layers::DocPath::parse(rm->path))) {
      context.exitCode = kExitAbsent;
    }
  });

  auto ls = std::make_shared<Args>();
  cmd = doc.add_subcommand(
      "ls", "List the children of PATH, one 'NAME  KIND' line each (KIND object, array, value).");
  cmd->add_option("PATH", ls->path, kPathHelp);
  cmd->callback([ls, store, &context] {
    Database db = openDatabase(context);
    layers::DocPath path = layers::DocPath::parse(ls->path);
    for (const layers::DocChild& c : openStore(db, *store).listChildren(db, path)) {
      fmt::print("{}  {}\n", layers::DocPath{{c.name}}.toString(), kindName(c.kind));
    }
  });
}

void addTransferCommands(CLI::App& doc, Context& context, std::shared_ptr<std::string> store) {
  struct ImportArgs {
    std::string file;
    std::string at;
    std::string format;
    int64_t batchBytes = 200'000;
    bool quiet = false;
  };
  auto imp = std::make_shared<ImportArgs>();
  CLI::App* cmd = doc.add_subcommand(
      "import",
      "Import FILE ('-' for stdin) under --at: JSON Lines ({\"path\": ..., \"value\": ...} per "
      "line, as `export --lines` writes) or one JSON object/array whose members become "
      "children. Written in bounded transactions, with a progress line on stderr.");
  cmd->add_option("FILE", imp->file, "Input file, '-' for stdin")->required();
  cmd->add_option("--at", imp->at, "Target node path (default: the root)");
  cmd->add_option("--format", imp->format,
                  "jsonl or json (default: by extension, .jsonl/.ndjson "
                  "-> jsonl, else json)")
      ->check(CLI::IsMember({"jsonl", "json"}));
  cmd->add_option("--batch-bytes", imp->batchBytes, "JSON bytes per transaction")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-q,--quiet", imp->quiet, "No progress line");
  cmd->callback([imp, store, &context] {
    std::string format = imp->format;
    if (format.empty()) {
      bool lines = imp->file.ends_with(".jsonl") || imp->file.ends_with(".ndjson");
      format = lines ? "jsonl" : "json";
    }
    std::ifstream file;
    std::istream* in = &std::cin;
    if (imp->file != "-") {
      file.open(imp->file, std::ios::binary);
      if (!file) throwError(ErrorCode::file_not_found, "cannot open " + imp->file);
      in = &file;
    }
    Database db = openDatabase(context);
    ProgressBar bar("import doc", "docs", -1, !imp->quiet);
    layers::ImportOptions options;
    options.format = format == "jsonl" ? layers::JsonFormat::kJsonLines : layers::JsonFormat::kJson;
    options.batchBytes = imp->batchBytes;
    options.progress = [&bar](int64_t n) { bar.update(n); };
    int64_t n = openStore(db, *store).importJson(db, layers::DocPath::parse(imp->at), *in, options);
    bar.finish();
    fmt::print("imported {} documents\n", n);
  });

  struct ExportArgs {
    std::string path;
    bool lines = false;
  };
  auto exp = std::make_shared<ExportArgs>();
  cmd = doc.add_subcommand("export",
                           "Write the subtree at PATH to stdout as JSON (--lines: one "
                           "{\"path\", \"value\"} line per child; import reads it back).");
  cmd->add_option("PATH", exp->path, kPathHelp);
  cmd->add_flag("--lines", exp->lines, "JSON Lines, one child per line");
  cmd->callback([exp, store, &context] {
    Database db = openDatabase(context);
    openStore(db, *store)
        .exportJson(db, layers::DocPath::parse(exp->path), std::cout,
                    exp->lines ? layers::JsonFormat::kJsonLines : layers::JsonFormat::kJson);
    std::cout.flush();
  });
}

void addIndexCommands(CLI::App& doc, Context& context, std::shared_ptr<std::string> store) {
  CLI::App* index = doc.add_subcommand("index", "Define, build, list and drop indexes.");
  index->require_subcommand(1);

  struct AddArgs {
    std::string name;
    std::string pattern;
    bool exists = false;
    bool quiet = false;
  };
  auto add = std::make_shared<AddArgs>();
  CLI::App* cmd = index->add_subcommand(
      "add",
      "Define index NAME over PATTERN ('?' matches any member or index: pets.?.species) and "
      "build it over the existing documents (resumable: rerun after an interruption).");
  cmd->add_option("NAME", add->name, "Index name (stable: queries and drops use it)")->required();
  cmd->add_option("PATTERN", add->pattern, "Path pattern")->required();
  cmd->add_flag("--exists", add->exists, "Index existence of matching nodes, not their values");
  cmd->add_flag("-q,--quiet", add->quiet, "No progress line");
  cmd->callback([add, store, &context] {
    Database db = openDatabase(context);
    layers::DocumentStore docs = openStore(db, *store);
    docs.addIndex(db, {add->name, add->pattern,
                       add->exists ? layers::IndexKind::kExists : layers::IndexKind::kValue});
    ProgressBar bar("index " + add->name, "batches", -1, !add->quiet);
    docs.buildIndex(db, add->name, 1000, [&bar](int64_t b) { bar.update(b); });
    bar.finish();
  });

  auto rmName = std::make_shared<std::string>();
  cmd = index->add_subcommand("rm", "Drop index NAME and its entries (exit 3 when absent).");
  cmd->add_option("NAME", *rmName, "Index name")->required();
  cmd->callback([rmName, store, &context] {
    Database db = openDatabase(context);
    if (!openStore(db, *store).dropIndex(db, *rmName)) context.exitCode = kExitAbsent;
  });

  cmd = index->add_subcommand("ls", "List indexes: 'NAME  PATTERN  value|exists  ready|building'.");
  cmd->callback([store, &context] {
    Database db = openDatabase(context);
    layers::DocumentStore docs = openStore(db, *store);
    auto infos = db.read([&](Transaction& tr) { return docs.listIndexes(tr); });
    for (const layers::IndexInfo& info : infos) {
      fmt::print("{}  {}  {}  {}\n", info.spec.name, info.spec.pattern,
                 info.spec.kind == layers::IndexKind::kValue ? "value" : "exists",
                 info.state == layers::IndexState::kReady ? "ready" : "building");
    }
  });
}

void addFindCommand(CLI::App& doc, Context& context, std::shared_ptr<std::string> store) {
  struct Args {
    std::string index;
    std::string value;
    std::vector<std::string> range;
    std::string prefix;
    bool documents = false;
    int limit = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = doc.add_subcommand(
      "find",
      "Query index INDEX: nodes whose value is VALUE, in [LO, HI) with --range, or strings "
      "starting with --prefix (an exists index: no VALUE). Values are JSON, else plain text. "
      "Prints one matching path per line (with --docs: path, a tab, the document as JSON).");
  cmd->add_option("INDEX", args->index, "Index name")->required();
  CLI::Option* value = cmd->add_option("VALUE", args->value, "Value to match");
  CLI::Option* range =
      cmd->add_option("--range", args->range, "LO HI: values in [LO, HI); null = open")
          ->expected(2);
  CLI::Option* prefix = cmd->add_option("--prefix", args->prefix, "String prefix");
  value->excludes(range)->excludes(prefix);
  range->excludes(prefix);
  cmd->add_flag("--docs", args->documents, "Also print each match's document");
  cmd->add_option("--limit", args->limit, "Most matches (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->callback([args, value, range, prefix, store, &context] {
    Database db = openDatabase(context);
    layers::DocumentStore docs = openStore(db, *store);
    db.read([&](Transaction& tr) {
      std::vector<layers::IndexMatch> matches;
      if (range->count() > 0) {
        matches = docs.findRange(tr, args->index, queryValue(args->range[0]),
                                 queryValue(args->range[1]), args->limit);
      } else if (prefix->count() > 0) {
        matches = docs.findPrefix(tr, args->index, args->prefix, args->limit);
      } else {
        json v = value->count() > 0 ? queryValue(args->value) : json(nullptr);
        matches = docs.find(tr, args->index, v, args->limit);
      }
      for (const layers::IndexMatch& m : matches) {
        if (!args->documents) {
          fmt::print("{}\n", m.path.toString());
          continue;
        }
        std::optional<json> d = docs.get(tr, m.document);
        fmt::print("{}\t{}\n", m.path.toString(), d ? d->dump() : "null");
      }
      return 0;
    });
  });
}

}  // namespace

void addDocCommands(CLI::App& app, Context& context) {
  CLI::App* doc = app.add_subcommand(
      "doc",
      "JSON documents addressed by path, with indexes, in the store under the directory "
      "strata.doc/STORE.");
  doc->require_subcommand(1);
  auto store = std::make_shared<std::string>("default");
  doc->add_option("--store", *store, "Store name (default: default)");
  addNodeCommands(*doc, context, store);
  addTransferCommands(*doc, context, store);
  addIndexCommands(*doc, context, store);
  addFindCommand(*doc, context, store);
}

}  // namespace strata::cli
