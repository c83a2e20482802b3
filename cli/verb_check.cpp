// `sesam check [--user NAME] [--names LIST] [--config PATH] [--json] [--batch]`:
// runs the password policy — the same engine as pam_sesam.so and the web form —
// on a password read from stdin (no echo on a terminal). Exit 0 accepted,
// 1 refused, 2 usage or configuration error. --batch: one password per line,
// one verdict line each (exit 1 when any is refused).
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "options.h"
#include "sesam/config.h"
#include "sesam/i18n.h"
#include "sesam/policy.h"
#include "sesam/secret_string.h"

namespace sesam::cli {
namespace {

// Reads stdin in large blocks and hands out lines; every buffer is wiped.
class LineReader {
 public:
  LineReader() = default;
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader() { explicit_bzero(buffer_, sizeof buffer_); }

  // The next line without its "\n" / "\r\n" into `line`; false at the end.
  bool Next(SecretString& line) {
    line.Clear();
    bool any = false;
    for (;;) {
      if (start_ == end_) {
        if (eof_) return any;
        explicit_bzero(buffer_, sizeof buffer_);
        const ssize_t got = ::read(STDIN_FILENO, buffer_, sizeof buffer_);
        if (got <= 0) {
          eof_ = true;
          return any;
        }
        start_ = 0;
        end_ = static_cast<std::size_t>(got);
      }
      any = true;
      const char* begin = buffer_ + start_;
      const void* newline = std::memchr(begin, '\n', end_ - start_);
      if (newline == nullptr) {
        line.Append(std::string_view(begin, end_ - start_));
        start_ = end_;
        continue;
      }
      const auto length = static_cast<std::size_t>(static_cast<const char*>(newline) - begin);
      line.Append(std::string_view(begin, length + 1));
      start_ += length + 1;
      line.TrimLineEnd();
      return true;
    }
  }

 private:
  char buffer_[1 << 16];
  std::size_t start_ = 0, end_ = 0;
  bool eof_ = false;
};

// Turns terminal echo off for its lifetime when stdin is a terminal.
class NoEcho {
 public:
  NoEcho() {
    if (::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;
  ~NoEcho() {
    if (active_) {
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
      std::fputc('\n', stderr);
    }
  }

 private:
  termios saved_{};
  bool active_ = false;
};

nlohmann::json VerdictJson(const policy::Verdict& verdict) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& rule : verdict.rules) {
    rules.push_back({{"id", rule.id},
                     {"passed", rule.passed},
                     {"informational", rule.informational},
                     {"message", rule.message}});
  }
  return {{"accepted", verdict.accepted}, {"rules", std::move(rules)}};
}

void PrintVerdict(const policy::Verdict& verdict) {
  for (const auto& rule : verdict.rules) {
    // Class marks are informational: indented under "classes".
    std::printf("%s%s %s\n", rule.informational ? "    " : "", rule.passed ? "✓" : "✗",
                rule.message.c_str());
  }
  std::printf("%s\n", verdict.accepted ? "accepted" : "refused");
}

// "accepted" or "refused: min_length,classes" (non-informational failures).
void PrintBatchLine(const policy::Verdict& verdict, std::string& out) {
  if (verdict.accepted) {
    out += "accepted\n";
    return;
  }
  out += "refused:";
  char separator = ' ';
  for (const auto& rule : verdict.rules) {
    if (rule.passed || rule.informational) continue;
    out += separator;
    out += rule.id;
    separator = ',';
  }
  out += '\n';
}

std::vector<std::string> SplitNames(const std::string& list) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = list.find(',', start);
    std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!name.empty()) names.push_back(std::move(name));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return names;
}

}  // namespace

int RunCheck(Args args) {
  const ParsedOptions options = ParseOptions(
      args, {{"user", true}, {"names", true}, {"config", true}, {"json", false}, {"batch", false}});
  if (!options.error.empty()) return UsageError("check", options.error);
  if (!options.positional.empty()) {
    return UsageError("check", "the password is read from stdin, not from the command line");
  }
  const std::string path = options.Value("config").value_or(std::string(config::DefaultPath()));
  // Like the PAM module: only [policy] matters here, secret files are not needed.
  auto loaded = config::Load(path, config::FileChecks::kNo);
  if (!loaded.ok()) {
    std::fprintf(stderr, "sesam check: %s\n", loaded.status().message().c_str());
    return kExitUsage;
  }
  auto created = policy::Policy::Create(loaded->policy);
  if (!created.ok()) {
    std::fprintf(stderr, "sesam check: %s\n", created.status().message().c_str());
    return kExitUsage;
  }
  const policy::Policy& engine = *created;
  for (const auto& warning : engine.warnings())
    std::fprintf(stderr, "sesam check: %s\n", warning.c_str());

  i18n::Translations translations(i18n::LocaleDir());
  const i18n::Catalog& catalog = translations.For(i18n::LanguageFromEnvironment());
  const std::string username = options.Value("user").value_or("");
  policy::Context context;
  context.username = username;
  context.names = SplitNames(options.Value("names").value_or(""));
  const bool json = options.Has("json");

  LineReader reader;
  SecretString password;
  if (options.Has("batch")) {
    std::string out;
    bool all_accepted = true;
    while (reader.Next(password)) {
      const policy::Verdict verdict = engine.Check(password.view(), context, catalog);
      all_accepted = all_accepted && verdict.accepted;
      if (json) {
        out += VerdictJson(verdict).dump();
        out += '\n';
      } else {
        PrintBatchLine(verdict, out);
      }
      if (out.size() > (1 << 16)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return all_accepted ? kExitOk : kExitRefused;
  }

  {
    NoEcho no_echo;
    if (::isatty(STDIN_FILENO)) std::fputs("Password: ", stderr);
    reader.Next(password);
  }
  const policy::Verdict verdict = engine.Check(password.view(), context, catalog);
  if (json) {
    std::printf("%s\n", VerdictJson(verdict).dump().c_str());
  } else {
    PrintVerdict(verdict);
  }
  return verdict.accepted ? kExitOk : kExitRefused;
}

}  // namespace sesam::cli
