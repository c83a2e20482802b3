// SPDX-License-Identifier: Apache-2.0
#include "fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace sesam::testing {
namespace {

constexpr std::string_view kPasswordModifyOid = "1.3.6.1.4.1.4203.1.11.1";
constexpr unsigned char kSearchRequest = 0x63;    // [APPLICATION 3], constructed
constexpr unsigned char kModifyRequest = 0x66;    // [APPLICATION 6], constructed
constexpr unsigned char kExtendedRequest = 0x77;  // [APPLICATION 23], constructed
constexpr auto kRecoveryDelay = std::chrono::milliseconds(300);

// The header and content length of the BER element at `at`; false when the
// buffer does not hold the whole header yet.
bool ElementHeader(std::string_view buffer, std::size_t at, std::size_t& header,
                   std::size_t& length) {
  if (buffer.size() < at + 2) return false;
  const auto first = static_cast<unsigned char>(buffer[at + 1]);
  if (first < 0x80) {
    header = 2;
    length = first;
    return true;
  }
  const std::size_t bytes = first & 0x7f;
  if (bytes == 0 || bytes > 4) throw std::runtime_error("unexpected BER length");
  if (buffer.size() < at + 2 + bytes) return false;
  length = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    length = (length << 8) | static_cast<unsigned char>(buffer[at + 2 + i]);
  }
  header = 2 + bytes;
  return true;
}

// The size of the first whole LDAP message in `buffer`, 0 if incomplete.
std::size_t MessageSize(std::string_view buffer) {
  std::size_t header = 0, length = 0;
  if (!ElementHeader(buffer, 0, header, length)) return 0;
  return buffer.size() >= header + length ? header + length : 0;
}

void SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return;  // the peer is gone; its read side tells the loop
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
}

int ConnectTo(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

namespace {

// The protocolOp of one whole LDAP message: its tag and its contents.
bool Operation(const std::string& message, unsigned char& tag, std::string_view& operation) {
  const std::string_view m(message);
  std::size_t header = 0, length = 0;
  if (!ElementHeader(m, 0, header, length)) return false;
  std::size_t at = header;  // the messageID INTEGER
  if (!ElementHeader(m, at, header, length)) return false;
  at += header + length;  // the protocolOp
  if (!ElementHeader(m, at, header, length) || m.size() < at + header + length) return false;
  tag = static_cast<unsigned char>(m[at]);
  operation = m.substr(at + header, length);
  return true;
}

}  // namespace

bool IsPasswordWrite(const std::string& message) {
  unsigned char tag = 0;
  std::string_view operation;
  if (!Operation(message, tag, operation)) return false;
  // Only inside the operation: the assertion control of a claim also names
  // userPassword.
  if (tag == kModifyRequest) return operation.find("userPassword") != std::string_view::npos;
  if (tag == kExtendedRequest) return operation.find(kPasswordModifyOid) != std::string_view::npos;
  return false;
}

bool IsTarget(FaultProxy::Target target, const std::string& message) {
  if (target == FaultProxy::Target::kPasswordWrite) return IsPasswordWrite(message);
  unsigned char tag = 0;
  std::string_view operation;
  if (!Operation(message, tag, operation)) return false;
  if (target == FaultProxy::Target::kRoundWrite) {
    return tag == kModifyRequest && operation.find("sesamResetRounds") != std::string_view::npos;
  }
  // The account lookup's filter names uid; the pool's pings do not.
  return tag == kSearchRequest && operation.find("uid") != std::string_view::npos;
}

FaultProxy::FaultProxy(int upstream_port, std::string control)
    : upstream_port_(upstream_port), control_(std::move(control)) {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, 64) != 0) {
    throw std::runtime_error("proxy: cannot listen");
  }
  socklen_t size = sizeof address;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
  port_ = ntohs(address.sin_port);
  if (pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("proxy: no pipe");
  thread_ = std::thread([this] { Loop(); });
}

FaultProxy::~FaultProxy() {
  const char stop = 's';
  if (write(wake_[1], &stop, 1) != 1) std::abort();
  thread_.join();
  if (recovery_.joinable()) recovery_.join();
  Recover();
  for (auto& pair : pairs_) Close(pair);
  close(listener_);
  close(wake_[0]);
  close(wake_[1]);
}

void FaultProxy::Arm(Fault fault, When when, Recovery recovery, Target target) {
  MutexLock lock(mutex_);
  armed_ = true;
  fired_ = false;
  target_ = target;
  fault_ = fault;
  when_ = when;
  recovery_mode_ = recovery;
}

void FaultProxy::Recover() {
  MutexLock lock(mutex_);
  if (!down_) return;
  const std::string command = control_ + (fault_ == Fault::kPause ? " resume" : " start");
  if (std::system(command.c_str()) != 0) throw std::runtime_error("proxy: " + command + " failed");
  down_ = false;
}

void FaultProxy::Fire() {
  Recovery recovery;
  {
    MutexLock lock(mutex_);
    const std::string command = control_ + (fault_ == Fault::kPause ? " pause" : " kill");
    if (std::system(command.c_str()) != 0) std::abort();
    down_ = true;
    recovery = recovery_mode_;
  }
  fired_ = true;
  if (recovery == Recovery::kSoon) {
    recovery_ = std::thread([this] {
      std::this_thread::sleep_for(kRecoveryDelay);
      Recover();
    });
  }
}

void FaultProxy::Close(Pair& pair) {
  if (pair.client >= 0) close(pair.client);
  if (pair.upstream >= 0) close(pair.upstream);
  pair.client = pair.upstream = -1;
}

void FaultProxy::Accept() {
  const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  const int upstream = ConnectTo(upstream_port_);
  if (upstream < 0) {
    close(client);  // like a server that is down: the client sees the connection end
    return;
  }
  pairs_.push_back(Pair{client, upstream, {}, false, false});
}

bool FaultProxy::FromClient(Pair& pair) {
  char buffer[65536];
  const ssize_t got = read(pair.client, buffer, sizeof buffer);
  if (got <= 0) return false;
  if (pair.cut) return true;
  pair.pending.append(buffer, static_cast<std::size_t>(got));
  for (std::size_t size = MessageSize(pair.pending); size > 0; size = MessageSize(pair.pending)) {
    std::string message = pair.pending.substr(0, size);
    pair.pending.erase(0, size);
    bool fire = false;
    When when = When::kBefore;
    {
      MutexLock lock(mutex_);
      if (armed_ && IsTarget(target_, message)) {
        armed_ = false;
        fire = true;
        when = when_;
      }
    }
    if (fire && when == When::kBefore) {
      pair.cut = true;
      pair.pending.clear();
      Fire();
      return true;
    }
    SendAll(pair.upstream, message);
    if (fire) pair.awaiting_answer = true;
  }
  return true;
}

bool FaultProxy::FromUpstream(Pair& pair) {
  char buffer[65536];
  const ssize_t got = read(pair.upstream, buffer, sizeof buffer);
  if (got <= 0) return false;
  if (pair.cut) return true;
  if (pair.awaiting_answer) {
    // The server wrote its answer, so the change is committed: lose the
    // answer, then fail the server.
    pair.cut = true;
    Fire();
    return true;
  }
  SendAll(pair.client, std::string_view(buffer, static_cast<std::size_t>(got)));
  return true;
}

void FaultProxy::Loop() {
  for (;;) {
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    for (const auto& pair : pairs_) {
      fds.push_back({pair.client, POLLIN, 0});
      fds.push_back({pair.upstream, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents != 0) return;
    const std::size_t count = pairs_.size();
    for (std::size_t i = 0; i < count; ++i) {
      Pair& pair = pairs_[i];
      const bool alive = (fds[2 + 2 * i].revents == 0 || FromClient(pair)) &&
                         (fds[3 + 2 * i].revents == 0 || FromUpstream(pair));
      if (!alive) Close(pair);
    }
    std::erase_if(pairs_, [](const Pair& pair) { return pair.client < 0; });
    if (fds[1].revents != 0) Accept();
  }
}

}  // namespace sesam::testing
