// SPDX-License-Identifier: Apache-2.0
#include "errors.h"

#include <CppUTest/TestHarness.h>
#include <ldap.h>

#include <string>

using namespace sesam::ldap::internal;
using sesam::StatusCode;

namespace {
int Code(const sesam::Status& status) { return static_cast<int>(status.code()); }
}  // namespace

TEST_GROUP(ResultMapping){};

TEST(ResultMapping, MapsClassesOfCodes) {
  CHECK_TRUE(MapResult(LDAP_SUCCESS, "search", "").ok());
  LONGS_EQUAL(static_cast<int>(StatusCode::kUnavailable),
              Code(MapResult(LDAP_SERVER_DOWN, "bind", "")));
  LONGS_EQUAL(static_cast<int>(StatusCode::kUnavailable),
              Code(MapResult(LDAP_CONNECT_ERROR, "bind", "")));
  LONGS_EQUAL(static_cast<int>(StatusCode::kUnavailable), Code(MapResult(LDAP_BUSY, "bind", "")));
  LONGS_EQUAL(static_cast<int>(StatusCode::kDeadlineExceeded),
              Code(MapResult(LDAP_TIMEOUT, "search", "")));
  LONGS_EQUAL(static_cast<int>(StatusCode::kPermissionDenied),
              Code(MapResult(LDAP_INVALID_CREDENTIALS, "bind", "")));
  LONGS_EQUAL(static_cast<int>(StatusCode::kPermissionDenied),
              Code(MapResult(LDAP_INSUFFICIENT_ACCESS, "modify", "")));
  LONGS_EQUAL(static_cast<int>(StatusCode::kNotFound),
              Code(MapResult(LDAP_NO_SUCH_OBJECT, "search", "")));
  LONGS_EQUAL(static_cast<int>(StatusCode::kInvalidArgument),
              Code(MapResult(LDAP_FILTER_ERROR, "search", "")));
  const auto lost = MapResult(LDAP_ASSERTION_FAILED, "modify", "");
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition), Code(lost));
  STRCMP_EQUAL("changed_concurrently", lost.reason().c_str());
}

TEST(ResultMapping, KeepsTheServersDiagnostic) {
  const auto status =
      MapResult(LDAP_CONSTRAINT_VIOLATION, "modify", "Password fails quality checking policy");
  CHECK_TRUE(status.message().find("Password fails quality checking policy") != std::string::npos);
  CHECK_TRUE(status.message().find("modify") != std::string::npos);
}

TEST(ResultMapping, APpolicyErrorWins) {
  PpolicyResponse response;
  response.error = PpolicyError::kPasswordInHistory;
  const auto status =
      MapResult(LDAP_CONSTRAINT_VIOLATION, "password modify", "in history", response);
  LONGS_EQUAL(static_cast<int>(StatusCode::kFailedPrecondition), Code(status));
  STRCMP_EQUAL("ppolicy.in_history", status.reason().c_str());
}

TEST_GROUP(PpolicyControl){};

TEST(PpolicyControl, DecodesErrors) {
  // What slapd sent in history (error 8) and too short (error 6): 30 03 81 01 xx.
  auto history = DecodePpolicyResponse(std::string("\x30\x03\x81\x01\x08", 5));
  CHECK_TRUE(history && history->error == PpolicyError::kPasswordInHistory);
  auto short_one = DecodePpolicyResponse(std::string("\x30\x03\x81\x01\x06", 5));
  CHECK_TRUE(short_one && short_one->error == PpolicyError::kPasswordTooShort);
  STRCMP_EQUAL("ppolicy.too_short", std::string(PpolicyReason(*short_one->error)).c_str());
  STRCMP_EQUAL("ppolicy.too_young",
               std::string(PpolicyReason(PpolicyError::kPasswordTooYoung)).c_str());
  STRCMP_EQUAL("ppolicy.insufficient_quality",
               std::string(PpolicyReason(PpolicyError::kInsufficientPasswordQuality)).c_str());
  STRCMP_EQUAL("ppolicy.other", std::string(PpolicyReason(PpolicyError::kAccountLocked)).c_str());
}

TEST(PpolicyControl, DecodesLongFormLengths) {
  // As 389-ds 2.3 sends them (captured with ldappasswd -e ppolicy): every
  // length in four bytes.
  auto quality = DecodePpolicyResponse(std::string("\x30\x84\x00\x00\x00\x03\x81\x01\x05", 9));
  CHECK_TRUE(quality && quality->error == PpolicyError::kInsufficientPasswordQuality);
  auto history = DecodePpolicyResponse(std::string("\x30\x84\x00\x00\x00\x03\x81\x01\x08", 9));
  CHECK_TRUE(history && history->error == PpolicyError::kPasswordInHistory);
  auto warning = DecodePpolicyResponse(
      std::string("\x30\x84\x00\x00\x00\x09\xa0\x84\x00\x00\x00\x03\x80\x01\x2c", 15));
  CHECK_TRUE(warning && warning->time_before_expiration == 44);
  // Five length bytes, or a length past the end, stay malformed.
  CHECK_FALSE(DecodePpolicyResponse(std::string("\x30\x85\x00\x00\x00\x00\x03\x81\x01\x05", 10))
                  .has_value());
  CHECK_FALSE(
      DecodePpolicyResponse(std::string("\x30\x84\xff\xff\xff\xff\x81\x01\x05", 9)).has_value());
}

TEST(PpolicyControl, DecodesWarnings) {
  // warning: timeBeforeExpiration 300 (0x012c); no error.
  auto warning = DecodePpolicyResponse(std::string("\x30\x06\xa0\x04\x80\x02\x01\x2c", 8));
  CHECK_TRUE(warning.has_value());
  CHECK_FALSE(warning->error.has_value());
  LONGS_EQUAL(300, *warning->time_before_expiration);
  auto grace = DecodePpolicyResponse(std::string("\x30\x08\xa0\x03\x81\x01\x02\x81\x01\x00", 10));
  CHECK_TRUE(grace && grace->grace_authn_remaining == 2 &&
             grace->error == PpolicyError::kPasswordExpired);
  CHECK_TRUE(DecodePpolicyResponse(std::string("\x30\x00", 2)).has_value());
}

TEST(PpolicyControl, RejectsMalformedValues) {
  CHECK_FALSE(DecodePpolicyResponse("").has_value());
  CHECK_FALSE(DecodePpolicyResponse(std::string("\x30\x05\x81\x01\x08", 5)).has_value());
  CHECK_FALSE(DecodePpolicyResponse(std::string("\x31\x03\x81\x01\x08", 5)).has_value());
  CHECK_FALSE(DecodePpolicyResponse(std::string("\x30\x03\x81\x01\x63", 5)).has_value());
  CHECK_FALSE(DecodePpolicyResponse(std::string("\x30\x03\x82\x01\x01", 5)).has_value());
  CHECK_FALSE(DecodePpolicyResponse(std::string("\x30\x03\x81\x01\x08\x00", 6)).has_value());
}
