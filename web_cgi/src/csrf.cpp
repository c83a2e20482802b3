#include "csrf.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace sesam::web::csrf {
namespace {

std::string Hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xF]);
  }
  return out;
}

std::array<unsigned char, 32> Mac(std::string_view key, std::string_view message) {
  std::array<unsigned char, 32> out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &size);
  return out;
}

}  // namespace

SecretString DeriveKey(std::string_view token_key) {
  auto mac = Mac(token_key, "sesam csrf v1");
  SecretString key(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  OPENSSL_cleanse(mac.data(), mac.size());
  return key;
}

std::string NewCookieValue() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // No randomness means no safe cookie; the request fails with a 500.
    throw std::runtime_error("RAND_bytes failed");
  }
  return Hex(bytes.data(), bytes.size());
}

bool WellFormedCookie(std::string_view value) {
  if (value.size() != 32) return false;
  for (const char c : value) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string FormToken(const SecretString& key, std::string_view cookie_value) {
  const auto mac = Mac(key.view(), cookie_value);
  return Hex(mac.data(), mac.size());
}

bool Valid(const SecretString& key, const std::optional<std::string>& cookie_value,
           std::string_view form_value) {
  if (!cookie_value || !WellFormedCookie(*cookie_value)) return false;
  return ConstantTimeEquals(FormToken(key, *cookie_value), form_value);
}

}  // namespace sesam::web::csrf
