// SPDX-License-Identifier: Apache-2.0
#include "sesam/secret_string.h"

#include <string.h>  // explicit_bzero

#include <algorithm>
#include <cstring>

namespace sesam {

SecretString::SecretString(std::string_view text) { Append(text); }

SecretString::~SecretString() { Clear(); }

SecretString::SecretString(SecretString&& other) noexcept
    : data_(std::move(other.data_)), size_(other.size_), capacity_(other.capacity_) {
  other.size_ = 0;
  other.capacity_ = 0;
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    Clear();
    data_ = std::move(other.data_);
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.size_ = 0;
    other.capacity_ = 0;
  }
  return *this;
}

void SecretString::Append(std::string_view text) {
  if (text.empty() && data_) return;
  const std::size_t needed = size_ + text.size() + 1;  // + NUL
  if (needed > capacity_) {
    const std::size_t new_capacity = std::max<std::size_t>(needed, capacity_ * 2);
    auto bigger = std::make_unique<char[]>(new_capacity);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    if (data_) explicit_bzero(data_.get(), capacity_);
    data_ = std::move(bigger);
    capacity_ = new_capacity;
  }
  if (!text.empty()) std::memcpy(data_.get() + size_, text.data(), text.size());
  size_ += text.size();
  data_[size_] = '\0';
}

void SecretString::TrimLineEnd() {
  // Only a line end: "\n" or "\r\n". A lone trailing "\r" is part of the secret.
  if (size_ == 0 || data_[size_ - 1] != '\n') return;
  data_[--size_] = '\0';
  if (size_ > 0 && data_[size_ - 1] == '\r') data_[--size_] = '\0';
}

void SecretString::Clear() {
  if (data_) explicit_bzero(data_.get(), capacity_);
  data_.reset();
  size_ = 0;
  capacity_ = 0;
}

bool SecretString::Equals(std::string_view other) const {
  return ConstantTimeEquals(view(), other);
}

void WipeString(std::string& text) {
  // Growing to the capacity never reallocates, and makes every byte of the
  // buffer part of the string, so it may be written through data().
  text.resize(text.capacity());
  explicit_bzero(text.data(), text.size());
  text.clear();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // Accumulate differences over every byte so the time does not depend on
  // where the first difference is.
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference = static_cast<unsigned char>(
        difference | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return difference == 0;
}

}  // namespace sesam
