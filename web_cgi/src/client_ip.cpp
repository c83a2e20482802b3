// SPDX-License-Identifier: Apache-2.0
#include "client_ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "audit.h"
#include "text.h"

namespace sesam::web {
namespace {

bool Parse(const std::string& text, int& family, unsigned char* bytes) {
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    family = AF_INET6;
    return true;
  }
  return false;
}

bool IsAddress(const std::string& text) {
  int family = 0;
  unsigned char bytes[16];
  return Parse(text, family, bytes);
}

bool IsPort(std::string_view text) {
  return !text.empty() && text.size() <= 5 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One hop of X-Forwarded-For or one for= value of Forwarded: "192.0.2.7",
// "192.0.2.7:51234", "2001:db8::7", "[2001:db8::7]", "[2001:db8::7]:443",
// optionally in double quotes. The address without port; nullopt otherwise.
std::optional<std::string> HopAddress(std::string_view hop) {
  hop = TrimSpace(hop);
  if (hop.size() >= 2 && hop.front() == '"' && hop.back() == '"') {
    hop = hop.substr(1, hop.size() - 2);
  }
  std::string address;
  if (!hop.empty() && hop.front() == '[') {
    const auto close = hop.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view after = hop.substr(close + 1);
    if (!after.empty() && !(after.front() == ':' && IsPort(after.substr(1)))) {
      return std::nullopt;
    }
    address = std::string(hop.substr(1, close - 1));
    if (address.find(':') == std::string::npos) return std::nullopt;  // brackets are for IPv6
  } else if (std::count(hop.begin(), hop.end(), ':') == 1) {
    const auto colon = hop.find(':');
    if (!IsPort(hop.substr(colon + 1))) return std::nullopt;
    address = std::string(hop.substr(0, colon));
    if (address.find('.') == std::string::npos) return std::nullopt;  // "a:1" is no IPv4
  } else {
    address = std::string(hop);
  }
  if (!IsAddress(address)) return std::nullopt;
  return address;
}

// Splits at `separator` outside double quotes.
std::vector<std::string_view> SplitOutsideQuotes(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') quoted = !quoted;
    if (text[i] == separator && !quoted) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

// The for= value of each element of a Forwarded header, in order; an element
// without one is an empty hop (it names nobody, so it is not believed).
std::vector<std::string_view> ForwardedHops(std::string_view header) {
  std::vector<std::string_view> hops;
  for (const std::string_view element : SplitOutsideQuotes(header, ',')) {
    std::string_view value;
    for (const std::string_view pair : SplitOutsideQuotes(element, ';')) {
      const std::string_view trimmed = TrimSpace(pair);
      if (trimmed.size() >= 4 && (trimmed[0] == 'f' || trimmed[0] == 'F') &&
          (trimmed[1] == 'o' || trimmed[1] == 'O') && (trimmed[2] == 'r' || trimmed[2] == 'R') &&
          trimmed[3] == '=') {
        value = trimmed.substr(4);
      }
    }
    hops.push_back(value);
  }
  return hops;
}

}  // namespace

ProxyList::ProxyList(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    Range range;
    const auto slash = entry.find('/');
    if (!Parse(entry.substr(0, slash), range.family, range.bytes)) continue;
    const unsigned max_prefix = range.family == AF_INET ? 32 : 128;
    range.prefix = slash == std::string::npos
                       ? max_prefix
                       : static_cast<unsigned>(std::stoul(entry.substr(slash + 1)));
    if (range.prefix > max_prefix) continue;
    ranges_.push_back(range);
  }
}

bool ProxyList::Contains(std::string_view address) const {
  int family = 0;
  unsigned char bytes[16] = {};
  if (!Parse(std::string(TrimSpace(address)), family, bytes)) return false;
  for (const Range& range : ranges_) {
    if (range.family != family) continue;
    const unsigned full = range.prefix / 8;
    const unsigned rest = range.prefix % 8;
    if (std::memcmp(range.bytes, bytes, full) != 0) continue;
    if (rest != 0) {
      const auto mask = static_cast<unsigned char>(0xFFu << (8 - rest));
      if ((range.bytes[full] & mask) != (bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

ClientAddress ClientIp(const ProxyList& proxies, std::string_view remote_addr,
                       std::string_view forwarded_for, std::string_view forwarded) {
  const std::string_view header = !forwarded_for.empty() ? forwarded_for : forwarded;
  if (header.empty() || !proxies.Contains(remote_addr)) return {std::string(remote_addr), ""};
  const std::vector<std::string_view> hops =
      !forwarded_for.empty() ? SplitOutsideQuotes(forwarded_for, ',') : ForwardedHops(forwarded);
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    const std::optional<std::string> address = HopAddress(*hop);
    if (!address) {
      return {std::string(remote_addr),
              std::string(!forwarded_for.empty() ? "X-Forwarded-For" : "Forwarded") + " hop '" +
                  LogSafe(TrimSpace(*hop), 32) + "' from proxy " + LogSafe(remote_addr) +
                  " is not an address: counted as the proxy's own"};
    }
    if (!proxies.Contains(*address)) return {*address, ""};
  }
  return {std::string(remote_addr), ""};
}

ClientKey ClientKeyOf(std::string_view address) {
  ClientKey key;
  const std::string text(TrimSpace(address));
  unsigned char bytes[16] = {};
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    // ::ffff:a.b.c.d, the same key as the IPv4-mapped IPv6 form.
    key.bytes[10] = 0xff;
    key.bytes[11] = 0xff;
    std::memcpy(key.bytes.data() + 12, bytes, 4);
    return key;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const bool mapped = std::memcmp(bytes, kMappedPrefix, sizeof kMappedPrefix) == 0;
    std::memcpy(key.bytes.data(), bytes, mapped ? 16 : 8);
    return key;
  }
  // Not an address: all ones, which no address key can be (an IPv6 key ends
  // in eight zero bytes, an IPv4 key starts with ten).
  key.bytes.fill(0xff);
  return key;
}

}  // namespace sesam::web
