// `strata dir`: the directory layer (include/strata/directory.h) on the default directory layer
// (node subspace FE, content subspace the whole key space), so it reads and writes the same tree
// as FoundationDB's official bindings. Paths are written "a/b/c"; names print as they are stored,
// prefixes in FoundationDB's printable form.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>

#include "common.h"
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
  CLI::App* cmd = group.add_subcommand(
      "ls", "List the subdirectories of PATH (the root when omitted), one per line, in key order.");
  cmd->footer("Examples:\n  strata dir ls\n  strata dir ls app -l");
  cmd->add_option("PATH", args->first, kPathHelp);
  cmd->add_flag("-l,--long", args->second, "Also print each one's prefix and layer");
  cmd->callback([args, &context] {
    DirectoryPath path = parseDirectoryPath(args->first);
    Database db = openDatabase(context);
    DirectoryLayer layer;
    db.read([&](Transaction& tr) {
      std::vector<std::string> names = layer.list(tr, path);
      for (const std::string& name : names) {
        if (!args->second) {
          fmt::print("{}\n", printable(name));
          continue;
        }
        DirectoryPath child = path;
        child.push_back(name);
        fmt::print("{}  {}\n", printable(name), describe(layer.open(tr, child)));
      }
      return 0;
    });
  });
}

void printTree(Transaction& tr, const DirectoryLayer& layer, const DirectoryPath& path, int depth) {
  for (const std::string& name : layer.list(tr, path)) {
    DirectoryPath child = path;
    child.push_back(name);
    fmt::print("{}{}  {}\n", std::string(2 * depth, ' '), printable(name),
               describe(layer.open(tr, child)));
    printTree(tr, layer, child, depth + 1);
  }
}

void addTree(CLI::App& group, Context& context) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = group.add_subcommand(
      "tree",
      "Print the directory tree under PATH (the root when omitted): each directory indented "
      "under its parent with its prefix and layer. Read in one transaction (5 s at most).");
  cmd->footer("Examples:\n  strata dir tree\n  strata dir tree app");
  cmd->add_option("PATH", *path, kPathHelp);
  cmd->callback([path, &context] {
    DirectoryPath root = parseDirectoryPath(*path);
    Database db = openDatabase(context);
    DirectoryLayer layer;
    db.read([&](Transaction& tr) {
      if (!root.empty()) {
        fmt::print("{}  {}\n", printable(formatDirectoryPath(root)),
                   describe(layer.open(tr, root)));
      }
      printTree(tr, layer, root, root.empty() ? 0 : 1);
      return 0;
    });
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
