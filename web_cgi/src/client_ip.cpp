#include "client_ip.h"
#include "text.h"

#include <arpa/inet.h>

#include <cstring>

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

std::string ClientIp(const ProxyList& proxies, std::string_view remote_addr,
                     std::string_view forwarded_for) {
  if (forwarded_for.empty() || !proxies.Contains(remote_addr)) return std::string(remote_addr);
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view hop =
        TrimSpace(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    if (!proxies.Contains(hop)) {
      int family = 0;
      unsigned char bytes[16];
      // A garbled hop is not an address: fall back to the proxy itself.
      return Parse(std::string(hop), family, bytes) ? std::string(hop) : std::string(remote_addr);
    }
  }
  return std::string(remote_addr);
}

}  // namespace sesam::web
