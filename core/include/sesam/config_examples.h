// SPDX-License-Identifier: Apache-2.0
// Example values of the shipped /etc/sesam/sesam.conf (school.be, "Onze
// School", example domains) that an administrator forgot to replace. The file
// loads with them, so the loader cannot tell; `sesam config-test` warns.
#pragma once

#include <string>
#include <vector>

#include "sesam/config.h"

namespace sesam::config {

// One warning per key in `path` whose value still holds an example value,
// with the file, the line and the key. A file that cannot be read gives none
// (the loader has reported that already).
std::vector<Diagnostic> ExampleValueWarnings(const std::string& path);

}  // namespace sesam::config
