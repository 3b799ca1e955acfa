// `strata pubsub`: feeds, inboxes and subscriptions (include/strata/layers/pubsub.h) under the
// subspace ("strata.pubsub") (docs/FORMATS.md#pubsub). Messages on the command line and in the
// output are in printable form (bytes outside printable ASCII as \xNN), one per line.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "listing.h"
#include "strata/layers/pubsub.h"
#include "strata/subspace.h"
#include "strata/tuple.h"

namespace strata::cli {
namespace {

layers::PubSub pubsub() { return layers::PubSub(Subspace(Tuple{"strata.pubsub"})); }

void printMessages(const std::vector<layers::Message>& messages, bool ids) {
  for (const layers::Message& m : messages) {
    if (ids) {
      fmt::print("{} {} {}\n", layers::PubSub::formatMessageId(m.id), printable(m.feed),
                 printable(m.body));
    } else {
      fmt::print("{}\n", printable(m.body));
    }
  }
}

void addCreate(CLI::App& group, Context& context, const char* name, bool feed) {
  auto target = std::make_shared<std::string>();
  CLI::App* cmd =
      group.add_subcommand(name, feed ? "Create feed NAME (nothing happens when it exists)."
                                      : "Create inbox NAME (nothing happens when it exists).");
  cmd->footer(feed ? "Examples:\n  strata pubsub feed news"
                   : "Examples:\n  strata pubsub inbox alice");
  cmd->add_option("NAME", *target, feed ? "Feed name" : "Inbox name")->required();
  cmd->callback([target, feed, &context] {
    Database db = openDatabase(context);
    bool created = feed ? pubsub().createFeed(db, *target) : pubsub().createInbox(db, *target);
    fmt::print("{} '{}' {}\n", feed ? "feed" : "inbox", printable(*target),
               created ? "created" : "already exists");
  });
}

void addSubscribe(CLI::App& group, Context& context) {
  struct Args {
    std::string inbox, feed;
    bool fromNow = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = group.add_subcommand(
      "subscribe",
      "Subscribe INBOX to FEED. The next read returns the feed's retained history, or with "
      "--from-now only what is posted after this command. Resubscribing keeps the position.");
  sub->footer(
      "Examples:\n  strata pubsub subscribe alice news\n  strata pubsub subscribe bob news "
      "--from-now");
  sub->add_option("INBOX", args->inbox, "Inbox name")->required();
  sub->add_option("FEED", args->feed, "Feed name")->required();
  sub->add_flag("--from-now", args->fromNow, "Skip the feed's existing messages");
  sub->callback([args, &context] {
    Database db = openDatabase(context);
    bool added =
        pubsub().subscribe(db, args->inbox, args->feed,
                           args->fromNow ? layers::StartAt::kNow : layers::StartAt::kEarliest);
    if (!added) fmt::print(stderr, "already subscribed; position kept\n");
  });

  auto unargs = std::make_shared<Args>();
  CLI::App* unsub = group.add_subcommand(
      "unsubscribe",
      "Unsubscribe INBOX from FEED and forget its position. Exit code 3 when it was not "
      "subscribed.");
  unsub->footer("Examples:\n  strata pubsub unsubscribe alice news");
  unsub->add_option("INBOX", unargs->inbox, "Inbox name")->required();
  unsub->add_option("FEED", unargs->feed, "Feed name")->required();
  unsub->callback([unargs, &context] {
    Database db = openDatabase(context);
    if (!pubsub().unsubscribe(db, unargs->inbox, unargs->feed)) {
      fmt::print(stderr, "inbox '{}' is not subscribed to '{}'\n", printable(unargs->inbox),
                 printable(unargs->feed));
      context.exitCode = kExitAbsent;
    }
  });
}

void addPost(CLI::App& group, Context& context) {
  struct Args {
    std::string feed, message, token;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand(
      "post",
      "Post MESSAGE to FEED and print its id. With --token, a post whose token the feed already "
      "holds posts nothing and prints the first post's id (safe to rerun after an unknown "
      "result).");
  cmd->footer(
      "Examples:\n  strata pubsub post news 'strata 0.1 released'\n  strata pubsub post news 'once "
      "only' --token story-2");
  cmd->add_option("FEED", args->feed, "Feed name")->required();
  cmd->add_option("MESSAGE", args->message, "The message, in printable form")->required();
  cmd->add_option("--token", args->token, "Idempotency token: unique per logical post");
  cmd->callback([args, &context] {
    std::string body = unprintable(args->message);
    Database db = openDatabase(context);
    fmt::print("{}\n", layers::PubSub::formatMessageId(
                           pubsub().post(db, args->feed, body, unprintable(args->token))));
  });
}

void addRead(CLI::App& group, Context& context) {
  struct Args {
    std::string inbox;
    int limit = 0;
    bool ids = false;
    bool peek = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand(
      "read",
      "Print the messages INBOX has not read yet, oldest first, one per line, and move the "
      "inbox past them (with --peek, leave it where it is).");
  cmd->footer(
      "Examples:\n  strata pubsub read alice\n  strata pubsub read alice --limit 10 --ids --peek");
  cmd->add_option("INBOX", args->inbox, "Inbox name")->required();
  cmd->add_option("--limit", args->limit, "At most N messages (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--ids", args->ids, "Print '<id> <feed> <message>' lines");
  cmd->add_flag("--peek", args->peek, "Do not move the inbox");
  cmd->callback([args, &context] {
    Database db = openDatabase(context);
    layers::PubSub ps = pubsub();
    std::vector<layers::Message> messages =
        args->peek
            ? db.read([&](Transaction& tr) { return ps.pending(tr, args->inbox, args->limit); })
            : ps.read(db, args->inbox, args->limit);
    printMessages(messages, args->ids);
  });
}

void addHistory(CLI::App& group, Context& context) {
  struct Args {
    std::string feed;
    int limit = 0;
    bool oldestFirst = false;
    bool ids = false;
    ListingArgs listing;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand(
      "history", "Print FEED's retained messages, newest first, one per line.");
  cmd->footer(
      "Examples:\n  strata pubsub history news --limit 5\n  strata pubsub history news "
      "--oldest-first --ids");
  cmd->add_option("FEED", args->feed, "Feed name")->required();
  cmd->add_option("--limit", args->limit, "At most N messages (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--oldest-first", args->oldestFirst, "Oldest first instead");
  cmd->add_flag("--ids", args->ids, "Print '<id> <feed> <message>' lines");
  args->listing.addTo(*cmd, /*withLimit=*/false);
  cmd->callback([args, &context] {
    Database db = openDatabase(context);
    (void)pubsub().history(db, args->feed, 1);  // client_invalid_operation for a missing feed
    // A continuation scan of the feed's messages: any length, each batch a snapshot.
    KeyRange range = pubsub().historyRange(args->feed);
    ScanOptions options;
    options.reverse = args->oldestFirst ? Reverse::kNo : Reverse::kYes;
    Scan scan = args->listing.open(db, range.begin, range.end, options);
    runListing(scan, args->limit, [&](const KeyValue& row) {
      printMessages({pubsub().historyMessage(args->feed, row)}, args->ids);
      return 1;
    });
  });
}

void addWait(CLI::App& group, Context& context) {
  struct Args {
    std::string inbox;
    double timeoutSeconds = 30;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand(
      "wait",
      "Block until INBOX has a message to read (watching its feeds, no polling). Exit code 0 "
      "when one is there, 3 on timeout.");
  cmd->footer("Examples:\n  strata pubsub wait alice --timeout 60 && strata pubsub read alice");
  cmd->add_option("INBOX", args->inbox, "Inbox name")->required();
  cmd->add_option("--timeout", args->timeoutSeconds, "Seconds to wait (default 30)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, &context] {
    Database db = openDatabase(context);
    auto timeout = std::chrono::milliseconds(static_cast<int64_t>(args->timeoutSeconds * 1000));
    if (!pubsub().wait(db, args->inbox, timeout)) {
      fmt::print(stderr, "no message for inbox '{}' within {} s\n", printable(args->inbox),
                 args->timeoutSeconds);
      context.exitCode = kExitAbsent;
    }
  });
}

void addTrim(CLI::App& group, Context& context) {
  struct Args {
    std::string feed;
    int64_t keep = -1;
    double olderThanSeconds = -1;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = group.add_subcommand(
      "trim",
      "Retention: remove FEED's oldest messages, keeping the newest --keep N, or those posted "
      "more than --older-than SECONDS ago. Prints how many were removed.");
  cmd->footer(
      "Examples:\n  strata pubsub trim news --keep 1000\n  strata pubsub trim news --older-than "
      "86400");
  cmd->add_option("FEED", args->feed, "Feed name")->required();
  auto* keep =
      cmd->add_option("--keep", args->keep, "Messages to keep")->check(CLI::NonNegativeNumber);
  auto* age = cmd->add_option("--older-than", args->olderThanSeconds, "Age in seconds")
                  ->check(CLI::NonNegativeNumber);
  keep->excludes(age);
  cmd->callback([args, keep, age, &context] {
    if (keep->count() == 0 && age->count() == 0) {
      throw CLI::ValidationError("trim", "give --keep N or --older-than SECONDS");
    }
    Database db = openDatabase(context);
    int64_t removed = 0;
    if (keep->count() > 0) {
      removed = pubsub().trimToCount(db, args->feed, args->keep);
    } else {
      int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
      removed = pubsub().trimBefore(db, args->feed,
                                    now - static_cast<int64_t>(args->olderThanSeconds * 1000));
    }
    fmt::print("{}\n", removed);
  });
}

}  // namespace

void addPubSubCommands(CLI::App& app, Context& context) {
  CLI::App* group = app.add_subcommand(
      "pubsub",
      "Durable publish/subscribe under (\"strata.pubsub\"): feeds receive posts, inboxes "
      "subscribe to feeds and read every new message once, in commit order.");
  group->footer(
      "Examples:\n  strata pubsub feed news\n  strata pubsub inbox alice\n  strata pubsub "
      "subscribe alice news\n  strata pubsub post news 'hello'\n  strata pubsub read alice");
  group->require_subcommand(1);
  addCreate(*group, context, "feed", true);
  addCreate(*group, context, "inbox", false);
  addSubscribe(*group, context);
  addPost(*group, context);
  addRead(*group, context);
  addHistory(*group, context);
  addWait(*group, context);
  addTrim(*group, context);
}

}  // namespace strata::cli
