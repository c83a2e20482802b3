// SPDX-License-Identifier: Apache-2.0
// App's inside, split over app.cpp (routing, headers, shared page parts),
// forgot_pages.cpp (forgot, sent), otp_pages.cpp (the link and its form),
// change_page.cpp (the change page) and password_form.cpp (the new-password
// fields both forms share).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "client_ip.h"
#include "fragment_cache.h"
#include "health_probe.h"
#include "log_throttle.h"
#include "rate_limiter.h"
#include "sesam/web/app.h"

namespace sesam::web {

// What every page of one request shares.
struct PageContext {
  const Request* request = nullptr;
  std::string language;
  const i18n::Catalog* catalog = nullptr;
  std::string lang_query;  // "?lang=fr" when the visitor chose it with ?lang=, else ""
  std::string csrf_cookie;
  bool set_csrf_cookie = false;
  std::string client_ip;
  ClientKey client_key;  // what every per-client limit counts under

  std::string Tr(std::string_view msgid) const { return std::string(catalog->Translate(msgid)); }
};

// Gives the visitor a CSRF cookie when the request brought none.
void EnsureCsrfCookie(PageContext& context);

// An otp link that is still good, with the account it belongs to.
struct LiveLink {
  ldap::Account account;
};

class App::Impl {
 public:
  explicit Impl(AppDeps deps);
  Response Handle(const Request& request);

 private:
  Response Route(PageContext& context, std::string_view route);
  // otp/<token>, GET or POST, behind [web] link_failure_limit.
  Response Otp(PageContext& context, std::string_view token, bool get);
  Response Healthz(const PageContext& context);

  // forgot_pages.cpp
  Response GetForgot(PageContext& context);
  Response PostForgot(PageContext& context);
  Response GetSent(PageContext& context);
  Response GetDone(PageContext& context);
  Response ForgotForm(PageContext& context, int status, std::string_view username,
                      std::string_view email, std::string_view error);

  // otp_pages.cpp
  Response GetOtp(PageContext& context, std::string_view token);
  Response PostOtp(PageContext& context, std::string_view token);
  // The account when the link is alive; else the 410 or 503 response.
  std::variant<LiveLink, Response> CheckLink(PageContext& context, std::string_view token);
  Response ChangeForm(PageContext& context, int status, const ldap::Account& account,
                      std::string_view token, const policy::Verdict* verdict,
                      std::optional<bool> repeated, std::string_view error);
  Response LinkInvalid(PageContext& context);

  // change_page.cpp: the user's own change, behind [web] change_ip_limit
  // and change_account_limit.
  Response GetChange(PageContext& context);
  Response PostChange(PageContext& context);
  Response ChangePage(PageContext& context, int status, std::string_view username,
                      const policy::Verdict* verdict, std::optional<bool> repeated,
                      std::string_view error);

  // password_form.cpp: the new-password fields both forms share (the
  // password_fields partial): rule marks for `names`, judged when `verdict`
  // is given, the repeat mark, the script.
  void PasswordFields(const PageContext& context, TemplateData& data, const policy::Context& names,
                      const policy::Verdict* verdict, std::optional<bool> repeated) const;

  // app.cpp: shared parts
  TemplateData PageData(const PageContext& context, std::string_view title) const;
  Response Page(const PageContext& context, int status, std::string_view name,
                const TemplateData& data) const;
  // A fragment template rendered to HTML, for a {{{name_html}}} slot of a page.
  std::string Fragment(std::string_view name, const TemplateData& data) const;
  Response ErrorPage(const PageContext& context, int status, std::string_view title,
                     std::string_view message) const;
  Response Redirect(const PageContext& context, std::string_view route) const;
  // 429 with Retry-After: `wait` seconds.
  Response TooMany(const PageContext& context, long wait, std::string_view message) const;
  void Finish(const PageContext& context, Response& response) const;
  std::string ReturnTarget(const PageContext& context) const;
  // Keeps an allowed ?return= target in a cookie for ReturnTarget (forgot and
  // change pages); a target outside [web] return_urls is logged and ignored.
  void RememberReturn(const PageContext& context, Response& response) const;
  std::string CsrfField(const PageContext& context) const;
  // 413 / 415 / 400 for a form that is not ours; nullopt when `fields` is good.
  std::optional<Response> ReadForm(const PageContext& context,
                                   const std::vector<std::string_view>& names, Fields& fields);
  Response Static(std::string_view name) const;

  AppDeps deps_;
  ProxyList proxies_;
  RateLimiter ip_limiter_;
  RateLimiter link_limiter_;            // dead links per client ([web] link_failure_limit)
  RateLimiter change_limiter_;          // change tries per client ([web] change_ip_limit)
  RateLimiter change_account_limiter_;  // refused per client + username
  std::chrono::steady_clock::duration change_floor_{};  // see change_page.cpp
  HealthProbe health_;
  LogThrottle bad_form_log_;
  LogThrottle proxy_log_;
  LogThrottle limited_log_;  // the lines of 429 answers
  FragmentCache fragments_;
  std::string base_path_;  // "/sesam" for https://host/sesam; "" at the root
  bool https_ = false;
  std::string css_;
  std::string js_;
};

// Cookie names besides csrf::kCookieName.
inline constexpr std::string_view kReturnCookie = "sesam_return";

// Whether `text` looks like a mail address: one '@', no spaces, control or
// special characters, a dot in the domain, at most 254 bytes.
bool LooksLikeAddress(std::string_view text);

}  // namespace sesam::web
