// SPDX-License-Identifier: Apache-2.0
// pam_sm_chauthtok's logic through a fake Host: prompts, retries, messages,
// use_authtok, enforce_for_root, PAM_CHANGE_EXPIRED_AUTHTOK, arguments. The
// real Linux-PAM path is covered by tests/integration/pam/.
#include "chauthtok.h"

#include <security/_pam_types.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include "arguments.h"

// Last: CppUTest redefines new for leak detection.
#include <CppUTest/TestHarness.h>

using sesam::Result;
using sesam::SecretString;
using sesam::Status;
namespace pam = sesam::pam;

namespace {

class FakeHost final : public pam::Host {
 public:
  std::deque<std::string> replies;  // answers to the prompts, in order
  std::vector<std::string> prompts, errors, infos, logs;
  std::string user = "nobody";
  std::vector<std::string> names;
  bool root = false;
  bool expired_change = false;  // PAM_CHANGE_EXPIRED_AUTHTOK
  std::optional<std::string> authtok, old_authtok, set_authtok;

  Result<std::string> User() override { return user; }
  std::vector<std::string> Names(const std::string&) override { return names; }
  bool CallerIsRoot() override { return root; }
  bool ChangingExpiredAuthtok() override { return expired_change; }
  std::optional<SecretString> NewAuthtok() override { return Item(authtok); }
  std::optional<SecretString> OldAuthtok() override { return Item(old_authtok); }
  Status SetNewAuthtok(const SecretString& password) override {
    set_authtok = std::string(password.view());
    return Status::Ok();
  }
  Result<SecretString> PromptHidden(std::string_view prompt) override {
    prompts.emplace_back(prompt);
    if (replies.empty()) return sesam::UnavailableError("no more answers");
    SecretString reply(replies.front());
    replies.pop_front();
    return reply;
  }
  void ShowError(std::string_view text) override { errors.emplace_back(text); }
  void ShowInfo(std::string_view text) override { infos.emplace_back(text); }
  void Log(pam::LogLevel, std::string_view text) override { logs.emplace_back(text); }

  bool ErrorsContain(std::string_view text) const {
    for (const auto& e : errors) {
      if (e.find(text) != std::string::npos) return true;
    }
    return false;
  }
  bool LogsContain(std::string_view text) const {
    for (const auto& l : logs) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  static std::optional<SecretString> Item(const std::optional<std::string>& value) {
    if (!value) return std::nullopt;
    return SecretString(*value);
  }
};

std::string WriteConfig(const std::string& name, const std::string& text) {
  const std::string path = std::string(SESAM_BINARY_DIR) + "/pam_test_" + name + ".conf";
  std::ofstream(path) << text;
  return path;
}

std::string GoodConfig() {
  return WriteConfig("good", std::string("[policy]\nblocklist = ") + SESAM_BUILD_BLOCKLIST + "\n");
}

int Run(FakeHost& host, std::vector<std::string> args,
        pam::Phase phase = pam::Phase::kUpdateAuthtok) {
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return pam::ChangeAuthtok(host, phase, argv);
}

}  // namespace

TEST_GROUP(Chauthtok) {
  std::string config = "config=" + GoodConfig();
  void setup() override { setenv("LANGUAGE", "en", 1); }
  void teardown() override { unsetenv("LANGUAGE"); }
};

TEST(Chauthtok, AcceptsAndSetsAuthtok) {
  FakeHost host;
  host.replies = {"Xyzzy.Pl0ugh", "Xyzzy.Pl0ugh"};
  LONGS_EQUAL(PAM_SUCCESS, Run(host, {config}));
  CHECK_TRUE(host.set_authtok == "Xyzzy.Pl0ugh");
  LONGS_EQUAL(2, host.prompts.size());
  STRCMP_EQUAL("New password: ", host.prompts[0].c_str());
  STRCMP_EQUAL("Retype new password: ", host.prompts[1].c_str());
  CHECK_TRUE(host.errors.empty());
}

TEST(Chauthtok, PrelimCheckSucceedsWithoutPrompting) {
  FakeHost host;
  LONGS_EQUAL(PAM_SUCCESS, Run(host, {config}, pam::Phase::kPrelimCheck));
  CHECK_TRUE(host.prompts.empty());
}

TEST(Chauthtok, ShowsEveryFailedRuleAndRetries) {
  FakeHost host;
  host.replies = {"abc", "Xyzzy.Pl0ugh", "Xyzzy.Pl0ugh"};
  LONGS_EQUAL(PAM_SUCCESS, Run(host, {config}));
  CHECK_TRUE(host.ErrorsContain("Password refused:"));
  CHECK_TRUE(host.ErrorsContain("At least 8 characters"));
  CHECK_TRUE(host.ErrorsContain("At least 3 of these 4"));
  CHECK_TRUE(host.ErrorsContain("Please try again (2 left)."));
  CHECK_FALSE(host.ErrorsContain("A lower-case letter"));  // informational marks stay out
}

TEST(Chauthtok, MismatchIsSaidNotSilent) {
  FakeHost host;
  host.replies = {"Xyzzy.Pl0ugh", "Xyzzy.Pl0ugj", "Xyzzy.Pl0ugh", "Xyzzy.Pl0ugh"};
  LONGS_EQUAL(PAM_SUCCESS, Run(host, {config}));
  CHECK_TRUE(host.ErrorsContain("The two passwords are not the same."));
  CHECK_TRUE(host.ErrorsContain("Please try again (2 left)."));
}

TEST(Chauthtok, GivesUpAfterRetry) {
  FakeHost host;
  host.replies = {"abc", "abcdefgh"};
  LONGS_EQUAL(PAM_AUTHTOK_ERR, Run(host, {config, "retry=2"}));
  LONGS_EQUAL(2, host.prompts.size());
  CHECK_TRUE(host.ErrorsContain("Too many tries"));
  CHECK_FALSE(host.set_authtok.has_value());
}

TEST(Chauthtok, UseAuthtokChecksTheGivenPasswordWithoutPrompting) {
  FakeHost host;
  host.authtok = "Wachtwoord1";
  LONGS_EQUAL(PAM_AUTHTOK_ERR, Run(host, {config, "use_authtok"}));
  CHECK_TRUE(host.prompts.empty());
  CHECK_TRUE(host.ErrorsContain("Not a well-known or leaked password"));
  host.authtok = "Xyzzy.Pl0ugh";
  LONGS_EQUAL(PAM_SUCCESS, Run(host, {config, "use_authtok"}));
  FakeHost without;
  LONGS_EQUAL(PAM_AUTHTOK_ERR, Run(without, {config, "use_authtok"}));
}

TEST(Chauthtok, RootSeesWarningsUnlessEnforced) {
  FakeHost host;
  host.root = true;
  host.replies = {"abc", "abc"};
  LONGS_EQUAL(PAM_SUCCESS, Run(host, {config}));
  CHECK_TRUE(host.ErrorsContain("At least 8 characters"));
  LONGS_EQUAL(1, host.infos.size());
  CHECK_TRUE(host.set_authtok == "abc");

  FakeHost enforced;
  enforced.root = true;
  enforced.replies = {"abc", "abc", "abc"};
  LONGS_EQUAL(PAM_AUTHTOK_ERR, Run(enforced, {config, "enforce_for_root", "retry=1"}));
}

// login, sshd and display managers run as root when they force the change of
// an expired password: the user chooses it, so the policy holds.
TEST(Chauthtok, RootForcingAnExpiredChangeIsRefusedLikeAnyone) {
  FakeHost host;
  host.root = true;
  host.expired_change = true;
  host.replies = {"abc", "abc", "abc"};
  LONGS_EQUAL(PAM_AUTHTOK_ERR, Run(host, {config}));
  CHECK_TRUE(host.ErrorsContain("At least 8 characters"));
  CHECK_TRUE(host.ErrorsContain("Too many tries"));
  CHECK_TRUE(host.infos.empty());       // no "Accepted anyway"
  LONGS_EQUAL(3, host.prompts.size());  // never "Retype new password: "
  CHECK_FALSE(host.set_authtok.has_value());

  FakeHost good;
  good.root = true;
  good.expired_change = true;
  good.replies = {"abc", "Xyzzy.Pl0ugh", "Xyzzy.Pl0ugh"};
  LONGS_EQUAL(PAM_SUCCESS, Run(good, {config}));
  CHECK_TRUE(good.set_authtok == "Xyzzy.Pl0ugh");
}

TEST(Chauthtok, RootForcingAnExpiredChangeWithUseAuthtokIsRefused) {
  FakeHost host;
  host.root = true;
  host.expired_change = true;
  host.authtok = "abc";
  LONGS_EQUAL(PAM_AUTHTOK_ERR, Run(host, {config, "use_authtok"}));
  CHECK_TRUE(host.ErrorsContain("At least 8 characters"));
  CHECK_TRUE(host.infos.empty());
}

TEST(Chauthtok, UserForcedToChangeAnExpiredPasswordIsRefused) {
  FakeHost host;
  host.expired_change = true;
  host.replies = {"abc"};
  LONGS_EQUAL(PAM_AUTHTOK_ERR, Run(host, {config, "retry=1"}));
  CHECK_FALSE(host.set_authtok.has_value());
}

TEST(Chauthtok, OldPasswordAndNamesFromTheHost) {
  FakeHost host;
  host.old_authtok = "Xyzzy.Pl0ugh";
  host.names = {"Anneke Kwartel"};
  host.replies = {"Xyzzy.Pl0ugh", "Kwartel.2024x", "Xyzzy.Pl0ugh2", "Xyzzy.Pl0ugh2"};
  LONGS_EQUAL(PAM_SUCCESS, Run(host, {config}));
  CHECK_TRUE(host.ErrorsContain("Differs from your old password"));
  CHECK_TRUE(host.ErrorsContain("Does not contain your name"));
}

TEST(Chauthtok, ArgumentsOverrideTheFile) {
  FakeHost host;
  host.replies = {"Xyzzy.Pl0ugh"};
  LONGS_EQUAL(PAM_AUTHTOK_ERR, Run(host, {config, "min_length=15", "retry=1"}));
  CHECK_TRUE(host.ErrorsContain("At least 15 characters"));
}

TEST(Chauthtok, UnknownArgumentRefusesAndLogs) {
  for (const char* bad : {"enforce_for_rot", "min_lenght=8", "min_length=eight", "retry=0",
                          "config=relative.conf", "=x", "max_length=4"}) {
    FakeHost host;
    host.replies = {"Xyzzy.Pl0ugh", "Xyzzy.Pl0ugh"};
    LONGS_EQUAL_TEXT(PAM_SERVICE_ERR, Run(host, {config, bad}), bad);
    CHECK_TEXT(!host.logs.empty(), bad);
    CHECK_FALSE_TEXT(host.set_authtok.has_value(), bad);
    LONGS_EQUAL_TEXT(PAM_SERVICE_ERR, Run(host, {config, bad}, pam::Phase::kPrelimCheck), bad);
  }
}

TEST(Chauthtok, MissingConfigOrBlocklistNamesTheFile) {
  FakeHost host;
  LONGS_EQUAL(PAM_SERVICE_ERR, Run(host, {"config=/nonexistent/sesam.conf"}));
  CHECK_TRUE(host.LogsContain("/nonexistent/sesam.conf"));

  FakeHost listless;
  const std::string missing =
      WriteConfig("missing", "[policy]\nblocklist = /nonexistent/leaked.txt\n");
  LONGS_EQUAL(PAM_SERVICE_ERR, Run(listless, {"config=" + missing}));
  CHECK_TRUE(listless.LogsContain("/nonexistent/leaked.txt"));
  CHECK_TRUE(listless.ErrorsContain("/nonexistent/leaked.txt"));

  FakeHost optional;
  optional.replies = {"Xyzzy.Pl0ugh", "Xyzzy.Pl0ugh"};
  LONGS_EQUAL(PAM_SUCCESS, Run(optional, {"config=" + missing, "blocklist_optional=yes"}));
  CHECK_TRUE(optional.LogsContain("/nonexistent/leaked.txt"));
}

TEST(Chauthtok, ConversationFailureIsConvErr) {
  FakeHost host;  // no replies at all
  LONGS_EQUAL(PAM_CONV_ERR, Run(host, {config}));
}

TEST(Chauthtok, HugeAndStrangePasswordsAreRefusedCleanly) {
  FakeHost host;
  host.replies = {std::string(1 << 20, 'x'), std::string("Abc\0def1!", 9), "\xff\xfe"};
  LONGS_EQUAL(PAM_AUTHTOK_ERR, Run(host, {config}));
  CHECK_TRUE(host.ErrorsContain("At most 128 characters"));
  CHECK_TRUE(host.ErrorsContain("No control characters"));
  CHECK_TRUE(host.ErrorsContain("Only valid characters"));
}

TEST(Chauthtok, ParseArgumentsDefaults) {
  auto parsed = pam::ParseArguments({});
  CHECK_TRUE(parsed.ok());
  LONGS_EQUAL(3, parsed->retry);
  CHECK_TRUE(parsed->enforce_for_root == pam::EnforceForRoot::kNo);
  CHECK_TRUE(parsed->use_authtok == pam::UseAuthtok::kNo);
  STRCMP_EQUAL(std::string(sesam::config::DefaultPath()).c_str(), parsed->config_path.c_str());
}
