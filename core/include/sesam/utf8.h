// SPDX-License-Identifier: Apache-2.0
// Strict UTF-8 (RFC 3629): rejects invalid bytes, truncated and overlong
// sequences, UTF-16 surrogates (U+D800..U+DFFF) and code points above U+10FFFF.
// Passwords are counted and classified in code points, never in bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sesam/status.h"

namespace sesam::utf8 {

// Decodes `text` into code points. On invalid input returns InvalidArgument
// whose message names the byte offset of the first bad sequence.
Result<std::u32string> Decode(std::string_view text);

// Number of code points; InvalidArgument on invalid input.
Result<std::size_t> CountCodePoints(std::string_view text);

bool IsValid(std::string_view text);

// Appends the UTF-8 encoding of `code_point` (must be a Unicode scalar value).
void AppendEncoded(std::string& out, char32_t code_point);
std::string Encode(std::u32string_view code_points);

}  // namespace sesam::utf8
