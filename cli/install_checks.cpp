// SPDX-License-Identifier: Apache-2.0
// The service user check reads sesam-fcgi.service as systemd would (the unit
// file, then its drop-ins; $SYSTEMD_UNIT_PATH replaces the search path, as it
// does for systemd) and opens each named file in a child process that has
// become that user: access(2) as root would say yes to everything, and only
// the kernel's own answer covers modes, owners, groups and ACLs alike.
#include "install_checks.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sesam/config_examples.h"
#include "sesam/posix.h"

namespace sesam::cli {
namespace {

constexpr std::string_view kUnit = "sesam-fcgi.service";

std::vector<std::string> UnitPath() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("SYSTEMD_UNIT_PATH"); path && *path) {
    std::string rest = path;
    for (std::size_t colon; (colon = rest.find(':')) != std::string::npos;) {
      dirs.push_back(rest.substr(0, colon));
      rest.erase(0, colon + 1);
    }
    dirs.push_back(rest);
    return dirs;
  }
  return {"/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system",
          "/usr/lib/systemd/system"};
}

void ReadIdentity(const std::filesystem::path& file, ServiceIdentity& identity) {
  std::ifstream in(file);
  std::string line;
  bool service_section = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[') service_section = line.rfind("[Service]", 0) == 0;
    if (!service_section) continue;
    if (line.rfind("User=", 0) == 0) identity.user = line.substr(5);
    if (line.rfind("Group=", 0) == 0) identity.group = line.substr(6);
  }
}

}  // namespace

std::optional<ServiceIdentity> FindServiceIdentity() {
  namespace fs = std::filesystem;
  const std::vector<std::string> dirs = UnitPath();
  std::optional<ServiceIdentity> identity;
  for (const auto& dir : dirs) {  // the first unit file found wins
    std::error_code error;
    if (fs::is_regular_file(fs::path(dir) / kUnit, error)) {
      identity.emplace();
      ReadIdentity(fs::path(dir) / kUnit, *identity);
      break;
    }
  }
  if (!identity) return identity;
  // Drop-ins apply in file-name order; a name in an earlier directory hides
  // the same name in a later one.
  std::vector<std::pair<std::string, fs::path>> dropins;
  for (const auto& dir : dirs) {
    std::error_code error;
    for (const auto& entry :
         fs::directory_iterator(fs::path(dir) / (std::string(kUnit) + ".d"), error)) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".conf") continue;
      if (std::none_of(dropins.begin(), dropins.end(),
                       [&](const auto& known) { return known.first == name; })) {
        dropins.emplace_back(name, entry.path());
      }
    }
  }
  std::sort(dropins.begin(), dropins.end());
  for (const auto& dropin : dropins) ReadIdentity(dropin.second, *identity);
  return identity;
}

namespace {

struct NamedFile {
  std::string key;
  std::string path;
};

std::vector<NamedFile> FilesTheServiceReads(const config::Config& config) {
  std::vector<NamedFile> files = {
      {"bind_password_file", config.ldap.bind_password_file},
      {"tls_ca_file", config.ldap.tls_ca_file},
      {"password_file", config.mail.password_file},
      {"tls_ca_file", config.mail.tls_ca_file},
      {"key_file", config.token.key_file},
  };
  for (const auto& blocklist : config.policy.blocklist) files.push_back({"blocklist", blocklist});
  std::vector<NamedFile> existing;
  for (auto& file : files) {
    std::error_code error;
    // A missing file was reported by the loader already.
    if (!file.path.empty() && std::filesystem::exists(file.path, error)) {
      existing.push_back(std::move(file));
    }
  }
  return existing;
}

// errno of open(O_RDONLY) for each path, as `user`; nullopt if the child
// could not become the user.
std::optional<std::vector<int>> OpenErrorsAs(const passwd& user, gid_t group,
                                             const std::vector<NamedFile>& files) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return std::nullopt;
  UniqueFd reader(pipe_fds[0]);
  UniqueFd writer(pipe_fds[1]);
  const pid_t child = ::fork();
  if (child < 0) return std::nullopt;
  if (child == 0) {
    reader.reset();
    if (::initgroups(user.pw_name, group) != 0 || ::setgid(group) != 0 ||
        ::setuid(user.pw_uid) != 0) {
      ::_exit(1);
    }
    for (const auto& file : files) {
      const UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
      const int error = fd.valid() ? 0 : errno;
      if (::write(writer.get(), &error, sizeof error) != sizeof error) ::_exit(1);
    }
    ::_exit(0);
  }
  writer.reset();  // so that the read below sees the end when the child exits
  std::vector<int> errors(files.size(), 0);
  std::size_t got = 0;
  for (auto& error : errors) {
    if (::read(reader.get(), &error, sizeof error) != sizeof error) break;
    ++got;
  }
  reader.reset();
  int status = 0;
  ::waitpid(child, &status, 0);
  if (got != files.size() || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return errors;
}

config::Diagnostic Problem(config::Diagnostic::Severity severity, const std::string& file,
                           const std::string& key, std::string message) {
  config::Diagnostic diagnostic;
  diagnostic.severity = severity;
  diagnostic.file = file;
  diagnostic.key = key;
  diagnostic.message = std::move(message);
  return diagnostic;
}

}  // namespace

ServiceUserFiles CheckFilesAsServiceUser(const config::Config& config) {
  ServiceUserFiles result;
  const std::optional<ServiceIdentity> identity = FindServiceIdentity();
  if (!identity || identity->user.empty()) return result;  // no portal on this machine
  result.user = identity->user;
  if (::geteuid() != 0) {
    result.outcome = ServiceUserFiles::Outcome::kNotRoot;
    return result;
  }
  const std::string& file = config.path;
  const std::string unit_user = std::string(kUnit) + " runs as '" + identity->user + "'";
  const passwd* user = ::getpwnam(identity->user.c_str());
  if (!user) {
    result.outcome = ServiceUserFiles::Outcome::kUnknownUser;
    result.problems.push_back(Problem(config::Diagnostic::Severity::kWarning, file, "",
                                      unit_user + ", a user that does not exist"));
    return result;
  }
  gid_t gid = user->pw_gid;
  if (!identity->group.empty()) {
    const struct group* named = ::getgrnam(identity->group.c_str());
    if (named) gid = named->gr_gid;
  }
  const passwd copy = *user;  // getpwnam's buffer is shared
  const std::string name = copy.pw_name;
  const std::vector<NamedFile> files = FilesTheServiceReads(config);
  const auto errors = OpenErrorsAs(copy, gid, files);
  if (!errors) {
    result.outcome = ServiceUserFiles::Outcome::kCouldNotCheck;
    result.problems.push_back(Problem(config::Diagnostic::Severity::kWarning, file, "",
                                      "could not check the files as " + unit_user));
    return result;
  }
  result.outcome = ServiceUserFiles::Outcome::kChecked;
  for (std::size_t i = 0; i < files.size(); ++i) {
    result.files.push_back(files[i].key);
    if ((*errors)[i] == 0) continue;
    result.problems.push_back(
        Problem(config::Diagnostic::Severity::kError, file, files[i].key,
                "'" + files[i].key + "': " + unit_user + ", who cannot read " + files[i].path +
                    " (" + ErrnoText((*errors)[i]) + "): the portal would fail; e.g. chown " +
                    name + " " + files[i].path));
  }
  return result;
}

void AddInstallChecks(config::LoadReport& report) {
  if (!report.ok()) return;
  for (auto& warning : config::ExampleValueWarnings(report.config.path)) {
    report.diagnostics.push_back(std::move(warning));
  }
  for (auto& problem : CheckFilesAsServiceUser(report.config).problems) {
    report.diagnostics.push_back(std::move(problem));
  }
}

}  // namespace sesam::cli
