# sesam_set_warnings(<target>): the project's warning set, always PRIVATE so that
# nothing we build forces our flags on a consumer.
function(sesam_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wnull-dereference
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  if(SESAM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
