// SPDX-License-Identifier: Apache-2.0
// A blocklist file as [policy] blocklist names it: the engine decides between
// a pwqfilter filter and a text list by the first bytes, then opens it. A
// crafted file (a filter whose header lies about its size, a text list of
// odd lines) must give an error or a working list, never a crash. A few
// passwords, including lines of the file itself, are then checked.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/policy.h"
#include "temp_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = sesam::fuzz::WriteTempFile(data, size);
  sesam::config::PolicySection settings = sesam::config::DefaultConfig().policy;
  settings.blocklist = {path};
  settings.min_entropy_bits = 0;  // zxcvbn is the policy_check target's
  auto policy = sesam::policy::Policy::Create(settings);
  if (!policy.ok()) return 0;
  static const sesam::i18n::Catalog catalog;
  const sesam::policy::Context context;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)policy->Check("Correct-Horse-9", context, catalog);
  (void)policy->Check(text.substr(0, text.find('\n')), context, catalog);
  (void)policy->Check(text.substr(0, 64), context, catalog);
  return 0;
}
