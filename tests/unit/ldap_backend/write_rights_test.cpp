// SPDX-License-Identifier: Apache-2.0
#include "sesam/ldap/write_rights.h"

#include <string>
#include <vector>

#include "sesam/config.h"

// Last: its new/delete macros must not meet the standard headers.
#include <CppUTest/TestHarness.h>

using sesam::ldap::ParseAttributeLevelRights;
using sesam::ldap::PasswordAttributes;
using sesam::ldap::Verdict;

TEST_GROUP(WriteRights){};

TEST(WriteRights, AttributeLevelRightsAsThe389HarnessAnswers) {
  // Measured: 389-ds 2.3 for the service account on an account entry.
  const std::vector<std::string> values = {"userPassword:wo, mail:rsc"};
  CHECK(Verdict::kYes == ParseAttributeLevelRights(values, "userPassword"));
  CHECK(Verdict::kYes == ParseAttributeLevelRights(values, "userpassword"));
  CHECK(Verdict::kNo == ParseAttributeLevelRights(values, "mail"));
  CHECK(Verdict::kUnknown == ParseAttributeLevelRights(values, "cn"));
}

TEST(WriteRights, SelfWriteIsNotWrite) {
  // 'W' is write to one's own entry only: the service account resets others.
  CHECK(Verdict::kNo == ParseAttributeLevelRights({"userPassword:rscWO"}, "userPassword"));
  CHECK(Verdict::kNo == ParseAttributeLevelRights({"userPassword:none"}, "userPassword"));
}

TEST(WriteRights, ValuesSplitOrNot) {
  CHECK(Verdict::kYes ==
        ParseAttributeLevelRights({"cn:rsc", "userPassword:rscwo"}, "userPassword"));
  CHECK(Verdict::kUnknown == ParseAttributeLevelRights({}, "userPassword"));
  CHECK(Verdict::kUnknown == ParseAttributeLevelRights({"garbage", ""}, "userPassword"));
  // A longer name that starts like the one asked for is another attribute.
  CHECK(Verdict::kUnknown == ParseAttributeLevelRights({"userPasswordX:w"}, "userPassword"));
}

TEST(WriteRights, AttributesPerPasswordMode) {
  sesam::config::LdapSection ldap = sesam::config::DefaultConfig().ldap;
  ldap.password_mode = sesam::config::PasswordMode::kExop;
  CHECK((std::vector<std::string>{"userPassword"}) == PasswordAttributes(ldap));
  ldap.password_mode = sesam::config::PasswordMode::kAd;
  ldap.unlock_on_reset = true;
  CHECK((std::vector<std::string>{"unicodePwd", "lockoutTime"}) == PasswordAttributes(ldap));
  ldap.unlock_on_reset = false;
  CHECK((std::vector<std::string>{"unicodePwd"}) == PasswordAttributes(ldap));
}
