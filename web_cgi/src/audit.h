// SPDX-License-Identifier: Apache-2.0
// Values typed by visitors end up in the audit log; this keeps them on one
// line and short, so a username cannot forge or flood log entries.
#pragma once

#include <string>
#include <string_view>

namespace sesam::web {

// Control characters and quotes escaped as \xNN, cut at `max` bytes ("..."
// added).
std::string LogSafe(std::string_view text, std::size_t max = 64);

// The domain of a mail address ("" without '@'): logs name a recipient by its
// domain only, never by the local part (a pupil's or parent's name).
std::string_view MailDomain(std::string_view address);

}  // namespace sesam::web
