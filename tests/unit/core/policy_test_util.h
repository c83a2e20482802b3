// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the policy tests.
#pragma once

#include <algorithm>
#include <string>

#include "sesam/config.h"
#include "sesam/policy.h"

namespace sesam::policy::testing {

// The school's defaults, with the shipped blocklist from the build tree.
inline config::PolicySection DefaultSettings() {
  config::PolicySection s = config::DefaultConfig().policy;
  s.blocklist = {SESAM_BUILD_BLOCKLIST};
  return s;
}

inline const RuleResult* FindRule(const Verdict& verdict, const std::string& id) {
  const auto found = std::find_if(verdict.rules.begin(), verdict.rules.end(),
                                  [&id](const RuleResult& r) { return r.id == id; });
  return found == verdict.rules.end() ? nullptr : &*found;
}

}  // namespace sesam::policy::testing
