#!/usr/bin/env bash
# Builds a build folder's Debian packages and checks them as a user would.
#
#   scripts/package-check.sh relay   BUILD_DIR   (host build, as root) install
#       rover-alerts-relay, check its files and user, run the installed binary
#       as the service runs it (systemd if it is running, otherwise the unit's
#       user and options by hand), GET /healthz, reload on SIGHUP, remove it
#   scripts/package-check.sh emitter BUILD_DIR   (cross build) unpack
#       librover-alerts-dev and build a control-loop project against it with
#       find_package(rover_alerts), then run it (under qemu)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd -P)
kind=${1:?usage: package-check.sh relay|emitter BUILD_DIR}
build=$(cd "${2:?usage: package-check.sh relay|emitter BUILD_DIR}" && pwd -P)

say() { printf 'package-check: %s\n' "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }

(cd "$build" && rm -f ./*.deb && cpack -G DEB >/dev/null) || fail "cpack"

healthz() {
  /usr/bin/python3 - "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(f"http://{sys.argv[1]}/healthz", timeout=10) as r:
    assert r.status == 200, r.status
PY
}

check_relay() {
  local deb
  deb=$(ls "$build"/rover-alerts-relay_*.deb) || fail "no rover-alerts-relay package"
  say "installing $(basename "$deb")"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >/dev/null || fail "apt-get install"
  relay_pid=
  trap '[[ -z ${relay_pid:-} ]] || kill "$relay_pid" 2>/dev/null || true
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q rover-alerts-relay >/dev/null 2>&1 || true' EXIT
  getent passwd rover-alerts >/dev/null || fail "no rover-alerts user"
  [[ $(stat -c '%U %a' /etc/rover-alerts/tokens) == "rover-alerts 600" ]] || fail "tokens file not rover-alerts 600"
  [[ -f /lib/systemd/system/rover-alerts-relay.service ]] || fail "no systemd unit"
  grep -qx '/etc/rover-alerts/relay.conf' /var/lib/dpkg/info/rover-alerts-relay.conffiles || fail "relay.conf is not a conffile"
  # The installed options, on ports of our own.
  # shellcheck disable=SC1091
  source /etc/rover-alerts/relay.conf
  local args=${ALERT_RELAY_ARGS//127.0.0.1:8000/127.0.0.1:0}
  args=${args//0.0.0.0:8100/127.0.0.1:0}
  local out http
  out=$(mktemp)
  if [[ -d /run/systemd/system ]]; then
    say "systemd is running: the unit, on its configured port"
    sleep 1
    systemctl is-active --quiet rover-alerts-relay || fail "the unit did not start"
    healthz 127.0.0.1:8000 || fail "the unit's /healthz"
    systemctl stop rover-alerts-relay  # it holds the journal; the checks below run their own
  fi
  # As the unit runs it: its user, its state folder, its options (setpriv
  # execs the relay itself, so signals reach it).
  # shellcheck disable=SC2086
  setpriv --reuid rover-alerts --regid rover-alerts --init-groups --no-new-privs \
    /usr/bin/alert-relay $args >"$out" 2>"$out.err" &
  relay_pid=$!
  for _ in $(seq 100); do grep -q '^listening' "$out" && break; sleep 0.1; done
  http=$(sed -n 's/^listening http=\([^ ]*\) .*/\1/p' "$out")
  [[ -n $http ]] || { cat "$out.err" >&2; fail "the installed relay did not start"; }
  healthz "$http" || fail "/healthz"
  /usr/bin/alertctl --help >/dev/null || fail "the installed alertctl does not run"
  kill -HUP "$relay_pid"
  for _ in $(seq 50); do grep -q 'reloaded' "$out.err" && break; sleep 0.1; done
  grep -q 'reloaded' "$out.err" || { cat "$out.err" >&2; fail "no reload on SIGHUP"; }
  kill -TERM "$relay_pid"
  wait "$relay_pid" || fail "the relay did not stop cleanly"
  relay_pid=
  [[ -f /var/lib/rover-alerts/alerts.db ]] || fail "no journal in /var/lib/rover-alerts"
  say "rover-alerts-relay: installed, started as rover-alerts, /healthz 200, alertctl runs, SIGHUP reload, clean stop"
}

check_emitter() {
  local deb arch toolchain
  deb=$(ls "$build"/librover-alerts-dev_*.deb) || fail "no librover-alerts-dev package"
  ls "$build"/rover-sim_*.deb >/dev/null || fail "no rover-sim package"
  arch=$(dpkg-deb -f "$deb" Architecture)
  local triple qemu
  case $arch in
    arm64) toolchain=toolchains/aarch64-linux-gnu.cmake triple=aarch64-linux-gnu qemu=qemu-aarch64 ;;
    armhf) toolchain=toolchains/arm-linux-gnueabihf.cmake triple=arm-linux-gnueabihf qemu=qemu-arm ;;
    *) fail "unexpected architecture $arch" ;;
  esac
  unpacked=$(mktemp -d)
  consumer=$(mktemp -d)
  trap 'rm -rf "$unpacked" "$consumer"' EXIT
  dpkg-deb -x "$deb" "$unpacked"
  say "building a control-loop project against $(basename "$deb")"
  cmake -S packaging/consumer -B "$consumer" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$root/$toolchain" \
    -DROVER_ALERTS_SYSROOT="$build/sysroot" \
    -Drover_alerts_DIR="$unpacked/usr/lib/cmake/rover_alerts" >/dev/null || fail "configure the consumer"
  cmake --build "$consumer" >/dev/null || fail "build the consumer"
  "$qemu" -L "/usr/$triple" -E "LD_LIBRARY_PATH=$build/sysroot/usr/lib/$triple" "$consumer/control-loop" ||
    fail "run the consumer"
  # The same project by pkg-config, as a Makefile would build it.
  local sysroot=$build/sysroot flags
  flags=$(PKG_CONFIG_LIBDIR="$unpacked/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$unpacked" \
          pkg-config --cflags --libs rover_alerts) || fail "pkg-config rover_alerts"
  # shellcheck disable=SC2086
  "$triple-g++" -std=c++20 -o "$consumer/control-loop-pc" packaging/consumer/main.cpp $flags \
    -isystem "$sysroot/usr/include" -isystem "$sysroot/usr/include/$triple" \
    -L"$sysroot/usr/lib/$triple" -Wl,-rpath-link,"$sysroot/usr/lib/$triple" || fail "build with pkg-config"
  "$qemu" -L "/usr/$triple" -E "LD_LIBRARY_PATH=$sysroot/usr/lib/$triple" "$consumer/control-loop-pc" ||
    fail "run the pkg-config build"
  say "librover-alerts-dev ($arch): find_package(rover_alerts) and pkg-config work for a control-loop project"
}

case $kind in
  relay) check_relay ;;
  emitter) check_emitter ;;
  *) fail "unknown check $kind" ;;
esac
