// SPDX-License-Identifier: Apache-2.0
// `sesam`: the administrator's command line over the same library code the PAM
// module and the web endpoint run.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "options.h"
#include "verbs.h"

namespace sesam::cli {
namespace {

constexpr Verb kVerbs[] = {
    {"config-test", "config-test [--config PATH]",
     "check the configuration file and report every problem", RunConfigTest},
    {"doctor", "doctor [--config PATH] [--user NAME]",
     "check the installation online: files, state store, directory, account, mail server",
     RunDoctor},
    {"check", "check [--user NAME] [--names LIST] [--config PATH] [--json] [--batch]",
     "check a password from stdin against the policy", RunCheck},
    {"lookup", "lookup USER [--json] [--config PATH]",
     "show the account and every address a reset would mail", RunLookup},
    {"set-password", "set-password USER [--config PATH] [--datadir DIR]",
     "check a new password (stdin) against the policy and write it", RunSetPassword},
    {"send-reset", "send-reset [--config PATH] [--lang LANG] [--datadir DIR] USER",
     "mail a reset link to every known address of USER (helpdesk; ignores account_limit)",
     RunSendReset},
    {"limits", "limits USER [--clear] [--config PATH]",
     "show (or clear) USER's reset rounds and its addresses' message counts", RunLimits},
    {"genkey", "genkey [--output PATH] [--config PATH]",
     "write a new one-time link key (default: [token] key_file)", RunGenkey},
};

void PrintHelp() {
  std::printf(
      "Usage: sesam VERB [OPTIONS]\n"
      "       sesam --version | --help\n\n"
      "Sesam: self-service password reset and one password policy for school directories.\n\n"
      "Verbs:\n");
  for (const Verb& verb : kVerbs) {
    std::printf("  sesam %.*s\n      %.*s\n", static_cast<int>(verb.usage.size()),
                verb.usage.data(), static_cast<int>(verb.summary.size()), verb.summary.data());
  }
  std::printf(
      "\nThe configuration file is %s unless --config names another.\n"
      "Exit status: 0 success, 1 refused or failed, 2 usage or configuration error.\n",
      SESAM_DEFAULT_CONFIG);
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    PrintHelp();
    return kExitUsage;
  }
  const std::string_view first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    PrintHelp();
    return kExitOk;
  }
  if (first == "--version") {
    std::printf("sesam %s\n", SESAM_VERSION);
    return kExitOk;
  }
  for (const Verb& verb : kVerbs) {
    if (verb.name == first) {
      return verb.run(Args(argv + 2, static_cast<std::size_t>(argc - 2)));
    }
  }
  std::fprintf(stderr, "sesam: unknown verb '%s'\nTry 'sesam --help'.\n", argv[1]);
  return kExitUsage;
}

}  // namespace
}  // namespace sesam::cli

int main(int argc, char** argv) {
  try {
    return sesam::cli::Main(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("sesam: out of memory\n", stderr);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sesam: internal error: %s\n", error.what());
  }
  return sesam::cli::kExitUsage;
}
