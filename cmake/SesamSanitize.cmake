# SPDX-License-Identifier: Apache-2.0
# SESAM_SANITIZE=ON: every target of the build gets AddressSanitizer and
# UndefinedBehaviorSanitizer, and UB aborts instead of printing and going on,
# so that a test run cannot pass over a sanitizer finding.
if(SESAM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
