// SPDX-License-Identifier: Apache-2.0
// sesam_fault_proxy UPSTREAM_PORT CONTROL: FaultProxy as a program, for tests
// in other languages (tests/integration/web/test_ldap_faults.py). Prints
// "port N" once listening, then reads one command a line from stdin and
// answers one line on stdout:
//   arm pause|kill before|after password|round|lookup  -> "armed"
//   fired                                               -> "yes" or "no"
//   recover   (resume or restart slapd, wait for it)    -> "recovered"
// End of input stops it (the server is recovered first). The server never
// comes back by itself here: the test says when (Recovery::kByTest).
#include <iostream>
#include <sstream>
#include <string>

#include "fault_proxy.h"

using sesam::testing::FaultProxy;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: sesam_fault_proxy UPSTREAM_PORT CONTROL\n";
    return 2;
  }
  try {
    FaultProxy proxy(std::stoi(argv[1]), argv[2]);
    std::cout << "port " << proxy.port() << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream words(line);
      std::string command, fault, when, target;
      words >> command >> fault >> when >> target;
      if (command == "arm") {
        const auto target_of = [&] {
          if (target == "round") return FaultProxy::Target::kRoundWrite;
          if (target == "lookup") return FaultProxy::Target::kLookup;
          return FaultProxy::Target::kPasswordWrite;
        };
        proxy.Arm(fault == "kill" ? FaultProxy::Fault::kKill : FaultProxy::Fault::kPause,
                  when == "after" ? FaultProxy::When::kAfter : FaultProxy::When::kBefore,
                  FaultProxy::Recovery::kByTest, target_of());
        std::cout << "armed" << std::endl;
      } else if (command == "fired") {
        std::cout << (proxy.fired() ? "yes" : "no") << std::endl;
      } else if (command == "recover") {
        proxy.Recover();
        std::cout << "recovered" << std::endl;
      } else {
        std::cout << "unknown command" << std::endl;
      }
    }
  } catch (const std::exception& error) {
    std::cerr << "sesam_fault_proxy: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
