// SPDX-License-Identifier: Apache-2.0
// The steady clock is read directly: this measures the real server, there is
// no expiry to test.
#include "sesam/ldap/lookup_timing.h"

#include <algorithm>
#include <functional>

#include "plain_connection.h"

namespace sesam::ldap {
namespace {

using Clock = std::chrono::steady_clock;

Result<std::chrono::microseconds> Fastest(int runs, const std::function<Status()>& call) {
  SESAM_RETURN_IF_ERROR(call());  // warm-up
  auto best = std::chrono::microseconds::max();
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    SESAM_RETURN_IF_ERROR(call());
    best =
        std::min(best, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start));
  }
  // A server answering within the clock's resolution: 1 us, so ratios stay finite.
  return std::max(best, std::chrono::microseconds(1));
}

}  // namespace

Result<LookupTimes> TimeLookups(const config::LdapSection& settings,
                                const SecretString& bind_password, Directory& directory,
                                std::string_view username, const Account& account, int runs) {
  runs = std::max(runs, 1);
  SESAM_ASSIGN_OR_RETURN(internal::LdapPtr ld, internal::OpenPlain(settings, bind_password));
  LookupTimes times;
  SESAM_ASSIGN_OR_RETURN(
      times.base_read, Fastest(runs, [&] {
        return internal::ReadBase(ld.get(), account.dn, {"*"}, nullptr, settings.timeout).status();
      }));
  SESAM_ASSIGN_OR_RETURN(times.by_username,
                         Fastest(runs, [&] { return directory.FindAccount(username).status(); }));
  SESAM_ASSIGN_OR_RETURN(
      times.by_id, Fastest(runs, [&] { return directory.FindAccountById(account.id).status(); }));
  return times;
}

}  // namespace sesam::ldap
