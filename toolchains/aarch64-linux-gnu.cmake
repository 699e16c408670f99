# Cross-compile for 64-bit ARM Linux (Debian arm64) with Debian's
# g++-aarch64-linux-gnu; tests run under qemu-aarch64. See cross-common.cmake.
set(ROVER_ALERTS_TRIPLE aarch64-linux-gnu)
set(ROVER_ALERTS_PROCESSOR aarch64)
set(ROVER_ALERTS_DEB_ARCH arm64)
set(ROVER_ALERTS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
