// SPDX-License-Identifier: Apache-2.0
// The LDAP Directory in password_mode = ad against a real Samba AD DC started
// by tests/harness/with_servers.py --samba (sesam_harness/samba.py lists the
// accounts and the SESAM_TEST_* variables). Everything goes over ldaps:// with
// the test CA verified, as a school would run it.
#include <ldap.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "errors.h"
#include "sesam/config.h"
#include "sesam/ldap/directory.h"

// Last: its new/delete macros must not meet the standard headers.
#include <CppUTest/TestHarness.h>

using sesam::SecretString;
using sesam::StatusCode;
using sesam::config::PasswordMode;
using sesam::ldap::Account;
using sesam::ldap::Directory;

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr)
    FAIL(("missing " + std::string(name) + ": run under with_servers.py --samba").c_str());
  return value;
}

sesam::config::Config Config() {
  sesam::config::Config c = sesam::config::DefaultConfig();
  sesam::config::LdapSection& s = c.ldap;
  s.uri = {Env("SESAM_TEST_LDAPS_URI")};
  s.tls_ca_file = Env("SESAM_TEST_LDAP_CA_FILE");
  s.tls_verify = true;
  s.bind_dn = Env("SESAM_TEST_LDAP_BIND_DN");
  s.bind_password_file = Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE");
  s.base = Env("SESAM_TEST_LDAP_PEOPLE");
  s.user_filter =
      "(&(|(sAMAccountName={username})(userPrincipalName={username}))"
      "(objectCategory=person)(objectClass=user))";
  s.mail_attributes = {"mail"};
  s.coaccount_mail_attributes = {"otherMailbox"};
  s.password_mode = PasswordMode::kAd;
  s.id_attribute = sesam::config::IdAttribute::kAuto;
  s.update_shadow_last_change = false;
  s.network_timeout = std::chrono::milliseconds(2000);
  s.timeout = std::chrono::milliseconds(5000);
  // Without the Sesam schema (AD) write claims and rounds live on the host.
  const std::string dir = Env("SESAM_TEST_WORKDIR") + "/ad-test-state";
  std::filesystem::create_directories(dir + "/store");
  c.web.state_dir = dir + "/store";
  c.token.key_file = dir + "/token.key";
  if (!std::filesystem::exists(c.token.key_file)) {
    std::ofstream(c.token.key_file) << std::string(32, 'k') << "-a-test-key-of-enough-bytes";
    std::filesystem::permissions(
        c.token.key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  return c;
}

std::unique_ptr<Directory> Make(const sesam::config::Config& config) {
  auto directory = sesam::ldap::MakeLdapDirectory(config.ldap, sesam::ldap::OpenHostState(config));
  CHECK_TRUE_TEXT(directory.ok(), directory.status().ToString().c_str());
  return std::move(*directory);
}

std::unique_ptr<Directory> Make() { return Make(Config()); }

Account Find(Directory& directory, const std::string& username) {
  auto account = directory.FindAccount(username);
  CHECK_TRUE_TEXT(account.ok(), (username + ": " + account.status().ToString()).c_str());
  return *account;
}

// A connection over ldaps:// that verifies the test CA (the caller unbinds).
LDAP* Connect() {
  LDAP* ld = nullptr;
  LONGS_EQUAL(LDAP_SUCCESS, ldap_initialize(&ld, Env("SESAM_TEST_LDAPS_URI").c_str()));
  const int version = LDAP_VERSION3;
  LONGS_EQUAL(LDAP_OPT_SUCCESS, ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version));
  const std::string ca = Env("SESAM_TEST_LDAP_CA_FILE");
  LONGS_EQUAL(LDAP_OPT_SUCCESS, ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca.c_str()));
  const int demand = LDAP_OPT_X_TLS_DEMAND;
  LONGS_EQUAL(LDAP_OPT_SUCCESS, ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand));
  const int new_context = 0;
  LONGS_EQUAL(LDAP_OPT_SUCCESS, ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &new_context));
  return ld;
}

int Bind(LDAP* ld, const std::string& who, const std::string& password) {
  berval credentials{password.size(), const_cast<char*>(password.data())};
  return ldap_sasl_bind_s(ld, who.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr,
                          nullptr);
}

// A real simple bind as the account: the proof that a password works.
int BindAs(const std::string& who, const std::string& password) {
  LDAP* ld = Connect();
  const int rc = Bind(ld, who, password);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return rc;
}

LDAP* AdminConnect() {
  LDAP* ld = Connect();
  LONGS_EQUAL(LDAP_SUCCESS,
              Bind(ld, Env("SESAM_TEST_LDAP_ADMIN_DN"), Env("SESAM_TEST_LDAP_ADMIN_PASSWORD")));
  return ld;
}

std::string AdminRead(const std::string& dn, const char* attribute) {
  LDAP* ld = AdminConnect();
  char* attributes[] = {const_cast<char*>(attribute), nullptr};
  LDAPMessage* result = nullptr;
  ldap_search_ext_s(ld, dn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", attributes, 0, nullptr,
                    nullptr, nullptr, 1, &result);
  std::string value;
  LDAPMessage* entry = ldap_first_entry(ld, result);
  if (entry != nullptr) {
    berval** values = ldap_get_values_len(ld, entry, attribute);
    if (values != nullptr && values[0] != nullptr)
      value.assign(values[0]->bv_val, values[0]->bv_len);
    ldap_value_free_len(values);
  }
  ldap_msgfree(result);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return value;
}

// unicodePwd's value: the password in double quotes, UTF-16LE (ASCII here).
std::string Utf16Quoted(const std::string& password) {
  std::string out;
  for (char c : "\"" + password + "\"") {
    out += c;
    out += '\0';
  }
  return out;
}

// A password *change* as a user makes it (delete the old unicodePwd, add the
// new), sent by the service account: Samba applies history and minimum age
// to it, which it does not to a reset. The result goes through the same
// mapping as every write of the Directory (internal::MapResult).
sesam::Status ChangeAsUser(const std::string& dn, const std::string& old_password,
                           const std::string& new_password) {
  LDAP* ld = Connect();
  std::string bind_password;
  std::ifstream(Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE")) >> bind_password;
  LONGS_EQUAL(LDAP_SUCCESS, Bind(ld, Env("SESAM_TEST_LDAP_BIND_DN"), bind_password));
  std::string old_value = Utf16Quoted(old_password), new_value = Utf16Quoted(new_password);
  berval old_bv{old_value.size(), old_value.data()}, new_bv{new_value.size(), new_value.data()};
  berval* old_values[] = {&old_bv, nullptr};
  berval* new_values[] = {&new_bv, nullptr};
  LDAPMod remove{}, add{};
  remove.mod_op = LDAP_MOD_DELETE | LDAP_MOD_BVALUES;
  remove.mod_type = const_cast<char*>("unicodePwd");
  remove.mod_bvalues = old_values;
  add.mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
  add.mod_type = const_cast<char*>("unicodePwd");
  add.mod_bvalues = new_values;
  LDAPMod* mods[] = {&remove, &add, nullptr};
  const int rc = ldap_modify_ext_s(ld, dn.c_str(), mods, nullptr, nullptr);
  char* diagnostic = nullptr;
  ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic);
  const std::string text = diagnostic != nullptr ? diagnostic : "";
  ldap_memfree(diagnostic);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return sesam::ldap::internal::MapResult(rc, "modify", text);
}

std::string Upn(const std::string& name) { return name + "@school.test"; }

const std::string kNewPassword = "Nieuw-Wachtwoord-2026";

}  // namespace

TEST_GROUP(SambaAd){};

TEST(SambaAd, ProfileIsActiveDirectoryWithoutTheSchema) {
  auto directory = Make();
  auto profile = directory->Profile();
  CHECK_TRUE_TEXT(profile.ok(), profile.status().ToString().c_str());
  STRCMP_EQUAL("Active Directory", profile->vendor.c_str());
  STRCMP_EQUAL("objectGUID", profile->id_attribute.c_str());
  STRCMP_EQUAL("pwdLastSet", profile->state_source.c_str());
  CHECK_FALSE(profile->sesam_schema);
}

TEST(SambaAd, FindsJanWithOwnAndOtherMailboxAddresses) {
  auto directory = Make();
  for (const std::string typed : {"jan.selle", "JAN.SELLE", "jan.selle@school.test"}) {
    const Account jan = Find(*directory, typed);
    // sAMAccountName, also when the pupil typed the userPrincipalName.
    STRCMP_EQUAL("jan.selle", jan.username.c_str());
    STRCMP_EQUAL("Jan", jan.given_name.c_str());
    LONGS_EQUAL(1, jan.own_addresses.size());
    STRCMP_EQUAL("jan.selle@school.test", jan.own_addresses[0].c_str());
    LONGS_EQUAL(2, jan.coaccount_addresses.size());
    STRCMP_EQUAL("mama.selle@example.test", jan.coaccount_addresses[0].c_str());
    STRCMP_EQUAL("papa.selle@example.test", jan.coaccount_addresses[1].c_str());
    LONGS_EQUAL(36, jan.id.size());  // objectGUID's string form
    CHECK_FALSE(jan.password_state.empty());
    CHECK_FALSE(jan.disabled);
    // The id finds the same account again (the reset link's subject).
    auto again = directory->FindAccountById(jan.id);
    CHECK_TRUE_TEXT(again.ok(), again.status().ToString().c_str());
    STRCMP_EQUAL(jan.dn.c_str(), again->dn.c_str());
  }
  // otherMailbox repeating a value in another case is listed once.
  LONGS_EQUAL(3, Find(*directory, "noor.jacobs").coaccount_addresses.size());
  const Account lien = Find(*directory, "lien.devos");
  LONGS_EQUAL(0, lien.own_addresses.size());
  LONGS_EQUAL(2, lien.coaccount_addresses.size());
}

TEST(SambaAd, DisabledAndExpiredAccountsAreDisabled) {
  auto directory = Make();
  const Account disabled = Find(*directory, "dis.abled");
  CHECK_TRUE(disabled.disabled);
  STRCMP_EQUAL("userAccountControl: 514", disabled.disabled_by.c_str());
  const Account expired = Find(*directory, "ex.pired");
  CHECK_TRUE(expired.disabled);
  CHECK_TRUE_TEXT(expired.disabled_by.rfind("accountExpires: ", 0) == 0,
                  expired.disabled_by.c_str());
  // A lockout is not "disabled": the reset is the way out.
  CHECK_FALSE(Find(*directory, "lock.ed").disabled);
  // Samba agrees: neither binds (533 disabled, 701 expired).
  CHECK_EQUAL(LDAP_INVALID_CREDENTIALS,
              BindAs(Upn("dis.abled"), Env("SESAM_TEST_LDAP_USER_PASSWORD")));
  CHECK_EQUAL(LDAP_INVALID_CREDENTIALS,
              BindAs(Upn("ex.pired"), Env("SESAM_TEST_LDAP_USER_PASSWORD")));
}

TEST(SambaAd, ResetWritesUnicodePwdOverLdaps) {
  auto directory = Make();
  const Account before = Find(*directory, "pw.ad");
  CHECK_EQUAL(LDAP_SUCCESS, BindAs(Upn("pw.ad"), Env("SESAM_TEST_LDAP_USER_PASSWORD")));
  const sesam::Status set =
      directory->SetPassword(before, SecretString(kNewPassword), before.password_state);
  CHECK_TRUE_TEXT(set.ok(), set.ToString().c_str());
  CHECK_EQUAL(LDAP_SUCCESS, BindAs(Upn("pw.ad"), kNewPassword));
  CHECK_EQUAL(LDAP_INVALID_CREDENTIALS, BindAs(Upn("pw.ad"), Env("SESAM_TEST_LDAP_USER_PASSWORD")));
  // pwdLastSet moved, so the state did, and the old link's state is dead.
  const Account after = Find(*directory, "pw.ad");
  CHECK_TRUE(after.password_state != before.password_state);
  const sesam::Status reused =
      directory->SetPassword(after, SecretString("Ander-Wachtwoord-3"), before.password_state);
  STRCMP_EQUAL("password_state_changed", reused.reason().c_str());
  CHECK_EQUAL(LDAP_SUCCESS, BindAs(Upn("pw.ad"), kNewPassword));
}

TEST(SambaAd, TooShortAndTooSimpleAreRefusedWithTheirReason) {
  auto directory = Make();
  const Account account = Find(*directory, "pw.short");
  const sesam::Status too_short =
      directory->SetPassword(account, SecretString("Ab-1"), account.password_state);
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition),
              static_cast<int>(too_short.code()));
  STRCMP_EQUAL("ppolicy.too_short", too_short.reason().c_str());
  const sesam::Status simple =
      directory->SetPassword(account, SecretString("alleenkleineletters"), account.password_state);
  STRCMP_EQUAL("ppolicy.complexity", simple.reason().c_str());
  // Nothing changed, and the same reset may try again.
  CHECK_EQUAL(LDAP_SUCCESS, BindAs(Upn("pw.short"), Env("SESAM_TEST_LDAP_USER_PASSWORD")));
  const sesam::Status good =
      directory->SetPassword(account, SecretString(kNewPassword), account.password_state);
  CHECK_TRUE_TEXT(good.ok(), good.ToString().c_str());
}

// AD applies history and minimum age to a change, not to a reset
// (docs/directories.md); the change's refusals get their own reasons.
TEST(SambaAd, HistoryAndMinimumAgeRefuseAChange) {
  auto directory = Make();
  const std::string first = Env("SESAM_TEST_LDAP_USER_PASSWORD");
  const Account history = Find(*directory, "pw.history");
  sesam::Status changed = ChangeAsUser(history.dn, first, kNewPassword);
  CHECK_TRUE_TEXT(changed.ok(), changed.ToString().c_str());
  const sesam::Status back = ChangeAsUser(history.dn, kNewPassword, first);
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition), static_cast<int>(back.code()));
  STRCMP_EQUAL("ppolicy.in_history", back.reason().c_str());
  CHECK_EQUAL(LDAP_SUCCESS, BindAs(Upn("pw.history"), kNewPassword));

  // young.user's PSO: a minimum age of one day.
  const Account young = Find(*directory, "young.user");
  const sesam::Status too_young = ChangeAsUser(young.dn, first, kNewPassword);
  STRCMP_EQUAL("ppolicy.too_young", too_young.reason().c_str());
}

TEST(SambaAd, ResetUnlocksALockedOutAccount) {
  const Account locked = Find(*Make(), "lock.ed");
  CHECK_TRUE(AdminRead(locked.dn, "lockoutTime") != "0");
  // Locked: even the right password is refused (data 775).
  CHECK_EQUAL(LDAP_INVALID_CREDENTIALS,
              BindAs(Upn("lock.ed"), Env("SESAM_TEST_LDAP_USER_PASSWORD")));
  const sesam::Status set =
      Make()->SetPassword(locked, SecretString(kNewPassword), locked.password_state);
  CHECK_TRUE_TEXT(set.ok(), set.ToString().c_str());
  STRCMP_EQUAL("0", AdminRead(locked.dn, "lockoutTime").c_str());
  CHECK_EQUAL(LDAP_SUCCESS, BindAs(Upn("lock.ed"), kNewPassword));
}

TEST(SambaAd, UnlockOnResetNoLeavesTheLockout) {
  sesam::config::Config config = Config();
  config.ldap.unlock_on_reset = false;
  auto directory = Make(config);
  const Account locked = Find(*directory, "lock.kept");
  const std::string lockout = AdminRead(locked.dn, "lockoutTime");
  const sesam::Status set =
      directory->SetPassword(locked, SecretString(kNewPassword), locked.password_state);
  CHECK_TRUE_TEXT(set.ok(), set.ToString().c_str());
  STRCMP_EQUAL(lockout.c_str(), AdminRead(locked.dn, "lockoutTime").c_str());
  CHECK_EQUAL(LDAP_INVALID_CREDENTIALS, BindAs(Upn("lock.kept"), kNewPassword));
}

TEST(SambaAd, AnUnlockTheServiceMayNotMakeLeavesTheResetDone) {
  sesam::config::Config config = Config();
  config.ldap.base = Env("SESAM_TEST_SAMBA_STAFF");
  auto directory = Make(config);
  const Account locked = Find(*directory, "staff.locked");
  const std::string lockout = AdminRead(locked.dn, "lockoutTime");
  const sesam::Status set =
      directory->SetPassword(locked, SecretString(kNewPassword), locked.password_state);
  CHECK_TRUE_TEXT(set.ok(), set.ToString().c_str());
  // The password is in place (it takes effect once the lockout ends); the
  // lockout stays, and the log says why (no write right on lockoutTime).
  STRCMP_EQUAL(lockout.c_str(), AdminRead(locked.dn, "lockoutTime").c_str());
  CHECK_TRUE(Find(*directory, "staff.locked").password_state != locked.password_state);
}

TEST(SambaAd, ConcurrentResetsOfOneStateChangeOnce) {
  const Account account = Find(*Make(), "pw.race");
  constexpr std::size_t kWriters = 10;
  std::vector<std::unique_ptr<Directory>> directories;
  for (std::size_t i = 0; i < kWriters; ++i) directories.push_back(Make());
  std::vector<sesam::Status> results(kWriters);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      results[i] = directories[i]->SetPassword(
          account, SecretString("Race-Wachtwoord-" + std::to_string(i)), account.password_state);
    });
  }
  for (auto& thread : threads) thread.join();
  std::size_t won = 0;
  int ok = 0;
  for (std::size_t i = 0; i < kWriters; ++i) {
    if (results[i].ok()) {
      ++ok;
      won = i;
    } else {
      STRCMP_EQUAL_TEXT("password_state_changed", results[i].reason().c_str(),
                        results[i].ToString().c_str());
    }
  }
  LONGS_EQUAL(1, ok);
  CHECK_EQUAL(LDAP_SUCCESS, BindAs(Upn("pw.race"), "Race-Wachtwoord-" + std::to_string(won)));
}

// docs/directories.md: Reset Password and write lockoutTime, nothing else.
TEST(SambaAd, TheServiceAccountHasLeastRights) {
  const Account jan = Find(*Make(), "jan.selle");
  LDAP* ld = Connect();
  std::string bind_password;
  std::ifstream(Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE")) >> bind_password;
  LONGS_EQUAL(LDAP_SUCCESS, Bind(ld, Env("SESAM_TEST_LDAP_BIND_DN"), bind_password));
  for (const char* attribute : {"mail", "description", "userAccountControl", "accountExpires"}) {
    char* values[] = {const_cast<char*>("1"), nullptr};
    LDAPMod mod{};
    mod.mod_op = LDAP_MOD_REPLACE;
    mod.mod_type = const_cast<char*>(attribute);
    mod.mod_values = values;
    LDAPMod* mods[] = {&mod, nullptr};
    LONGS_EQUAL_TEXT(LDAP_INSUFFICIENT_ACCESS,
                     ldap_modify_ext_s(ld, jan.dn.c_str(), mods, nullptr, nullptr), attribute);
  }
  ldap_unbind_ext_s(ld, nullptr, nullptr);
}

// unicodePwd over ldap:// with StartTLS (start_tls = yes), the test CA verified.
TEST(SambaAd, ResetOverStartTls) {
  sesam::config::Config config = Config();
  config.ldap.uri = {Env("SESAM_TEST_LDAP_URI")};
  config.ldap.start_tls = true;
  auto directory = Make(config);
  const Account zoe = Find(*directory, "zoe.dubois");
  STRCMP_EQUAL("Zoë", zoe.given_name.c_str());
  const sesam::Status set =
      directory->SetPassword(zoe, SecretString("Zoë-Wachtwoord-2026"), zoe.password_state);
  CHECK_TRUE_TEXT(set.ok(), set.ToString().c_str());
  CHECK_EQUAL(LDAP_SUCCESS, BindAs(Upn("zoe.dubois"), "Zoë-Wachtwoord-2026"));
  CHECK_EQUAL(LDAP_INVALID_CREDENTIALS,
              BindAs(Upn("zoe.dubois"), Env("SESAM_TEST_LDAP_USER_PASSWORD")));
}

// Without TLS nothing is sent: the configuration loader refuses ad mode on a
// plain ldap:// (core/src/config/ldap_keys.cpp), and a Directory made
// without the loader meets Samba's refusal of a simple bind without TLS.
TEST(SambaAd, NoResetWithoutTls) {
  sesam::config::Config config = Config();
  config.ldap.uri = {Env("SESAM_TEST_LDAP_URI")};
  config.ldap.start_tls = false;
  auto directory = sesam::ldap::MakeLdapDirectory(config.ldap, sesam::ldap::OpenHostState(config));
  CHECK_TRUE_TEXT(directory.ok(), directory.status().ToString().c_str());
  const auto found = (*directory)->FindAccount("els.peeters");
  CHECK_FALSE(found.ok());
  LONGS_EQUAL(static_cast<int>(StatusCode::kPermissionDenied),
              static_cast<int>(found.status().code()));
}
