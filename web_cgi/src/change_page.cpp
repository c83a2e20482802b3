// SPDX-License-Identifier: Apache-2.0
// GET/POST change: a user changes the password they know, or finishes a
// change the directory forces (expired, pwdReset, AD pwdLastSet = 0). The
// directory verifies the current password (a bind as the account) and
// writes the new one as a change, so its own history and minimum age apply
// (Directory::VerifyPassword, ChangePassword).
//
// No oracle: an unknown username, a wrong current password, a locked and a
// disabled account get the same page (401), and the same timing: an unknown
// username still costs a bind (as a DN that does not exist), and every such
// answer leaves no earlier than kRefusalFloor after the request came, which
// covers the directory's hash check (slapd's SSHA or argon2 takes
// microseconds to tens of milliseconds; see tests/integration/web/
// test_change.py for the measured difference). The new password's rules are
// checked before the directory is asked, with the typed username only, so
// that a rule failure says nothing about the account; the names rule is
// checked again once the current password is proven.
//
// No lockout of Sesam's own: failed tries count against the directory's
// lockout where the school has one. Per client ([web] change_ip_limit) and
// per client and typed username (change_account_limit, refused tries only)
// the page answers 429. change_ip_limit counts every try when it comes (so
// tries in flight at once cannot pass it) and gives back those that guessed
// nothing: the directory was not asked (a form the rules refused) or the
// current password was proven. So a class behind one school address (NAT)
// can change its passwords together, and guesses stay bounded.
#include <chrono>
#include <cstring>
#include <thread>

#include "app_impl.h"
#include "audit.h"
#include "csrf.h"
#include "password_form.h"
#include "sesam/log.h"
#include "text.h"

namespace sesam::web {
namespace {

constexpr std::chrono::milliseconds kRefusalFloor{400};

bool Unreachable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

// What change_account_limit counts under: the client with the typed
// username, folded into the 16 bytes a limiter keeps (a keyed hash, so the
// username is not kept in memory in clear).
ClientKey AccountClientKey(const token::Signer& signer, const ClientKey& client,
                           std::string_view username) {
  std::string text(reinterpret_cast<const char*>(client.bytes.data()), client.bytes.size());
  text += username;
  const std::string digest = signer.KeyedHash("change-limit", text);
  ClientKey key;
  std::memcpy(key.bytes.data(), digest.data(), std::min(digest.size(), key.bytes.size()));
  return key;
}

}  // namespace

Response App::Impl::GetChange(PageContext& context) {
  EnsureCsrfCookie(context);
  Response response = ChangePage(context, 200, "", nullptr, std::nullopt, "");
  RememberReturn(context, response);
  return response;
}

Response App::Impl::ChangePage(PageContext& context, int status, std::string_view username,
                               const policy::Verdict* verdict, std::optional<bool> repeated,
                               std::string_view error) {
  TemplateData data = PageData(context, context.Tr(N_("Change your password")));
  data.set("intro", context.Tr(N_("Fill in your username, your current password and a new "
                                  "one. This also works when your password has expired or "
                                  "must be changed.")));
  data.set("action", base_path_ + "/change" + context.lang_query);
  data.set("csrf", CsrfField(context));
  data.set("t_username", context.Tr(N_("Username")));
  data.set("username", std::string(username));
  data.set("t_current", context.Tr(N_("Current password")));
  // The username is typed on this page, so its rule is always listed (the
  // policy lists it only for a name it can judge; the message names none);
  // the script marks it as the username is typed.
  const std::string shown_name = username.empty() ? std::string("username") : std::string(username);
  policy::Context names;
  names.username = shown_name;  // a view: shown_name must outlive `names`
  PasswordFields(context, data, names, verdict, repeated);
  if (!error.empty()) data.set("error", std::string(error));
  data.set("cancel_url", ReturnTarget(context));
  data.set("t_cancel", context.Tr(N_("Cancel")));
  data.set("t_save", context.Tr(N_("Save")));
  data.set("t_forgot_title", context.Tr(N_("Forgot your password?")));
  data.set("forgot_url", base_path_ + "/forgot" + context.lang_query);
  data.set("t_forgot", context.Tr(N_("Ask for a link to choose a new one")));
  return Page(context, status, "change", data);
}

Response App::Impl::PostChange(PageContext& context) {
  const auto started = std::chrono::steady_clock::now();
  Fields fields;
  const auto finish = [&fields](Response response) {
    for (auto& [name, value] : fields) WipeString(value);
    response.SetHeader("Cache-Control", "no-store");
    return response;
  };
  if (auto refused =
          ReadForm(context, {"username", "current", "password", "password2", "csrf"}, fields)) {
    return finish(std::move(*refused));
  }
  if (!csrf::Valid(*deps_.csrf_key, CookieValue(context.request->cookie, csrf::kCookieName),
                   fields.contains("csrf") ? fields.at("csrf") : "")) {
    log::Info("change page: refused a form without a valid csrf token from " +
              LogSafe(context.client_ip));
    EnsureCsrfCookie(context);
    return finish(ErrorPage(context, 403, context.Tr(N_("This form has expired")),
                            context.Tr(N_("Please open the form again and send it once more."))));
  }
  const auto now = RateLimiter::Clock::now();
  const std::string username(TrimSpace(fields["username"]));
  if (const long wait = change_limiter_.Hit(context.client_key, now)) {
    limited_log_.Write(log::Level::kInfo, "change page: try from " + LogSafe(context.client_ip) +
                                              ": limited (change_ip_limit reached)");
    return finish(TooMany(
        context, wait,
        context.Tr(N_("Too many requests came from your network. Please try again later."))));
  }
  // Gives this try's count back (see the top of this file).
  const auto not_a_guess = [&] { change_limiter_.Refund(context.client_key, now); };
  const ClientKey account_key = AccountClientKey(*deps_.signer, context.client_key, username);
  if (const long wait = change_account_limiter_.Check(account_key, now)) {
    limited_log_.Write(log::Level::kInfo, "change page: try from " + LogSafe(context.client_ip) +
                                              ": limited (change_account_limit reached)");
    return finish(TooMany(context, wait,
                          context.Tr(N_("Too many wrong tries for this username. Please wait a "
                                        "few minutes before you try again."))));
  }
  const SecretString current(fields["current"]);
  const SecretString password(fields["password"]);
  const bool repeated = password.Equals(fields["password2"]);
  if (username.empty() || current.empty()) {
    not_a_guess();
    return finish(ChangePage(context, 400, username, nullptr, std::nullopt,
                             context.Tr(N_("Fill in your username and your current password."))));
  }
  // Sesam's rules first, with the typed username only: this answer is the
  // same whether the account exists or not.
  policy::Context typed;
  typed.username = username;
  const policy::Verdict early = deps_.policy->Check(password.view(), typed, *context.catalog);
  if (!early.accepted || !repeated) {
    not_a_guess();
    log::Info("change page: try from " + LogSafe(context.client_ip) +
              " refused before the directory: rules failed: " + FailedRules(early, repeated));
    return finish(ChangePage(context, 422, username, &early, repeated,
                             context.Tr(N_("The new password does not meet every rule yet."))));
  }

  auto account = deps_.directory->FindAccount(username);
  if (!account.ok() && account.status().code() != StatusCode::kNotFound) {
    log::Error("change page: directory unavailable: " + account.status().ToString());
    return finish(ErrorPage(context, Unreachable(account.status()) ? 503 : 500,
                            context.Tr(N_("Please try again later")),
                            context.Tr(N_("We cannot reach the user directory right now. Nothing "
                                          "was changed. Please try again in a few minutes."))));
  }
  // Only existing accounts are named in the log (see reset_flow.cpp).
  const std::string who =
      (account.ok() ? "user '" + LogSafe(account->username) + "'"
                    : "unknown user #" + deps_.signer->KeyedHash("username", username)) +
      " from " + LogSafe(context.client_ip);
  Status verified;
  if (account.ok()) {
    verified = deps_.directory->VerifyPassword(*account, current);
    // Disabled by an administrator as the reset sees it (directory.h): a
    // directory may still accept the bind (slapd's permanent lock without
    // pwdLockout in the policy), but the account gets no change either.
    if (account->disabled && (verified.ok() || verified.reason() == ldap::kMustChange)) {
      verified = PermissionDeniedError("the account is disabled (" + account->disabled_by + ")");
    }
  } else {
    // The same work as for a real account: a bind, here as a DN that does
    // not exist (it cannot count against anybody's lockout).
    ldap::Account nobody;
    nobody.dn = "cn=sesam-no-such-account," + deps_.config->ldap.base;
    nobody.username = username;
    const Status ignored = deps_.directory->VerifyPassword(nobody, current);
    verified = PermissionDeniedError("no account for this username (" + ignored.message() + ")");
  }
  if (Unreachable(verified)) {
    log::Error("change page: " + who + ": directory unavailable: " + verified.ToString());
    return finish(ErrorPage(context, 503, context.Tr(N_("Please try again later")),
                            context.Tr(N_("We cannot reach the user directory right now. Nothing "
                                          "was changed. Please try again in a few minutes."))));
  }
  const bool forced = verified.reason() == ldap::kMustChange;
  if (!verified.ok() && !forced) {
    (void)change_account_limiter_.Hit(account_key, now);
    log::Info("change page: " + who + " refused: " + verified.message());
    // Wrong username, wrong password, locked, disabled: one answer, sent at
    // one moment.
    std::this_thread::sleep_until(started + kRefusalFloor);
    return finish(ChangePage(context, 401, username, nullptr, std::nullopt,
                             context.Tr(N_("The username or the current password is not right, "
                                           "or this account cannot log in now."))));
  }
  not_a_guess();  // the current password is proven from here on
  // Proven: now the rules that need the account's names.
  const policy::Verdict verdict =
      deps_.policy->Check(password.view(), PolicyContext(*account), *context.catalog);
  if (!verdict.accepted) {
    log::Info("change page: " + who + " refused: rules failed: " + FailedRules(verdict, true));
    return finish(ChangePage(context, 422, username, &verdict, true,
                             context.Tr(N_("The new password does not meet every rule yet."))));
  }
  const Status written = deps_.directory->ChangePassword(*account, current, password);
  if (written.ok()) {
    log::Info("password changed for " + who + " (change page" +
              (forced ? ", a change the directory required)" : ")"));
    if (deps_.notifier != nullptr) {
      deps_.notifier->Notify(*account, ChangeVia::kChangePage, context.language, deps_.now());
    }
    return finish(Redirect(context, "done"));
  }
  if (written.reason() == ldap::kChangeNotAllowed) {
    log::Info("change page: " + who + " refused: " + written.message());
    return finish(ChangePage(context, 403, username, nullptr, std::nullopt,
                             context.Tr(N_("This account may not change its own password. Ask "
                                           "the helpdesk of your school."))));
  }
  if (written.reason().rfind("ppolicy.", 0) == 0) {
    log::Info("change page: " + who + " refused by the directory: " + written.reason());
    return finish(
        ChangePage(context, 422, username, &verdict, true, PpolicyText(context, written.reason())));
  }
  if (written.code() == StatusCode::kPermissionDenied) {
    // The bind accepted the password, the change did not: changed meanwhile.
    (void)change_account_limiter_.Hit(account_key, now);
    log::Info("change page: " + who + " refused by the directory: " + written.message());
    std::this_thread::sleep_until(started + kRefusalFloor);
    return finish(ChangePage(context, 401, username, nullptr, std::nullopt,
                             context.Tr(N_("The username or the current password is not right, "
                                           "or this account cannot log in now."))));
  }
  if (written.reason() == ldap::kPasswordStateChanged) {
    log::Info("change page: " + who + " refused: the password changed meanwhile");
    return finish(ChangePage(context, 409, username, nullptr, std::nullopt,
                             context.Tr(N_("Your password was changed by another way just now. "
                                           "Please try again."))));
  }
  if (written.reason() == ldap::kPasswordUnconfirmed) {
    log::Error("change page: " + who + ": unconfirmed: " + written.ToString());
    return finish(ErrorPage(
        context, 503, context.Tr(N_("We could not confirm the change")),
        context.Tr(N_("We could not confirm whether your new password was saved. Try logging "
                      "in with it; if that does not work, try again."))));
  }
  log::Error("change page: " + who + " failed: " + written.ToString());
  return finish(ErrorPage(context, Unreachable(written) ? 503 : 500,
                          context.Tr(N_("Please try again later")),
                          context.Tr(N_("We cannot reach the user directory right now. Nothing "
                                        "was changed. Please try again in a few minutes."))));
}

}  // namespace sesam::web
