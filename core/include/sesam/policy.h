// SPDX-License-Identifier: Apache-2.0
// The password policy engine: one set of rules, from [policy], run by
// pam_sesam.so, `sesam check` and the web form alike.
//
// Check() returns the verdict of EVERY rule, each with a stable id and a
// message in the caller's language, not just the first failure.
//
// Stable rule ids (used by the web form's check marks, the JSON below, the
// vectors in tests/vectors/policy.json and `sesam check --json`):
//   utf8            the password is valid UTF-8
//   control         no control characters (Unicode Cc)
//   min_length      at least min_length code points
//   max_length      at most max_length code points
//   classes         at least min_classes of the four classes below
//   class_lower     contains a lower-case letter (Ll)   -- informational:
//   class_upper     contains an upper-case letter (Lu)  -- each passes when the class
//   class_digit     contains a digit (Nd)               -- is present; only "classes"
//   class_other     contains another character          -- decides acceptance
//   max_repeat      no character more than max_repeat times in a row (when on)
//   username        does not contain the username (when on and known)
//   names           does not contain the given name or surname (when on and known)
//   differ_from_old differs from the old password (when on and known)
//   blocklist       not in a blocklist (text lists, pwqfilter filters)
//   entropy         zxcvbn estimate >= min_entropy_bits (when on)
// Rules that are switched off, or whose input is unknown, are not listed:
// "classes" and the four class_* marks only when min_classes > 0, "blocklist"
// only when [policy] blocklist names at least one file, "username" only for
// a username of kUsernameMinLength+ code points, "names" only when a name has
// a word of that length. "utf8", "control", "min_length" and "max_length" are
// always listed.
// An invalid UTF-8 password is still measured: each byte that does not start
// a valid sequence counts as one U+FFFD (class "other"); "utf8" refuses it.
// "match" (the two typed copies are equal) is the caller's rule; its message
// id is listed in BrowserRulesJson so every check mark has a text.
//
// Threading: a Policy is immutable after Create; Check may run on many
// threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::policy {

// Usernames and name words shorter than this are not searched for in the
// password ("Al" would forbid every password containing "al").
inline constexpr unsigned kUsernameMinLength = 3;

struct Context {
  std::string_view username;                   // empty when unknown
  std::vector<std::string> names;              // given name, surname; empty when unknown
  const SecretString* old_password = nullptr;  // null when unknown
};

struct RuleResult {
  std::string id;
  bool passed = false;
  bool informational = false;  // class_* marks: shown, never decide acceptance
  std::string message;         // in the catalog's language, e.g. "At least 8 characters"
};

struct Verdict {
  bool accepted = false;
  std::vector<RuleResult> rules;
};

class Engine;  // private implementation (blocklists, zxcvbn, ...)

class Policy {
 public:
  // Validates the settings and opens every blocklist. A missing or unreadable
  // blocklist file -> NotFound / PermissionDenied naming the file, unless
  // blocklist_optional = yes (then it is skipped and logged).
  static Result<Policy> Create(const config::PolicySection& settings);

  Policy(Policy&&) noexcept;
  Policy& operator=(Policy&&) noexcept;
  ~Policy();

  // Never throws, never crashes on any byte string (invalid UTF-8, NUL, 1 MiB).
  Verdict Check(std::string_view password, const Context& context,
                const i18n::Catalog& catalog) const;

  // The rules a browser can evaluate itself, for GET policy.json:
  // {"min_length":8,"max_length":128,"min_classes":3,"max_repeat":0,
  //  "reject_username":true,"username_min_length":3,
  //  "messages":{"min_length":"...","max_length":"...","classes":"...",
  //              "class_lower":"...","class_upper":"...","class_digit":"...",
  //              "class_other":"...","max_repeat":"...","username":"...",
  //              "match":"..."}}
  // Classes are by Unicode general category (JS: \p{Ll} \p{Lu} \p{Nd});
  // lengths count code points (JS: [...password].length).
  std::string BrowserRulesJson(const i18n::Catalog& catalog) const;

  const config::PolicySection& settings() const;

  // Problems Create tolerated: one line per blocklist file skipped because
  // blocklist_optional = yes. The caller logs them its own way (the PAM
  // module through pam_syslog, the CLI on stderr).
  const std::vector<std::string>& warnings() const;

 private:
  explicit Policy(std::unique_ptr<Engine> engine);
  std::unique_ptr<Engine> engine_;
};

}  // namespace sesam::policy
