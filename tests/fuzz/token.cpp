// SPDX-License-Identifier: Apache-2.0
// Token verification, the one parser a reset link's visitor controls. Half of
// the inputs are taken as the token itself; the other half are a header and a
// payload that the fuzzer writes and this target signs with the key, so the
// payload parser behind the MAC check is fuzzed too (an attacker cannot get
// there without the key, but a parser bug must not wait for a key leak).
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "sesam/crypto.h"
#include "sesam/secret_string.h"
#include "sesam/token.h"

namespace {

constexpr char kKey[] = "sesam fuzz key: 32 bytes or more.";

const sesam::token::Signer& TheSigner() {
  static const sesam::token::Signer* signer = [] {
    auto created = sesam::token::Signer::FromKey(sesam::SecretString(kKey));
    if (!created.ok()) std::abort();
    return new sesam::token::Signer(std::move(created).value());
  }();
  return *signer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  // A fixed "now" inside the range of the seed tokens' lifetimes.
  const auto now = sesam::token::Clock::time_point(std::chrono::seconds(
      input.ConsumeIntegralInRange<std::int64_t>(1'700'000'000, 1'900'000'000)));
  std::string token;
  if (input.ConsumeBool()) {
    token = input.ConsumeRemainingBytesAsString();
  } else {
    const std::string header = input.ConsumeBool() ? std::string(R"({"alg":"HS256","typ":"JWT"})")
                                                   : input.ConsumeRandomLengthString(64);
    const std::string payload = input.ConsumeRemainingBytesAsString();
    token = sesam::crypto::Base64UrlEncode(header) + "." + sesam::crypto::Base64UrlEncode(payload);
    token += "." + sesam::crypto::Base64UrlEncode(
                       sesam::crypto::HmacSha256(sesam::SecretString(kKey), token));
  }
  const auto claims = TheSigner().Verify(token, now);
  if (claims.ok()) {
    // What Verify promises of an accepted token.
    if (claims->subject.empty() || claims->issued_at > claims->expires_at ||
        std::chrono::seconds(claims->expires_at) <=
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch())) {
      std::abort();
    }
    // An accepted token re-issued from its claims verifies again (a short
    // subject, so that a longer number or a U+FFFD cannot push it past the
    // size limit).
    if (claims->subject.size() < 1024 &&
        !TheSigner().Verify(TheSigner().Issue(*claims, now, std::chrono::seconds(60)), now).ok()) {
      std::abort();
    }
  }
  return 0;
}
