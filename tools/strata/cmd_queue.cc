// `strata queue`: work queues (include/strata/layers/work_queue.h) under ("strata.queue", NAME)
// (docs/FORMATS.md#work-queue): push (with delay and priority), plain pop, and leased delivery
// with ack / nack / extend, dead letters and stats. The CLI takes items in strict order
// (contentionWindow 1). Each subcommand's code is self-contained: its arguments, help, footer and
// callback sit together.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common.h"
#include "listing.h"
#include "strata/layers/work_queue.h"

namespace strata::cli {
namespace {

layers::WorkQueue queueNamed(const std::string& name) {
  layers::WorkQueueOptions options;
  options.contentionWindow = 1;
  return layers::WorkQueue(Subspace(Tuple{"strata.queue"}).sub(Tuple{name}), options);
}

std::chrono::milliseconds fromSeconds(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// One JSON object per line, keys in the order given; bytes that are not UTF-8 become U+FFFD.
void printJsonLine(const nlohmann::ordered_json& j) {
  fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace

void addQueueCommands(CLI::App& app, Context& context) {
  CLI::App* queue = app.add_subcommand(
      "queue",
      "Work queues under (\"strata.queue\", NAME): items ordered by priority, due time and "
      "commit; plain pop, or leased delivery (lease, then ack / nack / extend) with attempts and "
      "dead letters.");
  queue->require_subcommand(1);

  struct CreateArgs {
    std::string name;
    int maxAttempts = 0;
  };
  auto createArgs = std::make_shared<CreateArgs>();
  CLI::App* create = queue->add_subcommand(
      "create",
      "Set queue NAME's configuration. With --max-attempts N, an item whose Nth delivery fails "
      "(a counted nack, or its lease expiring) moves to the dead letters. Running it again "
      "replaces the configuration; items stay.");
  create->footer(
      "Examples:\n  strata queue create jobs --max-attempts 5\n  strata queue create jobs  "
      "# unlimited attempts");
  create->add_option("NAME", createArgs->name, "Queue name")->required();
  create
      ->add_option("--max-attempts", createArgs->maxAttempts,
                   "Deliveries before an item is dead-lettered (0 = unlimited, the default)")
      ->check(CLI::Range(0, 1'000'000));
  create->callback([createArgs, &context] {
    Database db = openDatabase(context);
    queueNamed(createArgs->name).create(db, layers::WorkQueueConfig{createArgs->maxAttempts});
  });

  struct PushArgs {
    std::string name;
    std::string item;
    std::string id;
    double delaySeconds = 0;
    int64_t priority = 0;
  };
  auto pushArgs = std::make_shared<PushArgs>();
  CLI::App* push = queue->add_subcommand(
      "push", "Append ITEM to queue NAME. Lower --priority numbers are delivered first.");
  push->footer(
      "Examples:\n  strata queue push jobs hello\n  strata queue push jobs report --delay 60\n  "
      "strata queue push jobs urgent --priority -10\n  strata queue push jobs once --id order-17");
  push->add_option("NAME", pushArgs->name, "Queue name")->required();
  push->add_option("ITEM", pushArgs->item, "The item (bytes, up to 99,966)")->required();
  push->add_option("--id", pushArgs->id,
                   "Push id: a push whose id was already used pushes nothing (safe to rerun "
                   "after an unknown result)");
  push->add_option("--delay", pushArgs->delaySeconds,
                   "Seconds before the item can be delivered (default 0)")
      ->check(CLI::Range(0.0, 365.0 * 86'400));
  push->add_option("--priority", pushArgs->priority, "Priority, lower first (default 0)");
  push->callback([pushArgs, &context] {
    Database db = openDatabase(context);
    layers::WorkPushOptions options;
    options.pushId = pushArgs->id;
    options.delay = fromSeconds(pushArgs->delaySeconds);
    options.priority = pushArgs->priority;
    if (!queueNamed(pushArgs->name).push(db, pushArgs->item, options)) {
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
      "Remove and print the next item of queue NAME, without a lease (at-most-once: use lease + "
      "ack where every item must be processed). Exit code 3 when no item is deliverable (after "
      "waiting up to --wait seconds on a watch for a push or a due item).");
  pop->footer("Examples:\n  strata queue pop jobs\n  strata queue pop jobs --wait 5");
  pop->add_option("NAME", popArgs->name, "Queue name")->required();
  pop->add_option("--wait", popArgs->waitSeconds, "Seconds to wait for an item (default 0)")
      ->check(CLI::Range(0.0, 86'400.0));
  pop->callback([popArgs, &context] {
    Database db = openDatabase(context);
    std::optional<std::string> item =
        queueNamed(popArgs->name).pop(db, fromSeconds(popArgs->waitSeconds));
    if (!item) {
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", *item);
  });

  struct PeekArgs {
    std::string name;
    ListingArgs listing;
  };
  auto peekArgs = std::make_shared<PeekArgs>();
  CLI::App* peek = queue->add_subcommand(
      "peek",
      "Print the item queue NAME would deliver next, without removing it. Exit code 3 when no "
      "item is deliverable. With --limit or --continue, list the queued items instead (delayed "
      "ones too, not leased ones) in delivery order: priority, then due time, then push order.");
  peek->footer(
      "Examples:\n  strata queue peek jobs\n  strata queue peek jobs --limit 20\n  strata queue "
      "peek jobs --limit 20 --continue TOKEN");
  peek->add_option("NAME", peekArgs->name, "Queue name")->required();
  peekArgs->listing.addTo(*peek);
  peek->callback([peekArgs, &context] {
    Database db = openDatabase(context);
    layers::WorkQueue q = queueNamed(peekArgs->name);
    const ListingArgs& listing = peekArgs->listing;
    if (listing.limitOption->count() > 0 || !listing.token.empty()) {
      // A continuation scan of the queued-items index (WorkQueue::queuedRange).
      KeyRange range = q.queuedRange();
      Scan scan = listing.open(db, range.begin, range.end);
      runListing(scan, listing.limit, [&](const KeyValue& row) {
        std::optional<std::string> item =
            db.read([&](Transaction& tr) { return q.queuedItem(tr, row.key); });
        if (!item) return 0;  // taken since the batch was read
        fmt::print("{}\n", *item);
        return 1;
      });
      return;
    }
    std::optional<std::string> item = db.read([&](Transaction& tr) { return q.peek(tr); });
    if (!item) {
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{}\n", *item);
  });

  auto sizeName = std::make_shared<std::string>();
  CLI::App* size = queue->add_subcommand(
      "size",
      "Print how many items queue NAME holds that are not acked: queued (visible or delayed) "
      "plus leased. Dead letters are not counted (see 'stats').");
  size->footer("Examples:\n  strata queue size jobs");
  size->add_option("NAME", *sizeName, "Queue name")->required();
  size->callback([sizeName, &context] {
    Database db = openDatabase(context);
    layers::WorkQueue q = queueNamed(*sizeName);
    fmt::print("{}\n", db.read([&](Transaction& tr) { return q.size(tr) + q.inFlight(tr); }));
  });

  auto statsName = std::make_shared<std::string>();
  CLI::App* stats = queue->add_subcommand(
      "stats",
      "Print queue NAME's counts as one JSON object: visible (deliverable now), delayed, "
      "in_flight (leased) and dead.");
  stats->footer("Examples:\n  strata queue stats jobs");
  stats->add_option("NAME", *statsName, "Queue name")->required();
  stats->callback([statsName, &context] {
    Database db = openDatabase(context);
    layers::WorkQueueStats s = queueNamed(*statsName).stats(db);
    printJsonLine({{"visible", s.visible},
                   {"delayed", s.delayed},
                   {"in_flight", s.inFlight},
                   {"dead", s.dead}});
  });

  auto clearName = std::make_shared<std::string>();
  CLI::App* clear = queue->add_subcommand(
      "clear", "Remove every item, lease and dead letter of queue NAME (its configuration stays).");
  clear->footer("Examples:\n  strata queue clear jobs");
  clear->add_option("NAME", *clearName, "Queue name")->required();
  clear->callback([clearName, &context] {
    Database db = openDatabase(context);
    layers::WorkQueue q = queueNamed(*clearName);
    db.run([&](Transaction& tr) { q.clear(tr); });
  });

  struct LeaseArgs {
    std::string name;
    double forSeconds = 0;
    double waitSeconds = 0;
  };
  auto leaseArgs = std::make_shared<LeaseArgs>();
  CLI::App* lease = queue->add_subcommand(
      "lease",
      "Lease the next item of queue NAME for --for seconds and print "
      "{\"token\": ..., \"item\": ..., \"attempt\": N} on one line; prints nothing (exit 0) when "
      "no item is deliverable after --wait seconds. Finish with 'ack', give back with 'nack'.");
  lease->footer(
      "Examples:\n  strata queue lease jobs --for 30\n  strata queue lease jobs --for 300 --wait "
      "10");
  lease->add_option("NAME", leaseArgs->name, "Queue name")->required();
  lease->add_option("--for", leaseArgs->forSeconds, "Lease duration in seconds")
      ->required()
      ->check(CLI::Range(0.001, 365.0 * 86'400));
  lease->add_option("--wait", leaseArgs->waitSeconds, "Seconds to wait for an item (default 0)")
      ->check(CLI::Range(0.0, 86'400.0));
  lease->callback([leaseArgs, &context] {
    Database db = openDatabase(context);
    std::optional<layers::WorkLease> l =
        queueNamed(leaseArgs->name)
            .lease(db, fromSeconds(leaseArgs->forSeconds), fromSeconds(leaseArgs->waitSeconds));
    if (!l) return;
    printJsonLine({{"token", l->token}, {"item", l->item}, {"attempt", l->attempt}});
  });

  struct TokenArgs {
    std::string name;
    std::string token;
    double seconds = 0;
  };
  auto ackArgs = std::make_shared<TokenArgs>();
  CLI::App* ack = queue->add_subcommand(
      "ack",
      "Finish the leased item of TOKEN: remove it from queue NAME. Exit code 3 when it was already "
      "acked; error 3010 (lease_lost) when the lease expired and another consumer took the item.");
  ack->footer("Examples:\n  strata queue ack jobs 00066127308b699400000000.0.0dae469e8bc62781");
  ack->add_option("NAME", ackArgs->name, "Queue name")->required();
  ack->add_option("TOKEN", ackArgs->token, "The token 'lease' printed")->required();
  ack->callback([ackArgs, &context] {
    Database db = openDatabase(context);
    if (!queueNamed(ackArgs->name).ack(db, ackArgs->token)) context.exitCode = kExitAbsent;
  });

  auto nackArgs = std::make_shared<TokenArgs>();
  CLI::App* nack = queue->add_subcommand(
      "nack",
      "Give the leased item of TOKEN back to queue NAME, deliverable again after --delay seconds; "
      "counts as an attempt. Prints 'requeued', or 'dead' when that was its last attempt. Error "
      "3010 (lease_lost) when another consumer holds the item now.");
  nack->footer(
      "Examples:\n  strata queue nack jobs 00066127308b699400000000.0.0dae469e8bc62781\n  strata "
      "queue "
      "nack jobs 00066127308b699400000000.0.0dae469e8bc62781 --delay 30");
  nack->add_option("NAME", nackArgs->name, "Queue name")->required();
  nack->add_option("TOKEN", nackArgs->token, "The token 'lease' printed")->required();
  nack->add_option("--delay", nackArgs->seconds, "Seconds before redelivery (default 0)")
      ->check(CLI::Range(0.0, 365.0 * 86'400));
  nack->callback([nackArgs, &context] {
    Database db = openDatabase(context);
    layers::NackOutcome outcome =
        queueNamed(nackArgs->name).nack(db, nackArgs->token, fromSeconds(nackArgs->seconds));
    fmt::print("{}\n", outcome == layers::NackOutcome::kDeadLettered ? "dead" : "requeued");
  });

  auto extendArgs = std::make_shared<TokenArgs>();
  CLI::App* extend = queue->add_subcommand(
      "extend",
      "Keep the lease of TOKEN on queue NAME alive for --for seconds from now (the token stays "
      "valid). Error 3010 (lease_lost) when another consumer holds the item now.");
  extend->footer(
      "Examples:\n  strata queue extend jobs 00066127308b699400000000.0.0dae469e8bc62781 --for 60");
  extend->add_option("NAME", extendArgs->name, "Queue name")->required();
  extend->add_option("TOKEN", extendArgs->token, "The token 'lease' printed")->required();
  extend->add_option("--for", extendArgs->seconds, "New lease duration in seconds, from now")
      ->required()
      ->check(CLI::Range(0.001, 365.0 * 86'400));
  extend->callback([extendArgs, &context] {
    Database db = openDatabase(context);
    (void)queueNamed(extendArgs->name)
        .extend(db, extendArgs->token, fromSeconds(extendArgs->seconds));
  });

  auto deadName = std::make_shared<std::string>();
  CLI::App* dead = queue->add_subcommand(
      "dead",
      "List queue NAME's dead letters, oldest push first, one JSON object per line: "
      "{\"id\": ..., \"item\": ..., \"attempts\": N, \"priority\": P}.");
  dead->footer("Examples:\n  strata queue dead jobs");
  dead->add_option("NAME", *deadName, "Queue name")->required();
  dead->callback([deadName, &context] {
    Database db = openDatabase(context);
    layers::WorkQueue q = queueNamed(*deadName);
    auto letters = db.read([&](Transaction& tr) { return q.listDead(tr, 1'000'000); });
    for (const layers::DeadLetter& d : letters) {
      printJsonLine(
          {{"id", d.id}, {"item", d.item}, {"attempts", d.attempts}, {"priority", d.priority}});
    }
  });

  auto requeueName = std::make_shared<std::string>();
  CLI::App* requeue = queue->add_subcommand(
      "requeue-dead",
      "Queue every dead letter of queue NAME again, due now, with attempts reset; prints how "
      "many.");
  requeue->footer("Examples:\n  strata queue requeue-dead jobs");
  requeue->add_option("NAME", *requeueName, "Queue name")->required();
  requeue->callback([requeueName, &context] {
    Database db = openDatabase(context);
    layers::WorkQueue q = queueNamed(*requeueName);
    int64_t total = 0;
    for (int n = -1; n != 0; total += n) {
      n = db.run([&](Transaction& tr) { return q.requeueDead(tr, 1'000); });
    }
    fmt::print("{}\n", total);
  });

  auto purgeName = std::make_shared<std::string>();
  CLI::App* purge = queue->add_subcommand(
      "purge-dead", "Delete every dead letter of queue NAME; prints how many.");
  purge->footer("Examples:\n  strata queue purge-dead jobs");
  purge->add_option("NAME", *purgeName, "Queue name")->required();
  purge->callback([purgeName, &context] {
    Database db = openDatabase(context);
    layers::WorkQueue q = queueNamed(*purgeName);
    int64_t total = 0;
    for (int n = -1; n != 0; total += n) {
      n = db.run([&](Transaction& tr) { return q.purgeDead(tr, 1'000); });
    }
    fmt::print("{}\n", total);
  });
}

}  // namespace strata::cli
