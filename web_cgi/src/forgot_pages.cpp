// SPDX-License-Identifier: Apache-2.0
// GET/POST forgot, sent and done. POST forgot answers the same way for every
// account and address: everything that depends on them runs on ResetQueue's
// workers after the answer is on its way.
#include <chrono>

#include "app_impl.h"
#include "audit.h"
#include "csrf.h"
#include "negotiation.h"
#include "sesam/log.h"
#include "text.h"

namespace sesam::web {

Response App::Impl::GetForgot(PageContext& context) {
  EnsureCsrfCookie(context);
  Response response = ForgotForm(context, 200, "", "", "");
  RememberReturn(context, response);
  return response;
}

Response App::Impl::ForgotForm(PageContext& context, int status, std::string_view username,
                               std::string_view email, std::string_view error) {
  const auto& web = deps_.config->web;
  TemplateData data = PageData(context, context.Tr(N_("Forgot your password?")));
  data.set("action", base_path_ + "/forgot" + context.lang_query);
  data.set("csrf", CsrfField(context));
  data.set("intro", context.Tr(N_("Fill in your username and your e-mail address. We will send "
                                  "you a link to choose a new password.")));
  data.set("t_username", context.Tr(N_("Username")));
  data.set("t_email", context.Tr(N_("E-mail address")));
  data.set("t_submit", context.Tr(N_("Request a new password")));
  // The same words the server answers with, for the browser-side check.
  data.set("t_invalid_email", context.Tr(N_("A valid e-mail address is required.")));
  data.set("script", true);
  data.set("username", std::string(username));
  data.set("email", std::string(email));
  if (!error.empty()) data.set("error", std::string(error));
  data.set("t_hint_title", context.Tr(N_("Forgot your username?")));
  data.set("t_hint", context.Tr(N_("Do you not know your username, or do you get no e-mail? "
                                   "Ask the helpdesk of your school:")));
  if (!web.helpdesk.empty()) {
    data.set("helpdesk", web.helpdesk);
    const bool is_url = web.helpdesk.find("://") != std::string::npos;
    data.set("helpdesk_href", is_url ? web.helpdesk : "mailto:" + web.helpdesk);
  }
  data.set("t_change", context.Tr(N_("Do you know your password and want to change it?")));
  data.set("change_url", base_path_ + "/change" + context.lang_query);
  data.set("t_change_link", context.Tr(N_("Change your password")));
  data.set("return_url", ReturnTarget(context));
  data.set("t_cancel", context.Tr(N_("Cancel")));
  return Page(context, status, "forgot", data);
}

Response App::Impl::PostForgot(PageContext& context) {
  Fields fields;
  if (auto refused = ReadForm(context, {"username", "email", "csrf"}, fields)) return *refused;
  if (!csrf::Valid(*deps_.csrf_key, CookieValue(context.request->cookie, csrf::kCookieName),
                   fields.contains("csrf") ? fields.at("csrf") : "")) {
    log::Info("forgot: refused a form without a valid csrf token from " +
              LogSafe(context.client_ip));
    EnsureCsrfCookie(context);
    return ErrorPage(context, 403, context.Tr(N_("This form has expired")),
                     context.Tr(N_("Please open the form again and send it once more.")));
  }
  const std::string username(TrimSpace(fields["username"]));
  const std::string email(TrimSpace(fields["email"]));
  if (username.empty()) {
    return ForgotForm(context, 400, username, email, context.Tr(N_("Fill in your username.")));
  }
  if (!LooksLikeAddress(email)) {
    return ForgotForm(context, 400, username, email,
                      context.Tr(N_("A valid e-mail address is required.")));
  }
  if (const long wait = ip_limiter_.Hit(context.client_key, RateLimiter::Clock::now())) {
    limited_log_.Write(log::Level::kInfo, "reset request: user '" + LogSafe(username) + "' from " +
                                              LogSafe(context.client_ip) +
                                              ": limited (ip_limit reached)");
    return TooMany(
        context, wait,
        context.Tr(N_("Too many requests came from your network. Please try again later.")));
  }
  deps_.reset_queue->Submit(ForgotRequest{username, email, context.client_ip, context.language});
  return Redirect(context, "sent");
}

Response App::Impl::GetSent(PageContext& context) {
  TemplateData data = PageData(context, context.Tr(N_("E-mail sent")));
  data.set("message", context.Tr(N_("If the address you gave is known, you received an e-mail "
                                    "with a link to choose a new password. It may take a few "
                                    "minutes.")));
  data.set("note", context.Tr(N_("The e-mail goes to every address we know for this username, "
                                 "also to parents or substitute teachers linked to it.")));
  data.set("ok_url", ReturnTarget(context));
  data.set("t_ok", context.Tr(N_("OK")));
  return Page(context, 200, "sent", data);
}

Response App::Impl::GetDone(PageContext& context) {
  TemplateData data = PageData(context, context.Tr(N_("Password changed")));
  data.set("message", context.Tr(N_("From now on you log in with your new password.")));
  data.set("ok_url", ReturnTarget(context));
  data.set("t_ok", context.Tr(N_("To the login page")));
  return Page(context, 200, "done", data);
}

}  // namespace sesam::web
