// SPDX-License-Identifier: Apache-2.0
// The HTTP exchange as sesam-fcgi's logic sees it, independent of FastCGI:
// the FastCGI layer fills a Request from the CGI parameters and writes the
// Response back, so the whole flow can be driven by unit tests without a server.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sesam/status.h"

namespace sesam::web {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // path part of REQUEST_URI, still percent-encoded
  std::string query;   // raw query string, without '?'
  std::string content_type;
  std::string cookie;  // the Cookie header
  std::string accept_language;
  std::string forwarded_for;  // X-Forwarded-For, trusted only from trusted_proxies
  std::string forwarded;      // Forwarded (RFC 7239), read when X-Forwarded-For is absent
  std::string remote_addr;    // the peer as the web server saw it
  std::string body;
  bool body_too_large = false;  // the FastCGI layer stopped reading at kMaxBodyBytes
};

// The largest form body accepted; larger ones get 413.
inline constexpr std::size_t kMaxBodyBytes = 8192;

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetHeader(std::string name, std::string value);
  // The value of the first header called `name` (case-sensitive, as we write them).
  std::optional<std::string_view> Header(std::string_view name) const;
};

// "303 See Other" for 303, etc.: the reason phrase sesam-fcgi sends.
std::string_view ReasonPhrase(int status);

// The decoded fields of a form or a query string, name -> value. A value may
// be a new password: every value is wiped (WipeString, the whole buffer) when
// the Fields is destroyed or assigned over, so no caller has to remember it.
// Not copyable, for the same reason; a copy of one value is the caller's to
// wipe (or to hold in a SecretString). Names are not wiped: each is one of the
// names the caller allowed, and a std::map key cannot be written to.
class Fields : public std::map<std::string, std::string, std::less<>> {
 public:
  Fields() = default;
  Fields(Fields&& other) noexcept = default;
  Fields& operator=(Fields&& other) noexcept;
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;
  ~Fields();

  // Zeroes every value's buffer and leaves the value empty; the names stay.
  void WipeValues();
};

enum class UnknownFields { kReject, kIgnore };

// Strict application/x-www-form-urlencoded: every name must be in `allowed`
// (or is ignored, for query strings), no name may repeat, "name[]" style
// array names are unknown names, percent escapes must be complete, and every
// decoded value must be valid UTF-8. Any violation -> InvalidArgument, whose
// message is log-safe: an unknown name is cut to 32 bytes, control characters
// and quotes escaped.
//
// Each value is decoded straight into its place in the Fields, in a buffer
// sized once, so no other copy of it is made; the decoding scratch (names,
// ignored values) is wiped before returning, on every path. The caller owns
// `body` and wipes it (sesam-fcgi: fcgi_server.cpp).
Result<Fields> ParseForm(std::string_view body, const std::vector<std::string_view>& allowed,
                         UnknownFields unknown);

// The same into `fields`, which must be empty. On error every value decoded so
// far is wiped (the names stay), and `fields` is to be discarded.
Status ParseForm(std::string_view body, const std::vector<std::string_view>& allowed,
                 UnknownFields unknown, Fields& fields);

// The value of cookie `name` in a Cookie header, if present exactly once.
std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name);

// Percent-encodes everything except RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view text);

}  // namespace sesam::web
