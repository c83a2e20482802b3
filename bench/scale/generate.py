#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/scale/generate.py COUNT OUT.ldif [--people DN]

Writes a school of COUNT pupils as LDIF for slapadd, streamed (a million
entries never sit in memory): uid=pupil.NNNNNNN under --people, each with an
own address pupil.NNNNNNN@school.test, every second one with a parent's
co-account address parent.NNNNNNN@ouders.test (the Sesam schema's
sesamCoAccountMail), and the password "Oud-Wachtwoord-1" (one salted SSHA
value for all: hashing a million times would only slow the generator).
slapadd adds entryUUID and the other operational attributes itself.

bench/scale/run.py uses it; `username(i)` and `address(i)` name the same
accounts there.
"""

import argparse
import base64
import hashlib
import os

PASSWORD = "Oud-Wachtwoord-1"
PEOPLE = "ou=people,dc=school,dc=test"


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("out")
    parser.add_argument("--people", default=PEOPLE)
    args = parser.parse_args()
    write(args.count, args.out, args.people)


if __name__ == "__main__":
    main()
