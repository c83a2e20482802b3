# SPDX-License-Identifier: Apache-2.0
# Delegation Sesam's service account needs in Active Directory. Run in an
# elevated PowerShell on a domain controller (RSAT: dsacls). Replace the OU
# and the account (the user of [ldap] bind_dn) by yours.
#
# Sesam resets passwords through LDAPS (AD accepts unicodePwd only over TLS):
# "Reset Password" is an extended right on user objects. It reads the
# accounts and their mail addresses, and writes its own reset state.
$ou      = "OU=Leerlingen,DC=school,DC=be"
$account = "SCHOOL\svc-sesam"

# Reset Password (extended right), on user objects below the OU.
dsacls $ou /I:S /G "${account}:CA;Reset Password;user"
# Read the accounts.
dsacls $ou /I:S /G "${account}:GR;;user"
# pwdLastSet: "must change at next logon" is cleared on a reset.
dsacls $ou /I:S /G "${account}:RPWP;pwdLastSet;user"
# Sesam's own attributes, once the Sesam schema extension is loaded (see
# /usr/share/doc/sesam-common/deploy.md.gz, "Active Directory").
dsacls $ou /I:S /G "${account}:RPWP;sesamResetRounds;user"
dsacls $ou /I:S /G "${account}:RPWP;sesamPasswordClaim;user"
