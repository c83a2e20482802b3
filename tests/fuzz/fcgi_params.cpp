// SPDX-License-Identifier: Apache-2.0
// The CGI parameters of a FastCGI request, as nginx passes them, turned into
// a Request (web_cgi/fcgi/request_params.cpp), then the visitor-controlled
// headers read the way App reads them: the client address behind trusted
// proxies (X-Forwarded-For, Forwarded), the client key, the language, a
// return URL, the query string and the cookie.
//
// Input: "NAME=VALUE" entries separated by NUL bytes, as in a CGI environment.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "client_ip.h"
#include "negotiation.h"
#include "request_params.h"
#include "sesam/web/http.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Each entry in its own allocation, so that ASan sees a read past its end.
  std::vector<std::string> entries;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    const auto end = rest.find('\0');
    entries.emplace_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  std::vector<char*> envp;
  for (std::string& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);

  sesam::web::Request request;
  const std::size_t body = sesam::web::RequestFromParams(envp.data(), request);
  if (body > sesam::web::kMaxBodyBytes || (body > 0 && request.method != "POST")) std::abort();

  static const sesam::web::ProxyList proxies({"127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"});
  const sesam::web::ClientAddress client =
      sesam::web::ClientIp(proxies, request.remote_addr, request.forwarded_for, request.forwarded);
  (void)sesam::web::ClientKeyOf(client.address);
  static const std::vector<std::string> languages = {"nl", "fr", "en"};
  const auto query = sesam::web::ParseForm(request.query, {"lang", "return", "token"},
                                           sesam::web::UnknownFields::kIgnore);
  std::string lang;
  std::string return_url;
  if (query.ok()) {
    if (const auto it = query->find("lang"); it != query->end()) lang = it->second;
    if (const auto it = query->find("return"); it != query->end()) return_url = it->second;
  }
  const std::string chosen =
      sesam::web::ChooseLanguage(lang, request.accept_language, languages, "nl");
  if (chosen != "nl" && chosen != "fr" && chosen != "en") std::abort();
  (void)sesam::web::AllowedReturnUrl(return_url,
                                     {"https://school.example/", "https://intra.example"});
  (void)sesam::web::CookieValue(request.cookie, "sesam_csrf");
  return 0;
}
