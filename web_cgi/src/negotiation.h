// SPDX-License-Identifier: Apache-2.0
// Small decisions taken from request headers: the page language and whether
// a ?return= URL may be followed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sesam::web {

// ?lang= when it names a configured language, else the best Accept-Language
// entry (q-values honoured, "nl-BE" counts as "nl"), else `fallback`.
std::string ChooseLanguage(std::string_view query_lang, std::string_view accept_language,
                           const std::vector<std::string>& languages, const std::string& fallback);

// Whether `url` may be used as a redirect target: an http(s) URL without
// control characters or backslashes that starts with one of `prefixes`, where
// the prefix ends at a path boundary ("https://a.be" does not allow
// "https://a.be.evil.example").
bool AllowedReturnUrl(std::string_view url, const std::vector<std::string>& prefixes);

}  // namespace sesam::web
