// SPDX-License-Identifier: Apache-2.0
// The value syntaxes of sesam.conf: booleans, whole numbers, durations, rates
// and space-separated lists. Messages say what was expected, not only that the
// value is wrong.
#include <charconv>
#include <limits>

#include "key_table.h"

namespace sesam::config {

Result<bool> ParseBool(std::string_view text) {
  if (text == "yes" || text == "true" || text == "on" || text == "1") return true;
  if (text == "no" || text == "false" || text == "off" || text == "0") return false;
  return InvalidArgumentError("expected 'yes' or 'no'");
}

namespace {

// A whole number with no sign, spaces or suffix.
bool ParseDigits(std::string_view text, unsigned long long& value) {
  if (text.empty() || text.size() > 18) return false;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return false;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  // One or more <number><unit> groups: "30s", "15m", "1h", "1h30m", "500ms".
  static constexpr std::string_view kExpected =
      "expected a duration such as 30s, 15m or 1h (units: ms, s, m, h, d)";
  if (text.empty()) return InvalidArgumentError(std::string(kExpected));
  Duration total{0};
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t digits_end = i;
    while (digits_end < text.size() && text[digits_end] >= '0' && text[digits_end] <= '9') {
      ++digits_end;
    }
    std::size_t unit_end = digits_end;
    while (unit_end < text.size() && text[unit_end] >= 'a' && text[unit_end] <= 'z') ++unit_end;
    unsigned long long number = 0;
    if (!ParseDigits(text.substr(i, digits_end - i), number) || number > 10'000'000) {
      return InvalidArgumentError(std::string(kExpected));
    }
    const std::string_view unit = text.substr(digits_end, unit_end - digits_end);
    long long unit_ms;
    if (unit == "ms") {
      unit_ms = 1;
    } else if (unit == "s") {
      unit_ms = 1000;
    } else if (unit == "m") {
      unit_ms = 60'000;
    } else if (unit == "h") {
      unit_ms = 3'600'000;
    } else if (unit == "d") {
      unit_ms = 86'400'000;
    } else {
      return InvalidArgumentError(std::string(kExpected));
    }
    total += Duration(static_cast<long long>(number) * unit_ms);
    i = unit_end;
  }
  return total;
}

Result<Rate> ParseRate(std::string_view text) {
  static constexpr std::string_view kExpected =
      "expected a rate such as 20/10m (at most 20 per 10 minutes)";
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return InvalidArgumentError(std::string(kExpected));
  unsigned long long count = 0;
  if (!ParseDigits(text.substr(0, slash), count) || count == 0 || count > 1'000'000) {
    return InvalidArgumentError(std::string(kExpected));
  }
  auto window = ParseDuration(text.substr(slash + 1));
  if (!window.ok() || window->count() < 1000) return InvalidArgumentError(std::string(kExpected));
  return Rate{static_cast<unsigned>(count), *window};
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    if (end > i) items.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return items;
}

namespace internal {

Result<unsigned> ParseUnsignedInRange(std::string_view text, unsigned min, unsigned max) {
  unsigned long long value = 0;
  const std::string expected =
      "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!ParseDigits(text, value) || value < min || value > max) {
    return InvalidArgumentError(expected);
  }
  return static_cast<unsigned>(value);
}

Result<Duration> ParseDurationInRange(std::string_view text, Duration min, Duration max) {
  auto parsed = ParseDuration(text);
  if (!parsed.ok()) return parsed;
  if (*parsed < min || *parsed > max) {
    return InvalidArgumentError("expected a duration from " + FormatDuration(min) + " to " +
                                FormatDuration(max));
  }
  return parsed;
}

std::string FormatDuration(Duration duration) {
  long long ms = duration.count();
  if (ms == 0) return "0s";
  std::string text;
  const std::pair<long long, const char*> units[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : units) {
    if (ms >= size) {
      text += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return text;
}

}  // namespace internal
}  // namespace sesam::config
