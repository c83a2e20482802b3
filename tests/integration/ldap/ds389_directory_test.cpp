// SPDX-License-Identifier: Apache-2.0
// The LDAP Directory against a real 389 Directory Server started by
// tests/harness/with_servers.py --ds389 (see sesam_harness/ds389.py for the
// accounts, the least-rights service account, the password policy and the
// SESAM_TEST_LDAP_* variables). 389 runs as a school has it, without the Sesam
// schema: co-account addresses come from mailAlternateAddress.
#include <ldap.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "sesam/config.h"
#include "sesam/ldap/directory.h"

// Last: its new/delete macros must not meet the standard headers.
#include <CppUTest/TestHarness.h>

using sesam::SecretString;
using sesam::StatusCode;
using sesam::ldap::Account;
using sesam::ldap::Directory;

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr)
    FAIL(("missing " + std::string(name) + ": run under with_servers.py --ds389").c_str());
  return value;
}

std::string People() { return Env("SESAM_TEST_LDAP_PEOPLE"); }

// As the harness's sesam.conf: StartTLS with the test CA (389 refuses the
// Password Modify exop in clear), co-accounts from the configured attribute.
sesam::config::LdapSection Settings() {
  sesam::config::LdapSection s = sesam::config::DefaultConfig().ldap;
  s.uri = {Env("SESAM_TEST_LDAP_URI")};
  s.start_tls = true;
  s.tls_ca_file = Env("SESAM_TEST_LDAP_CA_FILE");
  s.bind_dn = Env("SESAM_TEST_LDAP_BIND_DN");
  s.bind_password_file = Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE");
  s.base = People();
  s.coaccount_mail_attributes = {Env("SESAM_TEST_LDAP_COACCOUNT_ATTRIBUTE")};
  s.network_timeout = std::chrono::milliseconds(1000);
  s.timeout = std::chrono::milliseconds(3000);
  return s;
}

// The host's state store and token key, as sesam-fcgi opens them: without the
// Sesam schema, 389 cannot hold Sesam's write claims, so password writes are
// serialised in the store (one per test binary run, in the harness's temp dir).
sesam::ldap::HostState Host() {
  const std::string dir = Env("SESAM_TEST_WORKDIR") + "/ds389-test-host";
  sesam::config::Config config = sesam::config::DefaultConfig();
  config.web.state_dir = dir + "/state";
  config.token.key_file = dir + "/token.key";
  if (!std::filesystem::exists(config.token.key_file)) {
    std::filesystem::create_directories(config.web.state_dir);
    std::ofstream(config.token.key_file) << "0123456789abcdef0123456789abcdef";
    std::filesystem::permissions(config.token.key_file, std::filesystem::perms::owner_read |
                                                            std::filesystem::perms::owner_write);
  }
  sesam::ldap::HostState host = sesam::ldap::OpenHostState(config);
  CHECK_TRUE_TEXT(host.store != nullptr, host.store_error.ToString().c_str());
  return host;
}

std::unique_ptr<Directory> Make(const sesam::config::LdapSection& settings) {
  auto directory = sesam::ldap::MakeLdapDirectory(settings, Host());
  CHECK_TRUE_TEXT(directory.ok(), directory.status().ToString().c_str());
  return std::move(*directory);
}

Account Find(Directory& directory, const std::string& username) {
  auto account = directory.FindAccount(username);
  CHECK_TRUE_TEXT(account.ok(), (username + ": " + account.status().ToString()).c_str());
  return *account;
}

// A connection bound as `dn` (empty: the Directory Manager); the caller unbinds.
LDAP* Connect(const std::string& dn, const std::string& password, int* rc) {
  LDAP* ld = nullptr;
  ldap_initialize(&ld, Env("SESAM_TEST_LDAP_URI").c_str());
  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  berval credentials{password.size(), const_cast<char*>(password.data())};
  *rc = ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr, nullptr);
  return ld;
}

// A real simple bind as the account: the proof that a password works.
int BindAs(const std::string& dn, const std::string& password) {
  int rc = 0;
  ldap_unbind_ext_s(Connect(dn, password, &rc), nullptr, nullptr);
  return rc;
}

std::string ServicePassword() {
  FILE* file = std::fopen(Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE").c_str(), "r");
  CHECK_TRUE(file != nullptr);
  char buffer[128] = {};
  const std::size_t length = std::fread(buffer, 1, sizeof buffer - 1, file);
  std::fclose(file);
  return std::string(buffer, length);
}

// Every value of `attribute` of `dn`, read as `bind_dn` (empty: the admin).
std::vector<std::string> Read(const std::string& dn, const char* attribute,
                              const std::string& bind_dn = "") {
  int rc = 0;
  LDAP* ld = bind_dn.empty() ? Connect(Env("SESAM_TEST_LDAP_ADMIN_DN"),
                                       Env("SESAM_TEST_LDAP_ADMIN_PASSWORD"), &rc)
                             : Connect(bind_dn, ServicePassword(), &rc);
  LONGS_EQUAL(LDAP_SUCCESS, rc);
  char* attributes[] = {const_cast<char*>(attribute), nullptr};
  LDAPMessage* result = nullptr;
  ldap_search_ext_s(ld, dn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", attributes, 0, nullptr,
                    nullptr, nullptr, 1, &result);
  std::vector<std::string> values;
  LDAPMessage* entry = ldap_first_entry(ld, result);
  if (entry != nullptr) {
    berval** found = ldap_get_values_len(ld, entry, attribute);
    for (int i = 0; found != nullptr && found[i] != nullptr; ++i) {
      values.emplace_back(found[i]->bv_val, found[i]->bv_len);
    }
    ldap_value_free_len(found);
  }
  ldap_msgfree(result);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return values;
}

// A modify of one attribute as `bind_dn` (empty: the admin); `value` nullptr
// deletes the attribute.
int Modify(const std::string& dn, int op, const char* attribute, const char* value,
           const std::string& bind_dn = "") {
  int rc = 0;
  LDAP* ld = bind_dn.empty() ? Connect(Env("SESAM_TEST_LDAP_ADMIN_DN"),
                                       Env("SESAM_TEST_LDAP_ADMIN_PASSWORD"), &rc)
                             : Connect(bind_dn, ServicePassword(), &rc);
  LONGS_EQUAL(LDAP_SUCCESS, rc);
  char* values[] = {const_cast<char*>(value), nullptr};
  LDAPMod mod{};
  mod.mod_op = op;
  mod.mod_type = const_cast<char*>(attribute);
  mod.mod_values = value != nullptr ? values : nullptr;
  LDAPMod* mods[] = {&mod, nullptr};
  rc = ldap_modify_ext_s(ld, dn.c_str(), mods, nullptr, nullptr);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return rc;
}

std::string Joined(const std::vector<std::string>& values) {
  std::string all;
  for (const auto& value : values) all += value + ";";
  return all;
}

}  // namespace

TEST_GROUP(Ds389Directory){};

TEST(Ds389Directory, FindsAnAccountWithCoAccountsFromAStandardAttribute) {
  auto directory = Make(Settings());
  const Account jan = Find(*directory, "jan.selle");
  STRCMP_EQUAL(("uid=jan.selle," + People()).c_str(), jan.dn.c_str());
  STRCMP_EQUAL("jan.selle", jan.username.c_str());
  STRCMP_EQUAL("Jan", jan.given_name.c_str());
  STRCMP_EQUAL("jan.selle@school.test;", Joined(jan.own_addresses).c_str());
  STRCMP_EQUAL("mama.selle@example.test;papa.selle@example.test;",
               Joined(jan.coaccount_addresses).c_str());
  CHECK_FALSE(jan.disabled);
  // An own address that is also listed as a co-account's is listed once.
  const Account pieter = Find(*directory, "pieter.smtp");
  STRCMP_EQUAL("Pieter@School.test;", Joined(pieter.own_addresses).c_str());
  STRCMP_EQUAL("", Joined(pieter.coaccount_addresses).c_str());
  LONGS_EQUAL(static_cast<int>(StatusCode::kNotFound),
              static_cast<int>(directory->FindAccount("dup.user").status().code()));
  LONGS_EQUAL(static_cast<int>(StatusCode::kNotFound),
              static_cast<int>(directory->FindAccount("*").status().code()));
}

// id_attribute = auto picks 389's nsUniqueId (entryUUID is there too, from
// 389's plugin); the link's lookup by it finds the same entry.
TEST(Ds389Directory, TheIdIsNsUniqueIdAndRoundTrips) {
  auto directory = Make(Settings());
  const Account jan = Find(*directory, "jan.selle");
  const auto profile = directory->Profile();
  CHECK_TRUE_TEXT(profile.ok(), profile.status().ToString().c_str());
  STRCMP_EQUAL("389 Directory Server", profile->vendor.c_str());
  STRCMP_EQUAL("nsUniqueId", profile->id_attribute.c_str());
  CHECK_FALSE(profile->sesam_schema);
  // The service account cannot read userPassword; 389 has no pwdChangedTime.
  STRCMP_EQUAL("pwdUpdateTime", profile->state_source.c_str());
  STRCMP_EQUAL(Joined(Read(jan.dn, "nsUniqueId")).c_str(), (jan.id + ";").c_str());
  auto by_id = directory->FindAccountById(jan.id);
  CHECK_TRUE_TEXT(by_id.ok(), by_id.status().ToString().c_str());
  STRCMP_EQUAL(jan.dn.c_str(), by_id->dn.c_str());
  LONGS_EQUAL(static_cast<int>(StatusCode::kNotFound),
              static_cast<int>(directory->FindAccountById("*").status().code()));
  LONGS_EQUAL(
      static_cast<int>(StatusCode::kNotFound),
      static_cast<int>(
          directory->FindAccountById("00000000-00000000-00000000-00000000").status().code()));
  // Another account's entryUUID is no nsUniqueId.
  LONGS_EQUAL(static_cast<int>(StatusCode::kNotFound),
              static_cast<int>(
                  directory->FindAccountById(Read(jan.dn, "entryUUID").at(0)).status().code()));
}

// 389's own account lock: nsAccountLock TRUE (dsidm account lock) disables;
// its removal enables again.
TEST(Ds389Directory, NsAccountLockDisables) {
  auto directory = Make(Settings());
  const Account disabled = Find(*directory, Env("SESAM_TEST_LDAP_DISABLED_USER"));
  CHECK_TRUE(disabled.disabled);
  STRCMP_CONTAINS("nsAccountLock", disabled.disabled_by.c_str());
  LONGS_EQUAL(LDAP_UNWILLING_TO_PERFORM, BindAs(disabled.dn, Env("SESAM_TEST_LDAP_USER_PASSWORD")));

  const Account els = Find(*directory, "els.peeters");
  CHECK_FALSE(els.disabled);
  LONGS_EQUAL(LDAP_SUCCESS, Modify(els.dn, LDAP_MOD_REPLACE, "nsAccountLock", "true"));
  CHECK_TRUE(Find(*directory, "els.peeters").disabled);
  LONGS_EQUAL(LDAP_SUCCESS, Modify(els.dn, LDAP_MOD_DELETE, "nsAccountLock", nullptr));
  CHECK_FALSE(Find(*directory, "els.peeters").disabled);
}

// The service account has the least rights the docs ask for
// (docs/directories.md): it reads the accounts but not their passwords, and
// writes userPassword and nothing else.
TEST(Ds389Directory, TheServiceAccountHasLeastRights) {
  const std::string service = Env("SESAM_TEST_LDAP_BIND_DN");
  const std::string jan = "uid=jan.selle," + People();
  STRCMP_EQUAL("jan.selle@school.test;", Joined(Read(jan, "mail", service)).c_str());
  CHECK_FALSE(Read(jan, "nsUniqueId", service).empty());
  CHECK_TRUE(Read(jan, "userPassword", service).empty());
  CHECK_FALSE(Read(jan, "userPassword").empty());  // there, for the admin
  LONGS_EQUAL(LDAP_INSUFFICIENT_ACCESS,
              Modify(jan, LDAP_MOD_REPLACE, "mail", "someone@else.test", service));
  LONGS_EQUAL(LDAP_INSUFFICIENT_ACCESS,
              Modify(jan, LDAP_MOD_REPLACE, "nsAccountLock", "false", service));
  LONGS_EQUAL(LDAP_INSUFFICIENT_ACCESS,
              Modify(jan, LDAP_MOD_ADD, "description", "Sesam was here", service));
}

// The link lookup (FindAccountById) and FindAccount are indexed searches on a
// stock 389: its access log marks an unindexed search notes=U or notes=A on
// the operation's RESULT line. (Detecting the server's profile, once per
// process, asks for (userPassword=*), which 389 does not index: a search
// bounded to one entry, not counted here.)
TEST(Ds389Directory, LookupsAreIndexed) {
  auto directory = Make(Settings());
  CHECK_TRUE(directory->Profile().ok());
  const Account jan = Find(*directory, "jan.selle");
  CHECK_TRUE(directory->FindAccountById(jan.id).ok());
  CHECK_TRUE(directory->FindAccount("nobody.here").status().code() == StatusCode::kNotFound);
  const std::string log = "/var/log/dirsrv/slapd-" + Env("SESAM_TEST_DS389_INSTANCE") + "/access";
  std::ifstream file(log);
  CHECK_TRUE_TEXT(file.good(), log.c_str());
  std::map<std::string, std::string> filters;  // "conn=N op=M" -> its search filter
  int lookups = 0;
  for (std::string line; std::getline(file, line);) {
    const std::size_t conn = line.find("conn=");
    const std::size_t verb = line.find(' ', line.find(" op=", conn) + 1);
    if (conn == std::string::npos || verb == std::string::npos) continue;
    const std::string op = line.substr(conn, verb - conn);
    if (line.compare(verb, 6, " SRCH ") == 0) {
      filters[op] = line.substr(line.find("filter="));
      if (filters[op].find("uid=jan.selle") != std::string::npos ||
          filters[op].find("uid=nobody.here") != std::string::npos ||
          filters[op].find("nsUniqueId=" + jan.id) != std::string::npos) {
        ++lookups;
      }
    } else if (line.find("notes=U") != std::string::npos ||
               line.find("notes=A") != std::string::npos) {
      const std::string& filter = filters[op];
      CHECK_TEXT(filter.find("userPassword=*") != std::string::npos,
                 ("unindexed: " + filter).c_str());
    }
  }
  CHECK_TRUE(lookups >= 3);  // the log holds the lookups it is meant to judge
}

// The Password Modify exop over StartTLS: 389 hashes and applies its policy;
// the new password binds, the old one no longer does, and the same reset
// (the old password state) cannot be used twice.
TEST(Ds389Directory, ExopChangesThePasswordOnce) {
  auto directory = Make(Settings());
  const Account before = Find(*directory, "pw.exop");
  const auto status =
      directory->SetPassword(before, SecretString("Nieuw-Wachtwoord-389!"), before.password_state);
  CHECK_TRUE_TEXT(status.ok(), status.ToString().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(before.dn, "Nieuw-Wachtwoord-389!"));
  LONGS_EQUAL(LDAP_INVALID_CREDENTIALS, BindAs(before.dn, Env("SESAM_TEST_LDAP_USER_PASSWORD")));
  const Account after = Find(*directory, "pw.exop");
  CHECK_TRUE(after.password_state != before.password_state);
  const auto again =
      directory->SetPassword(after, SecretString("Nog-Eens-Anders-9"), before.password_state);
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition), static_cast<int>(again.code()));
  STRCMP_EQUAL("password_state_changed", again.reason().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(before.dn, "Nieuw-Wachtwoord-389!"));
}

// 389's refusals (cn=config: passwordCheckSyntax, passwordMinLength 8,
// passwordInHistory 5) come back in the password policy response control,
// which 389 encodes with long-form lengths; each has its ppolicy reason.
TEST(Ds389Directory, PasswordPolicyRefusalsHaveTheirReasons) {
  auto directory = Make(Settings());
  Account account = Find(*directory, "pw.history");
  CHECK_TRUE(
      directory->SetPassword(account, SecretString("Tussen-Stap-42"), account.password_state).ok());
  account = Find(*directory, "pw.history");
  auto status = directory->SetPassword(account, SecretString(Env("SESAM_TEST_LDAP_USER_PASSWORD")),
                                       account.password_state);
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition), static_cast<int>(status.code()));
  STRCMP_EQUAL("ppolicy.in_history", status.reason().c_str());
  // 389 answers insufficientPasswordQuality for every syntax check, the
  // minimum length included.
  status = directory->SetPassword(account, SecretString("Kort-1"), account.password_state);
  STRCMP_EQUAL("ppolicy.insufficient_quality", status.reason().c_str());
  // Fewer than passwordMinCategories (3) character classes.
  status =
      directory->SetPassword(account, SecretString("alleenkleineletters"), account.password_state);
  STRCMP_EQUAL("ppolicy.insufficient_quality", status.reason().c_str());
  // The current password again: 389 sends no control and, on the exop, no
  // words that say why ("Failed to update password").
  status = directory->SetPassword(account, SecretString("Tussen-Stap-42"), account.password_state);
  STRCMP_EQUAL("ppolicy.other", status.reason().c_str());
  // A refusal leaves the state usable: the same reset may try another password.
  CHECK_TRUE(
      directory->SetPassword(account, SecretString("Derde-Poging-77"), account.password_state)
          .ok());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Derde-Poging-77"));
}

// Without TLS 389 refuses the exop ("Confidentiality required"): a
// configuration error, reported as such, and nothing changes.
TEST(Ds389Directory, ExopInClearIsRefused) {
  auto settings = Settings();
  settings.start_tls = false;
  auto directory = Make(settings);
  const Account account = Find(*directory, "pw.tls");
  const auto status =
      directory->SetPassword(account, SecretString("Zonder-Tls-Gezet-1"), account.password_state);
  LONGS_EQUAL(static_cast<int>(StatusCode::kPermissionDenied), static_cast<int>(status.code()));
  STRCMP_CONTAINS("Confidentiality required", status.message().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, Env("SESAM_TEST_LDAP_USER_PASSWORD")));
}

// young.user's fine-grained policy (passwordMinAge 3600): a second change
// within the hour is refused as too young, and the first password stays.
TEST(Ds389Directory, TooYoungUnderAFineGrainedPolicy) {
  auto directory = Make(Settings());
  Account account = Find(*directory, "young.user");
  CHECK_TRUE(
      directory->SetPassword(account, SecretString("Eerste-Wijziging-1"), account.password_state)
          .ok());
  account = Find(*directory, "young.user");
  const auto status =
      directory->SetPassword(account, SecretString("Tweede-Wijziging-2"), account.password_state);
  STRCMP_EQUAL("ppolicy.too_young", status.reason().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Eerste-Wijziging-1"));
}
