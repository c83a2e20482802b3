# SPDX-License-Identifier: Apache-2.0
# SESAM_SANITIZE picks the sanitizers every target of the build gets:
#   ON (or "address"): AddressSanitizer + UndefinedBehaviorSanitizer, and UB aborts
#     instead of printing and going on, so that a test run cannot pass over a finding;
#   "thread": ThreadSanitizer (it cannot be combined with AddressSanitizer). A report
#     makes the process exit non-zero (TSan exitcode 66); .ci/run also collects the
#     reports of servers the tests start through TSAN_OPTIONS=log_path.
if(SESAM_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=thread)
elseif(SESAM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
