#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `sesam set-password` against the test Samba AD DC (with_servers.py --samba):
# a password Sesam's policy accepts but AD's complexity rule does not is
# refused in the helpdesk's language with AD's reason; a good one is written
# over verified ldaps:// (unicodePwd), then only the new password binds; the
# userPrincipalName finds the account too.
# Usage: ad_set_password_test.sh PATH/TO/sesam PATH/TO/blocklist.txt
set -u
sesam=$1
dir=$SESAM_TEST_WORKDIR/ad-set-password
mkdir -p "$dir/state"
"$sesam" genkey --output "$dir/token.key" >/dev/null || exit 1
conf=$dir/sesam.conf
# The harness's [ldap], the build tree's blocklist, a passphrase policy (no
# kinds of characters required, so AD's complexity rule is the one that
# refuses), a host store (AD has no Sesam schema: the claim lives on the host).
{
  cat "$SESAM_TEST_CONFIG"
  printf '\n[policy]\nblocklist = %s\nmin_classes = 0\n' "$2"
  printf '\n[token]\nkey_file = %s\n' "$dir/token.key"
  printf '\n[web]\nstate_dir = %s\n' "$dir/state"
} >"$conf"
old=$SESAM_TEST_LDAP_USER_PASSWORD
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

binds() {  # binds NAME PASSWORD: does a simple bind as NAME@school.test succeed?
  LDAPTLS_CACERT=$SESAM_TEST_LDAP_CA_FILE LDAPTLS_REQCERT=demand \
    ldapsearch -x -H "$SESAM_TEST_LDAPS_URI" -D "$1@school.test" -w "$2" -b "" -s base 1.1 \
    >/dev/null 2>&1
}

expect() {  # expect DESCRIPTION LANGUAGE EXIT TEXT PASSWORD -- ARGS...
  description=$1 language=$2 expected_exit=$3 expected_text=$4 password=$5
  shift 6
  output=$(printf '%s\n' "$password" |
    LANGUAGE=$language SESAM_LOCALEDIR=${SESAM_LOCALEDIR:-} "$sesam" set-password "$@" \
      --config "$conf" 2>&1)
  code=$?
  if [ "$code" -ne "$expected_exit" ] || ! printf '%s' "$output" | grep -qF -- "$expected_text"; then
    fail "$description (exit $code, expected $expected_exit)"; echo "$output"
  else
    ok "$description"
  fi
}

# Lower case and spaces only: two of AD's four kinds of characters.
simple="zonnige paardenbloemen in de wolken"
expect "AD complexity, in Dutch" nl 1 "drie soorten tekens" "$simple" -- pw.cli
expect "AD complexity, in French" fr 1 "trois sortes de caract" "$simple" -- pw.cli
expect "AD complexity, in English" en 1 "three kinds of characters" "$simple" -- pw.cli
binds pw.cli "$old" && ok "refused password not written" || fail "old password broken by a refusal"
expect "good password written" en 0 "password of pw.cli changed" "Zonnige.Wolken-2026" -- pw.cli
binds pw.cli "Zonnige.Wolken-2026" && ok "new password binds" || fail "new password does not bind"
binds pw.cli "$old" && fail "old password still binds" || ok "old password no longer binds"
expect "by userPrincipalName" en 0 "changed" "Regen.Buien-2027x" -- pw.cli@school.test
binds pw.cli "Regen.Buien-2027x" && ok "UPN: new password binds" || fail "UPN: no bind"
exit $((failures > 0))
