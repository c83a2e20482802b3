// SPDX-License-Identifier: Apache-2.0
// On a PlainConnection of its own rather than a Session: Session has no
// search with request controls, and this check runs once per `sesam doctor`,
// where a pool would buy nothing.
#include "sesam/ldap/write_rights.h"

#include <lber.h>
#include <ldap.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "ad_rights.h"
#include "plain_connection.h"
#include "server_profile.h"

namespace sesam::ldap {
namespace {

using internal::LdapPtr;
using internal::OpenPlain;
using internal::ReadBase;

constexpr char kGetEffectiveRights[] = "1.3.6.1.4.1.42.2.27.9.5.2";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool Contains(const std::vector<std::string>& values, std::string_view wanted) {
  return std::any_of(values.begin(), values.end(),
                     [&](const std::string& value) { return EqualsIgnoreCase(value, wanted); });
}

// "CN=a\\,b,OU=Pupils,DC=x" -> "OU=Pupils,DC=x": after the first unescaped comma.
std::string ParentDn(const std::string& dn) {
  for (std::size_t i = 0; i < dn.size(); ++i) {
    if (dn[i] == '\\') {
      ++i;
    } else if (dn[i] == ',') {
      return dn.substr(i + 1);
    }
  }
  return dn;
}

Result<WriteRights> AskEffectiveRights(LDAP* ld, const config::LdapSection& settings,
                                       const std::string& dn,
                                       const std::vector<std::string>& wanted) {
  // The control's value as 389-ds and lib389 use it: the subject as an
  // authzId ("dn:<bind DN>"), not BER-wrapped. Critical, so that a server
  // that ignores it cannot answer with an ordinary entry.
  std::string subject = "dn:" + settings.bind_dn;
  LDAPControl control{const_cast<char*>(kGetEffectiveRights), {subject.size(), subject.data()}, 1};
  LDAPControl* controls[] = {&control, nullptr};
  std::vector<std::string> attributes = wanted;
  attributes.push_back("attributeLevelRights");
  SESAM_ASSIGN_OR_RETURN(auto values, ReadBase(ld, dn, attributes, controls, settings.timeout));
  WriteRights rights;
  rights.mechanism = "get effective rights control";
  for (const auto& attribute : wanted) {
    rights.rights.push_back({attribute, ParseAttributeLevelRights(values.back(), attribute), ""});
  }
  if (values.back().empty()) {
    rights.note = "the server sent no attributeLevelRights for " + dn;
  }
  return rights;
}

// Whether the service account holds "Reset Password" on `dn`: its DACL
// (nTSecurityDescriptor, DACL only through the SD flags control, which an
// ordinary account may read) evaluated for the account's token (objectSid,
// tokenGroups, and the SIDs every bound token has). kUnknown when either
// cannot be read.
Verdict ResetPasswordRight(LDAP* ld, const config::LdapSection& settings, const std::string& dn) {
  char dacl_only[] = {0x30, 0x03, 0x02, 0x01, 0x04};  // SEQUENCE { INTEGER 4 }
  LDAPControl sd_flags{
      const_cast<char*>("1.2.840.113556.1.4.801"), {sizeof dacl_only, dacl_only}, 0};
  LDAPControl* controls[] = {&sd_flags, nullptr};
  auto descriptor = ReadBase(ld, dn, {"nTSecurityDescriptor"}, controls, settings.timeout);
  auto account =
      ReadBase(ld, settings.bind_dn, {"objectSid", "tokenGroups"}, nullptr, settings.timeout);
  if (!descriptor.ok() || !account.ok() || descriptor->front().empty() || (*account)[0].empty()) {
    return Verdict::kUnknown;
  }
  std::vector<std::string> token = internal::ImplicitSids();
  token.push_back((*account)[0].front());
  token.insert(token.end(), (*account)[1].begin(), (*account)[1].end());
  return internal::GrantsControlAccess(descriptor->front().front(), token,
                                       internal::ResetPasswordRightGuid());
}

Result<WriteRights> AskAllowedAttributes(LDAP* ld, const config::LdapSection& settings,
                                         const std::string& dn,
                                         const std::vector<std::string>& wanted) {
  SESAM_ASSIGN_OR_RETURN(
      auto values, ReadBase(ld, dn, {"allowedAttributesEffective"}, nullptr, settings.timeout));
  WriteRights rights;
  rights.mechanism = "allowedAttributesEffective";
  for (const auto& attribute : wanted) {
    if (Contains(values.front(), attribute)) {
      rights.rights.push_back({attribute, Verdict::kYes, ""});
      continue;
    }
    // unicodePwd is written through the "Reset Password" extended right,
    // which allowedAttributesEffective does not list (measured on Samba
    // 4.17: lockoutTime listed, unicodePwd not, with both granted).
    if (!EqualsIgnoreCase(attribute, "unicodePwd")) {
      rights.rights.push_back({attribute, Verdict::kNo, ""});
      continue;
    }
    const Verdict reset = ResetPasswordRight(ld, settings, dn);
    rights.rights.push_back(
        {attribute, reset, "the extended right 'Reset Password' in the entry's DACL"});
    if (reset == Verdict::kUnknown) {
      const std::string parent = ParentDn(dn);
      rights.note =
          "unicodePwd is written through the 'Reset Password' extended right, which "
          "allowedAttributesEffective does not list, and the entry's security descriptor "
          "could not be read: check that the service account has it on the accounts' OU: "
          "dsacls \"" +
          parent + "\" (Windows) or samba-tool dsacl get --objectdn=\"" + parent + "\" (Samba)";
    }
  }
  return rights;
}

}  // namespace

std::vector<std::string> PasswordAttributes(const config::LdapSection& settings) {
  if (settings.password_mode == config::PasswordMode::kAd) {
    if (settings.unlock_on_reset) return {"unicodePwd", "lockoutTime"};
    return {"unicodePwd"};
  }
  return {"userPassword"};
}

Verdict ParseAttributeLevelRights(const std::vector<std::string>& values,
                                  const std::string& attribute) {
  for (const auto& value : values) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      const std::size_t colon = item.find(':');
      if (colon == std::string_view::npos) continue;
      if (!EqualsIgnoreCase(item.substr(0, colon), attribute)) continue;
      const std::string_view flags = item.substr(colon + 1);
      return flags.find('w') != std::string_view::npos ? Verdict::kYes : Verdict::kNo;
    }
  }
  return Verdict::kUnknown;
}

Result<WriteRights> CheckWriteRights(const config::LdapSection& settings,
                                     const SecretString& bind_password, const std::string& dn) {
  SESAM_ASSIGN_OR_RETURN(LdapPtr ld, OpenPlain(settings, bind_password));
  SESAM_ASSIGN_OR_RETURN(
      auto root, ReadBase(ld.get(), "", {"supportedControl", "supportedCapabilities"}, nullptr,
                          settings.timeout));
  const std::vector<std::string> wanted = PasswordAttributes(settings);
  if (Contains(root[0], kGetEffectiveRights)) {
    return AskEffectiveRights(ld.get(), settings, dn, wanted);
  }
  if (Contains(root[1], internal::kActiveDirectoryCapabilityOid)) {
    return AskAllowedAttributes(ld.get(), settings, dn, wanted);
  }
  WriteRights rights;
  for (const auto& attribute : wanted) rights.rights.push_back({attribute, Verdict::kUnknown, ""});
  // slapacl evaluates slapd's access rules offline, on the server's host.
  std::string by_hand;
  for (const auto& attribute : wanted) {
    if (!by_hand.empty()) by_hand += "; ";
    by_hand += "slapacl -F /etc/ldap/slapd.d -D \"" + settings.bind_dn + "\" -b \"" + dn + "\" " +
               attribute + "/write";
  }
  rights.note =
      "the server offers no effective-rights mechanism (OpenLDAP has none in a stock build); "
      "check by hand on the server: " +
      by_hand;
  return rights;
}

}  // namespace sesam::ldap
