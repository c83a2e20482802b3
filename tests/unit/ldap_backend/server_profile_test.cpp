// SPDX-License-Identifier: Apache-2.0
#include "server_profile.h"

#include <string>
#include <vector>

// Last: its new/delete macros must not meet the standard headers.
#include <CppUTest/TestHarness.h>

using namespace sesam::ldap::internal;
using sesam::config::IdAttribute;

namespace {

Entry Root(std::vector<std::pair<std::string, std::vector<std::string>>> attributes) {
  Entry entry;
  entry.attributes = std::move(attributes);
  return entry;
}

}  // namespace

TEST_GROUP(ServerProfile){};

TEST(ServerProfile, VendorFromTheRootDse) {
  // Samba and Windows: the AD capability, whatever else they say.
  STRCMP_EQUAL("Active Directory",
               VendorOf(Root({{"supportedCapabilities",
                               {"1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670"}}}))
                   .c_str());
  STRCMP_EQUAL("389 Directory Server", VendorOf(Root({{"vendorName", {"389 Project"}}})).c_str());
  STRCMP_EQUAL("OpenLDAP", VendorOf(Root({{"objectClass", {"top", "OpenLDAProotDSE"}}})).c_str());
  STRCMP_EQUAL("unknown", VendorOf(Root({{"vendorName", {"Example Corp"}}})).c_str());
}

TEST(ServerProfile, IdAttributeAutoFollowsTheVendor) {
  STRCMP_EQUAL("objectGUID", IdAttributeFor(IdAttribute::kAuto, "Active Directory").c_str());
  STRCMP_EQUAL("nsUniqueId", IdAttributeFor(IdAttribute::kAuto, "389 Directory Server").c_str());
  STRCMP_EQUAL("entryUUID", IdAttributeFor(IdAttribute::kAuto, "OpenLDAP").c_str());
  STRCMP_EQUAL("entryUUID", IdAttributeFor(IdAttribute::kAuto, "unknown").c_str());
  STRCMP_EQUAL("entryUUID",
               IdAttributeFor(IdAttribute::kEntryUuid, "389 Directory Server").c_str());
}

TEST(ServerProfile, SchemaDefinesLooksAtNamesOnly) {
  const std::vector<std::string> classes = {
      "( 2.5.6.0 NAME 'top' ABSTRACT MUST objectClass )",
      "( 1.3.6.1.4.1.99999.2.1 NAME 'sesamAccount' DESC 'x' SUP top AUXILIARY "
      "MAY ( sesamResetRounds $ sesamPasswordClaim ) )",
      "( 1.2.3 NAME ( 'aliasA' 'aliasB' ) DESC 'mentions NAME ''notThis'' here' )"};
  CHECK_TRUE(SchemaDefines(classes, "sesamAccount"));
  CHECK_TRUE(SchemaDefines(classes, "SESAMACCOUNT"));
  CHECK_TRUE(SchemaDefines(classes, "aliasB"));
  // Named in another class's MAY list, or in a description: not defined.
  CHECK_FALSE(SchemaDefines(classes, "sesamResetRounds"));
  CHECK_FALSE(SchemaDefines(classes, "notThis"));
  CHECK_FALSE(SchemaDefines(classes, "sesam"));
}
