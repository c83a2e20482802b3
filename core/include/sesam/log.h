// SPDX-License-Identifier: Apache-2.0
// Logging for the admin: syslog (facility authpriv, ident "sesam") for the
// daemons and the PAM module, stderr for the command line and tests.
//
// Never pass a password, a token or a link: log only what an admin may read.
// Thread-safe. Init is optional; before it, messages go to stderr.
#pragma once

#include <string_view>

namespace sesam::log {

enum class Level { kError, kWarning, kInfo, kDebug };

enum class Sink {
  kStderr,
  kSyslog,
  kSyslogAndStderr,
};

// The PAM module must not call openlog (it would change the host process's
// syslog identity): it logs through pam_syslog instead and does not use this.
void Init(std::string_view ident, Sink sink, Level minimum = Level::kInfo);

void Write(Level level, std::string_view message);

inline void Error(std::string_view message) { Write(Level::kError, message); }
inline void Warning(std::string_view message) { Write(Level::kWarning, message); }
inline void Info(std::string_view message) { Write(Level::kInfo, message); }
inline void Debug(std::string_view message) { Write(Level::kDebug, message); }

}  // namespace sesam::log
