// SPDX-License-Identifier: Apache-2.0
#include "ad_rights.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace sesam::ldap::internal {
namespace {

constexpr std::uint8_t kAccessAllowed = 0x00;
constexpr std::uint8_t kAccessDenied = 0x01;
constexpr std::uint8_t kAccessAllowedObject = 0x05;
constexpr std::uint8_t kAccessDeniedObject = 0x06;
constexpr std::uint8_t kInheritOnly = 0x08;
constexpr std::uint32_t kControlAccess = 0x100;  // ADS_RIGHT_DS_CONTROL_ACCESS
constexpr std::uint32_t kGenericAll = 0x10000000;
constexpr std::uint32_t kObjectTypePresent = 0x1;
constexpr std::uint32_t kInheritedObjectTypePresent = 0x2;
constexpr std::uint16_t kDaclPresent = 0x0004;

// Little-endian reads that fail instead of reading past the end.
struct Reader {
  std::string_view bytes;

  std::optional<std::uint32_t> At(std::size_t offset, std::size_t size) const {
    if (offset > bytes.size() || bytes.size() - offset < size) return std::nullopt;
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < size; ++i) {
      value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
    }
    return value;
  }
};

// The SID at `offset` (revision, count, 6-byte authority, count x 4 bytes).
std::optional<std::string_view> SidAt(std::string_view bytes, std::size_t offset, std::size_t end) {
  if (offset + 8 > end || end > bytes.size()) return std::nullopt;
  const std::size_t size = 8 + std::size_t{4} * static_cast<unsigned char>(bytes[offset + 1]);
  if (offset + size > end) return std::nullopt;
  return bytes.substr(offset, size);
}

}  // namespace

std::string ResetPasswordRightGuid() {
  // 00299570-246d-11d0-a768-00aa006e0529: the first three fields little-endian.
  const unsigned char bytes[16] = {0x70, 0x95, 0x29, 0x00, 0x6d, 0x24, 0xd0, 0x11,
                                   0xa7, 0x68, 0x00, 0xaa, 0x00, 0x6e, 0x05, 0x29};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

std::vector<std::string> ImplicitSids() {
  const unsigned char everyone[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  const unsigned char authenticated[12] = {1, 1, 0, 0, 0, 0, 0, 5, 11, 0, 0, 0};
  return {std::string(reinterpret_cast<const char*>(everyone), sizeof everyone),
          std::string(reinterpret_cast<const char*>(authenticated), sizeof authenticated)};
}

Verdict GrantsControlAccess(std::string_view descriptor, const std::vector<std::string>& token,
                            std::string_view right) {
  const Reader sd{descriptor};
  const auto control = sd.At(2, 2);
  const auto dacl_offset = sd.At(16, 4);
  if (!control || !dacl_offset) return Verdict::kUnknown;
  // No DACL would grant everything, but AD never leaves a user without one:
  // more likely the server sent a part of the descriptor only.
  if ((*control & kDaclPresent) == 0 || *dacl_offset == 0) return Verdict::kUnknown;
  const auto acl_size = sd.At(*dacl_offset + 2, 2);
  const auto ace_count = sd.At(*dacl_offset + 4, 2);
  if (!acl_size || !ace_count) return Verdict::kUnknown;
  const std::size_t acl_end = std::size_t{*dacl_offset} + *acl_size;
  if (acl_end > descriptor.size()) return Verdict::kUnknown;
  std::size_t offset = std::size_t{*dacl_offset} + 8;
  for (std::uint32_t i = 0; i < *ace_count; ++i) {
    const auto type = sd.At(offset, 1);
    const auto flags = sd.At(offset + 1, 1);
    const auto size = sd.At(offset + 2, 2);
    if (!type || !flags || !size || *size < 8 || offset + *size > acl_end) {
      return Verdict::kUnknown;
    }
    const std::size_t ace_end = offset + *size;
    const std::size_t ace = offset;
    offset = ace_end;
    const bool object = *type == kAccessAllowedObject || *type == kAccessDeniedObject;
    const bool deny = *type == kAccessDenied || *type == kAccessDeniedObject;
    if (!object && *type != kAccessAllowed && *type != kAccessDenied) continue;  // audit etc.
    if ((*flags & kInheritOnly) != 0) continue;
    const auto mask = sd.At(ace + 4, 4);
    if (!mask) return Verdict::kUnknown;
    if ((*mask & (kControlAccess | kGenericAll)) == 0) continue;
    std::size_t sid_offset = ace + 8;
    if (object) {
      const auto object_flags = sd.At(ace + 8, 4);
      if (!object_flags) return Verdict::kUnknown;
      sid_offset = ace + 12;
      if (*object_flags & kObjectTypePresent) {
        if (sid_offset + 16 > ace_end) return Verdict::kUnknown;
        // An ACE for another right (or a property set) says nothing of ours.
        if (descriptor.substr(sid_offset, 16) != right) {
          continue;
        }
        sid_offset += 16;
      }
      if (*object_flags & kInheritedObjectTypePresent) sid_offset += 16;
    }
    const auto sid = SidAt(descriptor, sid_offset, ace_end);
    if (!sid) return Verdict::kUnknown;
    if (std::find(token.begin(), token.end(), *sid) == token.end()) continue;
    return deny ? Verdict::kNo : Verdict::kYes;
  }
  return Verdict::kNo;
}

}  // namespace sesam::ldap::internal
