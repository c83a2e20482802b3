// SPDX-License-Identifier: Apache-2.0
// Engine::Check: every rule, in the order of the contract in policy.h.
#include <zxcvbn.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "engine.h"
#include "messages.h"
#include "sesam/utf8.h"
#include "unicode.h"

namespace sesam::policy {
namespace {

using internal::CharClass;

// A username or name shorter than this is not searched for: "Al" would
// forbid every password containing "al".
constexpr std::size_t kMinNameLength = kUsernameMinLength;

// Whether a rule's result decides acceptance or is only a check mark.
enum class Role { kDecides, kInformational };

class Collector {
 public:
  Collector(const i18n::Catalog& catalog, Verdict& verdict)
      : catalog_(catalog), verdict_(verdict) {}

  void Add(const char* id, bool passed, const char* msgid,
           std::initializer_list<std::pair<std::string_view, std::string_view>> values = {},
           Role role = Role::kDecides) {
    const bool informational = role == Role::kInformational;
    RuleResult& rule = verdict_.rules.emplace_back();
    rule.id = id;
    rule.passed = passed;
    rule.informational = informational;
    const std::string_view text = catalog_.Translate(msgid);
    rule.message = values.size() == 0 ? std::string(text) : i18n::Format(text, values);
    if (!passed && !informational) verdict_.accepted = false;
  }

 private:
  const i18n::Catalog& catalog_;
  Verdict& verdict_;
};

bool ContainsFolded(std::u32string_view folded_password, std::u32string_view needle) {
  return folded_password.find(needle) != std::u32string_view::npos;
}

// Splits a name into its words ("de Vries" -> "de", "Vries"), each folded.
std::vector<std::u32string> NameWords(std::string_view name) {
  bool valid = false;
  const std::u32string folded = internal::FoldCase(internal::DecodeLenient(name, valid));
  std::vector<std::u32string> words;
  std::u32string word;
  for (const char32_t c : folded) {
    if (c == U' ' || c == U'-' || c == U'\'' || c == U'.' || c == U',') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

unsigned LongestRun(std::u32string_view code_points) {
  unsigned longest = 0, run = 0;
  for (std::size_t i = 0; i < code_points.size(); ++i) {
    run = (i > 0 && code_points[i] == code_points[i - 1]) ? run + 1 : 1;
    longest = std::max(longest, run);
  }
  return longest;
}

double EntropyBits(std::string_view password, const Context& context) {
  // zxcvbn reads C strings: the password up to its first NUL (a password with
  // a NUL is refused by the "control" rule anyway).
  std::string text(password.substr(0, password.find('\0')));
  std::vector<std::string> words;
  if (!context.username.empty()) words.emplace_back(context.username);
  for (const auto& name : context.names) words.push_back(name);
  std::vector<const char*> dictionary;
  for (const auto& word : words) dictionary.push_back(word.c_str());
  dictionary.push_back(nullptr);
  const double bits = ZxcvbnMatch(text.c_str(), dictionary.data(), nullptr);
  WipeString(text);
  return bits;
}

}  // namespace

bool Engine::Blocklisted(std::string_view password, std::u32string_view code_points) const {
  if (text_.size() > 0) {
    std::string folded = utf8::Encode(internal::FoldCase(code_points));
    const bool found = text_.ContainsFolded(folded);
    WipeString(folded);
    if (found) return true;
  }
  return std::any_of(filters_.begin(), filters_.end(),
                     [password](const internal::PwqFilter& f) { return f.Contains(password); });
}

Verdict Engine::Check(std::string_view password, const Context& context,
                      const i18n::Catalog& catalog) const {
  Verdict verdict;
  verdict.accepted = true;
  verdict.rules.reserve(16);
  Collector add(catalog, verdict);
  const config::PolicySection& s = settings_;

  bool valid_utf8 = false;
  std::u32string code_points = internal::DecodeLenient(password, valid_utf8);
  std::array<bool, 5> seen{};  // indexed by CharClass
  for (const char32_t c : code_points) seen[static_cast<std::size_t>(internal::ClassOf(c))] = true;
  const auto has = [&seen](CharClass c) { return seen[static_cast<std::size_t>(c)]; };

  add.Add("utf8", valid_utf8, internal::kMsgUtf8);
  add.Add("control", !has(CharClass::kControl), internal::kMsgControl);

  const std::size_t length = code_points.size();
  const std::string min_text = std::to_string(s.min_length);
  const std::string max_text = std::to_string(s.max_length);
  add.Add("min_length", length >= s.min_length, internal::kMsgMinLength, {{"min", min_text}});
  add.Add("max_length", length <= s.max_length, internal::kMsgMaxLength, {{"max", max_text}});

  if (s.min_classes > 0) {
    // Control characters are refused by their own rule; they do not count as
    // "other" towards the classes.
    const unsigned classes = unsigned{has(CharClass::kLower)} + unsigned{has(CharClass::kUpper)} +
                             unsigned{has(CharClass::kDigit)} + unsigned{has(CharClass::kOther)};
    const std::string classes_text = std::to_string(s.min_classes);
    add.Add("classes", classes >= s.min_classes, internal::kMsgClasses, {{"min", classes_text}});
    add.Add("class_lower", has(CharClass::kLower), internal::kMsgClassLower, {},
            Role::kInformational);
    add.Add("class_upper", has(CharClass::kUpper), internal::kMsgClassUpper, {},
            Role::kInformational);
    add.Add("class_digit", has(CharClass::kDigit), internal::kMsgClassDigit, {},
            Role::kInformational);
    add.Add("class_other", has(CharClass::kOther), internal::kMsgClassOther, {},
            Role::kInformational);
  }

  if (s.max_repeat > 0) {
    const std::string repeat_text = std::to_string(s.max_repeat);
    add.Add("max_repeat", LongestRun(code_points) <= s.max_repeat, internal::kMsgMaxRepeat,
            {{"max", repeat_text}});
  }

  std::u32string folded = internal::FoldCase(code_points);
  if (s.reject_username && !context.username.empty()) {
    bool username_valid = false;
    const std::u32string user =
        internal::FoldCase(internal::DecodeLenient(context.username, username_valid));
    if (user.size() >= kMinNameLength) {
      add.Add("username", !ContainsFolded(folded, user), internal::kMsgUsername);
    }
  }
  if (s.reject_names && !context.names.empty()) {
    bool any = false, contains = false;
    for (const std::string& name : context.names) {
      for (const std::u32string& word : NameWords(name)) {
        if (word.size() < kMinNameLength) continue;
        any = true;
        contains = contains || ContainsFolded(folded, word);
      }
    }
    if (any) add.Add("names", !contains, internal::kMsgNames);
  }
  if (s.differ_from_old && context.old_password != nullptr) {
    add.Add("differ_from_old", !context.old_password->Equals(password),
            internal::kMsgDifferFromOld);
  }
  if (!s.blocklist.empty()) {
    add.Add("blocklist", !Blocklisted(password, code_points), internal::kMsgBlocklist);
  }
  if (s.min_entropy_bits > 0) {
    const double bits = EntropyBits(password, context);
    const std::string bits_text = std::to_string(s.min_entropy_bits);
    add.Add("entropy", bits >= static_cast<double>(s.min_entropy_bits), internal::kMsgEntropy,
            {{"bits", bits_text}});
  }

  std::fill(folded.begin(), folded.end(), U'\0');
  std::fill(code_points.begin(), code_points.end(), U'\0');
  return verdict;
}

}  // namespace sesam::policy
