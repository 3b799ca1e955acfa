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
#include "listing.h"
#include "progress.h"
#include "strata/directory.h"
#include "strata/layers/doc.h"
#include "strata/layers/doc_plugin.h"

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
  cmd->footer("Examples:\n  strata doc set users.ada '{\"name\": \"Ada\", \"city\": \"London\"}'");
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
  cmd->footer("Examples:\n  strata doc update users.ada '{\"age\": 36, \"city\": null}'");
  cmd->add_option("PATH", update->path, kPathHelp)->required();
  cmd->add_option("JSON", update->value, "A JSON merge patch")->required();
  cmd->callback([update, store, &context] {
    Database db = openDatabase(context);
    openStore(db, *store)
        .update(db, layers::DocPath::parse(update->path), parseJson(update->value));
  });

  auto get = std::make_shared<Args>();
  cmd = doc.add_subcommand("get", "Print the subtree at PATH as JSON (exit 3 when absent).");
  cmd->footer("Examples:\n  strata doc get users.ada --pretty\n  strata doc get users.ada.name");
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
  cmd->footer("Examples:\n  strata doc rm users.ada");
  cmd->add_option("PATH", rm->path, kPathHelp)->required();
  cmd->callback([rm, store, &context] {
    Database db = openDatabase(context);
    if (!openStore(db, *store).remove(db, layers::DocPath::parse(rm->path))) {
      context.exitCode = kExitAbsent;
    }
  });

  auto ls = std::make_shared<Args>();
  auto lsListing = std::make_shared<ListingArgs>();
  cmd = doc.add_subcommand(
      "ls", "List the children of PATH, one 'NAME  KIND' line each (KIND object, array, value).");
  cmd->footer(
      "Examples:\n  strata doc ls users\n  strata doc ls users --limit 100 --continue TOKEN");
  cmd->add_option("PATH", ls->path, kPathHelp);
  lsListing->addTo(*cmd);
  cmd->callback([ls, lsListing, store, &context] {
    Database db = openDatabase(context);
    layers::DocPath path = layers::DocPath::parse(ls->path);
    layers::DocumentStore docs = openStore(db, *store);
    auto print = [](const layers::DocChild& c) {
      fmt::print("{}  {}\n", layers::DocPath{{c.name}}.toString(), kindName(c.kind));
    };
    if (lsListing->limitOption->count() == 0 && lsListing->token.empty()) {
      // Every child, 1,000 per transaction (each batch a snapshot), so any number of children
      // lists without reaching the 5 s limit.
      std::optional<layers::DocPath::Element> after;
      for (;;) {
        std::vector<layers::DocChild> batch =
            db.read([&](Transaction& tr) { return docs.listChildren(tr, path, 1000, after); });
        for (const layers::DocChild& c : batch) print(c);
        if (batch.size() < 1000) return;
        after = batch.back().name;
      }
    }
    // A continuation scan of the subtree, keeping the children's own rows.
    KeyRange range = docs.childrenRange(path);
    Scan scan = lsListing->open(db, range.begin, range.end);
    runListing(scan, lsListing->limit, [&](const KeyValue& row) {
      std::optional<layers::DocChild> c = docs.childOfRow(path, row);
      if (!c) return 0;
      print(*c);
      return 1;
    });
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
  cmd->footer(
      "Examples:\n  strata doc import people.jsonl --at users\n  curl -s "
      "https://example.com/users.json | strata doc import - --at users --format json");
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
    ListingArgs listing;
  };
  auto exp = std::make_shared<ExportArgs>();
  cmd = doc.add_subcommand("export",
                           "Write the subtree at PATH to stdout as JSON (--lines: one "
                           "{\"path\", \"value\"} line per child; import reads it back).");
  cmd->footer(
      "Examples:\n  strata doc export users > users.json\n  strata doc export users --lines > "
      "users.jsonl\n  strata doc export users --lines --limit 1000 --continue TOKEN");
  cmd->add_option("PATH", exp->path, kPathHelp);
  cmd->add_flag("--lines", exp->lines, "JSON Lines, one child per line");
  exp->listing.addTo(*cmd);
  cmd->callback([exp, store, &context] {
    Database db = openDatabase(context);
    layers::DocumentStore docs = openStore(db, *store);
    layers::DocPath path = layers::DocPath::parse(exp->path);
    const ListingArgs& listing = exp->listing;
    if (listing.limitOption->count() == 0 && listing.token.empty()) {
      docs.exportJson(db, path, std::cout,
                      exp->lines ? layers::JsonFormat::kJsonLines : layers::JsonFormat::kJson);
      std::cout.flush();
      return;
    }
    if (!exp->lines) {
      throwError(ErrorCode::invalid_input,
                 "--limit and --continue need --lines (one child a line)");
    }
    std::optional<layers::NodeKind> kind =
        db.read([&](Transaction& tr) { return docs.kind(tr, path); });
    if (!kind) throwError(ErrorCode::client_invalid_operation, "no node at '" + exp->path + "'");
    if (*kind == layers::NodeKind::kScalar) {  // one line, as exportJson writes it
      docs.exportJson(db, path, std::cout, layers::JsonFormat::kJsonLines);
      std::cout.flush();
      return;
    }
    // A continuation scan of the subtree; each child's value is read in its own transaction.
    KeyRange range = docs.childrenRange(path);
    Scan scan = listing.open(db, range.begin, range.end);
    runListing(scan, listing.limit, [&](const KeyValue& row) {
      std::optional<layers::DocChild> c = docs.childOfRow(path, row);
      if (!c) return 0;
      std::optional<json> v = docs.get(db, path.child(c->name));
      if (!v) return 0;  // removed since the batch was read
      std::cout << json{{"path", layers::DocPath{{c->name}}.toString()}, {"value", *v}}.dump()
                << "\n";
      return 1;
    });
    std::cout.flush();
  });
}

void addIndexCommands(CLI::App& doc, Context& context, std::shared_ptr<std::string> store) {
  CLI::App* index = doc.add_subcommand("index", "Define, build, list and drop indexes.");
  index->footer("Examples:\n  strata doc index add by_city 'users.?.city'\n  strata doc index ls");
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
  cmd->footer(
      "Examples:\n  strata doc index add by_city 'users.?.city'\n  strata doc index add has_email "
      "'users.?.email' --exists");
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
  cmd->footer("Examples:\n  strata doc index rm by_city");
  cmd->add_option("NAME", *rmName, "Index name")->required();
  cmd->callback([rmName, store, &context] {
    Database db = openDatabase(context);
    if (!openStore(db, *store).dropIndex(db, *rmName)) context.exitCode = kExitAbsent;
  });

  cmd = index->add_subcommand("ls", "List indexes: 'NAME  PATTERN  value|exists  ready|building'.");
  cmd->footer("Examples:\n  strata doc index ls");
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
    ListingArgs listing;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = doc.add_subcommand(
      "find",
      "Query index INDEX: nodes whose value is VALUE, in [LO, HI) with --range, or strings "
      "starting with --prefix (an exists index: no VALUE). Values are JSON, else plain text. "
      "Prints one matching path per line (with --docs: path, a tab, the document as JSON).");
  cmd->footer(
      "Examples:\n  strata doc find by_city London --docs\n  strata doc find by_age --range 30 "
      "40\n  strata doc find by_name --prefix Ad\n  strata doc find by_city London --limit 50 "
      "--continue TOKEN");
  cmd->add_option("INDEX", args->index, "Index name")->required();
  CLI::Option* value = cmd->add_option("VALUE", args->value, "Value to match");
  CLI::Option* range =
      cmd->add_option("--range", args->range, "LO HI: values in [LO, HI); null = open")
          ->expected(2);
  CLI::Option* prefix = cmd->add_option("--prefix", args->prefix, "String prefix");
  value->excludes(range)->excludes(prefix);
  range->excludes(prefix);
  cmd->add_flag("--docs", args->documents, "Also print each match's document");
  cmd->add_option("--limit", args->limit,
                  "Most matches (0 = all); when more remain the last line on stderr is 'next: "
                  "TOKEN'")
      ->check(CLI::NonNegativeNumber);
  args->listing.addTo(*cmd, /*withLimit=*/false);
  cmd->callback([args, value, range, prefix, store, &context] {
    Database db = openDatabase(context);
    layers::DocumentStore docs = openStore(db, *store);
    layers::DocumentStore::IndexListing found = db.read([&](Transaction& tr) {
      if (range->count() > 0) {
        return docs.listFindRange(tr, args->index, queryValue(args->range[0]),
                                  queryValue(args->range[1]));
      }
      if (prefix->count() > 0) return docs.listFindPrefix(tr, args->index, args->prefix);
      json v = value->count() > 0 ? queryValue(args->value) : json(nullptr);
      return docs.listFind(tr, args->index, v);
    });
    // A continuation scan of the index entries; --docs reads each document in its own
    // transaction.
    Scan scan = args->listing.open(db, found.range.begin, found.range.end);
    runListing(scan, args->limit, [&](const KeyValue& row) {
      layers::IndexMatch m = found.match(row.key);
      if (!args->documents) {
        fmt::print("{}\n", m.path.toString());
        return 1;
      }
      std::optional<json> d = docs.get(db, m.document);
      fmt::print("{}\t{}\n", m.path.toString(), d ? d->dump() : "null");
      return 1;
    });
  });
}

// The change feed the CLI enables for a pattern is named after it.
std::string feedName(const std::string& pattern) { return "feed:" + pattern; }

void addPluginCommands(CLI::App& doc, Context& context, std::shared_ptr<std::string> store) {
  CLI::App* plugins = doc.add_subcommand(
      "plugins",
      "List the plugins the store requires, in dispatch order: 'NAME  KIND  PATTERN  PRIORITY  "
      "ready|building' (KIND value-index, exists-index, change-feed, validator, external). A "
      "writer lacking a required external plugin fails with doc_plugin_not_registered (3011).");
  plugins->footer(
      "Examples:\n  strata doc plugins\n  strata doc --store app plugins\n"
      "  strata doc plugins rm city-count");
  auto rmName = std::make_shared<std::string>();
  CLI::App* rm = plugins->add_subcommand(
      "rm",
      "Remove plugin NAME from the store and clear the data it owned (exit 3 when absent); "
      "writers no longer need it.");
  rm->add_option("NAME", *rmName, "Plugin name, as `doc plugins` lists it")->required();
  rm->footer("Examples:\n  strata doc plugins rm city-count\n  strata doc plugins rm feed:pets");
  rm->callback([rmName, store, &context] {
    Database db = openDatabase(context);
    if (!openStore(db, *store).removePlugin(db, *rmName)) context.exitCode = kExitAbsent;
  });
  plugins->callback([rm, store, &context] {
    if (rm->parsed()) return;
    Database db = openDatabase(context);
    layers::DocumentStore docs = openStore(db, *store);
    auto infos = db.read([&](Transaction& tr) { return docs.listPlugins(tr); });
    for (const layers::PluginInfo& info : infos) {
      fmt::print("{}  {}  {}  {}  {}\n", info.name, info.kind,
                 info.pattern.empty() ? "\"\"" : info.pattern, info.priority,
                 info.state == layers::IndexState::kReady ? "ready" : "building");
    }
  });

  CLI::App* feed = doc.add_subcommand("feed", "Enable or disable change feeds.");
  feed->require_subcommand(1);
  feed->footer(
      "Examples:\n  strata doc feed add pets\n  strata doc changes pets --wait 30\n"
      "  strata doc feed rm pets");
  auto addPattern = std::make_shared<std::string>();
  CLI::App* cmd = feed->add_subcommand(
      "add",
      "Log every change at or below PATTERN ('?' matches any member or index) in the writing "
      "transaction, from now on, as plugin feed:PATTERN; read it with `doc changes`.");
  cmd->add_option("PATTERN", *addPattern, "Path pattern: pets, pets.?.owner; \"\" is everything")
      ->required();
  cmd->footer("Examples:\n  strata doc feed add pets\n  strata doc feed add 'orders[?]'");
  cmd->callback([addPattern, store, &context] {
    Database db = openDatabase(context);
    bool added = openStore(db, *store).addChangeFeed(db, feedName(*addPattern), *addPattern);
    fmt::print("{} change feed {}\n", added ? "added" : "already have", feedName(*addPattern));
  });
  auto rmPattern = std::make_shared<std::string>();
  cmd = feed->add_subcommand("rm",
                             "Disable the change feed of PATTERN and delete its log (exit 3 "
                             "when absent).");
  cmd->add_option("PATTERN", *rmPattern, "The pattern given to `doc feed add`")->required();
  cmd->footer("Examples:\n  strata doc feed rm pets");
  cmd->callback([rmPattern, store, &context] {
    Database db = openDatabase(context);
    if (!openStore(db, *store).removePlugin(db, feedName(*rmPattern))) {
      context.exitCode = kExitAbsent;
    }
  });
}

void addChangesCommand(CLI::App& doc, Context& context, std::shared_ptr<std::string> store) {
  struct Args {
    std::string path;
    int limit = 0;
    std::string token;
    double wait = 0;
    double trim = -1;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = doc.add_subcommand(
      "changes",
      "Print the changes at or below PATH from the change feed covering it, oldest first, one "
      "JSON object per line: {\"path\": ..., \"op\": \"set|update|rm\", \"value\": ...}. After "
      "the last one, stderr gets '--continue TOKEN' to resume from. --trim deletes older "
      "changes instead.");
  cmd->add_option("PATH", args->path, kPathHelp)->required();
  CLI::Option* limit = cmd->add_option("--limit", args->limit, "Most changes (0 = all)")
                           ->check(CLI::NonNegativeNumber);
  CLI::Option* token =
      cmd->add_option("--continue", args->token, "Resume after this token (from a previous run)");
  CLI::Option* wait =
      cmd->add_option("--wait", args->wait, "When nothing is new, wait up to SECONDS for a change")
          ->check(CLI::NonNegativeNumber);
  CLI::Option* trim = cmd->add_option("--trim", args->trim,
                                      "Delete the feed's changes older than SECONDS; print the "
                                      "count")
                          ->check(CLI::NonNegativeNumber);
  trim->excludes(limit)->excludes(token)->excludes(wait);
  cmd->footer(
      "Examples:\n  strata doc feed add pets\n  strata doc changes pets\n"
      "  strata doc changes pets.rex --limit 10\n"
      "  strata doc changes pets --continue TOKEN --wait 30   (TOKEN: the last run's stderr)\n"
      "  strata doc changes pets --trim 86400");
  cmd->callback([args, trim, store, &context] {
    Database db = openDatabase(context);
    layers::DocumentStore docs = openStore(db, *store);
    layers::DocPath path = layers::DocPath::parse(args->path);
    std::optional<std::string> name =
        db.read([&](Transaction& tr) { return layers::DocChangeFeed::covering(tr, docs, path); });
    if (!name) {
      throwError(ErrorCode::client_invalid_operation,
                 "no change feed covers '" + args->path +
                     "': enable one with `strata doc feed add PATTERN`");
    }
    layers::DocChangeFeed feed(docs, *name);
    if (trim->count() > 0) {
      auto age = std::chrono::milliseconds(static_cast<int64_t>(args->trim * 1000));
      fmt::print("trimmed {} changes\n", feed.trimOlderThan(db, age));
      return;
    }
    auto readPage = [&] {
      return db.read(
          [&](Transaction& tr) { return feed.read(tr, args->token, args->limit, path); });
    };
    layers::ChangePage page = readPage();
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(args->wait * 1000));
    while (page.changes.empty() && args->wait > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      if (!feed.wait(db, page.continuation, left)) break;
      args->token = page.continuation;
      page = readPage();
    }
    for (const layers::ChangeEntry& c : page.changes) {
      nlohmann::ordered_json line;  // keys in the documented order
      line["path"] = c.path.toString();
      line["op"] = std::string(layers::changeOpName(c.op));
      line["value"] = c.value;
      fmt::print("{}\n", line.dump());
    }
    std::fflush(stdout);
    if (!page.continuation.empty()) fmt::print(stderr, "--continue {}\n", page.continuation);
  });
}

}  // namespace

void addDocCommands(CLI::App& app, Context& context) {
  CLI::App* doc = app.add_subcommand(
      "doc",
      "JSON documents addressed by path, with indexes, in the store under the directory "
      "strata.doc/STORE.");
  doc->footer(
      "Examples:\n  strata doc set users.ada '{\"name\": \"Ada\", \"city\": \"London\"}'\n  strata "
      "doc get users.ada --pretty");
  doc->require_subcommand(1);
  auto store = std::make_shared<std::string>("default");
  doc->add_option("--store", *store, "Store name (default: default)");
  addNodeCommands(*doc, context, store);
  addTransferCommands(*doc, context, store);
  addIndexCommands(*doc, context, store);
  addFindCommand(*doc, context, store);
  addPluginCommands(*doc, context, store);
  addChangesCommand(*doc, context, store);
}

}  // namespace strata::cli
