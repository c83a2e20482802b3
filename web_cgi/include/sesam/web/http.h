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

using Fields = std::map<std::string, std::string, std::less<>>;

enum class UnknownFields { kReject, kIgnore };

// Strict application/x-www-form-urlencoded: every name must be in `allowed`
// (or is ignored, for query strings), no name may repeat, "name[]" style
// array names are unknown names, percent escapes must be complete, and every
// decoded value must be valid UTF-8. Any violation -> InvalidArgument, whose
// message is log-safe: an unknown name is cut to 32 bytes, control characters
// and quotes escaped.
Result<Fields> ParseForm(std::string_view body, const std::vector<std::string_view>& allowed,
                         UnknownFields unknown);

// The value of cookie `name` in a Cookie header, if present exactly once.
std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name);

// Percent-encodes everything except RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view text);

}  // namespace sesam::web
