// SPDX-License-Identifier: Apache-2.0
#include "time_state.h"

#include <atomic>
#include <chrono>

#include "text.h"

namespace sesam::ldap::internal {

TimeState PasswordStateFromTime(const Entry& entry, std::string_view source) {
  const std::string name(source);
  const std::string value = entry.First(name);
  if (name != "pwdUpdateTime" || !value.empty()) {
    return {PasswordState({name + ":" + value}, ""), true};
  }
  const std::string modified = entry.First("modifyTimestamp");
  if (!modified.empty()) return {PasswordState({"modifyTimestamp:" + modified}, ""), true};
  // Unique per read within the process, and across restarts by the clock.
  static std::atomic<unsigned long long> reads{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  return {PasswordState({"unreadable:" + std::to_string(now) + ":" + std::to_string(++reads)}, ""),
          false};
}

}  // namespace sesam::ldap::internal
