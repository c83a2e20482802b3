// SPDX-License-Identifier: Apache-2.0
// The module's arguments from the PAM service file:
//   [config=PATH] [retry=N] [enforce_for_root] [use_authtok] [debug]
//   [KEY=VALUE for any [policy] key]
// Anything else is an error: a typo must never silently switch a rule off.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sesam/config.h"
#include "sesam/status.h"

namespace sesam::pam {

enum class EnforceForRoot { kNo, kYes };
enum class UseAuthtok { kNo, kYes };

struct Arguments {
  std::string config_path;  // config::DefaultPath() unless config=PATH
  unsigned retry = 3;       // 1..100
  EnforceForRoot enforce_for_root = EnforceForRoot::kNo;
  UseAuthtok use_authtok = UseAuthtok::kNo;
  bool debug = false;
  std::vector<std::pair<std::string, std::string>> policy_overrides;  // key, value
};

// Parses argv. InvalidArgument naming the argument on a malformed one. The
// policy keys are checked by ApplyOverrides, against the config's own table.
Result<Arguments> ParseArguments(std::span<const char* const> argv);

// Applies the KEY=VALUE arguments to `config` (as if written in [policy]),
// then the cross-key checks. InvalidArgument naming the argument otherwise.
Status ApplyOverrides(const Arguments& arguments, config::Config& config);

}  // namespace sesam::pam
