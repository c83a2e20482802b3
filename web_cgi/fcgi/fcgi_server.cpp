// SPDX-License-Identifier: Apache-2.0
#include "fcgi_server.h"

#include <fcgiapp.h>
#include <string.h>  // explicit_bzero
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

#include "request_params.h"
#include "sesam/log.h"
#include "sesam/secret_string.h"

namespace sesam::web {
namespace {

// Owns an initialised FCGX_Request: whatever path leaves the loop body, the
// request is finished (its reply flushed and the connection released).
//
// libfcgi closes a connection "gracefully": shutdown(SHUT_WR), then it waits
// (up to 2 s) for the web server to close its end, so that unread input cannot
// turn the close into a reset that loses the reply. That wait held a thread
// for one more scheduling round trip per request, a tenth of the CPU time of
// a request under load. The rest of the request's input (at least the end of
// FCGI_STDIN the web server always sends) is read here instead, so nothing
// unread remains, and the connection is closed at once (FCGX_Detach is how
// libfcgi spells "no graceful shutdown").
class AcceptedRequest {
 public:
  explicit AcceptedRequest(FCGX_Request& request) : request_(request) {}
  ~AcceptedRequest() {
    // A body too large to be read may still hold a password: wiped after use.
    char rest[1024];
    while (FCGX_GetStr(rest, sizeof rest, request_.in) > 0) {
    }
    explicit_bzero(rest, sizeof rest);
    if (!FCGX_GetError(request_.in)) FCGX_Detach(&request_);
    FCGX_Finish_r(&request_);
  }
  AcceptedRequest(const AcceptedRequest&) = delete;
  AcceptedRequest& operator=(const AcceptedRequest&) = delete;

 private:
  FCGX_Request& request_;
};

// Fills `request`, which the caller owns and wipes (its body is a secret).
void ReadRequest(FCGX_Request& fcgx, Request& request) {
  const std::size_t length = RequestFromParams(fcgx.envp, request);
  if (length == 0) return;
  // Sized once before the read (a shrink keeps the buffer), so the body
  // is never reallocated and left behind in freed memory; Serve wipes it.
  request.body.resize(length);
  const int got = FCGX_GetStr(request.body.data(), static_cast<int>(length), fcgx.in);
  request.body.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
}

void WriteResponse(FCGX_Request& fcgx, const Request& request, const Response& response) {
  std::string head = "Status: " + std::to_string(response.status) + " " +
                     std::string(ReasonPhrase(response.status)) + "\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
  FCGX_PutStr(head.data(), static_cast<int>(head.size()), fcgx.out);
  if (request.method != "HEAD" && !response.body.empty()) {
    FCGX_PutStr(response.body.data(), static_cast<int>(response.body.size()), fcgx.out);
  }
}

}  // namespace

Status FcgiServer::Open(const std::string& listen) {
  if (FCGX_Init() != 0) return InternalError("FCGX_Init failed");
  if (listen.empty()) {
    socket_ = 0;  // FCGI_LISTENSOCK_FILENO
    return Status::Ok();
  }
  std::string path = listen;
  if (path.rfind("unix:", 0) == 0) path = path.substr(5);
  socket_ = FCGX_OpenSocket(path.c_str(), 128);
  if (socket_ < 0) return UnavailableError("cannot listen on " + listen);
  if (listen.rfind("unix:", 0) == 0) {
    // The web server's group connects; nobody else.
    ::chmod(path.c_str(), 0660);
  }
  return Status::Ok();
}

void FcgiServer::Run(App& app, unsigned threads) {
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back([this, &app] { Serve(app); });
  for (auto& thread : pool) thread.join();
}

void FcgiServer::RequestStop() {
  stopping_ = true;
  FCGX_ShutdownPending();
  // Wakes every thread blocked in accept(); requests being served go on.
  ::shutdown(socket_, SHUT_RDWR);
}

void FcgiServer::Serve(App& app) {
  // Every thread waits in FCGX_Accept_r at once, without the mutex around it
  // of libfcgi's threaded example ("some platforms require accept()
  // serialization"): Linux does not, FCGX_Accept_r keeps its state in the
  // thread's own request, and the kernel hands each connection to one
  // waiting thread. The mutex also held the reading of the request's
  // parameters, so one thread at a time did that, and every request handed
  // the lock to the next thread through a futex: measured (GET otp, 8
  // threads, 64 connections) 2.5 futex calls and two context switches per
  // request, a quarter of sesam-fcgi's CPU time in the scheduler.
  FCGX_Request fcgx;
  FCGX_InitRequest(&fcgx, socket_, 0);
  while (!stopping_) {
    if (FCGX_Accept_r(&fcgx) < 0) break;
    AcceptedRequest guard(fcgx);
    try {
      // The body carries the new password: wiped on every path out, also
      // when reading or Handle throws. Filled in place, never moved (a move
      // of a short std::string copies its bytes). libfcgi's own stream
      // buffer is out of reach: docs/sesam.conf.5.md, "Secrets in memory".
      Request request;
      const ScopedWipe wipe_body(request.body);
      ReadRequest(fcgx, request);
      WriteResponse(fcgx, request, app.Handle(request));
    } catch (const std::exception& error) {
      log::Error(std::string("request failed: ") + error.what());
    }
  }
  FCGX_Free(&fcgx, 1);
}

}  // namespace sesam::web
