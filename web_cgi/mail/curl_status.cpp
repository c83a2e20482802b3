// SPDX-License-Identifier: Apache-2.0
#include "curl_status.h"

#include <string>

namespace sesam::web::internal {

Status CurlStatus(CURLcode code, long smtp_reply, const char* detail) {
  if (code == CURLE_OK) return Status::Ok();
  std::string message = curl_easy_strerror(code);
  if (detail != nullptr && detail[0] != '\0') message += std::string(" (") + detail + ")";
  if (smtp_reply > 0) message += " [SMTP " + std::to_string(smtp_reply) + "]";

  // The server's verdict decides first: 4xx says "later", 5xx says "never".
  if (smtp_reply >= 400 && smtp_reply < 500) return {StatusCode::kUnavailable, message, "smtp.4xx"};
  if (smtp_reply >= 500 && smtp_reply < 600) {
    if (code == CURLE_LOGIN_DENIED || smtp_reply == 530 || smtp_reply == 535) {
      return {StatusCode::kPermissionDenied, message, "smtp.auth"};
    }
    return {StatusCode::kInvalidArgument, message, "smtp.5xx"};
  }
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_UPLOAD_FAILED:
      return {StatusCode::kUnavailable, message, "smtp.connection"};
    case CURLE_OPERATION_TIMEDOUT:
      return {StatusCode::kDeadlineExceeded, message, "smtp.timeout"};
    case CURLE_ABORTED_BY_CALLBACK:
      return {StatusCode::kDeadlineExceeded, message, "smtp.shutdown"};
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR:
      return {StatusCode::kPermissionDenied, message, "smtp.auth"};
    case CURLE_USE_SSL_FAILED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return {StatusCode::kFailedPrecondition, message, "smtp.tls"};
    case CURLE_OUT_OF_MEMORY:
      return {StatusCode::kResourceExhausted, message, "smtp.memory"};
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return {StatusCode::kInvalidArgument, message, "smtp.config"};
    default:
      return {StatusCode::kInternal, message, "smtp.other"};
  }
}

bool IsRetryable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

}  // namespace sesam::web::internal
