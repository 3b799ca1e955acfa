#include "engines/lmdb/watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "strata/kv/error.h"

namespace strata::kv::lmdb {
namespace {

[[noreturn]] void throwSys(const char* call) {
  throwError(ErrorCode::io_error, std::string(call) + ": " + std::strerror(errno));
}

}  // namespace

Watcher::Watcher(const std::string& directory, const std::string& fileName, OpenSnapshot open)
    : open_(std::move(open)), state_(std::make_shared<State>()), fileName_(fileName) {
  inotifyFd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotifyFd_ < 0) throwSys("inotify_init1");
  if (inotify_add_watch(inotifyFd_, directory.c_str(), IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE) <
      0) {
    int saved = errno;
    close(inotifyFd_);
    errno = saved;
    throwSys("inotify_add_watch");
  }
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    close(inotifyFd_);
    throwSys("eventfd");
  }
  thread_ = std::thread([this] { run(); });
}

Watcher::~Watcher() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wakeFd_, &one, sizeof one);
  thread_.join();
  close(inotifyFd_);
  close(wakeFd_);
  std::map<uint64_t, std::shared_ptr<Entry>> left;
  {
    std::lock_guard lock(state_->mu);
    left.swap(state_->entries);
  }
  for (auto& [id, entry] : left) {
    entry->request.promise.setError(Error(ErrorCode::operation_cancelled, "database closed"));
  }
}

std::function<void()> Watcher::add(WatchRequest request) {
  auto entry = std::make_shared<Entry>(Entry{std::move(request)});
  uint64_t id;
  {
    std::lock_guard lock(state_->mu);
    id = state_->nextId++;
    state_->entries.emplace(id, entry);
  }
  // Registered before the check, so a commit racing with it is seen by the check or the thread.
  evaluate({{id, entry}});
  std::weak_ptr<State> weak = state_;
  Promise<void> promise = entry->request.promise;
  return [weak, id, promise]() mutable {
    if (auto state = weak.lock()) {
      std::lock_guard lock(state->mu);
      state->entries.erase(id);
    }
    promise.setError(Error(ErrorCode::operation_cancelled, "watch cancelled"));
  };
}

size_t Watcher::size() const {
  std::lock_guard lock(state_->mu);
  return state_->entries.size();
}

void Watcher::evaluate(const std::map<uint64_t, std::shared_ptr<Entry>>& candidates) {
  if (candidates.empty()) return;
  std::shared_ptr<ReadView> view;
  try {
    view = open_();
  } catch (const Error&) {
    return;  // the next commit notification retries
  }
  std::vector<std::pair<uint64_t, std::shared_ptr<Entry>>> fired;
  for (const auto& [id, entry] : candidates) {
    if (view->version() <= entry->request.version) continue;
    std::optional<std::string> now;
    try {
      now = view->get(entry->request.key);
    } catch (const Error&) {
      return;
    }
    if (now != entry->request.seen) fired.emplace_back(id, entry);
  }
  view.reset();
  if (fired.empty()) return;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [id, entry] : fired) state_->entries.erase(id);
  }
  for (const auto& [id, entry] : fired) entry->request.promise.setValue();
}

void Watcher::run() {
  alignas(inotify_event) char buffer[4096];
  for (;;) {
    pollfd fds[2] = {{inotifyFd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;  // only the destructor writes wakeFd_
    bool relevant = false;
    for (;;) {
      ssize_t n = read(inotifyFd_, buffer, sizeof buffer);
      if (n <= 0) break;
      for (ssize_t pos = 0; pos < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + pos);
        if ((event->mask & IN_Q_OVERFLOW) != 0 || (event->len > 0 && fileName_ == event->name)) {
          relevant = true;
        }
        pos += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    if (!relevant) continue;
    std::map<uint64_t, std::shared_ptr<Entry>> snapshot;
    {
      std::lock_guard lock(state_->mu);
      snapshot = state_->entries;
    }
    evaluate(snapshot);
  }
}

}  // namespace strata::kv::lmdb
