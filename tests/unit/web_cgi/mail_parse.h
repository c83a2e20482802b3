// SPDX-License-Identifier: Apache-2.0
// A small MIME reader for the mail tests, written independently of the
// composer's encoders: it parses composed bytes back (headers, unfolding,
// RFC 2047 B and Q words, multipart, quoted-printable, base64) so that tests
// compare decoded text with what was handed in.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sesam::web::test {

struct Header {
  std::string name;
  std::string raw;      // unfolded, as on the wire
  std::string decoded;  // encoded-words decoded
};

struct Part {
  std::vector<Header> headers;
  std::string body;     // raw, CRLF
  std::string decoded;  // after Content-Transfer-Encoding, line breaks as "\n"
};

struct ParsedMessage {
  std::vector<Header> headers;
  std::vector<Part> parts;  // of the top-level multipart
  std::string error;        // empty when the structure was understood
};

ParsedMessage Parse(std::string_view bytes);

// Every header named `name` (case-insensitive).
std::vector<const Header*> Find(const std::vector<Header>& headers, std::string_view name);
// The one header named `name`, or nullptr when it is missing or repeated.
const Header* FindOne(const std::vector<Header>& headers, std::string_view name);

std::string DecodeQuotedPrintable(std::string_view text);
std::string DecodeBase64(std::string_view text);
std::string DecodeEncodedWords(std::string_view text);

// `text` with every CRLF turned into LF (lone CRs stay).
std::string ToLf(std::string_view text);

// The longest line without its CRLF; false when a bare CR or LF occurs.
bool MaxLineLength(std::string_view bytes, std::size_t& longest);

}  // namespace sesam::web::test
