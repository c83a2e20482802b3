// SPDX-License-Identifier: Apache-2.0
// pam_sm_chauthtok's logic, over the Host seam. Returns a PAM result code.
//
// PAM_PRELIM_CHECK: checks the arguments and that the policy loads, then
// succeeds. PAM_UPDATE_AUTHTOK: takes the new password (PAM_AUTHTOK with
// use_authtok, else asks twice), reports every failed rule on its own line,
// asks again up to `retry` times, and on success sets PAM_AUTHTOK for the
// next module. Root changing a password sees failures as warnings unless
// enforce_for_root, or unless the application forces the change of an
// expired password (PAM_CHANGE_EXPIRED_AUTHTOK: login, sshd, display
// managers, all running as root). Never throws for anything but
// std::bad_alloc.
#pragma once

#include <span>

#include "host.h"

namespace sesam::pam {

enum class Phase { kPrelimCheck, kUpdateAuthtok };

int ChangeAuthtok(Host& host, Phase phase, std::span<const char* const> argv);

}  // namespace sesam::pam
