// SPDX-License-Identifier: Apache-2.0
#include "ad_rights.h"

#include <cstdint>
#include <string>
#include <vector>

// Last: its new/delete macros must not meet the standard headers.
#include <CppUTest/TestHarness.h>

using namespace sesam::ldap::internal;
using sesam::ldap::Verdict;

namespace {

void Put(std::string& out, std::uint32_t value, int size) {
  for (int i = 0; i < size; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// S-1-5-21-1-2-3-RID
std::string DomainSid(std::uint32_t rid) {
  std::string sid = {1, 5, 0, 0, 0, 0, 0, 5};
  for (std::uint32_t sub : {21u, 1u, 2u, 3u, rid}) Put(sid, sub, 4);
  return sid;
}

std::string OtherGuid() { return std::string(16, '\x42'); }

struct Ace {
  std::uint8_t type;  // 0 allow, 1 deny, 5 allow object, 6 deny object
  std::uint8_t flags;
  std::uint32_t mask;
  std::string sid;
  std::string object_type;  // "" = none
};

std::string Descriptor(const std::vector<Ace>& aces) {
  std::string body;
  for (const auto& ace : aces) {
    std::string rest;
    Put(rest, ace.mask, 4);
    if (ace.type == 5 || ace.type == 6) {
      Put(rest, ace.object_type.empty() ? 0 : 1, 4);
      rest += ace.object_type;
    }
    rest += ace.sid;
    Put(body, ace.type, 1);
    Put(body, ace.flags, 1);
    Put(body, static_cast<std::uint32_t>(4 + rest.size()), 2);
    body += rest;
  }
  std::string sd;
  Put(sd, 1, 1);       // revision
  Put(sd, 0, 1);       // sbz1
  Put(sd, 0x8004, 2);  // self-relative, DACL present
  Put(sd, 0, 4);       // owner
  Put(sd, 0, 4);       // group
  Put(sd, 0, 4);       // SACL
  Put(sd, 20, 4);      // DACL right after the header
  Put(sd, 4, 1);       // ACL revision (DS)
  Put(sd, 0, 1);
  Put(sd, static_cast<std::uint32_t>(8 + body.size()), 2);
  Put(sd, static_cast<std::uint32_t>(aces.size()), 2);
  Put(sd, 0, 2);
  return sd + body;
}

const std::string kService = DomainSid(1105);
const std::string kHelpdesk = DomainSid(1200);  // a group of the service account
const std::string kOther = DomainSid(1300);

}  // namespace

TEST_GROUP(AdRights){};

TEST(AdRights, ResetPasswordObjectAceForAGroupOfTheToken) {
  const std::string sd =
      Descriptor({{5, 0x10, 0x100, kHelpdesk, ResetPasswordRightGuid()}});  // inherited
  CHECK(Verdict::kYes == GrantsControlAccess(sd, {kService, kHelpdesk}, ResetPasswordRightGuid()));
  CHECK(Verdict::kNo == GrantsControlAccess(sd, {kService}, ResetPasswordRightGuid()));
}

TEST(AdRights, AnotherExtendedRightIsNotResetPassword) {
  const std::string sd = Descriptor({{5, 0, 0x100, kService, OtherGuid()}});
  CHECK(Verdict::kNo == GrantsControlAccess(sd, {kService}, ResetPasswordRightGuid()));
}

TEST(AdRights, AllExtendedRightsAndFullControlGrantIt) {
  CHECK(Verdict::kYes == GrantsControlAccess(Descriptor({{5, 0, 0x100, kService, ""}}), {kService},
                                             ResetPasswordRightGuid()));
  CHECK(Verdict::kYes == GrantsControlAccess(Descriptor({{0, 0, 0x000f01ff, kService, ""}}),
                                             {kService}, ResetPasswordRightGuid()));
  // Read and write property only: no control access.
  CHECK(Verdict::kNo == GrantsControlAccess(Descriptor({{0, 0, 0x30, kService, ""}}), {kService},
                                            ResetPasswordRightGuid()));
}

TEST(AdRights, FirstMatchingAceDecides) {
  const Ace deny{6, 0, 0x100, kService, ResetPasswordRightGuid()};
  const Ace allow{5, 0, 0x100, kService, ResetPasswordRightGuid()};
  CHECK(Verdict::kNo ==
        GrantsControlAccess(Descriptor({deny, allow}), {kService}, ResetPasswordRightGuid()));
  CHECK(Verdict::kYes ==
        GrantsControlAccess(Descriptor({allow, deny}), {kService}, ResetPasswordRightGuid()));
  // A deny for someone else does not stop the allow after it.
  const Ace deny_other{6, 0, 0x100, kOther, ResetPasswordRightGuid()};
  CHECK(Verdict::kYes ==
        GrantsControlAccess(Descriptor({deny_other, allow}), {kService}, ResetPasswordRightGuid()));
}

TEST(AdRights, InheritOnlyAcesAreForChildrenOnly) {
  const std::string sd = Descriptor({{5, 0x08, 0x100, kService, ResetPasswordRightGuid()}});
  CHECK(Verdict::kNo == GrantsControlAccess(sd, {kService}, ResetPasswordRightGuid()));
}

TEST(AdRights, ImplicitSidsCount) {
  const std::string authenticated = ImplicitSids()[1];
  const std::string sd = Descriptor({{5, 0, 0x100, authenticated, ResetPasswordRightGuid()}});
  std::vector<std::string> token = ImplicitSids();
  token.push_back(kService);
  CHECK(Verdict::kYes == GrantsControlAccess(sd, token, ResetPasswordRightGuid()));
}

TEST(AdRights, TruncatedBytesAreUnknownNeverYes) {
  const std::string sd = Descriptor({{5, 0, 0x100, kService, ResetPasswordRightGuid()}});
  for (std::size_t size = 0; size < sd.size(); ++size) {
    CHECK(Verdict::kYes !=
          GrantsControlAccess(sd.substr(0, size), {kService}, ResetPasswordRightGuid()));
  }
  CHECK(Verdict::kUnknown == GrantsControlAccess("", {kService}, ResetPasswordRightGuid()));
  std::string no_dacl = sd;
  no_dacl[2] = 0;  // control: DACL not present
  CHECK(Verdict::kUnknown == GrantsControlAccess(no_dacl, {kService}, ResetPasswordRightGuid()));
}
