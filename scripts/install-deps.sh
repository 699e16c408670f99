#!/usr/bin/env bash
# Install the Debian 12 packages this project needs. Idempotent and fast: when
# everything is already installed it only runs dpkg-query (no apt-get at all).
#
#   scripts/install-deps.sh [host] [cross]     (no argument = both)
#
#   host   compiler, CMake, Ninja, ccache and the libraries of the host build
#          (firmware, relay, clients, tests), Python modules of the tests
#   cross  ARM cross compilers (arm64, armhf) and qemu-user to run their tests;
#          target libraries are not installed here: toolchains/make-sysroot.sh
#          fetches them into a sysroot under the build folder
#
# Needs root (or sudo) only when something is missing.
set -euo pipefail

HOST_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config openssl
  clang libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev
  libflatbuffers-dev flatbuffers-compiler
  liblz4-dev libsqlite3-dev libssl-dev
  python3 python3-websockets python3-jsonschema
  curl ca-certificates
)
CROSS_PACKAGES=(
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
  # make-sysroot.sh: apt-get download, dpkg-deb, Debian's archive keys
  apt dpkg debian-archive-keyring
)

groups=("$@")
[[ ${#groups[@]} -gt 0 ]] || groups=(host cross)
wanted=()
for g in "${groups[@]}"; do
  case $g in
    host) wanted+=("${HOST_PACKAGES[@]}") ;;
    cross) wanted+=("${CROSS_PACKAGES[@]}") ;;
    -h|--help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown group '$g' (host, cross)" >&2; exit 2 ;;
  esac
done

command -v dpkg-query >/dev/null || { echo "install-deps: needs Debian (dpkg-query not found)" >&2; exit 1; }

declare -A installed=()
while read -r name status; do
  [[ $status == installed ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${wanted[@]}" 2>/dev/null || true)
missing=()
for p in "${wanted[@]}"; do
  [[ -n ${installed[$p]:-} ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#wanted[@]} packages present (${groups[*]})"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo)" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# A mirror caught mid-sync fails one index; retry, then try the install anyway.
for attempt in 1 2 3; do
  "${sudo[@]}" apt-get update -q -o Acquire::Retries=3 && break
  if [[ $attempt -eq 3 ]]; then
    echo "install-deps: warning: apt-get update failed; installing from the indexes it got" >&2
  else
    sleep $((attempt * 5))
  fi
done
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
