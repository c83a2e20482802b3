#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Seeds a freshly provisioned, stopped Samba AD DC with the test school.

    samba_seed.py SMB_CONF USER_PASSWORD BIND_PASSWORD

Run once per template by samba.py (never by hand on a live server): it opens
sam.ldb directly as the system, which is fast (one process for every account)
and can set what no LDAP client may write (lockoutTime). The accounts, the
domain's password rules and the service account's rights are described in
samba.py's docstring, which is the list tests read. The service account's
rights are granted with `samba-tool dsacl set`, the same command an admin runs
(docs/directories.md).
"""

import os
import subprocess
import sys
import time

# This folder holds samba.py, the harness, which would hide Samba's own package.
sys.path = [p for p in sys.path
            if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
import ldb  # noqa: E402
from samba.auth import system_session  # noqa: E402
from samba.dcerpc import security  # noqa: E402
from samba.ndr import ndr_unpack  # noqa: E402
from samba.param import LoadParm  # noqa: E402
from samba.samdb import SamDB  # noqa: E402

BASE = "DC=SCHOOL,DC=TEST"
PUPILS = "OU=Pupils," + BASE
SERVICES = "OU=Services," + BASE
BIND_DN = "CN=sesam,OU=Services," + BASE

# sAMAccountName, givenName, sn, mail (or None), otherMailbox values, extra attributes
ACCOUNTS = [
    ("jan.selle", "Jan", "Selle", "jan.selle@school.test",
     ["mama.selle@example.test", "papa.selle@example.test"], {}),
    ("els.peeters", "Els", "Peeters", "els.peeters@school.test", ["ouders.peeters@example.test"],
     {}),
    ("noor.jacobs", "Noor", "Jacobs", "noor.jacobs@school.test",
     ["mama.jacobs@example.test", "papa.jacobs@example.test", "MAMA.jacobs@example.test",
      "oma.jacobs@example.test"], {}),
    ("lien.devos", "Lien", "Devos", None, ["mama.devos@example.test", "papa.devos@example.test"],
     {}),
    ("tom.zonder", "Tom", "Zonder", None, [], {}),
    ("zoe.dubois", "Zoë", "Dubois-Ñúñez", "zoe.dubois@school.test", [], {}),
    ("dis.abled", "Dis", "Abled", "dis.abled@school.test", ["ouders.abled@example.test"],
     {"disabled": True}),
    # accountExpires: 2020-01-01 00:00 UTC as a FILETIME (100 ns since 1601).
    ("ex.pired", "Ex", "Pired", "ex.pired@school.test", ["ouders.pired@example.test"],
     {"accountExpires": str((1577836800 + 11644473600) * 10**7)}),
    ("lock.ed", "Lock", "Ed", "lock.ed@school.test", [], {"locked": True}),
    ("young.user", "Young", "User", "young@school.test", [], {}),
] + [("pw." + n, "Pw", n.capitalize(), "pw.%s@school.test" % n, [], {})
     for n in ("ad", "short", "history", "race", "cli", "unlock", "web", "change", "login")]

# The service account's least rights on OU=Pupils, inherited by the user objects
# below it (IO: not on the OU itself). Reading is the default of Authenticated Users.
RESET_PASSWORD = "00299570-246d-11d0-a768-00aa006e0529"  # extended right User-Force-Change-Password
LOCKOUT_TIME = "28630ebf-41d5-11d1-a9c1-0000f80367c1"  # attribute lockoutTime
USER_CLASS = "bf967aba-0de6-11d0-a285-00aa003049e2"  # class user


def run(argv):
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("%s failed: %s%s" % (" ".join(argv[:4]), result.stdout, result.stderr))


def main():
    smb_conf, user_password, bind_password = sys.argv[1:4]
    lp = LoadParm()
    lp.load(smb_conf)
    sam = lp.private_path("sam.ldb")
    # Domain password rules close to the slapd fixture's: length 8, history 5,
    # complexity on (AD's default), no minimum or maximum age (tests reset the same
    # account again); never locked by bad binds (tests make them on purpose),
    # but a lockout set by hand lasts until an unlock (duration 0).
    run(["samba-tool", "domain", "passwordsettings", "set", "-H", sam, "-s", smb_conf,
         "--min-pwd-length=8", "--history-length=5", "--min-pwd-age=0", "--max-pwd-age=0",
         "--complexity=on",
         "--account-lockout-threshold=0", "--account-lockout-duration=0",
         "--reset-account-lockout-after=1"])

    db = SamDB(url=sam, session_info=system_session(), lp=lp)
    for ou in (PUPILS, SERVICES):
        db.add({"dn": ou, "objectClass": "organizationalUnit"})
    db.newuser("sesam", bind_password, userou="OU=Services", givenname="Sesam",
               surname="Service", setpassword=True)
    for name, given, sn, mail, other, extra in ACCOUNTS:
        db.newuser(name, user_password, userou="OU=Pupils", givenname=given, surname=sn,
                   mailaddress=mail, setpassword=True)
        dn = db.search(PUPILS, expression="(sAMAccountName=%s)" % name, attrs=[])[0].dn
        message = ldb.Message(dn)
        if other:
            message["otherMailbox"] = ldb.MessageElement(other, ldb.FLAG_MOD_REPLACE,
                                                         "otherMailbox")
        if "accountExpires" in extra:
            message["accountExpires"] = ldb.MessageElement(
                extra["accountExpires"], ldb.FLAG_MOD_REPLACE, "accountExpires")
        if extra.get("locked"):
            # Locked "now"; with a lockout duration of 0 it stays locked until reset.
            now = str(int((time.time() + 11644473600) * 10**7))
            message["lockoutTime"] = ldb.MessageElement(now, ldb.FLAG_MOD_REPLACE, "lockoutTime")
        if len(message) > 0:
            db.modify(message)
        if extra.get("disabled"):
            db.disable_account("(sAMAccountName=%s)" % name)
    # young.user: a fine-grained policy (PSO) with a minimum age of one day,
    # as the slapd fixture's cn=young.
    run(["samba-tool", "domain", "passwordsettings", "pso", "create", "young", "1",
         "--min-pwd-age=1", "--min-pwd-length=8", "--history-length=5", "--complexity=on",
         "-H", sam, "-s", smb_conf])
    run(["samba-tool", "domain", "passwordsettings", "pso", "apply", "young", "young.user",
         "-H", sam, "-s", smb_conf])
    found = db.search(BIND_DN, scope=ldb.SCOPE_BASE, attrs=["objectSid"])
    sid = str(ndr_unpack(security.dom_sid, found[0]["objectSid"][0]))
    sddl = ("(OA;CIIO;CR;{reset};{user};{sid})(OA;CIIO;WP;{lockout};{user};{sid})"
            .format(reset=RESET_PASSWORD, lockout=LOCKOUT_TIME, user=USER_CLASS, sid=sid))
    run(["samba-tool", "dsacl", "set", "-H", sam, "-s", smb_conf, "--objectdn=" + PUPILS,
         "--sddl=" + sddl])


if __name__ == "__main__":
    main()
