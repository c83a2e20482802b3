// SPDX-License-Identifier: Apache-2.0
// The FastCGI side of sesam-fcgi: a listening socket, N threads each running
// FCGX_Accept_r, and a clean stop. Lifecycle: Open, then Run (blocks) on the
// main thread; RequestStop from any thread (the signal thread) makes every
// worker finish the request it is serving and Run return.
#pragma once

#include <atomic>
#include <string>

#include "sesam/status.h"
#include "sesam/web/app.h"

namespace sesam::web {

class FcgiServer {
 public:
  // `listen`: "unix:/run/sesam/fcgi.sock", "127.0.0.1:9000", or "" for the
  // socket the spawner passed as fd 0 (spawn-fcgi, systemd socket activation).
  Status Open(const std::string& listen);
  // Serves with `threads` threads until RequestStop.
  void Run(App& app, unsigned threads);
  // Async-signal-unsafe parts are avoided by calling this from a normal thread.
  void RequestStop();

 private:
  void Serve(App& app);

  int socket_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace sesam::web
