// SPDX-License-Identifier: Apache-2.0
#include "doctor_report.h"

#include <cstdio>

#include "options.h"

namespace sesam::cli {

void DoctorReport::Print(std::string_view verdict, std::string_view check, std::string_view detail,
                         std::string_view fix) {
  std::printf("%-4.*s  %.*s: %.*s\n", static_cast<int>(verdict.size()), verdict.data(),
              static_cast<int>(check.size()), check.data(), static_cast<int>(detail.size()),
              detail.data());
  if (!fix.empty()) std::printf("      fix: %.*s\n", static_cast<int>(fix.size()), fix.data());
  std::fflush(stdout);
}

void DoctorReport::Ok(std::string_view check, std::string_view detail) {
  ++ok_;
  Print("ok", check, detail, {});
}

void DoctorReport::Warn(std::string_view check, std::string_view detail, std::string_view fix) {
  ++warnings_;
  Print("warn", check, detail, fix);
}

void DoctorReport::Fail(std::string_view check, std::string_view detail, std::string_view fix) {
  ++failures_;
  Print("fail", check, detail, fix);
}

int DoctorReport::Finish() const {
  std::printf("sesam doctor: %u ok, %u warning%s, %u failed\n", ok_, warnings_,
              warnings_ == 1 ? "" : "s", failures_);
  return failures_ > 0 ? kExitRefused : kExitOk;
}

}  // namespace sesam::cli
