// SPDX-License-Identifier: Apache-2.0
// The SMTP Mailer: a bounded queue in front of worker threads, each owning one
// libcurl easy handle, so each keeps its SMTP connection open from one message
// to the next (libcurl's per-handle connection cache).
//
// Logging: a failed attempt names the recipient's domain and the reason, never
// the local part (a pupil's name) and never the body (it carries a live link).
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "curl_owners.h"
#include "curl_status.h"
#include "sesam/log.h"
#include "sesam/mutex.h"
#include "sesam/secret_string.h"
#include "sesam/thread_priority.h"
#include "sesam/web/mail.h"
#include "sesam/web/mail_compose.h"

namespace sesam::web {
namespace {

using internal::CurlEasy;
using internal::CurlSlist;
using Clock = std::chrono::steady_clock;

std::string_view Domain(std::string_view address) { return address.substr(address.rfind('@') + 1); }

// What libcurl's read callback walks through for one upload.
struct Upload {
  std::string_view bytes;
  std::size_t offset = 0;
};

std::size_t ReadBody(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->bytes.size() - upload->offset);
  std::memcpy(buffer, upload->bytes.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

Status CheckSetopt(CURLcode code) { return internal::CurlStatus(code, 0, nullptr); }

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(Mailbox from, std::vector<CurlEasy> handles, MailerOptions options)
      : options_(options), from_(std::move(from)), handles_(std::move(handles)) {}

  // Starts one worker per handle, once the handles are set up.
  void Start() {
    for (auto& handle : handles_) {
      workers_.emplace_back([this, curl = handle.get()] { WorkerLoop(curl); });
    }
  }

  ~SmtpMailer() override { Shutdown(Clock::now()); }

  SmtpMailer(const SmtpMailer&) = delete;
  SmtpMailer& operator=(const SmtpMailer&) = delete;

  // The progress callback, shared by every handle: aborts a transfer in flight
  // once Shutdown's deadline has passed.
  static int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<SmtpMailer*>(user)->abort_.load() ? 1 : 0;
  }

  Status Enqueue(MailMessage message) override {
    // Composed on the caller's thread so that a bad value is refused to the
    // caller, not found later by a worker.
    SESAM_ASSIGN_OR_RETURN(ComposedMessage composed, ComposeMessage(message, from_));
    WipeString(message.text_body);
    WipeString(message.html_body);
    MutexLock lock(mutex_);
    if (!accepting_) return FailedPreconditionError("the mailer is shutting down");
    if (queue_.size() >= options_.queue_capacity) {
      WipeString(composed.bytes);
      return ResourceExhaustedError("the mail queue is full");
    }
    queue_.push_back({std::move(composed), std::move(message.on_done)});
    work_cv_.NotifyOne();
    return Status::Ok();
  }

  void Shutdown(Clock::time_point deadline) override {
    {
      MutexLock lock(mutex_);
      if (!accepting_) return;
      accepting_ = false;
      draining_ = true;
      work_cv_.NotifyAll();
      while ((!queue_.empty() || busy_ != 0) && idle_cv_.WaitUntil(mutex_, deadline)) {
      }
      abort_ = true;
      work_cv_.NotifyAll();
    }
    for (auto& worker : workers_) worker.join();
    std::deque<Queued> left_over;
    std::size_t left = 0;
    {
      MutexLock lock(mutex_);
      left = queue_.size() + abandoned_;
      left_over.swap(queue_);
    }
    for (auto& queued : left_over) {
      WipeString(queued.message.bytes);
      Report(queued, false);
    }
    if (left > 0) {
      log::Warning("mail: shutdown deadline reached, " + std::to_string(left) +
                   " message(s) not delivered");
    }
  }

 private:
  void WorkerLoop(CURL* curl) {
    if (Status lowered = LowerThisThreadPriority(); !lowered.ok()) {
      log::Warning("mail worker keeps its CPU priority: " + lowered.ToString());
    }
    while (true) {
      Queued queued;
      {
        MutexLock lock(mutex_);
        while (!abort_ && !draining_ && queue_.empty()) work_cv_.Wait(mutex_);
        if (abort_ || queue_.empty()) return;
        queued = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
      }
      const bool accepted = DeliverWithRetry(curl, queued.message);
      WipeString(queued.message.bytes);
      Report(queued, accepted);
      MutexLock lock(mutex_);
      --busy_;
      if (queue_.empty() && busy_ == 0) idle_cv_.NotifyAll();
    }
  }

  struct Queued {
    ComposedMessage message;
    std::function<void(bool)> on_done;
  };

  static void Report(Queued& queued, bool accepted) {
    if (!queued.on_done) return;
    // A reporter that throws must not take a mail worker (or the process)
    // down with it.
    try {
      queued.on_done(accepted);
    } catch (const std::exception& e) {
      log::Error(std::string("mail: delivery report failed: ") + e.what());
    }
    queued.on_done = nullptr;
  }

  void Tell(DeliveryAttempt attempt) const {
    if (!options_.on_attempt) return;
    try {
      options_.on_attempt(attempt);
    } catch (const std::exception& e) {
      log::Error(std::string("mail: attempt report failed: ") + e.what());
    }
  }

  // True when the server accepted the message.
  bool DeliverWithRetry(CURL* curl, const ComposedMessage& message) {
    const std::string domain(Domain(message.envelope_to));
    auto delay = options_.retry_initial_delay;
    const unsigned attempts = std::max(1U, options_.max_attempts);
    for (unsigned attempt = 1;; ++attempt) {
      const Status status = Attempt(curl, message);
      if (status.ok()) {
        log::Debug("mail: delivered to a recipient at " + domain);
        Tell(DeliveryAttempt::kAccepted);
        return true;
      }
      const bool stopping = abort_.load();
      const bool retry = internal::IsRetryable(status) && attempt < attempts && !stopping;
      if (!stopping) Tell(retry ? DeliveryAttempt::kDeferred : DeliveryAttempt::kRefused);
      log::Warning("mail: delivery to a recipient at " + domain + " failed (attempt " +
                   std::to_string(attempt) + "/" + std::to_string(attempts) +
                   "): " + status.ToString() +
                   (retry      ? "; will retry"
                    : stopping ? "; shutdown deadline passed"
                               : "; giving up"));
      if (!retry) {
        if (stopping && internal::IsRetryable(status)) {
          MutexLock lock(mutex_);
          ++abandoned_;
        }
        return false;
      }
      // Sleeps out the delay unless Shutdown's deadline passes first.
      const auto resume = Clock::now() + delay;
      MutexLock lock(mutex_);
      while (!abort_.load() && work_cv_.WaitUntil(mutex_, resume)) {
      }
      if (abort_.load()) {
        ++abandoned_;
        return false;
      }
      delay = std::min(delay * 2, options_.retry_max_delay);
    }
  }

  Status Attempt(CURL* curl, const ComposedMessage& message) {
    CurlSlist recipients(curl_slist_append(nullptr, ("<" + message.envelope_to + ">").c_str()));
    if (!recipients) return ResourceExhaustedError("out of memory");
    Upload upload{message.bytes, 0};
    char detail[CURL_ERROR_SIZE] = {};
    SESAM_RETURN_IF_ERROR(CheckSetopt(curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients.get())));
    SESAM_RETURN_IF_ERROR(CheckSetopt(curl_easy_setopt(curl, CURLOPT_READDATA, &upload)));
    SESAM_RETURN_IF_ERROR(CheckSetopt(curl_easy_setopt(
        curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.bytes.size()))));
    SESAM_RETURN_IF_ERROR(CheckSetopt(curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail)));
    const CURLcode code = curl_easy_perform(curl);
    long reply = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    // The handle outlives these locals: leave it no pointer to them.
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(curl, CURLOPT_READDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    return internal::CurlStatus(code, reply, detail);
  }

  const MailerOptions options_;
  Mailbox from_;
  std::vector<CurlEasy> handles_;
  std::vector<std::thread> workers_;

  Mutex mutex_;
  CondVar work_cv_;  // a message was queued, or shutdown moved on
  CondVar idle_cv_;  // the queue ran empty with no worker busy
  std::deque<Queued> queue_ SESAM_GUARDED_BY(mutex_);
  std::size_t busy_ SESAM_GUARDED_BY(mutex_) = 0;
  // given up because the shutdown deadline passed
  std::size_t abandoned_ SESAM_GUARDED_BY(mutex_) = 0;
  bool accepting_ SESAM_GUARDED_BY(mutex_) = true;
  bool draining_ SESAM_GUARDED_BY(mutex_) = false;  // workers exit once the queue is empty
  // The deadline passed: stop now. Atomic, not guarded: curl's progress
  // callback reads it mid-transfer, where taking the lock would stall Enqueue.
  std::atomic<bool> abort_{false};
};

// Options every transfer of a handle shares.
Status SetupHandle(CURL* curl, const config::MailSection& settings, const Mailbox& from,
                   const SecretString& password, void* progress_user) {
  const auto set = [curl](CURLoption option, auto value) {
    return CheckSetopt(curl_easy_setopt(curl, option, value));
  };
  const long timeout_ms = static_cast<long>(settings.timeout.count());
  SESAM_RETURN_IF_ERROR(set(CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
  SESAM_RETURN_IF_ERROR(set(CURLOPT_URL, settings.smtp_url.c_str()));
  SESAM_RETURN_IF_ERROR(set(CURLOPT_MAIL_FROM, ("<" + from.address + ">").c_str()));
  if (settings.starttls) SESAM_RETURN_IF_ERROR(set(CURLOPT_USE_SSL, long{CURLUSESSL_ALL}));
  // Peer and host name verification are libcurl's defaults; they are set here
  // anyway so that no build or environment can turn them off unnoticed.
  SESAM_RETURN_IF_ERROR(set(CURLOPT_SSL_VERIFYPEER, 1L));
  SESAM_RETURN_IF_ERROR(set(CURLOPT_SSL_VERIFYHOST, 2L));
  if (!settings.tls_ca_file.empty()) {
    SESAM_RETURN_IF_ERROR(set(CURLOPT_CAINFO, settings.tls_ca_file.c_str()));
  }
  if (!settings.username.empty()) {
    SESAM_RETURN_IF_ERROR(set(CURLOPT_USERNAME, settings.username.c_str()));
    SESAM_RETURN_IF_ERROR(set(CURLOPT_PASSWORD, password.c_str()));
  }
  SESAM_RETURN_IF_ERROR(set(CURLOPT_UPLOAD, 1L));
  SESAM_RETURN_IF_ERROR(set(CURLOPT_READFUNCTION, &ReadBody));
  SESAM_RETURN_IF_ERROR(set(CURLOPT_TIMEOUT_MS, timeout_ms));
  SESAM_RETURN_IF_ERROR(set(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms));
  // Worker threads: no SIGALRM-based DNS timeouts.
  SESAM_RETURN_IF_ERROR(set(CURLOPT_NOSIGNAL, 1L));
  SESAM_RETURN_IF_ERROR(set(CURLOPT_NOPROGRESS, 0L));
  SESAM_RETURN_IF_ERROR(set(CURLOPT_XFERINFOFUNCTION, &SmtpMailer::OnProgress));
  SESAM_RETURN_IF_ERROR(set(CURLOPT_XFERINFODATA, progress_user));
  return Status::Ok();
}

}  // namespace

MailerOptions MailerOptionsFor(const config::MailSection& settings) {
  MailerOptions options;
  options.retry_initial_delay = settings.retry_delay;
  options.retry_max_delay = settings.retry_max_delay;
  options.max_attempts = settings.attempts;
  return options;
}

Result<std::unique_ptr<Mailer>> MakeSmtpMailer(const config::MailSection& settings,
                                               MailerOptions options) {
  static std::once_flag curl_init;
  CURLcode init = CURLE_OK;
  // curl_global_init is not thread-safe in libcurl 7.88: once per process.
  std::call_once(curl_init, [&init] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  SESAM_RETURN_IF_ERROR(internal::CurlStatus(init, 0, nullptr));

  SESAM_ASSIGN_OR_RETURN(Mailbox from, ParseMailbox(settings.from));
  if (settings.smtp_url.rfind("smtp://", 0) != 0 && settings.smtp_url.rfind("smtps://", 0) != 0) {
    return InvalidArgumentError("[mail] smtp_url: expected an smtp:// or smtps:// URL");
  }
  SecretString password;
  if (!settings.username.empty()) {
    SESAM_ASSIGN_OR_RETURN(password, config::ReadSecretFile(settings.password_file));
  }
  if (options.workers == 0) return InvalidArgumentError("mailer needs at least one worker");
  if (options.queue_capacity == 0) return InvalidArgumentError("mailer queue capacity is 0");

  std::vector<CurlEasy> handles;
  for (unsigned i = 0; i < options.workers; ++i) {
    CurlEasy handle(curl_easy_init());
    if (!handle) return ResourceExhaustedError("curl_easy_init failed");
    handles.push_back(std::move(handle));
  }
  // The progress callback gets the mailer, so build it first, then set up the
  // handles, then start the workers.
  std::vector<CURL*> raw;
  for (auto& handle : handles) raw.push_back(handle.get());
  auto mailer = std::make_unique<SmtpMailer>(from, std::move(handles), options);
  for (CURL* curl : raw) {
    const Status status = SetupHandle(curl, settings, from, password, mailer.get());
    if (!status.ok()) return status.WithContext("[mail]");
  }
  mailer->Start();
  return std::unique_ptr<Mailer>(std::move(mailer));
}

}  // namespace sesam::web
