// SPDX-License-Identifier: Apache-2.0
// Building the engine: settings plus every blocklist, opened once.
#include <fcntl.h>
#include <unistd.h>

#include "engine.h"
#include "sesam/posix.h"

namespace sesam::policy {
namespace {

// Reads the first bytes to tell a pwqfilter file from a text list.
Result<bool> IsFilterFile(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoToStatus(errno, "cannot open blocklist " + path);
  char head[4] = {};
  const ssize_t got = ::read(fd.get(), head, sizeof head);
  return got == static_cast<ssize_t>(sizeof head) &&
         internal::PwqFilter::LooksLikeFilter(std::string_view(head, sizeof head));
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Build(const config::PolicySection& settings) {
  if (settings.max_length < settings.min_length) {
    return InvalidArgumentError("[policy] max_length must not be below min_length");
  }
  if (settings.min_classes > 4) {
    return InvalidArgumentError("[policy] min_classes must be between 0 and 4");
  }
  std::unique_ptr<Engine> engine(new Engine(settings));
  for (const std::string& path : settings.blocklist) {
    Status status = engine->AddBlocklist(path);
    if (status.ok()) continue;
    const bool missing =
        status.code() == StatusCode::kNotFound || status.code() == StatusCode::kPermissionDenied;
    if (missing && settings.blocklist_optional) {
      engine->warnings_.push_back(status.message() + " (skipped: blocklist_optional = yes)");
      continue;
    }
    return status;
  }
  return engine;
}

Status Engine::AddBlocklist(const std::string& path) {
  SESAM_ASSIGN_OR_RETURN(const bool is_filter, IsFilterFile(path));
  if (is_filter) {
    SESAM_ASSIGN_OR_RETURN(internal::PwqFilter filter, internal::PwqFilter::Open(path));
    filters_.push_back(std::move(filter));
    return Status::Ok();
  }
  SESAM_ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(path));
  text_.AddLines(text);
  return Status::Ok();
}

}  // namespace sesam::policy
