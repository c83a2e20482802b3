// SPDX-License-Identifier: Apache-2.0
// The verbs of the `sesam` command. Each verb lives in its own file and gets
// its arguments after the verb name; it returns the process exit code.
#pragma once

#include <span>
#include <string_view>

namespace sesam::cli {

using Args = std::span<char* const>;

struct Verb {
  std::string_view name;
  std::string_view usage;    // "config-test [--config PATH]"
  std::string_view summary;  // one line for --help
  int (*run)(Args args);
};

int RunConfigTest(Args args);
int RunLookup(Args args);
int RunGenkey(Args args);
int RunCheck(Args args);
int RunSetPassword(Args args);
int RunSendReset(Args args);
int RunLimits(Args args);
int RunDoctor(Args args);

}  // namespace sesam::cli
