// SPDX-License-Identifier: Apache-2.0
// Recipient and sender addresses: a deliberately narrow addr-spec, so that an
// accepted address is also harmless on the SMTP command line libcurl writes
// ("RCPT TO:<...>") and in the To header.
#include <algorithm>
#include <cctype>
#include <cstring>

#include "sesam/web/mail_compose.h"

namespace sesam::web {
namespace {

constexpr std::size_t kMaxAddress = 254;  // RFC 5321 4.5.3.1.3 path minus the brackets
constexpr std::size_t kMaxLocalPart = 64;
constexpr std::size_t kMaxLabel = 63;

bool IsAtext(char ch) {
  const auto byte = static_cast<unsigned char>(ch);
  if (byte >= 0x80) return false;
  return std::isalnum(byte) != 0 || std::strchr("!#$%&'*+-/=?^_`{|}~", ch) != nullptr;
}

bool IsDotAtom(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  if (text.find("..") != std::string_view::npos) return false;
  return std::all_of(text.begin(), text.end(), [](char ch) { return ch == '.' || IsAtext(ch); });
}

bool IsLdhLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabel) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char ch) {
    const auto byte = static_cast<unsigned char>(ch);
    return byte < 0x80 && (std::isalnum(byte) != 0 || ch == '-');
  });
}

bool IsDomain(std::string_view domain) {
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!IsLdhLabel(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool IsValidAddress(std::string_view address) {
  if (address.size() > kMaxAddress) return false;
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  const std::string_view local = address.substr(0, at);
  return local.size() <= kMaxLocalPart && IsDotAtom(local) && IsDomain(address.substr(at + 1));
}

Result<Mailbox> ParseMailbox(std::string_view text) {
  if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return InvalidArgumentError("mailbox contains a line break or NUL");
  }
  text = Trim(text);
  Mailbox mailbox;
  if (!text.empty() && text.back() == '>') {
    const std::size_t open = text.rfind('<');
    if (open == std::string_view::npos) return InvalidArgumentError("mailbox has '>' without '<'");
    mailbox.address = std::string(text.substr(open + 1, text.size() - open - 2));
    std::string_view name = Trim(text.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      // The composer re-quotes or encodes the name; keep the text, not the syntax.
      for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        mailbox.display_name += name[i];
      }
    } else {
      mailbox.display_name = std::string(name);
    }
  } else {
    mailbox.address = std::string(text);
  }
  if (!IsValidAddress(mailbox.address)) {
    return InvalidArgumentError("mailbox address is not a plain local@domain address");
  }
  return mailbox;
}

}  // namespace sesam::web
