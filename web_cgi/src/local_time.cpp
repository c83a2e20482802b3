// SPDX-License-Identifier: Apache-2.0
#include "sesam/web/local_time.h"

#include <ctime>

namespace sesam::web {

LocalTime FormatLocalTime(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm local{};
  localtime_r(&seconds, &local);
  char date[32] = {};
  char time[32] = {};
  std::strftime(date, sizeof date, "%Y-%m-%d", &local);
  std::strftime(time, sizeof time, "%H:%M %Z", &local);
  return {date, time};
}

}  // namespace sesam::web
