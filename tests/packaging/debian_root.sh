# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A throwaway Debian 12 root for the tests that install packages which must
# never reach the host (check_guide, tests/logins/check_logins). Sourced; the
# caller runs as root in a private mount namespace (unshare --mount) and has
# `fail MESSAGE` defined.
#
#   debian_root_make ROOT CACHE_DIR LOG_DIR
#     `debootstrap --variant=minbase bookworm` from the Debian mirror apt uses
#     here (SESAM_DEBIAN_MIRROR overrides), cached as CACHE_DIR/bookworm-minbase.tar.gz
#     and unpacked into ROOT; apt's downloads are kept in CACHE_DIR/apt-archives
#     (bind-mounted), so a second run downloads nothing. Package scripts start
#     no daemon (policy-rc.d). /proc, /dev and a private /run are mounted.
#   debian_root_unmount ROOT
#   in_root_of ROOT COMMAND...   runs COMMAND in ROOT with a clean environment

debian_root_mirror_of() { # the first URI of the host's sources for a suite
  local suite=$1
  if [ -n "${SESAM_DEBIAN_MIRROR:-}" ] && [ "$suite" = bookworm ]; then
    echo "$SESAM_DEBIAN_MIRROR"
    return
  fi
  awk -v suite="$suite" '
    /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) { print uri; exit } }
    $1 == "deb" && $3 == suite { print $2; exit }' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n1
}

debian_root_make() {
  local root=$1 cache=$2 logs=$3
  local mirror security tarball
  mirror=$(debian_root_mirror_of bookworm)
  security=$(debian_root_mirror_of bookworm-security)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
  [ -n "$security" ] || security=http://deb.debian.org/debian-security
  mkdir -p "$cache/apt-archives"
  tarball=$cache/bookworm-minbase.tar.gz
  if [ ! -f "$tarball" ]; then
    echo "debian_root: debootstrap --variant=minbase bookworm from $mirror (cached in $tarball)"
    rm -rf "$root.bootstrap"
    nice debootstrap --variant=minbase bookworm "$root.bootstrap" "$mirror" >"$logs/debootstrap.log" 2>&1 ||
      { tail -20 "$logs/debootstrap.log"; fail "debootstrap failed"; }
    # .part + mv: two tests making it at once never see half a tarball.
    tar -C "$root.bootstrap" -czf "$tarball.part.$$" .
    mv "$tarball.part.$$" "$tarball"
    rm -rf "$root.bootstrap"
  fi
  mkdir -p "$root"
  tar -C "$root" -xzf "$tarball"

  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  # Package scripts start no daemon here (the tests start what they need).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  mkdir -p "$root/run/lock"
  mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
}

debian_root_unmount() {
  local root=$1
  umount -R "$root/dev" "$root/proc" "$root/var/cache/apt/archives" "$root/run" 2>/dev/null || true
}

in_root_of() {
  local root=$1
  shift
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}
