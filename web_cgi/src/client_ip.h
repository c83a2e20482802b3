// SPDX-License-Identifier: Apache-2.0
// Which address the visitor has, and the key every per-client limit counts it
// under.
//
// The address is REMOTE_ADDR, unless the peer is one of [web] trusted_proxies:
// then X-Forwarded-For (or, without it, the Forwarded header of RFC 7239) is
// read from the right and the first hop that is not a trusted proxy is the
// client. A header from anyone else is ignored, so it cannot dodge a limit.
// Hops may carry a port ("192.0.2.7:51234", "[2001:db8::7]:443"): proxies
// such as IIS ARR and some load balancers write them so. A hop that is not an
// address ("unknown", an obfuscated "_id", garbage) makes the proxy's own
// address count, and the caller is told why so it can log it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

struct ClientAddress {
  std::string address;  // the client's address, without port or brackets
  // Why a forwarded hop was not believed ("" when nothing was wrong); then
  // `address` is the proxy's own. Log-safe: the hop is cut short and escaped.
  std::string problem;
};

ClientAddress ClientIp(const ProxyList& proxies, std::string_view remote_addr,
                       std::string_view forwarded_for, std::string_view forwarded = {});

// What a per-client limit counts under: 16 bytes, so a limiter's entries have
// a fixed size. An IPv4 address is kept whole, as its IPv4-mapped IPv6 form
// (so "192.0.2.7" and "::ffff:192.0.2.7" are one client); an IPv6 address is
// cut to its /64, because one household or attacker gets a whole /64 and can
// pick a fresh address in it for every request. Anything else (not an
// address) shares one key.
struct ClientKey {
  std::array<unsigned char, 16> bytes{};
  friend bool operator==(const ClientKey&, const ClientKey&) = default;
};

struct ClientKeyHash {
  std::size_t operator()(const ClientKey& key) const noexcept {
    // The low half of a /64 key is zero: mix both halves.
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    std::memcpy(&high, key.bytes.data(), sizeof high);
    std::memcpy(&low, key.bytes.data() + 8, sizeof low);
    return static_cast<std::size_t>((high ^ (low * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull);
  }
};

// The one function that makes the key of a client address.
ClientKey ClientKeyOf(std::string_view address);

}  // namespace sesam::web
