// SPDX-License-Identifier: Apache-2.0
// sesam-fcgi's CGI parameters -> Request (web_cgi/fcgi/request_params.cpp),
// the step the fcgi_params fuzzer drives.
#include "request_params.h"

#include <string>
#include <vector>

// Last: CppUTest redefines operator new for the code that follows.
#include <CppUTest/TestHarness.h>

using sesam::web::Request;
using sesam::web::RequestFromParams;

namespace {

// A null-terminated envp over `entries`, which must outlive it.
std::vector<char*> Envp(std::vector<std::string>& entries) {
  std::vector<char*> envp;
  for (std::string& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  return envp;
}

}  // namespace

TEST_GROUP(RequestFromParams){};

TEST(RequestFromParams, FillsEveryField) {
  std::vector<std::string> entries = {
      "REQUEST_METHOD=POST",     "REQUEST_URI=/sesam/forgot?lang=fr",
      "QUERY_STRING=lang=fr",    "CONTENT_TYPE=application/x-www-form-urlencoded",
      "CONTENT_LENGTH=42",       "HTTP_COOKIE=sesam_csrf=abc",
      "HTTP_ACCEPT_LANGUAGE=nl", "HTTP_X_FORWARDED_FOR=192.0.2.7",
      "HTTP_FORWARDED=for=x",    "REMOTE_ADDR=10.0.0.1"};
  Request request;
  CHECK_EQUAL(42u, RequestFromParams(Envp(entries).data(), request));
  STRCMP_EQUAL("POST", request.method.c_str());
  STRCMP_EQUAL("/sesam/forgot", request.path.c_str());
  STRCMP_EQUAL("lang=fr", request.query.c_str());
  STRCMP_EQUAL("application/x-www-form-urlencoded", request.content_type.c_str());
  STRCMP_EQUAL("sesam_csrf=abc", request.cookie.c_str());
  STRCMP_EQUAL("nl", request.accept_language.c_str());
  STRCMP_EQUAL("192.0.2.7", request.forwarded_for.c_str());
  STRCMP_EQUAL("for=x", request.forwarded.c_str());
  STRCMP_EQUAL("10.0.0.1", request.remote_addr.c_str());
  CHECK_FALSE(request.body_too_large);
}

TEST(RequestFromParams, PathFromScriptNameWithoutRequestUri) {
  std::vector<std::string> entries = {"REQUEST_METHOD=GET", "SCRIPT_NAME=/sesam",
                                      "PATH_INFO=/change"};
  Request request;
  CHECK_EQUAL(0u, RequestFromParams(Envp(entries).data(), request));
  STRCMP_EQUAL("/sesam/change", request.path.c_str());
}

TEST(RequestFromParams, NameMustMatchWholeAndFirstWins) {
  // "REMOTE_ADDRX" is another parameter; an entry without '=' is no value.
  std::vector<std::string> entries = {"REMOTE_ADDRX=1.1.1.1", "REMOTE_ADDR",
                                      "REMOTE_ADDR=", "REMOTE_ADDR=2.2.2.2"};
  Request request;
  RequestFromParams(Envp(entries).data(), request);
  STRCMP_EQUAL("", request.remote_addr.c_str());
}

TEST(RequestFromParams, BodyOnlyForPostAndWithinTheLimit) {
  std::vector<std::string> get = {"REQUEST_METHOD=GET", "CONTENT_LENGTH=10"};
  Request request;
  CHECK_EQUAL(0u, RequestFromParams(Envp(get).data(), request));
  CHECK_FALSE(request.body_too_large);

  std::vector<std::string> large = {
      "REQUEST_METHOD=POST", "CONTENT_LENGTH=" + std::to_string(sesam::web::kMaxBodyBytes + 1)};
  Request too_large;
  CHECK_EQUAL(0u, RequestFromParams(Envp(large).data(), too_large));
  CHECK_TRUE(too_large.body_too_large);

  std::vector<std::string> junk = {"REQUEST_METHOD=POST", "CONTENT_LENGTH=-1"};
  Request negative;
  // strtoul wraps "-1" to the largest value: too large, never a huge read.
  CHECK_EQUAL(0u, RequestFromParams(Envp(junk).data(), negative));
  CHECK_TRUE(negative.body_too_large);
}

TEST(RequestFromParams, NoParametersAtAll) {
  Request request;
  CHECK_EQUAL(0u, RequestFromParams(nullptr, request));
  STRCMP_EQUAL("", request.method.c_str());
}
