// SPDX-License-Identifier: Apache-2.0
#include "host_state.h"

#include <algorithm>
#include <ctime>

#include "sesam/crypto.h"
#include "sesam/log.h"
#include "text.h"

namespace sesam::ldap::internal {
namespace {

std::int64_t Seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

// The store refuses windows beyond kMaxWindow and below one second.
std::chrono::seconds Window(config::Duration window) {
  return std::clamp(std::chrono::duration_cast<std::chrono::seconds>(window),
                    std::chrono::seconds(1), state::kMaxWindow);
}

}  // namespace

HostLedger::HostLedger(HostState host) : host_(std::move(host)) {
  if (!host_.key.empty()) {
    derived_key_ = SecretString(crypto::HmacSha256(host_.key, "sesam host state v1"));
  }
}

std::string HostLedger::AccountKey(std::string_view id_attribute, std::string_view id) const {
  std::string message(id_attribute);
  message += '\0';
  message += id;
  return "acct:" + crypto::Base64UrlEncode(crypto::HmacSha256(derived_key_, message));
}

std::string HostLedger::ClaimKey(std::string_view id_attribute, std::string_view id,
                                 std::string_view state) const {
  std::string message(id_attribute);
  message += '\0';
  message += id;
  message += '\0';
  message += state;
  return "claim:" + crypto::Base64UrlEncode(crypto::HmacSha256(derived_key_, message));
}

Status HostLedger::StoreError(std::string_view what, const Status& status) const {
  std::string message = "the host state store cannot " + std::string(what) + " ([web] state_dir";
  message += status.ok() ? ")" : "): " + status.ToString();
  return Status(StatusCode::kUnavailable, message, std::string(kStateStore));
}

Result<std::string> HostLedger::BeginRound(const std::string& key, const config::Rate& limit,
                                           std::chrono::system_clock::time_point now) {
  if (!usable()) return StoreError("count reset rounds", host_.store_error);
  const std::string round_id = RandomHex(8);
  auto admitted =
      host_.store->Admit(key, limit.count, Window(limit.window), Seconds(now), round_id);
  if (admitted.ok()) return round_id;
  if (admitted.status().reason() == state::kReasonLimit) {
    return ResourceExhaustedError("the account's reset limit is reached");
  }
  return StoreError("count reset rounds", admitted.status());
}

Status HostLedger::CancelRound(const std::string& key, std::string_view round_id) {
  if (!usable()) return StoreError("take back a reset round", host_.store_error);
  const Status removed = host_.store->Remove(key, round_id);
  return removed.ok() ? removed : StoreError("take back a reset round", removed);
}

Status HostLedger::ClearRounds(const std::string& key) {
  if (!usable()) return StoreError("clear reset rounds", host_.store_error);
  const Status cleared = host_.store->Clear(key);
  return cleared.ok() ? cleared : StoreError("clear reset rounds", cleared);
}

std::vector<std::int64_t> HostLedger::Rounds(const std::string& key,
                                             std::chrono::system_clock::time_point now) {
  std::vector<std::int64_t> rounds;
  if (!usable()) return rounds;
  auto events = host_.store->Events(key, state::kMaxWindow, Seconds(now));
  if (!events.ok()) return rounds;
  for (const auto& event : *events) rounds.push_back(event.at);
  return rounds;
}

Result<std::string> HostLedger::Claim(const std::string& key, std::chrono::seconds lifetime) {
  const auto not_changed = [](const Status& status) {
    return Status(
        StatusCode::kUnavailable,
        status.message() + ": no password write without it (the password was not changed)",
        std::string(kPasswordNotChanged));
  };
  if (!usable()) return not_changed(StoreError("serialise password writes", host_.store_error));
  const std::string claim_id = RandomHex(8);
  auto admitted = host_.store->Admit(key, 1, Window(lifetime),
                                     static_cast<std::int64_t>(std::time(nullptr)), claim_id);
  if (admitted.ok()) return claim_id;
  if (admitted.status().reason() == state::kReasonLimit) {
    return Status(StatusCode::kFailedPrecondition,
                  "another password change for this account is in progress",
                  std::string(kPasswordStateChanged));
  }
  return not_changed(StoreError("serialise password writes", admitted.status()));
}

void HostLedger::Release(const std::string& key, const std::string& claim_id) {
  if (!usable() || claim_id.empty()) return;
  const Status removed = host_.store->Remove(key, claim_id);
  // Left in place, it blocks the same state until its lifetime ends.
  if (!removed.ok())
    log::Warning("LDAP: could not release a host write claim: " + removed.ToString());
}

}  // namespace sesam::ldap::internal

namespace sesam::ldap {

HostState OpenHostState(const config::Config& config) {
  HostState host;
  auto key = config::ReadSecretFile(config.token.key_file);
  if (!key.ok()) {
    host.store_error = key.status();
    return host;
  }
  host.key = std::move(key).value();
  auto store = state::OpenStore(config.web.state_dir);
  if (!store.ok()) {
    host.store_error = store.status();
    return host;
  }
  host.store = std::move(store).value();
  return host;
}

}  // namespace sesam::ldap
