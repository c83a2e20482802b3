// SPDX-License-Identifier: Apache-2.0
#include "sesam/token.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sesam/crypto.h"

// Last: CppUTest redefines `new`, which breaks standard headers included after it.
#include <CppUTest/TestHarness.h>

#include "../check_ok.h"

namespace crypto = sesam::crypto;
namespace token = sesam::token;
using sesam::SecretString;
using sesam::StatusCode;
using token::Claims;
using token::Clock;
using token::Signer;

namespace {

constexpr std::string_view kKey = "sesam-test-key-0123456789abcdefghij";  // 35 bytes
constexpr std::string_view kHeaderSegment = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
constexpr std::int64_t kT0 = 1700000000;

Clock::time_point At(std::int64_t seconds) {
  return Clock::time_point(std::chrono::seconds(seconds));
}

Signer MakeSigner(std::string_view key = kKey) {
  auto signer = Signer::FromKey(SecretString(key));
  CHECK_OK(signer);
  return std::move(signer).value();
}

Claims SampleClaims(std::string subject = "5f3c2a10-8d4e-4b1a-9c77-0123456789ab") {
  const Signer signer = MakeSigner();
  Claims claims;
  claims.subject = std::move(subject);
  claims.password_state_digest = signer.StateDigest(claims.subject, "userPassword-state-1");
  claims.recipient_digest = signer.RecipientDigest("jan.selle@sint-jan.test");
  return claims;
}

std::string Encode(std::string_view text) { return crypto::Base64UrlEncode(text); }

// A token with a correct MAC over arbitrary header and payload JSON: what an
// attacker who knew the key could not do, used here to prove that the header
// and claim checks hold on their own, beyond the MAC.
std::string SignRaw(std::string_view header_json, std::string_view payload_json,
                    std::string_view key = kKey) {
  std::string token = Encode(header_json) + "." + Encode(payload_json);
  return token + "." + Encode(crypto::HmacSha256(SecretString(key), token));
}

const char kHeader[] = R"({"alg":"HS256","typ":"JWT"})";

std::string Payload(std::string_view sub = R"("5f3c")", std::string_view iat = "1700000000",
                    std::string_view exp = "1700000900",
                    std::string_view jti = R"("AAECAwQFBgcICQoLDA0ODw")",
                    std::string_view pst = R"("fCyUaSVdIdBHxFuJmntMf4e7adNLuiNHSLlhc9VyO4I")",
                    std::string_view rcp = R"("0DMZ1HiP5KSVvlhyX5tNOQ")") {
  return std::string(R"({"exp":)") + std::string(exp) + R"(,"iat":)" + std::string(iat) +
         R"(,"jti":)" + std::string(jti) + R"(,"pst":)" + std::string(pst) + R"(,"rcp":)" +
         std::string(rcp) + R"(,"sub":)" + std::string(sub) + "}";
}

void CheckInvalid(const Signer& signer, std::string_view token, const char* what) {
  const auto result = signer.Verify(token, At(kT0));
  CHECK_FALSE_TEXT(result.ok(), what);
  CHECK_TEXT(result.status().code() == StatusCode::kInvalidArgument, what);
  STRCMP_EQUAL_TEXT("token.invalid", result.status().reason().c_str(), what);
  // The message never repeats the token.
  CHECK_TEXT(token.size() < 8 || result.status().message().find(token) == std::string::npos, what);
}

std::vector<std::string_view> Segments(std::string_view token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  return {token.substr(0, first), token.substr(first + 1, second - first - 1),
          token.substr(second + 1)};
}

// A private temporary directory, removed with its files afterwards.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sesam-token-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() {
    for (const auto& file : files_) std::remove(file.c_str());
    rmdir(path_.c_str());
  }
  // A path inside the directory, removed at the end whether or not it is created.
  std::string Path(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }
  std::string Write(const std::string& name, std::string_view bytes, mode_t mode) {
    const std::string file = Path(name);
    std::ofstream(file, std::ios::binary) << bytes;
    chmod(file.c_str(), mode);
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  CHECK_EQUAL(0, lstat(path.c_str(), &info));
  return info.st_mode & 07777;
}

}  // namespace

TEST_GROUP(TokenSigner){};

TEST(TokenSigner, RoundTripKeepsTheClaimsAndFillsIdAndTimes) {
  const Signer signer = MakeSigner();
  Claims claims = SampleClaims();
  claims.id = "caller-set";  // Issue chooses these itself
  claims.issued_at = 1;
  claims.expires_at = 2;
  const std::string token =
      signer.Issue(claims, At(kT0) + std::chrono::milliseconds(700), std::chrono::seconds(900));
  CHECK_TRUE(token.size() < token::kMaxTokenSize);
  CHECK_TRUE(token.rfind(std::string(kHeaderSegment) + ".", 0) == 0);

  const auto verified = signer.Verify(token, At(kT0 + 10));
  CHECK_TRUE_TEXT(verified.ok(), verified.status().ToString().c_str());
  STRCMP_EQUAL(claims.subject.c_str(), verified->subject.c_str());
  STRCMP_EQUAL(claims.password_state_digest.c_str(), verified->password_state_digest.c_str());
  STRCMP_EQUAL(SampleClaims().recipient_digest.c_str(), verified->recipient_digest.c_str());
  LONGS_EQUAL(kT0, verified->issued_at);  // rounded down to whole seconds
  LONGS_EQUAL(kT0 + 900, verified->expires_at);
  LONGS_EQUAL(22, verified->id.size());
  STRCMP_EQUAL("", verified->id.c_str() + 22);
  const auto raw_id = crypto::Base64UrlDecode(verified->id);
  CHECK_OK(raw_id);
  LONGS_EQUAL(16, raw_id->size());
}

TEST(TokenSigner, RoundTripsAUnicodeSubject) {
  const Signer signer = MakeSigner();
  Claims claims = SampleClaims("6e1a\xc3\xa9-\xe2\x82\xac");
  const auto verified =
      signer.Verify(signer.Issue(claims, At(kT0), std::chrono::seconds(60)), At(kT0));
  CHECK_OK(verified);
  STRCMP_EQUAL(claims.subject.c_str(), verified->subject.c_str());
}

TEST(TokenSigner, TwoIssuesGiveDifferentIds) {
  const Signer signer = MakeSigner();
  std::set<std::string> ids;
  std::set<std::string> tokens;
  for (int i = 0; i < 200; ++i) {
    const std::string token = signer.Issue(SampleClaims(), At(kT0), std::chrono::seconds(900));
    CHECK_TRUE(tokens.insert(token).second);
    const auto claims = signer.Verify(token, At(kT0));
    CHECK_OK(claims);
    CHECK_TRUE(ids.insert(claims->id).second);
  }
}

// Generated with OpenSSL in a shell, not by this code:
//   b64u() { basenc --base64url -w0 | tr -d '='; }
//   hmac() { openssl dgst -sha256 -mac HMAC -macopt "$1" -binary; }
//   KEY='sesam-test-key-0123456789abcdefghij'
//   PSTKEY=$(printf 'sesam pst v1' | hmac "key:$KEY" | xxd -p -c 256)
//   RCPKEY=$(printf 'sesam rcp v1' | hmac "key:$KEY" | xxd -p -c 256)
//   SUB=5f3c2a10-8d4e-4b1a-9c77-0123456789ab
//   PST=$(printf '%s\0%s' "$SUB" 'userPassword-state-1' | hmac "hexkey:$PSTKEY" | b64u)
//   RCP=$(printf 'jan.selle@sint-jan.test' | hmac "hexkey:$RCPKEY" | head -c 16 | b64u)
//   JTI=$(printf '\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f' | b64u)
//   H=$(printf '{"alg":"HS256","typ":"JWT"}' | b64u)
//   F='{"exp":1700000900,"iat":1700000000,"jti":"%s","pst":"%s","rcp":"%s","sub":"%s"}'
//   P=$(printf "$F" "$JTI" "$PST" "$RCP" "$SUB" | b64u)
//   S=$(printf '%s.%s' "$H" "$P" | hmac "key:$KEY" | b64u); echo "$H.$P.$S"
constexpr std::string_view kOpensslToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJleHAiOjE3MDAwMDA5MDAsImlhdCI6MTcwMDAwMDAwMCwianRpIjoiQUFFQ0F3UUZCZ2NJQ1FvTERBME9EdyIsInBzdC"
    "I6ImZDeVVhU1ZkSWRCSHhGdUptbnRNZjRlN2FkTkx1aU5IU0xsaGM5VnlPNEkiLCJyY3AiOiIwRE1aMUhpUDVLU1Z2bGh5"
    "WDV0Tk9RIiwic3ViIjoiNWYzYzJhMTAtOGQ0ZS00YjFhLTljNzctMDEyMzQ1Njc4OWFiIn0."
    "Ug4ErKT3o9v6sY21sLHawj5JHtjkqyRvIbR6bI-tEH0";

TEST(TokenSigner, VerifiesAVectorMadeByOpenssl) {
  const Signer signer = MakeSigner();
  const auto claims = signer.Verify(kOpensslToken, At(kT0 + 899));
  CHECK_TRUE_TEXT(claims.ok(), claims.status().ToString().c_str());
  STRCMP_EQUAL("5f3c2a10-8d4e-4b1a-9c77-0123456789ab", claims->subject.c_str());
  STRCMP_EQUAL("AAECAwQFBgcICQoLDA0ODw", claims->id.c_str());
  LONGS_EQUAL(kT0, claims->issued_at);
  LONGS_EQUAL(kT0 + 900, claims->expires_at);
  // The same openssl run gave PST and RCP for the keyed digests' inputs.
  STRCMP_EQUAL("fCyUaSVdIdBHxFuJmntMf4e7adNLuiNHSLlhc9VyO4I",
               claims->password_state_digest.c_str());
  STRCMP_EQUAL(
      "fCyUaSVdIdBHxFuJmntMf4e7adNLuiNHSLlhc9VyO4I",
      signer.StateDigest("5f3c2a10-8d4e-4b1a-9c77-0123456789ab", "userPassword-state-1").c_str());
  STRCMP_EQUAL("0DMZ1HiP5KSVvlhyX5tNOQ", claims->recipient_digest.c_str());
  STRCMP_EQUAL("0DMZ1HiP5KSVvlhyX5tNOQ",
               signer.RecipientDigest(" Jan.Selle@Sint-Jan.TEST ").c_str());
  // And the payload Issue writes is byte for byte the shape openssl signed:
  // same MAC over the same signing input.
  const std::string signing_input(kOpensslToken.substr(0, kOpensslToken.rfind('.')));
  STRCMP_EQUAL("Ug4ErKT3o9v6sY21sLHawj5JHtjkqyRvIbR6bI-tEH0",
               Encode(crypto::HmacSha256(SecretString(kKey), signing_input)).c_str());
}

// The "pst" claim is readable by whoever holds the mail. Keyless, it was a
// SHA-256 of the stored password values: where a directory keeps cleartext or
// unsalted hashes, guesses could be tested offline against a forwarded link.
TEST(TokenSigner, StateDigestIsKeyedAndUnrelatedAcrossAccountsAndKeys) {
  const Signer signer = MakeSigner();
  const Signer other = MakeSigner("another-test-key-0123456789abcdefghij");
  // Not the keyless digest of old.
  CHECK_TRUE(signer.StateDigest("uuid-jan", "{CLEARTEXT}Welkom123") !=
             Encode(crypto::Sha256("{CLEARTEXT}Welkom123")));
  // Two accounts that share a password and store it the same way (cleartext
  // or an unsalted hash: the same state) get unrelated values.
  const std::string jan = signer.StateDigest("uuid-jan", "{MD5}same");
  const std::string an = signer.StateDigest("uuid-an", "{MD5}same");
  CHECK_TRUE(jan != an);
  std::size_t same_position = 0;
  for (std::size_t i = 0; i < jan.size(); ++i) {
    if (jan[i] == an[i]) ++same_position;
  }
  CHECK_TRUE(same_position < 8);  // 43 characters of 64: about 0.7 agree by chance
  // The same account and state under another key: unrelated as well.
  CHECK_TRUE(signer.StateDigest("uuid-jan", "{MD5}same") !=
             other.StateDigest("uuid-jan", "{MD5}same"));
  // The subject and the state cannot be shifted into each other.
  CHECK_TRUE(signer.StateDigest("ab", "c") != signer.StateDigest("a", "bc"));
  CHECK_TRUE(signer.RecipientDigest("mama@ouders.test") !=
             other.RecipientDigest("mama@ouders.test"));
  CHECK_TRUE(signer.RecipientDigest("mama@ouders.test") !=
             signer.RecipientDigest("papa@ouders.test"));
  // Purposes are separated: a keyed hash of a text is no digest of it elsewhere.
  CHECK_TRUE(signer.KeyedHash("username", "mama@ouders.test") !=
             signer.RecipientDigest("mama@ouders.test"));
  CHECK_TRUE(signer.KeyedHash("username", "jan") != signer.KeyedHash("other", "jan"));
  CHECK_TRUE(signer.KeyedHash("username", "jan") == MakeSigner().KeyedHash("username", "jan"));
}

TEST(TokenSigner, IssuedPayloadHasExactlyTheSixClaims) {
  const Signer signer = MakeSigner();
  const std::string token = signer.Issue(SampleClaims(), At(kT0), std::chrono::seconds(900));
  const auto payload = crypto::Base64UrlDecode(Segments(token)[1]);
  CHECK_OK(payload);
  const auto claims = signer.Verify(token, At(kT0));
  CHECK_OK(claims);
  STRCMP_EQUAL(Payload("\"5f3c2a10-8d4e-4b1a-9c77-0123456789ab\"", "1700000000", "1700000900",
                       "\"" + claims->id + "\"")
                   .c_str(),
               payload->c_str());
}

TEST(TokenSigner, ExpiresExactlyAtExp) {
  const Signer signer = MakeSigner();
  const std::string token = signer.Issue(SampleClaims(), At(kT0), std::chrono::seconds(900));
  CHECK_TRUE(signer.Verify(token, At(kT0)).ok());
  CHECK_TRUE(signer.Verify(token, At(kT0 + 899)).ok());
  CHECK_TRUE(signer.Verify(token, At(kT0 + 900) - std::chrono::milliseconds(1)).ok());
  for (const std::int64_t later : {kT0 + 900, kT0 + 901, kT0 + 100000}) {
    const auto result = signer.Verify(token, At(later));
    CHECK_FALSE(result.ok());
    CHECK_TRUE(result.status().code() == StatusCode::kFailedPrecondition);
    STRCMP_EQUAL("token.expired", result.status().reason().c_str());
  }
  // Zero lifetime: dead on arrival.
  const std::string instant = signer.Issue(SampleClaims(), At(kT0), std::chrono::seconds(0));
  CHECK_TRUE(signer.Verify(instant, At(kT0)).status().code() == StatusCode::kFailedPrecondition);
}

// An expired token that was also tampered with is invalid, not "expired": the
// MAC is checked first, so nothing about forged claims is believed.
TEST(TokenSigner, TamperedExpiredTokenIsInvalidNotExpired) {
  const Signer signer = MakeSigner();
  std::string token = signer.Issue(SampleClaims(), At(kT0 - 10000), std::chrono::seconds(900));
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  CheckInvalid(signer, token, "tampered expired token");
}

TEST(TokenSigner, AnotherKeyRefusesTheToken) {
  const std::string token = MakeSigner().Issue(SampleClaims(), At(kT0), std::chrono::seconds(900));
  CheckInvalid(MakeSigner("another-key-0123456789abcdefghijkl"), token, "other key");
  std::string near_key(kKey);
  near_key.back() = 'k';
  CheckInvalid(MakeSigner(near_key), token, "key differing in the last byte");
}

// Every byte of every segment, replaced by each of the 255 other byte values:
// inside or outside the alphabet, in a segment or replacing a dot.
TEST(TokenSigner, EveryChangedByteIsRefused) {
  const Signer signer = MakeSigner();
  const std::string token = signer.Issue(SampleClaims(), At(kT0), std::chrono::seconds(900));
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (int value = 0; value < 256; ++value) {
      if (static_cast<char>(value) == token[i]) continue;
      std::string changed = token;
      changed[i] = static_cast<char>(value);
      const auto result = signer.Verify(changed, At(kT0));
      if (result.ok() || result.status().reason() != "token.invalid") {
        FAIL(
            ("accepted a change at " + std::to_string(i) + " to " + std::to_string(value)).c_str());
      }
    }
  }
}

// Bit flips in the decoded bytes, re-encoded canonically, so each reaches the MAC check.
TEST(TokenSigner, EveryFlippedBitOfTheDecodedSegmentsIsRefused) {
  const Signer signer = MakeSigner();
  const std::string token = signer.Issue(SampleClaims(), At(kT0), std::chrono::seconds(900));
  const auto segments = Segments(token);
  for (std::size_t segment = 0; segment < 3; ++segment) {
    const auto decoded = crypto::Base64UrlDecode(segments[segment]);
    CHECK_OK(decoded);
    for (std::size_t i = 0; i < decoded->size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bytes = *decoded;
        bytes[i] = static_cast<char>(bytes[i] ^ (1 << bit));
        std::string parts[3] = {std::string(segments[0]), std::string(segments[1]),
                                std::string(segments[2])};
        parts[segment] = Encode(bytes);
        const std::string changed = parts[0] + "." + parts[1] + "." + parts[2];
        const auto result = signer.Verify(changed, At(kT0));
        if (result.ok() || result.status().reason() != "token.invalid") {
          FAIL(("accepted a flipped bit in segment " + std::to_string(segment)).c_str());
        }
      }
    }
  }
}

TEST(TokenSigner, SwappedPayloadsAndSignaturesAreRefused) {
  const Signer signer = MakeSigner();
  const std::string jan =
      signer.Issue(SampleClaims("uuid-jan"), At(kT0), std::chrono::seconds(900));
  const std::string piet =
      signer.Issue(SampleClaims("uuid-piet"), At(kT0), std::chrono::seconds(900));
  const auto a = Segments(jan);
  const auto b = Segments(piet);
  const auto join = [](std::string_view h, std::string_view p, std::string_view s) {
    return std::string(h) + "." + std::string(p) + "." + std::string(s);
  };
  CHECK_TRUE(signer.Verify(join(a[0], a[1], a[2]), At(kT0)).ok());
  CHECK_TRUE(signer.Verify(join(b[0], b[1], b[2]), At(kT0)).ok());
  CheckInvalid(signer, join(a[0], b[1], a[2]), "piet's payload under jan's signature");
  CheckInvalid(signer, join(a[0], a[1], b[2]), "piet's signature on jan's payload");
  CheckInvalid(signer, join(b[0], a[1], b[2]), "jan's payload under piet's signature");
}

TEST(TokenSigner, AlgNoneIsRefused) {
  const Signer signer = MakeSigner();
  const std::string none_header = Encode(R"({"alg":"none","typ":"JWT"})");
  const std::string payload = Encode(Payload());
  CheckInvalid(signer, none_header + "." + payload + ".", "alg none, empty signature");
  CheckInvalid(signer, none_header + "." + payload, "alg none, no signature segment");
  CheckInvalid(signer, SignRaw(R"({"alg":"none","typ":"JWT"})", Payload()),
               "alg none with a valid HMAC");
  CheckInvalid(signer, std::string(kHeaderSegment) + "." + payload + ".", "HS256, empty signature");
}

TEST(TokenSigner, OnlyTheExactHeaderIsAccepted) {
  const Signer signer = MakeSigner();
  CHECK_TRUE(signer.Verify(SignRaw(kHeader, Payload()), At(kT0)).ok());  // the control
  const char* headers[] = {
      R"({"alg":"HS384","typ":"JWT"})",
      R"({"alg":"HS512","typ":"JWT"})",
      R"({"alg":"RS256","typ":"JWT"})",
      R"({"alg":"ES256","typ":"JWT"})",
      R"({"alg":"hs256","typ":"JWT"})",
      R"({"alg":"HS256 ","typ":"JWT"})",
      R"({"alg":"HS256"})",
      R"({"typ":"JWT"})",
      R"({"alg":"HS256","typ":"jwt"})",
      R"({"alg":"HS256","typ":"JWS"})",
      R"({"typ":"JWT","alg":"HS256"})",
      R"({ "alg":"HS256","typ":"JWT"})",
      R"({"alg": "HS256", "typ": "JWT"})",
      "{\"alg\":\"HS256\",\"typ\":\"JWT\"}\n",
      R"({"alg":"HS256","typ":"JWT","kid":"1"})",
      R"({"alg":"HS256","typ":"JWT","jku":"https://evil.example/keys"})",
      R"({"alg":"HS256","typ":"JWT","crit":["exp"]})",
      R"({"alg":"none","alg":"HS256","typ":"JWT"})",
      R"({"alg":"HS256","alg":"HS256","typ":"JWT"})",
      R"({"alg":"HS256","typ":"JWT","typ":"JWT"})",
      R"({"alg":"HS\u0032\u0035\u0036","typ":"JWT"})",
      R"(["HS256","JWT"])",
      R"({})",
      "",
  };
  for (const char* header : headers) CheckInvalid(signer, SignRaw(header, Payload()), header);
}

TEST(TokenSigner, PaddingWhitespaceAndOtherAlphabetsAreRefused) {
  const Signer signer = MakeSigner();
  const std::string token = signer.Issue(SampleClaims(), At(kT0), std::chrono::seconds(900));
  CHECK_TRUE(signer.Verify(token, At(kT0)).ok());
  const auto s = Segments(token);
  const std::string h(s[0]), p(s[1]), sig(s[2]);
  // The signature is 43 characters; with '=' it is the padded base64 spelling.
  CheckInvalid(signer, h + "." + p + "." + sig + "=", "padded signature");
  CheckInvalid(signer, h + "=." + p + "." + sig, "padded header");
  CheckInvalid(signer, h + "." + p + "==." + sig, "padded payload");
  CheckInvalid(signer, h + "." + p + "." + sig + "%3D", "url-escaped padding");
  // Standard base64 spelling of the same signature bytes.
  std::string standard = sig;
  for (char& c : standard) c = c == '-' ? '+' : c == '_' ? '/' : c;
  if (standard != sig) CheckInvalid(signer, h + "." + p + "." + standard, "+/ alphabet");
  for (const std::string& spaced :
       {" " + token, token + " ", token + "\n", token + "\r\n", "\t" + token,
        h + " ." + p + "." + sig, h + ". " + p + "." + sig, h + "." + p + "\n." + sig,
        h + "." + p.substr(0, 10) + " " + p.substr(10) + "." + sig, token + std::string(1, '\0')}) {
    CheckInvalid(signer, spaced, "whitespace");
  }
}

TEST(TokenSigner, WrongSignatureLengthsAreRefused) {
  const Signer signer = MakeSigner();
  const std::string token = signer.Issue(SampleClaims(), At(kT0), std::chrono::seconds(900));
  const auto s = Segments(token);
  const std::string signed_part = std::string(s[0]) + "." + std::string(s[1]);
  const auto mac = crypto::Base64UrlDecode(s[2]);
  CHECK_OK(mac);
  for (std::size_t length : {0u, 1u, 16u, 31u, 33u, 48u, 64u}) {
    const std::string bytes = length <= mac->size() ? mac->substr(0, length)
                                                    : *mac + std::string(length - mac->size(), 'x');
    CheckInvalid(signer, signed_part + "." + Encode(bytes), "signature length");
  }
  CheckInvalid(signer, token.substr(0, token.size() - 1), "signature missing its last character");
  CheckInvalid(signer, token.substr(0, token.size() - 2), "signature missing two characters");
  CheckInvalid(signer, token + "A", "signature with an extra character");
}

TEST(TokenSigner, WrongSegmentCountsAndEmptySegmentsAreRefused) {
  const Signer signer = MakeSigner();
  const std::string token = signer.Issue(SampleClaims(), At(kT0), std::chrono::seconds(900));
  const auto s = Segments(token);
  const std::string h(s[0]), p(s[1]), sig(s[2]);
  const std::string cases[] = {
      "",
      ".",
      "..",
      "...",
      h,
      h + "." + p,
      h + "." + p + "." + sig + ".",
      token + "." + sig,
      token + ".AAAA",
      "." + p + "." + sig,
      h + ".." + sig,
      h + "." + p + ".",
      h + "." + h + "." + p + "." + sig,
      h + "." + p + ".." + sig,
  };
  for (const auto& wrong : cases) CheckInvalid(signer, wrong, wrong.c_str());
}

TEST(TokenSigner, TokensLongerThanTheBoundAreRefusedEvenWithAValidMac) {
  const Signer signer = MakeSigner();
  std::string last_accepted;
  for (std::size_t subject_size = 1000; subject_size < 2000; ++subject_size) {
    Claims claims = SampleClaims(std::string(subject_size, 's'));
    const std::string token = signer.Issue(claims, At(kT0), std::chrono::seconds(900));
    if (token.size() <= token::kMaxTokenSize) {
      CHECK_TRUE(signer.Verify(token, At(kT0)).ok());
      last_accepted = token;
    } else {
      CHECK_TRUE(last_accepted.size() > token::kMaxTokenSize - 4);
      CheckInvalid(signer, token, "over the size bound");
      return;
    }
  }
  FAIL("no token grew past the bound");
}

// Claims signed with the right key but of the wrong shape: the checks after
// the MAC must still refuse them.
TEST(TokenSigner, ClaimsOfTheWrongShapeAreRefused) {
  const Signer signer = MakeSigner();
  CHECK_TRUE(signer.Verify(SignRaw(kHeader, Payload()), At(kT0)).ok());  // the control
  const std::string payloads[] = {
      Payload(R"("5f3c")", R"("1700000000")"),                     // iat a string
      Payload(R"("5f3c")", "1700000000.0"),                        // iat a float
      Payload(R"("5f3c")", "1700000000", "1700000900.5"),          // exp a float
      Payload(R"("5f3c")", "1700000000", "1.7000009e9"),           // exp in exponent form
      Payload(R"("5f3c")", "1700000000", "true"),                  // exp a bool
      Payload(R"("5f3c")", "1700000000", "null"),                  // exp null
      Payload(R"("5f3c")", "1700000000", R"("1700000900")"),       // exp a string
      Payload(R"("5f3c")", "1700000000", "18446744073709551615"),  // exp beyond int64
      Payload(R"("5f3c")", "1700000000", "99999999999999999999999"),
      Payload(R"("5f3c")", "1700000901", "1700000900"),  // issued after it expires
      Payload("12345"),                                  // sub a number
      Payload(R"("")"),                                  // sub empty
      Payload(R"(["5f3c"])"),                            // sub an array
      Payload(R"({"id":"5f3c"})"),                       // sub an object
      Payload(R"("5f3c")", "1700000000", "1700000900", R"("AAECAwQFBgcICQoLDA0O")"),  // jti 15 B
      Payload(R"("5f3c")", "1700000000", "1700000900", R"("AAECAwQFBgcICQoLDA0ODw==")"),
      Payload(R"("5f3c")", "1700000000", "1700000900", "12"),
      Payload(R"("5f3c")", "1700000000", "1700000900", R"("AAECAwQFBgcICQoLDA0ODw")",
              R"("not-a-digest")"),
      Payload(R"("5f3c")", "1700000000", "1700000900", R"("AAECAwQFBgcICQoLDA0ODw")",
              R"("fCyUaSVdIdBHxFuJmntMf4e7adNLuiNHSLlhc9VyO4I")", "7"),  // rcp a number
      Payload(R"("5f3c")", "1700000000", "1700000900", R"("AAECAwQFBgcICQoLDA0ODw")",
              R"("fCyUaSVdIdBHxFuJmntMf4e7adNLuiNHSLlhc9VyO4I")",
              R"("0DMZ1HiP5KSVvlhyX5tNOQAA")"),  // rcp 17 bytes
      Payload(R"("5f3c")", "1700000000", "1700000900", R"("AAECAwQFBgcICQoLDA0ODw")",
              R"("fCyUaSVdIdBHxFuJmntMf4e7adNLuiNHSLlhc9VyO4I")", R"("")"),  // rcp empty
      R"({"exp":1700000900,"iat":1700000000,"jti":"AAECAwQFBgcICQoLDA0ODw","sub":"5f3c",)"
      R"("pst":"fCyUaSVdIdBHxFuJmntMf4e7adNLuiNHSLlhc9VyO4I"})",  // rcp missing
      R"({"exp":1700000900,"iat":1700000000,"jti":"AAECAwQFBgcICQoLDA0ODw","rcp":"0DMZ1HiP5KSVvlhyX5tNOQ",)"
      R"("pst":"fCyUaSVdIdBHxFuJmntMf4e7adNLuiNHSLlhc9VyO4I"})",  // sub missing
      Payload().insert(1, R"("rnd":"r",)"),                       // the old round claim
      Payload().insert(1, R"("admin":true,)"),                    // an extra claim
      Payload().insert(1, R"("sub":"other",)"),                   // sub twice
      Payload().insert(1, R"("exp":9999999999,)"),                // exp twice
      Payload() + " x",                                           // trailing garbage
      Payload() + Payload(),                                      // two objects
      Payload().insert(1, "/* c */"),                             // a comment
      Payload("\"5f3c\xff\""),                                    // invalid UTF-8
      R"(["5f3c",1700000000])",
      "null",
      "1700000900",
      R"("payload")",
      "{",
      "",
  };
  for (const auto& payload : payloads)
    CheckInvalid(signer, SignRaw(kHeader, payload), payload.c_str());
}

TEST(TokenSigner, IsUsableFromManyThreads) {
  const Signer signer = MakeSigner();
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&signer, &failures, t] {
      for (int i = 0; i < 300; ++i) {
        const std::string token = signer.Issue(SampleClaims("uuid-" + std::to_string(t)), At(kT0),
                                               std::chrono::seconds(60));
        const auto claims = signer.Verify(token, At(kT0));
        if (!claims.ok() || claims->subject != "uuid-" + std::to_string(t)) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const int count : failures) LONGS_EQUAL(0, count);
}

TEST_GROUP(TokenKey){};

TEST(TokenKey, ShortKeysAreRefused) {
  for (const std::size_t size : {0u, 1u, 16u, 31u}) {
    const auto signer = Signer::FromKey(SecretString(std::string(size, 'k')));
    CHECK_FALSE(signer.ok());
    CHECK_TRUE(signer.status().code() == StatusCode::kInvalidArgument);
    STRCMP_EQUAL("token.key_too_short", signer.status().reason().c_str());
  }
  CHECK_TRUE(Signer::FromKey(SecretString(std::string(32, 'k'))).ok());
  CHECK_TRUE(Signer::FromKey(SecretString(std::string(4096, 'k'))).ok());
}

TEST(TokenKey, KeyFileMustBePrivate) {
  TempDir dir;
  const std::string key(kKey);
  const std::string open_file = dir.Write("open.key", key, 0644);
  const auto refused = Signer::FromKeyFile(open_file);
  CHECK_FALSE(refused.ok());
  CHECK_TRUE(refused.status().code() == StatusCode::kPermissionDenied);
  CHECK_FALSE(Signer::FromKeyFile(dir.Write("group.key", key, 0640)).ok());

  const auto accepted = Signer::FromKeyFile(dir.Write("private.key", key, 0600));
  CHECK_TRUE_TEXT(accepted.ok(), accepted.status().ToString().c_str());
  // The file's key is the key: a token from it verifies under FromKey(kKey).
  CHECK_TRUE(
      MakeSigner()
          .Verify(accepted->Issue(SampleClaims(), At(kT0), std::chrono::seconds(60)), At(kT0))
          .ok());
  CHECK_TRUE(Signer::FromKeyFile(dir.Write("readonly.key", key, 0400)).ok());
}

TEST(TokenKey, KeyFileTooShortOrMissingIsRefused) {
  TempDir dir;
  const auto short_key = Signer::FromKeyFile(dir.Write("short.key", std::string(31, 'k'), 0600));
  CHECK_FALSE(short_key.ok());
  STRCMP_EQUAL("token.key_too_short", short_key.status().reason().c_str());
  // A 32-character key with a line end: the line end is not key material.
  CHECK_FALSE(Signer::FromKeyFile(dir.Write("nl.key", std::string(31, 'k') + "\n", 0600)).ok());
  CHECK_TRUE(Signer::FromKeyFile(dir.Write("text.key", std::string(32, 'k') + "\n", 0600)).ok());
  const auto missing = Signer::FromKeyFile(dir.path() + "/missing.key");
  CHECK_FALSE(missing.ok());
  CHECK_TRUE(missing.status().code() == StatusCode::kNotFound);
}

TEST_GROUP(GenerateKeyFile){};

TEST(GenerateKeyFile, WritesThirtyTwoRandomBytesWithMode0600) {
  TempDir dir;
  const mode_t old_umask = umask(0);  // a permissive umask must not widen the mode
  const std::string first = dir.Path("first.key");
  const auto status = token::GenerateKeyFile(first);
  umask(old_umask);
  CHECK_TRUE_TEXT(status.ok(), status.ToString().c_str());
  LONGS_EQUAL(0600, ModeOf(first));
  const std::string first_key = ReadAll(first);
  LONGS_EQUAL(32, first_key.size());

  const std::string second = dir.Path("second.key");
  CHECK_TRUE(token::GenerateKeyFile(second).ok());
  CHECK_TRUE(ReadAll(second) != first_key);
  CHECK_TRUE(first_key != std::string(32, '\0'));

  // The file is what FromKeyFile wants.
  const auto signer = Signer::FromKeyFile(first);
  CHECK_TRUE_TEXT(signer.ok(), signer.status().ToString().c_str());
  const auto same = Signer::FromKey(SecretString(first_key));
  CHECK_OK(same);
  CHECK_TRUE(
      same->Verify(signer->Issue(SampleClaims(), At(kT0), std::chrono::seconds(60)), At(kT0)).ok());
}

TEST(GenerateKeyFile, ModeIs0600EvenUnderARestrictiveUmask) {
  TempDir dir;
  const mode_t old_umask = umask(0277);
  const std::string path = dir.Path("k.key");
  const auto status = token::GenerateKeyFile(path);
  umask(old_umask);
  CHECK_OK(status);
  LONGS_EQUAL(0600, ModeOf(path));
  LONGS_EQUAL(32, ReadAll(path).size());
}

TEST(GenerateKeyFile, RefusesToOverwrite) {
  TempDir dir;
  const std::string path = dir.Path("k.key");
  CHECK_TRUE(token::GenerateKeyFile(path).ok());
  const std::string before = ReadAll(path);
  const auto again = token::GenerateKeyFile(path);
  CHECK_FALSE(again.ok());
  CHECK_TRUE(again.code() == sesam::StatusCode::kAlreadyExists);
  CHECK_TRUE(ReadAll(path) == before);
  LONGS_EQUAL(0600, ModeOf(path));

  const std::string other = dir.Write("other", "not a key", 0644);
  CHECK_TRUE(token::GenerateKeyFile(other).code() == sesam::StatusCode::kAlreadyExists);
  STRCMP_EQUAL("not a key", ReadAll(other).c_str());
}

TEST(GenerateKeyFile, RefusesASymlinkEvenADanglingOne) {
  TempDir dir;
  const std::string target = dir.Path("target.key");
  const std::string link = dir.Path("link.key");
  CHECK_EQUAL(0, symlink(target.c_str(), link.c_str()));
  CHECK_FALSE(token::GenerateKeyFile(link).ok());
  CHECK_TRUE(access(target.c_str(), F_OK) != 0);  // nothing created through the link
}

TEST(GenerateKeyFile, RefusesBadSizesAndMissingDirectories) {
  TempDir dir;
  const std::string path = dir.Path("k.key");
  CHECK_TRUE(token::GenerateKeyFile(path, 31).code() == sesam::StatusCode::kInvalidArgument);
  CHECK_TRUE(access(path.c_str(), F_OK) != 0);
  CHECK_TRUE(token::GenerateKeyFile(dir.path() + "/no/such/dir/k.key").code() ==
             sesam::StatusCode::kNotFound);
  const std::string longer = dir.Path("long.key");
  CHECK_TRUE(token::GenerateKeyFile(longer, 64).ok());
  LONGS_EQUAL(64, ReadAll(longer).size());
}

// config::ReadSecretFile strips a final "\n" or "\r"; a generated key never
// ends in one, so it always keeps all its bytes. Each draw has a 2/256 chance
// to end so; 512 keys miss a broken generator with probability under 2e-2.
TEST(GenerateKeyFile, KeysNeverEndInALineEnd) {
  TempDir dir;
  for (int i = 0; i < 512; ++i) {
    const std::string path = dir.Path("k" + std::to_string(i));
    CHECK_TRUE(token::GenerateKeyFile(path).ok());
    const std::string key = ReadAll(path);
    LONGS_EQUAL(32, key.size());
    CHECK_TRUE(key.back() != '\n' && key.back() != '\r');
    CHECK_TRUE(Signer::FromKeyFile(path).ok());
  }
}
