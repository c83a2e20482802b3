// SPDX-License-Identifier: Apache-2.0
// The one table of words for the directory's refusals (sesam/ldap/refusal_text.h).
#include "sesam/ldap/refusal_text.h"

#include <CppUTest/TestHarness.h>

#include <set>
#include <string>
#include <string_view>

using sesam::ldap::RefusalAudience;
using sesam::ldap::RefusalText;

namespace {
constexpr std::string_view kReasons[] = {
    sesam::ldap::kReasonPolicyInHistory,  sesam::ldap::kReasonPolicyTooYoung,
    sesam::ldap::kReasonPolicyTooShort,   sesam::ldap::kReasonPolicyQuality,
    sesam::ldap::kReasonPolicyComplexity, sesam::ldap::kReasonPolicyDirectoryRules,
};
}  // namespace

TEST_GROUP(RefusalText){};

TEST(RefusalText, EveryPolicyReasonHasItsOwnWordsForBoth) {
  for (const auto audience : {RefusalAudience::kVisitor, RefusalAudience::kHelpdesk}) {
    std::set<std::string_view> texts;
    for (const std::string_view reason : kReasons) {
      const std::string_view text = RefusalText(reason, audience);
      CHECK_FALSE_TEXT(text.empty(), std::string(reason).c_str());
      texts.insert(text);
    }
    LONGS_EQUAL(std::size(kReasons), texts.size());
  }
}

TEST(RefusalText, OtherReasonsGetTheGeneralTextOrNothing) {
  STRCMP_EQUAL("The directory refused this password. Choose another one.",
               std::string(RefusalText("ppolicy.other", RefusalAudience::kVisitor)).c_str());
  CHECK_TRUE(RefusalText("ppolicy.other", RefusalAudience::kHelpdesk).empty());
  // Only the helpdesk is told that somebody else changed the password.
  CHECK_FALSE(RefusalText(sesam::ldap::kPasswordStateChanged, RefusalAudience::kHelpdesk).empty());
  STRCMP_EQUAL(
      "The directory refused this password. Choose another one.",
      std::string(RefusalText(sesam::ldap::kPasswordStateChanged, RefusalAudience::kVisitor))
          .c_str());
}

// Usable at compile time, so a typo in a reason cannot hide until run time.
static_assert(RefusalText("ppolicy.complexity", RefusalAudience::kVisitor).size() > 0);
