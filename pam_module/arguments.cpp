// SPDX-License-Identifier: Apache-2.0
#include "arguments.h"

#include <charconv>

namespace sesam::pam {

Result<Arguments> ParseArguments(std::span<const char* const> argv) {
  Arguments arguments;
  arguments.config_path = std::string(config::DefaultPath());
  for (const char* raw : argv) {
    const std::string_view arg = raw != nullptr ? raw : "";
    const std::size_t equals = arg.find('=');
    if (equals == std::string_view::npos) {
      if (arg == "enforce_for_root") {
        arguments.enforce_for_root = EnforceForRoot::kYes;
      } else if (arg == "use_authtok") {
        arguments.use_authtok = UseAuthtok::kYes;
      } else if (arg == "debug") {
        arguments.debug = true;
      } else {
        return InvalidArgumentError("unknown argument '" + std::string(arg) + "'");
      }
      continue;
    }
    const std::string_view key = arg.substr(0, equals);
    const std::string_view value = arg.substr(equals + 1);
    if (key == "config") {
      if (value.empty() || value.front() != '/') {
        return InvalidArgumentError("config= needs an absolute path, got '" + std::string(value) +
                                    "'");
      }
      arguments.config_path = std::string(value);
    } else if (key == "retry") {
      unsigned retry = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), retry);
      if (error != std::errc() || end != value.data() + value.size() || retry < 1 || retry > 100) {
        return InvalidArgumentError("retry= needs a number from 1 to 100, got '" +
                                    std::string(value) + "'");
      }
      arguments.retry = retry;
    } else if (key.empty()) {
      return InvalidArgumentError("malformed argument '" + std::string(arg) + "'");
    } else {
      arguments.policy_overrides.emplace_back(key, value);
    }
  }
  return arguments;
}

Status ApplyOverrides(const Arguments& arguments, config::Config& config) {
  for (const auto& [key, value] : arguments.policy_overrides) {
    Status status = config::Set(config, "policy", key, value, "pam_sesam argument");
    if (!status.ok()) return InvalidArgumentError(status.message());
  }
  return config::Validate(config);
}

}  // namespace sesam::pam
