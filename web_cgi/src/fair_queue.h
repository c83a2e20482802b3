// SPDX-License-Identifier: Apache-2.0
// The waiting forgot requests of ResetQueue, shared fairly between clients.
//
// A client is a ClientKey (an IPv4 address, an IPv6 /64): the key the
// per-client limit counts under, so a school behind one NAT is one client.
// Each client has its own first-in-first-out line, and the clients take turns
// (round robin): a lone visitor waits for at most one request of every other
// waiting client, however many requests a flood queued before it. When the
// queue is full a new request displaces the newest request of the client with
// the most waiting, unless its own client is that client: a flood drops its
// own requests, not a visitor's. This holds while fewer clients wait than the
// queue holds; beyond that every client has one request waiting and a new one
// displaces another's.
//
// Identical requests (the same merge key) are merged into the one waiting,
// whoever sent them: one round of mail, not two (ResetQueue::Submit).
//
// Not thread-safe: ResetQueue holds it under its mutex.
#pragma once

#include <cstddef>
#include <deque>
#include <list>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "client_ip.h"
#include "sesam/web/reset_flow.h"

namespace sesam::web {

class FairQueue {
 public:
  // `capacity`: requests waiting at most, over all clients (at least 1).
  explicit FairQueue(std::size_t capacity);
  FairQueue(const FairQueue&) = delete;
  FairQueue& operator=(const FairQueue&) = delete;

  enum class Pushed {
    kQueued,     // waits for its client's turn
    kMerged,     // an identical request was waiting: counted in its `merged`
    kDisplaced,  // queued; the newest request of the heaviest client was dropped
    kDropped,    // full, and its own client has the most waiting: not queued
  };
  Pushed Push(const ClientKey& client, std::string merge_key, ForgotRequest request);

  // The oldest request of the client whose turn it is; nullopt when empty.
  std::optional<ForgotRequest> Pop();

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t clients() const { return clients_.size(); }
  void Clear();

 private:
  struct Waiting {
    std::string merge_key;
    ForgotRequest request;
  };
  struct Client {
    std::deque<Waiting> waiting;          // push_back/pop_front/pop_back keep addresses
    std::list<ClientKey>::iterator turn;  // its place in turns_
  };
  struct LoadOrder {
    bool operator()(const std::pair<std::size_t, ClientKey>& a,
                    const std::pair<std::size_t, ClientKey>& b) const {
      if (a.first != b.first) return a.first < b.first;
      return a.second.bytes < b.second.bytes;
    }
  };
  using Clients = std::unordered_map<ClientKey, Client, ClientKeyHash>;

  // Moves `client` from load `from` to load `to` in by_load_ (0: not there).
  void Reload(const ClientKey& client, std::size_t from, std::size_t to);
  // Drops the newest request of `client`; forgets the client when it was its last.
  void DropNewest(Clients::iterator client);
  void Forget(Clients::iterator client);

  const std::size_t capacity_;
  std::size_t size_ = 0;
  Clients clients_;
  std::list<ClientKey> turns_;  // the clients with requests waiting, in turn order
  std::set<std::pair<std::size_t, ClientKey>, LoadOrder> by_load_;  // (waiting, client)
  std::unordered_map<std::string, ForgotRequest*> by_merge_key_;
};

}  // namespace sesam::web
