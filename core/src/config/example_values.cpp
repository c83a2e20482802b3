// SPDX-License-Identifier: Apache-2.0
// Example values: read the file's own lines (not the typed Config) so that a
// warning names the line, as every other diagnostic does.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <string_view>

#include "sesam/config_examples.h"

namespace sesam::config {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  const auto end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

// The shipped file's placeholders, and the domains reserved for examples
// (RFC 2606): school.be as a host, a mail domain or dc=school,dc=be; any
// example.* label; the school name "Onze School".
bool IsExample(const std::string& key, const std::string& value) {
  static const std::regex kExampleDomain(
      R"((^|[@./=,\s])(school\.be|example)([.,/:>\s]|$)|dc=school,\s*dc=be)",
      std::regex::ECMAScript | std::regex::icase);
  if (key == "school_name" && Lower(value) == "onze school") return true;
  return std::regex_search(value, kExampleDomain);
}

}  // namespace

std::vector<Diagnostic> ExampleValueWarnings(const std::string& path) {
  std::vector<Diagnostic> out;
  std::ifstream in(path);
  std::string line;
  std::string key;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';') continue;
    std::string value;
    if (trimmed[0] == '[') {
      key.clear();
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      value = trimmed;  // an indented line continues the previous key's list
    } else {
      const auto equals = trimmed.find('=');
      if (equals == std::string::npos) continue;
      key = Trim(std::string_view(trimmed).substr(0, equals));
      value = Trim(std::string_view(trimmed).substr(equals + 1));
    }
    if (key.empty() || !IsExample(key, value)) continue;
    Diagnostic warning;
    warning.severity = Diagnostic::Severity::kWarning;
    warning.file = path;
    warning.line = number;
    warning.key = key;
    warning.message =
        "'" + key + "' = " + value +
        " looks like an example value (example, school.be, Onze School): replace it with "
        "your school's";
    out.push_back(std::move(warning));
  }
  return out;
}

}  // namespace sesam::config
