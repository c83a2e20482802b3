// SPDX-License-Identifier: Apache-2.0
// A moment as the messages and the helpdesk verbs name it: in the host's local
// time zone, {"2026-12-02", "10:15 CET"}.
#pragma once

#include <chrono>
#include <string>

namespace sesam::web {

struct LocalTime {
  std::string date;
  std::string time;
};

LocalTime FormatLocalTime(std::chrono::system_clock::time_point when);

}  // namespace sesam::web
