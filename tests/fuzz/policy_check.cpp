// SPDX-License-Identifier: Apache-2.0
// The password policy on arbitrary bytes: the default settings (with the
// shipped blocklist and zxcvbn), and a username, names and old password from
// the input too, as the PAM module and the web form pass them.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/policy.h"
#include "sesam/secret_string.h"

namespace {

const sesam::policy::Policy& ThePolicy() {
  static const sesam::policy::Policy* policy = [] {
    sesam::config::PolicySection settings = sesam::config::DefaultConfig().policy;
    settings.blocklist = {SESAM_BUILD_BLOCKLIST};
    settings.reject_names = true;
    settings.max_repeat = 3;
    auto created = sesam::policy::Policy::Create(settings);
    if (!created.ok()) std::abort();
    return new sesam::policy::Policy(std::move(created).value());
  }();
  return *policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const std::string username = input.ConsumeRandomLengthString(64);
  std::vector<std::string> names;
  names.push_back(input.ConsumeRandomLengthString(64));
  names.push_back(input.ConsumeRandomLengthString(64));
  const bool with_old = input.ConsumeBool();
  const sesam::SecretString old_password(input.ConsumeRandomLengthString(256));
  const std::string password = input.ConsumeRemainingBytesAsString();

  sesam::policy::Context context;
  context.username = username;
  context.names = std::move(names);
  context.old_password = with_old ? &old_password : nullptr;
  static const sesam::i18n::Catalog catalog;
  const sesam::policy::Verdict verdict = ThePolicy().Check(password, context, catalog);
  // Acceptance is the conjunction of the deciding rules: anything else would
  // let a password through that a rule refused.
  bool all_passed = true;
  for (const auto& rule : verdict.rules) {
    if (!rule.informational && !rule.passed) all_passed = false;
  }
  if (verdict.accepted != all_passed) std::abort();
  return 0;
}
