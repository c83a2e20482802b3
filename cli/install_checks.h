// SPDX-License-Identifier: Apache-2.0
// What `sesam config-test` checks beyond loading the file, for a file that
// loads: problems of the installation rather than of the syntax.
#pragma once

#include "sesam/config.h"

namespace sesam::cli {

// Appends to `report` (whose config loaded) a warning per example value left
// from the shipped file, and, run as root on the portal host, an error per
// file the configuration names that the user of sesam-fcgi.service cannot
// read (the portal would answer 502). Without that unit (a workstation with
// libpam-sesam only) or when not root, the second check is skipped.
void AddInstallChecks(config::LoadReport& report);

}  // namespace sesam::cli
