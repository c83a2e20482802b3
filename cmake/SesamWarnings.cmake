# SPDX-License-Identifier: Apache-2.0
# sesam_set_warnings(<target>): the project's warning set, always PRIVATE so that
# nothing we build forces our flags on a consumer.
function(sesam_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  # clang proves that members marked SESAM_GUARDED_BY are only touched under
  # their lock (sesam/mutex.h); GCC has no such analysis.
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
  if(SESAM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
# Not in the set: -Wnull-dereference, whose GCC 12 -O2 analysis reports false
# positives inside libstdc++ (std::istreambuf_iterator).
