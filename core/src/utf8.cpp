// SPDX-License-Identifier: Apache-2.0
#include "sesam/utf8.h"

namespace sesam::utf8 {
namespace {

// Decodes one sequence starting at text[i]; returns the code point and advances
// i, or returns kInvalid and leaves i at the offending lead byte.
constexpr char32_t kInvalid = 0xFFFFFFFF;

char32_t DecodeOne(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  std::size_t length;
  char32_t code_point;
  char32_t minimum;  // smallest value that needs this length: anything below is overlong
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1Fu, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0Fu, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07u, minimum = 0x10000;
  } else {
    return kInvalid;  // continuation byte as lead, or 0xF8..0xFF
  }
  if (i + length > text.size()) return kInvalid;  // truncated
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(i + k);
    if ((next & 0xC0) != 0x80) return kInvalid;
    code_point = (code_point << 6) | (next & 0x3Fu);
  }
  if (code_point < minimum) return kInvalid;                          // overlong
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return kInvalid;  // surrogate
  if (code_point > 0x10FFFF) return kInvalid;
  i += length;
  return code_point;
}

Status InvalidAt(std::size_t offset) {
  return InvalidArgumentError("invalid UTF-8 at byte " + std::to_string(offset));
}

}  // namespace

Result<std::u32string> Decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char32_t code_point = DecodeOne(text, i);
    if (code_point == kInvalid) return InvalidAt(i);
    out.push_back(code_point);
  }
  return out;
}

Result<std::size_t> CountCodePoints(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    if (DecodeOne(text, i) == kInvalid) return InvalidAt(i);
  }
  return count;
}

bool IsValid(std::string_view text) { return CountCodePoints(text).ok(); }

void AppendEncoded(std::string& out, char32_t cp) {
  const auto put = [&](char32_t bits) { out.push_back(static_cast<char>(bits)); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xC0 | (cp >> 6));
    put(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  } else {
    put(0xF0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3F));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  }
}

std::string Encode(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t cp : code_points) AppendEncoded(out, cp);
  return out;
}

}  // namespace sesam::utf8
