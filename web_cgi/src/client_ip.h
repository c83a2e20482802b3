// Which address the visitor has: REMOTE_ADDR, unless the peer is one of
// [web] trusted_proxies, in which case X-Forwarded-For is read from the right
// and the first address that is not a trusted proxy is the client. A header
// from anyone else is ignored, so it cannot dodge the per-IP limit.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sesam::web {

class ProxyList {
 public:
  // Entries as validated by the config loader: addresses or CIDR ranges.
  explicit ProxyList(const std::vector<std::string>& entries);
  bool Contains(std::string_view address) const;

 private:
  struct Range {
    int family = 0;
    unsigned char bytes[16] = {};
    unsigned prefix = 0;
  };
  std::vector<Range> ranges_;
};

std::string ClientIp(const ProxyList& proxies, std::string_view remote_addr,
                     std::string_view forwarded_for);

}  // namespace sesam::web
