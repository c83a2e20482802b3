// SPDX-License-Identifier: Apache-2.0
// The LDAP Directory against a real 389 Directory Server started by
// tests/harness/with_servers.py --ds389 (see sesam_harness/ds389.py for the
// accounts, the least-rights service account, the password policy and the
// SESAM_TEST_LDAP_* variables). 389 runs as a school has it, without the Sesam
// schema: co-account addresses come from mailAlternateAddress.
#include <ldap.h>

#include <cstdlib>
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

TEST(Ds389Directory, TheIdRoundTrips) {
  auto directory = Make(Settings());
  const Account jan = Find(*directory, "jan.selle");
  CHECK_FALSE(jan.id.empty());
  auto by_id = directory->FindAccountById(jan.id);
  CHECK_TRUE_TEXT(by_id.ok(), by_id.status().ToString().c_str());
  STRCMP_EQUAL(jan.dn.c_str(), by_id->dn.c_str());
  LONGS_EQUAL(static_cast<int>(StatusCode::kNotFound),
              static_cast<int>(directory->FindAccountById("*").status().code()));
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
