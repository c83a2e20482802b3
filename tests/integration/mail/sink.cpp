// SPDX-License-Identifier: Apache-2.0
#include "sink.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace sesam::mail_test {
namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::fprintf(stderr, "%s is not set: run under tests/harness/with_servers.py --smtp\n", name);
    std::exit(2);
  }
  return value;
}

namespace {

std::vector<fs::path> Stored(const char* extension) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(Env("SESAM_TEST_MAIL_DIR"))) {
    if (entry.path().extension() == extension) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WaitForState(const char* wanted) {
  const std::string path = Env("SESAM_TEST_SMTP_STATE");
  for (int i = 0; i < 1000; ++i) {
    std::string state = ReadFile(path);
    if (state == wanted) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::fprintf(stderr, "SMTP sink did not become %s\n", wanted);
  std::exit(2);
}

void Signal(int signal_number) {
  const pid_t pid = static_cast<pid_t>(std::stol(Env("SESAM_TEST_SMTP_PID")));
  if (kill(pid, signal_number) != 0) {
    std::perror("kill SMTP sink");
    std::exit(2);
  }
}

}  // namespace

std::vector<nlohmann::json> Messages() {
  std::vector<nlohmann::json> messages;
  for (const auto& path : Stored(".json"))
    messages.push_back(nlohmann::json::parse(ReadFile(path)));
  return messages;
}

std::string RawMessage(std::size_t index) {
  const auto paths = Stored(".json");
  fs::path eml = paths.at(index);
  eml.replace_extension(".eml");
  return ReadFile(eml);
}

void ClearMessages() {
  for (const auto& entry : fs::directory_iterator(Env("SESAM_TEST_MAIL_DIR"))) {
    fs::remove(entry.path());
  }
}

std::vector<nlohmann::json> WaitForMessages(std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto messages = Messages();
    if (messages.size() >= count || std::chrono::steady_clock::now() > deadline) return messages;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::size_t ConnectionCount() {
  const std::string text = ReadFile(Env("SESAM_TEST_SMTP_CONNECTIONS"));
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

void SinkDown() {
  Signal(SIGUSR1);
  WaitForState("down");
}

void SinkUp() {
  Signal(SIGUSR2);
  WaitForState("up");
}

StderrCapture::StderrCapture()
    : saved_fd_(dup(STDERR_FILENO)),
      path_(Env("SESAM_TEST_WORKDIR") + "/stderr-" + std::to_string(getpid()) + ".txt") {
  std::fflush(stderr);
  const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  dup2(fd, STDERR_FILENO);
  close(fd);
}

StderrCapture::~StderrCapture() {
  std::fflush(stderr);
  dup2(saved_fd_, STDERR_FILENO);
  close(saved_fd_);
}

std::string StderrCapture::Text() const {
  std::fflush(stderr);
  return ReadFile(path_);
}

}  // namespace sesam::mail_test
