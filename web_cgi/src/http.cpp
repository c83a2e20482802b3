// SPDX-License-Identifier: Apache-2.0
// Request parsing kept strict on purpose: a form that arrives with repeated,
// array-style or unknown fields did not come from our pages, and accepting the
// first or last copy is how parameter-pollution bugs start.
#include "sesam/web/http.h"

#include <algorithm>

#include "audit.h"
#include "sesam/secret_string.h"
#include "sesam/utf8.h"

namespace sesam::web {
namespace {

// How much of a field name an error message (and so the log) repeats.
constexpr std::size_t kLoggedNameBytes = 32;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes into `out`, reserved once to the encoded length (decoding never
// lengthens), so the bytes are written into one buffer that the caller wipes.
// A reused `out` too small for `text` is wiped before it grows, so its old
// buffer is not freed with the previous value in it. On error `out` may hold
// part of the value: the caller wipes it.
Status PercentDecodeInto(std::string_view text, std::string& out) {
  if (out.capacity() < text.size()) WipeString(out);
  out.clear();
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) {
        return InvalidArgumentError("incomplete percent escape");
      }
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return InvalidArgumentError("bad percent escape");
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  // IsValid, not Decode: Decode would make a second copy (as code points).
  if (!utf8::IsValid(out)) return InvalidArgumentError("field is not valid UTF-8");
  return Status::Ok();
}

}  // namespace

void Response::SetHeader(std::string name, std::string value) {
  for (auto& [existing, existing_value] : headers) {
    if (existing == name) {
      existing_value = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  for (const auto& [existing, value] : headers) {
    if (existing == name) return value;
  }
  return std::nullopt;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 303:
      return "See Other";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 410:
      return "Gone";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

Fields& Fields::operator=(Fields&& other) noexcept {
  if (this != &other) {
    WipeValues();
    std::map<std::string, std::string, std::less<>>::operator=(std::move(other));
  }
  return *this;
}

Fields::~Fields() { WipeValues(); }

void Fields::WipeValues() {
  for (auto& [name, value] : *this) WipeString(value);
}

Status ParseForm(std::string_view body, const std::vector<std::string_view>& allowed,
                 UnknownFields unknown, Fields& fields) {
  // Scratch for names and for the values of ignored fields, wiped however
  // this function returns; the values of known fields go to `fields`.
  std::string name;
  std::string ignored;
  const ScopedWipe wipe_name(name);
  const ScopedWipe wipe_ignored(ignored);
  const auto fail = [&fields](Status status) {
    fields.WipeValues();
    return status;
  };
  if (body.empty()) return Status::Ok();
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) return fail(InvalidArgumentError("empty field"));
    const std::size_t equals = pair.find('=');
    if (Status decoded = PercentDecodeInto(pair.substr(0, equals), name); !decoded.ok()) {
      return fail(std::move(decoded));
    }
    const std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    const bool known = std::find(allowed.begin(), allowed.end(), name) != allowed.end();
    if (!known) {
      if (unknown == UnknownFields::kReject) {
        // The name is the sender's choice and this message is logged: cut short.
        return fail(
            InvalidArgumentError("unexpected field '" + LogSafe(name, kLoggedNameBytes) + "'"));
      }
      // Decoded all the same: a broken escape anywhere makes the whole input bad.
      if (Status decoded = PercentDecodeInto(raw_value, ignored); !decoded.ok()) {
        return fail(std::move(decoded));
      }
      continue;
    }
    const auto [slot, inserted] = fields.try_emplace(name);
    if (!inserted) return fail(InvalidArgumentError("repeated field"));
    if (Status decoded = PercentDecodeInto(raw_value, slot->second); !decoded.ok()) {
      return fail(std::move(decoded));
    }
    if (end == body.size()) break;
  }
  return Status::Ok();
}

Result<Fields> ParseForm(std::string_view body, const std::vector<std::string_view>& allowed,
                         UnknownFields unknown) {
  Fields fields;
  SESAM_RETURN_IF_ERROR(ParseForm(body, allowed, unknown, fields));
  return fields;  // moved: the map's nodes change owner, no value is copied
}

std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name) {
  std::optional<std::string> found;
  std::size_t start = 0;
  while (start < cookie_header.size()) {
    std::size_t end = cookie_header.find(';', start);
    if (end == std::string_view::npos) end = cookie_header.size();
    std::string_view pair = cookie_header.substr(start, end - start);
    start = end + 1;
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos || pair.substr(0, equals) != name) continue;
    if (found) return std::nullopt;  // two cookies of one name: trust neither
    found = std::string(pair.substr(equals + 1));
  }
  return found;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

}  // namespace sesam::web
