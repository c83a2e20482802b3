// SPDX-License-Identifier: Apache-2.0
// FindAccount calls per second through the pooled Directory against bare
// libldap searches (one bound connection per thread, the same filter,
// attributes and size limit): the bare rate is the limit the pool can reach.
// Run by bench/ldap/run.sh against the test slapd (SESAM_TEST_LDAP_*).
//
// Usage: [SESAM_BENCH_USERS=a,b,...] sesam_ldap_bench SECONDS THREADS...
// Each rate is the best of three runs of SECONDS, bare and pool alternating.
#include <ldap.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "account_attributes.h"
#include "sesam/config.h"
#include "sesam/ldap/directory.h"

namespace {

using Clock = std::chrono::steady_clock;

// The fixture's users, or SESAM_BENCH_USERS (comma-separated): bench/scale
// passes a sample spread over the whole generated school.
std::vector<std::string> BenchUsers() {
  const char* list = std::getenv("SESAM_BENCH_USERS");
  if (list == nullptr || *list == '\0') {
    return {"jan.selle",  "els.peeters", "noor.jacobs", "lien.devos",
            "tom.zonder", "zoe.dubois",  "pieter.smtp"};
  }
  std::vector<std::string> users;
  std::string rest = list;
  for (std::size_t comma; (comma = rest.find(',')) != std::string::npos; rest.erase(0, comma + 1)) {
    users.push_back(rest.substr(0, comma));
  }
  users.push_back(rest);
  return users;
}

const std::vector<std::string> kUsers = BenchUsers();

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) {
    std::fprintf(stderr, "missing %s: run under with_servers.py --slapd\n", name);
    std::exit(2);
  }
  return value;
}

template <typename Body>
double Rate(unsigned threads, std::chrono::seconds duration, Body body) {
  std::atomic<bool> stop{false};
  std::atomic<long> calls{0};
  std::atomic<long> failures{0};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] { body(t, stop, calls, failures); });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& worker : workers) worker.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failures > 0) std::fprintf(stderr, "warning: %ld failed calls\n", failures.load());
  return static_cast<double>(calls.load()) / seconds;
}

double BareRate(unsigned threads, std::chrono::seconds duration) {
  const std::string uri = Env("SESAM_TEST_LDAP_URI");
  const std::string bind_dn = Env("SESAM_TEST_LDAP_BIND_DN");
  auto secret = sesam::config::ReadSecretFile(Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE"));
  if (!secret.ok()) std::exit(2);
  const std::string password(secret->view());
  const std::string base = Env("SESAM_TEST_LDAP_PEOPLE");
  return Rate(threads, duration, [&](unsigned t, auto& stop, auto& calls, auto& failures) {
    LDAP* ld = nullptr;
    ldap_initialize(&ld, uri.c_str());
    const int version = LDAP_VERSION3;
    if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS) {
      ++failures;
      return;
    }
    berval credentials{password.size(), const_cast<char*>(password.data())};
    if (ldap_sasl_bind_s(ld, bind_dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr,
                         nullptr) != LDAP_SUCCESS) {
      ++failures;
      return;
    }
    std::vector<char*> attributes;
    const std::vector<std::string> names =
        sesam::ldap::internal::AccountAttributes(sesam::config::DefaultConfig().ldap);
    for (const auto& a : names) attributes.push_back(const_cast<char*>(a.c_str()));
    attributes.push_back(nullptr);
    for (std::size_t i = t; !stop; ++i) {
      const std::string filter =
          "(&(objectClass=inetOrgPerson)(uid=" + kUsers[i % kUsers.size()] + "))";
      timeval limit{5, 0};
      LDAPMessage* result = nullptr;
      const int rc = ldap_search_ext_s(ld, base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                                       attributes.data(), 0, nullptr, nullptr, &limit, 2, &result);
      if (rc == LDAP_SUCCESS && ldap_count_entries(ld, result) == 1) {
        ++calls;
      } else {
        ++failures;
      }
      ldap_msgfree(result);
    }
    ldap_unbind_ext_s(ld, nullptr, nullptr);
  });
}

double PoolRate(unsigned threads, std::chrono::seconds duration) {
  sesam::config::LdapSection settings = sesam::config::DefaultConfig().ldap;
  settings.uri = {Env("SESAM_TEST_LDAP_URI")};
  settings.bind_dn = Env("SESAM_TEST_LDAP_BIND_DN");
  settings.bind_password_file = Env("SESAM_TEST_LDAP_BIND_PASSWORD_FILE");
  settings.base = Env("SESAM_TEST_LDAP_PEOPLE");
  settings.pool_size = threads;
  auto directory = sesam::ldap::MakeLdapDirectory(settings);
  if (!directory.ok()) std::exit(2);
  return Rate(threads, duration, [&](unsigned t, auto& stop, auto& calls, auto& failures) {
    for (std::size_t i = t; !stop; ++i) {
      if ((*directory)->FindAccount(kUsers[i % kUsers.size()]).ok()) {
        ++calls;
      } else {
        ++failures;
      }
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SECONDS THREADS...\n", argv[0]);
    return 2;
  }
  const std::chrono::seconds duration(std::atoi(argv[1]));
  std::printf("| threads | bare libldap (calls/s) | Directory pool (calls/s) | pool / bare |\n");
  std::printf("| ---: | ---: | ---: | ---: |\n");
  for (int i = 2; i < argc; ++i) {
    const auto threads = static_cast<unsigned>(std::atoi(argv[i]));
    // Alternate bare and pool runs and keep the best of each: other work on
    // the machine only ever slows a run down.
    double bare = 0;
    double pool = 0;
    for (int repeat = 0; repeat < 3; ++repeat) {
      bare = std::max(bare, BareRate(threads, duration));
      pool = std::max(pool, PoolRate(threads, duration));
    }
    std::printf("| %u | %.0f | %.0f | %.0f%% |\n", threads, bare, pool, 100.0 * pool / bare);
    std::fflush(stdout);
  }
  return 0;
}
