// SPDX-License-Identifier: Apache-2.0
#include "sesam/log.h"

#include <syslog.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "sesam/mutex.h"

namespace sesam::log {
namespace {

std::atomic<Sink> g_sink{Sink::kStderr};
std::atomic<Level> g_minimum{Level::kInfo};
Mutex g_stderr_mutex;           // one line at a time on stderr
std::string g_ident = "sesam";  // openlog keeps the pointer: it must outlive every call

int SyslogPriority(Level level) {
  switch (level) {
    case Level::kError:
      return LOG_ERR;
    case Level::kWarning:
      return LOG_WARNING;
    case Level::kInfo:
      return LOG_INFO;
    case Level::kDebug:
      return LOG_DEBUG;
  }
  return LOG_INFO;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kError:
      return "error";
    case Level::kWarning:
      return "warning";
    case Level::kInfo:
      return "info";
    case Level::kDebug:
      return "debug";
  }
  return "info";
}

}  // namespace

void Init(std::string_view ident, Sink sink, Level minimum) {
  g_ident.assign(ident);
  g_sink = sink;
  g_minimum = minimum;
  if (sink != Sink::kStderr) openlog(g_ident.c_str(), LOG_PID, LOG_AUTHPRIV);
}

void Write(Level level, std::string_view message) {
  if (static_cast<int>(level) > static_cast<int>(g_minimum.load())) return;
  const Sink sink = g_sink.load();
  // Control characters from user input (a typed username) must not forge log lines.
  std::string clean;
  clean.reserve(message.size());
  for (char ch : message) {
    const auto byte = static_cast<unsigned char>(ch);
    clean.push_back(byte < 0x20 || byte == 0x7F ? '?' : ch);
  }
  if (sink != Sink::kStderr) {
    syslog(LOG_AUTHPRIV | SyslogPriority(level), "%s", clean.c_str());
  }
  if (sink != Sink::kSyslog) {
    const MutexLock lock(g_stderr_mutex);
    std::fprintf(stderr, "%s: %s: %s\n", g_ident.c_str(), LevelName(level), clean.c_str());
  }
}

}  // namespace sesam::log
