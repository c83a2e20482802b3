// SPDX-License-Identifier: Apache-2.0
#include "request_params.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace sesam::web {
namespace {

// The value of `name` in envp, "" when absent: FCGX_GetParam's rule (the
// first "NAME=" wins), without needing libfcgi.
std::string Param(char* const* envp, std::string_view name) {
  if (envp == nullptr) return "";
  for (char* const* entry = envp; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (text.size() > name.size() && text[name.size()] == '=' && text.starts_with(name)) {
      return std::string(text.substr(name.size() + 1));
    }
  }
  return "";
}

}  // namespace

std::size_t RequestFromParams(char* const* envp, Request& request) {
  request.method = Param(envp, "REQUEST_METHOD");
  std::string uri = Param(envp, "REQUEST_URI");
  if (uri.empty()) uri = Param(envp, "SCRIPT_NAME") + Param(envp, "PATH_INFO");
  const auto question = uri.find('?');
  request.path = uri.substr(0, question);
  request.query = Param(envp, "QUERY_STRING");
  request.content_type = Param(envp, "CONTENT_TYPE");
  request.cookie = Param(envp, "HTTP_COOKIE");
  request.accept_language = Param(envp, "HTTP_ACCEPT_LANGUAGE");
  request.forwarded_for = Param(envp, "HTTP_X_FORWARDED_FOR");
  request.forwarded = Param(envp, "HTTP_FORWARDED");
  request.remote_addr = Param(envp, "REMOTE_ADDR");
  if (request.method != "POST") return 0;
  const std::string length_text = Param(envp, "CONTENT_LENGTH");
  const unsigned long length = std::strtoul(length_text.c_str(), nullptr, 10);
  if (length > kMaxBodyBytes) {
    request.body_too_large = true;
    return 0;
  }
  return length;
}

}  // namespace sesam::web
