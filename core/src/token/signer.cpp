// SPDX-License-Identifier: Apache-2.0
// HS256 JWTs for one-time links. Verification is ordered so that untrusted
// bytes meet as little code as possible: size and shape first, then the fixed
// header and the MAC; only a payload that Sesam itself signed reaches the JSON
// parser.
#include <cstdlib>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sesam/config.h"
#include "sesam/crypto.h"
#include "sesam/log.h"
#include "sesam/token.h"

namespace sesam::token {
namespace {

using nlohmann::json;

// base64url of exactly {"alg":"HS256","typ":"JWT"}. Because the decoder is
// canonical, comparing the encoded segment is the same as comparing the
// decoded header byte for byte: no other spelling, order or extra field passes.
constexpr std::string_view kHeaderSegment = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
constexpr std::size_t kIdBytes = 16;
// 128 bits: enough to tell an account's few addresses apart beyond doubt.
constexpr std::size_t kRecipientDigestBytes = 16;

// Domain-separated subkeys: the signing key itself never MACs anything but
// tokens, and a digest under one purpose says nothing about another.
SecretString DeriveKey(const SecretString& key, std::string_view purpose) {
  std::string derived = crypto::HmacSha256(key, purpose);
  SecretString out(derived);
  WipeString(derived);
  return out;
}

std::string FoldAddress(std::string_view address) {
  while (!address.empty() && (address.front() == ' ' || address.front() == '\t')) {
    address.remove_prefix(1);
  }
  while (!address.empty() && (address.back() == ' ' || address.back() == '\t')) {
    address.remove_suffix(1);
  }
  std::string folded(address);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return folded;
}

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, "invalid token: " + std::move(message),
                "token.invalid");
}

std::int64_t Seconds(Clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

// The three segments of "h.p.s", or an error when there are not exactly three
// non-empty ones.
Result<std::vector<std::string_view>> Split(std::string_view token) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    if (parts.size() == 3) return Invalid("more than three segments");
    start = dot + 1;
  }
  if (parts.size() != 3) return Invalid("fewer than three segments");
  for (const auto part : parts) {
    if (part.empty()) return Invalid("empty segment");
  }
  return parts;
}

// nlohmann keeps the last of duplicate keys silently; a parse callback sees
// every key, so duplicates are caught here.
Result<json> ParseObject(std::string_view text) {
  std::vector<std::set<std::string>> open_objects;
  bool duplicate = false;
  json value = json::parse(
      text.begin(), text.end(),
      [&](int /*depth*/, json::parse_event_t event, json& parsed) {
        switch (event) {
          case json::parse_event_t::object_start:
            open_objects.emplace_back();
            break;
          case json::parse_event_t::object_end:
            if (!open_objects.empty()) open_objects.pop_back();
            break;
          case json::parse_event_t::key:
            if (!open_objects.empty() &&
                !open_objects.back().insert(parsed.get<std::string>()).second) {
              duplicate = true;
            }
            break;
          default:
            break;
        }
        return true;
      },
      /*allow_exceptions=*/false);
  if (value.is_discarded()) return Invalid("payload is not JSON");
  if (duplicate) return Invalid("duplicate claim");
  if (!value.is_object()) return Invalid("payload is not an object");
  return value;
}

Result<std::string> StringClaim(const json& payload, const char* name) {
  const auto found = payload.find(name);
  if (found == payload.end() || !found->is_string()) {
    return Invalid(std::string("claim '") + name + "' missing or not a string");
  }
  return found->get<std::string>();
}

Result<std::int64_t> IntegerClaim(const json& payload, const char* name) {
  const auto found = payload.find(name);
  if (found == payload.end() || !found->is_number_integer()) {
    return Invalid(std::string("claim '") + name + "' missing or not an integer");
  }
  if (found->is_number_unsigned() &&
      found->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Invalid(std::string("claim '") + name + "' out of range");
  }
  return found->get<std::int64_t>();
}

Status CheckEncodedSize(const std::string& text, std::size_t bytes, const char* name) {
  const auto decoded = crypto::Base64UrlDecode(text);
  if (!decoded.ok() || decoded->size() != bytes) {
    return Invalid(std::string("claim '") + name + "' is not " + std::to_string(bytes) +
                   " bytes of base64url");
  }
  return Status::Ok();
}

Result<Claims> ParseClaims(std::string_view payload_text) {
  SESAM_ASSIGN_OR_RETURN(const json payload, ParseObject(payload_text));
  if (payload.size() != 6) return Invalid("unexpected set of claims");
  Claims claims;
  SESAM_ASSIGN_OR_RETURN(claims.subject, StringClaim(payload, "sub"));
  SESAM_ASSIGN_OR_RETURN(claims.id, StringClaim(payload, "jti"));
  SESAM_ASSIGN_OR_RETURN(claims.password_state_digest, StringClaim(payload, "pst"));
  SESAM_ASSIGN_OR_RETURN(claims.recipient_digest, StringClaim(payload, "rcp"));
  SESAM_ASSIGN_OR_RETURN(claims.issued_at, IntegerClaim(payload, "iat"));
  SESAM_ASSIGN_OR_RETURN(claims.expires_at, IntegerClaim(payload, "exp"));
  if (claims.subject.empty()) return Invalid("empty subject");
  SESAM_RETURN_IF_ERROR(CheckEncodedSize(claims.id, kIdBytes, "jti"));
  SESAM_RETURN_IF_ERROR(CheckEncodedSize(claims.password_state_digest, crypto::kSha256Size, "pst"));
  SESAM_RETURN_IF_ERROR(CheckEncodedSize(claims.recipient_digest, kRecipientDigestBytes, "rcp"));
  if (claims.issued_at > claims.expires_at) return Invalid("issued after it expires");
  return claims;
}

}  // namespace

Result<Signer> Signer::FromKey(SecretString key) {
  if (key.size() < kMinKeySize) {
    return Status(StatusCode::kInvalidArgument,
                  "token key has " + std::to_string(key.size()) + " bytes; at least " +
                      std::to_string(kMinKeySize) + " random bytes are needed (sesam genkey)",
                  "token.key_too_short");
  }
  return Signer(std::move(key));
}

Result<Signer> Signer::FromKeyFile(const std::string& path) {
  auto key = config::ReadSecretFile(path);
  if (!key.ok()) return key.status();
  auto signer = FromKey(std::move(key).value());
  if (!signer.ok()) return signer.status().WithContext(path);
  return signer;
}

std::string Signer::Issue(Claims claims, Clock::time_point now,
                          std::chrono::seconds lifetime) const {
  auto id = crypto::RandomId(kIdBytes);
  if (!id.ok()) {
    log::Error("cannot issue a reset link: " + id.status().ToString());
    std::abort();
  }
  claims.id = std::move(id).value();
  claims.issued_at = Seconds(now);
  claims.expires_at = claims.issued_at + lifetime.count();

  const json payload = {
      {"sub", claims.subject},
      {"jti", claims.id},
      {"iat", claims.issued_at},
      {"exp", claims.expires_at},
      {"pst", claims.password_state_digest},
      {"rcp", claims.recipient_digest},
  };
  std::string token(kHeaderSegment);
  token += '.';
  token += crypto::Base64UrlEncode(payload.dump(-1, ' ', false, json::error_handler_t::replace));
  const std::string mac = crypto::HmacSha256(key_, token);
  token += '.';
  token += crypto::Base64UrlEncode(mac);
  return token;
}

Result<Claims> Signer::Verify(std::string_view token, Clock::time_point now) const {
  if (token.size() > kMaxTokenSize) return Invalid("too long");
  SESAM_ASSIGN_OR_RETURN(const auto parts, Split(token));
  if (parts[0] != kHeaderSegment) return Invalid("header is not the HS256 JWT header");
  const auto signature = crypto::Base64UrlDecode(parts[2]);
  if (!signature.ok()) return Invalid("signature is not base64url");
  if (signature->size() != crypto::kSha256Size) return Invalid("signature has the wrong length");
  const std::string_view signed_part = token.substr(0, parts[0].size() + 1 + parts[1].size());
  if (!crypto::ConstantTimeEquals(crypto::HmacSha256(key_, signed_part), *signature)) {
    return Invalid("bad signature");
  }
  const auto payload = crypto::Base64UrlDecode(parts[1]);
  if (!payload.ok()) return Invalid("payload is not base64url");
  SESAM_ASSIGN_OR_RETURN(Claims claims, ParseClaims(*payload));
  if (claims.expires_at <= Seconds(now)) {
    return Status(StatusCode::kFailedPrecondition, "token expired", "token.expired");
  }
  return claims;
}

Signer::Signer(SecretString key)
    : key_(std::move(key)),
      state_key_(DeriveKey(key_, "sesam pst v1")),
      recipient_key_(DeriveKey(key_, "sesam rcp v1")) {}

std::string Signer::StateDigest(std::string_view subject, std::string_view password_state) const {
  std::string message(subject);
  message += '\0';
  message += password_state;
  return crypto::Base64UrlEncode(crypto::HmacSha256(state_key_, message));
}

std::string Signer::RecipientDigest(std::string_view address) const {
  return crypto::Base64UrlEncode(
      crypto::HmacSha256(recipient_key_, FoldAddress(address)).substr(0, kRecipientDigestBytes));
}

std::string Signer::KeyedHash(std::string_view purpose, std::string_view text) const {
  const SecretString purpose_key = DeriveKey(key_, "sesam hash v1 " + std::string(purpose));
  return crypto::Base64UrlEncode(crypto::HmacSha256(purpose_key, text).substr(0, 16));
}

}  // namespace sesam::token
