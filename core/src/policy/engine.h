// SPDX-License-Identifier: Apache-2.0
// The inside of sesam::policy::Policy: the settings plus the loaded
// blocklists. Immutable after Build, so Check may run on many threads.
#pragma once

#include <string>
#include <vector>

#include "pwq_filter.h"
#include "sesam/config.h"
#include "sesam/policy.h"
#include "text_blocklist.h"

namespace sesam::policy {

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Build(const config::PolicySection& settings);

  Verdict Check(std::string_view password, const Context& context,
                const i18n::Catalog& catalog) const;

  const config::PolicySection& settings() const { return settings_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  explicit Engine(const config::PolicySection& settings) : settings_(settings) {}
  Status AddBlocklist(const std::string& path);
  bool Blocklisted(std::string_view password, std::u32string_view code_points) const;

  config::PolicySection settings_;
  internal::TextBlocklist text_;
  std::vector<internal::PwqFilter> filters_;
  std::vector<std::string> warnings_;
};

}  // namespace sesam::policy
