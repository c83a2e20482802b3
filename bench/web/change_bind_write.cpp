// SPDX-License-Identifier: Apache-2.0
// sesam_bench_change URI SERVICE_DN PASSWORD_FILE PEOPLE_BASE ACCOUNTS_FILE MODE
//
// The reference for the change page under a class at once (bench/web/run.py
// --parts change): what POST change asks slapd, done by bare libldap clients,
// one thread per account, every round released at the same moment.
//
// ACCOUNTS_FILE holds one line per client, tab-separated: the account's DN,
// its uid, its current password, then one new password per round. Each
// thread keeps one connection bound as the service account (sesam-fcgi's
// pool, warm) and per round does, as ldap_backend does for the page:
//   bindwrite  a simple bind as the account on a new connection (with the
//              ppolicy request control, then unbind: VerifyAccountPassword),
//              then the Password Modify exop with the old and the new
//              password on the service connection (ChangeWithOldPassword);
//   page       the same, after the account search (FindAccount) and before
//              the write the read of its pwdPolicySubentry
//              (CheckUserMayChange): every directory request of one change.
// Prints one line per round, "round R wall_ms W not_changed N latencies_ms
// A,B,...", each latency one client's from its own start to its write's
// answer; a client that failed tries no later round. Failures go to stderr
// and make the exit status 1.
#include <ldap.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct LdapDeleter {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
using LdapPtr = std::unique_ptr<LDAP, LdapDeleter>;
struct MessageDeleter {
  void operator()(LDAPMessage* message) const { ldap_msgfree(message); }
};
using MessagePtr = std::unique_ptr<LDAPMessage, MessageDeleter>;
struct ControlsDeleter {
  void operator()(LDAPControl** controls) const { ldap_controls_free(controls); }
};

struct Client {
  std::string dn, uid;
  std::vector<std::string> passwords;  // [0] current, [r] after round r
  std::vector<Clock::time_point> started, finished;
  std::string error;
  std::size_t failed_in = 0;  // the round of the error; later rounds are not tried
};

berval Bytes(std::string& text) { return {static_cast<ber_len_t>(text.size()), text.data()}; }

// A connection to `uri`, LDAPv3, not yet bound.
LdapPtr Connect(const char* uri) {
  LDAP* raw = nullptr;
  if (ldap_initialize(&raw, uri) != LDAP_SUCCESS) return nullptr;
  LdapPtr ld(raw);
  int version = LDAP_VERSION3;
  if (ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS) {
    return nullptr;
  }
  return ld;
}

char kPpolicyOid[] = LDAP_CONTROL_PASSWORDPOLICYREQUEST;

// A simple bind with the ppolicy request control, as Session::BindAsAccount
// sends it; the answer's controls are read (and dropped) as sesam's are.
int BindAs(LDAP* ld, const std::string& dn, std::string& password) {
  LDAPControl ppolicy{kPpolicyOid, {0, nullptr}, 0};
  LDAPControl* controls[] = {&ppolicy, nullptr};
  berval credentials = Bytes(password);
  int msgid = 0;
  int rc =
      ldap_sasl_bind(ld, dn.c_str(), LDAP_SASL_SIMPLE, &credentials, controls, nullptr, &msgid);
  if (rc != LDAP_SUCCESS) return rc;
  LDAPMessage* raw = nullptr;
  if (ldap_result(ld, msgid, LDAP_MSG_ALL, nullptr, &raw) <= 0) return LDAP_SERVER_DOWN;
  MessagePtr result(raw);
  LDAPControl** answer_controls = nullptr;
  int code = LDAP_OTHER;
  rc = ldap_parse_result(ld, result.get(), &code, nullptr, nullptr, nullptr, &answer_controls, 0);
  std::unique_ptr<LDAPControl*, ControlsDeleter> owned(answer_controls);
  return rc != LDAP_SUCCESS ? rc : code;
}

int Search(LDAP* ld, const std::string& base, int scope, const std::string& filter,
           std::vector<std::string> attributes) {
  std::vector<char*> names;
  for (auto& name : attributes) names.push_back(name.data());
  names.push_back(nullptr);
  LDAPMessage* raw = nullptr;
  const int rc = ldap_search_ext_s(ld, base.c_str(), scope, filter.c_str(), names.data(), 0,
                                   nullptr, nullptr, nullptr, 2, &raw);
  MessagePtr owned(raw);
  if (rc == LDAP_SUCCESS && ldap_count_entries(ld, raw) != 1) return LDAP_NO_SUCH_OBJECT;
  return rc;
}

// One change, as the page's directory side does it. Returns "" or what failed.
std::string Change(const char* uri, LDAP* service, const std::string& people,
                   const std::string& mode, Client& client, std::size_t round) {
  std::string& old_password = client.passwords[round - 1];
  std::string& new_password = client.passwords[round];
  if (mode == "page") {
    const int rc =
        Search(service, people, LDAP_SCOPE_SUBTREE,
               "(&(objectClass=inetOrgPerson)(uid=" + client.uid + "))",
               // internal::AccountAttributes for this directory (without AD's).
               {"uid", "displayName", "cn", "sn", "objectClass", "userPassword", "sesamResetRounds",
                "sesamPasswordClaim", "entryUUID", "pwdChangedTime", "modifyTimestamp",
                "pwdAccountLockedTime", "givenName", "mail", "sesamCoAccountMail"});
    if (rc != LDAP_SUCCESS) return std::string("account search: ") + ldap_err2string(rc);
  }
  {
    LdapPtr user = Connect(uri);
    if (!user) return "cannot connect for the account's bind";
    const int rc = BindAs(user.get(), client.dn, old_password);
    if (rc != LDAP_SUCCESS) return std::string("bind as the account: ") + ldap_err2string(rc);
  }
  if (mode == "page") {
    const int rc =
        Search(service, client.dn, LDAP_SCOPE_BASE, "(objectClass=*)", {"pwdPolicySubentry"});
    if (rc != LDAP_SUCCESS) return std::string("policy read: ") + ldap_err2string(rc);
  }
  berval user = Bytes(client.dn);
  berval old_value = Bytes(old_password);
  berval new_value = Bytes(new_password);
  LDAPControl ppolicy{kPpolicyOid, {0, nullptr}, 0};
  LDAPControl* controls[] = {&ppolicy, nullptr};
  berval generated{0, nullptr};
  const int rc =
      ldap_passwd_s(service, &user, &old_value, &new_value, &generated, controls, nullptr);
  ber_memfree(generated.bv_val);
  if (rc != LDAP_SUCCESS) return std::string("password change: ") + ldap_err2string(rc);
  return "";
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> parts;
  std::istringstream in(line);
  for (std::string part; std::getline(in, part, '\t');) parts.push_back(part);
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr,
                 "usage: %s URI SERVICE_DN PASSWORD_FILE PEOPLE_BASE ACCOUNTS_FILE "
                 "bindwrite|page\n",
                 argv[0]);
    return 2;
  }
  const char* uri = argv[1];
  const std::string service_dn = argv[2], people = argv[4], mode = argv[6];
  if (mode != "bindwrite" && mode != "page") {
    std::fprintf(stderr, "MODE is bindwrite or page\n");
    return 2;
  }
  std::string service_password;
  std::getline(std::ifstream(argv[3]), service_password);
  std::vector<Client> clients;
  std::ifstream accounts(argv[5]);
  for (std::string line; std::getline(accounts, line);) {
    std::vector<std::string> parts = SplitTabs(line);
    if (parts.size() < 4) {
      std::fprintf(stderr, "an accounts line needs a DN, a uid and two passwords\n");
      return 2;
    }
    Client client;
    client.dn = parts[0];
    client.uid = parts[1];
    client.passwords.assign(parts.begin() + 2, parts.end());
    clients.push_back(std::move(client));
  }
  if (clients.empty()) {
    std::fprintf(stderr, "no accounts in %s\n", argv[5]);
    return 2;
  }
  const std::size_t rounds = clients.front().passwords.size() - 1;
  for (auto& client : clients) {
    if (client.passwords.size() != rounds + 1) {
      std::fprintf(stderr, "every account needs as many passwords\n");
      return 2;
    }
    client.started.resize(rounds + 1);
    client.finished.resize(rounds + 1);
  }

  // The workers and this thread meet before each round (the release) and
  // after it (the results are read here).
  const auto parties = static_cast<std::ptrdiff_t>(clients.size() + 1);
  std::barrier release(parties), done(parties);
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&, &self = client] {
      LdapPtr service = Connect(uri);
      std::string password = service_password;
      if (!service || BindAs(service.get(), service_dn, password) != LDAP_SUCCESS) {
        self.error = "cannot bind as the service account";
      }
      for (std::size_t round = 1; round <= rounds; ++round) {
        release.arrive_and_wait();
        self.started[round] = Clock::now();
        if (self.error.empty()) {
          self.error = Change(uri, service.get(), people, mode, self, round);
          if (!self.error.empty()) self.failed_in = round;
        }
        self.finished[round] = Clock::now();
        done.arrive_and_wait();
      }
    });
  }
  int failures = 0;
  for (std::size_t round = 1; round <= rounds; ++round) {
    release.arrive_and_wait();
    done.arrive_and_wait();
    Clock::time_point first = clients.front().started[round];
    Clock::time_point last = clients.front().finished[round];
    std::string latencies;
    int not_changed = 0;
    for (const auto& client : clients) {
      if (!client.error.empty() && client.failed_in <= round) ++not_changed;
      first = std::min(first, client.started[round]);
      last = std::max(last, client.finished[round]);
      const std::chrono::duration<double, std::milli> took =
          client.finished[round] - client.started[round];
      latencies += (latencies.empty() ? "" : ",") + std::to_string(took.count());
    }
    const std::chrono::duration<double, std::milli> wall = last - first;
    std::printf("round %zu wall_ms %.3f not_changed %d latencies_ms %s\n", round, wall.count(),
                not_changed, latencies.c_str());
  }
  for (auto& thread : threads) thread.join();
  for (const auto& client : clients) {
    if (!client.error.empty()) {
      ++failures;
      std::fprintf(stderr, "%s: %s\n", client.dn.c_str(), client.error.c_str());
    }
  }
  return failures == 0 ? 0 : 1;
}
