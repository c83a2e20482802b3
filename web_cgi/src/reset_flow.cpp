#include "sesam/web/reset_flow.h"

#include <algorithm>
#include <cctype>

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
    case ForgotOutcome::kLimited:
      return "limited (account_limit reached, no mail)";
    case ForgotOutcome::kDirectoryError:
      return "failed (directory error)";
    case ForgotOutcome::kMailError:
      return "failed (mail could not be queued)";
  }
  return "unknown";
}

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
    } else {
      auto sent = SendLinks(*account, request.language);
      if (sent.ok()) {
        result.outcome = *sent > 0 ? ForgotOutcome::kMailed : ForgotOutcome::kMailError;
        result.mailed = *sent;
      } else if (sent.status().code() == StatusCode::kResourceExhausted) {
        result.outcome = ForgotOutcome::kLimited;
      } else {
        result.outcome = ForgotOutcome::kDirectoryError;
        log::Error("reset request: " + sent.status().ToString());
      }
    }
  }
  std::string line = "reset request: user '" + LogSafe(request.username) + "' from " +
                     LogSafe(request.client_ip) + ": " + std::string(OutcomeText(result));
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on " " + string + "...".
  if (result.outcome == ForgotOutcome::kMailed) {
    line += ' ';
    line += std::to_string(result.mailed);
    line += " address(es)";
  }
  if (request.merged > 0) {
    line += "; ";
    line += std::to_string(request.merged);
    line += " identical request(s) merged into this one while it waited";
  }
  log::Info(line);
  return result;
}

Result<int> ResetFlow::SendLinks(const ldap::Account& account, std::string_view language) {
  if (account.own_addresses.empty() && account.coaccount_addresses.empty()) {
    return FailedPreconditionError("no mail address is known for the account");
  }
  const auto now = deps_.now();
  SESAM_ASSIGN_OR_RETURN(std::string round, deps_.directory->BeginResetRound(
                                                account, deps_.config->web.account_limit, now));

  const i18n::Catalog& catalog = deps_.translations->For(language);
  ResetMailComposer composer(*deps_.config, *deps_.templates, catalog, language);
  const auto lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(deps_.config->token.lifetime);
  int queued = 0;
  const auto send = [&](const std::string& address, Recipient recipient) {
    token::Claims claims;
    claims.subject = account.entry_uuid;
    claims.password_state_digest = token::StateDigest(account.password_state);
    claims.round = round;
    std::string link = deps_.config->web.base_url + "/otp/" +
                       deps_.signer->Issue(std::move(claims), now, lifetime) +
                       "?lang=" + std::string(language);
    auto message = composer.Compose(account, address, recipient, link);
    WipeString(link);
    if (!message.ok()) {
      log::Error("reset mail for user '" + LogSafe(account.username) +
                 "' not composed: " + message.status().message());
      return;
    }
    const Status status = deps_.mailer->Enqueue(std::move(message).value());
    if (status.ok()) {
      ++queued;
    } else {
      log::Error("reset mail for user '" + LogSafe(account.username) +
                 "' not queued: " + status.ToString());
    }
  };
  for (const auto& address : account.own_addresses) send(address, Recipient::kOwner);
  for (const auto& address : account.coaccount_addresses) send(address, Recipient::kCoAccount);
  return queued;
}

}  // namespace sesam::web
