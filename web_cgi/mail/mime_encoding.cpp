// SPDX-License-Identifier: Apache-2.0
#include "mime_encoding.h"

#include <algorithm>
#include <cstdint>

namespace sesam::web::mime {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// "=?UTF-8?B?" and "?=".
constexpr std::size_t kWordOverhead = 12;
constexpr std::size_t kMaxWordLength = 75;

bool IsQpLiteral(unsigned char byte) {
  return (byte >= 33 && byte <= 126 && byte != '=') || byte == ' ' || byte == '\t';
}

std::string Escape(unsigned char byte) { return {'=', kHex[byte >> 4], kHex[byte & 0x0F]}; }

// Encodes one line (no line break inside) with soft breaks.
void AppendQpLine(std::string_view line, std::string& out) {
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto byte = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    // Whitespace at the end of a line would be stripped in transit: encode it.
    const std::string token = IsQpLiteral(byte) && !(last && (byte == ' ' || byte == '\t'))
                                  ? std::string(1, line[i])
                                  : Escape(byte);
    // Leave room for the "=" of a soft break unless this token ends the line.
    const std::size_t limit = last ? kMaxLineLength : kMaxLineLength - 1;
    if (column + token.size() > limit) {
      out += "=\r\n";
      column = 0;
    }
    out += token;
    column += token.size();
  }
  out += "\r\n";
}

std::size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  return 4;
}

}  // namespace

std::string QuotedPrintable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    const bool has_break = end != std::string_view::npos;
    if (!has_break) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (has_break && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!has_break && line.empty()) break;  // text ended with a line break
    AppendQpLine(line, out);
    start = end + 1;
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1]))
                                << 8 |
                            static_cast<unsigned char>(bytes[i + 2]);
    out += kBase64[n >> 18 & 63];
    out += kBase64[n >> 12 & 63];
    out += kBase64[n >> 6 & 63];
    out += kBase64[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kBase64[n >> 18 & 63];
    out += kBase64[n >> 12 & 63];
    out += rest == 2 ? kBase64[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::string Base64Lines(std::string_view bytes) {
  const std::string flat = Base64(bytes);
  std::string out;
  out.reserve(flat.size() + flat.size() / kMaxLineLength * 2 + 2);
  for (std::size_t i = 0; i < flat.size(); i += kMaxLineLength) {
    out.append(flat, i, kMaxLineLength);
    out += "\r\n";
  }
  return out;
}

std::size_t CountQpEscapes(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char ch) {
    const auto byte = static_cast<unsigned char>(ch);
    return !IsQpLiteral(byte) && byte != '\r' && byte != '\n';
  }));
}

std::string EncodedWords(std::string_view text, std::size_t prefix_length) {
  const auto capacity_for = [](std::size_t budget) -> std::size_t {
    const std::size_t word = std::min(budget, kMaxWordLength);
    return word > kWordOverhead ? (word - kWordOverhead) / 4 * 3 : 0;
  };
  const std::size_t later_capacity = capacity_for(kMaxLineLength - 1);  // after the folding SP
  std::size_t capacity =
      prefix_length < kMaxLineLength ? capacity_for(kMaxLineLength - prefix_length) : 0;
  // A field name too long for even one 4-byte character starts on a folded line.
  std::string out = capacity < 4 ? "\r\n " : "";
  if (capacity < 4) capacity = later_capacity;

  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      const std::size_t length = Utf8SequenceLength(static_cast<unsigned char>(text[end]));
      if (end + length - i > capacity) break;
      end += length;
    }
    if (i != 0) out += "\r\n ";
    out += "=?UTF-8?B?";
    out += Base64(text.substr(i, end - i));
    out += "?=";
    i = end;
    capacity = later_capacity;
  }
  return out;
}

bool IsPlainHeaderText(std::string_view text, std::size_t prefix_length) {
  if (prefix_length + text.size() > kMaxLineLength) return false;
  if (text.find("=?") != std::string_view::npos) return false;
  if (!text.empty() && (text.front() == ' ' || text.back() == ' ')) return false;
  return std::all_of(text.begin(), text.end(), [](char ch) {
    const auto byte = static_cast<unsigned char>(ch);
    return byte >= 0x20 && byte <= 0x7E;
  });
}

}  // namespace sesam::web::mime
