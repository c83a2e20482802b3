// SPDX-License-Identifier: Apache-2.0
// [policy]: the password rules shared by pam_sesam.so, `sesam check` and the web form.
// The defaults are the school's rule: 8 characters and 3 of 4 character classes.
#include "key_table.h"

namespace sesam::config::internal {

SectionSpec PolicySectionSpec() {
  using S = PolicySection;
  constexpr auto s = &Config::policy;
  return {
      "policy",
      {
          UnsignedKey(s, &S::min_length, "min_length", "8", 1, 4096),
          UnsignedKey(s, &S::max_length, "max_length", "128", 1, 4096),
          UnsignedKey(s, &S::min_classes, "min_classes", "3", 0, 4),
          BoolKey(s, &S::reject_username, "reject_username", "yes"),
          BoolKey(s, &S::reject_names, "reject_names", "yes"),
          UnsignedKey(s, &S::max_repeat, "max_repeat", "0", 0, 4096),
          BoolKey(s, &S::differ_from_old, "differ_from_old", "yes"),
          ListKey(s, &S::blocklist, "blocklist", SESAM_DATADIR "/blocklist.txt"),
          BoolKey(s, &S::blocklist_optional, "blocklist_optional", "no"),
          UnsignedKey(s, &S::min_entropy_bits, "min_entropy_bits", "0", 0, 256),
      },
      [](const Config& c, const ReportFn& report) {
        if (c.policy.max_length < c.policy.min_length) {
          report("max_length",
                 "max_length (" + std::to_string(c.policy.max_length) +
                     ") must not be below min_length (" + std::to_string(c.policy.min_length) + ")",
                 Diagnostic::Severity::kError);
        }
      },
  };
}

}  // namespace sesam::config::internal
