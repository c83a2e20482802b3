// SPDX-License-Identifier: Apache-2.0
// The private description of the configuration: which sections and keys exist,
// their defaults, how each value is parsed, and the cross-key checks.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/config.h"

namespace sesam::config::internal {

enum class KeyKind { kPlain, kSecretFile };

struct KeySpec {
  std::string_view name;
  std::string default_text;  // as it would be written in sesam.conf
  KeyKind kind = KeyKind::kPlain;
  // A list value may continue on indented lines; any other value may not.
  bool is_list = false;
  // Parses `text` and stores it; InvalidArgument with "expected …" otherwise.
  std::function<Status(std::string_view text, Config& config)> apply;
  // For kSecretFile keys: the path the key currently holds.
  std::function<std::string(const Config& config)> current_path = nullptr;
};

// Reports a cross-key problem against the key whose value is wrong.
using ReportFn =
    std::function<void(std::string_view key, std::string message, Diagnostic::Severity)>;

struct SectionSpec {
  std::string_view name;
  std::vector<KeySpec> keys;
  std::function<void(const Config& config, const ReportFn& report)> validate;
};

const std::vector<SectionSpec>& Sections();
const SectionSpec* FindSection(std::string_view name);
const KeySpec* FindKey(const SectionSpec& section, std::string_view name);

SectionSpec PolicySectionSpec();
SectionSpec LdapSectionSpec();
SectionSpec MailSectionSpec();
SectionSpec WebSectionSpec();
SectionSpec TokenSectionSpec();

// The closest of `candidates` to `word` when it is a likely typo, else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string_view>& candidates);

Result<unsigned> ParseUnsignedInRange(std::string_view text, unsigned min, unsigned max);
Result<Duration> ParseDurationInRange(std::string_view text, Duration min, Duration max);

// Key builders: each binds a key name and default to a field of a section.
template <typename Section>
using SectionOf = Section Config::*;

template <typename Section>
KeySpec BoolKey(SectionOf<Section> section, bool Section::*field, std::string_view name,
                std::string default_text) {
  return {name, std::move(default_text), KeyKind::kPlain, false,
          [=](std::string_view text, Config& c) -> Status {
            auto parsed = ParseBool(text);
            if (!parsed.ok()) return parsed.status();
            (c.*section).*field = *parsed;
            return Status::Ok();
          }};
}

template <typename Section>
KeySpec UnsignedKey(SectionOf<Section> section, unsigned Section::*field, std::string_view name,
                    std::string default_text, unsigned min, unsigned max) {
  return {name, std::move(default_text), KeyKind::kPlain, false,
          [=](std::string_view text, Config& c) -> Status {
            auto parsed = ParseUnsignedInRange(text, min, max);
            if (!parsed.ok()) return parsed.status();
            (c.*section).*field = *parsed;
            return Status::Ok();
          }};
}

template <typename Section>
KeySpec StringKey(SectionOf<Section> section, std::string Section::*field, std::string_view name,
                  std::string default_text, KeyKind kind = KeyKind::kPlain) {
  return {name,
          std::move(default_text),
          kind,
          false,
          [=](std::string_view text, Config& c) -> Status {
            (c.*section).*field = std::string(text);
            return Status::Ok();
          },
          [=](const Config& c) { return (c.*section).*field; }};
}

template <typename Section>
KeySpec ListKey(SectionOf<Section> section, std::vector<std::string> Section::*field,
                std::string_view name, std::string default_text) {
  return {name, std::move(default_text), KeyKind::kPlain, /*is_list=*/true,
          [=](std::string_view text, Config& c) -> Status {
            (c.*section).*field = SplitList(text);
            return Status::Ok();
          }};
}

template <typename Section>
KeySpec DurationKey(SectionOf<Section> section, Duration Section::*field, std::string_view name,
                    std::string default_text, Duration min, Duration max) {
  return {name, std::move(default_text), KeyKind::kPlain, false,
          [=](std::string_view text, Config& c) -> Status {
            auto parsed = ParseDurationInRange(text, min, max);
            if (!parsed.ok()) return parsed.status();
            (c.*section).*field = *parsed;
            return Status::Ok();
          }};
}

template <typename Section>
KeySpec RateKey(SectionOf<Section> section, Rate Section::*field, std::string_view name,
                std::string default_text) {
  return {name, std::move(default_text), KeyKind::kPlain, false,
          [=](std::string_view text, Config& c) -> Status {
            auto parsed = ParseRate(text);
            if (!parsed.ok()) return parsed.status();
            (c.*section).*field = *parsed;
            return Status::Ok();
          }};
}

// `choices` maps the accepted words to enum values.
template <typename Section, typename Enum>
KeySpec EnumKey(SectionOf<Section> section, Enum Section::*field, std::string_view name,
                std::string default_text, std::vector<std::pair<std::string_view, Enum>> choices) {
  return {name, std::move(default_text), KeyKind::kPlain, false,
          [=](std::string_view text, Config& c) -> Status {
            std::string expected;
            for (const auto& [word, value] : choices) {
              if (text == word) {
                (c.*section).*field = value;
                return Status::Ok();
              }
              expected.append(expected.empty() ? "" : ", ").append("'").append(word).append("'");
            }
            return InvalidArgumentError("expected one of " + expected);
          }};
}

// "30s", "15m", "1h30m"-style text for a duration, as the docs write it.
std::string FormatDuration(Duration duration);

}  // namespace sesam::config::internal
