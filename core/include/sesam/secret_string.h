// SPDX-License-Identifier: Apache-2.0
// SecretString holds a password, a token or a key. It cannot be copied (so no
// stray copies survive in freed memory), and it wipes its bytes with
// explicit_bzero when it is destroyed, cleared or moved from.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace sesam {

class SecretString {
 public:
  SecretString() = default;
  // Copies `text`; the caller wipes its own copy (see WipeString).
  explicit SecretString(std::string_view text);
  ~SecretString();

  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;

  std::string_view view() const { return {data_.get() ? data_.get() : "", size_}; }
  const char* c_str() const { return data_ ? data_.get() : ""; }  // NUL-terminated
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Appends without leaving a copy behind: grows into a new buffer and wipes the old one.
  void Append(std::string_view text);
  // Removes trailing "\n" or "\r\n".
  void TrimLineEnd();
  void Clear();

  // Constant-time comparison of contents (length is not hidden).
  bool Equals(std::string_view other) const;

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Overwrites a std::string's whole buffer (its capacity, not only its size:
// a string that shrank, or that a short value was moved out of, still holds
// old bytes past its end) with zeros and empties it. Keeps the buffer.
void WipeString(std::string& text);

// Wipes a std::string (WipeString) when the scope ends, on every path out,
// including early returns and exceptions: for a secret that must live in a
// std::string, e.g. a request body that a C library fills.
class ScopedWipe {
 public:
  explicit ScopedWipe(std::string& text) : text_(text) {}
  ~ScopedWipe() { WipeString(text_); }
  ScopedWipe(const ScopedWipe&) = delete;
  ScopedWipe& operator=(const ScopedWipe&) = delete;

 private:
  std::string& text_;
};

// Constant-time equality of two byte strings of equal length; false when the
// lengths differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sesam
