// SPDX-License-Identifier: Apache-2.0
// sesam_bench_ldap URI BIND_DN PASSWORD_FILE BASE FILTER THREADS SECONDS
//
// The ceiling for sesam-fcgi's request rate: bare libldap subtree searches on
// the same slapd, one bound connection per thread, each thread searching in
// a loop. Prints "searches_per_second N". Part of bench/web/run.py.
#include <ldap.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

struct LdapDeleter {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageDeleter {
  void operator()(LDAPMessage* message) const { ldap_msgfree(message); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s URI BIND_DN PASSWORD_FILE BASE FILTER THREADS SECONDS\n",
                 argv[0]);
    return 2;
  }
  std::string password;
  std::getline(std::ifstream(argv[3]), password);
  const int threads = std::atoi(argv[6]);
  const auto duration = std::chrono::seconds(std::atoi(argv[7]));
  std::atomic<long> searches{0};
  std::atomic<bool> failed{false};
  const auto stop_at = std::chrono::steady_clock::now() + duration;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      LDAP* raw = nullptr;
      if (ldap_initialize(&raw, argv[1]) != LDAP_SUCCESS) {
        failed = true;
        return;
      }
      std::unique_ptr<LDAP, LdapDeleter> ld(raw);
      int version = LDAP_VERSION3;
      if (ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS) {
        failed = true;
        return;
      }
      berval credentials{static_cast<ber_len_t>(password.size()), password.data()};
      if (ldap_sasl_bind_s(ld.get(), argv[2], LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr,
                           nullptr) != LDAP_SUCCESS) {
        failed = true;
        return;
      }
      char mail[] = "mail";
      char* attributes[] = {mail, nullptr};
      long done = 0;
      while (std::chrono::steady_clock::now() < stop_at) {
        LDAPMessage* result = nullptr;
        const int rc = ldap_search_ext_s(ld.get(), argv[4], LDAP_SCOPE_SUBTREE, argv[5], attributes,
                                         0, nullptr, nullptr, nullptr, 0, &result);
        std::unique_ptr<LDAPMessage, MessageDeleter> owned(result);
        if (rc != LDAP_SUCCESS) {
          failed = true;
          return;
        }
        ++done;
      }
      searches += done;
    });
  }
  for (auto& thread : pool) thread.join();
  if (failed) {
    std::fprintf(stderr, "a search or bind failed\n");
    return 1;
  }
  std::printf("searches_per_second %.0f\n",
              static_cast<double>(searches) / static_cast<double>(duration.count()));
  return 0;
}
