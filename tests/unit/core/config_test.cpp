// SPDX-License-Identifier: Apache-2.0
#include "sesam/config.h"

#include <CppUTest/TestHarness.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "../check_ok.h"

namespace config = sesam::config;
using config::Diagnostic;
using std::chrono::milliseconds;

namespace {

// A configuration file in a private temporary directory, removed afterwards.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sesam-config-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() {
    for (const auto& file : files_) std::remove(file.c_str());
    rmdir(path_.c_str());
  }
  std::string Write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    chmod(file.c_str(), mode);
    files_.push_back(file);
    return file;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

std::string AllErrors(const config::LoadReport& report) {
  std::string text;
  for (const auto& d : report.diagnostics) text += d.ToString() + "\n";
  return text;
}

const Diagnostic* OnlyError(const config::LoadReport& report) {
  const Diagnostic* found = nullptr;
  int errors = 0;
  for (const auto& d : report.diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) {
      found = &d;
      ++errors;
    }
  }
  if (errors != 1) FAIL(("expected exactly one error, got:\n" + AllErrors(report)).c_str());
  return found;
}

}  // namespace

TEST_GROUP(Config) {
  TempDir dir;
  config::LoadReport LoadText(const std::string& text) {
    return config::LoadFile(dir.Write("sesam.conf", text));
  }
};

TEST(Config, DefaultsAreTheSchoolsRuleAndValid) {
  const config::Config c = config::DefaultConfig();
  LONGS_EQUAL(8, c.policy.min_length);
  LONGS_EQUAL(128, c.policy.max_length);
  LONGS_EQUAL(3, c.policy.min_classes);
  CHECK_TRUE(c.policy.reject_username);
  CHECK_TRUE(c.ldap.password_mode == config::PasswordMode::kExop);
  CHECK_TRUE(c.ldap.network_timeout == milliseconds(3000));
  CHECK_TRUE(c.token.lifetime == std::chrono::minutes(10));
  CHECK_TRUE(c.web.ip_limit == (config::Rate{20, std::chrono::minutes(10)}));
  CHECK_TRUE(c.web.account_limit == (config::Rate{3, std::chrono::hours(1)}));
  CHECK_EQUAL(3u, c.web.languages.size());
  CHECK_TRUE(config::Validate(c).ok());
}

TEST(Config, EmptyFileGivesDefaults) {
  const auto report = LoadText("# nothing but a comment\n; and another\n");
  CHECK_TRUE_TEXT(report.ok(), AllErrors(report).c_str());
  LONGS_EQUAL(8, report.config.policy.min_length);
}

TEST(Config, ExampleConfigLoadsCleanly) {
  const auto report =
      config::LoadFile(SESAM_SOURCE_DIR "/packaging/sesam.conf", config::FileChecks::kNo);
  CHECK_TRUE_TEXT(report.ok(), AllErrors(report).c_str());
}

TEST(Config, ReadsTypedValues) {
  const auto report = LoadText(
      "[policy]\n"
      "min_length = 10\n"
      "max_repeat = 3\n"
      "reject_names = no\n"
      "blocklist = /a/one.txt   /b/two.pwq\n"
      "[ldap]\n"
      "uri = ldap://a:389 ldaps://b\n"
      "scope = one\n"
      "password_mode = crypt ; inline comment\n"
      "timeout = 2m30s\n"
      "network_timeout = 500ms\n"
      "[token]\n"
      "lifetime = 1h30m\n"
      "[web]\n"
      "ip_limit = 5/30s\n");
  CHECK_TRUE_TEXT(report.ok(), AllErrors(report).c_str());
  const auto& c = report.config;
  LONGS_EQUAL(10, c.policy.min_length);
  LONGS_EQUAL(3, c.policy.max_repeat);
  CHECK_FALSE(c.policy.reject_names);
  CHECK_EQUAL(2u, c.policy.blocklist.size());
  STRCMP_EQUAL("/b/two.pwq", c.policy.blocklist[1].c_str());
  CHECK_EQUAL(2u, c.ldap.uri.size());
  CHECK_TRUE(c.ldap.scope == config::LdapScope::kOne);
  CHECK_TRUE(c.ldap.password_mode == config::PasswordMode::kCrypt);
  CHECK_TRUE(c.ldap.timeout == std::chrono::seconds(150));
  CHECK_TRUE(c.token.lifetime == std::chrono::minutes(90));
  CHECK_TRUE(c.ldap.network_timeout == milliseconds(500));
  CHECK_TRUE(c.web.ip_limit == (config::Rate{5, std::chrono::seconds(30)}));
}

TEST(Config, FailbackIntervalDefaultsTo30sAndIsBounded) {
  CHECK_TRUE(config::DefaultConfig().ldap.failback_interval == std::chrono::seconds(30));
  auto report = LoadText("[ldap]\nfailback_interval = 2s\n");
  CHECK_TRUE_TEXT(report.ok(), AllErrors(report).c_str());
  CHECK_TRUE(report.config.ldap.failback_interval == std::chrono::seconds(2));
  // A probe per 100 ms would hammer a dead server: one second at least.
  CHECK_FALSE(LoadText("[ldap]\nfailback_interval = 500ms\n").ok());
}

TEST(Config, MailRetriesAreConfigurable) {
  auto report = LoadText("[mail]\nretry_delay = 50ms\nretry_max_delay = 200ms\nattempts = 3\n");
  CHECK_TRUE(report.ok());
  LONGS_EQUAL(50, report.config.mail.retry_delay.count());
  LONGS_EQUAL(200, report.config.mail.retry_max_delay.count());
  LONGS_EQUAL(3, report.config.mail.attempts);
  report = LoadText("[mail]\nretry_delay = 2s\nretry_max_delay = 1s\n");
  CHECK_FALSE(report.ok());
  STRCMP_EQUAL("retry_max_delay", OnlyError(report)->key.c_str());
  const auto defaults = config::DefaultConfig().mail;
  LONGS_EQUAL(1000, defaults.retry_delay.count());
  LONGS_EQUAL(60000, defaults.retry_max_delay.count());
  LONGS_EQUAL(8, defaults.attempts);
}

TEST(Config, UnknownKeyNamesFileLineAndSuggestion) {
  const std::string file = dir.Write("bad.conf", "# bad\n[policy]\nmin_lenght = 8\n");
  const auto report = config::LoadFile(file);
  CHECK_FALSE(report.ok());
  const Diagnostic* error = OnlyError(report);
  LONGS_EQUAL(3, error->line);
  STRCMP_EQUAL("min_lenght", error->key.c_str());
  STRCMP_EQUAL(
      (file + ":3: unknown key 'min_lenght' in [policy] (did you mean 'min_length'?)").c_str(),
      error->ToString().c_str());
}

TEST(Config, UnknownKeyFarFromAnyGetsNoSuggestion) {
  const auto report = LoadText("[policy]\nfavourite_colour = blue\n");
  STRCMP_EQUAL("unknown key 'favourite_colour' in [policy]", OnlyError(report)->message.c_str());
}

TEST(Config, KeyOfAnotherSectionIsUnknownHere) {
  const auto report = LoadText("[policy]\nbase_url = https://x\n");
  STRCMP_CONTAINS("unknown key 'base_url' in [policy]", OnlyError(report)->message.c_str());
}

TEST(Config, UnknownSectionIsReportedOnceWithSuggestion) {
  const auto report = LoadText("[polciy]\nmin_length = 8\nmax_length = 9\n");
  const Diagnostic* error = OnlyError(report);
  LONGS_EQUAL(2, error->line);
  STRCMP_CONTAINS("unknown section [polciy] (did you mean 'policy'?)", error->message.c_str());
}

TEST(Config, KeyOutsideAnySection) {
  const auto report = LoadText("min_length = 8\n");
  STRCMP_CONTAINS("outside any section", OnlyError(report)->message.c_str());
}

TEST(Config, SyntaxErrorNamesTheLine) {
  const auto report = LoadText("[policy]\nmin_length 8\n");
  const Diagnostic* error = OnlyError(report);
  LONGS_EQUAL(2, error->line);
  STRCMP_CONTAINS("syntax error", error->message.c_str());
}

TEST(Config, UnclosedSectionIsASyntaxError) {
  const auto report = LoadText("[policy\nmin_length = 8\n");
  CHECK_FALSE(report.ok());
  STRCMP_CONTAINS(":1: syntax error", AllErrors(report).c_str());
}

TEST(Config, DuplicateKeyNamesTheFirstLine) {
  const auto report = LoadText("[policy]\nmin_length = 8\n\nmin_length = 9\n");
  const Diagnostic* error = OnlyError(report);
  LONGS_EQUAL(4, error->line);
  STRCMP_CONTAINS("already set on line 2", error->message.c_str());
}

TEST(Config, WrongTypeSaysWhatWasExpected) {
  const auto report = LoadText("[policy]\nmin_length = eight\n");
  const Diagnostic* error = OnlyError(report);
  LONGS_EQUAL(2, error->line);
  STRCMP_EQUAL(
      "bad value 'eight' for 'min_length' in [policy]: expected a whole number from 1 to 4096",
      error->message.c_str());
}

TEST(Config, OutOfRangeSaysTheRange) {
  const auto report = LoadText("[policy]\nmin_classes = 5\n");
  STRCMP_CONTAINS("expected a whole number from 0 to 4", OnlyError(report)->message.c_str());
}

TEST(Config, NegativeAndSignedNumbersAreRefused) {
  CHECK_FALSE(LoadText("[policy]\nmin_length = -1\n").ok());
  CHECK_FALSE(LoadText("[policy]\nmin_length = +9\n").ok());
  CHECK_FALSE(LoadText("[policy]\nmin_length = 99999999999999999999\n").ok());
}

TEST(Config, BadBoolean) {
  const auto report = LoadText("[policy]\nreject_username = maybe\n");
  STRCMP_CONTAINS("expected 'yes' or 'no'", OnlyError(report)->message.c_str());
}

TEST(Config, BadEnumListsTheChoices) {
  const auto report = LoadText("[ldap]\npassword_mode = md5\n");
  STRCMP_CONTAINS("expected one of 'exop', 'crypt', 'argon2', 'ad'",
                  OnlyError(report)->message.c_str());
}

TEST(Config, BadDurations) {
  for (const char* bad : {"30", "30x", "m", "1h-5m", "15 m", "-1s"}) {
    const auto report = LoadText(std::string("[token]\nlifetime = ") + bad + "\n");
    STRCMP_CONTAINS("expected a duration", OnlyError(report)->message.c_str());
  }
  const auto too_long = LoadText("[token]\nlifetime = 2d\n");
  STRCMP_CONTAINS("expected a duration from 1s to 1d", OnlyError(too_long)->message.c_str());
}

TEST(Config, DurationSyntax) {
  CHECK_TRUE(*config::ParseDuration("30s") == std::chrono::seconds(30));
  CHECK_TRUE(*config::ParseDuration("15m") == std::chrono::minutes(15));
  CHECK_TRUE(*config::ParseDuration("1h") == std::chrono::hours(1));
  CHECK_TRUE(*config::ParseDuration("1d") == std::chrono::hours(24));
  CHECK_TRUE(*config::ParseDuration("250ms") == milliseconds(250));
  CHECK_FALSE(config::ParseDuration("").ok());
}

TEST(Config, BadRates) {
  for (const char* bad : {"20", "20/", "/10m", "0/10m", "x/10m", "20/10", "20/500ms"}) {
    const auto report = LoadText(std::string("[web]\nip_limit = ") + bad + "\n");
    STRCMP_CONTAINS("expected a rate", OnlyError(report)->message.c_str());
  }
}

TEST(Config, ListsSplitOnSpacesAndContinueOnIndentedLines) {
  const auto report = LoadText("[web]\ntrusted_proxies = 127.0.0.1\n  ::1 10.0.0.0/8\n");
  CHECK_TRUE_TEXT(report.ok(), AllErrors(report).c_str());
  CHECK_EQUAL(3u, report.config.web.trusted_proxies.size());
  STRCMP_EQUAL("10.0.0.0/8", report.config.web.trusted_proxies[2].c_str());
}

TEST(Config, IndentedLineAfterSingleValueIsAnError) {
  const auto report = LoadText("[policy]\nmin_length = 8\n  max_length = 9\n");
  const Diagnostic* error = OnlyError(report);
  LONGS_EQUAL(3, error->line);
  STRCMP_CONTAINS("remove the indentation", error->message.c_str());
}

TEST(Config, OverlongLineIsReportedNotSplit) {
  const auto report =
      LoadText("[ldap]\nbase = " + std::string(300, 'x') + "\n[policy]\nmin_length = 9\n");
  const Diagnostic* error = OnlyError(report);
  LONGS_EQUAL(2, error->line);
  STRCMP_CONTAINS("line too long", error->message.c_str());
  LONGS_EQUAL(9, report.config.policy.min_length);  // the following lines are still read
}

TEST(Config, CrossKeyCheckPointsAtTheLine) {
  const auto report = LoadText("[policy]\nmin_length = 20\nmax_length = 12\n");
  const Diagnostic* error = OnlyError(report);
  LONGS_EQUAL(3, error->line);
  STRCMP_CONTAINS("max_length (12) must not be below min_length (20)", error->message.c_str());
}

TEST(Config, EveryProblemIsReported) {
  const auto report = LoadText(
      "[policy]\nmin_lenght = 8\nmin_classes = 7\n[ldapp]\nuri = x\n[web]\nlanguages = nl de\n");
  int errors = 0;
  for (const auto& d : report.diagnostics) errors += d.severity == Diagnostic::Severity::kError;
  LONGS_EQUAL_TEXT(4, errors, AllErrors(report).c_str());
}

TEST(Config, LdapChecks) {
  STRCMP_CONTAINS("must contain {username}",
                  OnlyError(LoadText("[ldap]\nuser_filter = (uid=jan)\n"))->message.c_str());
  STRCMP_CONTAINS("not an ldap://",
                  OnlyError(LoadText("[ldap]\nuri = http://x\n"))->message.c_str());
  STRCMP_CONTAINS("bind_password_file is required",
                  OnlyError(LoadText("[ldap]\nbind_dn = cn=admin\n"))->message.c_str());
  STRCMP_CONTAINS(
      "needs TLS",
      OnlyError(LoadText("[ldap]\nuri = ldap://dc\npassword_mode = ad\n"))->message.c_str());
  CHECK_TRUE(LoadText("[ldap]\nuri = ldaps://dc\npassword_mode = ad\n").ok());
}

TEST(Config, TlsVerifyOffIsAWarning) {
  const auto report = LoadText("[ldap]\ntls_verify = no\n");
  CHECK_TRUE(report.ok());
  STRCMP_CONTAINS(":2: warning: [ldap] tls_verify: tls_verify = no", AllErrors(report).c_str());
}

TEST(Config, WebChecks) {
  STRCMP_CONTAINS("unknown language 'de'",
                  OnlyError(LoadText("[web]\nlanguages = nl de\n"))->message.c_str());
  STRCMP_CONTAINS(
      "is not one of languages",
      OnlyError(LoadText("[web]\ndefault_language = fr\nlanguages = nl en\n"))->message.c_str());
  STRCMP_CONTAINS(
      "not an IP address",
      OnlyError(LoadText("[web]\ntrusted_proxies = proxy.school.be\n"))->message.c_str());
  STRCMP_CONTAINS("not an IP address",
                  OnlyError(LoadText("[web]\ntrusted_proxies = 10.0.0.0/33\n"))->message.c_str());
  STRCMP_CONTAINS("without query",
                  OnlyError(LoadText("[web]\nbase_url = https://x/sesam?a=b\n"))->message.c_str());
}

TEST(Config, SecretFileOpenToOthersIsRefused) {
  const std::string key = dir.Write("token.key", std::string(32, 'k'), 0644);
  const auto report = LoadText("[token]\nkey_file = " + key + "\n");
  const Diagnostic* error = OnlyError(report);
  LONGS_EQUAL(2, error->line);
  STRCMP_CONTAINS("readable by group or others (mode 0644)", error->message.c_str());
  STRCMP_CONTAINS("chmod 600", error->message.c_str());
}

TEST(Config, PrivateSecretFileIsAccepted) {
  const std::string key = dir.Write("token.key", std::string(32, 'k'), 0600);
  CHECK_TRUE(LoadText("[token]\nkey_file = " + key + "\n").ok());
}

TEST(Config, MissingSecretFileIsAWarning) {
  const auto report = LoadText("[token]\nkey_file = /nonexistent/token.key\n");
  CHECK_TRUE(report.ok());
  STRCMP_CONTAINS("does not exist yet (create it with 'sesam genkey')", AllErrors(report).c_str());
}

TEST(Config, FileChecksCanBeSkipped) {
  const std::string key = dir.Write("token.key", "k", 0644);
  const auto report = config::LoadFile(dir.Write("s.conf", "[token]\nkey_file = " + key + "\n"),
                                       config::FileChecks::kNo);
  CHECK_TRUE(report.ok());
  CHECK_TRUE(report.diagnostics.empty());
}

TEST(Config, MissingFileIsAnError) {
  const auto report = config::LoadFile("/nonexistent/sesam.conf");
  STRCMP_CONTAINS("/nonexistent/sesam.conf: cannot open the configuration file",
                  OnlyError(report)->ToString().c_str());
  CHECK_FALSE(config::Load("/nonexistent/sesam.conf").ok());
}

TEST(Config, SetOverridesOneKey) {
  config::Config c = config::DefaultConfig();
  CHECK_TRUE(config::Set(c, "policy", "min_length", "12", "argument").ok());
  LONGS_EQUAL(12, c.policy.min_length);
  const sesam::Status unknown = config::Set(c, "policy", "min_lenth", "12", "pam_sesam argument");
  STRCMP_EQUAL(
      "pam_sesam argument: unknown key 'min_lenth' in [policy] (did you mean 'min_length'?)",
      unknown.message().c_str());
  CHECK_FALSE(config::Set(c, "policy", "min_classes", "9", "argument").ok());
  CHECK_TRUE(config::Set(c, "policy", "max_length", "5", "argument").ok());
  CHECK_FALSE(config::Validate(c).ok());  // max_length 5 < min_length 12
}

TEST(Config, ReadSecretFile) {
  const std::string key = dir.Write("bind.secret", "s3cret\n", 0600);
  const auto secret = config::ReadSecretFile(key);
  CHECK_OK(secret);
  STRCMP_EQUAL("s3cret", secret->c_str());
  const std::string open = dir.Write("open.secret", "s3cret\n", 0640);
  CHECK_TRUE(config::ReadSecretFile(open).status().code() == sesam::StatusCode::kPermissionDenied);
  CHECK_TRUE(config::ReadSecretFile("/nonexistent").status().code() ==
             sesam::StatusCode::kNotFound);
}

TEST(Config, ReadSecretFileOverSeveralReadsAndTooLarge) {
  // Longer than one read(2) chunk, so the SecretString grows (wiping as it goes).
  const std::string long_secret(1500, 'k');
  const auto secret = config::ReadSecretFile(dir.Write("long.secret", long_secret + "\r\n"));
  CHECK_OK(secret);
  CHECK_TRUE(secret->view() == long_secret);
  const auto huge = config::ReadSecretFile(dir.Write("huge.secret", std::string(70000, 'k')));
  CHECK_TRUE(huge.status().code() == sesam::StatusCode::kInvalidArgument);
  STRCMP_CONTAINS("larger than 64 KiB", huge.status().message().c_str());
  CHECK_TRUE(config::ReadSecretFile("/tmp").status().code() ==
             sesam::StatusCode::kInvalidArgument);  // a directory is no secret file
}

// CheckTransport (issue 10): no secret in clear to a host that is not loopback.
TEST_GROUP(Transport) {
  TempDir dir;
  // Loads `text` (with a base, so that [ldap] is otherwise complete) and runs
  // the transport check; the load itself must succeed.
  std::vector<Diagnostic> Check(const std::string& text) {
    const config::LoadReport report = config::LoadFile(dir.Write("sesam.conf", text));
    if (!report.ok()) FAIL(("the load failed:\n" + AllErrors(report)).c_str());
    return config::CheckTransport(report.config);
  }
  static std::string Text(const std::vector<Diagnostic>& diagnostics) {
    std::string text;
    for (const auto& d : diagnostics) text += d.ToString() + "\n";
    return text;
  }
  static int Count(const std::vector<Diagnostic>& diagnostics, Diagnostic::Severity severity) {
    int count = 0;
    for (const auto& d : diagnostics) count += d.severity == severity ? 1 : 0;
    return count;
  }
  void ExpectOneError(const std::string& text, const char* expected) {
    const auto found = Check(text);
    if (Count(found, Diagnostic::Severity::kError) != 1) {
      FAIL(("expected one error for:\n" + text + "got:\n" + Text(found)).c_str());
    }
    STRCMP_CONTAINS(expected, Text(found).c_str());
  }
  void ExpectOneWarning(const std::string& text, const char* expected) {
    const auto found = Check(text);
    if (Count(found, Diagnostic::Severity::kWarning) != 1 ||
        Count(found, Diagnostic::Severity::kError) != 0) {
      FAIL(("expected one warning for:\n" + text + "got:\n" + Text(found)).c_str());
    }
    STRCMP_CONTAINS(expected, Text(found).c_str());
  }
  void ExpectNothing(const std::string& text) {
    const auto found = Check(text);
    if (!found.empty()) FAIL(("expected nothing for:\n" + text + "got:\n" + Text(found)).c_str());
  }
};

TEST(Transport, DefaultsSendNothingInClear) {
  CHECK_TRUE(config::CheckTransport(config::DefaultConfig()).empty());
}

TEST(Transport, RemoteLdapInClearIsAnErrorWithFileLineAndKey) {
  const auto found = Check("[ldap]\nbase = dc=school,dc=test\nuri = ldap://ldap.school.be\n");
  LONGS_EQUAL(1, found.size());
  const Diagnostic& d = found.front();
  CHECK_TRUE(d.severity == Diagnostic::Severity::kError);
  LONGS_EQUAL(3, d.line);
  STRCMP_EQUAL("uri", d.key.c_str());
  STRCMP_CONTAINS(
      "sesam.conf:3: [ldap] uri: 'ldap://ldap.school.be' would send the new "
      "passwords (password_mode = exop) in clear to 'ldap.school.be'",
      d.ToString().c_str());
  STRCMP_CONTAINS("start_tls = yes", d.message.c_str());
  CHECK_FALSE(config::ErrorsToStatus(found).ok());
}

TEST(Transport, EveryPasswordModeSendsASecret) {
  ExpectOneError("[ldap]\nuri = ldap://192.0.2.7:389/\npassword_mode = exop\n",
                 "the new passwords (password_mode = exop)");
  ExpectOneError("[ldap]\nuri = ldap://192.0.2.7\npassword_mode = crypt\n",
                 "the new password hashes (password_mode = crypt)");
  ExpectOneError("[ldap]\nuri = ldap://192.0.2.7\npassword_mode = argon2\n",
                 "the new password hashes (password_mode = argon2)");
  // ad without TLS is refused by the loader already (unicodePwd needs TLS).
  const config::LoadReport ad = config::LoadFile(
      dir.Write("ad.conf", "[ldap]\nuri = ldap://dc.school.be\npassword_mode = ad\n"));
  CHECK_FALSE(ad.ok());
  STRCMP_CONTAINS("(password_mode = ad) in clear to 'dc.school.be'",
                  Text(config::CheckTransport(ad.config)).c_str());
}

TEST(Transport, NamesTheBindPasswordOfASimpleBind) {
  const std::string secret = dir.Write("bind.secret", "s\n");
  ExpectOneError(
      "[ldap]\nuri = ldap://ldap.school.be\nbind_dn = cn=sesam,dc=school,dc=test\n"
      "bind_password_file = " +
          secret + "\n",
      "(password_mode = exop) and the bind password in clear");
  const auto external = Check("[ldap]\nuri = ldap://ldap.school.be\nsasl_mech = EXTERNAL\n");
  STRCMP_CONTAINS("(password_mode = exop) in clear", Text(external).c_str());
  CHECK_TRUE(Text(external).find("bind password") == std::string::npos);
}

TEST(Transport, LoopbackLdapInClearIsAWarning) {
  for (const char* uri :
       {"ldap://127.0.0.1:3890", "ldap://127.1.2.3/", "ldap://localhost", "ldap://LocalHost:389",
        "ldap://[::1]:389", "ldap://[::ffff:127.0.0.1]", "ldap:///"}) {
    ExpectOneWarning(std::string("[ldap]\nuri = ") + uri + "\n", "in clear over loopback");
  }
}

TEST(Transport, LookalikeHostsAreRemote) {
  for (const char* uri :
       {"ldap://localhost.school.be", "ldap://127.0.0.1.nip.io", "ldap://[::2]", "ldap://128.0.0.1",
        "ldap://127.1", "ldap://[::1", "ldap://user@ldap.school.be"}) {
    ExpectOneError(std::string("[ldap]\nuri = ") + uri + "\n", "in clear to");
  }
}

TEST(Transport, ProtectedLdapIsFine) {
  ExpectNothing("[ldap]\nuri = ldapi:///\n");
  ExpectNothing("[ldap]\nuri = ldapi://%2Frun%2Fslapd%2Fldapi\n");
  ExpectNothing("[ldap]\nuri = ldaps://ldap.school.be\n");
  ExpectNothing("[ldap]\nuri = ldap://ldap.school.be\nstart_tls = yes\n");
  ExpectNothing("[ldap]\nuri = ldap://ldap.school.be ldap://ldap2.school.be\nstart_tls = yes\n");
}

TEST(Transport, EachUriIsChecked) {
  const auto found = Check("[ldap]\nuri = ldaps://ldap1.school.be ldap://ldap2.school.be\n");
  LONGS_EQUAL(1, found.size());
  STRCMP_CONTAINS("'ldap://ldap2.school.be'", found.front().message.c_str());
  const auto both = Check("[ldap]\nuri = ldap://ldap1.school.be ldap://127.0.0.1\n");
  LONGS_EQUAL(1, Count(both, Diagnostic::Severity::kError));
  LONGS_EQUAL(1, Count(both, Diagnostic::Severity::kWarning));
}

TEST(Transport, SmtpCredentialsInClear) {
  const std::string secret = dir.Write("mail.secret", "s\n");
  const std::string credentials = "username = sesam\npassword_file = " + secret + "\n";
  const auto found = Check("[mail]\n" + credentials + "smtp_url = smtp://mail.school.be:587\n");
  LONGS_EQUAL(1, found.size());
  CHECK_TRUE(found.front().severity == Diagnostic::Severity::kError);
  LONGS_EQUAL(4, found.front().line);
  STRCMP_EQUAL("smtp_url", found.front().key.c_str());
  STRCMP_CONTAINS("would send the SMTP password in clear to 'mail.school.be'",
                  found.front().message.c_str());
  ExpectOneWarning("[mail]\n" + credentials + "smtp_url = smtp://127.0.0.1:25\n",
                   "SMTP password in clear over loopback");
  ExpectNothing("[mail]\n" + credentials +
                "smtp_url = smtp://mail.school.be:587\nstarttls = yes\n");
  ExpectNothing("[mail]\n" + credentials + "smtp_url = smtps://mail.school.be\n");
  // A password in the URL itself is credentials too.
  ExpectOneError("[mail]\nsmtp_url = smtp://sesam:pw@mail.school.be\n", "SMTP password in clear");
}

TEST(Transport, MailWithoutCredentials) {
  // The reset links are secrets too, but a relay without credentials is a
  // school's everyday setup: a warning, not an error.
  ExpectOneWarning("[mail]\nsmtp_url = smtp://relay.school.be\n",
                   "sends the reset links in clear to 'relay.school.be'");
  ExpectNothing("[mail]\nsmtp_url = smtp://relay.school.be\nstarttls = yes\n");
  ExpectNothing("[mail]\nsmtp_url = smtps://relay.school.be\n");
  ExpectNothing("[mail]\nsmtp_url = smtp://localhost:25\n");
  ExpectNothing("[mail]\n");
}

TEST(Transport, NotCheckedWhereOnlyThePolicyIsRead) {
  // A workstation's sesam.conf for pam_sesam.so and `sesam check`: plain
  // ldap:// to the school server is not their business and must load.
  const std::string path = dir.Write(
      "workstation.conf", "[policy]\nmin_length = 10\n[ldap]\nuri = ldap://ldap.school.be\n");
  const auto report = config::LoadFile(path, config::FileChecks::kNo);
  CHECK_TRUE(report.ok());
  CHECK_TRUE(report.diagnostics.empty());
  CHECK_TRUE(config::Load(path, config::FileChecks::kNo).ok());
  CHECK_TRUE(config::Validate(report.config).ok());
  // The full load does not run it either: the processes that send call it.
  CHECK_TRUE(config::LoadFile(path).ok());
}

TEST(Transport, DefaultValuesAreMarked) {
  config::Config c = config::DefaultConfig();
  c.ldap.uri = {"ldap://ldap.school.be"};
  const auto found = config::CheckTransport(c);
  LONGS_EQUAL(1, found.size());
  LONGS_EQUAL(0, found.front().line);
  STRCMP_CONTAINS("(default value)", found.front().message.c_str());
  CHECK_TRUE(config::ErrorsToStatus({}).ok());
}
