// SPDX-License-Identifier: Apache-2.0
// The test's view of the SMTP sink started by with_servers.py --smtp
// (tests/harness/sesam_harness/smtp.py documents the environment it reads).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sesam::mail_test {

std::string Env(const char* name);  // fails the test run when unset

// The stored messages' JSON records, in arrival order.
std::vector<nlohmann::json> Messages();
// Raw bytes of message number `index` (0-based, arrival order).
std::string RawMessage(std::size_t index);
// Removes every stored message (the sink keeps numbering upward).
void ClearMessages();
// Polls until at least `count` messages are stored or `timeout` passes.
std::vector<nlohmann::json> WaitForMessages(std::size_t count, std::chrono::milliseconds timeout);
// Connections the sink has accepted so far.
std::size_t ConnectionCount();

// Takes the server down / brings it back; return once the transition is done.
void SinkDown();
void SinkUp();

// Captures what this process writes to stderr (sesam::log's sink in tests).
class StderrCapture {
 public:
  StderrCapture();
  ~StderrCapture();
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  std::string Text() const;

 private:
  int saved_fd_;
  std::string path_;
};

}  // namespace sesam::mail_test
