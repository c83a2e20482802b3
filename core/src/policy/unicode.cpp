// SPDX-License-Identifier: Apache-2.0
#include "unicode.h"

#include <unicode/uchar.h>

namespace sesam::policy::internal {

CharClass ClassOf(char32_t code_point) {
  switch (u_charType(static_cast<UChar32>(code_point))) {
    case U_LOWERCASE_LETTER:
      return CharClass::kLower;
    case U_UPPERCASE_LETTER:
      return CharClass::kUpper;
    case U_DECIMAL_DIGIT_NUMBER:
      return CharClass::kDigit;
    case U_CONTROL_CHAR:
      return CharClass::kControl;
    default:
      return CharClass::kOther;
  }
}

char32_t FoldCase(char32_t code_point) {
  return static_cast<char32_t>(u_foldCase(static_cast<UChar32>(code_point), U_FOLD_CASE_DEFAULT));
}

std::u32string FoldCase(std::u32string_view text) {
  std::u32string folded;
  folded.reserve(text.size());
  for (const char32_t code_point : text) folded.push_back(FoldCase(code_point));
  return folded;
}

}  // namespace sesam::policy::internal

#include "sesam/utf8.h"

namespace sesam::policy::internal {

std::u32string DecodeLenient(std::string_view text, bool& valid) {
  if (auto decoded = utf8::Decode(text); decoded.ok()) {
    valid = true;
    return std::move(decoded).value();
  }
  valid = false;
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    const std::string_view sequence = text.substr(i, length);
    if (sequence.size() == length && (lead < 0x80 || lead >= 0xC2) && utf8::IsValid(sequence)) {
      // Valid: the lead byte's payload bits, then 6 bits per continuation byte.
      char32_t code_point = length == 1 ? lead : lead & (0x7Fu >> length);
      for (std::size_t k = 1; k < length; ++k) {
        code_point = (code_point << 6) | (static_cast<unsigned char>(sequence[k]) & 0x3Fu);
      }
      out.push_back(code_point);
      i += length;
    } else {
      out.push_back(U'\uFFFD');
      ++i;
    }
  }
  return out;
}

}  // namespace sesam::policy::internal
