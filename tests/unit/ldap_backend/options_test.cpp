// SPDX-License-Identifier: Apache-2.0
// A bad TLS setting stops the start (MakeLdapDirectory), without a server:
// before, every ldap_set_option result was ignored and a missing CA file was
// dropped silently.
#include "options.h"

#include <ldap.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "handles.h"
#include "sesam/ldap/directory.h"
// Last: CppUTest's leak detector redefines `new`.
#include "../check_ok.h"

using sesam::StatusCode;

namespace {

int Code(const sesam::Status& status) { return static_cast<int>(status.code()); }

sesam::config::LdapSection Settings() {
  sesam::config::LdapSection settings = sesam::config::DefaultConfig().ldap;
  settings.uri = {"ldap://127.0.0.1:9"};  // never contacted by these tests
  settings.bind_password_file.clear();
  settings.start_tls = true;
  return settings;
}

class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/sesam-options-test-XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

sesam::Status StartStatus(const sesam::config::LdapSection& settings) {
  return sesam::ldap::MakeLdapDirectory(settings).status();
}

}  // namespace

TEST_GROUP(LdapTlsSettings){};

TEST(LdapTlsSettings, WithoutACaFileTheStartSucceeds) { CHECK_OK(StartStatus(Settings())); }

TEST(LdapTlsSettings, AMissingCaFileStopsTheStart) {
  auto settings = Settings();
  settings.tls_ca_file = "/nonexistent/school-ca.pem";
  const sesam::Status status = StartStatus(settings);
  LONGS_EQUAL(static_cast<int>(StatusCode::kNotFound), Code(status));
  STRCMP_EQUAL("[ldap] tls_ca_file /nonexistent/school-ca.pem: No such file or directory",
               status.message().c_str());
}

TEST(LdapTlsSettings, ACaFileWithoutCertificatesStopsTheStart) {
  const TempDir dir;
  const std::string path = dir.path() + "/ca.pem";
  std::ofstream(path) << "this is the key, not the certificate\n";
  auto settings = Settings();
  settings.tls_ca_file = path;
  const sesam::Status status = StartStatus(settings);
  LONGS_EQUAL(static_cast<int>(StatusCode::kInvalidArgument), Code(status));
  STRCMP_CONTAINS(("[ldap] tls_ca_file " + path + " holds no PEM certificate").c_str(),
                  status.message().c_str());
}

TEST(LdapTlsSettings, ADirectoryAsCaFileStopsTheStart) {
  const TempDir dir;
  auto settings = Settings();
  settings.tls_ca_file = dir.path();
  const sesam::Status status = StartStatus(settings);
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition), Code(status));
  STRCMP_CONTAINS("Is a directory", status.message().c_str());
}

// The check at each connection: libldap's refusal to build the TLS context is
// no longer ignored (the CA file may vanish after the start).
TEST(LdapTlsSettings, ApplyOptionsReportsACaFileLibldapCannotLoad) {
  LDAP* raw = nullptr;
  LONGS_EQUAL(LDAP_SUCCESS, ldap_initialize(&raw, "ldap://127.0.0.1:9"));
  const sesam::ldap::internal::LdapPtr ld(raw);
  auto settings = Settings();
  CHECK_OK(sesam::ldap::internal::ApplyOptions(ld.get(), settings));
  settings.tls_ca_file = "/nonexistent/school-ca.pem";
  const sesam::Status status = sesam::ldap::internal::ApplyOptions(ld.get(), settings);
  LONGS_EQUAL(static_cast<int>(StatusCode::kInvalidArgument), Code(status));
  STRCMP_CONTAINS("[ldap] tls_ca_file /nonexistent/school-ca.pem", status.message().c_str());
}
