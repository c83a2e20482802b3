// SPDX-License-Identifier: Apache-2.0
// Rates of the token operations the web endpoint runs per request: Issue (one
// per mailed address), Verify (one per GET or POST otp/<token>) and the HMAC
// under it. Prints one line per operation; run by bench/token/run.sh.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "sesam/crypto.h"
#include "sesam/token.h"

namespace {

using Steady = std::chrono::steady_clock;

// Runs `operation` for about `seconds` and prints operations per second and
// the mean time per operation.
void Measure(const char* name, const std::function<void()>& operation, double seconds) {
  long count = 0;
  const auto start = Steady::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  auto now = start;
  while (now < until) {
    for (int i = 0; i < 256; ++i) operation();
    count += 256;
    now = Steady::now();
  }
  const double elapsed = std::chrono::duration<double>(now - start).count();
  std::printf("%-44s %10.0f ops/s %8.2f us/op\n", name, static_cast<double>(count) / elapsed,
              elapsed * 1e6 / static_cast<double>(count));
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::stod(argv[1]) : 2.0;
  const std::string key_bytes(32, 'k');
  auto made = sesam::token::Signer::FromKey(sesam::SecretString(key_bytes));
  if (!made.ok()) return 1;
  const sesam::token::Signer signer = std::move(made).value();
  sesam::token::Claims claims;
  claims.subject = "5f3c2a10-8d4e-4b1a-9c77-0123456789ab";
  claims.password_state_digest = signer.StateDigest(claims.subject, "{SSHA}state");
  claims.recipient_digest = signer.RecipientDigest("jan.selle@sint-jan.test");
  const auto now = sesam::token::Clock::now();
  const std::string token = signer.Issue(claims, now, std::chrono::minutes(15));
  std::string forged = token;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  const std::string signing_input = token.substr(0, token.rfind('.'));
  const sesam::SecretString key(key_bytes);
  volatile std::size_t sink = 0;

  std::printf("token length %zu bytes\n", token.size());
  Measure(
      "Signer::Issue",
      [&] { sink = sink + signer.Issue(claims, now, std::chrono::minutes(15)).size(); }, seconds);
  Measure(
      "Signer::Verify (valid)", [&] { sink = sink + signer.Verify(token, now).ok(); }, seconds);
  Measure(
      "Signer::Verify (forged MAC)", [&] { sink = sink + signer.Verify(forged, now).ok(); },
      seconds);
  Measure(
      "crypto::HmacSha256 (EVP_MAC fetched once)",
      [&] { sink = sink + sesam::crypto::HmacSha256(key, signing_input).size(); }, seconds);
  Measure(
      "OpenSSL HMAC() one-shot (fetch per call)",
      [&] {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        HMAC(EVP_sha256(), key_bytes.data(), static_cast<int>(key_bytes.size()),
             reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
             mac, &size);
        sink = sink + size;
      },
      seconds);
  Measure(
      "crypto::RandomId (16 bytes)",
      [&] { sink = sink + sesam::crypto::RandomId().value_or(std::string()).size(); }, seconds);
  Measure(
      "Signer::StateDigest (keyed)",
      [&] { sink = sink + signer.StateDigest(claims.subject, "{SSHA}state").size(); }, seconds);
  Measure(
      "Signer::RecipientDigest (keyed)",
      [&] { sink = sink + signer.RecipientDigest("jan.selle@sint-jan.test").size(); }, seconds);
  return 0;
}
