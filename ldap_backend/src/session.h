// SPDX-License-Identifier: Apache-2.0
// ldap::Session: one bound libldap connection, and the Pool that owns them.
//
// Lifecycle: Pool::Run hands a Session to one thread at a time; the Session
// connects (trying the URIs in order, each on its own handle: connect.h, so
// it knows which one answered), runs StartTLS if configured and binds once,
// then serves many operations. A Session whose connection failed (server
// down, timeout) marks itself broken and the Pool drops it; the next Run
// opens a new one.
//
// Reconnect backoff: after an open failed, the next waits 100 ms, doubling up
// to 5 s, so a dead server is not hammered. A Run inside that window waits
// for its end when the end comes within `timeout`, else fails at once with
// Unavailable. When the window ends, one caller opens; the others that
// waited share its outcome (a failure is theirs too, without a connect of
// their own; they wait for it up to timeout + network_timeout, the bound a
// busy pool already gives a Run), so a directory that comes back is tried
// at once by a waiting request, and one that stays down gets one connect
// per window.
//
// Failover and failback: opening starts at the preferred URI (0 at first).
// When a later URI answers instead, it becomes the preferred one, so new
// connections no longer wait on the dead one, and a background thread tries
// the earlier URIs once per failback_interval (a Session of its own, outside
// every request). When one binds, it becomes the preferred URI: idle
// sessions on later URIs are closed at once, those in use when released.
//
// Timeouts: connecting is bounded by network_timeout per URI
// (LDAP_OPT_NETWORK_TIMEOUT), every request by `timeout` (an explicit limit on
// ldap_result, plus LDAP_OPT_TIMEOUT for libldap's internal synchronous calls
// and the server-side time limit of searches). A request that times out is
// abandoned and its connection dropped.
//
// Threading: Pool is thread-safe; a Session is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "errors.h"
#include "handles.h"
#include "sesam/config.h"
#include "sesam/mutex.h"
#include "sesam/secret_string.h"
#include "sesam/status.h"

namespace sesam::ldap::internal {

struct Entry {
  std::string dn;
  // Attribute names as the server returned them, compared case-insensitively.
  std::vector<std::pair<std::string, std::vector<std::string>>> attributes;

  // Every value of `attribute` (empty when absent).
  const std::vector<std::string>& Values(std::string_view attribute) const;
  std::string First(std::string_view attribute) const;
};

struct Modification {
  int op;  // LDAP_MOD_ADD, LDAP_MOD_DELETE or LDAP_MOD_REPLACE
  std::string attribute;
  std::vector<std::string> values;
};

// What a write returned, beyond its Status.
struct WriteResult {
  Status status;
  std::optional<PpolicyResponse> ppolicy;
  int code = 0;  // the LDAP result code
};

class Session {
 public:
  // Connects (to the URIs in their order) and binds; Unavailable /
  // PermissionDenied / DeadlineExceeded on failure.
  static Result<std::unique_ptr<Session>> Open(const config::LdapSection& settings,
                                               const SecretString& bind_password);
  // Connects to settings.uri[i] for each i of `order` in turn (connect.h).
  static Result<std::unique_ptr<Session>> Open(const config::LdapSection& settings,
                                               const SecretString& bind_password,
                                               const std::vector<std::size_t>& order);

  // Whether `password` opens `dn`: a simple bind as `dn` on a new connection
  // (StartTLS as configured), closed again. OK when the server accepts it (a
  // password policy warning such as "change after reset" does not matter);
  // PermissionDenied "invalid_credentials" when refused without a password
  // policy error; FailedPrecondition "ppolicy.*" when the policy refused the
  // bind (e.g. a locked account: the password cannot be judged); Unavailable
  // / DeadlineExceeded when the server did not answer. The password is never
  // part of a message. A refused bind counts as a failure for the server's
  // lockout policy.
  static Status CheckPassword(const config::LdapSection& settings, const std::string& dn,
                              const SecretString& password);

  // A simple bind as `dn` on a new connection (StartTLS as configured), with
  // the ppolicy request control, closed again: the raw answer for
  // VerifyPassword to judge (password_change.h). The result code and the
  // decoded ppolicy response; the server's diagnostic (AD's "data 532") is in
  // status.message(). A connection that could not be opened -> its Status,
  // code LDAP_SERVER_DOWN. The password is never part of a message.
  static WriteResult BindAsAccount(const config::LdapSection& settings, const std::string& dn,
                                   const SecretString& password);

  // At most `size_limit` entries (0: no limit); more matching entries are
  // not an error (the caller sees size_limit entries and decides).
  Result<std::vector<Entry>> Search(const std::string& base, int scope, const std::string& filter,
                                    const std::vector<std::string>& attributes, int size_limit);

  // A modify, optionally under an RFC 4528 assertion (`assertion` a filter,
  // "" for none) and with the ppolicy request control.
  WriteResult Modify(const std::string& dn, const std::vector<Modification>& modifications,
                     const std::string& assertion);

  // RFC 3062 Password Modify extended operation for `dn`, with the ppolicy
  // request control.
  WriteResult PasswordModify(const std::string& dn, const SecretString& new_password);
  // The same with oldPasswd: a change, which the server checks against the
  // stored password and its history rules.
  WriteResult PasswordChange(const std::string& dn, const SecretString& old_password,
                             const SecretString& new_password);

  bool broken() const { return broken_; }
  // The index in settings.uri of the server this Session reached.
  std::size_t uri_index() const { return uri_index_; }
  bool tls() const;
  // Requests sent on this connection so far (searches, modifies, extended
  // operations; not the bind).
  unsigned requests() const { return requests_; }

 private:
  Session(LdapPtr ld, std::size_t uri_index, std::chrono::milliseconds timeout)
      : ld_(std::move(ld)), uri_index_(uri_index), timeout_(timeout) {}

  // Connects (StartTLS if configured), without binding.
  static Result<std::unique_ptr<Session>> Connect(const config::LdapSection& settings,
                                                  const std::vector<std::size_t>& order);

  // Waits for the result of `msgid`; its controls are decoded for ppolicy.
  WriteResult Finish(int msgid, std::string_view operation, MessagePtr* keep = nullptr);
  Status Fail(int code, std::string_view operation);
  void AddReadAhead();

  LdapPtr ld_;
  std::size_t uri_index_;
  std::chrono::milliseconds timeout_;
  bool broken_ = false;
  unsigned requests_ = 0;
};

class Pool {
 public:
  Pool(config::LdapSection settings, SecretString bind_password);
  // Stops the failback thread, if one was started: waits out a probe under
  // way (at most one open, bounded by the timeouts).
  ~Pool();

  // Runs `work` with a bound Session. If the Session came from the pool and
  // the server went away since (its first request in `work` failed with
  // Unavailable), it is dropped and `work` runs once more on a fresh Session,
  // so a server restart costs no request. A connection that broke after it
  // served a request of `work` is not retried: a write sent on it may have
  // landed, and only `work`'s caller can tell what to do.
  Status Run(const std::function<Status(Session&)>& work);

  // Runs `work` on a new Session opened now, whatever the reconnect backoff
  // says, and closes it afterwards: for reading back the directory right
  // after a connection failed. It is one short-lived connection beyond
  // pool_size.
  Status RunFresh(const std::function<Status(Session&)>& work);

 private:
  using Clock = std::chrono::steady_clock;

  Result<std::unique_ptr<Session>> Acquire(bool& reused);
  void Release(std::unique_ptr<Session> session);
  // The URIs in the order opening tries them: from the preferred one to the
  // end, then the earlier ones.
  std::vector<std::size_t> OpenOrder() const SESAM_REQUIRES(mutex_);
  // Takes `reached` as the preferred URI; starts the failback thread when it
  // is not the first.
  void Prefer(std::size_t reached) SESAM_REQUIRES(mutex_);
  // The failback thread: a probe of the earlier URIs per failback_interval
  // while the preferred URI is not the first.
  void Probe() SESAM_EXCLUDES(mutex_);

  const config::LdapSection settings_;
  const SecretString bind_password_;
  Mutex mutex_;
  CondVar available_;  // a session idle or a slot free, a backoff over, an open done
  std::vector<std::unique_ptr<Session>> idle_ SESAM_GUARDED_BY(mutex_);
  unsigned open_ SESAM_GUARDED_BY(mutex_) = 0;  // sessions idle or in use
  Clock::time_point retry_after_ SESAM_GUARDED_BY(mutex_){};
  std::chrono::milliseconds backoff_ SESAM_GUARDED_BY(mutex_){0};
  // An open that ends a backoff is under way: the others wait for its outcome.
  bool trying_ SESAM_GUARDED_BY(mutex_) = false;
  std::uint64_t attempts_ SESAM_GUARDED_BY(mutex_) = 0;  // opens finished so far
  Status last_open_ SESAM_GUARDED_BY(mutex_);            // the last one's outcome

  std::size_t preferred_ SESAM_GUARDED_BY(mutex_) = 0;
  Clock::time_point next_probe_ SESAM_GUARDED_BY(mutex_){};
  bool stopping_ SESAM_GUARDED_BY(mutex_) = false;
  CondVar probe_wake_;
  std::thread prober_ SESAM_GUARDED_BY(mutex_);  // started at the first failover
};

}  // namespace sesam::ldap::internal
