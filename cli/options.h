// SPDX-License-Identifier: Apache-2.0
// Small, strict option parsing shared by the verbs: "--name VALUE" and
// "--name=VALUE"; anything unknown is a usage error (exit 2), never ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verbs.h"

namespace sesam::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;  // the check or test ran and said no
inline constexpr int kExitUsage = 2;    // bad arguments or configuration

struct OptionSpec {
  std::string_view name;  // without the leading "--"
  bool takes_value;
};

struct ParsedOptions {
  std::vector<std::pair<std::string, std::string>> options;  // name, value ("" for flags)
  std::vector<std::string> positional;
  std::string error;  // non-empty on a usage error

  bool Has(std::string_view name) const;
  std::optional<std::string> Value(std::string_view name) const;
};

ParsedOptions ParseOptions(Args args, const std::vector<OptionSpec>& specs);

// Prints "sesam VERB: MESSAGE" and the verb's usage to stderr; returns kExitUsage.
int UsageError(std::string_view verb, std::string_view message);

}  // namespace sesam::cli
