// SPDX-License-Identifier: Apache-2.0
// The LDAP Directory against a real slapd started by
// tests/harness/with_servers.py --slapd (see sesam_harness/slapd.py for the
// accounts and the SESAM_TEST_LDAP_* variables).
#include <ldap.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

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
    FAIL(("missing " + std::string(name) + ": run under with_servers.py --slapd").c_str());
  return value;
}

sesam::config::LdapSection Settings() {
  sesam::config::LdapSection s = sesam::config::DefaultConfig().ldap;
  s.uri = {Env("SESAM_TEST_LDAP_URI")};
  s.bind_dn = Env("SESAM_TEST_LDAP_BIND_DN");
  s.bind_password_file = Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE");
  s.base = Env("SESAM_TEST_LDAP_PEOPLE");
  s.network_timeout = std::chrono::milliseconds(1000);
  s.timeout = std::chrono::milliseconds(2000);
  return s;
}

std::unique_ptr<Directory> Make(const sesam::config::LdapSection& settings) {
  auto directory = sesam::ldap::MakeLdapDirectory(settings);
  CHECK_TRUE_TEXT(directory.ok(), directory.status().ToString().c_str());
  return std::move(*directory);
}

Account Find(Directory& directory, const std::string& username) {
  auto account = directory.FindAccount(username);
  CHECK_TRUE_TEXT(account.ok(), (username + ": " + account.status().ToString()).c_str());
  return *account;
}

// A real simple bind as the account: the proof that a password works.
int BindAs(const std::string& dn, const std::string& password) {
  LDAP* ld = nullptr;
  ldap_initialize(&ld, Env("SESAM_TEST_LDAP_URI").c_str());
  const int version = LDAP_VERSION3;
  LONGS_EQUAL(LDAP_OPT_SUCCESS, ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version));
  berval credentials{password.size(), const_cast<char*>(password.data())};
  const int rc =
      ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr, nullptr);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return rc;
}

// A connection bound as the directory's administrator (the caller unbinds).
LDAP* AdminConnect() {
  LDAP* ld = nullptr;
  ldap_initialize(&ld, Env("SESAM_TEST_LDAP_URI").c_str());
  const int version = LDAP_VERSION3;
  LONGS_EQUAL(LDAP_OPT_SUCCESS, ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version));
  const std::string password = Env("SESAM_TEST_LDAP_ADMIN_PASSWORD");
  berval credentials{password.size(), const_cast<char*>(password.data())};
  ldap_sasl_bind_s(ld, Env("SESAM_TEST_LDAP_ADMIN_DN").c_str(), LDAP_SASL_SIMPLE, &credentials,
                   nullptr, nullptr, nullptr);
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

// A modify as the directory's administrator: `op` LDAP_MOD_REPLACE or
// LDAP_MOD_DELETE of `attribute` (no value: the whole attribute).
int AdminModify(const std::string& dn, int op, const char* attribute, const char* value) {
  LDAP* ld = AdminConnect();
  char* values[] = {const_cast<char*>(value), nullptr};
  LDAPMod mod{};
  mod.mod_op = op;
  mod.mod_type = const_cast<char*>(attribute);
  mod.mod_values = value != nullptr ? values : nullptr;
  LDAPMod* mods[] = {&mod, nullptr};
  const int rc = ldap_modify_ext_s(ld, dn.c_str(), mods, nullptr, nullptr);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return rc;
}

std::vector<std::string> V(std::initializer_list<const char*> items) {
  return std::vector<std::string>(items.begin(), items.end());
}

void CheckList(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
  std::string a, e;
  for (const auto& x : actual) a += x + ";";
  for (const auto& x : expected) e += x + ";";
  STRCMP_EQUAL(e.c_str(), a.c_str());
}

// Sets `password` in `mode`, then proves it with binds; returns the new state.
void CheckPasswordMode(PasswordMode mode, sesam::config::CryptScheme scheme, const char* user) {
  auto settings = Settings();
  settings.password_mode = mode;
  settings.crypt_scheme = scheme;
  auto directory = Make(settings);
  const Account before = Find(*directory, user);
  const std::string old_password = Env("SESAM_TEST_LDAP_USER_PASSWORD");
  const std::string new_password =
      std::string("Nieuw-") + user + "-" + std::to_string(static_cast<int>(scheme)) + "!";
  const auto status =
      directory->SetPassword(before, SecretString(new_password), before.password_state);
  CHECK_TRUE_TEXT(status.ok(), status.ToString().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(before.dn, new_password));
  LONGS_EQUAL(LDAP_INVALID_CREDENTIALS, BindAs(before.dn, old_password));
  const Account after = Find(*directory, user);
  CHECK_TRUE(after.password_state != before.password_state);
  // The old state is spent: a second use of the same reset changes nothing.
  const auto again =
      directory->SetPassword(after, SecretString("Nog-Eens-Anders-9"), before.password_state);
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition), static_cast<int>(again.code()));
  STRCMP_EQUAL("password_state_changed", again.reason().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(before.dn, new_password));
  CHECK_TRUE(AdminRead(before.dn, "shadowLastChange") != "19000");
}

// Whether the directory answers again within 20 s (the pool's backoff is at most 5 s).
bool Recovers(Directory& directory) {
  for (int i = 0; i < 100; ++i) {
    if (directory.FindAccount("jan.selle").ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

TEST_GROUP(LdapDirectory){};

TEST(LdapDirectory, FindsAnAccountWithItsAddresses) {
  auto directory = Make(Settings());
  const Account jan = Find(*directory, "jan.selle");
  STRCMP_EQUAL(("uid=jan.selle," + Env("SESAM_TEST_LDAP_PEOPLE")).c_str(), jan.dn.c_str());
  STRCMP_EQUAL("jan.selle", jan.username.c_str());
  STRCMP_EQUAL("Jan", jan.given_name.c_str());
  STRCMP_EQUAL("Jan Selle", jan.display_name.c_str());
  STRCMP_EQUAL("Selle", jan.surname.c_str());
  LONGS_EQUAL(36, jan.id.size());
  CHECK_FALSE(jan.password_state.empty());
  CheckList(V({"jan.selle@school.test"}), jan.own_addresses);
  CheckList(V({"mama.selle@example.test", "papa.selle@example.test"}), jan.coaccount_addresses);
  CHECK_TRUE(directory->Ping().ok());
}

TEST(LdapDirectory, ProfileFindsTheSchemaAndTheAssertionControl) {
  auto directory = Make(Settings());
  auto profile = directory->Profile();
  CHECK_TRUE_TEXT(profile.ok(), profile.status().ToString().c_str());
  STRCMP_EQUAL("OpenLDAP", profile->vendor.c_str());
  STRCMP_EQUAL("entryUUID", profile->id_attribute.c_str());
  STRCMP_EQUAL("userPassword", profile->state_source.c_str());
  CHECK_TRUE(profile->sesam_schema);
  CHECK_TRUE(profile->assertion_control);
  // Asked for explicitly, the id attribute is the one configured.
  auto settings = Settings();
  settings.id_attribute = sesam::config::IdAttribute::kNsUniqueId;
  STRCMP_EQUAL("nsUniqueId", Make(settings)->Profile()->id_attribute.c_str());
}

TEST(LdapDirectory, CountsCoAccountsDeduplicatedAndStripsSmtpPrefixes) {
  auto directory = Make(Settings());
  CheckList(V({"ouders.peeters@example.test"}),
            Find(*directory, "els.peeters").coaccount_addresses);
  CheckList(V({"mama.jacobs@example.test", "papa.jacobs@example.test", "oma.jacobs@example.test"}),
            Find(*directory, "noor.jacobs").coaccount_addresses);
  const Account lien = Find(*directory, "lien.devos");
  CHECK_TRUE(lien.own_addresses.empty());
  LONGS_EQUAL(2, lien.coaccount_addresses.size());
  const Account tom = Find(*directory, "tom.zonder");
  CHECK_TRUE(tom.own_addresses.empty() && tom.coaccount_addresses.empty());
  const Account pieter = Find(*directory, "pieter.smtp");
  CheckList(V({"Pieter@School.test"}), pieter.own_addresses);
  CHECK_TRUE(pieter.coaccount_addresses.empty());
}

TEST(LdapDirectory, UnicodeNamesAndUsernames) {
  auto directory = Make(Settings());
  STRCMP_EQUAL("Zoë", Find(*directory, "zoe.dubois").given_name.c_str());
  STRCMP_EQUAL("Dubois-Ñúñez", Find(*directory, "zoe.dubois").surname.c_str());
  STRCMP_EQUAL("Émile", Find(*directory, "émile.lefèvre").given_name.c_str());
}

TEST(LdapDirectory, FilterMetacharactersMatchOnlyThemselves) {
  auto directory = Make(Settings());
  CheckList(V({"x@school.test"}), Find(*directory, "a*b(c)\\d").own_addresses);
  for (const std::string& username : std::vector<std::string>{
           "*", "a*", "jan*", "x)(|(uid=*)", "*)(uid=*", "jan.selle)", "\\2a",
           std::string("jan.selle\0", 10), std::string("jan\0.selle", 10), std::string("\0", 1)}) {
    const auto found = directory->FindAccount(username);
    LONGS_EQUAL_TEXT(static_cast<int>(StatusCode::kNotFound),
                     static_cast<int>(found.status().code()), username.c_str());
  }
}

TEST(LdapDirectory, TwoEntriesForOneUsernameAreNotFound) {
  auto directory = Make(Settings());
  LONGS_EQUAL(static_cast<int>(StatusCode::kNotFound),
              static_cast<int>(directory->FindAccount("dup.user").status().code()));
}

TEST(LdapDirectory, FindsByEntryUuid) {
  auto directory = Make(Settings());
  const Account jan = Find(*directory, "jan.selle");
  auto by_uuid = directory->FindAccountById(jan.id);
  CHECK_TRUE(by_uuid.ok());
  STRCMP_EQUAL(jan.dn.c_str(), by_uuid->dn.c_str());
  LONGS_EQUAL(static_cast<int>(StatusCode::kNotFound),
              static_cast<int>(directory->FindAccountById("*").status().code()));
  LONGS_EQUAL(
      static_cast<int>(StatusCode::kNotFound),
      static_cast<int>(
          directory->FindAccountById("00000000-0000-0000-0000-000000000000").status().code()));
}

TEST(LdapDirectory, ExopWritesThroughTheServer) {
  CheckPasswordMode(PasswordMode::kExop, sesam::config::CryptScheme::kYescrypt, "pw.exop");
}

TEST(LdapDirectory, CryptYescryptAndSha512) {
  CheckPasswordMode(PasswordMode::kCrypt, sesam::config::CryptScheme::kYescrypt, "pw.crypt");
  CHECK_TRUE(AdminRead("uid=pw.crypt," + Env("SESAM_TEST_LDAP_PEOPLE"), "userPassword")
                 .rfind("{CRYPT}$y$", 0) == 0);
  auto settings = Settings();
  settings.password_mode = PasswordMode::kCrypt;
  settings.crypt_scheme = sesam::config::CryptScheme::kSha512Crypt;
  auto directory = Make(settings);
  const Account account = Find(*directory, "pw.crypt");
  CHECK_TRUE(
      directory->SetPassword(account, SecretString("Sha512-Geheim-1"), account.password_state)
          .ok());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Sha512-Geheim-1"));
  CHECK_TRUE(AdminRead(account.dn, "userPassword").rfind("{CRYPT}$6$", 0) == 0);
}

TEST(LdapDirectory, Argon2) {
  if (Env("SESAM_TEST_LDAP_ARGON2") != "1") return;  // slapd without the argon2 module
  CheckPasswordMode(PasswordMode::kArgon2, sesam::config::CryptScheme::kYescrypt, "pw.argon2");
  CHECK_TRUE(AdminRead("uid=pw.argon2," + Env("SESAM_TEST_LDAP_PEOPLE"), "userPassword")
                 .rfind("{ARGON2}$argon2id$", 0) == 0);
}

TEST(LdapDirectory, PasswordPolicyRefusalsHaveTheirOwnReasons) {
  auto directory = Make(Settings());
  Account account = Find(*directory, "pw.history");
  CHECK_TRUE(
      directory->SetPassword(account, SecretString("Tussen-Stap-42"), account.password_state).ok());
  account = Find(*directory, "pw.history");
  auto status = directory->SetPassword(account, SecretString(Env("SESAM_TEST_LDAP_USER_PASSWORD")),
                                       account.password_state);
  STRCMP_EQUAL("ppolicy.in_history", status.reason().c_str());
  status = directory->SetPassword(account, SecretString("kort"), account.password_state);
  STRCMP_EQUAL("ppolicy.too_short", status.reason().c_str());
  // A refusal leaves the state usable: the same reset may try another password.
  CHECK_TRUE(
      directory->SetPassword(account, SecretString("Derde-Poging-77"), account.password_state)
          .ok());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Derde-Poging-77"));
}

TEST(LdapDirectory, ConcurrentWritesFromTwoProcessesChangeThePasswordOnce) {
  for (const PasswordMode mode : {PasswordMode::kExop, PasswordMode::kCrypt}) {
    auto settings = Settings();
    settings.password_mode = mode;
    const Account account = Find(*Make(settings), "pw.race");
    const auto start = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    std::vector<pid_t> children;
    for (int i = 0; i < 2; ++i) {
      const pid_t pid = fork();
      if (pid == 0) {
        auto directory = sesam::ldap::MakeLdapDirectory(settings);
        if (!directory.ok() || !(*directory)->Ping().ok()) _exit(3);
        std::this_thread::sleep_until(start);
        const auto status =
            (*directory)
                ->SetPassword(account, SecretString("Race-Winnaar-" + std::to_string(i) + "x"),
                              account.password_state);
        _exit(status.ok() ? 0 : status.reason() == "password_state_changed" ? 1 : 2);
      }
      children.push_back(pid);
    }
    int winners = 0, losers = 0;
    for (const pid_t pid : children) {
      int wstatus = 0;
      waitpid(pid, &wstatus, 0);
      const int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 9;
      if (code == 0) ++winners;
      if (code == 1) ++losers;
    }
    LONGS_EQUAL(1, winners);
    LONGS_EQUAL(1, losers);
  }
}

TEST(LdapDirectory, ConcurrentWritesFromThreadsChangeThePasswordOnce) {
  auto directory = Make(Settings());
  const Account account = Find(*directory, "pw.race");
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      if (directory
              ->SetPassword(account, SecretString("Draad-" + std::to_string(i) + "-Wint"),
                            account.password_state)
              .ok()) {
        ++winners;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  LONGS_EQUAL(1, winners.load());
}

TEST(LdapDirectory, ResetRoundsAreLimitedAcrossProcesses) {
  auto settings = Settings();
  const Account account = Find(*Make(settings), "pw.rounds");
  const sesam::config::Rate limit{3, std::chrono::minutes(10)};
  const auto now = std::chrono::system_clock::now();
  std::vector<pid_t> children;
  for (int i = 0; i < 3; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      auto directory = sesam::ldap::MakeLdapDirectory(settings);
      if (!directory.ok()) _exit(9);
      int recorded = 0;
      for (int round = 0; round < 2; ++round) {
        if ((*directory)->BeginResetRound(account, limit, now).ok()) ++recorded;
      }
      _exit(recorded);
    }
    children.push_back(pid);
  }
  int recorded = 0;
  for (const pid_t pid : children) {
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    recorded += WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 100;
  }
  LONGS_EQUAL(3, recorded);
  auto directory = Make(settings);
  const auto refused = directory->BeginResetRound(account, limit, now);
  LONGS_EQUAL(static_cast<int>(StatusCode::kResourceExhausted),
              static_cast<int>(refused.status().code()));
  // Rounds older than the window no longer count (and are dropped).
  const auto later = directory->BeginResetRound(account, limit, now + std::chrono::minutes(11));
  CHECK_TRUE_TEXT(later.ok(), later.status().ToString().c_str());
  LONGS_EQUAL(1, Find(*directory, "pw.rounds").reset_rounds.size());

  // A round whose mails all failed is taken back: it no longer counts.
  const auto second = directory->BeginResetRound(account, limit, now + std::chrono::minutes(12));
  CHECK_TRUE(second.ok());
  LONGS_EQUAL(2, Find(*directory, "pw.rounds").reset_rounds.size());
  const auto cancelled = directory->CancelResetRound(account, *second);
  CHECK_TRUE_TEXT(cancelled.ok(), cancelled.ToString().c_str());
  LONGS_EQUAL(1, Find(*directory, "pw.rounds").reset_rounds.size());
  CHECK_TRUE(directory->CancelResetRound(account, *second).ok());  // already gone: fine

  // The helpdesk clears them all; the attribute goes away.
  CHECK_TRUE(directory->ClearResetRounds(account).ok());
  CHECK_TRUE(Find(*directory, "pw.rounds").reset_rounds.empty());
  STRCMP_EQUAL("", AdminRead(account.dn, "sesamResetRounds").c_str());
  CHECK_TRUE(directory->ClearResetRounds(account).ok());
}

// An administrator's permanent lock (ppolicy writes 000001010000Z) disables
// the account; a lockout after failed binds (a real time) does not: a reset
// may be the way out of that.
TEST(LdapDirectory, ReportsAnAccountDisabledByTheAdministrator) {
  auto directory = Make(Settings());
  const Account before = Find(*directory, "jan.selle");
  CHECK_FALSE(before.disabled);
  LONGS_EQUAL(LDAP_SUCCESS,
              AdminModify(before.dn, LDAP_MOD_REPLACE, "pwdAccountLockedTime", "000001010000Z"));
  const Account locked = Find(*directory, "jan.selle");
  CHECK_TRUE(locked.disabled);
  STRCMP_EQUAL("pwdAccountLockedTime: 000001010000Z", locked.disabled_by.c_str());
  LONGS_EQUAL(LDAP_SUCCESS,
              AdminModify(before.dn, LDAP_MOD_REPLACE, "pwdAccountLockedTime", "20261202101500Z"));
  CHECK_FALSE(Find(*directory, "jan.selle").disabled);
  LONGS_EQUAL(LDAP_SUCCESS,
              AdminModify(before.dn, LDAP_MOD_DELETE, "pwdAccountLockedTime", nullptr));
  CHECK_FALSE(Find(*directory, "jan.selle").disabled);
}

TEST(LdapDirectory, FailsOverToTheNextUri) {
  auto settings = Settings();
  settings.uri = {"ldap://127.0.0.1:" + std::to_string(FreePort()), Env("SESAM_TEST_LDAP_URI")};
  auto directory = Make(settings);
  STRCMP_EQUAL("Jan", Find(*directory, "jan.selle").given_name.c_str());
}

TEST(LdapDirectory, StoppedServerIsUnavailableInTimeThenRecovers) {
  auto settings = Settings();
  auto directory = Make(settings);
  Find(*directory, "jan.selle");  // the pool holds a bound connection now
  const std::string control = Env("SESAM_TEST_LDAP_CONTROL");
  LONGS_EQUAL(0, std::system((control + " stop").c_str()));
  const auto started = std::chrono::steady_clock::now();
  const auto down = directory->FindAccount("jan.selle");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  LONGS_EQUAL(static_cast<int>(StatusCode::kUnavailable), static_cast<int>(down.status().code()));
  CHECK_TRUE(elapsed < settings.network_timeout + settings.timeout);
  Account gone;
  gone.dn = "uid=pw.down," + Env("SESAM_TEST_LDAP_PEOPLE");
  LONGS_EQUAL(
      static_cast<int>(StatusCode::kUnavailable),
      static_cast<int>(directory->SetPassword(gone, SecretString("Whatever-123"), "x").code()));
  LONGS_EQUAL(0, std::system((control + " start").c_str()));
  CHECK_TRUE(Recovers(*directory));
}

TEST(LdapDirectory, HungServerGivesAnErrorInTimeThenRecovers) {
  auto settings = Settings();
  auto directory = Make(settings);
  Find(*directory, "jan.selle");
  const std::string control = Env("SESAM_TEST_LDAP_CONTROL");
  LONGS_EQUAL(0, std::system((control + " pause").c_str()));
  const auto started = std::chrono::steady_clock::now();
  const auto hung = directory->FindAccount("jan.selle");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  LONGS_EQUAL(0, std::system((control + " resume").c_str()));
  CHECK_FALSE(hung.ok());
  CHECK_TRUE(hung.status().code() == StatusCode::kDeadlineExceeded ||
             hung.status().code() == StatusCode::kUnavailable);
  // The request timeout, plus a retry's connect bounded by network_timeout.
  CHECK_TRUE(elapsed <
             settings.network_timeout + settings.timeout + std::chrono::milliseconds(500));
  CHECK_TRUE(Recovers(*directory));
}

TEST(LdapDirectory, SaslExternalOverLdapi) {
  auto settings = Settings();
  settings.uri = {Env("SESAM_TEST_LDAP_LDAPI_URI")};
  settings.sasl_mech = "EXTERNAL";
  settings.bind_dn.clear();
  settings.bind_password_file.clear();
  auto directory = Make(settings);
  const Account account = Find(*directory, "pw.cli");
  CHECK_TRUE(
      directory->SetPassword(account, SecretString("Extern-Gezet-5"), account.password_state).ok());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Extern-Gezet-5"));
}

TEST(LdapDirectory, AdModeIsRefusedWithoutTls) {
  auto settings = Settings();
  settings.password_mode = PasswordMode::kAd;
  auto directory = Make(settings);
  const Account account = Find(*directory, "pw.down");
  const auto status =
      directory->SetPassword(account, SecretString("Nooit-Geschreven-1"), account.password_state);
  LONGS_EQUAL(static_cast<int>(StatusCode::kPermissionDenied), static_cast<int>(status.code()));
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, Env("SESAM_TEST_LDAP_USER_PASSWORD")));
}

TEST(LdapDirectory, TooYoungUnderAMinimumAgePolicy) {
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

TEST(LdapDirectory, StartTlsVerifiesTheServerAndOpensTheAdGate) {
  auto settings = Settings();
  settings.start_tls = true;
  settings.tls_ca_file = Env("SESAM_TEST_LDAP_CA_FILE");
  settings.password_mode = PasswordMode::kAd;
  auto directory = Make(settings);
  const Account account = Find(*directory, "pw.tls");
  // Over TLS the ad mode writes unicodePwd, which slapd does not know: the
  // refusal is the server's, and the claim is released for the next try.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto status =
        directory->SetPassword(account, SecretString("Via-Tls-Gezet-1"), account.password_state);
    LONGS_EQUAL(static_cast<int>(StatusCode::kInvalidArgument), static_cast<int>(status.code()));
    CHECK_TRUE(status.message().find("unicodePwd") != std::string::npos ||
               status.message().find("Undefined") != std::string::npos);
  }
  settings.password_mode = PasswordMode::kExop;
  auto exop = Make(settings);
  CHECK_TRUE(
      exop->SetPassword(account, SecretString("Via-Tls-Gezet-1"), account.password_state).ok());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Via-Tls-Gezet-1"));

  settings.tls_ca_file.clear();  // the system CAs do not know the test certificate
  auto untrusting = Make(settings);
  const auto refused = untrusting->FindAccount("jan.selle");
  LONGS_EQUAL(static_cast<int>(StatusCode::kUnavailable),
              static_cast<int>(refused.status().code()));
}

TEST(LdapDirectory, LdapsVerifiesTheServerAndOpensTheAdGate) {
  auto settings = Settings();
  settings.uri = {Env("SESAM_TEST_LDAPS_URI")};
  settings.tls_ca_file = Env("SESAM_TEST_LDAP_CA_FILE");
  settings.password_mode = PasswordMode::kAd;
  sesam::config::Config config = sesam::config::DefaultConfig();
  config.ldap = settings;
  // ad mode is allowed over ldaps://, refused over plain ldap:// (it sends the
  // password in clear otherwise).
  const sesam::Status over_ldaps = sesam::config::Validate(config);
  CHECK_TEXT(over_ldaps.message().find("password_mode") == std::string::npos,
             over_ldaps.ToString().c_str());
  config.ldap.uri = {Env("SESAM_TEST_LDAP_URI")};
  STRCMP_CONTAINS("password_mode", sesam::config::Validate(config).message().c_str());
  settings.password_mode = PasswordMode::kExop;
  auto directory = Make(settings);
  const Account account = Find(*directory, "pw.tls");
  CHECK_TRUE(
      directory->SetPassword(account, SecretString("Via-Ldaps-Gezet-1"), account.password_state)
          .ok());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Via-Ldaps-Gezet-1"));

  settings.tls_ca_file.clear();  // the system CAs do not know the test certificate
  auto untrusting = Make(settings);
  LONGS_EQUAL(static_cast<int>(StatusCode::kUnavailable),
              static_cast<int>(untrusting->FindAccount("jan.selle").status().code()));
}

// The TLS settings are checked at each connection too: a CA file removed after
// the start fails the connection with a message naming tls_ca_file (libldap's
// refusal used to be ignored), and the directory recovers once it is back.
TEST(LdapDirectory, CaFileGoneAfterTheStartFailsTheConnectionNamingIt) {
  char dir_template[] = "/tmp/sesam-ca-test-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  const std::string ca_file = dir + "/school-ca.pem";
  std::filesystem::copy_file(Env("SESAM_TEST_LDAP_CA_FILE"), ca_file);
  auto settings = Settings();
  settings.start_tls = true;
  settings.tls_ca_file = ca_file;
  auto directory = Make(settings);
  std::filesystem::rename(ca_file, ca_file + ".away");
  const auto refused = directory->FindAccount("jan.selle");
  std::filesystem::rename(ca_file + ".away", ca_file);
  CHECK_FALSE(refused.ok());
  STRCMP_CONTAINS(("tls_ca_file " + ca_file).c_str(), refused.status().message().c_str());
  CHECK_TRUE(Recovers(*directory));
  std::filesystem::remove_all(dir);
}
