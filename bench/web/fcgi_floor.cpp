// SPDX-License-Identifier: Apache-2.0
// sesam_bench_fcgi_floor SOCKET THREADS BODY_BYTES [URI BIND_DN PASSWORD_FILE BASE FILTER [POOL]]
//
// The floor under any libfcgi responder behind nginx on this machine: a
// FastCGI server built like sesam-fcgi (FCGX_Accept_r on THREADS threads, one
// request per connection) that answers every request with BODY_BYTES of HTML
// and does nothing else. With the LDAP arguments, each request first does
// one bare libldap search (a bound connection per thread): the most a
// responder that needs one lookup per request could reach. bench/web/run.py
// puts it behind the same nginx configuration as sesam-fcgi and measures it
// with the same wrk runs, so sesam-fcgi's own cost shows as the difference.
//
// With POOL > 0 the THREADS responders share POOL bound connections instead:
// each request sends its search with libldap's asynchronous ldap_search_ext
// and waits for its own answer, while one reader thread per connection
// collects every answer with ldap_result(LDAP_RES_ANY) and hands it to the
// responder whose message id it carries. Many searches are then in flight on
// each connection at once, so the rate no longer depends on one blocked thread
// per round trip (issue 15: is the floor a thread-count artefact?).
#include <fcgiapp.h>
#include <ldap.h>
#include <poll.h>
#include <sys/stat.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
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

// One bound connection shared by many responder threads. Find() and the
// reader both use the LDAP handle at the same time: Debian's libldap (2.5, the
// former libldap_r) is thread-safe for that. A responder registers its message
// id under mutex_ in the same critical section as the send, so the reader,
// which takes mutex_ to deliver, can never see an answer nobody waits for.
class SharedConnection {
 public:
  explicit SharedConnection(std::unique_ptr<LDAP, LdapDeleter> ld) : ld_(std::move(ld)) {
    reader_ = std::thread([this] { Read(); });
    reader_.detach();  // runs until the process is stopped, as the responders do
  }

  // Sends one search and waits for its result; false if the send failed.
  bool Find(const Search& search, char** attributes) {
    Waiter waiter;
    std::unique_lock lock(mutex_);
    int message_id = 0;
    if (ldap_search_ext(ld_.get(), search.base.c_str(), LDAP_SCOPE_SUBTREE, search.filter.c_str(),
                        attributes, 0, nullptr, nullptr, nullptr, 0, &message_id) != LDAP_SUCCESS) {
      return false;
    }
    waiters_[message_id] = &waiter;
    waiter.ready.wait(lock, [&] { return waiter.done; });
    std::unique_ptr<LDAPMessage, MessageDeleter> owned(waiter.result);
    return true;
  }

 private:
  struct Waiter {
    std::condition_variable ready;
    LDAPMessage* result = nullptr;
    bool done = false;
  };

  // Waits on the socket with poll(2), not in ldap_result: a blocking
  // ldap_result holds the handle's response lock while it waits, and the
  // responders' ldap_search_ext then waited for its timeout (measured: 118
  // requests/s, p50 402 ms with a 200 ms timeout). ldap_result with a zero
  // timeout then takes every complete answer, those liblber already buffered
  // included.
  void Read() {
    ber_socket_t fd = -1;
    if (ldap_get_option(ld_.get(), LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS || fd < 0) {
      std::fprintf(stderr, "fcgi_floor: no LDAP socket\n");
      std::exit(1);
    }
    for (;;) {
      pollfd readable{fd, POLLIN, 0};
      if (::poll(&readable, 1, 200) <= 0) continue;
      for (;;) {
        timeval now{0, 0};
        LDAPMessage* result = nullptr;
        const int type = ldap_result(ld_.get(), LDAP_RES_ANY, LDAP_MSG_ALL, &now, &result);
        if (type == 0) break;  // no complete answer yet
        if (type < 0) {
          std::fprintf(stderr, "fcgi_floor: ldap_result failed\n");
          std::exit(1);
        }
        Deliver(result);
      }
    }
  }

  void Deliver(LDAPMessage* result) {
    std::lock_guard lock(mutex_);
    const auto found = waiters_.find(ldap_msgid(result));
    if (found == waiters_.end()) {
      ldap_msgfree(result);
      return;
    }
    found->second->result = result;
    found->second->done = true;
    found->second->ready.notify_one();
    waiters_.erase(found);
  }

  std::unique_ptr<LDAP, LdapDeleter> ld_;
  std::mutex mutex_;
  std::unordered_map<int, Waiter*> waiters_;
  std::thread reader_;
};

void Serve(int socket, const std::string& reply, const Search* search, SharedConnection* shared) {
  std::unique_ptr<LDAP, LdapDeleter> ld;
  if (search != nullptr && shared == nullptr && !(ld = Bind(*search))) {
    std::fprintf(stderr, "fcgi_floor: LDAP bind failed\n");
    std::exit(1);
  }
  char mail[] = "mail";
  char* attributes[] = {mail, nullptr};
  FCGX_Request request;
  FCGX_InitRequest(&request, socket, 0);
  while (FCGX_Accept_r(&request) >= 0) {
    if (shared != nullptr) {
      if (!shared->Find(*search, attributes)) {
        std::fprintf(stderr, "fcgi_floor: ldap_search_ext failed\n");
        std::exit(1);
      }
    } else if (ld) {
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
  if (argc != 4 && argc != 9 && argc != 10) {
    std::fprintf(stderr,
                 "usage: %s SOCKET THREADS BODY_BYTES [URI BIND_DN PASSWORD_FILE BASE FILTER "
                 "[POOL]]\n",
                 argv[0]);
    return 2;
  }
  Search search;
  const bool with_search = argc >= 9;
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
  // POOL > 0: the responders share POOL connections, searches multiplexed.
  std::vector<std::unique_ptr<SharedConnection>> shared;
  for (int i = 0; argc == 10 && i < std::atoi(argv[9]); ++i) {
    auto ld = Bind(search);
    if (!ld) {
      std::fprintf(stderr, "fcgi_floor: LDAP bind failed\n");
      return 1;
    }
    shared.push_back(std::make_unique<SharedConnection>(std::move(ld)));
  }
  std::vector<std::thread> pool;
  for (int i = 0; i < std::atoi(argv[2]); ++i) {
    SharedConnection* connection =
        shared.empty() ? nullptr : shared[static_cast<std::size_t>(i) % shared.size()].get();
    pool.emplace_back(Serve, socket, std::cref(reply), with_search ? &search : nullptr, connection);
  }
  for (auto& thread : pool) thread.join();
  return 0;
}
