// SPDX-License-Identifier: Apache-2.0
// Reader of the binary filters built by passwdqc's pwqfilter(1), the format
// admins already use for the "Have I Been Pwned" list.
//
// Format (passwdqc 2.x, "PWQ0"): a 64-byte header (magic, threshold, bucket
// size, hash id, endianness mark, capacity, counters) followed by
// capacity/4 buckets of 16 bytes. A password is hashed (MD4 of its bytes, or
// NTLM = MD4 of its CP1252 bytes as UTF-16LE), the hash gives a primary bucket
// and a 64-bit fingerprint, the fingerprint an alternate bucket (cuckoo
// filter); each bucket packs up to 4 fingerprints. A lookup reads two
// buckets. The file is mapped read-only: its pages are shared page cache, not
// memory of the process that loads pam_sesam.so.
//
// Like every probabilistic filter it has rare false positives, never false
// negatives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sesam/status.h"

namespace sesam::policy::internal {

class PwqFilter {
 public:
  // NotFound / PermissionDenied when the file cannot be opened,
  // InvalidArgument (naming the file) when it is not a pwqfilter file.
  static Result<PwqFilter> Open(const std::string& path);
  // True when `data` starts like a pwqfilter file (decides text vs filter).
  static bool LooksLikeFilter(std::string_view data);

  PwqFilter(PwqFilter&& other) noexcept;
  PwqFilter& operator=(PwqFilter&& other) noexcept;
  PwqFilter(const PwqFilter&) = delete;
  PwqFilter& operator=(const PwqFilter&) = delete;
  ~PwqFilter();

  // True when `password` is (probably) in the filter. Never throws.
  bool Contains(std::string_view password) const;

 private:
  PwqFilter() = default;
  bool CheckBucket(std::uint32_t index, std::uint64_t fingerprint, bool& full) const;

  const unsigned char* map_ = nullptr;
  std::size_t map_size_ = 0;
  std::uint32_t buckets_ = 0;
  unsigned threshold_ = 0;
  unsigned bucket_size_ = 0;
  unsigned hash_id_ = 0;
};

}  // namespace sesam::policy::internal
