// SPDX-License-Identifier: Apache-2.0
// sesam-fcgi's request handling: routes, pages, CSRF, limits and headers.
//
// Routes, relative to the path of [web] base_url:
//   GET  forgot            the request form (username, e-mail, csrf)
//   POST forgot            403 bad csrf, 400 malformed, 413 too large, 429 over the
//                          per-client limit, otherwise ALWAYS 303 to `sent`: the lookup,
//                          matching, per-account limit and mail happen on a worker
//                          (ResetQueue), never on the response path
//   GET  sent              "if the address is known, a mail is on its way"
//   GET  otp/<token>       200 change form, 410 dead link; no side effect
//   POST otp/<token>       303 to `done`, 422 rule failed, 410 dead link, 403 bad
//                          csrf, 503 directory down (nothing written)
//                          Both: 429 once this client got [web] link_failure_limit
//                          410s in the window
//   GET  change            the change form (username, current and new password)
//   POST change            303 to `done`; 422 rule or directory policy refused the
//                          new password; 401 one page for unknown user / wrong
//                          password / locked / disabled, sent no sooner than 400 ms
//                          after the request; 403 bad csrf or the account may not
//                          change its own password; 429 [web] change_ip_limit or
//                          change_account_limit; 503 directory down
//   Every HTML page and redirect is Cache-Control: no-store.
//   GET  done              "log in with your new password"
//   GET  policy.json       the rules for the browser's check marks
//   GET  healthz           200 when the directory answers, else 503; the answer is
//                          kept a second (at most one ping a second, health_probe.h).
//                          The body says when mail is failing (mail_health.h); with
//                          ?mail that is a 503 as well, for a monitor (a load
//                          balancer asks without: every node shares the mail server)
//   GET  static/<file>     the stylesheet and the check-mark script
//
// Threading: Handle may run on many threads at once; App holds no per-request
// state, only the per-client counters, the healthz answer and the log
// throttles (each internally locked).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/policy.h"
#include "sesam/token.h"
#include "sesam/web/change_notice.h"
#include "sesam/web/http.h"
#include "sesam/web/mail_health.h"
#include "sesam/web/reset_flow.h"
#include "sesam/web/templates.h"

namespace sesam::web {

struct AppDeps {
  const config::Config* config = nullptr;
  ldap::Directory* directory = nullptr;
  const token::Signer* signer = nullptr;
  const policy::Policy* policy = nullptr;
  i18n::Translations* translations = nullptr;
  const Templates* templates = nullptr;
  ResetQueue* reset_queue = nullptr;
  // Tells the account's addresses after a change (may be null: no notices).
  ChangeNotifier* notifier = nullptr;
  // The mailer's recent failures, for healthz (may be null: not reported).
  MailHealth* mail_health = nullptr;
  // Secret for CSRF tokens, derived from the token key (see csrf.h).
  const SecretString* csrf_key = nullptr;
  // Folder holding sesam.css and sesam.js (served under static/).
  std::string static_dir;
  std::function<token::Clock::time_point()> now = [] { return token::Clock::now(); };
};

class App {
 public:
  // Every pointer in `deps` must outlive the App.
  explicit App(AppDeps deps);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Never throws; an internal error becomes a 500 page and a log line.
  Response Handle(const Request& request);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sesam::web
