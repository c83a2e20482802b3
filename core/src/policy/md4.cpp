// SPDX-License-Identifier: Apache-2.0
#include "md4.h"

#include <bit>
#include <cstddef>
#include <vector>

namespace sesam::policy::internal {
namespace {

std::uint32_t F(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (x & y) | (~x & z); }
std::uint32_t G(std::uint32_t x, std::uint32_t y, std::uint32_t z) {
  return (x & y) | (x & z) | (y & z);
}
std::uint32_t H(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return x ^ y ^ z; }

void Block(std::array<std::uint32_t, 4>& state, const std::uint8_t* block) {
  std::uint32_t x[16];
  for (int i = 0; i < 16; ++i) {
    const std::uint8_t* p = block + 4 * i;
    x[i] = static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
  }
  std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  // Round 1: F, word order 0..15, shifts 3 7 11 19.
  constexpr int kShift1[4] = {3, 7, 11, 19};
  for (int i = 0; i < 16; ++i) {
    const std::uint32_t t = a + F(b, c, d) + x[i];
    a = d, d = c, c = b, b = std::rotl(t, kShift1[i % 4]);
  }
  // Round 2: G, words by column, shifts 3 5 9 13.
  constexpr int kShift2[4] = {3, 5, 9, 13};
  for (int i = 0; i < 16; ++i) {
    const int k = (i % 4) * 4 + i / 4;
    const std::uint32_t t = a + G(b, c, d) + x[k] + 0x5A827999u;
    a = d, d = c, c = b, b = std::rotl(t, kShift2[i % 4]);
  }
  // Round 3: H, words in bit-reversed order, shifts 3 9 11 15.
  constexpr int kOrder3[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
  constexpr int kShift3[4] = {3, 9, 11, 15};
  for (int i = 0; i < 16; ++i) {
    const std::uint32_t t = a + H(b, c, d) + x[kOrder3[i]] + 0x6ED9EBA1u;
    a = d, d = c, c = b, b = std::rotl(t, kShift3[i % 4]);
  }
  state[0] += a, state[1] += b, state[2] += c, state[3] += d;
}

}  // namespace

Md4Digest Md4(std::span<const std::uint8_t> data) {
  std::array<std::uint32_t, 4> state = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u};
  const std::size_t full_blocks = data.size() / 64;
  for (std::size_t i = 0; i < full_blocks; ++i) Block(state, data.data() + 64 * i);

  // Padding: 0x80, zeros up to 56 mod 64, then the bit length little-endian.
  std::uint8_t tail[128] = {};
  const std::size_t rest = data.size() - 64 * full_blocks;
  for (std::size_t i = 0; i < rest; ++i) tail[i] = data[64 * full_blocks + i];
  tail[rest] = 0x80;
  const std::size_t tail_size = rest < 56 ? 64 : 128;
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i)
    tail[tail_size - 8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(bits >> (8 * i));
  Block(state, tail);
  if (tail_size == 128) Block(state, tail + 64);
  for (std::uint8_t& byte : tail) byte = 0;

  Md4Digest digest;
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 4; ++j)
      digest[4 * i + j] = static_cast<std::uint8_t>(state[i] >> (8 * j));
  }
  return digest;
}

}  // namespace sesam::policy::internal
