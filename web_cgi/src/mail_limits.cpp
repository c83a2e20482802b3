// SPDX-License-Identifier: Apache-2.0
#include "sesam/web/mail_limits.h"

#include <algorithm>

#include "sesam/crypto.h"

namespace sesam::web {
namespace {

std::int64_t Seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::chrono::system_clock::time_point At(std::int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

std::chrono::seconds Window(const config::Rate& limit) {
  return std::max(std::chrono::seconds(1),
                  std::chrono::duration_cast<std::chrono::seconds>(limit.window));
}

Status NoStore() { return UnavailableError("the state store ([web] state_dir) is not open"); }

}  // namespace

std::string RecipientLimit::Key(std::string_view address) const {
  return "rcpt:" + signer_.RecipientDigest(address);
}

Result<std::string> RecipientLimit::Admit(std::string_view address,
                                          std::chrono::system_clock::time_point now) {
  if (store_ == nullptr) return NoStore();
  SESAM_ASSIGN_OR_RETURN(std::string id, crypto::RandomId(12));
  auto admitted = store_->Admit(Key(address), limit_.count, Window(limit_), Seconds(now), id);
  if (admitted.ok()) return id;
  if (admitted.status().reason() == state::kReasonLimit) {
    return Status(StatusCode::kResourceExhausted, "the recipient reached [web] recipient_limit",
                  "recipient_limit");
  }
  // A full, unwritable or corrupt store: the caller cannot count.
  return Status(StatusCode::kUnavailable, admitted.status().ToString(), "state_store");
}

Status RecipientLimit::Release(std::string_view address, std::string_view id) {
  if (store_ == nullptr) return NoStore();
  return store_->Remove(Key(address), id);
}

Result<RecipientLimit::Usage> RecipientLimit::Peek(std::string_view address,
                                                   std::chrono::system_clock::time_point now) {
  if (store_ == nullptr) return NoStore();
  SESAM_ASSIGN_OR_RETURN(auto events, store_->Events(Key(address), Window(limit_), Seconds(now)));
  Usage usage;
  usage.used = static_cast<unsigned>(events.size());
  if (limit_.count > 0 && usage.used >= limit_.count) {
    // The oldest event that must leave the window before one more fits.
    usage.next = At(events[usage.used - limit_.count].at) + Window(limit_);
  }
  return usage;
}

Status RecipientLimit::Clear(std::string_view address) {
  if (store_ == nullptr) return NoStore();
  return store_->Clear(Key(address));
}

RoundUsage AccountRounds(const ldap::Account& account, const config::Rate& limit,
                         std::chrono::system_clock::time_point now) {
  const std::int64_t window = Window(limit).count();
  std::vector<std::int64_t> counted;
  for (const std::int64_t at : account.reset_rounds) {
    if (at > Seconds(now) - window) counted.push_back(at);
  }
  std::sort(counted.begin(), counted.end());
  RoundUsage usage;
  usage.used = static_cast<unsigned>(counted.size());
  if (limit.count > 0) {
    usage.left = usage.used >= limit.count ? 0 : limit.count - usage.used;
    if (usage.left == 0) usage.next = At(counted[usage.used - limit.count] + window);
  }
  return usage;
}

}  // namespace sesam::web
