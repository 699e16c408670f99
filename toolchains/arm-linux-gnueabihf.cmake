# Cross-compile for 32-bit ARM hard-float Linux (Debian armhf) with Debian's
# g++-arm-linux-gnueabihf; tests run under qemu-arm. See cross-common.cmake.
set(ROVER_ALERTS_TRIPLE arm-linux-gnueabihf)
set(ROVER_ALERTS_PROCESSOR armv7l)
set(ROVER_ALERTS_DEB_ARCH armhf)
set(ROVER_ALERTS_QEMU qemu-arm)
# Everything is built by the same compiler, so GCC's notes about the armhf
# parameter-passing change of GCC 7.1 are noise.
set(CMAKE_C_FLAGS_INIT "-Wno-psabi")
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
