// SPDX-License-Identifier: Apache-2.0
// [web]: how sesam-fcgi presents itself: its public URL, texts, languages and limits.
#include <arpa/inet.h>

#include <algorithm>

#include "key_table.h"

namespace sesam::config::internal {
namespace {

constexpr std::string_view kKnownLanguages[] = {"nl", "fr", "en"};

bool IsHttpUrl(std::string_view url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
}

// "192.0.2.1", "2001:db8::1", "10.0.0.0/8", "2001:db8::/32".
bool IsAddressOrRange(const std::string& text) {
  const auto slash = text.find('/');
  const std::string address = text.substr(0, slash);
  unsigned char buffer[16];
  unsigned max_prefix;
  if (inet_pton(AF_INET, address.c_str(), buffer) == 1) {
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), buffer) == 1) {
    max_prefix = 128;
  } else {
    return false;
  }
  if (slash == std::string::npos) return true;
  return ParseUnsignedInRange(std::string_view(text).substr(slash + 1), 0, max_prefix).ok();
}

void ValidateWeb(const Config& c, const ReportFn& report) {
  const WebSection& w = c.web;
  using Severity = Diagnostic::Severity;
  if (!w.base_url.empty()) {
    if (!IsHttpUrl(w.base_url) || w.base_url.find_first_of("?#") != std::string::npos) {
      report("base_url", "expected an https:// URL without query or fragment", Severity::kError);
    } else if (w.base_url.rfind("http://", 0) == 0) {
      report("base_url", "base_url is not https: reset links would travel in clear text",
             Severity::kWarning);
    }
  }
  if (!w.login_url.empty() && !IsHttpUrl(w.login_url)) {
    report("login_url", "expected an http:// or https:// URL", Severity::kError);
  }
  for (const auto& prefix : w.return_urls) {
    if (!IsHttpUrl(prefix)) {
      report("return_urls", "'" + prefix + "' is not an http:// or https:// URL prefix",
             Severity::kError);
    }
  }
  if (w.languages.empty())
    report("languages", "at least one language is required", Severity::kError);
  for (const auto& language : w.languages) {
    if (std::find(std::begin(kKnownLanguages), std::end(kKnownLanguages), language) ==
        std::end(kKnownLanguages)) {
      report("languages", "unknown language '" + language + "' (expected nl, fr or en)",
             Severity::kError);
    }
  }
  if (std::find(w.languages.begin(), w.languages.end(), w.default_language) == w.languages.end()) {
    report("default_language", "'" + w.default_language + "' is not one of languages",
           Severity::kError);
  }
  for (const auto& proxy : w.trusted_proxies) {
    if (!IsAddressOrRange(proxy)) {
      report("trusted_proxies", "'" + proxy + "' is not an IP address or CIDR range",
             Severity::kError);
    }
  }
  if (w.state_dir.empty() || w.state_dir.front() != '/') {
    report("state_dir", "expected an absolute directory path", Severity::kError);
  }
}

}  // namespace

SectionSpec WebSectionSpec() {
  using S = WebSection;
  constexpr auto s = &Config::web;
  return {
      "web",
      {
          StringKey(s, &S::base_url, "base_url", ""),
          StringKey(s, &S::login_url, "login_url", ""),
          StringKey(s, &S::helpdesk, "helpdesk", ""),
          StringKey(s, &S::school_name, "school_name", ""),
          ListKey(s, &S::languages, "languages", "nl fr en"),
          StringKey(s, &S::default_language, "default_language", "nl"),
          ListKey(s, &S::trusted_proxies, "trusted_proxies", ""),
          ListKey(s, &S::return_urls, "return_urls", ""),
          RateKey(s, &S::ip_limit, "ip_limit", "20/10m"),
          RateKey(s, &S::account_limit, "account_limit", "3/1h"),
          RateKey(s, &S::recipient_limit, "recipient_limit", "5/1h"),
          RateKey(s, &S::forgot_rate, "forgot_rate", "20/1s"),
          StringKey(s, &S::state_dir, "state_dir", "/var/lib/sesam"),
          RateKey(s, &S::link_failure_limit, "link_failure_limit", "20/10m"),
          RateKey(s, &S::change_ip_limit, "change_ip_limit", "30/10m"),
          RateKey(s, &S::change_account_limit, "change_account_limit", "5/10m"),
          UnsignedKey(s, &S::limit_clients, "limit_clients", "100000", 1000, 10'000'000),
      },
      ValidateWeb,
  };
}

}  // namespace sesam::config::internal
