#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Measures FindAccount calls/s through the pooled Directory against bare
# libldap searches, on one test slapd, in one run. Prints a Markdown table for
# docs/PERFORMANCE.md ("LDAP").
# Usage: bench/ldap/run.sh [BUILD_DIR] [SECONDS] [SERVER]
# SERVER is with_servers.py's flag: --slapd (default) or --ds389 (389-ds, root).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-5}
server=${3:---slapd}
cmake --build "$build" --target sesam_ldap_bench -j2 >/dev/null
exec /usr/bin/python3 "$root/tests/harness/with_servers.py" "$server" --timeout 600 -- \
  "$build/bench/ldap/sesam_ldap_bench" "$seconds" 1 2 8
