#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `sesam set-password` when the directory restarts while the helpdesk types
# the password: the account was looked up on a connection the server has
# since closed. The write must still go through, on a fresh connection, with
# the harness's own sesam.conf (on 389 without the Sesam schema: the host
# store of its [web] state_dir serialises the write), and only the new
# password binds. The CLI must not die of a signal (SIGPIPE on the closed
# connection). Run by with_servers.py against a directory harness that
# exports SESAM_TEST_LDAP_CONTROL (--ds389, --slapd).
# Usage: set_password_restart_test.sh PATH/TO/sesam USER PATH/TO/blocklist.txt
set -u
trap '' PIPE  # this script's own writes: a dead CLI is reported below, not by SIGPIPE
sesam=$1 user=$2
conf=$SESAM_TEST_WORKDIR/set-password-restart.conf
# The harness's configuration, with the build tree's copy of the shipped blocklist.
{ cat "$SESAM_TEST_CONFIG"; printf '\n[policy]\nblocklist = %s\n' "$3"; } >"$conf"
dn="uid=$user,$SESAM_TEST_LDAP_PEOPLE"
new=Na-De-Herstart-7
fifo=$SESAM_TEST_WORKDIR/set-password-stdin
mkfifo "$fifo"
LANGUAGE=en "$sesam" set-password "$user" --config "$conf" <"$fifo" \
  >"$SESAM_TEST_WORKDIR/set-password.out" 2>&1 &
cli=$!
exec 3>"$fifo"  # the CLI now waits for the password, its lookup done
sleep 1
"$SESAM_TEST_LDAP_CONTROL" restart
printf '%s\n' "$new" >&3
exec 3>&-
wait "$cli"
code=$?
cat "$SESAM_TEST_WORKDIR/set-password.out"
if [ "$code" -ge 128 ]; then
  echo "FAIL: sesam set-password died of signal $((code - 128))"
  exit 1
fi
if [ "$code" -ne 0 ]; then
  echo "FAIL: sesam set-password exited $code"
  exit 1
fi
if ! ldapwhoami -x -H "$SESAM_TEST_LDAP_URI" -D "$dn" -w "$new" >/dev/null 2>&1; then
  echo "FAIL: the new password does not bind"
  exit 1
fi
echo "ok: set-password across a directory restart"
