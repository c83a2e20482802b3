#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `sesam lookup` against the test slapd (run by with_servers.py --slapd).
# Usage: lookup_test.sh PATH/TO/sesam
set -u
sesam=$1
conf=$SESAM_TEST_CONFIG
failures=0
check() {  # check DESCRIPTION EXPECTED_EXIT EXPECTED_TEXT -- ARGS...
  description=$1 expected_exit=$2 expected_text=$3
  shift 4
  output=$("$sesam" lookup "$@" --config "$conf" 2>&1)
  code=$?
  if [ "$code" -ne "$expected_exit" ] || ! printf '%s' "$output" | grep -qF -- "$expected_text"; then
    echo "FAIL: $description (exit $code, expected $expected_exit)"; echo "$output"
    failures=$((failures + 1))
  else
    echo "ok: $description"
  fi
}
check "own and co-account addresses" 0 "co-account  papa.selle@example.test" -- jan.selle
check "own address marked" 0 "own         jan.selle@school.test" -- jan.selle
check "id and its attribute" 0 "id (entryUUID): " -- jan.selle
check "json output" 0 '"kind": "coaccount"' -- noor.jacobs --json
check "json dn" 0 '"dn": "uid=lien.devos,ou=people,dc=school,dc=test"' -- lien.devos --json
check "no address" 0 "addresses: none" -- tom.zonder
check "not found" 1 "no account matches 'nobody'" -- nobody
check "injection" 1 "no account matches" -- 'x)(|(uid=*)'
check "duplicate entries" 1 "several accounts match 'dup.user'" -- dup.user
check "duplicate entries: their DNs" 1 "cn=dup one,ou=people,dc=school,dc=test, cn=dup two,ou=people,dc=school,dc=test" -- dup.user
check "usage" 2 "expected exactly one USER" --
"$SESAM_TEST_LDAP_CONTROL" stop
check "directory down" 1 "directory error: Unavailable" -- jan.selle
"$SESAM_TEST_LDAP_CONTROL" start
check "directory back" 0 "given name: Jan" -- jan.selle
exit $((failures > 0))
