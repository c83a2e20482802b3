#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The transport check (issue 10) as an administrator meets it: `sesam
# config-test` fails for a new password sent in clear to a remote directory and
# passes, with a warning, for loopback; the verbs that write and sesam-fcgi
# refuse to start on the remote one before they connect; `sesam check` (the
# PAM module's load) still reads a workstation's file with a plain ldap:// uri.
# Nothing here opens a connection: 192.0.2.0/24 is TEST-NET-1, and the verbs
# are stopped by the check before they reach the directory.
# Usage: transport_test.sh PATH/TO/sesam PATH/TO/sesam-fcgi
set -eu
sesam=$1
fcgi=$2
dir=$(mktemp -d /tmp/sesam-transport-test-XXXXXX)
trap 'rm -rf "$dir"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

write_conf() {  # write_conf FILE URI
  cat >"$1" <<EOF
[policy]
blocklist =
[ldap]
uri = $2
base = dc=school,dc=test
password_mode = exop
[web]
base_url = https://sesam.school.test/sesam
EOF
}

write_conf "$dir/remote.conf" ldap://192.0.2.10:389
write_conf "$dir/loopback.conf" ldap://127.0.0.1:389

# config-test: an error naming file, line and key; exit 1.
status=0
"$sesam" config-test --config "$dir/remote.conf" >"$dir/out" 2>"$dir/err" || status=$?
[ "$status" = 1 ] || fail "remote ldap://: config-test exit $status, expected 1"
grep -q "^$dir/remote.conf:4: \[ldap\] uri: 'ldap://192.0.2.10:389' would send the new passwords (password_mode = exop) in clear" "$dir/err" ||
  fail "remote ldap://: no error with file:line:key; stderr was: $(cat "$dir/err")"
grep -q "test failed" "$dir/err" || fail "remote ldap://: no 'test failed'"

# Loopback: a warning, exit 0.
status=0
"$sesam" config-test --config "$dir/loopback.conf" >"$dir/out" 2>"$dir/err" || status=$?
[ "$status" = 0 ] || fail "loopback ldap://: config-test exit $status, expected 0: $(cat "$dir/err")"
grep -q "^$dir/loopback.conf:4: warning: \[ldap\] uri: .*in clear over loopback" "$dir/err" ||
  fail "loopback ldap://: no warning; stderr was: $(cat "$dir/err")"
grep -q "test is successful" "$dir/out" || fail "loopback ldap://: no 'test is successful'"

# start_tls = yes makes the remote one fine.
printf '[ldap]\nuri = ldap://192.0.2.10\nstart_tls = yes\nbase = dc=school,dc=test\n' >"$dir/tls.conf"
"$sesam" config-test --config "$dir/tls.conf" >/dev/null 2>"$dir/err" ||
  fail "start_tls = yes: config-test failed: $(cat "$dir/err")"
! grep -q "in clear" "$dir/err" || fail "start_tls = yes still reported: $(cat "$dir/err")"

# The verbs that write refuse before connecting (exit 2, a configuration error).
status=0
echo 'Correct-Horse-Battery-9' | "$sesam" set-password jan --config "$dir/remote.conf" \
  >/dev/null 2>"$dir/err" || status=$?
[ "$status" = 2 ] || fail "set-password: exit $status, expected 2: $(cat "$dir/err")"
grep -q "in clear to '192.0.2.10'" "$dir/err" || fail "set-password: no reason: $(cat "$dir/err")"
status=0
"$sesam" send-reset jan --config "$dir/remote.conf" >/dev/null 2>"$dir/err" || status=$?
[ "$status" = 2 ] || fail "send-reset: exit $status, expected 2: $(cat "$dir/err")"
grep -q "in clear to '192.0.2.10'" "$dir/err" || fail "send-reset: no reason: $(cat "$dir/err")"

# sesam-fcgi refuses to start (exit 1) and says why; it never gets to listen.
status=0
timeout 10 "$fcgi" --config "$dir/remote.conf" --listen "unix:$dir/fcgi.sock" --log stderr \
  >/dev/null 2>"$dir/err" || status=$?
[ "$status" = 1 ] || fail "sesam-fcgi: exit $status, expected 1: $(cat "$dir/err")"
grep -q "remote.conf:4: \[ldap\] uri: .*in clear to '192.0.2.10'" "$dir/err" ||
  fail "sesam-fcgi: no reason: $(cat "$dir/err")"
[ ! -e "$dir/fcgi.sock" ] || fail "sesam-fcgi listened before refusing"

# `sesam check` loads like pam_sesam.so ([policy] only): not its business.
status=0
echo 'Correct-Horse-Battery-9' | "$sesam" check --config "$dir/remote.conf" >/dev/null \
  2>"$dir/err" || status=$?
[ "$status" = 0 ] || fail "check with a plain ldap:// uri: exit $status: $(cat "$dir/err")"

echo "transport: all checks passed"
