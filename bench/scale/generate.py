#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/scale/generate.py COUNT OUT.ldif [--people DN] [--ad]

Writes a school of COUNT pupils as LDIF for slapadd, streamed (a million
entries never sit in memory): uid=pupil.NNNNNNN under --people, each with an
own address pupil.NNNNNNN@school.test, every second one with a parent's
co-account address parent.NNNNNNN@ouders.test (the Sesam schema's
sesamCoAccountMail), and the password "Oud-Wachtwoord-1" (one salted SSHA
value for all: hashing a million times would only slow the generator).
slapadd adds entryUUID and the other operational attributes itself.

--ad writes the same school for Active Directory (Samba AD) instead, for
ldbadd or ldapadd: CN=pupil.NNNNNNN under --people (default OU=Pupils of the
Samba harness), sAMAccountName and userPrincipalName, mail, the parent's
address in otherMailbox, enabled (userAccountControl 0x200), the password in
unicodePwd. AD derives its hashes and Kerberos keys per account from the
cleartext, so the DC hashes each one as it adds it.

bench/scale/run.py uses it; `username(i)` and `address(i)` name the same
accounts there.
"""

import argparse
import base64
import hashlib
import os

PASSWORD = "Oud-Wachtwoord-1"
PEOPLE = "ou=people,dc=school,dc=test"
AD_PEOPLE = "OU=Pupils,DC=SCHOOL,DC=TEST"


def username(i):
    return f"pupil.{i:07d}"


def address(i):
    return f"{username(i)}@school.test"


def parent_address(i):
    return f"parent.{i:07d}@ouders.test"


def ssha(password):
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def write(count, path, people=PEOPLE):
    password = ssha(PASSWORD)
    with open(path, "w", buffering=1 << 20) as out:
        for i in range(count):
            name = username(i)
            out.write(f"dn: uid={name},{people}\n"
                      "objectClass: inetOrgPerson\n"
                      "objectClass: sesamAccount\n"
                      f"uid: {name}\n"
                      f"cn: Pupil {i}\n"
                      f"sn: {i}\n"
                      "givenName: Pupil\n"
                      f"mail: {address(i)}\n")
            if i % 2:
                out.write(f"sesamCoAccountMail: {parent_address(i)}\n")
            out.write(f"userPassword: {password}\n\n")


def unicode_pwd(password):
    """AD's unicodePwd value: the password in double quotes, UTF-16LE, base64 for LDIF."""
    return base64.b64encode(('"%s"' % password).encode("utf-16-le")).decode()


def write_ad(count, path, people=AD_PEOPLE, password=PASSWORD, first=0):
    """Accounts first .. first+count-1 (run.py splits a school into parts
    for concurrent ldapadd runs)."""
    value = unicode_pwd(password)
    with open(path, "w", buffering=1 << 20) as out:
        for i in range(first, first + count):
            name = username(i)
            out.write(f"dn: CN={name},{people}\n"
                      "objectClass: user\n"
                      f"sAMAccountName: {name}\n"
                      f"userPrincipalName: {name}@school.test\n"
                      "givenName: Pupil\n"
                      f"sn: {i}\n"
                      f"mail: {address(i)}\n")
            if i % 2:
                out.write(f"otherMailbox: {parent_address(i)}\n")
            out.write(f"unicodePwd:: {value}\n"
                      "userAccountControl: 512\n\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("out")
    parser.add_argument("--people")
    parser.add_argument("--ad", action="store_true")
    args = parser.parse_args()
    if args.ad:
        write_ad(args.count, args.out, args.people or AD_PEOPLE)
    else:
        write(args.count, args.out, args.people or PEOPLE)


if __name__ == "__main__":
    main()
