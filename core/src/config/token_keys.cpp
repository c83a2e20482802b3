// SPDX-License-Identifier: Apache-2.0
// [token]: the key that signs one-time links, and how long a link lives.
#include "key_table.h"

namespace sesam::config::internal {

SectionSpec TokenSectionSpec() {
  using S = TokenSection;
  constexpr auto s = &Config::token;
  return {
      "token",
      {
          StringKey(s, &S::key_file, "key_file", SESAM_SYSCONFDIR "/token.key",
                    KeyKind::kSecretFile),
          DurationKey(s, &S::lifetime, "lifetime", "10m", std::chrono::seconds(1),
                      std::chrono::hours(24)),
      },
      nullptr,
  };
}

}  // namespace sesam::config::internal
