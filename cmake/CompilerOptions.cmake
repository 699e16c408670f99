# Project-wide compiler options, applied through two interface targets so that
# third-party headers and generated code are not held to our warning level.

add_library(rover_alerts_warnings INTERFACE)
target_compile_options(rover_alerts_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  $<$<BOOL:${ROVER_ALERTS_WERROR}>:-Werror>)
# GCC 12 reports "literal" + std::string, inlined at -O2, as a memcpy of
# exabytes that may overlap (-Wrestrict; GCC bug 105329). Off before GCC 13:
# in a Release build it named twenty such sites here and no real one.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(rover_alerts_warnings INTERFACE -Wno-restrict)
endif()

# Firmware: no exceptions, no RTTI, as on the rover's board.
add_library(rover_alerts_firmware_flags INTERFACE)
target_compile_options(rover_alerts_firmware_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti>)

if(ROVER_ALERTS_SANITIZE)
  add_compile_options(-fsanitize=${ROVER_ALERTS_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${ROVER_ALERTS_SANITIZE})
  if(ROVER_ALERTS_SANITIZE MATCHES "undefined")
    # The vptr check needs RTTI, which the firmware is built without.
    add_compile_options(-fno-sanitize=vptr)
    add_link_options(-fno-sanitize=vptr)
  endif()
  if(ROVER_ALERTS_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # Asio's handler completion uses std::atomic_thread_fence, which GCC
    # warns TSan cannot see. The handlers here all run on one io thread;
    # what crosses threads (the journal's writer) uses a mutex TSan does see.
    add_compile_options(-Wno-tsan)
  endif()
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
