// SPDX-License-Identifier: Apache-2.0
// The LDAP Directory against slapd WITHOUT the Sesam schema (issue 11):
// tests/harness/with_servers.py --slapd-no-schema (group NoSchema) or
// --slapd-hidden-passwords (group HiddenPasswords), see sesam_harness/slapd.py.
// Reset rounds and write claims then live in the host's state store.
#include <ldap.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "sesam/config.h"
#include "sesam/ldap/directory.h"
#include "sesam/state_store.h"

// Last: its new/delete macros must not meet the standard headers.
#include <CppUTest/TestHarness.h>

using sesam::SecretString;
using sesam::StatusCode;
using sesam::config::PasswordMode;
using sesam::ldap::Account;
using sesam::ldap::Directory;
using sesam::ldap::HostState;

namespace {

constexpr const char* kKey = "a token key of thirty-two bytes!";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr)
    FAIL(("missing " + std::string(name) + ": run under with_servers.py").c_str());
  return value;
}

sesam::config::LdapSection Settings() {
  sesam::config::LdapSection s = sesam::config::DefaultConfig().ldap;
  s.uri = {Env("SESAM_TEST_LDAP_URI")};
  s.bind_dn = Env("SESAM_TEST_LDAP_BIND_DN");
  s.bind_password_file = Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE");
  s.base = Env("SESAM_TEST_LDAP_PEOPLE");
  s.coaccount_mail_attributes = {"otherMailbox"};
  s.password_mode = PasswordMode::kExop;
  s.network_timeout = std::chrono::milliseconds(1000);
  s.timeout = std::chrono::milliseconds(2000);
  // One connection per writer of ConcurrentWrites: all of them really race.
  s.pool_size = 30;
  return s;
}

// A state directory of its own under the harness's work dir.
std::string StateDir(const std::string& name) {
  const std::string dir = Env("SESAM_TEST_WORKDIR") + "/state-" + name;
  mkdir(dir.c_str(), 0700);
  return dir;
}

HostState Host(const std::string& dir) {
  HostState host;
  auto store = sesam::state::OpenStore(dir);
  CHECK_TRUE_TEXT(store.ok(), store.status().ToString().c_str());
  host.store = std::move(store).value();
  host.key = SecretString(kKey);
  return host;
}

std::unique_ptr<Directory> Make(const sesam::config::LdapSection& settings, HostState host) {
  auto directory = sesam::ldap::MakeLdapDirectory(settings, std::move(host));
  CHECK_TRUE_TEXT(directory.ok(), directory.status().ToString().c_str());
  return std::move(*directory);
}

Account Find(Directory& directory, const std::string& username) {
  auto account = directory.FindAccount(username);
  CHECK_TRUE_TEXT(account.ok(), (username + ": " + account.status().ToString()).c_str());
  return *account;
}

sesam::config::Rate Limit(unsigned count) {
  sesam::config::Rate rate;
  rate.count = count;
  rate.window = std::chrono::hours(1);
  return rate;
}

int BindAs(const std::string& dn, const std::string& password) {
  LDAP* ld = nullptr;
  ldap_initialize(&ld, Env("SESAM_TEST_LDAP_URI").c_str());
  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  berval credentials{password.size(), const_cast<char*>(password.data())};
  const int rc =
      ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr, nullptr);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return rc;
}

// An administrator sets the password by another path (ldappasswd's exop).
void ChangeElsewhere(const std::string& dn, const std::string& password) {
  LDAP* ld = nullptr;
  ldap_initialize(&ld, Env("SESAM_TEST_LDAP_URI").c_str());
  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  const std::string admin = Env("SESAM_TEST_LDAP_ADMIN_PASSWORD");
  berval credentials{admin.size(), const_cast<char*>(admin.data())};
  LONGS_EQUAL(LDAP_SUCCESS,
              ldap_sasl_bind_s(ld, Env("SESAM_TEST_LDAP_ADMIN_DN").c_str(), LDAP_SASL_SIMPLE,
                               &credentials, nullptr, nullptr, nullptr));
  berval user{dn.size(), const_cast<char*>(dn.data())};
  berval secret{password.size(), const_cast<char*>(password.data())};
  berval generated{};
  LONGS_EQUAL(LDAP_SUCCESS,
              ldap_passwd_s(ld, &user, nullptr, &secret, &generated, nullptr, nullptr));
  ber_memfree(generated.bv_val);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
}

// `threads` concurrent SetPassword of one account with one expected state:
// how many succeeded.
int ConcurrentWrites(Directory& directory, const Account& account, int threads) {
  std::atomic<int> ok{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      const std::string password = "Nieuw-Wachtwoord-" + std::to_string(100 + i);
      if (directory.SetPassword(account, SecretString(password), account.password_state).ok()) {
        ok.fetch_add(1);
      }
    });
  }
  go.store(true);
  for (auto& worker : workers) worker.join();
  return ok.load();
}

}  // namespace

TEST_GROUP(NoSchema){};

TEST(NoSchema, ProfileSaysNoSchemaAndTheRest) {
  STRCMP_EQUAL("0", Env("SESAM_TEST_LDAP_SCHEMA").c_str());
  auto directory = Make(Settings(), Host(StateDir("profile")));
  auto profile = directory->Profile();
  CHECK_TRUE_TEXT(profile.ok(), profile.status().ToString().c_str());
  STRCMP_EQUAL("OpenLDAP", profile->vendor.c_str());
  STRCMP_EQUAL("entryUUID", profile->id_attribute.c_str());
  STRCMP_EQUAL("userPassword", profile->state_source.c_str());
  CHECK_FALSE(profile->sesam_schema);
  CHECK_TRUE(profile->assertion_control);
}

TEST(NoSchema, FindsAccountsByTheirIdWithCoAccountsFromAStandardAttribute) {
  auto directory = Make(Settings(), Host(StateDir("find")));
  const Account jan = Find(*directory, "jan.selle");
  LONGS_EQUAL(36, jan.id.size());
  LONGS_EQUAL(2, jan.coaccount_addresses.size());
  auto again = directory->FindAccountById(jan.id);
  CHECK_TRUE_TEXT(again.ok(), again.status().ToString().c_str());
  STRCMP_EQUAL(jan.dn.c_str(), again->dn.c_str());
}

// Two Directory instances on one state dir (two sesam-fcgi processes share
// it the same way, store_process_test proves the store across processes), and
// a third opened after both are gone (a restart).
TEST(NoSchema, RoundsAreCountedOnTheHostAcrossInstancesAndReopen) {
  const std::string dir = StateDir("rounds");
  const auto now = std::chrono::system_clock::now();
  {
    auto first = Make(Settings(), Host(dir));
    auto second = Make(Settings(), Host(dir));
    const Account els = Find(*first, "els.peeters");
    auto one = first->BeginResetRound(els, Limit(2), now);
    CHECK_TRUE_TEXT(one.ok(), one.status().ToString().c_str());
    CHECK_TRUE(second->BeginResetRound(els, Limit(2), now).ok());
    LONGS_EQUAL(static_cast<int>(StatusCode::kResourceExhausted),
                static_cast<int>(first->BeginResetRound(els, Limit(2), now).status().code()));
    LONGS_EQUAL(2, Find(*second, "els.peeters").reset_rounds.size());
    // A round whose mails all failed is taken back: one more fits.
    CHECK_TRUE(second->CancelResetRound(els, *one).ok());
    CHECK_TRUE(first->BeginResetRound(els, Limit(2), now).ok());
  }
  auto reopened = Make(Settings(), Host(dir));
  const Account els = Find(*reopened, "els.peeters");
  LONGS_EQUAL(2, els.reset_rounds.size());
  LONGS_EQUAL(static_cast<int>(StatusCode::kResourceExhausted),
              static_cast<int>(reopened->BeginResetRound(els, Limit(2), now).status().code()));
  // Another account is not affected; the helpdesk's clear empties the count.
  CHECK_TRUE(reopened->BeginResetRound(Find(*reopened, "noor.jacobs"), Limit(2), now).ok());
  CHECK_TRUE(reopened->ClearResetRounds(els).ok());
  CHECK_TRUE(Find(*reopened, "els.peeters").reset_rounds.empty());
}

TEST(NoSchema, WithoutAStoreTheFormCannotCountButTheHelpdeskCan) {
  HostState broken;
  broken.key = SecretString(kKey);
  broken.store_error = sesam::NotFoundError("/nonexistent: no such directory");
  auto directory = Make(Settings(), std::move(broken));
  const Account lien = Find(*directory, "lien.devos");
  const auto refused = directory->BeginResetRound(lien, Limit(3), std::chrono::system_clock::now());
  LONGS_EQUAL(static_cast<int>(StatusCode::kUnavailable),
              static_cast<int>(refused.status().code()));
  STRCMP_EQUAL("state_store", refused.status().reason().c_str());
  // `sesam send-reset` asks for no limit: it gets its round, uncounted (logged).
  CHECK_TRUE(directory->BeginResetRound(lien, Limit(0), std::chrono::system_clock::now()).ok());
}

TEST(NoSchema, AnIdAttributeTheEntriesLackGivesNoIdAndNoRound) {
  auto settings = Settings();
  settings.id_attribute = sesam::config::IdAttribute::kNsUniqueId;
  auto directory = Make(settings, Host(StateDir("noid")));
  const Account jan = Find(*directory, "jan.selle");
  CHECK_TRUE(jan.id.empty());
  const auto round = directory->BeginResetRound(jan, Limit(3), std::chrono::system_clock::now());
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition),
              static_cast<int>(round.status().code()));
  // An entryUUID is no nsUniqueId: no search is made.
  LONGS_EQUAL(
      static_cast<int>(StatusCode::kNotFound),
      static_cast<int>(
          directory->FindAccountById("597ae2f6-16a6-1027-98f4-d28b5365dc14").status().code()));
}

// exop without the schema: no claim attribute in the directory, so the host
// serialises the writers of one account and state.
TEST(NoSchema, ThirtyConcurrentWritesWithOneStateChangeThePasswordOnce) {
  auto directory = Make(Settings(), Host(StateDir("race")));
  const Account account = Find(*directory, "pw.race");
  LONGS_EQUAL(1, ConcurrentWrites(*directory, account, 30));
  CHECK(Find(*directory, "pw.race").password_state != account.password_state);
  // Two processes, fifteen threads each, on one state dir: still once.
  const Account next = Find(*directory, "pw.race");
  const std::string dir = StateDir("race2");
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    const pid_t child = fork();
    if (child == 0) {
      auto own = sesam::ldap::MakeLdapDirectory(Settings(), Host(dir));
      _exit(own.ok() ? ConcurrentWrites(**own, next, 15) : 100);
    }
    children.push_back(child);
  }
  int changed = 0;
  for (const pid_t child : children) {
    int status = 0;
    waitpid(child, &status, 0);
    CHECK_TRUE(WIFEXITED(status));
    changed += WEXITSTATUS(status);
  }
  LONGS_EQUAL(1, changed);
}

TEST_GROUP(HiddenPasswords){};

// The service account may write userPassword but not read it: the state
// comes from pwdChangedTime, which ppolicy sets on every change.
TEST(HiddenPasswords, StateFromPwdChangedTimeChangesOnEveryWrite) {
  auto directory = Make(Settings(), Host(StateDir("hidden")));
  auto profile = directory->Profile();
  CHECK_TRUE_TEXT(profile.ok(), profile.status().ToString().c_str());
  STRCMP_EQUAL("pwdChangedTime", profile->state_source.c_str());
  CHECK_FALSE(profile->sesam_schema);

  const Account before = Find(*directory, "pw.exop");
  const sesam::Status written =
      directory->SetPassword(before, SecretString("Zomer-Vakantie-2026!"), before.password_state);
  CHECK_TRUE_TEXT(written.ok(), written.ToString().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(before.dn, "Zomer-Vakantie-2026!"));
  const Account after = Find(*directory, "pw.exop");
  CHECK(after.password_state != before.password_state);
  // The old state is gone: a second use of the same link is refused.
  STRCMP_EQUAL(
      "password_state_changed",
      directory->SetPassword(before, SecretString("Herfst-Vakantie-2026!"), before.password_state)
          .reason()
          .c_str());
  // A change by another path, a second or more later, changes the state too.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ChangeElsewhere(after.dn, "Door-De-Admin-7!");
  CHECK(Find(*directory, "pw.exop").password_state != after.password_state);
}

TEST(HiddenPasswords, ThirtyConcurrentWritesWithOneStateChangeThePasswordOnce) {
  auto directory = Make(Settings(), Host(StateDir("hidden-race")));
  const Account account = Find(*directory, "pw.race");
  LONGS_EQUAL(1, ConcurrentWrites(*directory, account, 30));
}
