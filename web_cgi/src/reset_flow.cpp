// SPDX-License-Identifier: Apache-2.0
#include "sesam/web/reset_flow.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>

#include "audit.h"
#include "reset_mail.h"
#include "sesam/log.h"
#include "text.h"

namespace sesam::web {
namespace {

std::string_view OutcomeText(const ForgotResult& result) {
  switch (result.outcome) {
    case ForgotOutcome::kMailed:
      return "mailed";
    case ForgotOutcome::kNoAccount:
      return "no match (unknown user)";
    case ForgotOutcome::kNoAddressMatch:
      return "no match (address not known for the account)";
    case ForgotOutcome::kDisabled:
      return "no mail (the account is disabled)";
    case ForgotOutcome::kLimited:
      return "limited (account_limit reached, no mail)";
    case ForgotOutcome::kRecipientsLimited:
      return "limited (every recipient reached recipient_limit, no mail)";
    case ForgotOutcome::kCannotCount:
      return "failed (the state store cannot count recipients, no mail)";
    case ForgotOutcome::kDirectoryError:
      return "failed (directory error)";
    case ForgotOutcome::kMailError:
      return "failed (mail could not be queued)";
  }
  return "unknown";
}

// Follows the messages of one round through the mail queue: when the last of
// them is done and none was accepted, the round is taken back, so that it
// does not count against the account's limit.
class RoundTracker {
 public:
  RoundTracker(ldap::Directory& directory, ldap::Account account, std::string round_id)
      : directory_(directory), account_(std::move(account)), round_id_(std::move(round_id)) {}

  // One more message of the round is on its way.
  void Expect() { pending_.fetch_add(1); }
  // One message is done. The last Done decides.
  void Done(bool accepted) {
    if (accepted) accepted_.store(true);
    if (pending_.fetch_sub(1) == 1 && !accepted_.load()) TakeBack();
  }

 private:
  void TakeBack() {
    const Status cancelled = directory_.CancelResetRound(account_, round_id_);
    const std::string who = "user '" + LogSafe(account_.username) + "'";
    if (cancelled.ok()) {
      log::Warning("reset round for " + who +
                   " taken back: none of its messages was accepted by the mail server");
    } else {
      log::Error("reset round for " + who +
                 ": none of its messages was accepted, but the round could not be taken back: " +
                 cancelled.ToString());
    }
  }

  ldap::Directory& directory_;
  const ldap::Account account_;
  const std::string round_id_;
  std::atomic<int> pending_{1};  // SendLinks holds one until it has queued every message
  std::atomic<bool> accepted_{false};
};

}  // namespace

bool SameAddress(std::string_view typed, std::string_view known) {
  typed = TrimSpace(typed);
  known = TrimSpace(known);
  return typed.size() == known.size() &&
         std::equal(typed.begin(), typed.end(), known.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

ForgotResult ResetFlow::HandleForgot(const ForgotRequest& request) {
  ForgotResult result;
  auto account = deps_.directory->FindAccount(request.username);
  if (!account.ok()) {
    result.outcome = account.status().code() == StatusCode::kNotFound
                         ? ForgotOutcome::kNoAccount
                         : ForgotOutcome::kDirectoryError;
    if (result.outcome == ForgotOutcome::kDirectoryError) {
      log::Error("reset request: directory lookup failed: " + account.status().ToString());
    }
  } else {
    const auto matches = [&](const std::string& known) {
      return SameAddress(request.email, known);
    };
    const bool known =
        std::any_of(account->own_addresses.begin(), account->own_addresses.end(), matches) ||
        std::any_of(account->coaccount_addresses.begin(), account->coaccount_addresses.end(),
                    matches);
    if (!known) {
      result.outcome = ForgotOutcome::kNoAddressMatch;
    } else if (account->disabled) {
      result.outcome = ForgotOutcome::kDisabled;
    } else {
      auto sent = SendLinks(*account, request.language);
      if (sent.ok()) {
        result.outcome = sent->queued > 0 ? ForgotOutcome::kMailed : ForgotOutcome::kMailError;
        result.mailed = sent->queued;
        result.skipped = sent->skipped;
      } else if (sent.status().reason() == "account_limit") {
        result.outcome = ForgotOutcome::kLimited;
      } else if (sent.status().reason() == "recipient_limit") {
        result.outcome = ForgotOutcome::kRecipientsLimited;
      } else if (sent.status().reason() == "state_store") {
        result.outcome = ForgotOutcome::kCannotCount;
        log::Error("reset request: " + sent.status().ToString());
      } else {
        result.outcome = ForgotOutcome::kDirectoryError;
        log::Error("reset request: " + sent.status().ToString());
      }
    }
  }
  // A typed username that matches nothing may be a password typed into the
  // wrong box: the log names only accounts that exist, and an unknown name by
  // a keyed hash (the same name gives the same hash, so repeats still show).
  const std::string user =
      account.ok() ? "user '" + LogSafe(account->username) + "'"
                   : "unknown user #" + deps_.signer->KeyedHash("username", request.username);
  std::string line = "reset request: " + user + " from " + LogSafe(request.client_ip) + ": " +
                     std::string(OutcomeText(result));
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on " " + string + "...".
  if (result.outcome == ForgotOutcome::kMailed) {
    line += ' ';
    line += std::to_string(result.mailed);
    line += " address(es)";
    if (result.skipped > 0) {
      line += ", ";
      line += std::to_string(result.skipped);
      line += " skipped (recipient_limit)";
    }
  }
  if (request.merged > 0) {
    line += "; ";
    line += std::to_string(request.merged);
    line += " identical request(s) merged into this one while it waited";
  }
  log::Info(line);
  return result;
}

Result<SendReport> ResetFlow::SendLinks(const ldap::Account& account, std::string_view language,
                                        AccountLimit account_limit) {
  const std::string who = "user '" + LogSafe(account.username) + "'";
  if (account.disabled) {
    return FailedPreconditionError("the account is disabled (" + account.disabled_by + ")");
  }
  const std::vector<std::string> addresses = ldap::AllAddresses(account);
  if (addresses.empty()) return FailedPreconditionError("no mail address is known for the account");
  // Before any counting: an account no link can name costs no round.
  if (account.id.empty()) {
    auto profile = deps_.directory->Profile();
    const std::string attribute = profile.ok() ? profile->id_attribute : "id attribute";
    return FailedPreconditionError("reset for " + who + ": the entry has no readable " + attribute +
                                   " ([ldap] id_attribute), so no link can name it");
  }
  const auto now = deps_.now();
  const bool enforce = account_limit == AccountLimit::kEnforce;

  // Every recipient is counted before the round begins: an address at its cap
  // is skipped; a store that cannot count stops the form (no mail rather than
  // no limit) but not the helpdesk.
  struct Admitted {
    const std::string* address;
    Recipient recipient;
    std::string id;  // "" when not counted
  };
  std::vector<Admitted> admitted;
  SendReport report;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const Recipient recipient =
        i < account.own_addresses.size() ? Recipient::kOwner : Recipient::kCoAccount;
    auto id = deps_.recipients != nullptr ? deps_.recipients->Admit(addresses[i], now)
                                          : Result<std::string>(UnavailableError("no state store"));
    if (id.ok()) {
      admitted.push_back({&addresses[i], recipient, std::move(id).value()});
    } else if (id.status().reason() == "recipient_limit") {
      ++report.skipped;
      log::Warning("reset for " + who + ": a recipient at " + LogSafe(MailDomain(addresses[i])) +
                   " reached [web] recipient_limit and is skipped");
    } else if (enforce) {
      for (const auto& done : admitted) (void)deps_.recipients->Release(*done.address, done.id);
      return Status(
          StatusCode::kUnavailable,
          "cannot count messages per recipient, so none is sent: " + id.status().ToString(),
          "state_store");
    } else {
      report.counted = false;
      admitted.push_back({&addresses[i], recipient, ""});
    }
  }
  const auto release_all = [&] {
    for (const auto& done : admitted) {
      if (!done.id.empty()) (void)deps_.recipients->Release(*done.address, done.id);
    }
  };
  if (admitted.empty()) {
    return Status(StatusCode::kResourceExhausted, "every recipient reached [web] recipient_limit",
                  "recipient_limit");
  }

  config::Rate limit = deps_.config->web.account_limit;
  if (!enforce) limit.count = 0;  // recorded, never refused
  auto round = deps_.directory->BeginResetRound(account, limit, now);
  if (!round.ok()) {
    release_all();
    if (round.status().code() == StatusCode::kResourceExhausted) {
      return Status(StatusCode::kResourceExhausted, round.status().message(), "account_limit");
    }
    return round.status();
  }
  if (!enforce) log::Warning("reset for " + who + " ignores [web] account_limit (helpdesk)");
  if (!report.counted) {
    log::Warning("reset for " + who +
                 ": recipients could not be counted (state store); sent anyway (helpdesk)");
  }

  const i18n::Catalog& catalog = deps_.translations->For(language);
  ResetMailComposer composer(*deps_.config, *deps_.templates, catalog, language);
  const auto lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(deps_.config->token.lifetime);
  const std::string state_digest = deps_.signer->StateDigest(account.id, account.password_state);
  auto tracker = std::make_shared<RoundTracker>(*deps_.directory, account, *round);
  RecipientLimit* recipients = deps_.recipients;
  for (const auto& [address, recipient, id] : admitted) {
    const auto release = [recipients, address = *address, id = id] {
      if (!id.empty()) (void)recipients->Release(address, id);
    };
    token::Claims claims;
    claims.subject = account.id;
    claims.password_state_digest = state_digest;
    claims.recipient_digest = deps_.signer->RecipientDigest(*address);
    std::string link = deps_.config->web.base_url + "/otp/" +
                       deps_.signer->Issue(std::move(claims), now, lifetime) +
                       "?lang=" + std::string(language);
    auto message = composer.Compose(account, *address, recipient, link, now);
    WipeString(link);
    if (!message.ok()) {
      release();
      log::Error("reset mail for " + who + " not composed: " + message.status().message());
      continue;
    }
    tracker->Expect();
    message->on_done = [tracker, release](bool accepted) {
      if (!accepted) release();
      tracker->Done(accepted);
    };
    const Status status = deps_.mailer->Enqueue(std::move(message).value());
    if (status.ok()) {
      ++report.queued;
    } else {
      release();
      tracker->Done(false);
      log::Error("reset mail for " + who + " not queued: " + status.ToString());
    }
  }
  tracker->Done(false);  // SendLinks' own hold: when nothing was queued, the round is taken back
  return report;
}

}  // namespace sesam::web
