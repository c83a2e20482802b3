# SPDX-License-Identifier: Apache-2.0
# SESAM_BUILD_FUZZERS=ON: the libFuzzer targets of tests/fuzz. Every target of
# the build gets the fuzzer's coverage instrumentation plus AddressSanitizer
# and UndefinedBehaviorSanitizer (UB aborts, so the fuzzer sees it as a crash);
# only the fuzz programs link libFuzzer's main. Use a build directory of its
# own (build-fuzz): the whole tree is instrumented.
if(SESAM_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SESAM_BUILD_FUZZERS needs clang (libFuzzer): "
                        "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()
