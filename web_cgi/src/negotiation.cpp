// SPDX-License-Identifier: Apache-2.0
#include "negotiation.h"
#include "text.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace sesam::web {
namespace {

bool Configured(std::string_view language, const std::vector<std::string>& languages) {
  return std::find(languages.begin(), languages.end(), language) != languages.end();
}

}  // namespace

std::string ChooseLanguage(std::string_view query_lang, std::string_view accept_language,
                           const std::vector<std::string>& languages, const std::string& fallback) {
  if (Configured(query_lang, languages)) return std::string(query_lang);
  std::string best;
  double best_q = 0.0;
  std::size_t start = 0;
  while (start < accept_language.size()) {
    std::size_t end = accept_language.find(',', start);
    if (end == std::string_view::npos) end = accept_language.size();
    std::string_view entry = TrimSpace(accept_language.substr(start, end - start));
    start = end + 1;
    double q = 1.0;
    const auto semicolon = entry.find(';');
    if (semicolon != std::string_view::npos) {
      const std::string_view params = TrimSpace(entry.substr(semicolon + 1));
      if (params.rfind("q=", 0) == 0) q = std::atof(std::string(params.substr(2)).c_str());
      entry = TrimSpace(entry.substr(0, semicolon));
    }
    std::string primary(entry.substr(0, entry.find('-')));
    std::transform(primary.begin(), primary.end(), primary.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (q > best_q && Configured(primary, languages)) {
      best = primary;
      best_q = q;
    }
  }
  return best.empty() ? fallback : best;
}

bool AllowedReturnUrl(std::string_view url, const std::vector<std::string>& prefixes) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return false;
  for (const char c : url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return false;
  }
  for (const auto& prefix : prefixes) {
    if (prefix.empty() || url.rfind(prefix, 0) != 0) continue;
    if (prefix.back() == '/' || url.size() == prefix.size()) return true;
    const char next = url[prefix.size()];
    if (next == '/' || next == '?' || next == '#') return true;
  }
  return false;
}

}  // namespace sesam::web
