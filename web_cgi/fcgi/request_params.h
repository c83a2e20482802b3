// SPDX-License-Identifier: Apache-2.0
// The CGI parameters of one FastCGI request turned into a Request: the pure
// part of reading a request, apart from libfcgi so that it can be fuzzed
// (tests/fuzz/fcgi_params.cpp) and tested without a socket.
#pragma once

#include <cstddef>

#include "sesam/web/http.h"

namespace sesam::web {

// Fills every field of `request` but the body from `envp`, a null-terminated
// array of "NAME=VALUE" strings as libfcgi hands them (FCGX_Request::envp).
// Returns how many body bytes the caller is to read: CONTENT_LENGTH of a POST
// when it is at most kMaxBodyBytes, else 0 (and body_too_large is set when it
// is larger).
std::size_t RequestFromParams(char* const* envp, Request& request);

}  // namespace sesam::web
