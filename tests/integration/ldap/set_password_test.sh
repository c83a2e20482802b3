#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `sesam set-password` against the test slapd (run by with_servers.py --slapd):
# the policy refuses before anything is written, a good password is written
# through the directory, and then only the new password binds.
# Usage: set_password_test.sh PATH/TO/sesam PATH/TO/blocklist.txt
set -u
sesam=$1
conf=$SESAM_TEST_WORKDIR/set-password.conf
# The harness's configuration, with the build tree's copy of the shipped blocklist.
{ cat "$SESAM_TEST_CONFIG"; printf '\n[policy]\nblocklist = %s\n' "$2"; } >"$conf"
people=$SESAM_TEST_LDAP_PEOPLE
old=$SESAM_TEST_LDAP_USER_PASSWORD
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

binds() {  # binds UID PASSWORD: does a simple bind as the user succeed?
  ldapwhoami -x -H "$SESAM_TEST_LDAP_URI" -D "uid=$1,$people" -w "$2" >/dev/null 2>&1
}

expect() {  # expect DESCRIPTION EXIT TEXT PASSWORD -- ARGS...
  description=$1 expected_exit=$2 expected_text=$3 password=$4
  shift 5
  output=$(printf '%s\n' "$password" | LANGUAGE=en "$sesam" set-password "$@" --config "$conf" 2>&1)
  code=$?
  if [ "$code" -ne "$expected_exit" ] || ! printf '%s' "$output" | grep -qF -- "$expected_text"; then
    fail "$description (exit $code, expected $expected_exit)"; echo "$output"
  else
    ok "$description"
  fi
}

expect "too weak: every failed rule shown" 1 "refused" "abcdefg1" -- tom.zonder
binds tom.zonder "$old" && ok "refused password not written" || fail "old password broken by a refusal"
expect "contains the given name" 1 "refused" "Tom.Zonder-2024x" -- tom.zonder
expect "blocklisted" 1 "refused" "Wachtwoord1" -- tom.zonder
expect "unknown user" 1 "no single account 'niemand'" "Xyzzy.Pl0ugh" -- niemand
expect "injection-shaped user" 1 "no single account" "Xyzzy.Pl0ugh" -- 'x)(|(uid=*)'
expect "usage" 2 "expected exactly one USER" "Xyzzy.Pl0ugh" --
expect "good password written" 0 "password of tom.zonder changed" "Xyzzy.Pl0ugh" -- tom.zonder
binds tom.zonder "Xyzzy.Pl0ugh" && ok "new password binds" || fail "new password does not bind"
binds tom.zonder "$old" && fail "old password still binds" || ok "old password no longer binds"
expect "history refused by the directory's ppolicy" 1 "used before" "Xyzzy.Pl0ugh" -- tom.zonder

"$SESAM_TEST_LDAP_CONTROL" stop
expect "directory down" 1 "directory error" "Other.Pl0ugh9" -- tom.zonder
"$SESAM_TEST_LDAP_CONTROL" start
exit $((failures > 0))
