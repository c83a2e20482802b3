// SPDX-License-Identifier: Apache-2.0
// `sesam genkey [--output PATH] [--config PATH]`: writes a new key for signing
// one-time links (32 bytes from getrandom(2), mode 0600) to --output, or else
// to the configuration's [token] key_file. Never overwrites: replacing a key in
// use would void every link already mailed, so that stays a deliberate `rm`.
#include <cstdio>

#include "options.h"
#include "sesam/config.h"
#include "sesam/token.h"

namespace sesam::cli {

int RunGenkey(Args args) {
  const ParsedOptions options = ParseOptions(args, {{"output", true}, {"config", true}});
  if (!options.error.empty()) return UsageError("genkey", options.error);
  if (!options.positional.empty()) return UsageError("genkey", "unexpected argument");

  std::string path;
  if (const auto output = options.Value("output")) {
    if (output->empty()) return UsageError("genkey", "--output needs a path");
    path = *output;
  } else {
    const std::string config_path =
        options.Value("config").value_or(std::string(config::DefaultPath()));
    // The key file may not exist yet, so its checks are skipped here.
    const auto config = config::Load(config_path, config::FileChecks::kNo);
    if (!config.ok()) {
      std::fprintf(stderr, "sesam genkey: %s\n", config.status().message().c_str());
      return kExitUsage;
    }
    path = config->token.key_file;
    if (path.empty()) {
      std::fprintf(stderr, "sesam genkey: [token] key_file is empty in %s; use --output\n",
                   config_path.c_str());
      return kExitUsage;
    }
  }

  const Status status = token::GenerateKeyFile(path);
  if (!status.ok()) {
    std::fprintf(stderr, "sesam genkey: %s\n", status.message().c_str());
    if (status.code() == StatusCode::kAlreadyExists) {
      std::fprintf(stderr,
                   "sesam genkey: refusing to overwrite; every link mailed with the old "
                   "key stops working if you remove it\n");
    }
    return kExitRefused;
  }
  std::printf("sesam genkey: wrote %zu random bytes to %s (mode 0600)\n", token::kMinKeySize,
              path.c_str());
  return kExitOk;
}

}  // namespace sesam::cli
