// SPDX-License-Identifier: Apache-2.0
#include "fair_queue.h"

#include <algorithm>

#include "sesam/secret_string.h"

namespace sesam::web {
namespace {

// A typed username may be a password typed in the wrong field.
void Wipe(ForgotRequest& request) {
  WipeString(request.username);
  WipeString(request.email);
}

}  // namespace

FairQueue::FairQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

FairQueue::Pushed FairQueue::Push(const ClientKey& client, std::string merge_key,
                                  ForgotRequest request) {
  if (const auto waiting = by_merge_key_.find(merge_key); waiting != by_merge_key_.end()) {
    ++waiting->second->merged;
    Wipe(request);
    return Pushed::kMerged;
  }
  auto own = clients_.find(client);
  const std::size_t own_load = own == clients_.end() ? 0 : own->second.waiting.size();
  Pushed pushed = Pushed::kQueued;
  if (size_ >= capacity_) {
    const auto heaviest = std::prev(by_load_.end());
    // Ties go against the newcomer's own client: a flood that shares the top
    // load with others drops its own request, not theirs.
    if (own_load >= heaviest->first) {
      Wipe(request);
      return Pushed::kDropped;
    }
    DropNewest(clients_.find(heaviest->second));
    pushed = Pushed::kDisplaced;  // `own` is another client: still valid
  }
  if (own == clients_.end()) {
    own = clients_.emplace(client, Client{}).first;
    own->second.turn = turns_.insert(turns_.end(), client);
  }
  own->second.waiting.push_back({std::move(merge_key), std::move(request)});
  Waiting& added = own->second.waiting.back();
  by_merge_key_.emplace(added.merge_key, &added.request);
  Reload(client, own_load, own_load + 1);
  ++size_;
  return pushed;
}

std::optional<ForgotRequest> FairQueue::Pop() {
  if (turns_.empty()) return std::nullopt;
  const auto client = clients_.find(turns_.front());
  auto& waiting = client->second.waiting;
  const std::size_t load = waiting.size();
  by_merge_key_.erase(waiting.front().merge_key);
  ForgotRequest request = std::move(waiting.front().request);
  waiting.pop_front();
  --size_;
  Reload(client->first, load, load - 1);
  if (waiting.empty()) {
    Forget(client);
  } else {
    // Its next request waits for every other client's turn.
    turns_.splice(turns_.end(), turns_, client->second.turn);
  }
  return request;
}

void FairQueue::Clear() {
  for (auto& [key, client] : clients_) {
    for (auto& waiting : client.waiting) Wipe(waiting.request);
  }
  clients_.clear();
  turns_.clear();
  by_load_.clear();
  by_merge_key_.clear();
  size_ = 0;
}

void FairQueue::Reload(const ClientKey& client, std::size_t from, std::size_t to) {
  if (from != 0) by_load_.erase({from, client});
  if (to != 0) by_load_.insert({to, client});
}

void FairQueue::DropNewest(Clients::iterator client) {
  auto& waiting = client->second.waiting;
  const std::size_t load = waiting.size();
  by_merge_key_.erase(waiting.back().merge_key);
  Wipe(waiting.back().request);
  waiting.pop_back();
  --size_;
  Reload(client->first, load, load - 1);
  if (waiting.empty()) Forget(client);
}

void FairQueue::Forget(Clients::iterator client) {
  turns_.erase(client->second.turn);
  clients_.erase(client);
}

}  // namespace sesam::web
