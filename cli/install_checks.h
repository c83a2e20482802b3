// SPDX-License-Identifier: Apache-2.0
// What `sesam config-test` checks beyond loading the file, for a file that
// loads: problems of the installation rather than of the syntax.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sesam/config.h"

namespace sesam::cli {

// sesam-fcgi.service's User= and Group= as systemd reads them (the unit file,
// then its drop-ins; $SYSTEMD_UNIT_PATH replaces the search path); nothing
// when the unit is not installed. `group` "" = the user's primary group.
struct ServiceIdentity {
  std::string user;
  std::string group;
};
std::optional<ServiceIdentity> FindServiceIdentity();

// The files of `config` that sesam-fcgi reads (secrets, CA files,
// blocklists), opened by a child process that became the unit's user.
struct ServiceUserFiles {
  enum class Outcome {
    kChecked,       // `problems` holds an error per unreadable file
    kNotRoot,       // only root can take another user's view
    kNoUnit,        // sesam-fcgi.service is not installed (or has no User=)
    kUnknownUser,   // its User= does not exist (a warning in `problems`)
    kCouldNotCheck  // the child could not become the user (a warning in `problems`)
  };
  Outcome outcome = Outcome::kNoUnit;
  std::string user;                // the unit's User=, when found
  std::vector<std::string> files;  // the keys of the files checked
  std::vector<config::Diagnostic> problems;
};
ServiceUserFiles CheckFilesAsServiceUser(const config::Config& config);

// Appends to `report` (whose config loaded) a warning per example value left
// from the shipped file, and, run as root on the portal host, an error per
// file the configuration names that the user of sesam-fcgi.service cannot
// read (the portal would answer 502). Without that unit (a workstation with
// libpam-sesam only) or when not root, the second check is skipped.
void AddInstallChecks(config::LoadReport& report);

}  // namespace sesam::cli
