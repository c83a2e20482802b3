// SPDX-License-Identifier: Apache-2.0
// The password state read from a time the server stamps at each password
// change, for a service account that cannot read userPassword (see
// ServerProfile::state_source in sesam/ldap/directory.h).
#pragma once

#include <string>
#include <string_view>

#include "session.h"

namespace sesam::ldap::internal {

struct TimeState {
  std::string state;     // a PasswordState stamp
  bool readable = true;  // false: nothing the state could come from was readable
};

// `source` "pwdChangedTime" (ppolicy): the stamp of its value; an account
// never changed since ppolicy was loaded has none, which is a state too.
//
// `source` "pwdUpdateTime" (389-ds): 389 stamps it only with
// passwordTrackUpdateTime on, which is off by default, and only from an
// account's first password change on. Until it is there, modifyTimestamp
// stands in: every password change moves it too (and so does any other change
// of the entry: a link may die early, never live too long), and 389 keeps it
// on every entry. With neither readable (an ACI that hides modifyTimestamp)
// no stamp can be trusted: the state is one that no later read repeats, so
// every link fails closed, and `readable` is false so the caller can say why.
TimeState PasswordStateFromTime(const Entry& entry, std::string_view source);

}  // namespace sesam::ldap::internal
