#!/usr/bin/env bash
# Build and run the whole test suite: installs what is missing (Debian 12),
# then for each preset configures, builds and runs CTest.
#
#   scripts/test.sh                 all of: ci asan tsan fuzz aarch64 armhf
#   scripts/test.sh ci armhf        only these presets (any preset of CMakePresets.json)
#
#   ci       host build, warnings as errors: unit + integration tests, the console in
#            headless Chromium; the relay's package
#   asan     host build with AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan     host build with ThreadSanitizer: the tests labelled concurrency (emitter, journal)
#   fuzz     clang + libFuzzer: link frames, link authentication, JSON requests, 20 s each
#   aarch64  cross build for arm64, firmware tests under qemu-aarch64; the emitter's package
#   armhf    cross build for armhf, firmware tests under qemu-arm; the emitter's package
#
# Every preset runs even when an earlier one fails (one failure must not hide
# another); the exit status is non-zero if any step of any preset failed.
# Build folders: build/<preset>; cross presets first make their sysroot in
# build/<preset>/sysroot (toolchains/make-sysroot.sh, instant when up to date).
#
# Environment: JOBS (build parallelism, default: number of CPUs),
#              TEST_JOBS (CTest parallelism, default 2; tests use ephemeral ports),
#              FRESH=1 (configure from scratch: cmake --fresh).
set -uo pipefail

# The presets a plain run covers. Add new ones here (e.g. tsan, fuzz).
DEFAULT_PRESETS=(ci asan tsan fuzz aarch64 armhf)

# Debian architecture of a cross preset's sysroot; empty for host presets.
sysroot_arch() {
  case $1 in
    aarch64) echo arm64 ;;
    armhf) echo armhf ;;
    *) echo "" ;;
  esac
}

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$(pwd -P)

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,23s/^# \{0,1\}//p' "$0"; exit 0
fi
presets=("$@")
[[ ${#presets[@]} -gt 0 ]] || presets=("${DEFAULT_PRESETS[@]}")

jobs=${JOBS:-$(nproc)}
test_jobs=${TEST_JOBS:-2}

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# --- dependencies ----------------------------------------------------------------
groups=(host)
for p in "${presets[@]}"; do
  [[ $p == ci ]] && { groups+=(browser); break; }  # the console's browser test
done
for p in "${presets[@]}"; do
  [[ -n $(sysroot_arch "$p") ]] && { groups+=(cross); break; }
done
say "dependencies (${groups[*]})"
scripts/install-deps.sh "${groups[@]}" || { echo "test.sh: installing dependencies failed" >&2; exit 1; }

# Check preset names now (cmake is installed at this point), not after an hour.
available=$(cmake --list-presets=configure 2>/dev/null | sed -n 's/^ *"\([^"]*\)".*/\1/p')
for p in "${presets[@]}"; do
  grep -qx -- "$p" <<<"$available" || {
    echo "test.sh: unknown preset '$p'; available: ${available//$'\n'/ }" >&2; exit 2; }
done

# --- presets ---------------------------------------------------------------------
declare -A result=()
failed=0
total_start=$SECONDS

for p in "${presets[@]}"; do
  start=$SECONDS
  log_dir="$root/build/$p"
  mkdir -p "$log_dir"
  status=

  arch=$(sysroot_arch "$p")
  if [[ -n $arch ]]; then
    say "$p: sysroot ($arch)"
    toolchains/make-sysroot.sh "$arch" "build/$p/sysroot" || status="FAIL (sysroot)"
  fi

  if [[ -z $status ]]; then
    say "$p: configure"
    cmake --preset "$p" ${FRESH:+--fresh} || status="FAIL (configure)"
  fi
  if [[ -z $status ]]; then
    say "$p: build (-j$jobs)"
    # -k 0: report every compile error of this preset, not just the first.
    cmake --build --preset "$p" --parallel "$jobs" -- -k 0 || status="FAIL (build)"
  fi
  if [[ -z $status ]]; then
    say "$p: test"
    ctest --preset "$p" --parallel "$test_jobs" 2>&1 | tee "$log_dir/ctest.log"
    rc=${PIPESTATUS[0]}
    summary=$(grep -E 'tests passed|No tests were found' "$log_dir/ctest.log" | tail -n1)
    if [[ $rc -eq 0 ]]; then
      status="PASS (${summary:-tests ran})"
    else
      status="FAIL (${summary:-ctest exit status $rc})"
    fi
  fi

  # Packages (packaging/README.md): the relay's from the host build, installed
  # and run as its service would; the emitter's from each cross build, linked
  # into a control-loop project.
  if [[ $status == PASS* ]]; then
    check=
    case $p in
      ci) check=relay ;;
      aarch64 | armhf) check=emitter ;;
    esac
    if [[ -n $check ]]; then
      say "$p: packages"
      scripts/package-check.sh "$check" "build/$p" || status="FAIL (packages)"
    fi
  fi

  [[ $status == PASS* ]] || failed=1
  result[$p]="$status in $(fmt_time $((SECONDS - start)))"
  echo "test.sh: $p: ${result[$p]}"
done

say "summary ($(fmt_time $((SECONDS - total_start))))"
for p in "${presets[@]}"; do
  printf '  %-10s %s\n' "$p" "${result[$p]}"
done
exit $failed
