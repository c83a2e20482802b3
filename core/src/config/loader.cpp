// SPDX-License-Identifier: Apache-2.0
// Reads sesam.conf with inih and turns it into a typed Config, collecting every
// problem with its file, line and key. Nothing here exits or throws: a bad file
// is the admin's everyday mistake, and each caller decides how to fail closed.
#include <fcntl.h>
#include <ini.h>
#include <string.h>  // explicit_bzero
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "key_table.h"
#include "sesam/posix.h"

namespace sesam::config {

using internal::FindKey;
using internal::FindSection;
using internal::KeySpec;
using internal::Sections;
using internal::SectionSpec;

std::string_view DefaultPath() { return SESAM_SYSCONFDIR "/sesam.conf"; }

std::string Diagnostic::ToString() const {
  // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on ":" + string.
  std::string text = file;
  if (line > 0) {
    text += ':';
    text += std::to_string(line);
  }
  text += severity == Severity::kWarning ? ": warning: " : ": ";
  text += message;
  return text;
}

bool LoadReport::ok() const {
  for (const auto& d : diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) return false;
  }
  return true;
}

Status LoadReport::ToStatus() const { return ErrorsToStatus(diagnostics); }

Status ErrorsToStatus(const std::vector<Diagnostic>& diagnostics) {
  std::string message;
  for (const auto& d : diagnostics) {
    if (d.severity != Diagnostic::Severity::kError) continue;
    if (!message.empty()) message += "\n";
    message += d.ToString();
  }
  return message.empty() ? Status::Ok() : InvalidArgumentError(message);
}

namespace internal {

const std::vector<SectionSpec>& Sections() {
  static const std::vector<SectionSpec> sections = {PolicySectionSpec(), LdapSectionSpec(),
                                                    MailSectionSpec(), WebSectionSpec(),
                                                    TokenSectionSpec()};
  return sections;
}

const SectionSpec* FindSection(std::string_view name) {
  for (const auto& section : Sections()) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

const KeySpec* FindKey(const SectionSpec& section, std::string_view name) {
  for (const auto& key : section.keys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

}  // namespace internal

Config DefaultConfig() {
  Config config{};
  for (const auto& section : Sections()) {
    for (const auto& key : section.keys) {
      const Status applied = key.apply(key.default_text, config);
      assert(applied.ok() && "every default in the key tables parses");
      (void)applied;
    }
  }
  return config;
}

namespace {

std::string SuggestionSuffix(std::string_view word, std::vector<std::string_view> candidates) {
  const std::string closest = internal::ClosestMatch(word, candidates);
  return closest.empty() ? "" : " (did you mean '" + closest + "'?)";
}

std::string UnknownKeyMessage(const SectionSpec& section, std::string_view key) {
  std::vector<std::string_view> names;
  for (const auto& spec : section.keys) names.push_back(spec.name);
  return "unknown key '" + std::string(key) + "' in [" + std::string(section.name) + "]" +
         SuggestionSuffix(key, names);
}

std::string UnknownSectionMessage(std::string_view section) {
  std::vector<std::string_view> names;
  for (const auto& spec : Sections()) names.push_back(spec.name);
  return "unknown section [" + std::string(section) + "]" + SuggestionSuffix(section, names) +
         "; known sections: [policy], [ldap], [mail], [web], [token]";
}

std::string BadValueMessage(const SectionSpec& section, std::string_view key,
                            std::string_view value, const Status& status) {
  return "bad value '" + std::string(value) + "' for '" + std::string(key) + "' in [" +
         std::string(section.name) + "]: " + status.message();
}

// One "key = value" as inih reported it, with the line it came from.
struct Entry {
  std::string section;
  std::string key;
  std::string value;
  int line = 0;
  bool continuation = false;  // an indented line that continues the previous value
};

struct ParseState {
  FILE* file = nullptr;
  int line = 0;
  bool line_indented = false;
  std::vector<int> overlong_lines;
  std::vector<Entry> entries;
};

// inih's line reader, wrapped to count lines (Debian's inih is built without
// INI_HANDLER_LINENO) and to notice lines longer than inih's buffer, which it
// would otherwise split silently into two.
char* ReadLine(char* buffer, int size, void* stream) {
  auto* state = static_cast<ParseState*>(stream);
  char* got = std::fgets(buffer, size, state->file);
  if (got == nullptr) return nullptr;
  ++state->line;
  state->line_indented = buffer[0] == ' ' || buffer[0] == '\t';
  const std::size_t length = std::strlen(buffer);
  if (length + 1 == static_cast<std::size_t>(size) && buffer[length - 1] != '\n') {
    state->overlong_lines.push_back(state->line);
    int ch;
    while ((ch = std::fgetc(state->file)) != EOF && ch != '\n') {
    }
    buffer[0] = '\0';  // drop the line; it is reported as too long
  }
  return got;
}

int OnEntry(void* user, const char* section, const char* key, const char* value) {
  auto* state = static_cast<ParseState*>(user);
  state->entries.push_back({section, key, value, state->line, state->line_indented});
  return 1;
}

struct FileOwner {
  void operator()(FILE* file) const { std::fclose(file); }
};

class Loader {
 public:
  Loader(std::string path, FileChecks file_checks)
      : path_(std::move(path)), file_checks_(file_checks) {}

  LoadReport Run() {
    report_.config = DefaultConfig();
    report_.config.path = path_;
    std::unique_ptr<FILE, FileOwner> file(std::fopen(path_.c_str(), "re"));
    if (!file) {
      Error(0, "", "cannot open the configuration file: " + ErrnoText(errno));
      return std::move(report_);
    }
    ParseState state;
    state.file = file.get();
    const int first_bad_line = ini_parse_stream(ReadLine, &state, OnEntry, &state);
    if (first_bad_line > 0) {
      Error(first_bad_line, "", "syntax error: expected '[section]', 'key = value' or a comment");
    }
    for (int line : state.overlong_lines) {
      Error(line, "",
            "line too long (at most " + std::to_string(INI_MAX_LINE - 2) +
                " characters; a list may continue on indented lines)");
    }
    ApplyEntries(state.entries);
    RunSectionChecks();
    if (file_checks_ == FileChecks::kYes) CheckSecretFiles();
    report_.config.lines = set_on_line_;
    return std::move(report_);
  }

 private:
  void Error(int line, std::string key, std::string message) {
    Add(Diagnostic::Severity::kError, line, std::move(key), std::move(message));
  }
  void Add(Diagnostic::Severity severity, int line, std::string key, std::string message) {
    report_.diagnostics.push_back({severity, path_, line, std::move(key), std::move(message)});
  }

  // Continuation lines are folded into their list value before parsing, so a
  // list split over lines is checked as one value.
  std::vector<Entry> FoldContinuations(const std::vector<Entry>& entries) {
    std::vector<Entry> folded;
    for (const Entry& entry : entries) {
      if (entry.continuation && !folded.empty() && folded.back().key == entry.key &&
          folded.back().section == entry.section) {
        const SectionSpec* section = FindSection(entry.section);
        const KeySpec* spec = section ? FindKey(*section, entry.key) : nullptr;
        if (spec != nullptr && !spec->is_list) {
          Error(entry.line, entry.key,
                "indented line continues '" + entry.key +
                    "', which takes a single value; remove the indentation");
          continue;
        }
        folded.back().value += " " + entry.value;
        continue;
      }
      folded.push_back(entry);
    }
    return folded;
  }

  void ApplyEntries(const std::vector<Entry>& raw_entries) {
    std::map<std::string, bool> reported_sections;
    for (const Entry& entry : FoldContinuations(raw_entries)) {
      const SectionSpec* section = FindSection(entry.section);
      if (section == nullptr) {
        if (entry.section.empty()) {
          Error(entry.line, entry.key,
                "key '" + entry.key +
                    "' is outside any section; put it under [policy], "
                    "[ldap], [mail], [web] or [token]");
        } else if (!reported_sections[entry.section]) {
          reported_sections[entry.section] = true;
          Error(entry.line, entry.key, UnknownSectionMessage(entry.section));
        }
        continue;
      }
      const KeySpec* key = FindKey(*section, entry.key);
      if (key == nullptr) {
        Error(entry.line, entry.key, UnknownKeyMessage(*section, entry.key));
        continue;
      }
      const std::string where = entry.section + "." + entry.key;
      if (const auto seen = set_on_line_.find(where); seen != set_on_line_.end()) {
        Error(entry.line, entry.key,
              "'" + entry.key + "' in [" + entry.section + "] is already set on line " +
                  std::to_string(seen->second));
        continue;
      }
      set_on_line_[where] = entry.line;
      const Status applied = key->apply(entry.value, report_.config);
      if (!applied.ok()) {
        Error(entry.line, entry.key, BadValueMessage(*section, entry.key, entry.value, applied));
      }
    }
  }

  void RunSectionChecks() {
    for (const auto& section : Sections()) {
      if (!section.validate) continue;
      section.validate(report_.config, [&](std::string_view key, std::string message,
                                           Diagnostic::Severity severity) {
        const std::string where = std::string(section.name) + "." + std::string(key);
        const auto seen = set_on_line_.find(where);
        const int line = seen == set_on_line_.end() ? 0 : seen->second;
        std::string text = "[";
        text += section.name;
        text += "] ";
        text += key;
        text += ": ";
        text += message;
        if (line == 0) text += " (default value)";
        Add(severity, line, std::string(key), std::move(text));
      });
    }
  }

  void CheckSecretFiles() {
    for (const auto& section : Sections()) {
      for (const auto& key : section.keys) {
        if (key.kind != internal::KeyKind::kSecretFile) continue;
        const std::string path = key.current_path(report_.config);
        if (path.empty()) continue;
        const auto seen =
            set_on_line_.find(std::string(section.name) + "." + std::string(key.name));
        CheckSecretFile(seen == set_on_line_.end() ? 0 : seen->second, std::string(key.name), path);
      }
    }
  }

  void CheckSecretFile(int line, const std::string& key, const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      const int error = errno;
      if (error == ENOENT) {
        Add(Diagnostic::Severity::kWarning, line, key,
            "'" + key + "': secret file " + path + " does not exist yet" +
                (key == "key_file" ? " (create it with 'sesam genkey')" : ""));
      } else {
        Error(line, key, "'" + key + "': cannot read " + path + ": " + ErrnoText(error));
      }
      return;
    }
    if (!S_ISREG(info.st_mode)) {
      Error(line, key, "'" + key + "': " + path + " is not a regular file");
      return;
    }
    if ((info.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", info.st_mode & 07777);
      Error(line, key,
            "'" + key + "': secret file " + path + " is readable by group or others (mode " + mode +
                "); run 'chmod 600 " + path + "'");
    }
  }

  std::string path_;
  FileChecks file_checks_;
  LoadReport report_;
  std::map<std::string, int, std::less<>> set_on_line_;  // "section.key" -> line
};

}  // namespace

LoadReport LoadFile(const std::string& path, FileChecks file_checks) {
  return Loader(path, file_checks).Run();
}

Result<Config> Load(const std::string& path, FileChecks file_checks) {
  LoadReport report = LoadFile(path, file_checks);
  if (!report.ok()) return report.ToStatus();
  return std::move(report.config);
}

Status Set(Config& config, std::string_view section_name, std::string_view key_name,
           std::string_view value, std::string_view origin) {
  const SectionSpec* section = FindSection(section_name);
  if (section == nullptr) {
    return InvalidArgumentError(std::string(origin) + ": " + UnknownSectionMessage(section_name));
  }
  const KeySpec* key = FindKey(*section, key_name);
  if (key == nullptr) {
    return InvalidArgumentError(std::string(origin) + ": " + UnknownKeyMessage(*section, key_name));
  }
  const Status applied = key->apply(value, config);
  if (!applied.ok()) {
    return InvalidArgumentError(std::string(origin) + ": " +
                                BadValueMessage(*section, key_name, value, applied));
  }
  return Status::Ok();
}

Status Validate(const Config& config) {
  std::string message;
  for (const auto& section : Sections()) {
    if (!section.validate) continue;
    section.validate(config,
                     [&](std::string_view, std::string text, Diagnostic::Severity severity) {
                       if (severity != Diagnostic::Severity::kError) return;
                       if (!message.empty()) message += "\n";
                       message += '[';
                       message += section.name;
                       message += "] ";
                       message += text;
                     });
  }
  return message.empty() ? Status::Ok() : InvalidArgumentError(message);
}

namespace {

// The read(2) buffer, wiped on every path out.
struct WipedChunk {
  char bytes[512];
  ~WipedChunk() { explicit_bzero(bytes, sizeof bytes); }
};

constexpr std::size_t kMaxSecretBytes = 64 * 1024;

}  // namespace

// open(2) and read(2), not stdio: a FILE reads through a buffer of its own and
// frees it without wiping, which would leave the secret in freed memory.
Result<SecretString> ReadSecretFile(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) return ErrnoToStatus(errno, "cannot open secret file " + path);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return InvalidArgumentError("secret file " + path + " is not a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    return PermissionDeniedError("secret file " + path +
                                 " is readable by group or others; run 'chmod 600 " + path + "'");
  }
  SecretString secret;  // Append wipes the old buffer when it grows
  WipedChunk chunk;
  while (true) {
    const ssize_t got = ::read(fd.get(), chunk.bytes, sizeof chunk.bytes);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return ErrnoToStatus(errno, "cannot read secret file " + path);
    if (got == 0) break;
    secret.Append(std::string_view(chunk.bytes, static_cast<std::size_t>(got)));
    if (secret.size() > kMaxSecretBytes) {
      return InvalidArgumentError("secret file " + path + " is larger than 64 KiB");
    }
  }
  secret.TrimLineEnd();
  return secret;
}

}  // namespace sesam::config
