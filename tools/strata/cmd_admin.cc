// `strata dump|load|backup|compact|status|stats`: whole-database operations. dump and load make
// an engine-neutral logical copy (strata/dump.h, docs/FORMATS.md#dump-format); backup and compact
// work on the embedded engine's files (strata/kv/admin.h); status and stats describe a database.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "common.h"
#include "progress.h"
#include "strata/dump.h"
#include "strata/kv/admin.h"
#include "strata/kv/scan.h"

namespace strata::cli {
namespace {

// The directory of a file: URL or plain path ("file:/x/db?nosync" -> "/x/db").
// Throws: unsupported_operation (2108) for memory: and etcd:// URLs.
std::filesystem::path embeddedPath(std::string_view url) {
  if (url.starts_with("memory:") || url.starts_with("etcd://")) {
    throwError(ErrorCode::unsupported_operation,
               "compact works on the embedded engine's files (file:PATH); " + std::string(url) +
                   " has none");
  }
  if (url.starts_with("file:")) url.remove_prefix(5);
  return std::filesystem::path(std::string(url.substr(0, url.find('?'))));
}

std::string prefixRangeEnd(const std::string& prefix) {
  return prefix.empty() ? std::string("\xff") : strinc(prefix);
}

void addDump(CLI::App& app, Context& context) {
  struct Args {
    std::string file;
    std::string prefix;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "dump",
      "Write every key and value (or those under --prefix) to FILE ('-': stdout) in strata's "
      "versioned, checksummed dump format (docs/FORMATS.md#dump-format). A dump loads into any "
      "engine with 'strata load'. On the embedded engine the dump is one consistent snapshot; on "
      "memory and etcd each block is a snapshot but the whole dump is not.");
  cmd->footer(
      "Examples:\n  strata dump backup.sdump\n  strata dump --prefix user/ users.sdump\n  "
      "strata --db etcd://127.0.0.1:2379 dump - | strata --db file:copy.db load -");
  cmd->add_option("FILE", args->file, "Output file, or '-' for stdout")->required();
  cmd->add_option("--prefix", args->prefix, "Only keys starting with P (printable form)");
  cmd->callback([args, &context] {
    Database db = openDatabase(context);
    DumpOptions options;
    options.prefix = unprintable(args->prefix);
    ProgressBar bar("dump", "rows", -1, ProgressBar::stderrIsTerminal());
    options.progress = [&](const DumpProgress& p) { bar.update(p.keys); };
    DumpInfo info;
    if (args->file == "-") {
      info = dump(db, std::cout, options);
    } else {
      std::ofstream out(args->file, std::ios::binary | std::ios::trunc);
      if (!out) throwError(ErrorCode::io_error, "cannot write " + args->file);
      info = dump(db, out, options);
    }
    bar.finish();
    fmt::print(stderr, "dumped {} keys, {} bytes in {} blocks{}\n", groupThousands(info.keys),
               groupThousands(info.bytes), info.blocks, info.consistent ? " (one snapshot)" : "");
  });
}

void addLoad(CLI::App& app, Context& context) {
  struct Args {
    std::string file;
    bool resume = false;
    bool partial = false;
    bool clear = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "load",
      "Write the keys and values of a dump (FILE, or '-' for stdin) into the database in bounded "
      "transactions (one per block). The whole dump is verified first: a truncated or corrupted "
      "dump loads nothing (invalid_input, 3005) unless --partial. An interrupted load continues "
      "with --resume (progress is kept in FILE.load-progress).");
  cmd->footer(
      "Examples:\n  strata load backup.sdump\n  strata load --resume backup.sdump\n  "
      "strata --db memory: load --clear - < users.sdump");
  cmd->add_option("FILE", args->file, "Input file, or '-' for stdin")->required();
  cmd->add_flag("--resume", args->resume,
                "Skip the blocks an interrupted load of FILE already committed");
  cmd->add_flag("--partial", args->partial,
                "Load the blocks before a damaged part instead of nothing (then fail)");
  cmd->add_flag("--clear", args->clear,
                "Clear the dump's prefix first, so the key space ends up exactly the dump's");
  cmd->callback([args, &context] {
    if (args->resume && args->file == "-") {
      throw CLI::ValidationError("--resume", "needs a FILE (progress is kept beside it)");
    }
    std::filesystem::path path = args->file;
    std::filesystem::path spool;
    if (args->file == "-") {
      // Verification reads the dump twice: keep stdin in a temporary file.
      spool =
          std::filesystem::temp_directory_path() / ("strata-load-" + std::to_string(::getpid()) +
                                                    "-" + std::to_string(std::random_device{}()));
      std::ofstream out(spool, std::ios::binary);
      out << std::cin.rdbuf();
      if (!out) throwError(ErrorCode::io_error, "cannot spool stdin to " + spool.string());
      path = spool;
    }
    Database db = openDatabase(context);
    LoadOptions options;
    options.allowPartial = args->partial;
    options.clearFirst = args->clear;
    options.resume = args->resume;
    if (spool.empty()) options.progressFile = args->file + ".load-progress";
    ProgressBar bar("load", "blocks", -1, ProgressBar::stderrIsTerminal());
    options.progress = [&](const LoadProgress& p) { bar.update(p.blocks, p.totalBlocks); };
    DumpInfo info;
    try {
      info = loadDump(db, path, options);
    } catch (...) {
      if (!spool.empty()) std::filesystem::remove(spool);
      throw;
    }
    if (!spool.empty()) std::filesystem::remove(spool);
    bar.finish();
    fmt::print(stderr, "loaded {} keys, {} bytes in {} blocks\n", groupThousands(info.keys),
               groupThousands(info.bytes), info.blocks);
  });
}

void addBackup(CLI::App& app, Context& context) {
  auto dest = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "backup",
      "Copy the embedded database to the directory DEST while other processes keep writing: one "
      "consistent snapshot, compacted (LMDB's compacting copy). The copy opens as a database "
      "(--db file:DEST). For memory and etcd use 'strata dump'.");
  cmd->footer(
      "Examples:\n  strata backup /backups/app-2026-11-26\n  strata --db file:/var/lib/app.db "
      "backup /mnt/copy && strata --db file:/mnt/copy status");
  cmd->add_option("DEST", *dest, "A directory that does not exist yet (or is empty)")->required();
  cmd->callback([dest, &context] {
    Database db = openDatabase(context);
    BackupResult r = backupDatabase(db, *dest);
    fmt::print("backup: {} ({} bytes)\n", *dest, groupThousands(r.bytes));
  });
}

void addCompact(CLI::App& app, Context& context) {
  CLI::App* cmd = app.add_subcommand(
      "compact",
      "Rewrite the embedded database without its free pages (a compacting copy renamed over "
      "data.mdb: atomic). Offline: fails with database_locked (1038) while any process has the "
      "database open.");
  cmd->footer("Examples:\n  strata compact\n  strata --db file:/var/lib/app.db compact");
  cmd->callback([&context] {
    CompactResult r = compactDatabase(embeddedPath(context.dbUrl));
    fmt::print("compacted: {} -> {} bytes\n", groupThousands(r.bytesBefore),
               groupThousands(r.bytesAfter));
  });
}

nlohmann::json statusJson(const DatabaseStatus& s) {
  nlohmann::json j;
  j["engine"] = s.engine;
  j["url"] = s.url;
  if (s.embedded) {
    const EmbeddedStatus& e = *s.embedded;
    nlohmann::json readers = nlohmann::json::array();
    for (const auto& r : e.readers) {
      nlohmann::json jr{{"pid", r.pid}, {"thread", r.thread}, {"stale", r.stale}};
      jr["txnId"] = r.txnId ? nlohmann::json(*r.txnId) : nlohmann::json(nullptr);
      readers.push_back(jr);
    }
    j["embedded"] = {{"path", e.path},
                     {"formatVersion", e.formatVersion},
                     {"lastCommitVersion", e.lastCommitVersion},
                     {"fileBytes", e.fileBytes},
                     {"mapBytes", e.mapBytes},
                     {"usedBytes", e.usedBytes},
                     {"pageSize", e.pageSize},
                     {"freePages", e.freePages},
                     {"maxReaders", e.maxReaders},
                     {"readers", readers}};
  }
  if (s.etcd) {
    nlohmann::json members = nlohmann::json::array();
    for (const auto& m : s.etcd->members) {
      members.push_back({{"endpoint", m.endpoint},
                         {"id", m.id},
                         {"answered", m.answered},
                         {"leader", m.leader},
                         {"version", m.version},
                         {"dbSize", m.dbSize},
                         {"dbSizeInUse", m.dbSizeInUse},
                         {"raftIndex", m.raftIndex}});
    }
    j["etcd"] = {{"members", members},
                 {"leader", s.etcd->leader},
                 {"quotaBytes", s.etcd->quotaBytes},
                 {"maxTxnOps", s.etcd->maxTxnOps},
                 {"maxRequestBytes", s.etcd->maxRequestBytes}};
  }
  return j;
}

void printStatus(const DatabaseStatus& s) {
  fmt::print("engine: {}\nurl: {}\n", s.engine, s.url);
  if (s.embedded) {
    const EmbeddedStatus& e = *s.embedded;
    double fill = e.mapBytes > 0
                      ? 100.0 * static_cast<double>(e.usedBytes) / static_cast<double>(e.mapBytes)
                      : 0.0;
    fmt::print("path: {}\nformat version: {}\nlast commit version: {}\n", e.path, e.formatVersion,
               e.lastCommitVersion);
    fmt::print("file size: {} bytes\nmap size: {} bytes ({:.1f}% used)\n",
               groupThousands(e.fileBytes), groupThousands(e.mapBytes), fill);
    fmt::print("free pages: {} of {} bytes ({} bytes reclaimable by compact)\n",
               groupThousands(e.freePages), e.pageSize, groupThousands(e.freePages * e.pageSize));
    int stale = 0;
    for (const auto& r : e.readers) stale += r.stale ? 1 : 0;
    fmt::print("readers: {} of {} slots, {} stale\n", e.readers.size(), e.maxReaders, stale);
    for (const auto& r : e.readers) {
      fmt::print("  pid {} thread {} {}{}\n", r.pid, r.thread,
                 r.txnId ? "reading txn " + std::to_string(*r.txnId) : std::string("idle"),
                 r.stale ? "  STALE (process gone; cleared at the next open)" : "");
    }
  }
  if (s.etcd) {
    const EtcdStatus& e = *s.etcd;
    fmt::print("members: {}\n", e.members.size());
    for (const auto& m : e.members) {
      if (!m.answered) {
        fmt::print("  {}  not answering\n", m.endpoint);
        continue;
      }
      fmt::print("  {}  id {:x}{}  etcd {}  db {} bytes ({} in use)  raft index {}\n", m.endpoint,
                 m.id, m.leader ? " LEADER" : "", m.version, groupThousands(m.dbSize),
                 groupThousands(m.dbSizeInUse), m.raftIndex);
    }
    fmt::print("leader: {:x}\n", e.leader);
    fmt::print("quota: {}\n", e.quotaBytes > 0 ? groupThousands(e.quotaBytes) + " bytes"
                                               : std::string("not reported by etcd"));
    fmt::print("limits: {} operations per txn, {} bytes per request\n", groupThousands(e.maxTxnOps),
               groupThousands(e.maxRequestBytes));
  }
}

void addStatus(CLI::App& app, Context& context) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "status",
      "Describe the database: engine and URL; for the embedded engine the format version, file "
      "and map size, free pages and reader slots (stale ones, left by killed processes, named); "
      "for etcd the members, leader, database size and the cluster's limits.");
  cmd->footer("Examples:\n  strata status\n  strata --db etcd://127.0.0.1:2379 status --json");
  cmd->add_flag("--json", *json, "One JSON object instead of text");
  cmd->callback([json, &context] {
    Database db = openDatabase(context);
    DatabaseStatus s = databaseStatus(db);
    if (*json) {
      fmt::print("{}\n", statusJson(s).dump(2));
    } else {
      printStatus(s);
    }
  });
}

void addStats(CLI::App& app, Context& context) {
  struct Args {
    std::string prefix;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "stats",
      "Count the keys under PREFIX (default: every key) and their bytes, with the average key "
      "and value size, by a continuation scan (any size, any engine; each batch is a snapshot).");
  cmd->footer("Examples:\n  strata stats\n  strata stats user/ --json");
  cmd->add_option("PREFIX", args->prefix, "Printable form; empty: the whole key space");
  cmd->add_flag("--json", args->json, "One JSON object instead of text");
  cmd->callback([args, &context] {
    Database db = openDatabase(context);
    std::string prefix = unprintable(args->prefix);
    Scan scan = Scan::open(db, prefix, prefixRangeEnd(prefix));
    ProgressBar bar("stats", "rows", -1, ProgressBar::stderrIsTerminal());
    int64_t keys = 0, keyBytes = 0, valueBytes = 0;
    for (auto rows = scan.nextBatch(); !rows.empty(); rows = scan.nextBatch()) {
      for (const auto& kv : rows) {
        ++keys;
        keyBytes += static_cast<int64_t>(kv.key.size());
        valueBytes += static_cast<int64_t>(kv.value.size());
      }
      bar.update(keys);
    }
    bar.finish();
    double avgKey = keys ? static_cast<double>(keyBytes) / static_cast<double>(keys) : 0.0;
    double avgValue = keys ? static_cast<double>(valueBytes) / static_cast<double>(keys) : 0.0;
    if (args->json) {
      nlohmann::json j{{"prefix", args->prefix},         {"keys", keys},
                       {"bytes", keyBytes + valueBytes}, {"keyBytes", keyBytes},
                       {"valueBytes", valueBytes},       {"averageKeyBytes", avgKey},
                       {"averageValueBytes", avgValue},  {"batches", scan.batches()}};
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("keys: {}\nbytes: {} (keys {}, values {})\n", groupThousands(keys),
                 groupThousands(keyBytes + valueBytes), groupThousands(keyBytes),
                 groupThousands(valueBytes));
      fmt::print("average key: {:.1f} bytes\naverage value: {:.1f} bytes\n", avgKey, avgValue);
    }
  });
}

}  // namespace

void addAdminCommands(CLI::App& app, Context& context) {
  addDump(app, context);
  addLoad(app, context);
  addBackup(app, context);
  addCompact(app, context);
  addStatus(app, context);
  addStats(app, context);
}

}  // namespace strata::cli
