// The work behind "forgot password": find the account, match the typed
// address, count the round against the per-account limit, and mail a link to
// EVERY known address of the account (own and co-account), one message per
// recipient. Shared by sesam-fcgi (through ResetQueue, off the response path)
// and `sesam send-reset` (the helpdesk).
//
// Threading: ResetFlow is stateless apart from its dependencies, which are
// themselves thread-safe; HandleForgot may run on several threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/token.h"
#include "sesam/web/mail.h"
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
  kMailed,          // every address got a message (mailed > 0)
  kNoAccount,       // no single account has that username
  kNoAddressMatch,  // the account exists, the address is not one of its own
  kLimited,         // the per-account limit refused a new round
  kDirectoryError,  // the directory could not be asked
  kMailError,       // no message could be queued
};

struct ForgotResult {
  ForgotOutcome outcome = ForgotOutcome::kNoAccount;
  int mailed = 0;
};

struct ResetFlowDeps {
  const config::Config* config = nullptr;
  ldap::Directory* directory = nullptr;
  Mailer* mailer = nullptr;
  const token::Signer* signer = nullptr;
  i18n::Translations* translations = nullptr;
  const Templates* templates = nullptr;
  std::function<token::Clock::time_point()> now = [] { return token::Clock::now(); };
};

// "  Jan@School.BE " and "jan@school.be" match: trimmed, ASCII case folded.
bool SameAddress(std::string_view typed, std::string_view known);

class ResetFlow {
 public:
  explicit ResetFlow(ResetFlowDeps deps) : deps_(std::move(deps)) {}

  // The whole request; writes one audit line (username as typed, client IP,
  // outcome). Never logs a token or a link.
  ForgotResult HandleForgot(const ForgotRequest& request);

  // Begins a round for `account` (per-account limit: ResourceExhausted) and
  // queues one message per known address. Returns the number queued.
  Result<int> SendLinks(const ldap::Account& account, std::string_view language);

 private:
  ResetFlowDeps deps_;
};

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
// than a lookup that finds nothing).
class ResetQueue {
 public:
  ResetQueue(ResetFlow& flow, ResetQueueOptions options);
  ~ResetQueue();
  ResetQueue(const ResetQueue&) = delete;
  ResetQueue& operator=(const ResetQueue&) = delete;

  // Never blocks. A request identical to one still waiting (same username,
  // address and language: a double click, an impatient resubmit) is merged
  // into it: one round of mail, not two rounds of which the second would kill
  // the links of the first. When the queue is full the request is dropped and
  // logged. The visitor gets the same answer in every case.
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
  std::chrono::steady_clock::time_point next_start_{};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable pace_;  // only Shutdown cuts a paced wait short
  std::condition_variable idle_;
  struct Waiting {
    std::string merge_key;  // what identical requests share (reset_queue.cpp, MergeKey)
    ForgotRequest request;
  };
  std::deque<Waiting> queue_;  // push_back/pop_front keep element addresses
  std::unordered_map<std::string, ForgotRequest*> waiting_;  // merge_key -> queued request
  std::size_t busy_ = 0;
  std::size_t dropped_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  std::vector<std::thread> workers_;
};

}  // namespace sesam::web
