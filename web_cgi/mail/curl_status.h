// SPDX-License-Identifier: Apache-2.0
// The one place where libcurl's error space becomes a Status.
#pragma once

#include <curl/curl.h>

#include "sesam/status.h"

namespace sesam::web::internal {

// Maps the result of an SMTP transfer. `smtp_reply` is the last SMTP reply
// code (CURLINFO_RESPONSE_CODE, 0 when none), `detail` libcurl's error buffer
// (may be empty). The codes the Mailer retries are Unavailable and
// DeadlineExceeded: server unreachable, connection lost, timeout, or a 4xx
// reply. A 5xx reply is PermissionDenied (authentication) or InvalidArgument
// (sender or recipient refused): retrying cannot help. The message holds the
// reason only: libcurl's texts name no recipient and no body.
Status CurlStatus(CURLcode code, long smtp_reply, const char* detail);

// Whether a Status from CurlStatus is worth another attempt.
bool IsRetryable(const Status& status);

}  // namespace sesam::web::internal
