// SPDX-License-Identifier: Apache-2.0
// SetPassword when the directory fails during the password write: a real
// slapd (tests/harness/with_servers.py --slapd) behind FaultProxy, stopped
// (SIGSTOP) or killed (SIGKILL) just before the write reaches it or just after
// it committed the write (its answer lost), in the exop, crypt and argon2
// modes. Each test checks the Status, the directory afterwards (binds with the
// new and the old password) and that the same reset can try again when
// nothing changed.
#include <ldap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "fault_proxy.h"
#include "sesam/config.h"
#include "sesam/ldap/directory.h"
#include "sesam/log.h"
#include "sesam/state_store.h"

// Last: its new/delete macros must not meet the standard headers.
#include <CppUTest/TestHarness.h>

using sesam::SecretString;
using sesam::StatusCode;
using sesam::config::PasswordMode;
using sesam::ldap::Account;
using sesam::ldap::Directory;
using sesam::testing::FaultProxy;
using Fault = FaultProxy::Fault;
using When = FaultProxy::When;
using Recovery = FaultProxy::Recovery;

namespace {

constexpr auto kTimeout = std::chrono::milliseconds(1500);
constexpr auto kNetworkTimeout = std::chrono::milliseconds(1000);
// The write's timeout, the read-back's budget and one more read-back attempt,
// with room for a loaded machine.
constexpr auto kBound = std::chrono::seconds(12);

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr)
    FAIL(("missing " + std::string(name) + ": run under with_servers.py --slapd").c_str());
  return value;
}

sesam::config::LdapSection Settings(int port, PasswordMode mode) {
  sesam::config::LdapSection s = sesam::config::DefaultConfig().ldap;
  s.uri = {"ldap://127.0.0.1:" + std::to_string(port)};
  s.bind_dn = Env("SESAM_TEST_LDAP_BIND_DN");
  s.bind_password_file = Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE");
  s.base = Env("SESAM_TEST_LDAP_PEOPLE");
  s.network_timeout = kNetworkTimeout;
  s.timeout = kTimeout;
  s.password_mode = mode;
  return s;
}

// Without the Sesam schema (--slapd-no-schema) the write claims live in a
// host store, shared by every Directory of the test as by the processes of
// one host.
sesam::ldap::HostState Host() {
  sesam::ldap::HostState host;
  const char* schema = std::getenv("SESAM_TEST_LDAP_SCHEMA");
  if (schema == nullptr || std::string(schema) != "0") return host;
  const std::string dir = Env("SESAM_TEST_WORKDIR") + "/state";
  mkdir(dir.c_str(), 0700);
  auto store = sesam::state::OpenStore(dir);
  CHECK_TRUE_TEXT(store.ok(), store.status().ToString().c_str());
  host.store = std::move(store).value();
  host.key = SecretString("a token key of thirty-two bytes!");
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

// Straight to slapd, never through the proxy.
struct Ldap {
  LDAP* ld = nullptr;
  Ldap() {
    ldap_initialize(&ld, Env("SESAM_TEST_LDAP_URI").c_str());
    const int version = LDAP_VERSION3;
    LONGS_EQUAL(LDAP_OPT_SUCCESS, ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version));
  }
  ~Ldap() { ldap_unbind_ext_s(ld, nullptr, nullptr); }
  int Bind(const std::string& dn, const std::string& password) {
    berval credentials{password.size(), const_cast<char*>(password.data())};
    return ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr,
                            nullptr);
  }
  int BindAdmin() {
    return Bind(Env("SESAM_TEST_LDAP_ADMIN_DN"), Env("SESAM_TEST_LDAP_ADMIN_PASSWORD"));
  }
};

// A real simple bind as the account: the proof that a password works.
int BindAs(const std::string& dn, const std::string& password) { return Ldap().Bind(dn, password); }

std::string AdminRead(const std::string& dn, const char* attribute) {
  Ldap ldap;
  ldap.BindAdmin();
  char* attributes[] = {const_cast<char*>(attribute), nullptr};
  LDAPMessage* result = nullptr;
  ldap_search_ext_s(ldap.ld, dn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", attributes, 0, nullptr,
                    nullptr, nullptr, 1, &result);
  std::string value;
  LDAPMessage* entry = ldap_first_entry(ldap.ld, result);
  if (entry != nullptr) {
    berval** values = ldap_get_values_len(ldap.ld, entry, attribute);
    if (values != nullptr && values[0] != nullptr)
      value.assign(values[0]->bv_val, values[0]->bv_len);
    ldap_value_free_len(values);
  }
  ldap_msgfree(result);
  return value;
}

void AdminReplace(const std::string& dn, const char* attribute, const std::string& value) {
  Ldap ldap;
  LONGS_EQUAL(LDAP_SUCCESS, ldap.BindAdmin());
  berval bv{value.size(), const_cast<char*>(value.data())};
  berval* values[] = {&bv, nullptr};
  LDAPMod mod{};
  mod.mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
  mod.mod_type = const_cast<char*>(attribute);
  mod.mod_bvalues = values;
  LDAPMod* mods[] = {&mod, nullptr};
  LONGS_EQUAL(LDAP_SUCCESS, ldap_modify_ext_s(ldap.ld, dn.c_str(), mods, nullptr, nullptr));
}

// Everything Sesam logs (to stderr) while alive; passed on to stderr at the end.
class CapturedLog {
 public:
  CapturedLog() {
    char path[] = "/tmp/sesam-log-XXXXXX";
    file_ = mkstemp(path);
    unlink(path);
    std::fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    dup2(file_, STDERR_FILENO);
  }
  ~CapturedLog() { Stop(); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  const std::string& Stop() {
    if (saved_ < 0) return text_;
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
    lseek(file_, 0, SEEK_SET);
    char buffer[4096];
    for (ssize_t got; (got = read(file_, buffer, sizeof buffer)) > 0;) {
      text_.append(buffer, static_cast<std::size_t>(got));
    }
    close(file_);
    std::fputs(text_.c_str(), stderr);
    return text_;
  }

 private:
  int file_ = -1;
  int saved_ = -1;
  std::string text_;
};

bool Skip(PasswordMode mode) {
  return mode == PasswordMode::kArgon2 && Env("SESAM_TEST_LDAP_ARGON2") != "1";
}

// One fault during the write of `user`'s password; the server comes back
// 300 ms after the fault, within the read-back's time.
void FaultDuringWrite(PasswordMode mode, Fault fault, When when, const char* user) {
  if (Skip(mode)) return;
  FaultProxy proxy(std::stoi(Env("SESAM_TEST_LDAP_PORT")), Env("SESAM_TEST_LDAP_CONTROL"));
  auto directory = Make(Settings(proxy.port(), mode));
  const Account account = Find(*directory, user);
  const std::string old_password = Env("SESAM_TEST_LDAP_USER_PASSWORD");
  const std::string new_password = std::string("Na-Storing-") + user + "-1";
  proxy.Arm(fault, when, Recovery::kSoon);
  const auto started = std::chrono::steady_clock::now();
  CapturedLog log;
  const auto status =
      directory->SetPassword(account, SecretString(new_password), account.password_state);
  CHECK_TRUE(std::chrono::steady_clock::now() - started < kBound);
  // Logged at every level, never with the password.
  const std::string logged = log.Stop();
  CHECK_TRUE(logged.find(new_password) == std::string::npos);
  CHECK_TRUE(when == When::kBefore ||
             logged.find("read-back shows it landed") != std::string::npos);
  CHECK_TRUE_TEXT(proxy.fired(), "the proxy saw no password write");
  proxy.Recover();
  if (when == When::kAfter) {
    // The change landed and only its answer was lost: the read-back proves it.
    CHECK_TRUE_TEXT(status.ok(), status.ToString().c_str());
    LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, new_password));
    LONGS_EQUAL(LDAP_INVALID_CREDENTIALS, BindAs(account.dn, old_password));
    // shadowLastChange follows the password also when only the read-back
    // knew the write landed (exop writes it apart).
    STRCMP_EQUAL(std::to_string(std::time(nullptr) / 86400).c_str(),
                 AdminRead(account.dn, "shadowLastChange").c_str());
    // The link is spent.
    const auto again =
        directory->SetPassword(account, SecretString("Nog-Eens-Anders-9"), account.password_state);
    STRCMP_EQUAL("password_state_changed", again.reason().c_str());
  } else {
    // A crash is seen at once, a stalled server after the timeout.
    LONGS_EQUAL_TEXT(static_cast<int>(fault == Fault::kKill ? StatusCode::kUnavailable
                                                            : StatusCode::kDeadlineExceeded),
                     static_cast<int>(status.code()), status.ToString().c_str());
    STRCMP_EQUAL_TEXT("password_not_changed", status.reason().c_str(), status.ToString().c_str());
    LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, old_password));
    LONGS_EQUAL(LDAP_INVALID_CREDENTIALS, BindAs(account.dn, new_password));
    // The same reset (same expected state) tries again at once, from a
    // process that knows nothing of the failure, and it works.
    auto other = Make(Settings(proxy.port(), mode));
    const auto again =
        other->SetPassword(account, SecretString(new_password), account.password_state);
    CHECK_TRUE_TEXT(again.ok(), again.ToString().c_str());
    LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, new_password));
  }
  // No claim is left behind (exop).
  STRCMP_EQUAL("", AdminRead(account.dn, "sesamPasswordClaim").c_str());
}

}  // namespace

TEST_GROUP(WriteFailure){void setup() override{
    sesam::log::Init("sesam", sesam::log::Sink::kStderr, sesam::log::Level::kDebug);
}
}
;

TEST(WriteFailure, ExopPausedBeforeTheWrite) {
  FaultDuringWrite(PasswordMode::kExop, Fault::kPause, When::kBefore, "jan.selle");
}
TEST(WriteFailure, ExopPausedAfterTheWrite) {
  FaultDuringWrite(PasswordMode::kExop, Fault::kPause, When::kAfter, "els.peeters");
}
TEST(WriteFailure, ExopKilledBeforeTheWrite) {
  FaultDuringWrite(PasswordMode::kExop, Fault::kKill, When::kBefore, "noor.jacobs");
}
TEST(WriteFailure, ExopKilledAfterTheWrite) {
  FaultDuringWrite(PasswordMode::kExop, Fault::kKill, When::kAfter, "lien.devos");
}
TEST(WriteFailure, CryptPausedBeforeTheWrite) {
  FaultDuringWrite(PasswordMode::kCrypt, Fault::kPause, When::kBefore, "tom.zonder");
}
TEST(WriteFailure, CryptPausedAfterTheWrite) {
  FaultDuringWrite(PasswordMode::kCrypt, Fault::kPause, When::kAfter, "zoe.dubois");
}
TEST(WriteFailure, CryptKilledBeforeTheWrite) {
  FaultDuringWrite(PasswordMode::kCrypt, Fault::kKill, When::kBefore, "pieter.smtp");
}
TEST(WriteFailure, CryptKilledAfterTheWrite) {
  FaultDuringWrite(PasswordMode::kCrypt, Fault::kKill, When::kAfter, "pw.exop");
}
TEST(WriteFailure, Argon2PausedBeforeTheWrite) {
  FaultDuringWrite(PasswordMode::kArgon2, Fault::kPause, When::kBefore, "pw.crypt");
}
TEST(WriteFailure, Argon2PausedAfterTheWrite) {
  FaultDuringWrite(PasswordMode::kArgon2, Fault::kPause, When::kAfter, "pw.argon2");
}
TEST(WriteFailure, Argon2KilledBeforeTheWrite) {
  FaultDuringWrite(PasswordMode::kArgon2, Fault::kKill, When::kBefore, "pw.history");
}
TEST(WriteFailure, Argon2KilledAfterTheWrite) {
  FaultDuringWrite(PasswordMode::kArgon2, Fault::kKill, When::kAfter, "pw.race");
}

// The server stays down through the read-back: the answer says so, and when
// the password did not change the same reset works later, in spite of the
// claim the failed try could not release (exop).
TEST(WriteFailure, ExopKilledBeforeTheWriteAndStillDownIsUnconfirmed) {
  FaultProxy proxy(std::stoi(Env("SESAM_TEST_LDAP_PORT")), Env("SESAM_TEST_LDAP_CONTROL"));
  auto directory = Make(Settings(proxy.port(), PasswordMode::kExop));
  const Account account = Find(*directory, "pw.rounds");
  proxy.Arm(Fault::kKill, When::kBefore, Recovery::kByTest);
  const auto started = std::chrono::steady_clock::now();
  const auto status =
      directory->SetPassword(account, SecretString("Nooit-Bevestigd-1"), account.password_state);
  CHECK_TRUE(std::chrono::steady_clock::now() - started < kBound);
  proxy.Recover();
  LONGS_EQUAL_TEXT(static_cast<int>(StatusCode::kUnavailable), static_cast<int>(status.code()),
                   status.ToString().c_str());
  STRCMP_EQUAL_TEXT("password_unconfirmed", status.reason().c_str(), status.ToString().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, Env("SESAM_TEST_LDAP_USER_PASSWORD")));
  CHECK_TRUE(AdminRead(account.dn, "sesamPasswordClaim").rfind(account.password_state, 0) == 0);
  const auto again =
      directory->SetPassword(account, SecretString("Nooit-Bevestigd-1"), account.password_state);
  CHECK_TRUE_TEXT(again.ok(), again.ToString().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Nooit-Bevestigd-1"));
  STRCMP_EQUAL("", AdminRead(account.dn, "sesamPasswordClaim").c_str());
}

TEST(WriteFailure, CryptPausedAfterTheWriteAndStillStalledIsUnconfirmed) {
  FaultProxy proxy(std::stoi(Env("SESAM_TEST_LDAP_PORT")), Env("SESAM_TEST_LDAP_CONTROL"));
  auto directory = Make(Settings(proxy.port(), PasswordMode::kCrypt));
  const Account account = Find(*directory, "pw.down");
  proxy.Arm(Fault::kPause, When::kAfter, Recovery::kByTest);
  const auto started = std::chrono::steady_clock::now();
  const auto status =
      directory->SetPassword(account, SecretString("Toch-Gezet-22"), account.password_state);
  CHECK_TRUE(std::chrono::steady_clock::now() - started < kBound);
  proxy.Recover();
  LONGS_EQUAL_TEXT(static_cast<int>(StatusCode::kDeadlineExceeded), static_cast<int>(status.code()),
                   status.ToString().c_str());
  STRCMP_EQUAL_TEXT("password_unconfirmed", status.reason().c_str(), status.ToString().c_str());
  // It did land: logging in with it works, and the link is spent.
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Toch-Gezet-22"));
  const auto again =
      directory->SetPassword(account, SecretString("Toch-Gezet-23"), account.password_state);
  STRCMP_EQUAL("password_state_changed", again.reason().c_str());
}

// A claim of the current state blocks while its writer may still be writing,
// and only 2 x timeout + 10 s: a try left by another host's failed write
// does not block the next try for minutes.
TEST(WriteFailure, AClaimLeftByAFailedTryExpiresSoon) {
  const int port = std::stoi(Env("SESAM_TEST_LDAP_PORT"));
  auto directory = Make(Settings(port, PasswordMode::kExop));
  const Account account = Find(*directory, "pw.cli");
  const long long now = static_cast<long long>(std::time(nullptr));
  const std::string fresh =
      account.password_state + ":" + std::to_string(now) + ":0123456789abcdef";
  AdminReplace(account.dn, "sesamPasswordClaim", fresh);
  const auto blocked =
      directory->SetPassword(account, SecretString("Zelfde-Link-1"), account.password_state);
  STRCMP_EQUAL("password_state_changed", blocked.reason().c_str());
  // 2 x 1.5 s + 1 + 10 s = 14 s: a claim of 20 s ago is left over.
  const std::string left =
      account.password_state + ":" + std::to_string(now - 20) + ":0123456789abcdef";
  AdminReplace(account.dn, "sesamPasswordClaim", left);
  const auto taken =
      directory->SetPassword(account, SecretString("Zelfde-Link-1"), account.password_state);
  CHECK_TRUE_TEXT(taken.ok(), taken.ToString().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, "Zelfde-Link-1"));
}

// Directory::ChangePassword (the change page, exop with oldPasswd) when the
// change's answer is lost: a bind with the new password proves it landed;
// when it did not, the answer is "unconfirmed" and a second try works.
TEST(WriteFailure, ExopChangePausedAfterTheWriteIsProvenByABind) {
  FaultProxy proxy(std::stoi(Env("SESAM_TEST_LDAP_PORT")), Env("SESAM_TEST_LDAP_CONTROL"));
  auto directory = Make(Settings(proxy.port(), PasswordMode::kExop));
  const Account account = Find(*directory, "pw.change");
  const std::string old_password = Env("SESAM_TEST_LDAP_USER_PASSWORD");
  const std::string new_password = "Na-Storing-Wissel-1";
  proxy.Arm(Fault::kPause, When::kAfter, Recovery::kSoon);
  CapturedLog log;
  const auto status =
      directory->ChangePassword(account, SecretString(old_password), SecretString(new_password));
  const std::string logged = log.Stop();
  CHECK_TRUE_TEXT(proxy.fired(), "the proxy saw no password write");
  proxy.Recover();
  CHECK_TRUE_TEXT(status.ok(), status.ToString().c_str());
  CHECK_TRUE(logged.find("a bind with the new password shows it landed") != std::string::npos);
  CHECK_TRUE(logged.find(new_password) == std::string::npos);
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, new_password));
  LONGS_EQUAL(LDAP_INVALID_CREDENTIALS, BindAs(account.dn, old_password));
}

TEST(WriteFailure, ExopChangeKilledBeforeTheWriteIsUnconfirmedThenWorks) {
  FaultProxy proxy(std::stoi(Env("SESAM_TEST_LDAP_PORT")), Env("SESAM_TEST_LDAP_CONTROL"));
  auto directory = Make(Settings(proxy.port(), PasswordMode::kExop));
  const Account account = Find(*directory, "pw.chist");
  const std::string old_password = Env("SESAM_TEST_LDAP_USER_PASSWORD");
  const std::string new_password = "Na-Storing-Wissel-2";
  proxy.Arm(Fault::kKill, When::kBefore, Recovery::kSoon);
  const auto status =
      directory->ChangePassword(account, SecretString(old_password), SecretString(new_password));
  CHECK_TRUE_TEXT(proxy.fired(), "the proxy saw no password write");
  proxy.Recover();
  STRCMP_EQUAL_TEXT("password_unconfirmed", status.reason().c_str(), status.ToString().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, old_password));
  const auto again =
      directory->ChangePassword(account, SecretString(old_password), SecretString(new_password));
  CHECK_TRUE_TEXT(again.ok(), again.ToString().c_str());
  LONGS_EQUAL(LDAP_SUCCESS, BindAs(account.dn, new_password));
}
