#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Measures FindAccount calls/s through the pooled Directory against bare
# libldap searches, on one test slapd, in one run. Prints a Markdown table for
# docs/PERFORMANCE.md ("LDAP").
# Usage: bench/ldap/run.sh [BUILD_DIR] [SECONDS]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
seconds=${2:-5}
cmake --build "$build" --target sesam_ldap_bench -j2 >/dev/null
exec /usr/bin/python3 "$root/tests/harness/with_servers.py" --slapd --timeout 600 -- \
  "$build/bench/ldap/sesam_ldap_bench" "$seconds" 1 2 8
