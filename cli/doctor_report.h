// SPDX-License-Identifier: Apache-2.0
// The report of `sesam doctor`: one line per check, "ok", "warn" or "fail",
// a fail (and a warn that has one) followed by its fix on the next line:
//
//   ok    bind: cn=sesam,ou=services,dc=school,dc=test to ldap://ldap.school.be
//   fail  smtp: smtp://mail.school.be:587: Couldn't connect to server
//         fix: check [mail] smtp_url (host and port) and that the server runs
//
// Lines are printed as the checks finish, so a slow check shows where it is.
#pragma once

#include <string>
#include <string_view>

namespace sesam::cli {

class DoctorReport {
 public:
  void Ok(std::string_view check, std::string_view detail);
  void Warn(std::string_view check, std::string_view detail, std::string_view fix = {});
  void Fail(std::string_view check, std::string_view detail, std::string_view fix);

  // "sesam doctor: 8 ok, 1 warning, 0 failed" and the exit code: kExitRefused
  // when any check failed, else kExitOk.
  int Finish() const;

 private:
  void Print(std::string_view verdict, std::string_view check, std::string_view detail,
             std::string_view fix);

  unsigned ok_ = 0;
  unsigned warnings_ = 0;
  unsigned failures_ = 0;
};

}  // namespace sesam::cli
