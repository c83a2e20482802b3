// `sesam config-test [--config PATH]`: loads the file like every part of Sesam
// does and reports every problem, as `nginx -t` does. Exit 0 when it loads.
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
