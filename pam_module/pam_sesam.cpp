// SPDX-License-Identifier: Apache-2.0
// pam_sesam.so's only exported symbol. Each entry point is one line into
// noexcept C++: no exception may cross into the C code of sshd or passwd.
#include <security/pam_modules.h>

#include <new>
#include <span>

#include "chauthtok.h"
#include "linux_pam_host.h"

namespace sesam::pam {
namespace {

int ChangeAuthtokEntry(pam_handle_t* handle, int flags, int argc, const char** argv) noexcept {
  try {
    LinuxPamHost host(handle, flags);
    const Phase phase =
        (static_cast<unsigned>(flags) & static_cast<unsigned>(PAM_PRELIM_CHECK)) != 0
            ? Phase::kPrelimCheck
            : Phase::kUpdateAuthtok;
    return ChangeAuthtok(
        host, phase,
        std::span<const char* const>(argv, argc > 0 ? static_cast<std::size_t>(argc) : 0));
  } catch (const std::bad_alloc&) {
    return PAM_BUF_ERR;
  } catch (...) {
    return PAM_SERVICE_ERR;
  }
}

}  // namespace
}  // namespace sesam::pam

extern "C" __attribute__((visibility("default"))) int pam_sm_chauthtok(pam_handle_t* handle,
                                                                       int flags, int argc,
                                                                       const char** argv) {
  return sesam::pam::ChangeAuthtokEntry(handle, flags, argc, argv);
}
