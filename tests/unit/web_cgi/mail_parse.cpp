// SPDX-License-Identifier: Apache-2.0
#include "mail_parse.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace sesam::web::test {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

int HexValue(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

// Splits header block lines into unfolded headers.
std::vector<Header> ParseHeaders(std::string_view block) {
  std::vector<Header> headers;
  std::size_t start = 0;
  while (start < block.size()) {
    std::size_t end = block.find("\r\n", start);
    if (end == std::string_view::npos) end = block.size();
    const std::string_view line = block.substr(start, end - start);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !headers.empty()) {
      headers.back().raw += std::string(line);  // unfolding removes the CRLF only
    } else {
      const std::size_t colon = line.find(':');
      Header header;
      header.name = std::string(line.substr(0, colon));
      std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      header.raw = std::string(value);
      headers.push_back(std::move(header));
    }
    start = end + 2;
  }
  for (Header& header : headers) header.decoded = DecodeEncodedWords(header.raw);
  return headers;
}

}  // namespace

std::string ToLf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

std::vector<const Header*> Find(const std::vector<Header>& headers, std::string_view name) {
  std::vector<const Header*> found;
  for (const Header& header : headers) {
    if (Lower(header.name) == Lower(name)) found.push_back(&header);
  }
  return found;
}

const Header* FindOne(const std::vector<Header>& headers, std::string_view name) {
  const auto found = Find(headers, name);
  return found.size() == 1 ? found[0] : nullptr;
}

std::string DecodeQuotedPrintable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
      continue;
    }
    if (text.substr(i + 1, 2) == "\r\n") {  // soft line break
      i += 2;
      continue;
    }
    const int high = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) return "<bad quoted-printable>";
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string DecodeBase64(std::string_view text) {
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char ch : text) {
    int value;
    if (ch >= 'A' && ch <= 'Z')
      value = ch - 'A';
    else if (ch >= 'a' && ch <= 'z')
      value = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9')
      value = ch - '0' + 52;
    else if (ch == '+')
      value = 62;
    else if (ch == '/')
      value = 63;
    else
      continue;  // '=', CR, LF
    bits = bits << 6 | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>(bits >> count & 0xFF);
    }
  }
  return out;
}

std::string DecodeEncodedWords(std::string_view text) {
  std::string out;
  std::string pending_space;  // whitespace between two encoded-words is dropped
  bool last_was_word = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, 2) == "=?") {
      const std::size_t q1 = text.find('?', i + 2);
      const std::size_t q2 = q1 == std::string_view::npos ? q1 : text.find('?', q1 + 1);
      const std::size_t end = q2 == std::string_view::npos ? q2 : text.find("?=", q2 + 1);
      if (end != std::string_view::npos) {
        const std::string encoding = Lower(text.substr(q1 + 1, q2 - q1 - 1));
        const std::string_view payload = text.substr(q2 + 1, end - q2 - 1);
        std::string decoded;
        if (encoding == "b") {
          decoded = DecodeBase64(payload);
        } else {
          std::string qp(payload);
          std::replace(qp.begin(), qp.end(), '_', ' ');
          decoded = DecodeQuotedPrintable(qp);
        }
        if (!last_was_word) out += pending_space;
        pending_space.clear();
        out += decoded;
        last_was_word = true;
        i = end + 2;
        continue;
      }
    }
    if (text[i] == ' ' || text[i] == '\t') {
      pending_space += text[i];
    } else {
      out += pending_space;
      pending_space.clear();
      out += text[i];
      last_was_word = false;
    }
    ++i;
  }
  return out + pending_space;
}

bool MaxLineLength(std::string_view bytes, std::size_t& longest) {
  longest = 0;
  std::size_t start = 0;
  while (start < bytes.size()) {
    const std::size_t end = bytes.find("\r\n", start);
    const std::string_view line =
        bytes.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (line.find_first_of("\r\n") != std::string_view::npos) return false;
    longest = std::max(longest, line.size());
    if (end == std::string_view::npos) break;
    start = end + 2;
  }
  return true;
}

ParsedMessage Parse(std::string_view bytes) {
  ParsedMessage message;
  const std::size_t split = bytes.find("\r\n\r\n");
  if (split == std::string_view::npos) {
    message.error = "no end of headers";
    return message;
  }
  message.headers = ParseHeaders(bytes.substr(0, split));
  const Header* type = FindOne(message.headers, "Content-Type");
  if (type == nullptr) {
    message.error = "no single Content-Type";
    return message;
  }
  const std::size_t key = type->raw.find("boundary=\"");
  if (key == std::string::npos) {
    message.error = "no boundary";
    return message;
  }
  const std::size_t close = type->raw.find('"', key + 10);
  const std::string boundary = type->raw.substr(key + 10, close - key - 10);
  const std::string body(bytes.substr(split + 4));
  const std::string delimiter = "--" + boundary;
  std::size_t position = body.find(delimiter + "\r\n");
  while (position != std::string::npos) {
    const std::size_t part_start = position + delimiter.size() + 2;
    const std::size_t next = body.find("\r\n" + delimiter, part_start);
    if (next == std::string::npos) {
      message.error = "unterminated part";
      return message;
    }
    const std::string part_bytes = body.substr(part_start, next - part_start);
    Part part;
    const std::size_t part_split = part_bytes.find("\r\n\r\n");
    part.headers = ParseHeaders(part_bytes.substr(0, part_split));
    part.body = part_split == std::string::npos ? "" : part_bytes.substr(part_split + 4) + "\r\n";
    const Header* encoding = FindOne(part.headers, "Content-Transfer-Encoding");
    const std::string name = encoding ? Lower(encoding->raw) : "7bit";
    part.decoded = ToLf(name == "base64"             ? DecodeBase64(part.body)
                        : name == "quoted-printable" ? DecodeQuotedPrintable(part.body)
                                                     : part.body);
    message.parts.push_back(std::move(part));
    const std::size_t after = next + 2 + delimiter.size();
    if (body.compare(after, 2, "--") == 0) return message;  // closing delimiter
    position = next + 2;
  }
  if (message.parts.empty()) message.error = "no parts";
  return message;
}

}  // namespace sesam::web::test
