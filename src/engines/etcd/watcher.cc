#include "engines/etcd/watcher.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <utility>
#include <vector>

#include "engines/etcd/client.h"
#include "etcd_rpc.grpc.pb.h"

namespace strata::kv::etcd {

Watcher::Watcher(std::shared_ptr<Client> client, std::string dataPrefix, ReadLatest read)
    : client_(std::move(client)),
      dataPrefix_(std::move(dataPrefix)),
      read_(std::move(read)),
      state_(std::make_shared<State>()) {}

Watcher::~Watcher() {
  std::map<uint64_t, WatchRequest> left;
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    if (state_->stream) state_->stream->TryCancel();
    left.swap(state_->entries);
  }
  state_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& [id, w] : left) w.promise.setError(Error(ErrorCode::operation_cancelled));
}

size_t Watcher::size() const {
  std::lock_guard lock(state_->mu);
  return state_->entries.size();
}

std::function<void()> Watcher::add(WatchRequest request) {
  uint64_t id = 0;
  Promise<void> promise = request.promise;
  std::string key = request.key;
  std::optional<std::string> seen = request.seen;
  {
    std::lock_guard lock(state_->mu);
    id = ++state_->nextId;
    state_->entries.emplace(id, std::move(request));
  }
  state_->cv.notify_all();
  std::call_once(started_, [this] { thread_ = std::thread([this] { run(); }); });
  // Registered first, read second: a change before the read is seen by it, one after it by
  // the stream.
  std::optional<std::string> current;
  bool readFailed = false;
  try {
    current = read_(key);
  } catch (const Error&) {
    readFailed = true;  // the stream's reconnect re-check will decide
  }
  if (!readFailed && current != seen) {
    bool mine = false;
    {
      std::lock_guard lock(state_->mu);
      mine = state_->entries.erase(id) > 0;
    }
    if (mine) promise.setValue();
  }
  std::weak_ptr<State> weak = state_;
  return [weak, id, promise]() mutable {
    if (auto state = weak.lock()) {
      std::lock_guard lock(state->mu);
      state->entries.erase(id);
    }
    promise.setError(Error(ErrorCode::operation_cancelled));
  };
}

void Watcher::check(const std::map<std::string, int>* keys) {
  std::vector<std::pair<uint64_t, WatchRequest>> candidates;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [id, w] : state_->entries) {
      if (keys == nullptr || keys->count(w.key) > 0) candidates.emplace_back(id, w);
    }
  }
  std::map<std::string, std::optional<std::string>> values;
  for (auto& [id, w] : candidates) {
    auto it = values.find(w.key);
    if (it == values.end()) {
      try {
        it = values.emplace(w.key, read_(w.key)).first;
      } catch (const Error&) {
        return;  // the cluster is unreachable: the next stream's re-check retries
      }
    }
    if (it->second == w.seen) continue;
    bool mine = false;
    {
      std::lock_guard lock(state_->mu);
      mine = state_->entries.erase(id) > 0;
    }
    if (mine) w.promise.setValue();
  }
}

void Watcher::run() {
  for (;;) {
    {
      std::unique_lock lock(state_->mu);
      state_->cv.wait(lock, [&] { return state_->stopping || !state_->entries.empty(); });
      if (state_->stopping) return;
    }
    runStream();
    std::unique_lock lock(state_->mu);
    if (state_->stopping) return;
    // The stream failed: wait a little (a member is down or electing), then reconnect.
    state_->cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return state_->stopping; });
  }
}

void Watcher::runStream() {
  const size_t member = client_->currentIndex();
  auto channel = client_->currentChannel();
  auto stub = etcdserverpb::Watch::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("hasleader", "true");
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return;
    state_->stream = &context;
  }
  auto stream = stub->Watch(&context);
  etcdserverpb::WatchRequest create;
  auto* c = create.mutable_create_request();
  c->set_key(dataPrefix_);
  std::string end = dataPrefix_;
  end.back() = static_cast<char>(end.back() + 1);  // dataPrefix_ ends in "d"
  c->set_range_end(end);
  bool created = false;
  if (stream->Write(create)) {
    etcdserverpb::WatchResponse response;
    while (stream->Read(&response)) {
      if (response.canceled()) break;  // e.g. compacted: reconnect and re-check everything
      if (response.created() && !created) {
        created = true;
        check(nullptr);  // changes before the stream started
      }
      if (response.events_size() == 0) continue;
      std::map<std::string, int> keys;
      for (const auto& event : response.events()) {
        const std::string& k = event.kv().key();
        if (k.size() >= dataPrefix_.size()) keys[k.substr(dataPrefix_.size())] = 1;
      }
      check(&keys);
    }
  }
  {
    std::lock_guard lock(state_->mu);
    state_->stream = nullptr;
  }
  context.TryCancel();
  (void)stream->Finish();  // CANCELLED is the expected status of a stream we ended
  bool stopping = false;
  {
    std::lock_guard lock(state_->mu);
    stopping = state_->stopping;
  }
  if (!stopping) client_->rotate(member);  // the next stream tries another member
}

}  // namespace strata::kv::etcd
