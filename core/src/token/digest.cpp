// SPDX-License-Identifier: Apache-2.0
// SHA-256 and HMAC-SHA256 through OpenSSL 3. The algorithm objects are fetched
// once per process: an implicit fetch on every call costs more than hashing a
// token does.
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>
#include <memory>

#include "sesam/crypto.h"
#include "sesam/log.h"

namespace sesam::crypto {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// A failure here means OpenSSL is broken or out of memory; returning a wrong
// digest or MAC would be worse than stopping.
[[noreturn]] void Fail(const char* what) {
  log::Error(std::string("OpenSSL failure: ") + what);
  std::abort();
}

const EVP_MD* Sha256Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) Fail("EVP_MD_fetch(SHA256)");
  return md;
}

EVP_MAC* HmacMac() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) Fail("EVP_MAC_fetch(HMAC)");
  return mac;
}

}  // namespace

std::string Sha256(std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  std::string digest(kSha256Size, '\0');
  unsigned int size = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(digest.data()), &size) != 1 ||
      size != kSha256Size) {
    Fail("SHA-256");
  }
  return digest;
}

std::string HmacSha256(const SecretString& key, std::string_view message) {
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(HmacMac()));
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  std::string tag(kSha256Size, '\0');
  std::size_t size = 0;
  // EVP_MAC_init refuses a NULL key pointer even for length 0; "" is valid.
  const auto* key_bytes = reinterpret_cast<const unsigned char*>(key.c_str());
  if (!ctx || EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(tag.data()), &size, tag.size()) !=
          1 ||
      size != kSha256Size) {
    Fail("HMAC-SHA256");
  }
  return tag;
}

}  // namespace sesam::crypto
