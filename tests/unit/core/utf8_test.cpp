// SPDX-License-Identifier: Apache-2.0
#include "sesam/utf8.h"

#include <CppUTest/TestHarness.h>

#include <string>

namespace utf8 = sesam::utf8;

namespace {
std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}
void CheckInvalid(const std::string& text, const char* at) {
  const auto decoded = utf8::Decode(text);
  CHECK_FALSE(decoded.ok());
  CHECK_FALSE(utf8::IsValid(text));
  CHECK_FALSE(utf8::CountCodePoints(text).ok());
  STRCMP_CONTAINS(at, decoded.status().message().c_str());
}
}  // namespace

TEST_GROUP(Utf8){};

TEST(Utf8, DecodesEveryLength) {
  // "aé€😀": 1, 2, 3 and 4 byte sequences.
  const auto decoded = utf8::Decode("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK_TRUE(decoded.ok());
  CHECK_TRUE(*decoded == std::u32string({U'a', U'\u00E9', U'\u20AC', U'\U0001F600'}));
}

TEST(Utf8, CountsCodePointsNotBytes) {
  LONGS_EQUAL(7, *utf8::CountCodePoints("\xC3\x89"
                                        "cole12"));  // École12: 8 bytes
  LONGS_EQUAL(0, *utf8::CountCodePoints(""));
  LONGS_EQUAL(6, *utf8::CountCodePoints("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"));
}

TEST(Utf8, AcceptsBoundaryCodePoints) {
  CHECK_TRUE(utf8::IsValid(Bytes({0x7F})));
  CHECK_TRUE(utf8::IsValid(Bytes({0xC2, 0x80})));              // U+0080
  CHECK_TRUE(utf8::IsValid(Bytes({0xDF, 0xBF})));              // U+07FF
  CHECK_TRUE(utf8::IsValid(Bytes({0xE0, 0xA0, 0x80})));        // U+0800
  CHECK_TRUE(utf8::IsValid(Bytes({0xED, 0x9F, 0xBF})));        // U+D7FF
  CHECK_TRUE(utf8::IsValid(Bytes({0xEE, 0x80, 0x80})));        // U+E000
  CHECK_TRUE(utf8::IsValid(Bytes({0xEF, 0xBF, 0xBF})));        // U+FFFF
  CHECK_TRUE(utf8::IsValid(Bytes({0xF0, 0x90, 0x80, 0x80})));  // U+10000
  CHECK_TRUE(utf8::IsValid(Bytes({0xF4, 0x8F, 0xBF, 0xBF})));  // U+10FFFF
  CHECK_TRUE(utf8::IsValid(std::string("a\0b", 3)));           // NUL is valid UTF-8
}

TEST(Utf8, RejectsTruncatedSequences) {
  CheckInvalid(Bytes({0xC3}), "byte 0");
  CheckInvalid(Bytes({'a', 0xE2, 0x82}), "byte 1");
  CheckInvalid(Bytes({0xF0, 0x9F, 0x98}), "byte 0");
  CheckInvalid(Bytes({0xE2, 'a', 0xAC}), "byte 0");  // continuation replaced by ASCII
}

TEST(Utf8, RejectsStrayContinuationAndInvalidLeadBytes) {
  CheckInvalid(Bytes({0x80}), "byte 0");
  CheckInvalid(Bytes({'o', 'k', 0xBF}), "byte 2");
  CheckInvalid(Bytes({0xF8, 0x88, 0x80, 0x80, 0x80}), "byte 0");
  CheckInvalid(Bytes({0xFE}), "byte 0");
  CheckInvalid(Bytes({0xFF}), "byte 0");
}

TEST(Utf8, RejectsOverlongEncodings) {
  CheckInvalid(Bytes({0xC0, 0xAF}), "byte 0");  // '/' in two bytes
  CheckInvalid(Bytes({0xC1, 0xBF}), "byte 0");
  CheckInvalid(Bytes({0xC0, 0x80}), "byte 0");  // NUL in two bytes
  CheckInvalid(Bytes({0xE0, 0x80, 0xAF}), "byte 0");
  CheckInvalid(Bytes({0xE0, 0x9F, 0xBF}), "byte 0");  // U+07FF in three bytes
  CheckInvalid(Bytes({0xF0, 0x80, 0x80, 0xAF}), "byte 0");
  CheckInvalid(Bytes({0xF0, 0x8F, 0xBF, 0xBF}), "byte 0");  // U+FFFF in four bytes
}

TEST(Utf8, RejectsSurrogates) {
  CheckInvalid(Bytes({0xED, 0xA0, 0x80}), "byte 0");                    // U+D800
  CheckInvalid(Bytes({0xED, 0xBF, 0xBF}), "byte 0");                    // U+DFFF
  CheckInvalid(Bytes({0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80}), "byte 0");  // CESU-8 pair
}

TEST(Utf8, RejectsAboveU10FFFF) {
  CheckInvalid(Bytes({0xF4, 0x90, 0x80, 0x80}), "byte 0");  // U+110000
  CheckInvalid(Bytes({0xF5, 0x80, 0x80, 0x80}), "byte 0");
  CheckInvalid(Bytes({0xF7, 0xBF, 0xBF, 0xBF}), "byte 0");
}

TEST(Utf8, EncodeRoundTrips) {
  const std::u32string points = {U'J', U'\u00EB', U'\u4E2D', U'\U0001F511', U'\U0010FFFF'};
  const std::string encoded = utf8::Encode(points);
  CHECK_TRUE(*utf8::Decode(encoded) == points);
}
