// SPDX-License-Identifier: Apache-2.0
#include "session.h"

#include <sys/time.h>

#include <algorithm>
#include <cctype>

#include "connect.h"
#include "options.h"
#include "sesam/log.h"

namespace sesam::ldap::internal {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// Client-side failures (negative codes) and an unavailable server leave the
// connection unusable.
bool BreaksConnection(int code) { return code < 0 || code == LDAP_UNAVAILABLE; }

}  // namespace

const std::vector<std::string>& Entry::Values(std::string_view attribute) const {
  static const std::vector<std::string> kNone;
  for (const auto& [name, values] : attributes) {
    if (EqualsIgnoreCase(name, attribute)) return values;
  }
  return kNone;
}

std::string Entry::First(std::string_view attribute) const {
  const auto& values = Values(attribute);
  return values.empty() ? std::string() : values.front();
}

Result<std::unique_ptr<Session>> Session::Connect(const config::LdapSection& settings,
                                                  const std::vector<std::size_t>& order) {
  SESAM_ASSIGN_OR_RETURN(Connection connection, ConnectFirst(settings, order));
  std::unique_ptr<Session> session(
      new Session(std::move(connection.ld), connection.uri_index, settings.timeout));
  if (settings.start_tls) {
    const int rc = ldap_start_tls_s(session->ld_.get(), nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
      return session->Fail(rc, "StartTLS to " + settings.uri[connection.uri_index]);
    }
  }
  return session;
}

Result<std::unique_ptr<Session>> Session::Open(const config::LdapSection& settings,
                                               const SecretString& bind_password) {
  return Open(settings, bind_password, AllUris(settings));
}

Result<std::unique_ptr<Session>> Session::Open(const config::LdapSection& settings,
                                               const SecretString& bind_password,
                                               const std::vector<std::size_t>& order) {
  SESAM_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Connect(settings, order));
  const std::string& uri = settings.uri[session->uri_index_];
  int rc = LDAP_SUCCESS;
  const bool external = settings.sasl_mech == "EXTERNAL";
  berval credentials{};
  if (!external) {
    credentials.bv_len = bind_password.size();
    credentials.bv_val = const_cast<char*>(bind_password.c_str());
  }
  // EXTERNAL sends empty credentials, present but zero-length (libldap
  // leaves out a null bv_val, and slapd then answers "in progress"); a
  // server that still asks for another round gets it.
  char nothing[] = "";
  berval empty{0, nothing};
  berval* sent = external ? &empty : &credentials;
  WriteResult bound;
  for (int round = 0; round < 3; ++round) {
    int msgid = 0;
    rc = ldap_sasl_bind(session->ld_.get(), external ? nullptr : settings.bind_dn.c_str(),
                        external ? "EXTERNAL" : LDAP_SASL_SIMPLE, sent, nullptr, nullptr, &msgid);
    if (rc != LDAP_SUCCESS) return session->Fail(rc, "bind to " + uri);
    bound = session->Finish(msgid, "bind to " + uri);
    if (bound.code != LDAP_SASL_BIND_IN_PROGRESS) break;
  }
  if (!bound.status.ok()) return bound.status;
  session->AddReadAhead();
  return session;
}

// libldap reads each message with two read(2) calls (the BER header, then the
// rest), and a search answer is at least two messages: four system calls per
// lookup where one usually holds them all. liblber's read-ahead layer, put
// between the socket and TLS (if any), fills a buffer with what is there;
// libldap asks every layer whether data is ready before it polls, so nothing
// waits on data already read. Added once the connection is quiet (bound, no
// operation outstanding), so no byte can be caught below the new layer.
void Session::AddReadAhead() {
  Sockbuf* socket_buffer = nullptr;
  if (ldap_get_option(ld_.get(), LDAP_OPT_SOCKBUF, &socket_buffer) != LDAP_OPT_SUCCESS ||
      socket_buffer == nullptr) {
    return;  // an optimisation only: the session works without it
  }
  ber_sockbuf_add_io(socket_buffer, &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_PROVIDER, nullptr);
}

Status Session::Fail(int code, std::string_view operation) {
  if (BreaksConnection(code)) broken_ = true;
  return MapResult(code, operation, DiagnosticMessage(ld_.get()));
}

WriteResult Session::Finish(int msgid, std::string_view operation, MessagePtr* keep) {
  timeval limit = ToTimeval(timeout_);
  LDAPMessage* raw = nullptr;
  const int got = ldap_result(ld_.get(), msgid, LDAP_MSG_ALL, &limit, &raw);
  MessagePtr message(raw);
  if (got == 0) {
    ldap_abandon_ext(ld_.get(), msgid, nullptr, nullptr);
    broken_ = true;
    return {DeadlineExceededError("LDAP " + std::string(operation) + ": no answer within " +
                                  std::to_string(timeout_.count()) + " ms"),
            std::nullopt, LDAP_TIMEOUT};
  }
  if (got < 0) {
    int code = LDAP_SERVER_DOWN;
    ldap_get_option(ld_.get(), LDAP_OPT_RESULT_CODE, &code);
    return {Fail(code, operation), std::nullopt, code};
  }
  int code = LDAP_SUCCESS;
  char* diagnostic_raw = nullptr;
  LDAPControl** controls_raw = nullptr;
  const int rc = ldap_parse_result(ld_.get(), message.get(), &code, nullptr, &diagnostic_raw,
                                   nullptr, &controls_raw, 0);
  LdapStringPtr diagnostic(diagnostic_raw);
  ControlsPtr controls(controls_raw);
  if (rc != LDAP_SUCCESS) return {Fail(rc, operation), std::nullopt, rc};
  std::optional<PpolicyResponse> ppolicy;
  if (controls) {
    LDAPControl* control =
        ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, controls.get(), nullptr);
    if (control != nullptr && control->ldctl_value.bv_val != nullptr) {
      ppolicy = DecodePpolicyResponse(
          std::string_view(control->ldctl_value.bv_val, control->ldctl_value.bv_len));
    }
  }
  if (BreaksConnection(code)) broken_ = true;
  if (keep != nullptr) *keep = std::move(message);
  return {MapResult(code, operation, diagnostic ? diagnostic.get() : "", ppolicy), ppolicy, code};
}

Result<std::vector<Entry>> Session::Search(const std::string& base, int scope,
                                           const std::string& filter,
                                           const std::vector<std::string>& attributes,
                                           int size_limit) {
  std::vector<char*> names;
  for (const auto& attribute : attributes) names.push_back(const_cast<char*>(attribute.c_str()));
  names.push_back(nullptr);
  timeval limit = ToTimeval(timeout_);
  int msgid = 0;
  ++requests_;
  const int rc = ldap_search_ext(ld_.get(), base.c_str(), scope, filter.c_str(), names.data(), 0,
                                 nullptr, nullptr, &limit, size_limit, &msgid);
  if (rc != LDAP_SUCCESS) return Fail(rc, "search");
  MessagePtr message;
  WriteResult result = Finish(msgid, "search", &message);
  if (!result.status.ok() && result.code != LDAP_SIZELIMIT_EXCEEDED) return result.status;
  std::vector<Entry> entries;
  LDAP* ld = ld_.get();
  for (LDAPMessage* item = ldap_first_entry(ld, message.get()); item != nullptr;
       item = ldap_next_entry(ld, item)) {
    Entry entry;
    LdapStringPtr dn(ldap_get_dn(ld, item));
    if (dn) entry.dn = dn.get();
    BerElement* ber_raw = nullptr;
    char* name = ldap_first_attribute(ld, item, &ber_raw);
    BerPtr ber(ber_raw);
    for (; name != nullptr; name = ldap_next_attribute(ld, item, ber.get())) {
      LdapStringPtr owned_name(name);
      BervalsPtr values(ldap_get_values_len(ld, item, name));
      std::vector<std::string> list;
      for (berval** value = values.get(); value != nullptr && *value != nullptr; ++value) {
        list.emplace_back((*value)->bv_val, (*value)->bv_len);
      }
      entry.attributes.emplace_back(name, std::move(list));
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

WriteResult Session::Modify(const std::string& dn, const std::vector<Modification>& modifications,
                            const std::string& assertion) {
  std::vector<std::vector<berval>> values(modifications.size());
  std::vector<std::vector<berval*>> value_pointers(modifications.size());
  std::vector<LDAPMod> mods(modifications.size());
  std::vector<LDAPMod*> mod_pointers;
  for (std::size_t i = 0; i < modifications.size(); ++i) {
    const Modification& m = modifications[i];
    for (const auto& value : m.values) {
      values[i].push_back(berval{value.size(), const_cast<char*>(value.data())});
    }
    for (auto& value : values[i]) value_pointers[i].push_back(&value);
    value_pointers[i].push_back(nullptr);
    mods[i].mod_op = m.op | LDAP_MOD_BVALUES;
    mods[i].mod_type = const_cast<char*>(m.attribute.c_str());
    mods[i].mod_bvalues = m.values.empty() ? nullptr : value_pointers[i].data();
    mod_pointers.push_back(&mods[i]);
  }
  mod_pointers.push_back(nullptr);

  LDAPControl ppolicy_request{
      const_cast<char*>(LDAP_CONTROL_PASSWORDPOLICYREQUEST), {0, nullptr}, 0};
  std::vector<LDAPControl*> controls{&ppolicy_request};
  ControlPtr assertion_control;
  if (!assertion.empty()) {
    LDAPControl* raw = nullptr;
    const int rc =
        ldap_create_assertion_control(ld_.get(), const_cast<char*>(assertion.c_str()), 1, &raw);
    assertion_control.reset(raw);
    if (rc != LDAP_SUCCESS) return {Fail(rc, "assertion control"), std::nullopt, rc};
    controls.push_back(assertion_control.get());
  }
  controls.push_back(nullptr);
  int msgid = 0;
  ++requests_;
  const int rc =
      ldap_modify_ext(ld_.get(), dn.c_str(), mod_pointers.data(), controls.data(), nullptr, &msgid);
  if (rc != LDAP_SUCCESS) return {Fail(rc, "modify"), std::nullopt, rc};
  return Finish(msgid, "modify");
}

WriteResult Session::PasswordModify(const std::string& dn, const SecretString& new_password) {
  berval user{dn.size(), const_cast<char*>(dn.data())};
  berval password{new_password.size(), const_cast<char*>(new_password.c_str())};
  LDAPControl ppolicy_request{
      const_cast<char*>(LDAP_CONTROL_PASSWORDPOLICYREQUEST), {0, nullptr}, 0};
  LDAPControl* controls[] = {&ppolicy_request, nullptr};
  int msgid = 0;
  ++requests_;
  const int rc = ldap_passwd(ld_.get(), &user, nullptr, &password, controls, nullptr, &msgid);
  if (rc != LDAP_SUCCESS) return {Fail(rc, "password modify"), std::nullopt, rc};
  return Finish(msgid, "password modify");
}

WriteResult Session::PasswordChange(const std::string& dn, const SecretString& old_password,
                                    const SecretString& new_password) {
  berval user{dn.size(), const_cast<char*>(dn.data())};
  berval old{old_password.size(), const_cast<char*>(old_password.c_str())};
  berval password{new_password.size(), const_cast<char*>(new_password.c_str())};
  LDAPControl ppolicy_request{
      const_cast<char*>(LDAP_CONTROL_PASSWORDPOLICYREQUEST), {0, nullptr}, 0};
  LDAPControl* controls[] = {&ppolicy_request, nullptr};
  int msgid = 0;
  ++requests_;
  const int rc = ldap_passwd(ld_.get(), &user, &old, &password, controls, nullptr, &msgid);
  if (rc != LDAP_SUCCESS) return {Fail(rc, "password change"), std::nullopt, rc};
  return Finish(msgid, "password change");
}

WriteResult Session::BindAsAccount(const config::LdapSection& settings, const std::string& dn,
                                   const SecretString& password) {
  Result<std::unique_ptr<Session>> session = Connect(settings, AllUris(settings));
  if (!session.ok()) return {session.status(), std::nullopt, LDAP_SERVER_DOWN};
  berval credentials{password.size(), const_cast<char*>(password.c_str())};
  // Without the request control slapd's ppolicy answers an expired password
  // with a bare invalidCredentials, indistinguishable from a wrong one.
  LDAPControl ppolicy_request{
      const_cast<char*>(LDAP_CONTROL_PASSWORDPOLICYREQUEST), {0, nullptr}, 0};
  LDAPControl* controls[] = {&ppolicy_request, nullptr};
  int msgid = 0;
  const int rc = ldap_sasl_bind((*session)->ld_.get(), dn.c_str(), LDAP_SASL_SIMPLE, &credentials,
                                controls, nullptr, &msgid);
  if (rc != LDAP_SUCCESS) return {(*session)->Fail(rc, "bind as the account"), std::nullopt, rc};
  return (*session)->Finish(msgid, "bind as the account");
}

Status Session::CheckPassword(const config::LdapSection& settings, const std::string& dn,
                              const SecretString& password) {
  SESAM_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Connect(settings, AllUris(settings)));
  berval credentials{password.size(), const_cast<char*>(password.c_str())};
  int msgid = 0;
  const int rc = ldap_sasl_bind(session->ld_.get(), dn.c_str(), LDAP_SASL_SIMPLE, &credentials,
                                nullptr, nullptr, &msgid);
  if (rc != LDAP_SUCCESS) return session->Fail(rc, "bind as the account");
  const WriteResult bound = session->Finish(msgid, "bind as the account");
  // The result code decides, not the Status: a successful bind may carry a
  // ppolicy error such as changeAfterReset, which MapResult reports.
  if (bound.code == LDAP_SUCCESS) return Status::Ok();
  if (bound.code == LDAP_INVALID_CREDENTIALS && !(bound.ppolicy && bound.ppolicy->error)) {
    return Status(StatusCode::kPermissionDenied, bound.status.message(), "invalid_credentials");
  }
  if (bound.status.ok()) return UnavailableError("bind as the account: unexpected answer");
  return bound.status;
}

bool Session::tls() const { return ldap_tls_inplace(ld_.get()) != 0; }

Pool::Pool(config::LdapSection settings, SecretString bind_password)
    : settings_(std::move(settings)), bind_password_(std::move(bind_password)) {}

Pool::~Pool() {
  std::thread prober;
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    prober = std::move(prober_);
  }
  probe_wake_.NotifyAll();
  if (prober.joinable()) prober.join();
}

std::vector<std::size_t> Pool::OpenOrder() const {
  std::vector<std::size_t> order;
  for (std::size_t i = preferred_; i < settings_.uri.size(); ++i) order.push_back(i);
  for (std::size_t i = 0; i < preferred_ && i < settings_.uri.size(); ++i) order.push_back(i);
  return order;
}

void Pool::Prefer(std::size_t reached) {
  if (reached == preferred_) return;
  if (reached > preferred_) {
    log::Warning("LDAP: " + settings_.uri[preferred_] + " did not answer; new connections go to " +
                 settings_.uri[reached] + ", and " + settings_.uri[preferred_] +
                 " is tried again every failback_interval");
  }
  preferred_ = reached;
  if (preferred_ == 0) return;
  next_probe_ = Clock::now() + settings_.failback_interval;
  if (!prober_.joinable()) prober_ = std::thread([this] { Probe(); });
  probe_wake_.NotifyAll();
}

Result<std::unique_ptr<Session>> Pool::Acquire(bool& reused) {
  const auto start = Clock::now();
  const auto deadline = start + settings_.timeout + settings_.network_timeout;
  // A backoff is waited out only if it ends within `timeout`, so that the
  // open after it still fits the usual bound of a request.
  const auto backoff_deadline = start + settings_.timeout;
  MutexLock lock(mutex_);
  const std::uint64_t seen = attempts_;
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<Session> session = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return session;
    }
    // An open failed while this call waited: its outcome is this call's too,
    // so a dead server sees one connect per backoff, not one per waiter.
    if (attempts_ != seen && !last_open_.ok()) return last_open_;
    const auto now = Clock::now();
    if (open_ >= settings_.pool_size || trying_) {
      if (now >= deadline) {
        if (trying_) return UnavailableError("the directory did not answer a reconnect in time");
        return UnavailableError("all " + std::to_string(settings_.pool_size) +
                                " LDAP connections stayed busy");
      }
      available_.WaitUntil(mutex_, deadline);
      continue;
    }
    if (now < retry_after_) {
      if (retry_after_ > backoff_deadline) {
        return UnavailableError(
            "the directory was unreachable moments ago; retrying after a pause");
      }
      available_.WaitUntil(mutex_, retry_after_);
      continue;
    }
    break;
  }
  // After a failure this open ends the backoff: the only one until it is done.
  const bool trial = backoff_.count() != 0;
  if (trial) trying_ = true;
  const std::uint64_t before = attempts_;
  const std::vector<std::size_t> order = OpenOrder();
  ++open_;
  lock.Unlock();
  Result<std::unique_ptr<Session>> opened = Session::Open(settings_, bind_password_, order);
  lock.Lock();
  if (trial) trying_ = false;
  ++attempts_;
  last_open_ = opened.ok() ? Status::Ok() : opened.status();
  available_.NotifyAll();
  if (!opened.ok()) {
    --open_;
    // Several opens that failed together (a pool filling up when the server
    // died) count as one failure.
    if (attempts_ == before + 1) {
      backoff_ = std::min<std::chrono::milliseconds>(
          backoff_.count() == 0 ? std::chrono::milliseconds(100) : backoff_ * 2,
          std::chrono::seconds(5));
    }
    retry_after_ = Clock::now() + backoff_;
    log::Warning("LDAP: cannot open a connection: " + opened.status().message());
    return opened.status();
  }
  backoff_ = std::chrono::milliseconds(0);
  retry_after_ = {};
  Prefer((*opened)->uri_index());
  reused = false;
  return opened;
}

void Pool::Release(std::unique_ptr<Session> session) {
  std::vector<std::unique_ptr<Session>> dropped;
  {
    MutexLock lock(mutex_);
    if (session->broken()) {
      // The server went away or stalled: the idle sessions to it are stale too.
      dropped.swap(idle_);
      open_ -= static_cast<unsigned>(dropped.size()) + 1;
      dropped.push_back(std::move(session));
    } else if (session->uri_index() > preferred_) {
      // An earlier URI answers again (failback): this one retires.
      --open_;
      dropped.push_back(std::move(session));
    } else {
      idle_.push_back(std::move(session));
    }
  }
  // A session idle or a slot free; waiters for either wait on one CondVar.
  available_.NotifyAll();
  // `dropped` unbinds here, outside the lock.
}

void Pool::Probe() {
  for (;;) {
    std::vector<std::size_t> earlier;
    {
      MutexLock lock(mutex_);
      for (;;) {
        if (stopping_) return;
        if (preferred_ == 0) {
          probe_wake_.Wait(mutex_);
        } else if (Clock::now() < next_probe_) {
          probe_wake_.WaitUntil(mutex_, next_probe_);
        } else {
          break;
        }
      }
      for (std::size_t i = 0; i < preferred_; ++i) earlier.push_back(i);
      // The next probe is an interval after this one, whatever it finds.
      next_probe_ = Clock::now() + settings_.failback_interval;
    }
    // A whole Session (connect, StartTLS, bind), as a request would need it,
    // opened on this thread so that no request waits on a dead server.
    Result<std::unique_ptr<Session>> opened = Session::Open(settings_, bind_password_, earlier);
    std::vector<std::unique_ptr<Session>> retired;
    {
      MutexLock lock(mutex_);
      if (!opened.ok() || stopping_ || (*opened)->uri_index() >= preferred_) continue;
      const std::size_t back = (*opened)->uri_index();
      log::Warning("LDAP: " + settings_.uri[back] +
                   " answers again: new connections go to it, and " + "those to " +
                   settings_.uri[preferred_] + " close as they are released");
      preferred_ = back;
      for (auto it = idle_.begin(); it != idle_.end();) {
        if ((*it)->uri_index() > preferred_) {
          retired.push_back(std::move(*it));
          it = idle_.erase(it);
        } else {
          ++it;
        }
      }
      open_ -= static_cast<unsigned>(retired.size());
      if (open_ < settings_.pool_size) {
        idle_.push_back(std::move(*opened));
        ++open_;
      }
      backoff_ = std::chrono::milliseconds(0);
      retry_after_ = {};
    }
    available_.NotifyAll();
    // `retired` and an unused probe session unbind here, outside the lock.
  }
}

Status Pool::Run(const std::function<Status(Session&)>& work) {
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    Result<std::unique_ptr<Session>> session = Acquire(reused);
    if (!session.ok()) return session.status();
    const unsigned before = (*session)->requests();
    Status status = work(**session);
    const bool retry = attempt == 0 && reused && (*session)->broken() &&
                       (*session)->requests() - before <= 1 &&
                       status.code() == StatusCode::kUnavailable;
    Release(std::move(*session));
    if (!retry) return status;
  }
}

Status Pool::RunFresh(const std::function<Status(Session&)>& work) {
  std::vector<std::size_t> order;
  {
    MutexLock lock(mutex_);
    order = OpenOrder();
  }
  SESAM_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                         Session::Open(settings_, bind_password_, order));
  return work(*session);
}

}  // namespace sesam::ldap::internal
