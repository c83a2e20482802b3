#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The change page (GET/POST change) through nginx against slapd with
ppolicy (password_mode exop): a change works (the new password binds, the
old one does not) and the notice goes out; a forced change (pwdReset with
pwdMustChange, an expired password) completes and the next bind is clean;
history and minimum age are refused with their own message; an account whose
policy says pwdAllowUserChange FALSE is refused clearly; a wrong current
password and an unknown username cannot be told apart (page, headers and
time, side by side in one run); the per-client-and-username limit answers
429."""

import os
import random
import subprocess
import statistics
import time
import unittest

from webtest import (ENV, Browser, Mailbox, _ldap_admin, add_account, binds, people_base,
                     run_tests, web_log, OLD_PASSWORD)
from sesam_harness.web import Web

USER_PASSWORD = ENV["SESAM_TEST_LDAP_USER_PASSWORD"]
NEW = "Zomer-Vakantie-2026!"
ROUNDS = int(os.environ.get("SESAM_TEST_CHANGE_ROUNDS", "30"))


def dn_of(uid):
    return f"uid={uid},{people_base()}"


def change(browser, username, current, new, new2=None, lang=""):
    form = browser.get("change" + lang)
    assert form.status == 200, form.status
    return browser.post("change" + lang, {
        "username": username, "current": current, "password": new,
        "password2": new if new2 is None else new2, "csrf": form.csrf()})


class ChangePage(unittest.TestCase):
    def test_change_works_and_notifies(self):
        username, dn = add_account(own=["wissel@school.test"])
        mailbox = Mailbox()
        reply = change(Browser(), username, OLD_PASSWORD, NEW)
        self.assertEqual(303, reply.status, reply.body)
        self.assertTrue(reply.header("Location").endswith("/done"))
        self.assertTrue(binds(dn, NEW))
        self.assertFalse(binds(dn, OLD_PASSWORD))
        [notice] = mailbox.wait(1)
        self.assertIn("wissel@school.test", notice["To"])
        self.assertIn(f"password changed for user '{username}'", web_log())

    def test_forced_change_after_reset_completes(self):
        dn = dn_of("pw.forced")
        reply = change(Browser(), "pw.forced", USER_PASSWORD, NEW)
        self.assertEqual(303, reply.status, reply.body)
        self.assertIn("a change the directory required", web_log())
        # The next bind is clean: no pwdReset left, so no changeAfterReset.
        result = subprocess.run(
            ["ldapwhoami", "-e", "ppolicy", "-x", "-H", ENV["SESAM_TEST_LDAP_URI"], "-D", dn,
             "-w", NEW], capture_output=True, text=True)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertNotIn("change after reset", (result.stdout + result.stderr).lower())
        self.assertFalse(binds(dn, USER_PASSWORD))

    def test_expired_password_change_completes(self):
        dn = dn_of("pw.expired")
        self.assertFalse(binds(dn, USER_PASSWORD))  # expired: the bind is refused
        reply = change(Browser(), "pw.expired", USER_PASSWORD, NEW)
        self.assertEqual(303, reply.status, reply.body)
        self.assertTrue(binds(dn, NEW))

    def test_history_refused_with_its_message(self):
        browser = Browser()
        self.assertEqual(303, change(browser, "pw.chist", USER_PASSWORD, NEW).status)
        reply = change(browser, "pw.chist", NEW, USER_PASSWORD, lang="?lang=en")
        self.assertEqual(422, reply.status)
        self.assertIn("You used this password before", reply.body)
        self.assertTrue(binds(dn_of("pw.chist"), NEW))

    def test_minimum_age_refused_with_its_message(self):
        # cn=young: pwdMinAge 3600. The first change sets pwdChangedTime.
        browser = Browser()
        self.assertEqual(303, change(browser, "young.user", USER_PASSWORD, NEW).status)
        reply = change(browser, "young.user", NEW, "Herfst-Wandeling-77", lang="?lang=en")
        self.assertEqual(422, reply.status)
        self.assertIn("changed very recently", reply.body)
        self.assertTrue(binds(dn_of("young.user"), NEW))

    def test_no_user_change_refused_clearly(self):
        reply = change(Browser(), "pw.nochange", USER_PASSWORD, NEW, lang="?lang=en")
        self.assertEqual(403, reply.status)
        self.assertIn("may not change its own password", reply.body)
        self.assertTrue(binds(dn_of("pw.nochange"), USER_PASSWORD))

    def test_wrong_password_and_unknown_user_look_the_same(self):
        known, _ = add_account(prefix="kent")
        # Same length, so that Content-Length cannot differ by the echo.
        unknown = "kent." + "".join(reversed(known[5:]))
        cases = {"unknown user": unknown, "wrong password": known}
        browser = Browser()
        csrf = browser.get("change").csrf()
        first, times = {}, {name: [] for name in cases}
        names = list(cases)
        for _ in range(ROUNDS):
            random.shuffle(names)
            for name in names:
                start = time.perf_counter()
                reply = browser.post("change", {"username": cases[name], "current": "Fout-123456",
                                                "password": NEW, "password2": NEW, "csrf": csrf})
                times[name].append(time.perf_counter() - start)
                self.assertEqual(401, reply.status, name)
                first.setdefault(name, reply)
        a, b = first["unknown user"], first["wrong password"]
        self.assertEqual(a.comparable_headers(), b.comparable_headers())
        self.assertEqual(a.body.replace(cases["unknown user"], "U"),
                         b.body.replace(cases["wrong password"], "U"))
        medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
        print("medians (ms):", {k: round(v, 3) for k, v in medians.items()})
        spread = abs(medians["unknown user"] - medians["wrong password"])
        self.assertLess(spread, 5.0, f"medians differ by {spread:.3f} ms: {medians}")
        log = web_log()
        self.assertIn("change page: unknown user #", log)
        self.assertNotIn(unknown, log)

    def test_crypt_mode_writes_through_the_guarded_write(self):
        # crypt: the service account writes a {CRYPT} value under an assertion
        # of the old one (the directory's history cannot compare hashes).
        overrides = {("ldap", "password_mode"): "crypt"}
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="changecrypt",
                 overrides=overrides) as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            username, dn = add_account(prefix="crypt")
            self.assertEqual(401, change(browser, username, "Fout-123456", NEW).status)
            reply = change(browser, username, OLD_PASSWORD, NEW)
            self.assertEqual(303, reply.status, reply.body)
            self.assertTrue(binds(dn, NEW))
            self.assertFalse(binds(dn, OLD_PASSWORD))

    def test_disabled_account_answers_as_a_wrong_password(self):
        # The administrator's permanent lock, which the reset treats as
        # disabled (slapd still binds it when the policy has no pwdLockout):
        # the right password is refused with the very page a wrong one gets.
        username, dn = add_account(prefix="slot")
        subprocess.run(["ldapmodify"] + _ldap_admin(), check=True, capture_output=True, text=True,
                       input=f"dn: {dn}\nchangetype: modify\nadd: pwdAccountLockedTime\n"
                             "pwdAccountLockedTime: 000001010000Z\n")
        browser = Browser()
        locked = change(browser, username, OLD_PASSWORD, NEW)
        wrong = change(browser, username, "Fout-123456", NEW)
        self.assertEqual(401, locked.status)
        self.assertEqual(401, wrong.status)
        self.assertEqual(locked.comparable_headers(), wrong.comparable_headers())
        self.assertEqual(locked.body, wrong.body)
        self.assertIn("the account is disabled (pwdAccountLockedTime", web_log())
        self.assertFalse(binds(dn, NEW))  # nothing was written

    def test_limit_per_client_and_username(self):
        overrides = {("web", "change_account_limit"): "2/10m"}
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="changelimit",
                 overrides=overrides) as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            username, dn = add_account(prefix="raad")
            for _ in range(2):
                self.assertEqual(401, change(browser, username, "Fout-123456", NEW).status)
            reply = change(browser, username, OLD_PASSWORD, NEW)
            self.assertEqual(429, reply.status)
            self.assertTrue(reply.header("Retry-After"))
            self.assertTrue(binds(dn, OLD_PASSWORD))
            # Another username from the same client is not held back.
            other, _ = add_account(prefix="ander")
            self.assertEqual(303, change(browser, other, OLD_PASSWORD, NEW).status)


if __name__ == "__main__":
    run_tests()
