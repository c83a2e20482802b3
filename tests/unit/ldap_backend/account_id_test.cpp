// SPDX-License-Identifier: Apache-2.0
#include "account_id.h"

#include <string>

// Last: its new/delete macros must not meet the standard headers.
#include <CppUTest/TestHarness.h>

using namespace sesam::ldap::internal;

namespace {

// The GUID of Microsoft's GUID structure documentation (guiddef.h example
// {6B29FC40-CA47-1067-B31D-00DD010662DA}) and its 16 bytes as stored:
// Data1, Data2 and Data3 little-endian, Data4 in order.
const std::string kGuidBytes("\x40\xfc\x29\x6b\x47\xca\x67\x10\xb3\x1d\x00\xdd\x01\x06\x62\xda",
                             16);
constexpr const char* kGuidText = "6b29fc40-ca47-1067-b31d-00dd010662da";

}  // namespace

TEST_GROUP(AccountId){};

TEST(AccountId, GuidBytesBecomeMicrosoftsStringForm) {
  STRCMP_EQUAL(kGuidText, GuidToString(kGuidBytes).value().c_str());
  CHECK_FALSE(GuidToString(kGuidBytes.substr(0, 15)).has_value());
}

TEST(AccountId, GuidStringBecomesItsBytesInAnyCase) {
  CHECK_TRUE(GuidFromString(kGuidText).value() == kGuidBytes);
  CHECK_TRUE(GuidFromString("6B29FC40-CA47-1067-B31D-00DD010662DA").value() == kGuidBytes);
  CHECK_FALSE(GuidFromString("{6b29fc40-ca47-1067-b31d-00dd010662da}").has_value());
  CHECK_FALSE(GuidFromString("6b29fc40ca471067b31d00dd010662da").has_value());
}

TEST(AccountId, GuidFilterEscapesEveryByte) {
  STRCMP_EQUAL("(objectGUID=\\40\\fc\\29\\6b\\47\\ca\\67\\10\\b3\\1d\\00\\dd\\01\\06\\62\\da)",
               IdFilter("objectGUID", kGuidText).value().c_str());
}

TEST(AccountId, EntryUuidIsCheckedAndLowercased) {
  STRCMP_EQUAL("(entryUUID=597ae2f6-16a6-1027-98f4-d28b5365dc14)",
               IdFilter("entryUUID", "597AE2F6-16a6-1027-98f4-d28b5365dc14").value().c_str());
  CHECK_FALSE(IdFilter("entryUUID", "597ae2f6-16a6-1027-98f4-d28b5365dc1").has_value());
  CHECK_FALSE(IdFilter("entryUUID", "597ae2f6-16a6-1027-98f4-d28b5365dc1*").has_value());
  CHECK_FALSE(IdFilter("entryUUID", "597ae2f616a6-1027-98f4-d28b5365dc14-").has_value());
}

TEST(AccountId, NsUniqueIdHasFourGroupsOfEight) {
  STRCMP_EQUAL("0a1b2c3d-4e5f6071-8293a4b5-c6d7e8f9",
               IdFromValue("nsUniqueId", "0A1B2C3D-4E5F6071-8293A4B5-C6D7E8F9").value().c_str());
  STRCMP_EQUAL("(nsuniqueid=0a1b2c3d-4e5f6071-8293a4b5-c6d7e8f9)",
               IdFilter("nsuniqueid", "0a1b2c3d-4e5f6071-8293a4b5-c6d7e8f9").value().c_str());
  // An entryUUID is no nsUniqueId, and the other way round.
  CHECK_FALSE(IdFromValue("nsUniqueId", "597ae2f6-16a6-1027-98f4-d28b5365dc14").has_value());
  CHECK_FALSE(IdFromValue("entryUUID", "0a1b2c3d-4e5f6071-8293a4b5-c6d7e8f9").has_value());
}

TEST(AccountId, MissingOrUnknownGivesNoId) {
  CHECK_FALSE(IdFromValue("entryUUID", "").has_value());
  CHECK_FALSE(IdFromValue("objectGUID", "").has_value());
  CHECK_FALSE(IdFromValue("uid", "jan").has_value());
}
