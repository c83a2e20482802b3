// SPDX-License-Identifier: Apache-2.0
// CHECK_OK(expr): expr is a sesam::Status or a sesam::Result<T>; when it is not
// OK the test fails with the expression and the Status ("Unavailable: slapd is
// down"), where CHECK_TRUE(x.ok()) would only say "expected true".
#pragma once

#include <string>

#include "sesam/status.h"
// Last: CppUTest's leak detector redefines `new`.
#include <CppUTest/TestHarness.h>

namespace sesam::testing {

inline Status StatusOf(const Status& status) { return status; }
template <typename T>
Status StatusOf(const Result<T>& result) {
  return result.status();
}

inline std::string NotOkText(const char* expression, const Status& status) {
  return std::string(expression) + " is not OK: " + status.ToString();
}

}  // namespace sesam::testing

#define CHECK_OK(expr)                                                                            \
  do {                                                                                            \
    const ::sesam::Status sesam_check_ok_status_ = ::sesam::testing::StatusOf(expr);              \
    if (!sesam_check_ok_status_.ok()) {                                                           \
      FAIL_LOCATION(::sesam::testing::NotOkText(#expr, sesam_check_ok_status_).c_str(), __FILE__, \
                    __LINE__);                                                                    \
    }                                                                                             \
  } while (false)
