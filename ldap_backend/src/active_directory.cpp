// SPDX-License-Identifier: Apache-2.0
#include "active_directory.h"

#include <ldap.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>

#include "sesam/ldap/directory.h"
#include "sesam/log.h"

namespace sesam::ldap::internal {
namespace {

// Seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01.
constexpr std::int64_t kFiletimeEpochOffsetSeconds = 11644473600;
constexpr std::int64_t kFiletimeTicksPerSecond = 10'000'000;

bool ContainsIgnoringCase(std::string_view text, std::string_view part) {
  return std::search(text.begin(), text.end(), part.begin(), part.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

bool IsAdPasswordRefusal(int ldap_code, std::string_view diagnostic) {
  return ldap_code == LDAP_CONSTRAINT_VIOLATION && diagnostic.size() >= 8 &&
         ContainsIgnoringCase(diagnostic.substr(0, 8), "0000052D");
}

std::string_view AdPasswordRefusalReason(std::string_view diagnostic) {
  // Samba 4.17's texts (source4/dsdb/samdb/ldb_modules/password_hash.c,
  // check_password_restrictions), matched on their stable words.
  if (ContainsIgnoringCase(diagnostic, "too short")) return kReasonPolicyTooShort;
  if (ContainsIgnoringCase(diagnostic, "complexity")) return kReasonPolicyComplexity;
  if (ContainsIgnoringCase(diagnostic, "already used")) return kReasonPolicyInHistory;
  if (ContainsIgnoringCase(diagnostic, "too young")) return kReasonPolicyTooYoung;
  return kReasonPolicyDirectoryRules;
}

std::string AdDisabledBy(const Entry& entry, std::chrono::system_clock::time_point now) {
  const std::string control = entry.First("userAccountControl");
  if (const auto flags = ParseInteger(control); flags && (*flags & 0x2) != 0) {
    return "userAccountControl: " + control;
  }
  const std::string expires = entry.First("accountExpires");
  const auto ticks = ParseInteger(expires);
  if (!ticks || *ticks <= 0 || *ticks == INT64_MAX) return "";
  const std::int64_t unix_seconds = *ticks / kFiletimeTicksPerSecond - kFiletimeEpochOffsetSeconds;
  const std::int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (unix_seconds <= now_seconds) return "accountExpires: " + expires + " (expired)";
  return "";
}

std::string AdUsername(const Entry& entry) { return entry.First("sAMAccountName"); }

void UnlockAfterReset(Session& session, const Entry& entry) {
  const std::string lockout = entry.First("lockoutTime");
  if (lockout.empty() || lockout == "0") return;
  const Status unlocked =
      session.Modify(entry.dn, {{LDAP_MOD_REPLACE, "lockoutTime", {"0"}}}, "").status;
  if (unlocked.ok()) {
    log::Info("LDAP: " + entry.dn + " unlocked after its reset (lockoutTime 0)");
  } else {
    log::Warning("LDAP: password reset for " + entry.dn +
                 ", but the lockout stays (unlock_on_reset: grant the service account write "
                 "lockoutTime): " +
                 unlocked.message());
  }
}

}  // namespace sesam::ldap::internal
