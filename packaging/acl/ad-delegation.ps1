# SPDX-License-Identifier: Apache-2.0
# The least rights Sesam's service account needs in Active Directory (see
# docs/directories.md, "Active Directory"). Run in an elevated PowerShell on a
# domain controller or with RSAT (dsacls). Replace the OU and the account (the
# user of [ldap] bind_dn) by yours.
#
# Sesam resets passwords through LDAPS (AD accepts unicodePwd only over TLS).
# It reads the accounts as every authenticated user may (no grant needed),
# writes nothing of its own to AD (reset rounds and the write claim live on
# the Sesam host), and needs on the user objects below the OU (/I:S):
$ou      = "OU=Leerlingen,DC=school,DC=be"
$account = "SCHOOL\svc-sesam"

# Reset Password (extended right User-Force-Change-Password): the unicodePwd replace.
dsacls $ou /I:S /G "${account}:CA;Reset Password;user"
# Write lockoutTime: [ldap] unlock_on_reset = yes (the default) lifts a lockout
# after a successful reset. Without it the reset still works; the lockout stays.
dsacls $ou /I:S /G "${account}:WP;lockoutTime;user"
