// SPDX-License-Identifier: Apache-2.0
#include "options.h"

#include <cstdio>

namespace sesam::cli {

bool ParsedOptions::Has(std::string_view name) const {
  for (const auto& [option, value] : options) {
    if (option == name) return true;
  }
  return false;
}

std::optional<std::string> ParsedOptions::Value(std::string_view name) const {
  for (const auto& [option, value] : options) {
    if (option == name) return value;
  }
  return std::nullopt;
}

ParsedOptions ParseOptions(Args args, const std::vector<OptionSpec>& specs) {
  ParsedOptions parsed;
  bool only_positional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (only_positional || arg.size() < 2 || arg.substr(0, 2) != "--") {
      if (!only_positional && arg.size() > 1 && arg[0] == '-') {
        parsed.error = "unknown option '" + std::string(arg) + "'";
        return parsed;
      }
      parsed.positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    const auto equals = arg.find('=');
    const std::string_view name =
        arg.substr(2, equals == std::string_view::npos ? arg.npos : equals - 2);
    const OptionSpec* spec = nullptr;
    for (const auto& candidate : specs) {
      if (candidate.name == name) spec = &candidate;
    }
    if (spec == nullptr) {
      parsed.error = "unknown option '--" + std::string(name) + "'";
      return parsed;
    }
    if (parsed.Has(name)) {
      parsed.error = "option '--" + std::string(name) + "' given twice";
      return parsed;
    }
    if (!spec->takes_value) {
      if (equals != std::string_view::npos) {
        parsed.error = "option '--" + std::string(name) + "' takes no value";
        return parsed;
      }
      parsed.options.emplace_back(name, "");
    } else if (equals != std::string_view::npos) {
      parsed.options.emplace_back(name, arg.substr(equals + 1));
    } else if (i + 1 < args.size()) {
      parsed.options.emplace_back(name, args[++i]);
    } else {
      parsed.error = "option '--" + std::string(name) + "' needs a value";
      return parsed;
    }
  }
  return parsed;
}

int UsageError(std::string_view verb, std::string_view message) {
  std::fprintf(stderr, "sesam %.*s: %.*s\nTry 'sesam --help'.\n", static_cast<int>(verb.size()),
               verb.data(), static_cast<int>(message.size()), message.data());
  return kExitUsage;
}

}  // namespace sesam::cli
