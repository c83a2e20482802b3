// SPDX-License-Identifier: Apache-2.0
#include "account_id.h"

#include <array>
#include <cctype>

namespace sesam::ldap::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether `text` is hex digits in groups of the given lengths joined by '-';
// returns it in lowercase.
std::optional<std::string> Grouped(std::string_view text, std::initializer_list<int> groups) {
  std::string out;
  std::size_t at = 0;
  bool first = true;
  for (const int length : groups) {
    if (!first) {
      if (at >= text.size() || text[at] != '-') return std::nullopt;
      out += '-';
      ++at;
    }
    first = false;
    for (int i = 0; i < length; ++i, ++at) {
      if (at >= text.size() || HexValue(text[at]) < 0) return std::nullopt;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(text[at])));
    }
  }
  if (at != text.size()) return std::nullopt;
  return out;
}

// Byte i of the string form comes from byte kGuidOrder[i] of the binary GUID.
constexpr std::array<std::size_t, 16> kGuidOrder = {3, 2, 1,  0,  5,  4,  7,  6,
                                                    8, 9, 10, 11, 12, 13, 14, 15};

}  // namespace

std::optional<std::string> GuidToString(std::string_view bytes) {
  if (bytes.size() != 16) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    const auto byte = static_cast<unsigned char>(bytes[kGuidOrder[i]]);
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

std::optional<std::string> GuidFromString(std::string_view text) {
  const auto canonical = Grouped(text, {8, 4, 4, 4, 12});
  if (!canonical) return std::nullopt;
  std::string digits;
  for (const char c : *canonical) {
    if (c != '-') digits += c;
  }
  std::string bytes(16, '\0');
  for (std::size_t i = 0; i < 16; ++i) {
    const int value = HexValue(digits[2 * i]) * 16 + HexValue(digits[2 * i + 1]);
    bytes[kGuidOrder[i]] = static_cast<char>(value);
  }
  return bytes;
}

std::optional<std::string> IdFromValue(std::string_view attribute, std::string_view value) {
  if (EqualsIgnoringCase(attribute, "objectGUID")) return GuidToString(value);
  if (EqualsIgnoringCase(attribute, "nsUniqueId")) return Grouped(value, {8, 8, 8, 8});
  if (EqualsIgnoringCase(attribute, "entryUUID")) return Grouped(value, {8, 4, 4, 4, 12});
  return std::nullopt;
}

std::optional<std::string> IdFilter(std::string_view attribute, std::string_view id) {
  if (EqualsIgnoringCase(attribute, "objectGUID")) {
    const auto bytes = GuidFromString(id);
    if (!bytes) return std::nullopt;
    std::string filter = "(objectGUID=";
    for (const char byte : *bytes) {
      const auto b = static_cast<unsigned char>(byte);
      filter += '\\';
      filter += kHex[b >> 4];
      filter += kHex[b & 0xf];
    }
    return filter + ")";
  }
  // Our own canonical form only: the value goes into the filter as is, so
  // nothing but hex digits and '-' may reach it.
  const auto canonical = IdFromValue(attribute, id);
  if (!canonical) return std::nullopt;
  return "(" + std::string(attribute) + "=" + *canonical + ")";
}

}  // namespace sesam::ldap::internal
