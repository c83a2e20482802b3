// SPDX-License-Identifier: Apache-2.0
// `sesam config-test [--config PATH]`: loads the file like every part of Sesam
// does and reports every problem, as `nginx -t` does, including the transport
// check that sesam-fcgi and the verbs that write run at start-up (a secret in
// clear to a remote host). Exit 0 when it loads and would start.
#include <cstdio>

#include "install_checks.h"
#include "options.h"
#include "sesam/config.h"

namespace sesam::cli {

int RunConfigTest(Args args) {
  const ParsedOptions options = ParseOptions(args, {{"config", true}});
  if (!options.error.empty()) return UsageError("config-test", options.error);
  if (!options.positional.empty()) return UsageError("config-test", "unexpected argument");
  const std::string path = options.Value("config").value_or(std::string(config::DefaultPath()));

  config::LoadReport report = config::LoadFile(path);
  for (auto& diagnostic : config::CheckTransport(report.config)) {
    report.diagnostics.push_back(std::move(diagnostic));
  }
  AddInstallChecks(report);
  for (const auto& diagnostic : report.diagnostics) {
    std::fprintf(stderr, "%s\n", diagnostic.ToString().c_str());
  }
  if (!report.ok()) {
    std::fprintf(stderr, "sesam: configuration file %s test failed\n", path.c_str());
    return kExitRefused;
  }
  std::printf("sesam: configuration file %s test is successful\n", path.c_str());
  return kExitOk;
}

}  // namespace sesam::cli
