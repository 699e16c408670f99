#!/usr/bin/env bash
# Build a target-architecture sysroot from Debian packages, without touching the
# machine's dpkg database (no `dpkg --add-architecture`, nothing installed).
#
#   toolchains/make-sysroot.sh <debian-arch> <dest> [extra-package ...]
#
#   <debian-arch>  arm64 | armhf (any Debian architecture name)
#   <dest>         folder to create, e.g. build/aarch64/sysroot
#
# How: a private apt configuration under <dest>/.apt (its own sources list,
# lists, cache and an empty dpkg status) with APT::Architecture=<debian-arch>;
# `apt-get update` and `apt-get download` run against it, then every .deb is
# unpacked with `dpkg-deb -x` into <dest> and absolute symlinks are rewritten
# to stay inside <dest>. The C library and libstdc++ are not fetched: they come
# with Debian's cross compilers (/usr/<triple>).
#
# The apt sources are the Debian entries of this machine (/etc/apt/sources.list,
# /etc/apt/sources.list.d/*.list and *.sources whose suite is this release's
# codename, e.g. bookworm, bookworm-updates, bookworm-security), so target
# libraries get the same versions as the host's (flatc must match the headers).
# ROVER_ALERTS_DEBIAN_MIRROR=<url> overrides that with one mirror.
#
# Idempotent: <dest>/.sysroot-stamp records the architecture and package list;
# when it matches, the script exits at once. Runs as root or as a normal user.
set -euo pipefail

# Libraries the firmware, rover-sim and firmware tests need on the target.
PACKAGES=(
  libflatbuffers-dev libflatbuffers2   # FlatBuffers headers (+ runtime library)
  libboost1.81-dev                     # Boost headers, incl. header-only Boost.Test, CMake configs
  liblz4-dev liblz4-1                  # LZ4 compression
  libssl-dev libssl3                   # libcrypto: link authentication (link_auth.hpp)
)
STAMP_FORMAT=1   # bump when the layout produced by this script changes

die() { echo "make-sysroot: $*" >&2; exit 1; }

[[ $# -ge 2 ]] || die "usage: $0 <debian-arch> <dest> [extra-package ...]"
arch=$1
dest=$2
shift 2
PACKAGES+=("$@")

[[ $arch =~ ^[a-z0-9]+$ ]] || die "bad architecture name: $arch"
[[ -n $dest && $dest != / ]] || die "refusing to use '$dest' as sysroot"
mkdir -p "$dest"
dest=$(cd "$dest" && pwd -P)

stamp="$dest/.sysroot-stamp"
want_stamp="format=$STAMP_FORMAT arch=$arch packages=${PACKAGES[*]}"
if [[ -f $stamp && "$(cat "$stamp")" == "$want_stamp" ]]; then
  echo "make-sysroot: $dest is up to date ($arch)"
  exit 0
fi

for tool in apt-get dpkg-deb realpath; do
  command -v "$tool" >/dev/null || die "'$tool' not found (is this Debian?)"
done

# Refuse to wipe a non-empty folder that this script did not create.
if [[ -n "$(ls -A "$dest")" && ! -d "$dest/.apt" ]]; then
  die "$dest is not empty and was not made by this script; choose another folder"
fi

start=$SECONDS
apt_dir="$dest/.apt"
mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,debs,etc/sources.list.d,etc/preferences.d}
: >"$apt_dir/status"

# ---------------------------------------------------------------- apt sources
codename=
if [[ -r /etc/os-release ]]; then
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
fi
[[ -n $codename ]] || codename=bookworm

sources="$apt_dir/etc/sources.list"
etc_apt=/etc/apt
if [[ -n ${ROVER_ALERTS_DEBIAN_MIRROR:-} ]]; then
  printf 'deb [arch=%s] %s %s main\n' "$arch" "$ROVER_ALERTS_DEBIAN_MIRROR" "$codename" >"$sources"
else
  # Emit one-line "deb [arch=..,signed-by=..] URI SUITE COMPONENTS" entries for
  # every Debian source of this machine whose suite belongs to $codename.
  {
    shopt -s nullglob
    for f in "$etc_apt/sources.list" "$etc_apt"/sources.list.d/*.list; do
      [[ -r $f ]] || continue
      # One-line format: deb [options] uri suite component...
      sed -e 's/#.*//' "$f" | while read -r type rest; do
        [[ $type == deb ]] || continue
        opts=
        if [[ $rest == \[* ]]; then
          opts=${rest%%]*}; opts=${opts#[}; rest=${rest#*]}
        fi
        read -r uri suite comps <<<"$rest"
        [[ $suite == "$codename" || $suite == "$codename"-* ]] || continue
        signed=$(tr ' ,' '\n' <<<"$opts" | sed -n 's/^signed-by=//p' | head -n1)
        o="arch=$arch${signed:+,signed-by=$signed}"
        echo "deb [$o] $uri $suite $comps"
      done
    done
    for f in "$etc_apt"/sources.list.d/*.sources; do
      [[ -r $f ]] || continue
      # deb822 format: stanzas separated by blank lines.
      awk -v arch="$arch" -v codename="$codename" '
        function flush(   n, i, j, s, u, suites, uris) {
          if (types ~ /(^| )deb( |$)/ && enabled != "no" && uri_s != "" && suite_s != "") {
            n = split(suite_s, suites, " "); m = split(uri_s, uris, " ")
            for (i = 1; i <= n; i++) {
              s = suites[i]
              if (s != codename && index(s, codename "-") != 1) continue
              for (j = 1; j <= m; j++)
                printf "deb [arch=%s%s] %s %s %s\n", arch, (signed != "" ? ",signed-by=" signed : ""), uris[j], s, comps
            }
          }
          types = uri_s = suite_s = comps = signed = enabled = ""
        }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        {
          key = tolower($1); sub(/:$/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
          if (key == "types") types = val
          else if (key == "uris") uri_s = val
          else if (key == "suites") suite_s = val
          else if (key == "components") comps = val
          else if (key == "signed-by") signed = val
          else if (key == "enabled") enabled = tolower(val)
        }
        END { flush() }' "$f"
    done
  } | sort -u >"$sources"
  if [[ ! -s $sources ]]; then
    echo "make-sysroot: no Debian '$codename' source found in /etc/apt; using deb.debian.org" >&2
    printf 'deb [arch=%s] http://deb.debian.org/debian %s main\n' "$arch" "$codename" >"$sources"
  fi
fi

apt_opts=(
  -o "APT::Architecture=$arch"
  -o "APT::Architectures::=$arch"
  -o "Dir::State=$apt_dir"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::State::status=$apt_dir/status"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::Etc::SourceList=$sources"
  -o "Dir::Etc::SourceParts=$apt_dir/etc/sources.list.d"
  -o "Dir::Etc::Preferences=$apt_dir/etc/preferences"
  -o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
  -o "APT::Get::List-Cleanup=false"
  -o "Acquire::Languages=none"
  -o "Acquire::Retries=3"
  -q
)
# As root, apt drops to the _apt user for downloads, which cannot enter e.g. a
# checkout under /root; everything here is private files, so download as is.
if [[ $EUID -eq 0 ]]; then
  apt_opts+=(-o "APT::Sandbox::User=root")
fi

echo "make-sysroot: fetching ${PACKAGES[*]} for $arch into $dest"
sed 's/^/make-sysroot:   source: /' "$sources"
# Mirrors are sometimes caught mid-sync ("File has unexpected size"): retry,
# and if an index still fails, carry on with what was fetched - the download
# below fails loudly if a package is really missing.
for attempt in 1 2 3; do
  if apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1; then
    break
  fi
  if [[ $attempt -eq 3 ]]; then
    grep -E '^(W|E):' "$apt_dir/update.log" >&2 || cat "$apt_dir/update.log" >&2
    echo "make-sysroot: warning: apt-get update failed 3 times; using the indexes it got" >&2
  else
    sleep $((attempt * 5))
  fi
done

rm -f "$apt_dir/debs"/*.deb
targets=()
for p in "${PACKAGES[@]}"; do targets+=("$p:$arch"); done
(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "${targets[@]}") ||
  die "apt-get download failed"

# ---------------------------------------------------------------- unpack
# Start from a clean tree (keep .apt: it holds the lists and the .debs).
find "$dest" -mindepth 1 -maxdepth 1 ! -name .apt -exec rm -rf {} +
for deb in "$apt_dir/debs"/*.deb; do
  dpkg-deb -x "$deb" "$dest"
done

# Absolute symlinks (e.g. /usr/lib/x -> /lib/x) would point at the build
# machine; rewrite them relative so they resolve inside the sysroot.
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  [[ $target == /* ]] || continue
  rel=$(realpath -m -s --relative-to="$(dirname "$link")" "$dest$target")
  ln -sfn "$rel" "$link"
done < <(find "$dest" -path "$apt_dir" -prune -o -type l -print0)

echo "$want_stamp" >"$stamp"
echo "make-sysroot: $arch sysroot ready in $((SECONDS - start))s:"
ls "$apt_dir/debs" | sed 's/^/make-sysroot:   /'
