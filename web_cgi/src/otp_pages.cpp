// SPDX-License-Identifier: Apache-2.0
// The link from the mail and the change form. GET never changes anything
// (mail scanners open links); POST writes through Directory::SetPassword with
// the password state read just before, so of many concurrent uses of one link,
// over any number of processes, at most one succeeds.
#include "app_impl.h"
#include "audit.h"
#include "csrf.h"
#include "sesam/ldap/refusal_text.h"
#include "sesam/log.h"

namespace sesam::web {
namespace {

bool Unreachable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

policy::Context PolicyContext(const ldap::Account& account) {
  policy::Context context;
  context.username = account.username;
  if (!account.given_name.empty()) context.names.push_back(account.given_name);
  if (!account.surname.empty()) context.names.push_back(account.surname);
  return context;
}

enum class Mark { kTodo, kOk, kFail, kOptional };

// One check mark: a symbol for the eye, a word for screen readers, a class for
// the colour. The script (static/sesam.js) updates the same three. An optional
// class (the classes rule is met without it) shows its word to everyone: a
// grey dash alone would not say that nothing more is needed.
TemplateData MarkData(const PageContext& context, Mark mark) {
  TemplateData data;
  data.set("optional", mark == Mark::kOptional);
  switch (mark) {
    case Mark::kOptional:
      data.set("state", "optional");
      data.set("mark", "\u2013");
      data.set("state_text", context.Tr(N_("optional:")));
      break;
    case Mark::kOk:
      data.set("state", "ok");
      data.set("mark", "\u2713");
      data.set("state_text", context.Tr(N_("done:")));
      break;
    case Mark::kFail:
      data.set("state", "fail");
      data.set("mark", "\u2717");
      data.set("state_text", context.Tr(N_("not yet:")));
      break;
    case Mark::kTodo:
      data.set("state", "todo");
      data.set("mark", "\u25CB");
      data.set("state_text", context.Tr(N_("to check:")));
      break;
  }
  return data;
}

// Rule messages from the policy, the class_* marks nested under "classes".
TemplateData RuleList(const PageContext& context, const policy::Verdict& verdict, bool judged) {
  std::vector<TemplateData> rules;
  TemplateData classes{TemplateData::type::list};
  // Once "at least N of the 4 classes" is met, a missing class is optional,
  // not "not yet" (Welkom123 has 3 of 4 and failed on the blocklist alone).
  bool classes_met = false;
  for (const auto& rule : verdict.rules) {
    if (rule.id == "classes") classes_met = judged && rule.passed;
  }
  for (const auto& rule : verdict.rules) {
    if (rule.id == "utf8" || rule.id == "control") continue;  // no check mark for these
    const Mark mark = !judged                             ? Mark::kTodo
                      : rule.passed                       ? Mark::kOk
                      : rule.informational && classes_met ? Mark::kOptional
                                                          : Mark::kFail;
    TemplateData entry = MarkData(context, mark);
    entry.set("id", rule.id);
    entry.set("message", rule.message);
    if (rule.informational) {
      // The script switches a class between "not yet" and "optional" itself.
      entry.set("t_optional", context.Tr(N_("optional:")));
      classes.push_back(entry);
    } else {
      rules.push_back(entry);
    }
  }
  TemplateData out{TemplateData::type::list};
  for (auto& entry : rules) {
    const TemplateData* id = entry.get("id");
    if (id && id->string_value() == "classes" && !classes.list_value().empty()) {
      entry.set("has_children", true);
      entry.set("children", classes);
    }
    out.push_back(entry);
  }
  TemplateData list;
  list.set("rules", out);
  return list;
}

std::string_view PpolicyText(const PageContext& context, const std::string& reason) {
  return context.catalog->Translate(ldap::RefusalText(reason, ldap::RefusalAudience::kVisitor));
}

}  // namespace

std::variant<LiveLink, Response> App::Impl::CheckLink(PageContext& context,
                                                      std::string_view token) {
  auto claims = deps_.signer->Verify(token, deps_.now());
  if (!claims.ok()) {
    log::Info("reset link refused from " + LogSafe(context.client_ip) + ": " +
              (claims.status().reason().empty() ? "token.invalid" : claims.status().reason()));
    return LinkInvalid(context);
  }
  auto account = deps_.directory->FindAccountById(claims->subject);
  if (!account.ok()) {
    if (account.status().code() == StatusCode::kNotFound) {
      log::Info("reset link refused from " + LogSafe(context.client_ip) +
                ": the account no longer exists");
      return LinkInvalid(context);
    }
    log::Error("reset link from " + LogSafe(context.client_ip) +
               ": directory unavailable: " + account.status().ToString());
    return ErrorPage(context, Unreachable(account.status()) ? 503 : 500,
                     context.Tr(N_("Please try again later")),
                     context.Tr(N_("We cannot reach the user directory right now. Nothing was "
                                   "changed. Please try again in a few minutes.")));
  }
  const std::string who = "user '" + LogSafe(account->username) + "'";
  const auto refuse = [&](std::string_view why) {
    log::Info("reset link for " + who + " refused from " + LogSafe(context.client_ip) + ": " +
              std::string(why));
    return LinkInvalid(context);
  };
  // Every link of the current password state works until it expires: a newer
  // request does not kill it (else a stranger who knows a username and one of
  // its addresses could keep killing the pupil's links). Using any of them
  // changes the state, and so kills all of them.
  if (!ConstantTimeEquals(deps_.signer->StateDigest(account->id, account->password_state),
                          claims->password_state_digest)) {
    return refuse("the password changed since the link was sent");
  }
  if (account->disabled) return refuse("the account is disabled (" + account->disabled_by + ")");
  // The address the link was mailed to must still be one of the account's:
  // a parent removed as co-account loses their links, the others keep theirs.
  bool recipient_known = false;
  for (const auto& address : ldap::AllAddresses(*account)) {
    if (ConstantTimeEquals(deps_.signer->RecipientDigest(address), claims->recipient_digest)) {
      recipient_known = true;
    }
  }
  if (!recipient_known) return refuse("the address it was sent to is no longer on the account");
  return LiveLink{std::move(account).value()};
}

Response App::Impl::LinkInvalid(PageContext& context) {
  TemplateData data = PageData(context, context.Tr(N_("This link no longer works")));
  data.set("message", context.Tr(N_("The link has expired, was already used, or the password "
                                    "was changed meanwhile. You can ask for a new link.")));
  data.set("again_url", base_path_ + "/forgot" + context.lang_query);
  data.set("t_again", context.Tr(N_("Ask for a new link")));
  Response response = Page(context, 410, "link_invalid", data);
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

Response App::Impl::GetOtp(PageContext& context, std::string_view token) {
  auto link = CheckLink(context, token);
  if (auto* refused = std::get_if<Response>(&link)) {
    refused->SetHeader("Cache-Control", "no-store");
    return std::move(*refused);
  }
  const auto& account = std::get<LiveLink>(link).account;
  log::Info("reset link for user '" + LogSafe(account.username) + "' opened from " +
            LogSafe(context.client_ip));
  EnsureCsrfCookie(context);
  return ChangeForm(context, 200, account, token, nullptr, std::nullopt, "");
}

Response App::Impl::ChangeForm(PageContext& context, int status, const ldap::Account& account,
                               std::string_view token, const policy::Verdict* verdict,
                               std::optional<bool> repeated, std::string_view error) {
  TemplateData data = PageData(context, context.Tr(N_("Choose a new password")));
  data.set("action", base_path_ + "/otp/" + std::string(token) + context.lang_query);
  data.set("csrf", CsrfField(context));
  data.set("t_username", context.Tr(N_("Username")));
  data.set("username", account.username);
  data.set("t_password", context.Tr(N_("New password")));
  data.set("t_password2", context.Tr(N_("Repeat the new password")));
  data.set("t_rules", context.Tr(N_("Your new password needs:")));
  if (verdict != nullptr) {
    data.set("rules_html", Fragment("rules", RuleList(context, *verdict, true)));
  } else {
    // Before anything is typed every mark is open, and the list depends only
    // on the language and on which rules apply to this account (a username
    // or names rule appears only for long enough names): render it once.
    const policy::Verdict empty = deps_.policy->Check("", PolicyContext(account), *context.catalog);
    std::string key = "rules/" + context.language;
    for (const auto& rule : empty.rules) key += "/" + rule.id;
    data.set("rules_html", fragments_.Get(key, [&] {
      return Fragment("rules", RuleList(context, empty, false));
    }));
  }
  data.set("match_message", context.Tr(N_("Both entries are the same")));
  data.set("match", MarkData(context, !repeated   ? Mark::kTodo
                                      : *repeated ? Mark::kOk
                                                  : Mark::kFail));
  data.set("t_ok", context.Tr(N_("done:")));
  data.set("t_fail", context.Tr(N_("not yet:")));
  data.set("t_todo", context.Tr(N_("to check:")));
  if (!error.empty()) data.set("error", std::string(error));
  data.set("cancel_url", ReturnTarget(context));
  data.set("t_cancel", context.Tr(N_("Cancel")));
  data.set("t_save", context.Tr(N_("Save")));
  data.set("policy_url", base_path_ + "/policy.json" + context.lang_query);
  data.set("script", true);
  Response response = Page(context, status, "otp", data);
  response.SetHeader("Cache-Control", "no-store");
  return response;
}

Response App::Impl::PostOtp(PageContext& context, std::string_view token) {
  Fields fields;
  const auto finish = [&fields](Response response) {
    for (auto& [name, value] : fields) WipeString(value);
    response.SetHeader("Cache-Control", "no-store");
    return response;
  };
  if (auto refused = ReadForm(context, {"password", "password2", "csrf"}, fields)) {
    return finish(std::move(*refused));
  }
  if (!csrf::Valid(*deps_.csrf_key, CookieValue(context.request->cookie, csrf::kCookieName),
                   fields.contains("csrf") ? fields.at("csrf") : "")) {
    log::Info("password change: refused a form without a valid csrf token from " +
              LogSafe(context.client_ip));
    EnsureCsrfCookie(context);
    return finish(ErrorPage(context, 403, context.Tr(N_("This form has expired")),
                            context.Tr(N_("Please open the link from your e-mail again."))));
  }
  auto link = CheckLink(context, token);
  if (auto* refused = std::get_if<Response>(&link)) return finish(std::move(*refused));
  const auto& account = std::get<LiveLink>(link).account;
  const std::string who =
      "user '" + LogSafe(account.username) + "' from " + LogSafe(context.client_ip);

  const SecretString password(fields["password"]);
  const bool repeated = password.Equals(fields["password2"]);
  const policy::Verdict verdict =
      deps_.policy->Check(password.view(), PolicyContext(account), *context.catalog);
  if (!verdict.accepted || !repeated) {
    std::string failed;
    for (const auto& rule : verdict.rules) {
      if (!rule.passed && !rule.informational) failed += (failed.empty() ? "" : ",") + rule.id;
    }
    if (!repeated) failed += failed.empty() ? "match" : ",match";
    log::Info("password change for " + who + " refused: rules failed: " + failed);
    return finish(ChangeForm(context, 422, account, token, &verdict, repeated,
                             context.Tr(N_("The new password does not meet every rule yet."))));
  }
  const Status written = deps_.directory->SetPassword(account, password, account.password_state);
  if (written.ok()) {
    log::Info("password changed for " + who + " (reset link)");
    if (deps_.notifier != nullptr) {
      deps_.notifier->Notify(account, ChangeVia::kResetLink, context.language, deps_.now());
    }
    return finish(Redirect(context, "done"));
  }
  if (written.reason() == "password_state_changed") {
    log::Info("password change for " + who + " refused: the link was used meanwhile");
    return finish(LinkInvalid(context));
  }
  if (written.reason().rfind("ppolicy.", 0) == 0) {
    log::Info("password change for " + who + " refused by the directory: " + written.reason());
    return finish(ChangeForm(context, 422, account, token, &verdict, repeated,
                             PpolicyText(context, written.reason())));
  }
  if (written.reason() == ldap::kPasswordUnconfirmed) {
    // The write went out and its answer was lost: the link stays usable if
    // the password did not change, and is spent if it did.
    log::Error("password change for " + who + " unconfirmed: " + written.ToString());
    return finish(ErrorPage(
        context, 503, context.Tr(N_("We could not confirm the change")),
        context.Tr(N_("We could not confirm whether your new password was saved. Try logging "
                      "in with it; if that does not work, use the link again."))));
  }
  // Every other failure left the password as it was (ldap::kPasswordNotChanged
  // when the directory failed).
  log::Error("password change for " + who + " failed: " + written.ToString());
  return finish(ErrorPage(context, Unreachable(written) ? 503 : 500,
                          context.Tr(N_("Please try again later")),
                          context.Tr(N_("We cannot reach the user directory right now. Nothing "
                                        "was changed. Please try again in a few minutes."))));
}

}  // namespace sesam::web
