// `strata queue`: FIFO queues (include/strata/layers/queue.h) under ("strata.queue", NAME)
// (docs/FORMATS.md#queue). The CLI pops in single-client mode: strict FIFO.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "common.h"
#include "strata/layers/queue.h"

namespace strata::cli {
namespace {

layers::Queue queueNamed(const std::string& name) {
  layers::QueueOptions options;
  options.mode = layers::PopMode::kSingleClient;
  return layers::Queue(Subspace(Tuple{"strata.queue"}).sub(Tuple{name}), options);
}

}  // namespace

void addQueueCommands(CLI::App& app, Context& context) {
  CLI::App* queue = app.add_subcommand(
      "queue",
      "FIFO queues ordered by commit, under (\"strata.queue\", NAME). Items are printed as "
      "stored, one per line.");
  queue->require_subcommand(1);

  struct PushArgs {
    std::string name;
    std::string item;
    std::string id;
  };
  auto pushArgs = std::make_shared<PushArgs>();
  CLI::App* push = queue->add_subcommand("push", "Append ITEM to queue NAME.");
  push->add_option("NAME", pushArgs->name, "Queue name")->required();
  push->add_option("ITEM", pushArgs->item, "The item (bytes, up to 99,992)")->required();
  push->add_option("--id", pushArgs->id,
                   "Push id: a push whose id was already used pushes nothing (safe to rerun "
                   "after an unknown result)");
  push->callback([pushArgs, &context] {
    Database db = openDatabase(context);
    layers::Queue q = queueNamed(pushArgs->name);
    if (pushArgs->id.empty()) {
      q.push(db, pushArgs->item);
    } else if (!q.push(db, pushArgs->item, pushArgs->id)) {
      fmt::print(stderr, "push id '{}' was already used; nothing pushed\n", pushArgs->id);
    }
  });

  struct PopArgs {
    std::string name;
    double waitSeconds = 0;
  };
  auto popArgs = std::make_shared<PopArgs>();
  CLI::App* pop = queue->add_subcommand(
      "pop",
      "Remove and print the head item of queue NAME. Exit code 3 when the queue is empty (after "
      "waiting up to --wait seconds on a watch for a push).");
  pop->add_option("NAME", popArgs->name, "Queue name")->required();
  pop->add_option("--wait", popArgs->waitSeconds, "Seconds to wait for an item (default 0)")
      ->check(CLI::Range(0.0, 86'400.0));
  pop->callback([popArgs, &context] {
    Database db = openDatabase(context);
    auto wait = std::chrono::milliseconds(static_cast<int64_t>(popArgs->waitSeconds * 1000));
    std::optional<std::string> item = queueNamed(popArgs->name).pop(db, wait);
    if (!item) {
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", *item);
  });

  auto peekName = std::make_shared<std::string>();
  CLI::App* peek = queue->add_subcommand(
      "peek", "Print the head item of queue NAME without removing it. Exit code 3 when empty.");
  peek->add_option("NAME", *peekName, "Queue name")->required();
  peek->callback([peekName, &context] {
    Database db = openDatabase(context);
    std::optional<std::string> item = queueNamed(*peekName).peek(db);
    if (!item) {
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", *item);
  });

  auto sizeName = std::make_shared<std::string>();
  CLI::App* size = queue->add_subcommand(
      "size", "Print how many items queue NAME holds (queued plus leased, not yet acked).");
  size->add_option("NAME", *sizeName, "Queue name")->required();
  size->callback([sizeName, &context] {
    Database db = openDatabase(context);
    fmt::print("{}\n", queueNamed(*sizeName).size(db));
  });

  auto clearName = std::make_shared<std::string>();
  CLI::App* clear = queue->add_subcommand("clear", "Remove every item of queue NAME.");
  clear->add_option("NAME", *clearName, "Queue name")->required();
  clear->callback([clearName, &context] {
    Database db = openDatabase(context);
    queueNamed(*clearName).clear(db);
  });
}

}  // namespace strata::cli
