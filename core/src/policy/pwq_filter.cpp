// SPDX-License-Identifier: Apache-2.0
#include "pwq_filter.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "md4.h"
#include "sesam/posix.h"

namespace sesam::policy::internal {
namespace {

static_assert(std::endian::native == std::endian::little,
              "pwqfilter files are read in the host's byte order; only little-endian is supported");

constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kBucketBytes = 16;
constexpr std::uint64_t kEndianMark = 0x0807060504030201ULL;
constexpr unsigned kHashMd4 = 1;
constexpr unsigned kHashNtlmCp1252 = 2;

std::uint64_t LoadU64(const unsigned char* p) {
  std::uint64_t value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

// (what * m) >> 32: maps a 32-bit value onto [0, m) without a division.
std::uint32_t Wrap(std::uint32_t what, std::uint32_t m) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(what) * m) >> 32);
}

// Buckets of four fingerprints store the top 4 bits of each fingerprint as a
// sorted 4-tuple of nibbles, numbered 0..3875 (the multisets of size 4 over
// 16 values); this table turns the number back into the four nibbles.
const std::array<std::uint16_t, 3876>& SemiSortTable() {
  static const std::array<std::uint16_t, 3876> table = [] {
    constexpr unsigned kTetrahedral[16] = {816, 680, 560, 455, 364, 286, 220, 165,
                                           120, 84,  56,  35,  20,  10,  4,   1};
    constexpr unsigned kTriangular[16] = {136, 120, 105, 91, 78, 66, 55, 45,
                                          36,  28,  21,  15, 10, 6,  3,  1};
    std::array<std::uint16_t, 3876> out{};
    for (unsigned n = 0; n < out.size(); ++n) {
      unsigned rest = n, digit = 0;
      while (rest >= kTetrahedral[digit]) rest -= kTetrahedral[digit++];
      unsigned value = digit << 12;
      while (rest >= kTriangular[digit]) rest -= kTriangular[digit++];
      value |= digit << 8;
      while (rest >= 16 - digit) rest -= 16 - digit++;
      value |= digit << 4;
      value |= digit + rest;
      out[n] = static_cast<std::uint16_t>(value);
    }
    return out;
  }();
  return table;
}

// Unpacks one bucket into `slots`; the number of fingerprints, or -1 when the
// bucket is malformed.
int Unpack(std::uint64_t hi, std::uint64_t lo, std::uint64_t slots[4]) {
  const unsigned semi_sort = static_cast<unsigned>(hi >> 52);
  if (semi_sort >= 1 && semi_sort <= 3876) {
    // Four 33-bit fingerprints: 29 low bits each in the body, 4 high bits in
    // the semi-sort number.
    const std::uint64_t high = SemiSortTable()[semi_sort - 1];
    constexpr unsigned kLowBits = 29;
    constexpr std::uint64_t kLowMask = (std::uint64_t{1} << kLowBits) - 1;
    std::uint64_t f = lo;
    slots[0] = (f & kLowMask) | ((high & 0x000f) << kLowBits);
    f >>= kLowBits;
    slots[1] = (f & kLowMask) | ((high & 0x00f0) << (kLowBits - 4));
    f >>= kLowBits;
    f |= hi << (64 - 2 * kLowBits);
    slots[2] = (f & kLowMask) | ((high & 0x0f00) << (kLowBits - 8));
    f >>= kLowBits;
    slots[3] = (f & kLowMask) | ((high & 0xf000) << (kLowBits - 12));
    return 4;
  }
  if (hi <= 1) {
    if (hi == 0) return lo == 0 ? 0 : -1;
    slots[0] = lo;  // one full 64-bit fingerprint
    return 1;
  }
  if ((semi_sort & 0xf80) == 0xf80) {  // three 41-bit fingerprints, descending
    constexpr unsigned kBits = 41;
    constexpr std::uint64_t kMask = (std::uint64_t{1} << kBits) - 1;
    slots[0] = lo & kMask;
    slots[1] = ((lo >> kBits) | (hi << (64 - kBits))) & kMask;
    slots[2] = (hi >> (2 * kBits - 64)) & kMask;
    return (slots[0] < slots[1] || slots[1] < slots[2]) ? -1 : 3;
  }
  if ((semi_sort & 0xfc0) == 0xf40) {  // two 61-bit fingerprints, descending
    constexpr unsigned kBits = 61;
    constexpr std::uint64_t kMask = (std::uint64_t{1} << kBits) - 1;
    slots[0] = lo & kMask;
    slots[1] = ((lo >> kBits) | (hi << (64 - kBits))) & kMask;
    return slots[0] < slots[1] ? -1 : 2;
  }
  return -1;
}

// A stored fingerprint keeps 33, 41, 61 or 64 bits of the full one, depending
// on how full its bucket was when it was written; leading zero bits beyond 33
// are ambiguous, so the comparison widens only as far as the stored bits go.
bool FingerprintEquals(std::uint64_t stored, std::uint64_t full, unsigned bucket_size) {
  if (static_cast<std::uint32_t>(stored) != static_cast<std::uint32_t>(full)) return false;
  auto low = [full](unsigned bits) { return full & ((std::uint64_t{1} << bits) - 1); };
  if ((stored >> 33) == 0 && bucket_size >= 4) return stored == low(33);
  if ((stored >> 41) == 0 && bucket_size >= 3) return stored == low(41);
  if ((stored >> 61) == 0) return stored == low(61);
  return stored == full;
}

// pwqfilter hashes a password up to its first CR, LF or NUL.
std::string_view HashedPart(std::string_view password) {
  const std::size_t end = password.find_first_of(std::string_view("\r\n\0", 3));
  return password.substr(0, end);
}

Md4Digest HashNtlmCp1252(std::string_view password) {
  // Bytes 0x80..0x9F are CP1252's extra characters; the other bytes map to
  // the same code point (passwdqc's convention for HIBP's NTLM list).
  static constexpr std::uint16_t kCp1252[32] = {
      0x20ac, 0x81,   0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x8d,   0x017d, 0x8f,   0x90,   0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
      0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d,   0x017e, 0x0178};
  std::vector<std::uint8_t> utf16;
  utf16.reserve(password.size() * 2);
  for (const char ch : password) {
    unsigned c = static_cast<unsigned char>(ch);
    if (c >= 0x80 && c < 0xa0) c = kCp1252[c - 0x80];
    utf16.push_back(static_cast<std::uint8_t>(c));
    utf16.push_back(static_cast<std::uint8_t>(c >> 8));
  }
  const Md4Digest digest = Md4(utf16);
  std::fill(utf16.begin(), utf16.end(), std::uint8_t{0});
  return digest;
}

}  // namespace

bool PwqFilter::LooksLikeFilter(std::string_view data) { return data.starts_with("PWQ0"); }

Result<PwqFilter> PwqFilter::Open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoToStatus(errno, "cannot open blocklist " + path);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || info.st_size < static_cast<off_t>(kHeaderSize)) {
    return InvalidArgumentError("blocklist " + path + " is not a pwqfilter file (too short)");
  }
  const auto size = static_cast<std::size_t>(info.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return ErrnoToStatus(errno, "cannot map blocklist " + path);
  fd.reset();  // the mapping stays valid without the descriptor
  PwqFilter filter;
  filter.map_ = static_cast<const unsigned char*>(map);
  filter.map_size_ = size;

  const unsigned char* h = filter.map_;
  const std::uint64_t capacity = LoadU64(h + 24);
  const std::uint64_t deletes = LoadU64(h + 32);
  const std::uint64_t inserts = LoadU64(h + 40);
  filter.threshold_ = h[4];
  filter.bucket_size_ = h[5];
  filter.hash_id_ = h[6];
  const bool valid =
      std::memcmp(h, "PWQ0", 4) == 0 && LoadU64(h + 8) == kEndianMark && filter.bucket_size_ >= 2 &&
      filter.bucket_size_ <= 4 && filter.threshold_ <= filter.bucket_size_ &&
      (filter.hash_id_ == kHashMd4 || filter.hash_id_ == kHashNtlmCp1252) && capacity >= 4 &&
      capacity % 4 == 0 && capacity <= ((std::uint64_t{1} << 32) - 1) * 4 &&
      inserts - deletes <= capacity && size == kHeaderSize + capacity * 4;
  if (!valid) {
    return InvalidArgumentError("blocklist " + path +
                                " is not a valid pwqfilter file (bad header or size)");
  }
  filter.buckets_ = static_cast<std::uint32_t>(capacity / 4);
  // Lookups touch two random buckets: tell the kernel not to read ahead.
  ::madvise(const_cast<unsigned char*>(filter.map_), size, MADV_RANDOM);
  return filter;
}

PwqFilter::PwqFilter(PwqFilter&& other) noexcept
    : map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)),
      buckets_(other.buckets_),
      threshold_(other.threshold_),
      bucket_size_(other.bucket_size_),
      hash_id_(other.hash_id_) {}

PwqFilter& PwqFilter::operator=(PwqFilter&& other) noexcept {
  if (this != &other) {
    if (map_ != nullptr) ::munmap(const_cast<unsigned char*>(map_), map_size_);
    map_ = std::exchange(other.map_, nullptr);
    map_size_ = std::exchange(other.map_size_, 0);
    buckets_ = other.buckets_;
    threshold_ = other.threshold_;
    bucket_size_ = other.bucket_size_;
    hash_id_ = other.hash_id_;
  }
  return *this;
}

PwqFilter::~PwqFilter() {
  if (map_ != nullptr) ::munmap(const_cast<unsigned char*>(map_), map_size_);
}

// Returns true on a match; `full` tells whether the bucket was too full for
// the fingerprint to be missing from it (then the alternate bucket decides).
bool PwqFilter::CheckBucket(std::uint32_t index, std::uint64_t fingerprint, bool& full) const {
  const unsigned char* bucket = map_ + kHeaderSize + std::size_t{index} * kBucketBytes;
  std::uint64_t slots[4] = {};
  const int count = Unpack(LoadU64(bucket), LoadU64(bucket + 8), slots);
  // A malformed bucket fails closed (counts as a match), as passwdqc does.
  if (count < 0 || static_cast<unsigned>(count) > bucket_size_) return true;
  for (int j = 0; j < count; ++j) {
    if (FingerprintEquals(slots[j], fingerprint, bucket_size_)) return true;
  }
  full = static_cast<unsigned>(count) >= threshold_;
  return false;
}

bool PwqFilter::Contains(std::string_view password) const {
  const std::string_view hashed = HashedPart(password);
  Md4Digest digest =
      hash_id_ == kHashMd4
          ? Md4({reinterpret_cast<const std::uint8_t*>(hashed.data()), hashed.size()})
          : HashNtlmCp1252(hashed);
  // The primary index comes from the first four bytes with their nibbles
  // swapped (pwqfilter's choice, so sorted hash lists fill the table in order).
  std::uint32_t first = static_cast<std::uint32_t>(digest[0]) << 24 |
                        static_cast<std::uint32_t>(digest[1]) << 16 |
                        static_cast<std::uint32_t>(digest[2]) << 8 | digest[3];
  first = ((first & 0x0f0f0f0fu) << 4) | ((first >> 4) & 0x0f0f0f0fu);
  const std::uint32_t index = Wrap(first, buckets_);
  const std::uint64_t fingerprint = LoadU64(digest.data() + 8);
  digest.fill(0);

  bool full = false;
  if (CheckBucket(index, fingerprint, full)) return true;
  if (!full) return false;
  std::int64_t alternate = static_cast<std::int64_t>(buckets_) - 1 - index -
                           Wrap(static_cast<std::uint32_t>(fingerprint), buckets_);
  if (alternate < 0) alternate += buckets_;
  return CheckBucket(static_cast<std::uint32_t>(alternate), fingerprint, full);
}

}  // namespace sesam::policy::internal
