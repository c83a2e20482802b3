// SPDX-License-Identifier: Apache-2.0
// sesam_bench_fcgi_floor SOCKET THREADS BODY_BYTES [URI BIND_DN PASSWORD_FILE BASE FILTER]
//
// The floor under any libfcgi responder behind nginx on this machine: a
// FastCGI server built like sesam-fcgi (FCGX_Accept_r on THREADS threads, one
// request per connection) that answers every request with BODY_BYTES of HTML
// and does nothing else. With the LDAP arguments, each request first does
// one bare libldap search (a bound connection per thread): the most a
// responder that needs one lookup per request could reach. bench/web/run.py
// puts it behind the same nginx configuration as sesam-fcgi and measures it
// with the same wrk runs, so sesam-fcgi's own cost shows as the difference.
#include <fcgiapp.h>
#include <ldap.h>
#include <sys/stat.h>

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

struct Search {
  std::string uri, bind_dn, password, base, filter;
};

std::unique_ptr<LDAP, LdapDeleter> Bind(const Search& search) {
  LDAP* raw = nullptr;
  if (ldap_initialize(&raw, search.uri.c_str()) != LDAP_SUCCESS) return nullptr;
  std::unique_ptr<LDAP, LdapDeleter> ld(raw);
  int version = LDAP_VERSION3;
  if (ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS) {
    return nullptr;
  }
  std::string password = search.password;
  berval credentials{static_cast<ber_len_t>(password.size()), password.data()};
  if (ldap_sasl_bind_s(ld.get(), search.bind_dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr,
                       nullptr, nullptr) != LDAP_SUCCESS) {
    return nullptr;
  }
  return ld;
}

void Serve(int socket, const std::string& reply, const Search* search) {
  std::unique_ptr<LDAP, LdapDeleter> ld;
  if (search != nullptr && !(ld = Bind(*search))) {
    std::fprintf(stderr, "fcgi_floor: LDAP bind failed\n");
    std::exit(1);
  }
  char mail[] = "mail";
  char* attributes[] = {mail, nullptr};
  FCGX_Request request;
  FCGX_InitRequest(&request, socket, 0);
  while (FCGX_Accept_r(&request) >= 0) {
    if (ld) {
      LDAPMessage* result = nullptr;
      ldap_search_ext_s(ld.get(), search->base.c_str(), LDAP_SCOPE_SUBTREE, search->filter.c_str(),
                        attributes, 0, nullptr, nullptr, nullptr, 0, &result);
      std::unique_ptr<LDAPMessage, MessageDeleter> owned(result);
    }
    FCGX_PutStr(reply.data(), static_cast<int>(reply.size()), request.out);
    FCGX_Finish_r(&request);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 9) {
    std::fprintf(stderr,
                 "usage: %s SOCKET THREADS BODY_BYTES [URI BIND_DN PASSWORD_FILE BASE FILTER]\n",
                 argv[0]);
    return 2;
  }
  Search search;
  const bool with_search = argc == 9;
  if (with_search) {
    search = {argv[4], argv[5], "", argv[7], argv[8]};
    std::getline(std::ifstream(argv[6]), search.password);
  }
  const std::string body(static_cast<std::size_t>(std::atol(argv[3])), 'x');
  const std::string reply =
      "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  FCGX_Init();
  const int socket = FCGX_OpenSocket(argv[1], 128);
  if (socket < 0) {
    std::fprintf(stderr, "fcgi_floor: cannot listen on %s\n", argv[1]);
    return 1;
  }
  ::chmod(argv[1], 0660);
  std::vector<std::thread> pool;
  for (int i = 0; i < std::atoi(argv[2]); ++i) {
    pool.emplace_back(Serve, socket, std::cref(reply), with_search ? &search : nullptr);
  }
  for (auto& thread : pool) thread.join();
  return 0;
}
