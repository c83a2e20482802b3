// SPDX-License-Identifier: Apache-2.0
#include "sesam/policy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "policy_test_util.h"

// Last: CppUTest redefines new for leak detection.
#include <CppUTest/TestHarness.h>

using sesam::SecretString;
using sesam::policy::Context;
using sesam::policy::Policy;
using sesam::policy::Verdict;
using sesam::policy::testing::DefaultSettings;
using sesam::policy::testing::FindRule;
namespace config = sesam::config;
namespace i18n = sesam::i18n;

namespace {

Policy Make(const config::PolicySection& settings) {
  auto created = Policy::Create(settings);
  if (!created.ok()) FAIL(created.status().ToString().c_str());
  return std::move(created).value();
}

bool Passed(const Verdict& verdict, const std::string& id) {
  const auto* rule = FindRule(verdict, id);
  if (rule == nullptr) FAIL(("rule not listed: " + id).c_str());
  return rule->passed;
}

std::string TempFile(const std::string& name, const std::string& content) {
  const std::string path = std::string(SESAM_BINARY_DIR) + "/policy_test_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

const i18n::Catalog kEnglish;

}  // namespace

TEST_GROUP(Policy) {
  Policy policy = Make(DefaultSettings());
  Verdict Check(std::string_view password, const Context& context = {}) {
    return policy.Check(password, context, kEnglish);
  }
};

TEST(Policy, SchoolRuleAcceptsAGoodPassword) {
  const Verdict v = Check("Xyzzy.Pl0ugh");
  CHECK_TRUE(v.accepted);
  for (const auto& rule : v.rules) CHECK_TRUE(rule.passed);
}

TEST(Policy, ReportsEveryFailedRuleNotOnlyTheFirst) {
  // Peers stop at the first failure; here "abc" fails length and classes at once.
  const Verdict v = Check("abc");
  CHECK_FALSE(v.accepted);
  CHECK_FALSE(Passed(v, "min_length"));
  CHECK_FALSE(Passed(v, "classes"));
  CHECK_TRUE(Passed(v, "class_lower"));
  CHECK_FALSE(Passed(v, "class_upper"));
  CHECK_TRUE(Passed(v, "max_length"));
  CHECK_TRUE(Passed(v, "blocklist"));
}

TEST(Policy, RulesComeInTheDocumentedOrder) {
  const SecretString old("Old.Passw0rd");
  Context context;
  context.username = "jan";
  context.names = {"Jan Peeters"};
  context.old_password = &old;
  config::PolicySection s = DefaultSettings();
  s.max_repeat = 2;
  s.min_entropy_bits = 20;
  const Verdict v = Make(s).Check("Xyzzy.Pl0ugh", context, kEnglish);
  std::string ids;
  for (const auto& rule : v.rules) ids += rule.id + " ";
  STRCMP_EQUAL(
      "utf8 control min_length max_length classes class_lower class_upper class_digit "
      "class_other max_repeat username names differ_from_old blocklist entropy ",
      ids.c_str());
}

TEST(Policy, PeerFaultEcole12CountsCodePointsNotBytes) {
  // pam_pwquality counts 9 bytes and accepts this 7-character password.
  const Verdict v = Check("École12");
  CHECK_FALSE(v.accepted);
  CHECK_FALSE(Passed(v, "min_length"));
  CHECK_TRUE(Check("École123").accepted);
}

TEST(Policy, PeerFaultCreditsDoNotLetFourCharactersPass) {
  // pam_pwquality's credits (dcredit, ucredit, ...) accept "Aa1!" under minlen=8.
  const Verdict v = Check("Aa1!");
  CHECK_FALSE(v.accepted);
  CHECK_FALSE(Passed(v, "min_length"));
  CHECK_TRUE(Passed(v, "classes"));
}

TEST(Policy, MaxLengthCountsCodePoints) {
  std::string accented = "Éa1";
  for (int i = 0; i < 125; ++i) accented += "é";  // 128 code points, 256 bytes
  CHECK_TRUE(Check(accented).accepted);
  CHECK_FALSE(Passed(Check(accented + "é"), "max_length"));
}

TEST(Policy, ClassesByGeneralCategory) {
  const Verdict cyrillic = Check("Пароль123");
  CHECK_TRUE(cyrillic.accepted);
  const Verdict arabic_digits = Check("abcD١٢٣٤");  // Arabic-Indic digits are Nd
  CHECK_TRUE(Passed(arabic_digits, "class_digit"));
  CHECK_FALSE(Passed(arabic_digits, "class_other"));
  const Verdict ideographs = Check("密码密码密码aa");  // Lo counts as "other"
  CHECK_TRUE(Passed(ideographs, "class_other"));
  CHECK_FALSE(Passed(ideographs, "classes"));
  const Verdict titlecase = Check("ǅungla12");  // Lt is neither upper nor lower
  CHECK_FALSE(Passed(titlecase, "class_upper"));
  CHECK_TRUE(Passed(titlecase, "class_other"));
}

TEST(Policy, ControlCharactersAndInvalidUtf8HaveTheirOwnRules) {
  const Verdict tab = Check("Abc\tdef1x");
  CHECK_FALSE(tab.accepted);
  CHECK_FALSE(Passed(tab, "control"));
  CHECK_TRUE(Passed(tab, "utf8"));
  const Verdict nul = Check(std::string_view("Abcdef1\0x!", 10));
  CHECK_FALSE(Passed(nul, "control"));
  const Verdict invalid = Check("Abcdef1!\xff");
  CHECK_FALSE(invalid.accepted);
  CHECK_FALSE(Passed(invalid, "utf8"));
  CHECK_TRUE(Passed(invalid, "control"));
  CHECK_TRUE(Passed(invalid, "min_length"));  // 9: the bad byte counts as U+FFFD
}

TEST(Policy, NeverCrashesOnHugeOrEmptyInput) {
  const std::string huge(1 << 20, 'a');
  const Verdict v = Check(huge);
  CHECK_FALSE(v.accepted);
  CHECK_FALSE(Passed(v, "max_length"));
  const Verdict empty = Check("");
  CHECK_FALSE(empty.accepted);
  CHECK_FALSE(Passed(empty, "min_length"));
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  CHECK_FALSE(Check(bytes).accepted);
}

TEST(Policy, MaxRepeatIsOffByDefaultAndCountsRuns) {
  CHECK_TRUE(FindRule(Check("aaaaaaaaBc1!"), "max_repeat") == nullptr);
  config::PolicySection s = DefaultSettings();
  s.max_repeat = 3;
  const Policy strict = Make(s);
  CHECK_FALSE(strict.Check("aaaaBc1!x", {}, kEnglish).accepted);
  CHECK_TRUE(strict.Check("aaaBc1!xaaa", {}, kEnglish).accepted);
  CHECK_FALSE(strict.Check("Ab1!🔑🔑🔑🔑", {}, kEnglish).accepted);  // code points, not bytes
}

TEST(Policy, UsernameCaseInsensitiveFromThreeCharacters) {
  Context context;
  context.username = "Élodie";
  CHECK_FALSE(Passed(Check("xx-ÉLODIE-9a", context), "username"));
  CHECK_FALSE(Passed(Check("x-élodie-9A", context), "username"));
  CHECK_TRUE(Passed(Check("Xyzzy.Pl0ugh", context), "username"));
  context.username = "jo";
  CHECK_TRUE(FindRule(Check("jojojo.J0", context), "username") == nullptr);
  config::PolicySection s = DefaultSettings();
  s.reject_username = false;
  context.username = "jan";
  CHECK_TRUE(FindRule(Make(s).Check("jan.Peeters1", context, kEnglish), "username") == nullptr);
}

TEST(Policy, NamesEachWordOfThreeOrMore) {
  Context context;
  context.names = {"Jan", "de Vries"};
  CHECK_FALSE(Passed(Check("Mijn.VRIES.1", context), "names"));
  CHECK_FALSE(Passed(Check("Mijn.jan.1X", context), "names"));
  CHECK_TRUE(Passed(Check("Mijn.de.1X", context), "names"));  // "de" is too short
  context.names = {"Al"};
  CHECK_TRUE(FindRule(Check("Xyzzy.Pl0ugh", context), "names") == nullptr);
}

TEST(Policy, DifferFromOldOnlyWhenKnown) {
  CHECK_TRUE(FindRule(Check("Xyzzy.Pl0ugh"), "differ_from_old") == nullptr);
  const SecretString old("Xyzzy.Pl0ugh");
  Context context;
  context.old_password = &old;
  CHECK_FALSE(Check("Xyzzy.Pl0ugh", context).accepted);
  CHECK_TRUE(Check("Xyzzy.Pl0ugh2", context).accepted);
}

TEST(Policy, DefaultBlocklistIsCaseInsensitive) {
  for (const char* leaked : {"Wachtwoord1", "WELKOM123", "azerty123", "Motdepasse1", "Password1",
                             "Zomer2024", "hiver2025!", "Printemps2030"}) {
    const Verdict v = Check(leaked);
    CHECK_FALSE_TEXT(Passed(v, "blocklist"), leaked);
  }
}

TEST(Policy, TextBlocklistFoldsUnicodeCase) {
  config::PolicySection s = DefaultSettings();
  s.blocklist = {TempFile("list.txt", "# comment\r\nÉlève2024!\r\n\r\nПароль123\n")};
  const Policy own = Make(s);
  CHECK_FALSE(own.Check("élÈVE2024!", {}, kEnglish).accepted);
  CHECK_FALSE(own.Check("пАРОЛЬ123", {}, kEnglish).accepted);
  CHECK_TRUE(own.Check("Élève2025!", {}, kEnglish).accepted);
  CHECK_TRUE(Passed(own.Check("# comment", {}, kEnglish), "blocklist"));  // not an entry
}

TEST(Policy, PeerFaultMissingBlocklistRefusesNamingTheFile) {
  config::PolicySection s = DefaultSettings();
  s.blocklist = {"/nonexistent/sesam/leaked.txt"};
  auto created = Policy::Create(s);
  CHECK_FALSE(created.ok());
  CHECK_TRUE(created.status().code() == sesam::StatusCode::kNotFound);
  CHECK_TRUE(created.status().message().find("/nonexistent/sesam/leaked.txt") != std::string::npos);

  s.blocklist_optional = true;
  s.blocklist.push_back(SESAM_BUILD_BLOCKLIST);
  const Policy tolerant = Make(s);
  LONGS_EQUAL(1, tolerant.warnings().size());
  CHECK_TRUE(tolerant.warnings()[0].find("/nonexistent/sesam/leaked.txt") != std::string::npos);
  CHECK_FALSE(tolerant.Check("Wachtwoord1", {}, kEnglish).accepted);  // the others still apply
}

TEST(Policy, UnreadableBlocklistIsPermissionDenied) {
  if (geteuid() == 0) return;  // root reads every file: nothing to test
  const std::string path = TempFile("unreadable.txt", "x\n");
  chmod(path.c_str(), 0);
  config::PolicySection s = DefaultSettings();
  s.blocklist = {path};
  auto created = Policy::Create(s);
  CHECK_TRUE(created.status().code() == sesam::StatusCode::kPermissionDenied);
}

TEST(Policy, CorruptFilterIsRefused) {
  config::PolicySection s = DefaultSettings();
  s.blocklist = {TempFile("corrupt.pwq", std::string("PWQ0") + std::string(100, '\x01'))};
  auto created = Policy::Create(s);
  CHECK_TRUE(created.status().code() == sesam::StatusCode::kInvalidArgument);
  CHECK_TRUE(created.status().message().find("corrupt.pwq") != std::string::npos);
}

TEST(Policy, BadSettingsAreRefused) {
  config::PolicySection s = DefaultSettings();
  s.max_length = 4;
  CHECK_FALSE(Policy::Create(s).ok());
}

TEST(Policy, NistProfileHasNoCompositionRule) {
  config::PolicySection s = DefaultSettings();
  s.min_length = 15;
  s.min_classes = 0;
  const Policy nist = Make(s);
  const Verdict v = nist.Check("correct horse battery", {}, kEnglish);
  CHECK_TRUE(v.accepted);
  CHECK_TRUE(FindRule(v, "classes") == nullptr);
  CHECK_TRUE(FindRule(v, "class_lower") == nullptr);
  CHECK_FALSE(nist.Check("Xyzzy.Pl0ugh", {}, kEnglish).accepted);
}

TEST(Policy, EntropyWithZxcvbn) {
  config::PolicySection s = DefaultSettings();
  s.min_entropy_bits = 40;
  const Policy strong = Make(s);
  CHECK_FALSE(Passed(strong.Check("Password2024!", {}, kEnglish), "entropy"));
  CHECK_TRUE(Passed(strong.Check("q7#Vw!zP2m@Lk9$R", {}, kEnglish), "entropy"));
  Context context;
  context.username = "kwartelkoning";
  // The username is part of zxcvbn's dictionary: the same password scores lower.
  CHECK_TRUE(Passed(strong.Check("Kwartelkoning.19", {}, kEnglish), "entropy"));
  CHECK_FALSE(Passed(strong.Check("Kwartelkoning.19", context, kEnglish), "entropy"));
}

TEST(Policy, MessagesInDutch) {
  auto catalog = i18n::Catalog::Load(SESAM_TEST_BUILD_LOCALEDIR, "nl");
  CHECK_TRUE(catalog.ok());
  const Verdict v = policy.Check("abc", {}, *catalog);
  STRCMP_EQUAL("Minstens 8 tekens", FindRule(v, "min_length")->message.c_str());
  STRCMP_EQUAL("Een hoofdletter (A-Z)", FindRule(v, "class_upper")->message.c_str());
  CHECK_TRUE(FindRule(v, "class_upper")->informational);
  CHECK_FALSE(FindRule(v, "classes")->informational);
}

TEST(Policy, MessagesInEnglishWithNumbers) {
  config::PolicySection s = DefaultSettings();
  s.min_length = 12;
  const Verdict v = Make(s).Check("abc", {}, kEnglish);
  STRCMP_EQUAL("At least 12 characters", FindRule(v, "min_length")->message.c_str());
}

TEST(Policy, BrowserRulesJsonShape) {
  auto catalog = i18n::Catalog::Load(SESAM_TEST_BUILD_LOCALEDIR, "fr");
  CHECK_TRUE(catalog.ok());
  const auto json = nlohmann::json::parse(policy.BrowserRulesJson(*catalog));
  LONGS_EQUAL(8, json["min_length"].get<int>());
  LONGS_EQUAL(128, json["max_length"].get<int>());
  LONGS_EQUAL(3, json["min_classes"].get<int>());
  LONGS_EQUAL(0, json["max_repeat"].get<int>());
  CHECK_TRUE(json["reject_username"].get<bool>());
  LONGS_EQUAL(3, json["username_min_length"].get<int>());
  for (const char* id : {"min_length", "max_length", "classes", "class_lower", "class_upper",
                         "class_digit", "class_other", "max_repeat", "username", "match"}) {
    CHECK_TEXT(json["messages"].contains(id), id);
  }
  STRCMP_EQUAL("Au moins 8 caractères", json["messages"]["min_length"].get<std::string>().c_str());
  LONGS_EQUAL(10, json["messages"].size());
}

TEST(Policy, ShippedNistExampleLoads) {
  auto loaded =
      config::Load(std::string(SESAM_SOURCE_DIR) + "/packaging/examples/nist-800-63b.conf",
                   config::FileChecks::kNo);
  CHECK_TEXT(loaded.ok(), loaded.status().ToString().c_str());
  LONGS_EQUAL(15, loaded->policy.min_length);
  LONGS_EQUAL(0, loaded->policy.min_classes);
  LONGS_EQUAL(2, loaded->policy.blocklist.size());
  config::PolicySection s = loaded->policy;
  s.blocklist = {SESAM_BUILD_BLOCKLIST};  // the HIBP filter is the site's own
  const Policy nist = Make(s);
  CHECK_TRUE(nist.Check("correct horse battery staple", {}, kEnglish).accepted);
  CHECK_FALSE(nist.Check("Xyzzy.Pl0ugh", {}, kEnglish).accepted);
}
