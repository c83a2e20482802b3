#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Measures FindAccount calls/s through the pooled Directory against bare
# libldap searches, on one test slapd, in one run. Prints a Markdown table for
# docs/PERFORMANCE.md ("LDAP").
# Usage: bench/ldap/run.sh [BUILD_DIR] [SECONDS] [SERVER]
# SERVER is with_servers.py's flag: --slapd (default) or --ds389 (389-ds, root).
# --samba: the test Samba AD DC over verified ldaps:// (the bench reads each
# harness's [ldap] from its sesam.conf), with six of its fixture accounts.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-5}
server=${3:---slapd}
cmake --build "$build" --target sesam_ldap_bench -j2 >/dev/null
if [ "$server" = --samba ]; then
  export SESAM_BENCH_USERS=jan.selle,els.peeters,noor.jacobs,lien.devos,tom.zonder,zoe.dubois
fi
exec /usr/bin/python3 "$root/tests/harness/with_servers.py" "$server" --timeout 600 -- \
  "$build/bench/ldap/sesam_ldap_bench" "$seconds" 1 2 8
