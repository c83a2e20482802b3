// SPDX-License-Identifier: Apache-2.0
// Form bodies, query strings and Cookie headers, straight from the visitor.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sesam/utf8.h"
#include "sesam/web/http.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const int mode = input.ConsumeIntegralInRange(0, 2);
  const std::string text = input.ConsumeRemainingBytesAsString();
  static const std::vector<std::string_view> allowed = {"username", "password", "password2", "csrf",
                                                        "token",    "lang",     "return",    "otp"};
  if (mode == 0) {
    (void)sesam::web::ParseForm(text, allowed, sesam::web::UnknownFields::kReject);
    (void)sesam::web::ParseForm(text, allowed, sesam::web::UnknownFields::kIgnore);
  } else if (mode == 1) {
    (void)sesam::web::CookieValue(text, "sesam_csrf");
    (void)sesam::web::CookieValue(text, "");
  } else if (sesam::utf8::IsValid(text)) {
    // UrlEncode and ParseForm agree: any UTF-8 value comes back unchanged.
    const auto fields = sesam::web::ParseForm("token=" + sesam::web::UrlEncode(text), allowed,
                                              sesam::web::UnknownFields::kReject);
    if (!fields.ok() || fields->size() != 1 || fields->begin()->second != text) std::abort();
  }
  return 0;
}
