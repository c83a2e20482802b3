#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The change page against a Samba AD DC (password_mode ad, through nginx):
the change works with AD's "change password" (unicodePwd delete-old/add-new
by the service account, which holds the reset right only on the accounts);
a user whose pwdLastSet is 0 (must change at next logon: bind data 773)
completes the change and the next bind is clean; history is refused with its
own message; a wrong current password and an unknown username get one
answer."""

import os
import subprocess
import unittest

from webtest import ENV, Browser, run_tests

USER_PASSWORD = ENV["SESAM_TEST_LDAP_USER_PASSWORD"]
NEW = "Zomer-Vakantie-2026!"
TLS = dict(os.environ, LDAPTLS_CACERT=ENV["SESAM_TEST_LDAP_CA_FILE"])


def admin(*args, **kw):
    return subprocess.run(list(args) + ["-x", "-H", ENV["SESAM_TEST_LDAPS_URI"],
                                        "-D", ENV["SESAM_TEST_LDAP_ADMIN_DN"],
                                        "-w", ENV["SESAM_TEST_LDAP_ADMIN_PASSWORD"]],
                          env=TLS, capture_output=True, text=True, **kw)


def dn_of(name):
    found = admin("ldapsearch", "-LLL", "-b", ENV["SESAM_TEST_LDAP_BASE"],
                  f"(sAMAccountName={name})", "dn")
    for line in found.stdout.splitlines():
        if line.startswith("dn: "):
            return line[4:]
    raise AssertionError(f"{name}: no entry ({found.stderr})")


def bind(dn, password):
    """(exit status, output) of a simple bind over ldaps (and a read of the root
    DSE: Samba has no WhoAmI operation)."""
    result = subprocess.run(["ldapsearch", "-x", "-H", ENV["SESAM_TEST_LDAPS_URI"], "-D", dn,
                             "-w", password, "-b", "", "-s", "base", "1.1"],
                            env=TLS, capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def change(browser, username, current, new, lang="?lang=en"):
    form = browser.get("change" + lang)
    assert form.status == 200, form.status
    return browser.post("change" + lang, {"username": username, "current": current,
                                          "password": new, "password2": new,
                                          "csrf": form.csrf()})


class ChangePageAd(unittest.TestCase):
    def test_change_works_then_history_refused(self):
        dn = dn_of("pw.change")
        browser = Browser()
        reply = change(browser, "pw.change", USER_PASSWORD, NEW)
        self.assertEqual(303, reply.status, reply.body)
        self.assertEqual(0, bind(dn, NEW)[0], bind(dn, NEW)[1])
        self.assertNotEqual(0, bind(dn, USER_PASSWORD)[0])
        # Back to the first one: within the domain's history of 5.
        reply = change(browser, "pw.change", NEW, USER_PASSWORD)
        self.assertEqual(422, reply.status, reply.body)
        self.assertIn("You used this password before", reply.body)
        self.assertEqual(0, bind(dn, NEW)[0])

    def test_must_change_at_next_logon_completes(self):
        dn = dn_of("pw.login")
        modified = admin("ldapmodify", input=f"dn: {dn}\nchangetype: modify\n"
                                              "replace: pwdLastSet\npwdLastSet: 0\n")
        self.assertEqual(0, modified.returncode, modified.stderr)
        status, said = bind(dn, USER_PASSWORD)
        self.assertNotEqual(0, status)
        self.assertIn("data 773", said)
        reply = change(Browser(), "pw.login", USER_PASSWORD, NEW)
        self.assertEqual(303, reply.status, reply.body)
        # The next bind is clean: pwdLastSet is a real time again.
        self.assertEqual(0, bind(dn, NEW)[0], bind(dn, NEW)[1])

    def test_user_cannot_change_password_is_refused_clearly(self):
        # no.change: "User cannot change password" (Change Password denied to
        # Everyone and SELF). The service account could reset it; the page
        # must not.
        dn = dn_of("no.change")
        reply = change(Browser(), "no.change", USER_PASSWORD, NEW)
        self.assertEqual(403, reply.status, reply.body)
        self.assertIn("may not change its own password", reply.body)
        self.assertEqual(0, bind(dn, USER_PASSWORD)[0])
        self.assertNotEqual(0, bind(dn, NEW)[0])

    def test_disabled_and_locked_answer_as_a_wrong_password(self):
        browser = Browser()
        wrong = change(browser, "pw.web", "Fout-Wachtwoord-1", NEW)
        for name in ("dis.abled", "lock.ed"):
            reply = change(browser, name, USER_PASSWORD, NEW)
            self.assertEqual(401, reply.status, name)
            # The same but for the echoed username (and so the length).
            same = lambda r: [h for h in r.comparable_headers() if h[0] != "content-length"]
            self.assertEqual(same(wrong), same(reply), name)
            self.assertEqual(wrong.body.replace("pw.web", "U").split('name="csrf"')[0],
                             reply.body.replace(name, "U").split('name="csrf"')[0], name)

    def test_wrong_password_and_unknown_user_look_the_same(self):
        browser = Browser()
        wrong = change(browser, "pw.web", "Fout-Wachtwoord-1", NEW)
        unknown = change(browser, "pw.wec", "Fout-Wachtwoord-1", NEW)
        self.assertEqual(401, wrong.status)
        self.assertEqual(401, unknown.status)
        self.assertEqual(wrong.comparable_headers(), unknown.comparable_headers())
        self.assertEqual(wrong.body.replace("pw.web", "U").split('name="csrf"')[0],
                         unknown.body.replace("pw.wec", "U").split('name="csrf"')[0])


if __name__ == "__main__":
    run_tests()
