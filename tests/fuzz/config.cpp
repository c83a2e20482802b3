// SPDX-License-Identifier: Apache-2.0
// The configuration file (administrator input): any bytes through the loader,
// then the checks the processes run on a loaded Config. Secret files are not
// opened (FileChecks::kNo): the fuzzer must not read the host's files.
#include <cstddef>
#include <cstdint>

#include "sesam/config.h"
#include "temp_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = sesam::fuzz::WriteTempFile(data, size);
  const sesam::config::LoadReport report =
      sesam::config::LoadFile(path, sesam::config::FileChecks::kNo);
  for (const auto& diagnostic : report.diagnostics) (void)diagnostic.ToString();
  (void)report.ToStatus();
  if (report.ok()) {
    (void)sesam::config::Validate(report.config);
    for (const auto& diagnostic : sesam::config::CheckTransport(report.config)) {
      (void)diagnostic.ToString();
    }
  }
  return 0;
}
