// SPDX-License-Identifier: Apache-2.0
// RAII owners for the libcurl handles of the SMTP transport.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace sesam::web::internal {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
// Owns an easy handle and with it the handle's connection cache: reusing one
// handle for several transfers keeps the SMTP connection open between them.
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

}  // namespace sesam::web::internal
