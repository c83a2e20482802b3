// SPDX-License-Identifier: Apache-2.0
// Unicode properties the rules need: a code point's class (by general
// category) and its simple case folding. Backed by ICU's libicuuc (Debian
// libicu72): its tables are the same Unicode data browsers use for \p{Ll},
// and they live in libicudata's read-only mapping, shared with every other
// process, so they add almost nothing to a login process's own memory.
#pragma once

#include <string>
#include <string_view>

namespace sesam::policy::internal {

enum class CharClass { kLower, kUpper, kDigit, kOther, kControl };

// Ll -> kLower, Lu -> kUpper, Nd -> kDigit, Cc -> kControl, anything else
// (punctuation, symbols, spaces, Lt, Lm, Lo, marks, unassigned) -> kOther.
CharClass ClassOf(char32_t code_point);

// Simple (one-to-one) case folding, so "É" and "é" compare equal.
char32_t FoldCase(char32_t code_point);
std::u32string FoldCase(std::u32string_view text);

}  // namespace sesam::policy::internal

namespace sesam::policy::internal {

// Decodes UTF-8, turning each byte that does not start a valid sequence into
// U+FFFD, so rules can still count and classify an invalid password (the
// "utf8" rule refuses it). Sets `valid` to whether no byte was replaced.
std::u32string DecodeLenient(std::string_view text, bool& valid);

}  // namespace sesam::policy::internal
