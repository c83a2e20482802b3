// SPDX-License-Identifier: Apache-2.0
#include "curl_status.h"

#include <CppUTest/TestHarness.h>

using sesam::StatusCode;
using sesam::web::internal::CurlStatus;
using sesam::web::internal::IsRetryable;

namespace {
void CheckMaps(CURLcode code, long reply, StatusCode expected, bool retryable) {
  const sesam::Status status = CurlStatus(code, reply, "detail text");
  LONGS_EQUAL(static_cast<int>(expected), static_cast<int>(status.code()));
  CHECK_EQUAL(retryable, IsRetryable(status));
  STRCMP_CONTAINS("detail text", status.message().c_str());
}
}  // namespace

TEST_GROUP(MailCurlStatus){};

TEST(MailCurlStatus, OkIsOk) { CHECK_TRUE(CurlStatus(CURLE_OK, 250, "").ok()); }

TEST(MailCurlStatus, ServerDownAndTimeoutsAreRetried) {
  CheckMaps(CURLE_COULDNT_CONNECT, 0, StatusCode::kUnavailable, true);
  CheckMaps(CURLE_COULDNT_RESOLVE_HOST, 0, StatusCode::kUnavailable, true);
  CheckMaps(CURLE_GOT_NOTHING, 0, StatusCode::kUnavailable, true);
  CheckMaps(CURLE_SEND_ERROR, 0, StatusCode::kUnavailable, true);
  CheckMaps(CURLE_OPERATION_TIMEDOUT, 0, StatusCode::kDeadlineExceeded, true);
  CheckMaps(CURLE_SEND_ERROR, 451, StatusCode::kUnavailable, true);  // greylisting
  CheckMaps(CURLE_WEIRD_SERVER_REPLY, 421, StatusCode::kUnavailable, true);
}

TEST(MailCurlStatus, PermanentRepliesAreNotRetried) {
  CheckMaps(CURLE_SEND_ERROR, 550, StatusCode::kInvalidArgument, false);  // unknown recipient
  CheckMaps(CURLE_LOGIN_DENIED, 535, StatusCode::kPermissionDenied, false);
  CheckMaps(CURLE_USE_SSL_FAILED, 0, StatusCode::kFailedPrecondition, false);
  CheckMaps(CURLE_PEER_FAILED_VERIFICATION, 0, StatusCode::kFailedPrecondition, false);
  CheckMaps(CURLE_UNSUPPORTED_PROTOCOL, 0, StatusCode::kInvalidArgument, false);
}

TEST(MailCurlStatus, MessageNamesTheReplyCode) {
  STRCMP_CONTAINS("[SMTP 550]", CurlStatus(CURLE_SEND_ERROR, 550, nullptr).message().c_str());
  STRCMP_EQUAL("smtp.5xx", CurlStatus(CURLE_SEND_ERROR, 550, nullptr).reason().c_str());
}
