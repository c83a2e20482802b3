// SPDX-License-Identifier: Apache-2.0
#include "text.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace sesam::ldap::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendHexEscape(std::string& out, unsigned char byte) {
  out += '\\';
  out += kHex[byte >> 4];
  out += kHex[byte & 0xF];
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// `filter` with every "{username}" replaced by `replacement` as is.
std::string ReplacePlaceholder(std::string_view filter, std::string_view replacement) {
  constexpr std::string_view kPlaceholder = "{username}";
  std::string out;
  std::size_t start = 0;
  for (std::size_t at = filter.find(kPlaceholder); at != std::string_view::npos;
       at = filter.find(kPlaceholder, start)) {
    out.append(filter.substr(start, at - start));
    out.append(replacement);
    start = at + kPlaceholder.size();
  }
  out.append(filter.substr(start));
  return out;
}

}  // namespace

std::string EscapeFilterValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '*' || c == '(' || c == ')' || c == '\\' || byte < 0x20 || byte >= 0x7F) {
      AppendHexEscape(out, byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::string ExpandFilter(std::string_view filter, std::string_view username) {
  return ReplacePlaceholder(filter, EscapeFilterValue(username));
}

std::string ExpandFilterAnyUser(std::string_view filter) { return ReplacePlaceholder(filter, "*"); }

std::string EscapeDnValue(std::string_view value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool edge_space = c == ' ' && (i == 0 || i + 1 == value.size());
    if (c == '\0') {
      AppendHexEscape(out, 0);
    } else if (c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' || c == '\\' ||
               edge_space || (c == '#' && i == 0)) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string> NormalizeAddresses(const std::vector<std::string>& values,
                                            const std::vector<std::string>& exclude) {
  std::vector<std::string> seen;
  for (const auto& address : exclude) seen.push_back(Lower(address));
  std::vector<std::string> out;
  for (const auto& raw : values) {
    std::string_view value = Trim(raw);
    if (Lower(value.substr(0, 5)) == "smtp:") value = Trim(value.substr(5));
    if (value.empty()) continue;
    std::string key = Lower(value);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(std::move(key));
    out.emplace_back(value);
  }
  return out;
}

std::vector<Round> ParseRounds(std::string_view value) {
  std::vector<Round> rounds;
  while (!value.empty()) {
    const std::size_t space = value.find(' ');
    const std::string_view item = value.substr(0, space);
    value = space == std::string_view::npos ? std::string_view() : value.substr(space + 1);
    const std::size_t colon = item.find(':');
    if (colon == std::string_view::npos || colon + 1 == item.size()) continue;
    Round round;
    const auto [end, error] = std::from_chars(item.data(), item.data() + colon, round.unix_seconds);
    if (error != std::errc() || end != item.data() + colon) continue;
    round.id = std::string(item.substr(colon + 1));
    rounds.push_back(std::move(round));
  }
  return rounds;
}

std::string FormatRounds(const std::vector<Round>& rounds) {
  std::string out;
  for (const Round& round : rounds) {
    if (!out.empty()) out += ' ';
    out += std::to_string(round.unix_seconds) + ":" + round.id;
  }
  return out;
}

std::string PasswordState(std::vector<std::string> user_passwords, std::string_view pwd_last_set) {
  std::sort(user_passwords.begin(), user_passwords.end());
  std::string input;
  for (const auto& value : user_passwords) {
    input += std::to_string(value.size()) + ":" + value + ";";
  }
  input += "pwdLastSet:";
  input += pwd_last_set;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  std::fill(input.begin(), input.end(), '\0');
  std::string out;
  for (unsigned int i = 0; i < 16 && i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::string RandomHex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    std::abort();  // no randomness: nothing safe can be done
  }
  std::string out;
  for (const unsigned char byte : buffer) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out;
}

}  // namespace sesam::ldap::internal
