// SPDX-License-Identifier: Apache-2.0
// Owners for libldap's C handles: each is freed exactly once, by its own
// deallocator, also on early returns.
#pragma once

#include <lber.h>
#include <ldap.h>

#include <memory>

namespace sesam::ldap::internal {

struct LdapDeleter {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageDeleter {
  void operator()(LDAPMessage* message) const { ldap_msgfree(message); }
};
struct BerDeleter {
  void operator()(BerElement* ber) const { ber_free(ber, 0); }
};
struct BervalsDeleter {
  void operator()(berval** values) const { ldap_value_free_len(values); }
};
struct BervalDeleter {
  void operator()(berval* value) const { ber_bvfree(value); }
};
struct ControlsDeleter {
  void operator()(LDAPControl** controls) const { ldap_controls_free(controls); }
};
struct ControlDeleter {
  void operator()(LDAPControl* control) const { ldap_control_free(control); }
};
struct LdapMemDeleter {
  void operator()(void* memory) const { ldap_memfree(memory); }
};

using LdapPtr = std::unique_ptr<LDAP, LdapDeleter>;
using MessagePtr = std::unique_ptr<LDAPMessage, MessageDeleter>;
using BerPtr = std::unique_ptr<BerElement, BerDeleter>;
using BervalsPtr = std::unique_ptr<berval*, BervalsDeleter>;
using BervalPtr = std::unique_ptr<berval, BervalDeleter>;
using ControlsPtr = std::unique_ptr<LDAPControl*, ControlsDeleter>;
using ControlPtr = std::unique_ptr<LDAPControl, ControlDeleter>;
using LdapStringPtr = std::unique_ptr<char, LdapMemDeleter>;

}  // namespace sesam::ldap::internal
