// SPDX-License-Identifier: Apache-2.0
// MD4 (RFC 1320), only because passwdqc's pwqfilter files index passwords by
// their MD4 or NTLM hash. Not for anything that needs a secure hash. Our own
// few lines: OpenSSL 3 hides MD4 in its legacy provider, and the PAM module
// must not pull libcrypto into login processes anyway.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace sesam::policy::internal {

using Md4Digest = std::array<std::uint8_t, 16>;

Md4Digest Md4(std::span<const std::uint8_t> data);

}  // namespace sesam::policy::internal
