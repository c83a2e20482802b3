// SPDX-License-Identifier: Apache-2.0
// A TCP proxy between Sesam and the test slapd that stops (SIGSTOP) or kills
// (SIGKILL) the server exactly around a password write.
//
// It forwards bytes both ways and reads the client's stream as LDAP messages
// (BER). Once armed, the first password write that goes by — a ModifyRequest
// ([APPLICATION 6]) whose changes name userPassword, or an ExtendedRequest
// ([APPLICATION 23]) with the Password Modify OID — fires the fault:
// - When::kBefore: the server is paused or killed and the request is dropped,
//   so it never reaches the server (nothing changed);
// - When::kAfter: the request is forwarded, the server's answer is swallowed,
//   then the server is paused or killed (the change landed, the answer is lost).
// Either way that connection forwards nothing more. The server comes back by
// itself after a short delay (Recovery::kSoon) or when the test calls
// Recover(). Only talks to 127.0.0.1.
//
// Threading: one thread runs the proxy, another the delayed recovery; the
// public methods may be called from the test's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sesam/mutex.h"

namespace sesam::testing {

class FaultProxy {
 public:
  enum class Fault { kPause, kKill };
  enum class When { kBefore, kAfter };
  enum class Recovery { kSoon, kByTest };
  // Which request fires the fault: a password write (the default), a write of
  // the account's reset rounds, or an account lookup (a search naming uid).
  enum class Target { kPasswordWrite, kRoundWrite, kLookup };

  // Forwards 127.0.0.1:port() to 127.0.0.1:upstream_port; `control` is the
  // slapd control script (pause|resume|kill|start).
  FaultProxy(int upstream_port, std::string control);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  void Arm(Fault fault, When when, Recovery recovery, Target target = Target::kPasswordWrite);
  bool fired() const { return fired_; }
  // Brings the server back if the fault fired and it is not back yet, and
  // waits until it answers again.
  void Recover();

 private:
  struct Pair {
    int client = -1;
    int upstream = -1;
    std::string pending;           // client bytes not yet a whole LDAP message
    bool cut = false;              // forwards nothing any more
    bool awaiting_answer = false;  // kAfter: the write went through
  };

  void Loop();
  void Accept();
  bool FromClient(Pair& pair);
  bool FromUpstream(Pair& pair);
  void Fire();
  void Close(Pair& pair);

  const int upstream_port_;
  const std::string control_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::vector<Pair> pairs_;
  std::thread thread_;
  std::thread recovery_;
  Mutex mutex_;
  bool armed_ SESAM_GUARDED_BY(mutex_) = false;
  Fault fault_ SESAM_GUARDED_BY(mutex_) = Fault::kPause;
  When when_ SESAM_GUARDED_BY(mutex_) = When::kBefore;
  Recovery recovery_mode_ SESAM_GUARDED_BY(mutex_) = Recovery::kSoon;
  Target target_ SESAM_GUARDED_BY(mutex_) = Target::kPasswordWrite;
  bool down_ SESAM_GUARDED_BY(mutex_) = false;
  std::atomic<bool> fired_{false};
};

// Whether `message` (one whole LDAP message) is a password write.
bool IsPasswordWrite(const std::string& message);
// Whether `message` is the request `target` names.
bool IsTarget(FaultProxy::Target target, const std::string& message);

}  // namespace sesam::testing
