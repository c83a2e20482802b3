// SPDX-License-Identifier: Apache-2.0
// MIME transfer and header encodings used by the composer (RFC 2045, 2047).
// Internal to sesam_mail; unit tests include it to check each encoder alone.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sesam::web::mime {

// The longest encoded line the composer emits (RFC 2045 6.7, 6.8; RFC 2047 2).
inline constexpr std::size_t kMaxLineLength = 76;

// Quoted-printable (RFC 2045 6.7) of UTF-8 text. Line breaks ("\n" or "\r\n")
// become CRLF hard breaks; a lone CR is encoded as =0D. Trailing spaces and
// tabs are encoded; lines are soft-broken so none exceeds 76 characters. A line
// starting with "." stays literal: SMTP dot-stuffing is the transport's job.
std::string QuotedPrintable(std::string_view text);

// Base64 (RFC 2045 6.8) in CRLF-terminated lines of 76 characters.
std::string Base64Lines(std::string_view bytes);

// Plain base64 without line breaks.
std::string Base64(std::string_view bytes);

// How many bytes of `text` need =XX escaping in quoted-printable; the composer
// picks base64 when that is more than a third.
std::size_t CountQpEscapes(std::string_view text);

// An unstructured header value (RFC 5322 2.2.1) or a display name as RFC 2047
// "B" encoded-words of at most 75 characters, split only between UTF-8
// characters, for a field whose name and ": " take `prefix_length` columns.
// Words after the first go on folded lines (CRLF SP), so that every line is at
// most 76 characters. `text` must be valid UTF-8.
std::string EncodedWords(std::string_view text, std::size_t prefix_length);

// Whether `text` can appear as is in an unstructured header of a field with
// `prefix_length` columns: printable ASCII, no "=?" that a reader could take
// for an encoded-word, and short enough for one line.
bool IsPlainHeaderText(std::string_view text, std::size_t prefix_length);

}  // namespace sesam::web::mime
