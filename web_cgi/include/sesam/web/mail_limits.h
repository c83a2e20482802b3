// SPDX-License-Identifier: Apache-2.0
// How many messages a recipient address may get, and how many reset rounds an
// account has had: the two limits that keep a stranger from mail-bombing a
// parent or locking a pupil out for long.
//
// Recipients are counted in the host-local state store ([web] state_dir),
// keyed by Signer::RecipientDigest (a keyed hash: the store holds no address
// in clear), so one cap holds for a parent whatever account the messages are
// about, across every sesam-fcgi process and the `sesam` command on the host.
// Reset rounds per account stay where the directory keeps them
// (Directory::BeginResetRound).
//
// Threading: thread-safe (the store is).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "sesam/config.h"
#include "sesam/ldap/directory.h"
#include "sesam/state_store.h"
#include "sesam/status.h"
#include "sesam/token.h"

namespace sesam::web {

class RecipientLimit {
 public:
  // `store` may be null: then every Admit fails (Unavailable), which the
  // callers treat as "cannot count".
  RecipientLimit(state::Store* store, const token::Signer& signer, config::Rate limit)
      : store_(store), signer_(signer), limit_(limit) {}

  // Records one message to `address` at `now` and returns its id, or
  // ResourceExhausted (reason "recipient_limit") when the address got
  // limit.count messages within the window (nothing recorded). When the store
  // cannot be used (missing, unwritable, full, corrupt): Unavailable (reason
  // "state_store").
  Result<std::string> Admit(std::string_view address, std::chrono::system_clock::time_point now);
  // Takes back a message that was never accepted by the SMTP server.
  Status Release(std::string_view address, std::string_view id);

  struct Usage {
    unsigned used = 0;                                          // messages within the window
    std::optional<std::chrono::system_clock::time_point> next;  // when one more is allowed, if full
  };
  Result<Usage> Peek(std::string_view address, std::chrono::system_clock::time_point now);
  Status Clear(std::string_view address);

  const config::Rate& limit() const { return limit_; }

 private:
  std::string Key(std::string_view address) const;

  state::Store* store_;
  const token::Signer& signer_;
  config::Rate limit_;
};

// The rounds of `account` that count against `limit` at `now`, and when the
// next is allowed (nullopt: now).
struct RoundUsage {
  unsigned used = 0;
  unsigned left = 0;  // limit.count - used; limit.count 0 means no limit (left stays 0)
  std::optional<std::chrono::system_clock::time_point> next;
};
RoundUsage AccountRounds(const ldap::Account& account, const config::Rate& limit,
                         std::chrono::system_clock::time_point now);

}  // namespace sesam::web
