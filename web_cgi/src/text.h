// SPDX-License-Identifier: Apache-2.0
// Tiny text helpers shared by the request parsers.
#pragma once

#include <string_view>

namespace sesam::web {

// Without leading and trailing ASCII whitespace (space, tab, CR, LF, VT, FF).
inline std::string_view TrimSpace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace sesam::web
