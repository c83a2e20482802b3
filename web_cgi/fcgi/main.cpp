// SPDX-License-Identifier: Apache-2.0
// sesam-fcgi [--config PATH] [--listen unix:PATH | HOST:PORT] [--threads N]
//            [--datadir DIR] [--log syslog|stderr|both]
// sesam-fcgi --help | --version
//
// The FastCGI endpoint of the reset flow. SIGTERM or SIGINT: stop accepting,
// finish the requests in flight, work off queued reset requests and mail for
// at most kDrainSeconds, exit 0.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "csrf.h"
#include "fcgi_server.h"
#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/ldap/directory.h"
#include "sesam/log.h"
#include "sesam/policy.h"
#include "sesam/state_store.h"
#include "sesam/token.h"
#include "sesam/web/app.h"
#include "sesam/web/change_notice.h"
#include "sesam/web/mail.h"
#include "sesam/web/mail_limits.h"
#include "sesam/web/reset_flow.h"
#include "sesam/web/templates.h"

namespace sesam::web {
namespace {

constexpr int kDrainSeconds = 10;

struct Options {
  std::string config = std::string(config::DefaultPath());
  std::string listen;
  unsigned threads = 8;
  std::string datadir = SESAM_DATADIR;
  log::Sink sink = log::Sink::kSyslog;
  enum class Info { kNone, kHelp, kVersion } info = Info::kNone;
};

constexpr const char* kUsage =
    "Usage: sesam-fcgi [--config PATH] [--listen unix:PATH | HOST:PORT] [--threads N]\n"
    "                  [--datadir DIR] [--log syslog|stderr|both]\n"
    "       sesam-fcgi --help | --version\n";

int Usage(const char* message) {
  std::fprintf(stderr, "sesam-fcgi: %s\n%s", message, kUsage);
  return 2;
}

// What systemd and a reading admin need; the whole story is sesam-fcgi(8).
void PrintHelp() {
  std::printf(
      "sesam-fcgi: Sesam's password-reset portal, a FastCGI server behind nginx or Apache.\n%s"
      "\n"
      "  --config PATH   the configuration (default %s)\n"
      "  --listen ADDR   unix:PATH or HOST:PORT; without it, the socket on fd 0\n"
      "                  (systemd's sesam-fcgi.socket)\n"
      "  --threads N     request threads, 1 to 256 (default 8)\n"
      "  --datadir DIR   templates/ and static/ (default %s)\n"
      "  --log SINK      syslog (default), stderr or both\n"
      "  --help          this text;  --version  the version\n"
      "\n"
      "SIGTERM or SIGINT finish the requests in flight and the queued mail, then exit 0.\n"
      "See sesam-fcgi(8) and sesam.conf(5).\n",
      kUsage, std::string(config::DefaultPath()).c_str(), SESAM_DATADIR);
}

bool ParseArgs(int argc, char** argv, Options& options, const char*& error) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (arg == "--help" || arg == "-h") {
      options.info = Options::Info::kHelp;
    } else if (arg == "--version") {
      options.info = Options::Info::kVersion;
    } else if (arg == "--config" && (v = value())) {
      options.config = v;
    } else if (arg == "--listen" && (v = value())) {
      options.listen = v;
    } else if (arg == "--datadir" && (v = value())) {
      options.datadir = v;
    } else if (arg == "--threads" && (v = value())) {
      const long threads = std::strtol(v, nullptr, 10);
      if (threads < 1 || threads > 256) {
        error = "--threads expects 1 to 256";
        return false;
      }
      options.threads = static_cast<unsigned>(threads);
    } else if (arg == "--log" && (v = value())) {
      const std::string sink = v;
      if (sink == "syslog") {
        options.sink = log::Sink::kSyslog;
      } else if (sink == "stderr") {
        options.sink = log::Sink::kStderr;
      } else if (sink == "both") {
        options.sink = log::Sink::kSyslogAndStderr;
      } else {
        error = "--log expects syslog, stderr or both";
        return false;
      }
    } else {
      error = "unknown or incomplete option";
      return false;
    }
  }
  return true;
}

int Fail(const Status& status) {
  log::Error("sesam-fcgi: " + status.ToString());
  return 1;
}

int Run(int argc, char** argv) {
  Options options;
  const char* error = nullptr;
  if (!ParseArgs(argc, argv, options, error)) return Usage(error);
  if (options.info == Options::Info::kHelp) {
    PrintHelp();
    return 0;
  }
  if (options.info == Options::Info::kVersion) {
    std::printf("sesam-fcgi %s\n", SESAM_VERSION);
    return 0;
  }
  log::Init("sesam", options.sink);

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto loaded = config::Load(options.config);
  if (!loaded.ok()) return Fail(loaded.status());
  const config::Config& config = *loaded;
  // No secret in clear to a remote host (issue 10); loopback only warns.
  const std::vector<config::Diagnostic> transport = config::CheckTransport(config);
  for (const auto& diagnostic : transport) {
    if (diagnostic.severity == config::Diagnostic::Severity::kWarning) {
      log::Warning("sesam-fcgi: " + diagnostic.ToString());
    }
  }
  if (Status refused = config::ErrorsToStatus(transport); !refused.ok()) return Fail(refused);
  if (config.web.base_url.empty()) return Fail(InvalidArgumentError("[web] base_url is not set"));

  auto key = config::ReadSecretFile(config.token.key_file);
  if (!key.ok()) return Fail(key.status());
  const SecretString csrf_key = csrf::DeriveKey(key->view());
  auto signer = token::Signer::FromKey(std::move(key).value());
  if (!signer.ok()) return Fail(signer.status());
  auto policy = policy::Policy::Create(config.policy);
  if (!policy.ok()) return Fail(policy.status());
  auto templates = Templates::Load(options.datadir + "/templates");
  if (!templates.ok()) return Fail(templates.status());
  // A request holds one LDAP connection while it runs; request threads
  // beyond [ldap] pool_size queue for one, and each hand-over costs a futex
  // wait and wake. Measured (GET otp, 8 threads, 64 connections): pool_size
  // 4 spent 10% of sesam-fcgi's CPU time in that queue, pool_size 8 none.
  if (config.ldap.pool_size < options.threads) {
    log::Warning(
        "sesam-fcgi: " + std::to_string(options.threads) +
        " request threads share [ldap] pool_size = " + std::to_string(config.ldap.pool_size) +
        " connections: requests wait for a connection under load; set pool_size to at "
        "least the thread count");
  }
  auto directory = ldap::MakeLdapDirectory(config.ldap, ldap::OpenHostState(config));
  if (!directory.ok()) return Fail(directory.status());
  // Logs what the server offers (or, when it cannot be reached yet, at the
  // first request that reaches it).
  (void)(*directory)->Profile();
  // Without the state store no recipient can be counted: the forgot form
  // then sends no mail at all (fail closed) rather than mail without a limit.
  std::unique_ptr<state::Store> store;
  if (auto opened = state::OpenStore(config.web.state_dir); opened.ok()) {
    store = std::move(opened).value();
  } else {
    log::Error(
        "sesam-fcgi: the state store cannot be used, so no reset mail will be sent until "
        "it is fixed ([web] state_dir): " +
        opened.status().ToString());
  }
  RecipientLimit recipients(store.get(), *signer, config.web.recipient_limit);
  // healthz tells from it whether mail gets through, without an SMTP
  // connection or a directory search of its own.
  MailHealth mail_health;
  MailerOptions mailer_options = MailerOptionsFor(config.mail);
  mailer_options.on_attempt = [&mail_health](DeliveryAttempt attempt) {
    mail_health.Record(attempt);
  };
  auto mailer = MakeSmtpMailer(config.mail, std::move(mailer_options));
  if (!mailer.ok()) return Fail(mailer.status());
  i18n::Translations translations(i18n::LocaleDir());

  ResetFlowDeps flow_deps{&config,  directory->get(), mailer->get(),
                          &*signer, &translations,    &*templates};
  flow_deps.recipients = &recipients;
  ResetFlow flow(std::move(flow_deps));
  ChangeNotifier notifier(
      ChangeNotifierDeps{&config, mailer->get(), &translations, &*templates, &recipients});
  ResetQueue queue(flow, ResetQueueOptions{config.web.forgot_rate, 2});
  AppDeps deps;
  deps.config = &config;
  deps.directory = directory->get();
  deps.signer = &*signer;
  deps.policy = &*policy;
  deps.translations = &translations;
  deps.templates = &*templates;
  deps.reset_queue = &queue;
  deps.notifier = &notifier;
  deps.mail_health = &mail_health;
  deps.csrf_key = &csrf_key;
  deps.static_dir = options.datadir + "/static";
  App app(std::move(deps));

  FcgiServer server;
  if (Status opened = server.Open(options.listen); !opened.ok()) return Fail(opened);
  std::thread signal_thread([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    log::Info(std::string("sesam-fcgi: ") + strsignal(signal_number) + ", finishing");
    server.RequestStop();
  });
  log::Info("sesam-fcgi: serving " + config.web.base_url + " with " +
            std::to_string(options.threads) + " threads");
  server.Run(app, options.threads);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kDrainSeconds);
  queue.Shutdown(deadline);
  (*mailer)->Shutdown(deadline);
  // The signal thread has returned when Run returned through RequestStop;
  // otherwise (a listen error) wake it so it can be joined.
  if (signal_thread.joinable()) {
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
  }
  log::Info("sesam-fcgi: stopped");
  return 0;
}

}  // namespace
}  // namespace sesam::web

int main(int argc, char** argv) {
  try {
    return sesam::web::Run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("sesam-fcgi: out of memory\n", stderr);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sesam-fcgi: internal error: %s\n", error.what());
  }
  return 1;
}
