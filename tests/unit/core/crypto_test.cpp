// SPDX-License-Identifier: Apache-2.0
#include "sesam/crypto.h"

#include <set>
#include <string>

// Last: CppUTest redefines `new`, which breaks standard headers included after it.
#include <CppUTest/TestHarness.h>

#include "../check_ok.h"

namespace crypto = sesam::crypto;
using sesam::SecretString;
using sesam::StatusCode;

namespace {

std::string FromHex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 15]);
  }
  return hex;
}

void CheckDecodeRefused(std::string_view text) {
  const auto decoded = crypto::Base64UrlDecode(text);
  CHECK_FALSE_TEXT(decoded.ok(), std::string(text).c_str());
  CHECK_TRUE(decoded.status().code() == StatusCode::kInvalidArgument);
}

}  // namespace

TEST_GROUP(Base64Url){};

// RFC 4648 §10, with the padding removed as §5 allows for base64url.
TEST(Base64Url, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    STRCMP_EQUAL(encoded, crypto::Base64UrlEncode(plain).c_str());
    const auto decoded = crypto::Base64UrlDecode(encoded);
    CHECK_OK(decoded);
    STRCMP_EQUAL(plain, decoded->c_str());
  }
}

// The two characters where base64url differs from base64: '+' -> '-', '/' -> '_'.
TEST(Base64Url, UsesTheUrlAlphabet) {
  STRCMP_EQUAL("-_8", crypto::Base64UrlEncode(FromHex("fbff")).c_str());
  STRCMP_EQUAL("-___", crypto::Base64UrlEncode(FromHex("fbffff")).c_str());
  const auto decoded = crypto::Base64UrlDecode("-_8");
  CHECK_OK(decoded);
  STRCMP_EQUAL("fbff", ToHex(*decoded).c_str());
  CheckDecodeRefused("+/8");
}

TEST(Base64Url, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length <= all.size(); ++length) {
    const std::string bytes = all.substr(all.size() - length);
    const std::string encoded = crypto::Base64UrlEncode(bytes);
    CHECK_TRUE(encoded.find_first_of("=+/") == std::string::npos);
    const auto decoded = crypto::Base64UrlDecode(encoded);
    CHECK_OK(decoded);
    CHECK_TRUE(*decoded == bytes);
  }
}

TEST(Base64Url, RefusesPadding) {
  CheckDecodeRefused("Zg==");
  CheckDecodeRefused("Zm8=");
  CheckDecodeRefused("Zm9vYg==");
  CheckDecodeRefused("=");
}

TEST(Base64Url, RefusesCharactersOutsideTheAlphabet) {
  CheckDecodeRefused("Zm9v Yg");
  CheckDecodeRefused(" Zm9v");
  CheckDecodeRefused("Zm9v\n");
  CheckDecodeRefused("Zm9.");
  CheckDecodeRefused("Zm9*");
  CheckDecodeRefused(std::string_view("Zm\0v", 4));
  CheckDecodeRefused("Zm9\xc3\xa9");
}

TEST(Base64Url, RefusesImpossibleLength) {
  CheckDecodeRefused("Z");
  CheckDecodeRefused("Zm9vY");
}

// "Zh" and "Zg" both carry the byte 'f' in their first 8 bits; only "Zg", whose
// unused bits are zero, is the encoding.
TEST(Base64Url, RefusesNonCanonicalTrailingBits) {
  CheckDecodeRefused("Zh");
  CheckDecodeRefused("Zv");
  CheckDecodeRefused("Zm9");  // "fo" is Zm8
  CheckDecodeRefused("Zm-");
  for (const char* canonical : {"Zg", "Zm8", "-_8"}) {
    CHECK_TRUE(crypto::Base64UrlDecode(canonical).ok());
  }
}

TEST_GROUP(Random){};

TEST(Random, FillsTheRequestedSizeWithFreshBytes) {
  const auto a = crypto::RandomBytes(32);
  const auto b = crypto::RandomBytes(32);
  CHECK_TRUE(a.ok() && b.ok());
  LONGS_EQUAL(32, a->size());
  CHECK_TRUE(*a != *b);
  CHECK_TRUE(*a != std::string(32, '\0'));
  const auto empty = crypto::RandomBytes(0);
  CHECK_TRUE(empty.ok() && empty->empty());
}

// getrandom returns at most 33554431 bytes per call; a larger request must be
// completed by the loop, not returned short.
TEST(Random, LargeRequestIsFilledCompletely) {
  const std::size_t size = 40u * 1024 * 1024;
  const auto bytes = crypto::RandomBytes(size);
  CHECK_OK(bytes);
  LONGS_EQUAL(size, bytes->size());
  // The tail would stay zero if a short read ended the loop.
  CHECK_TRUE(bytes->substr(size - 64) != std::string(64, '\0'));
}

TEST(Random, IdsAre128BitsOfBase64UrlAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = crypto::RandomId();
    CHECK_OK(id);
    LONGS_EQUAL(22, id->size());
    const auto raw = crypto::Base64UrlDecode(*id);
    CHECK_OK(raw);
    LONGS_EQUAL(16, raw->size());
    CHECK_TRUE(seen.insert(*id).second);
  }
  const auto longer = crypto::RandomId(32);
  CHECK_OK(longer);
  LONGS_EQUAL(43, longer->size());
}

// Roughly uniform: over 64 KiB every byte value appears, none more than twice
// its expected 256 times (a broken source, e.g. all zeros or ASCII only, fails).
TEST(Random, BytesLookUniform) {
  const auto bytes = crypto::RandomBytes(65536);
  CHECK_OK(bytes);
  int counts[256] = {};
  for (const char c : *bytes) ++counts[static_cast<unsigned char>(c)];
  for (const int count : counts) {
    CHECK_TRUE(count > 0);
    CHECK_TRUE(count < 512);
  }
}

TEST_GROUP(Sha256){};

TEST(Sha256, KnownDigests) {
  // FIPS 180-2 examples.
  STRCMP_EQUAL("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
               ToHex(crypto::Sha256("abc")).c_str());
  STRCMP_EQUAL("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
               ToHex(crypto::Sha256("")).c_str());
  STRCMP_EQUAL(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
      ToHex(crypto::Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).c_str());
}

TEST_GROUP(HmacSha256){};

// RFC 4231 §4, test cases 1-7 (HMAC-SHA-256 rows).
TEST(HmacSha256, Rfc4231Vectors) {
  struct Vector {
    std::string key;
    std::string data;
    const char* mac;
  };
  const Vector vectors[] = {
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {FromHex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& vector : vectors) {
    const std::string mac = crypto::HmacSha256(SecretString(vector.key), vector.data);
    LONGS_EQUAL(crypto::kSha256Size, mac.size());
    STRCMP_EQUAL(vector.mac, ToHex(mac).c_str());
  }
  // Test case 5 publishes only the first 128 bits.
  const std::string truncated =
      crypto::HmacSha256(SecretString(std::string(20, '\x0c')), "Test With Truncation");
  STRCMP_EQUAL("a3b6167473100ee06e0c796c2955552b", ToHex(truncated.substr(0, 16)).c_str());
}

TEST(HmacSha256, KeyAndMessageBothMatter) {
  const SecretString key(std::string(32, 'k'));
  const std::string mac = crypto::HmacSha256(key, "message");
  CHECK_TRUE(mac == crypto::HmacSha256(SecretString(std::string(32, 'k')), "message"));
  CHECK_TRUE(mac != crypto::HmacSha256(SecretString(std::string(32, 'K')), "message"));
  CHECK_TRUE(mac != crypto::HmacSha256(key, "messagf"));
  CHECK_TRUE(mac != crypto::HmacSha256(key, std::string_view("message\0", 8)));
  LONGS_EQUAL(crypto::kSha256Size, crypto::HmacSha256(SecretString(), "").size());
}

TEST_GROUP(ConstantTimeEquals){};

TEST(ConstantTimeEquals, ComparesEveryByteAndTheLength) {
  const std::string mac = crypto::HmacSha256(SecretString(std::string(32, 'k')), "m");
  CHECK_TRUE(crypto::ConstantTimeEquals(mac, std::string(mac)));
  for (std::size_t i = 0; i < mac.size(); ++i) {
    std::string changed = mac;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    CHECK_FALSE(crypto::ConstantTimeEquals(mac, changed));
  }
  CHECK_FALSE(crypto::ConstantTimeEquals(mac, mac.substr(0, 31)));
  CHECK_FALSE(crypto::ConstantTimeEquals(mac, mac + '\0'));
  CHECK_TRUE(crypto::ConstantTimeEquals("", ""));
}
