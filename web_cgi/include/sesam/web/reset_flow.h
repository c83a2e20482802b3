// SPDX-License-Identifier: Apache-2.0
// The work behind "forgot password": find the account, match the typed
// address, count the round against the per-account limit, and mail a link to
// EVERY known address of the account (own and co-account), one message per
// recipient, each under the per-recipient limit. Shared by sesam-fcgi
// (through ResetQueue, off the response path) and `sesam send-reset` (the
// helpdesk).
//
// A round counts against the account's limit while its messages wait in the
// mail queue or once the SMTP server accepted one of them; a round whose
// messages all failed is taken back (Directory::CancelResetRound), so an SMTP
// outage cannot burn a pupil's rounds. A message that failed is taken back
// from its recipient's count as well.
//
// Threading: ResetFlow is stateless apart from its dependencies, which are
// themselves thread-safe; HandleForgot may run on several threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/mutex.h"
#include "sesam/token.h"
#include "sesam/web/mail.h"
#include "sesam/web/mail_limits.h"
#include "sesam/web/templates.h"

namespace sesam::web {

struct ForgotRequest {
  std::string username;   // as typed
  std::string email;      // as typed
  std::string client_ip;  // for the audit log
  std::string language;   // of the messages
  // Identical requests (same username, address and language) that arrived
  // while this one waited in the ResetQueue and were merged into it.
  unsigned merged = 0;
};

enum class ForgotOutcome {
  kMailed,             // messages were queued (mailed > 0; skipped recipients at their cap)
  kNoAccount,          // no single account has that username
  kNoAddressMatch,     // the account exists, the address is not one of its own
  kDisabled,           // an administrator disabled the account: no mail
  kLimited,            // the per-account limit refused a new round
  kRecipientsLimited,  // every recipient is at its cap: no mail, the round taken back
  kCannotCount,        // the state store cannot count recipients: no mail (fail closed)
  kDirectoryError,     // the directory could not be asked
  kMailError,          // no message could be queued
};

struct ForgotResult {
  ForgotOutcome outcome = ForgotOutcome::kNoAccount;
  int mailed = 0;
  int skipped = 0;  // recipients at their cap
};

struct ResetFlowDeps {
  const config::Config* config = nullptr;
  ldap::Directory* directory = nullptr;
  Mailer* mailer = nullptr;
  const token::Signer* signer = nullptr;
  i18n::Translations* translations = nullptr;
  const Templates* templates = nullptr;
  RecipientLimit* recipients = nullptr;
  std::function<token::Clock::time_point()> now = [] { return token::Clock::now(); };
};

// Whether a round is held to [web] account_limit. The helpdesk's `sesam
// send-reset` is the way out when a stranger used up an account's rounds: it
// ignores the limit (and says so in the log), but its round is recorded.
enum class AccountLimit { kEnforce, kIgnore };

struct SendReport {
  int queued = 0;   // messages handed to the mail queue
  int skipped = 0;  // recipients at their cap ([web] recipient_limit)
  // False when the recipients could not be counted (the state store failed)
  // and the messages went out anyway: only under AccountLimit::kIgnore.
  bool counted = true;
};

// "  Jan@School.BE " and "jan@school.be" match: trimmed, ASCII case folded.
bool SameAddress(std::string_view typed, std::string_view known);

class ResetFlow {
 public:
  explicit ResetFlow(ResetFlowDeps deps) : deps_(std::move(deps)) {}

  // The whole request; writes one audit line (username as typed, client IP,
  // outcome). Never logs a token or a link.
  ForgotResult HandleForgot(const ForgotRequest& request);

  // Begins a round for `account` and queues one message per known address
  // whose recipient is under its cap. Errors: FailedPrecondition when the
  // account is disabled or has no address; ResourceExhausted when the
  // per-account limit refuses the round (reason "account_limit") or every
  // recipient is at its cap (reason "recipient_limit"); Unavailable (reason
  // "state_store") when the recipients cannot be counted under kEnforce;
  // the directory's errors.
  Result<SendReport> SendLinks(const ldap::Account& account, std::string_view language,
                               AccountLimit account_limit = AccountLimit::kEnforce);

 private:
  ResetFlowDeps deps_;
};

class FairQueue;

struct ResetQueueOptions {
  // Requests worked off per window, evenly spaced over all workers ([web]
  // forgot_rate). The queue holds one minute's worth (at least 100).
  config::Rate rate{20, std::chrono::seconds(1)};
  unsigned workers = 2;
};

// A bounded queue of forgot requests worked off by background threads, so
// POST forgot answers before any directory, limit or mail work is done. The
// work is paced: a flood costs the machine and the directory at most `rate`
// requests' worth of work, so the answers stay fast and their timing cannot
// follow what the work behind them is (a round for a real account costs more
// than a lookup that finds nothing). The queue is shared fairly between
// clients (keyed as the per-client limit: IPv4 address, IPv6 /64): they take
// turns, and a full queue drops from the client with the most waiting
// (fair_queue.h), so a flood from many addresses delays a lone visitor by at
// most one turn of every waiting client: clients / rate.
class ResetQueue {
 public:
  ResetQueue(ResetFlow& flow, ResetQueueOptions options);
  ~ResetQueue();
  ResetQueue(const ResetQueue&) = delete;
  ResetQueue& operator=(const ResetQueue&) = delete;

  // Never blocks. A request identical to one still waiting (same username,
  // address and language: a double click, an impatient resubmit) is merged
  // into it: one round of mail, not two rounds of which the second would kill
  // the links of the first. When the queue is full the newest request of the
  // client with the most waiting is dropped (this one, when its client is
  // that client) and logged. The visitor gets the same answer in every case.
  void Submit(ForgotRequest request);
  // Blocks until the queue is empty and no worker is busy.
  void WaitIdle();
  // Stops accepting, works off what is queued until `deadline`, logs what is
  // left, and joins the workers. Idempotent.
  void Shutdown(std::chrono::steady_clock::time_point deadline);

 private:
  void Work();

  ResetFlow& flow_;
  const std::size_t capacity_;
  const std::chrono::steady_clock::duration interval_;  // between two starts
  Mutex mutex_;
  std::chrono::steady_clock::time_point next_start_ SESAM_GUARDED_BY(mutex_){};
  CondVar wake_;
  CondVar pace_;  // only Shutdown cuts a paced wait short
  CondVar idle_;
  // The waiting requests, shared fairly between clients (fair_queue.h).
  std::unique_ptr<FairQueue> queue_ SESAM_GUARDED_BY(mutex_);
  std::size_t busy_ SESAM_GUARDED_BY(mutex_) = 0;
  std::size_t dropped_ SESAM_GUARDED_BY(mutex_) = 0;
  bool stopping_ SESAM_GUARDED_BY(mutex_) = false;
  std::chrono::steady_clock::time_point deadline_ SESAM_GUARDED_BY(mutex_) =
      std::chrono::steady_clock::time_point::max();
  // Set by the constructor, joined and cleared by Shutdown: the owner's thread only.
  std::vector<std::thread> workers_;
};

}  // namespace sesam::web
