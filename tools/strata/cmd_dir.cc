// `strata dir`: the directory layer (include/strata/directory.h) on the default directory layer
// (node subspace FE, content subspace the whole key space), so it reads and writes the same tree
// as FoundationDB's official bindings. Paths are written "a/b/c"; names print as they are stored,
// prefixes in FoundationDB's printable form.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common.h"
#include "listing.h"
#include "strata/directory.h"

namespace strata::cli {
namespace {

constexpr const char* kPathHelp = "Directory path, names separated by '/': a/b/c";

// The content prefix of `dir`, partitions included (their prefix is not a usable subspace).
std::string prefixOf(const DirectorySubspace& dir) {
  if (dir.isPartition()) return DirectoryPartition(dir).partitionLayer().contentSubspace().key();
  return dir.key();
}

std::string describe(const DirectorySubspace& dir) {
  std::string out = printable(prefixOf(dir));
  if (!dir.layer().empty()) out += "  layer=" + printable(dir.layer());
  return out;
}

void addLs(CLI::App& group, Context& context) {
  auto args = std::make_shared<std::pair<std::string, bool>>();
  auto listing = std::make_shared<ListingArgs>();
  CLI::App* cmd = group.add_subcommand(
      "ls", "List the subdirectories of PATH (the root when omitted), one per line, in key order.");
  cmd->footer(
      "Examples:\n  strata dir ls\n  strata dir ls app -l\n  strata dir ls app --limit 100 "
      "--continue TOKEN");
  cmd->add_option("PATH", args->first, kPathHelp);
  cmd->add_flag("-l,--long", args->second, "Also print each one's prefix and layer");
  listing->addTo(*cmd);
  cmd->callback([args, listing, &context] {
    DirectoryPath path = parseDirectoryPath(args->first);
    Database db = openDatabase(context);
    DirectoryLayer layer;
    // A continuation scan of the directory's entries (DirectoryLayer::listRange): any number of
    // entries, in as many transactions as needed; --limit/--continue page it.
    KeyRange range = db.read([&](Transaction& tr) { return layer.listRange(tr, path); });
    Scan scan = listing->open(db, range.begin, range.end);
    runListing(scan, listing->limit, [&](const KeyValue& row) {
      std::string name = DirectoryLayer::listedName(range, row.key);
      if (!args->second) {
        fmt::print("{}\n", printable(name));
        return 1;
      }
      DirectoryPath child = path;
      child.push_back(name);
      std::optional<std::string> line = db.read([&](Transaction& tr) -> std::optional<std::string> {
        if (!layer.exists(tr, child)) return std::nullopt;  // removed since the batch was read
        return describe(layer.open(tr, child));
      });
      if (!line) return 0;
      fmt::print("{}  {}\n", printable(name), *line);
      return 1;
    });
  });
}

// --- dir tree --limit / --continue: the position is the path of the last directory printed ---
//
// Token: "t1" + lowercase hex of pack(("dir tree", len(root), root names..., last names...)).
// The walk is pre-order (a directory, then its subtrees in key order); each step is one read
// transaction, so each step is consistent and the whole walk is not.

std::string treeToken(const DirectoryPath& root, const DirectoryPath& last) {
  Tuple t{"dir tree", static_cast<int64_t>(root.size())};
  for (const std::string& name : last) t.append(name);
  std::string packed = t.pack();
  std::string out = "t1";
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : packed) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// The last path a token names. Throws: invalid_input (3005) for a damaged token or one of
// another root.
DirectoryPath treePosition(std::string_view token, const DirectoryPath& root) {
  auto bad = [] {
    throwError(ErrorCode::invalid_input,
               "not a continuation token of this 'dir tree' (give the same PATH)");
  };
  if (!token.starts_with("t1") || token.size() % 2 != 0) bad();
  std::string packed;
  auto digit = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    bad();
    return 0;
  };
  for (size_t i = 2; i < token.size(); i += 2) {
    packed += static_cast<char>(digit(token[i]) * 16 + digit(token[i + 1]));
  }
  DirectoryPath last;
  try {
    Tuple t = Tuple::unpack(packed);
    if (t.size() < 2 || t.type(0) != TupleType::kString || t.getString(0) != "dir tree" ||
        t.type(1) != TupleType::kInt || t.getInt(1) != static_cast<int64_t>(root.size())) {
      bad();
    }
    for (size_t i = 2; i < t.size(); ++i) {
      if (t.type(i) != TupleType::kString) bad();
      last.push_back(t.getString(i));
    }
  } catch (const Error& e) {
    if (e.errorCode() == ErrorCode::invalid_input) throw;
    bad();
  }
  if (last.size() < root.size() || !std::equal(root.begin(), root.end(), last.begin())) bad();
  return last;
}

// The directory after `last` in the pre-order walk of `root`'s subtree (root excluded).
std::optional<DirectoryPath> nextInTree(Database& db, const DirectoryLayer& layer,
                                        const DirectoryPath& root, const DirectoryPath& last) {
  return db.read([&](Transaction& tr) -> std::optional<DirectoryPath> {
    if (layer.exists(tr, last)) {
      std::vector<std::string> children = layer.list(tr, last);
      if (!children.empty()) {
        DirectoryPath child = last;
        child.push_back(children.front());
        return child;
      }
    }
    DirectoryPath cur = last;
    while (cur.size() > root.size()) {
      DirectoryPath parent(cur.begin(), cur.end() - 1);
      if (layer.exists(tr, parent)) {
        for (const std::string& name : layer.list(tr, parent)) {
          if (name > cur.back()) {
            parent.push_back(name);
            return parent;
          }
        }
      }
      cur.pop_back();
    }
    return std::nullopt;
  });
}

void addTree(CLI::App& group, Context& context) {
  auto path = std::make_shared<std::string>();
  auto listing = std::make_shared<ListingArgs>();
  CLI::App* cmd = group.add_subcommand(
      "tree",
      "Print the directory tree under PATH (the root when omitted): each directory indented "
      "under its parent with its prefix and layer. One transaction per directory, so a tree of "
      "any size prints; --limit and --continue page it.");
  cmd->footer(
      "Examples:\n  strata dir tree\n  strata dir tree app\n  strata dir tree app --limit 100 "
      "--continue TOKEN");
  cmd->add_option("PATH", *path, kPathHelp);
  listing->addTo(*cmd);
  cmd->callback([path, listing, &context] {
    DirectoryPath root = parseDirectoryPath(*path);
    Database db = openDatabase(context);
    DirectoryLayer layer;
    // Depth-first, one transaction per directory: any size of tree; --limit/--continue page it.
    std::optional<DirectoryPath> item;
    if (!listing->token.empty()) {
      item = nextInTree(db, layer, root, treePosition(listing->token, root));
    } else if (!root.empty()) {
      item = root;
    } else {
      item = nextInTree(db, layer, root, root);
    }
    int printed = 0;
    DirectoryPath last;
    while (item && (listing->limit == 0 || printed < listing->limit)) {
      std::optional<std::string> line = db.read([&](Transaction& tr) -> std::optional<std::string> {
        if (*item != root && !layer.exists(tr, *item)) return std::nullopt;
        return describe(layer.open(tr, *item));
      });
      if (line) {
        const std::string name = *item == root ? formatDirectoryPath(root) : item->back();
        const size_t depth = root.empty() ? item->size() - 1 : item->size() - root.size();
        fmt::print("{}{}  {}\n", std::string(2 * depth, ' '), printable(name), *line);
        ++printed;
      }
      last = *item;
      item = nextInTree(db, layer, root, last);
    }
    if (item) fmt::print(stderr, "next: {}\n", treeToken(root, last));
  });
}

struct MkdirArgs {
  std::string path;
  std::string layer;
  bool existOk = false;
};

void addMkdir(CLI::App& group, Context& context) {
  auto args = std::make_shared<MkdirArgs>();
  CLI::App* cmd = group.add_subcommand(
      "mkdir",
      "Create the directory PATH and any missing parents; print its prefix. Fails with "
      "directory_already_exists (2256) when it exists, unless -p.");
  cmd->footer(
      "Examples:\n  strata dir mkdir app/users\n  strata dir mkdir app/users -p --layer table");
  cmd->add_option("PATH", args->path, kPathHelp)->required();
  cmd->add_option("--layer", args->layer,
                  "Layer to record (\"partition\" makes a partition); with -p, must match");
  cmd->add_flag("-p,--exist-ok", args->existOk, "Open the directory when it already exists");
  cmd->callback([args, &context] {
    DirectoryPath path = parseDirectoryPath(args->path);
    Database db = openDatabase(context);
    DirectoryLayer layer;
    DirectorySubspace dir = args->existOk ? layer.createOrOpen(db, path, args->layer)
                                          : layer.create(db, path, args->layer);
    fmt::print("{}\n", describe(dir));
  });
}

void addMv(CLI::App& group, Context& context) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* cmd = group.add_subcommand(
      "mv",
      "Move directory OLD (with its subtree and contents: the prefix stays) to NEW, whose "
      "parent must exist.");
  cmd->footer("Examples:\n  strata dir mv app/users app/accounts");
  cmd->add_option("OLD", args->first, kPathHelp)->required();
  cmd->add_option("NEW", args->second, kPathHelp)->required();
  cmd->callback([args, &context] {
    DirectoryPath from = parseDirectoryPath(args->first);
    DirectoryPath to = parseDirectoryPath(args->second);
    Database db = openDatabase(context);
    DirectoryLayer layer;
    DirectorySubspace moved = layer.move(db, from, to);
    fmt::print("{}  {}\n", printable(formatDirectoryPath(moved.path())), describe(moved));
  });
}

void addRm(CLI::App& group, Context& context) {
  auto args = std::make_shared<std::pair<std::string, bool>>();
  CLI::App* cmd = group.add_subcommand(
      "rm",
      "Remove directory PATH, its subdirectories and every key under their prefixes, in one "
      "transaction. Fails with directory_does_not_exist (2257) unless -f.");
  cmd->footer("Examples:\n  strata dir rm app/old\n  strata dir rm app/tmp --if-exists");
  cmd->add_option("PATH", args->first, kPathHelp)->required();
  cmd->add_flag("-f,--if-exists", args->second, "No error when PATH does not exist");
  cmd->callback([args, &context] {
    DirectoryPath path = parseDirectoryPath(args->first);
    Database db = openDatabase(context);
    DirectoryLayer layer;
    if (args->second) {
      (void)layer.removeIfExists(db, path);
    } else {
      layer.remove(db, path);
    }
  });
}

}  // namespace

void addDirCommands(CLI::App& app, Context& context) {
  CLI::App* group = app.add_subcommand(
      "dir",
      "The directory layer: named key spaces with short prefixes, compatible with FoundationDB's "
      "bindings (ls, tree, mkdir, mv, rm).");
  group->footer("Examples:\n  strata dir mkdir app/users\n  strata dir ls app\n  strata dir tree");
  group->require_subcommand(1);
  addLs(*group, context);
  addTree(*group, context);
  addMkdir(*group, context);
  addMv(*group, context);
  addRm(*group, context);
}

}  // namespace strata::cli
