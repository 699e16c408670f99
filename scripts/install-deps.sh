#!/usr/bin/env bash
# Install the Debian 12 packages this project needs. Idempotent and fast: when
# everything is already installed it only runs dpkg-query (no apt-get at all).
#
#   scripts/install-deps.sh [host] [browser] [cross]     (no argument = all three)
#
#   host   compiler, CMake, Ninja, ccache and the libraries of the host build
#          (firmware, relay, clients, tests), Python modules of the tests,
#          and promtool (Prometheus' linter) in build/tools/bin (see fetch_promtool)
#   browser  for the console's browser test (ci preset): Chromium, Node.js and
#          npm, and the npm packages of tests/browser (npm ci, see
#          install_browser_test_packages); the demo does not need them
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
  python3 python3-websockets python3-jsonschema python3-lz4
  curl ca-certificates
)
BROWSER_PACKAGES=(chromium fonts-liberation)
# Node.js and npm for tests/browser, from Debian unless a node is already on
# the PATH (another build of Node.js brings its own npm, which Debian's npm
# package would conflict with).
NODE_PACKAGES=(nodejs npm)
BROWSER_TEST_DIR=tests/browser
# Where fetch_promtool puts promtool; tests/integration/CMakeLists.txt looks there.
PROMTOOL_DIR=build/tools/bin
CROSS_PACKAGES=(
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
  # make-sysroot.sh: apt-get download, dpkg-deb, Debian's archive keys
  apt dpkg debian-archive-keyring
)

groups=("$@")
[[ ${#groups[@]} -gt 0 ]] || groups=(host browser cross)
wanted=()
want_promtool=
want_npm=
for g in "${groups[@]}"; do
  case $g in
    host) wanted+=("${HOST_PACKAGES[@]}"); want_promtool=1 ;;
    browser)
      wanted+=("${BROWSER_PACKAGES[@]}"); want_npm=1
      if ! command -v node >/dev/null || ! command -v npm >/dev/null; then wanted+=("${NODE_PACKAGES[@]}"); fi
      ;;
    cross) wanted+=("${CROSS_PACKAGES[@]}") ;;
    -h|--help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown group '$g' (host, browser, cross)" >&2; exit 2 ;;
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

sudo=()
if [[ $EUID -ne 0 ]] && command -v sudo >/dev/null; then
  sudo=(sudo)
fi

# A mirror caught mid-sync fails one index; retry, then go on with the indexes it got.
apt_update() {
  for attempt in 1 2 3; do
    "${sudo[@]}" apt-get update -q -o Acquire::Retries=3 && return 0
    if [[ $attempt -eq 3 ]]; then
      echo "install-deps: warning: apt-get update failed; using the indexes it got" >&2
    else
      sleep $((attempt * 5))
    fi
  done
}

# promtool alone, out of Debian's `prometheus` package (19 MB download, a 48 MB
# binary needing only libc): installing the package would add eleven web-UI
# packages (about 320 MB in all) and enable a Prometheus server on port 9090.
# Nothing is installed: the binary goes to $PROMTOOL_DIR under the checkout.
fetch_promtool() {
  local root dir tmp
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
  dir=$root/$PROMTOOL_DIR
  if command -v promtool >/dev/null || [[ -x $dir/promtool ]]; then
    return 0
  fi
  echo "install-deps: fetching promtool (from Debian's prometheus package) into $PROMTOOL_DIR"
  tmp=$(mktemp -d)
  # As root, apt downloads as _apt, which cannot write to a private folder.
  local apt_opts=(-q)
  [[ $EUID -ne 0 ]] || apt_opts+=(-o "APT::Sandbox::User=root")
  if ! (cd "$tmp" && apt-get "${apt_opts[@]}" download prometheus); then
    apt_update  # the indexes name a version the mirror no longer has
    (cd "$tmp" && apt-get "${apt_opts[@]}" download prometheus) ||
      { rm -rf "$tmp"; echo "install-deps: could not download prometheus" >&2; return 1; }
  fi
  if dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool &&
    mkdir -p "$dir" && mv "$tmp/usr/bin/promtool" "$dir/promtool"; then
    rm -rf "$tmp"
  else
    rm -rf "$tmp"
    echo "install-deps: could not unpack promtool" >&2
    return 1
  fi
}

# The browser test's npm packages, exactly as package-lock.json pins them;
# again only when the lock file changed since the last install.
install_browser_test_packages() {
  local dir
  dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)/$BROWSER_TEST_DIR
  if [[ -f $dir/node_modules/.package-lock.json && ! $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    return 0
  fi
  echo "install-deps: npm ci in $BROWSER_TEST_DIR"
  (cd "$dir" && npm ci --no-audit --no-fund) || { echo "install-deps: npm ci in $BROWSER_TEST_DIR failed" >&2; return 1; }
}

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#wanted[@]} packages present (${groups[*]})"
else
  echo "install-deps: installing ${missing[*]}"
  if [[ $EUID -ne 0 && ${#sudo[@]} -eq 0 ]]; then
    echo "install-deps: run as root (or install sudo)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  echo "install-deps: done"
fi
[[ -z $want_promtool ]] || fetch_promtool
[[ -z $want_npm ]] || install_browser_test_packages
