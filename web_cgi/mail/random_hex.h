// Random identifiers for Message-ID and MIME boundaries.
#pragma once

#include <cstddef>
#include <string>

#include "sesam/status.h"

namespace sesam::web::internal {

// `bytes` bytes from the kernel's CSPRNG (getrandom), as lower-case hex.
// Internal when the kernel refuses, which does not happen after boot.
Result<std::string> RandomHex(std::size_t bytes);

}  // namespace sesam::web::internal
