// SPDX-License-Identifier: Apache-2.0
// One private temporary file per fuzzer process, rewritten with each input,
// for the parsers that only read files (the configuration, blocklists).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sesam::fuzz {

// Replaces the file's content with `data` and returns its path. Aborts when
// the file cannot be written: a fuzz run without its input is meaningless.
const std::string& WriteTempFile(const std::uint8_t* data, std::size_t size);

}  // namespace sesam::fuzz
