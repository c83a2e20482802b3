#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Measures FindAccount calls/s through the pooled Directory against bare
# libldap searches, on one test directory, in one run. Prints a Markdown table
# for docs/PERFORMANCE.md ("LDAP").
# Usage: bench/ldap/run.sh [BUILD_DIR] [SECONDS] [slapd|samba]
#   slapd (default): the test slapd, plain ldap:// on loopback;
#   samba: the test Samba AD DC over verified ldaps:// (sesam_harness/samba.py).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-5}
directory=${3:-slapd}
cmake --build "$build" --target sesam_ldap_bench -j2 >/dev/null
case "$directory" in
  slapd) ;;
  # The accounts of samba.py's fixture that resemble slapd.py's.
  samba) export SESAM_BENCH_USERS="jan.selle els.peeters noor.jacobs lien.devos tom.zonder zoe.dubois" ;;
  *) echo "usage: $0 [BUILD_DIR] [SECONDS] [slapd|samba]" >&2; exit 2 ;;
esac
exec /usr/bin/python3 "$root/tests/harness/with_servers.py" "--$directory" --timeout 900 -- \
  "$build/bench/ldap/sesam_ldap_bench" "$seconds" 1 2 8
