// SPDX-License-Identifier: Apache-2.0
// Routing and what every response shares: security headers, cookies, the page
// frame. The routes themselves are in forgot_pages.cpp and otp_pages.cpp.
#include <exception>
#include <fstream>
#include <sstream>

#include "app_impl.h"
#include "audit.h"
#include "csrf.h"
#include "negotiation.h"
#include "sesam/log.h"

namespace sesam::web {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) log::Warning("cannot read " + path + ": the pages will lack it");
  return text.str();
}

// "https://host:8443/sesam/" -> "/sesam".
std::string PathOf(const std::string& base_url) {
  const auto scheme = base_url.find("://");
  const auto slash =
      scheme == std::string::npos ? std::string::npos : base_url.find('/', scheme + 3);
  std::string path = slash == std::string::npos ? std::string() : base_url.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

// Lines a visitor can cause at will: this many of each kind a minute, then a
// count (log_throttle.h).
constexpr unsigned kLinesPerMinute = 10;

constexpr std::string_view kLanguageNames[][2] = {
    {"nl", "Nederlands"}, {"fr", "Français"}, {"en", "English"}};

}  // namespace

App::App(AppDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {}
App::~App() = default;
Response App::Handle(const Request& request) { return impl_->Handle(request); }

App::Impl::Impl(AppDeps deps)
    : deps_(std::move(deps)),
      proxies_(deps_.config->web.trusted_proxies),
      ip_limiter_("ip_limit", deps_.config->web.ip_limit, deps_.config->web.limit_clients),
      link_limiter_("link_failure_limit", deps_.config->web.link_failure_limit,
                    deps_.config->web.limit_clients),
      change_limiter_("change_ip_limit", deps_.config->web.change_ip_limit,
                      deps_.config->web.limit_clients),
      change_account_limiter_("change_account_limit", deps_.config->web.change_account_limit,
                              deps_.config->web.limit_clients),
      health_(deps_.directory, deps_.now),
      bad_form_log_("bad form", kLinesPerMinute, std::chrono::minutes(1)),
      proxy_log_("forwarded hop", kLinesPerMinute, std::chrono::minutes(1)),
      limited_log_("limited request", kLinesPerMinute, std::chrono::minutes(1)) {
  std::string base = deps_.config->web.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  base_path_ = PathOf(base);
  https_ = base.rfind("https://", 0) == 0;
  if (!deps_.static_dir.empty()) {
    css_ = ReadFile(deps_.static_dir + "/sesam.css");
    js_ = ReadFile(deps_.static_dir + "/sesam.js");
  }
}

Response App::Impl::Handle(const Request& request) {
  PageContext context;
  context.request = &request;
  const auto& web = deps_.config->web;
  auto query = ParseForm(request.query, {"lang", "return"}, UnknownFields::kIgnore);
  const std::string query_lang = query.ok() && query->contains("lang") ? query->at("lang") : "";
  context.language =
      ChooseLanguage(query_lang, request.accept_language, web.languages, web.default_language);
  if (query_lang == context.language) context.lang_query = "?lang=" + context.language;
  context.catalog = &deps_.translations->For(context.language);
  ClientAddress client =
      ClientIp(proxies_, request.remote_addr, request.forwarded_for, request.forwarded);
  if (!client.problem.empty()) proxy_log_.Write(log::Level::kWarning, client.problem);
  context.client_ip = std::move(client.address);
  context.client_key = ClientKeyOf(context.client_ip);
  auto cookie = CookieValue(request.cookie, csrf::kCookieName);
  if (cookie && csrf::WellFormedCookie(*cookie)) {
    context.csrf_cookie = *cookie;
  }

  try {
    if (!query.ok()) {
      return ErrorPage(context, 400, context.Tr(N_("Bad request")),
                       context.Tr(N_("This address is not valid.")));
    }
    const std::string& path = request.path;
    if (path.size() <= base_path_.size() + 1 ||
        path.compare(0, base_path_.size(), base_path_) != 0 || path[base_path_.size()] != '/') {
      return ErrorPage(context, 404, context.Tr(N_("Page not found")),
                       context.Tr(N_("This page does not exist.")));
    }
    return Route(context, std::string_view(path).substr(base_path_.size() + 1));
  } catch (const std::exception& error) {
    log::Error(std::string("request failed: internal error: ") + error.what());
    Response response;
    response.status = 500;
    response.SetHeader("Content-Type", "text/plain; charset=utf-8");
    response.SetHeader("Cache-Control", "no-store");
    response.body = "Internal error\n";
    Finish(context, response);
    return response;
  }
}

Response App::Impl::Route(PageContext& context, std::string_view route) {
  const std::string& method = context.request->method;
  const bool get = method == "GET" || method == "HEAD";
  const auto not_allowed = [&](std::string_view allow) {
    Response response = ErrorPage(context, 405, context.Tr(N_("Bad request")),
                                  context.Tr(N_("This address is not valid.")));
    response.SetHeader("Allow", std::string(allow));
    return response;
  };
  if (route == "forgot") {
    if (get) return GetForgot(context);
    if (method == "POST") return PostForgot(context);
    return not_allowed("GET, POST");
  }
  if (route == "change") {
    if (get) return GetChange(context);
    if (method == "POST") return PostChange(context);
    return not_allowed("GET, POST");
  }
  if (route.rfind("otp/", 0) == 0) {
    if (!get && method != "POST") return not_allowed("GET, POST");
    return Otp(context, route.substr(4), get);
  }
  if (!get) return not_allowed("GET");
  if (route == "sent") return GetSent(context);
  if (route == "done") return GetDone(context);
  if (route == "static/sesam.css" || route == "static/sesam.js") return Static(route);
  if (route == "policy.json") {
    Response response;
    response.SetHeader("Content-Type", "application/json");
    response.SetHeader("Cache-Control", "no-cache");
    response.body = deps_.policy->BrowserRulesJson(*context.catalog);
    Finish(context, response);
    return response;
  }
  if (route == "healthz") return Healthz(context);
  return ErrorPage(context, 404, context.Tr(N_("Page not found")),
                   context.Tr(N_("This page does not exist.")));
}

// Tokens are signed, so guessing one is hopeless; but every dead link that is
// well signed costs a directory search, and a client that keeps presenting
// dead links is probing or broken. After [web] link_failure_limit answers 410
// to one client, it gets 429 until the window has passed, whatever it sends.
Response App::Impl::Otp(PageContext& context, std::string_view token, bool get) {
  const auto now = RateLimiter::Clock::now();
  if (const long wait = link_limiter_.Check(context.client_key, now)) {
    limited_log_.Write(log::Level::kInfo, "reset link refused from " + LogSafe(context.client_ip) +
                                              ": limited (link_failure_limit reached)");
    return TooMany(context, wait,
                   context.Tr(N_("Too many links that no longer work were opened from your "
                                 "network. Please wait a few minutes, then open the newest "
                                 "link from your e-mail or ask for a new one.")));
  }
  Response response = get ? GetOtp(context, token) : PostOtp(context, token);
  if (response.status == 410) (void)link_limiter_.Hit(context.client_key, now);
  return response;
}

Response App::Impl::Healthz(const PageContext& context) {
  const Status status = health_.Get();
  const MailHealth::Report mail =
      deps_.mail_health ? deps_.mail_health->Get() : MailHealth::Report{};
  const bool strict = context.request->query == "mail";
  Response response;
  response.status = status.ok() && !(strict && mail.failing()) ? 200 : 503;
  response.SetHeader("Content-Type", "text/plain; charset=utf-8");
  response.SetHeader("Cache-Control", "no-store");
  if (!status.ok()) response.body = "directory unavailable\n";
  if (mail.failing()) response.body += "mail failing: " + mail.ToString() + "\n";
  if (response.body.empty()) response.body = "ok\n";
  Finish(context, response);
  return response;
}

Response App::Impl::TooMany(const PageContext& context, long wait, std::string_view message) const {
  Response response = ErrorPage(context, 429, context.Tr(N_("Too many requests")), message);
  response.SetHeader("Retry-After", std::to_string(wait));
  return response;
}

Response App::Impl::Static(std::string_view name) const {
  Response response;
  const bool css = name.ends_with(".css");
  response.SetHeader("Content-Type",
                     css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
  response.SetHeader("Cache-Control", "public, max-age=3600");
  response.body = css ? css_ : js_;
  PageContext none;
  Finish(none, response);
  return response;
}

TemplateData App::Impl::PageData(const PageContext& context, std::string_view title) const {
  const auto& web = deps_.config->web;
  TemplateData data;
  data.set("lang", context.language);
  data.set("title", std::string(title));
  data.set("school", web.school_name.empty() ? std::string("Sesam") : web.school_name);
  data.set("base", base_path_);
  data.set("t_languages", context.Tr(N_("Language")));
  data.set("languages_html", fragments_.Get("languages/" + context.language, [&] {
    TemplateData languages{TemplateData::type::list};
    for (const auto& code : web.languages) {
      TemplateData entry;
      entry.set("code", code);
      for (const auto& [known, name] : kLanguageNames) {
        if (known == code) entry.set("name", std::string(name));
      }
      entry.set("current", code == context.language);
      languages.push_back(entry);
    }
    TemplateData menu;
    menu.set("languages", languages);
    return Fragment("languages", menu);
  }));
  return data;
}

Response App::Impl::Page(const PageContext& context, int status, std::string_view name,
                         const TemplateData& data) const {
  Response response;
  response.status = status;
  auto body = deps_.templates->Render(name, data);
  if (!body.ok()) {
    log::Error("page " + std::string(name) + " not rendered: " + body.status().ToString());
    response.status = 500;
    response.SetHeader("Content-Type", "text/plain; charset=utf-8");
    response.body = "Internal error\n";
  } else {
    response.SetHeader("Content-Type", "text/html; charset=utf-8");
    response.body = std::move(body).value();
  }
  // Every page holds a form or shows what was sent (a username, an address,
  // the account of a link): no browser or proxy may keep a copy.
  response.SetHeader("Cache-Control", "no-store");
  Finish(context, response);
  return response;
}

std::string App::Impl::Fragment(std::string_view name, const TemplateData& data) const {
  auto html = deps_.templates->Render(name, data);
  if (!html.ok()) {
    // Templates are checked when they are loaded; this is a bug, not bad input.
    log::Error("fragment " + std::string(name) + " not rendered: " + html.status().ToString());
    return {};
  }
  return std::move(html).value();
}

Response App::Impl::ErrorPage(const PageContext& context, int status, std::string_view title,
                              std::string_view message) const {
  TemplateData data = PageData(context, title);
  data.set("message", std::string(message));
  data.set("again_url", base_path_ + "/forgot" + context.lang_query);
  data.set("t_again", context.Tr(N_("Back to the start")));
  return Page(context, status, "error", data);
}

Response App::Impl::Redirect(const PageContext& context, std::string_view route) const {
  std::string base = deps_.config->web.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  Response response;
  response.status = 303;
  response.SetHeader("Location", base + "/" + std::string(route) + context.lang_query);
  response.SetHeader("Content-Type", "text/plain; charset=utf-8");
  response.SetHeader("Cache-Control", "no-store");
  Finish(context, response);
  return response;
}

void App::Impl::Finish(const PageContext& context, Response& response) const {
  response.SetHeader("Content-Security-Policy",
                     "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
  response.SetHeader("Referrer-Policy", "no-referrer");
  response.SetHeader("X-Content-Type-Options", "nosniff");
  response.SetHeader("X-Frame-Options", "DENY");
  if (https_) response.SetHeader("Strict-Transport-Security", "max-age=31536000");
  if (context.set_csrf_cookie) {
    response.headers.emplace_back(
        "Set-Cookie", std::string(csrf::kCookieName) + "=" + context.csrf_cookie + "; Path=" +
                          base_path_ + "/; HttpOnly; SameSite=Strict" + (https_ ? "; Secure" : ""));
  }
}

void EnsureCsrfCookie(PageContext& context) {
  if (context.csrf_cookie.empty()) {
    context.csrf_cookie = csrf::NewCookieValue();
    context.set_csrf_cookie = true;
  }
}

std::string App::Impl::CsrfField(const PageContext& context) const {
  return csrf::FormToken(*deps_.csrf_key, context.csrf_cookie);
}

std::string App::Impl::ReturnTarget(const PageContext& context) const {
  const auto& web = deps_.config->web;
  if (const auto cookie = CookieValue(context.request->cookie, kReturnCookie)) {
    auto decoded = ParseForm("u=" + *cookie, {"u"}, UnknownFields::kReject);
    if (decoded.ok() && AllowedReturnUrl(decoded->at("u"), web.return_urls)) {
      return decoded->at("u");
    }
  }
  return web.login_url.empty() ? base_path_ + "/forgot" : web.login_url;
}

void App::Impl::RememberReturn(const PageContext& context, Response& response) const {
  auto query = ParseForm(context.request->query, {"return"}, UnknownFields::kIgnore);
  if (!query.ok() || !query->contains("return")) return;
  const std::string& target = query->at("return");
  if (AllowedReturnUrl(target, deps_.config->web.return_urls)) {
    response.headers.emplace_back("Set-Cookie", std::string(kReturnCookie) + "=" +
                                                    UrlEncode(target) + "; Path=" + base_path_ +
                                                    "/; Max-Age=3600; HttpOnly; SameSite=Lax" +
                                                    (https_ ? "; Secure" : ""));
  } else {
    log::Info("ignored a return URL outside [web] return_urls from " + LogSafe(context.client_ip));
  }
}

std::optional<Response> App::Impl::ReadForm(const PageContext& context,
                                            const std::vector<std::string_view>& names,
                                            Fields& fields) {
  const Request& request = *context.request;
  if (request.body_too_large || request.body.size() > kMaxBodyBytes) {
    return ErrorPage(context, 413, context.Tr(N_("Bad request")),
                     context.Tr(N_("The form was too large.")));
  }
  const std::string_view type = request.content_type;
  if (type.substr(0, type.find(';')) != "application/x-www-form-urlencoded") {
    return ErrorPage(context, 415, context.Tr(N_("Bad request")),
                     context.Tr(N_("This form did not come from our page.")));
  }
  auto parsed = ParseForm(request.body, names, UnknownFields::kReject);
  if (!parsed.ok()) {
    bad_form_log_.Write(log::Level::kInfo, "bad form from " + LogSafe(context.client_ip) + ": " +
                                               parsed.status().message());
    return ErrorPage(context, 400, context.Tr(N_("Bad request")),
                     context.Tr(N_("This form did not come from our page.")));
  }
  fields = std::move(parsed).value();
  return std::nullopt;
}

bool LooksLikeAddress(std::string_view text) {
  if (text.size() < 3 || text.size() > 254) return false;
  const auto at = text.find('@');
  if (at == 0 || at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f ||
        std::string_view("<>()[]\\,;:\"").find(c) != std::string_view::npos) {
      return false;
    }
  }
  const std::string_view domain = text.substr(at + 1);
  return at <= 64 && domain.find('.') != std::string_view::npos && domain.front() != '.' &&
         domain.back() != '.' && domain.find("..") == std::string_view::npos;
}

}  // namespace sesam::web
