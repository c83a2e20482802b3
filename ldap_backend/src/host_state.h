// SPDX-License-Identifier: Apache-2.0
// What LdapDirectory keeps on the host when the directory cannot keep it (see
// HostState in sesam/ldap/directory.h): reset rounds per account, and write
// claims that serialise concurrent password writes for one account and state.
//
// Keys in the store: "acct:" / "claim:" followed by base64url of
// HMAC-SHA256(HMAC(token key, "sesam host state v1"), ...) over the id
// attribute's name and the account id (and, for a claim, the password
// state): no username, address or id in clear.
//
// Threading: thread-safe (the store is); shared by every process on the host.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/config.h"
#include "sesam/ldap/directory.h"

namespace sesam::ldap::internal {

class HostLedger {
 public:
  explicit HostLedger(HostState host);

  // Whether a store is open (else every call fails with reason kStateStore).
  bool usable() const { return host_.store != nullptr; }

  std::string AccountKey(std::string_view id_attribute, std::string_view id) const;
  std::string ClaimKey(std::string_view id_attribute, std::string_view id,
                       std::string_view state) const;

  // Directory::BeginResetRound on the host. A store that cannot count ->
  // Unavailable, reason kStateStore.
  Result<std::string> BeginRound(const std::string& key, const config::Rate& limit,
                                 std::chrono::system_clock::time_point now);
  Status CancelRound(const std::string& key, std::string_view round_id);
  Status ClearRounds(const std::string& key);
  // The rounds kept (unix seconds, oldest first); empty when the store fails.
  std::vector<std::int64_t> Rounds(const std::string& key,
                                   std::chrono::system_clock::time_point now);

  // Takes the claim `key` for `lifetime`: its id, or FailedPrecondition
  // kPasswordStateChanged while another writer holds it, or Unavailable
  // kPasswordNotChanged when the store cannot be used (no write without the
  // claim: fail closed).
  Result<std::string> Claim(const std::string& key, std::chrono::seconds lifetime);
  void Release(const std::string& key, const std::string& claim_id);

 private:
  Status StoreError(std::string_view what, const Status& status) const;

  HostState host_;
  SecretString derived_key_;
};

// Status reason of a host store that cannot count.
inline constexpr std::string_view kStateStore = "state_store";

}  // namespace sesam::ldap::internal
