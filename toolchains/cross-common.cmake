# Shared part of the cross toolchain files. The including file sets:
#   ROVER_ALERTS_TRIPLE      GNU triple of Debian's cross compiler (aarch64-linux-gnu)
#   ROVER_ALERTS_PROCESSOR   CMAKE_SYSTEM_PROCESSOR (aarch64, armv7l)
#   ROVER_ALERTS_DEB_ARCH    Debian architecture of the sysroot packages (arm64, armhf)
#   ROVER_ALERTS_QEMU        qemu-user binary that runs the target's programs
#
# Compilers, C library and libstdc++ come from Debian's g++-<triple> packages
# (/usr/<triple>); every other target library comes from a sysroot of Debian
# :<arch> packages made by toolchains/make-sysroot.sh (ROVER_ALERTS_SYSROOT).
#
# CMake reads this file several times, also inside try_compile projects whose
# CMAKE_BINARY_DIR is a scratch folder; the sysroot path is therefore resolved
# once and handed on (cache + CMAKE_TRY_COMPILE_PLATFORM_VARIABLES + environment).

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${ROVER_ALERTS_PROCESSOR})
set(CMAKE_LIBRARY_ARCHITECTURE ${ROVER_ALERTS_TRIPLE})

set(CMAKE_C_COMPILER ${ROVER_ALERTS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${ROVER_ALERTS_TRIPLE}-g++)

# --- sysroot ------------------------------------------------------------------
get_property(_rover_in_try_compile GLOBAL PROPERTY IN_TRY_COMPILE)
if(NOT ROVER_ALERTS_SYSROOT)
  if(DEFINED ENV{ROVER_ALERTS_SYSROOT} AND NOT "$ENV{ROVER_ALERTS_SYSROOT}" STREQUAL "")
    set(ROVER_ALERTS_SYSROOT "$ENV{ROVER_ALERTS_SYSROOT}")
  else()
    set(ROVER_ALERTS_SYSROOT "${CMAKE_BINARY_DIR}/sysroot")
  endif()
endif()
get_filename_component(ROVER_ALERTS_SYSROOT "${ROVER_ALERTS_SYSROOT}" ABSOLUTE)
set(ROVER_ALERTS_SYSROOT "${ROVER_ALERTS_SYSROOT}" CACHE PATH
    "Target sysroot made by toolchains/make-sysroot.sh ${ROVER_ALERTS_DEB_ARCH} <dir>")
set(ENV{ROVER_ALERTS_SYSROOT} "${ROVER_ALERTS_SYSROOT}")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ROVER_ALERTS_SYSROOT)

if(NOT _rover_in_try_compile AND NOT EXISTS "${ROVER_ALERTS_SYSROOT}/.sysroot-stamp")
  get_filename_component(_rover_script "${CMAKE_CURRENT_LIST_DIR}/make-sysroot.sh" ABSOLUTE)
  message(FATAL_ERROR
    "No ${ROVER_ALERTS_DEB_ARCH} sysroot at ${ROVER_ALERTS_SYSROOT}. Create it with\n"
    "  ${_rover_script} ${ROVER_ALERTS_DEB_ARCH} ${ROVER_ALERTS_SYSROOT}\n"
    "(scripts/test.sh does this for the cross presets), or point "
    "-DROVER_ALERTS_SYSROOT=<dir> at an existing one.")
endif()

set(_rover_libdir "${ROVER_ALERTS_SYSROOT}/usr/lib/${ROVER_ALERTS_TRIPLE}")

# --- finding things -----------------------------------------------------------
# Programs (flatc, python) are the build machine's; libraries, headers and CMake
# packages only from the target: the sysroot, then the cross compiler's own tree.
set(CMAKE_FIND_ROOT_PATH "${ROVER_ALERTS_SYSROOT}" "/usr/${ROVER_ALERTS_TRIPLE}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (FindPkgConfig) reads the target's .pc files, paths prefixed with the sysroot.
set(ENV{PKG_CONFIG_LIBDIR} "${_rover_libdir}/pkgconfig:${ROVER_ALERTS_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${ROVER_ALERTS_SYSROOT}")
unset(ENV{PKG_CONFIG_PATH})

# Debian's multiarch headers (OpenSSL's opensslconf.h, configuration.h) sit in
# usr/include/<triple>, which the cross compiler does not search in a sysroot
# it was not configured with.
foreach(_lang C CXX)
  set(CMAKE_${_lang}_STANDARD_INCLUDE_DIRECTORIES "${ROVER_ALERTS_SYSROOT}/usr/include/${ROVER_ALERTS_TRIPLE}")
endforeach()

# Sysroot libraries may depend on each other; let the linker find those.
foreach(_kind EXE SHARED MODULE)
  set(CMAKE_${_kind}_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_rover_libdir}")
endforeach()

# --- running target programs (CTest, try_run) ------------------------------------
# qemu-user: -L gives the target's dynamic loader and libc (/usr/<triple>); the
# sysroot's shared libraries (e.g. liblz4.so.1) are found through LD_LIBRARY_PATH.
set(CMAKE_CROSSCOMPILING_EMULATOR
    "${ROVER_ALERTS_QEMU};-L;/usr/${ROVER_ALERTS_TRIPLE};-E;LD_LIBRARY_PATH=${_rover_libdir}")
