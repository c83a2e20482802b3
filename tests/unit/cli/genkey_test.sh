#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `sesam genkey` end to end: the key file gets mode 0600 and 32 bytes, a second
# run refuses to overwrite it (exit 1, file unchanged), and without --output the
# path comes from [token] key_file of --config.
# Usage: genkey_test.sh PATH/TO/sesam
set -eu
sesam=$1
dir=$(mktemp -d /tmp/sesam-genkey-test-XXXXXX)
trap 'rm -rf "$dir"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
check_key() {
  [ "$(stat -c %a "$1")" = 600 ] || fail "$1 has mode $(stat -c %a "$1"), not 600"
  [ "$(stat -c %s "$1")" = 32 ] || fail "$1 has $(stat -c %s "$1") bytes, not 32"
}

umask 022
"$sesam" genkey --output "$dir/a.key" >/dev/null || fail "genkey --output failed"
check_key "$dir/a.key"
before=$(od -An -tx1 "$dir/a.key")

status=0
"$sesam" genkey --output "$dir/a.key" 2>"$dir/err" || status=$?
[ "$status" = 1 ] || fail "overwrite: exit $status, expected 1"
grep -q "refusing to overwrite" "$dir/err" || fail "overwrite: no explanation on stderr"
[ "$(od -An -tx1 "$dir/a.key")" = "$before" ] || fail "the existing key was changed"
check_key "$dir/a.key"

"$sesam" genkey --output="$dir/b.key" >/dev/null || fail "genkey --output= failed"
check_key "$dir/b.key"
cmp -s "$dir/a.key" "$dir/b.key" && fail "two runs wrote the same key"

printf '[token]\nkey_file = %s\n' "$dir/c.key" >"$dir/sesam.conf"
"$sesam" genkey --config "$dir/sesam.conf" >/dev/null || fail "genkey --config failed"
check_key "$dir/c.key"
status=0
"$sesam" genkey --config "$dir/sesam.conf" 2>/dev/null || status=$?
[ "$status" = 1 ] || fail "overwrite through --config: exit $status, expected 1"

status=0
"$sesam" genkey --config "$dir/missing.conf" 2>/dev/null || status=$?
[ "$status" = 2 ] || fail "missing configuration: exit $status, expected 2"
status=0
"$sesam" genkey --output "$dir/d.key" extra 2>/dev/null || status=$?
[ "$status" = 2 ] || fail "extra argument: exit $status, expected 2"
[ ! -e "$dir/d.key" ] || fail "a usage error still wrote a key"
status=0
"$sesam" genkey --output "$dir/no/such/dir/e.key" 2>/dev/null || status=$?
[ "$status" = 1 ] || fail "missing directory: exit $status, expected 1"

echo "genkey: all checks passed"
