#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""slapd failing behind the pages (issue 13, item 4), through nginx, with
sesam-fcgi talking to slapd through sesam_fault_proxy
(tests/integration/ldap/fault_proxy.h): stopped, paused (SIGSTOP) or killed
(SIGKILL) during the account lookup, the write of the reset round and the
password write. Each case checks what the visitor sees, the administrator's
log line and the directory's state afterwards.

What remains, and is asserted so that it stays known: when slapd dies after
committing a round but before answering, the round is in the directory
although no mail went out (it counts against account_limit), and the log
says the request failed. A later request still works."""

import os
import re
import subprocess
import time
import unittest

from webtest import (ENV, OLD_PASSWORD, Browser, Mailbox, add_account, binds, ldap_control,
                     link_of, link_path, run_tests, wait_for)
from sesam_harness.web import Web

NEW_PASSWORD = "Zomer-Vakantie-2026!"
NOT_CHANGED = "Er werd niets gewijzigd"  # nl: "Nothing was changed"
UNCONFIRMED = "We konden de wijziging niet bevestigen"



class FaultProxy:
    """sesam_fault_proxy in front of the test slapd."""

    def __init__(self):
        port = ENV["SESAM_TEST_LDAP_PORT"]
        self.process = subprocess.Popen(
            [ENV["SESAM_FAULT_PROXY"], port, ENV["SESAM_TEST_LDAP_CONTROL"]],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline().split()[1])

    def command(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def arm(self, fault, when, target):
        assert self.command(f"arm {fault} {when} {target}") == "armed"

    def fired(self):
        return self.command("fired") == "yes"

    def recover(self):
        assert self.command("recover") == "recovered"

    def close(self):
        self.process.stdin.close()
        self.process.wait(30)


def reset_rounds(dn):
    out = subprocess.run(
        ["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H", ENV["SESAM_TEST_LDAP_URI"],
         "-D", ENV["SESAM_TEST_LDAP_ADMIN_DN"], "-w", ENV["SESAM_TEST_LDAP_ADMIN_PASSWORD"],
         "-b", dn, "-s", "base", "sesamResetRounds"],
        check=True, capture_output=True, text=True).stdout
    match = re.search(r"^sesamResetRounds: (.*)$", out, re.M)
    return match.group(1) if match else ""


class LdapFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proxy = FaultProxy()
        cls.web = Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="ldapfaults",
                      overrides={("ldap", "uri"): f"ldap://127.0.0.1:{cls.proxy.port}",
                                 ("ldap", "timeout"): "2s", ("ldap", "network_timeout"): "1s"})
        cls.web.__enter__()
        cls.reference = cls.forgot_page(cls, "nobody.at.all", "nobody@school.test")

    @classmethod
    def tearDownClass(cls):
        cls.web.__exit__(None, None, None)
        cls.proxy.close()

    def browser(self):
        return Browser(base_url=self.web.base_url, port=self.web.port)

    def forgot_page(self, username, address):
        """POST forgot, then the `sent` page: what the visitor sees."""
        browser = Browser(base_url=self.web.base_url, port=self.web.port)
        posted = browser.forgot(username, address)
        sent = browser.get("sent")
        return posted.status, posted.comparable_headers(), sent.status, sent.body

    def log_after(self, mark):
        return self.web.log_text()[mark:]

    def directory_ready(self):
        """Until healthz says the directory answers: after the previous case's
        fault the pool waits out its reconnect backoff: a request inside it
        waits for its end, or fails without reaching slapd (and so without the
        fault armed) when the end is further away than [ldap] timeout.
        healthz keeps its answer a second: an older 200 must not count."""
        time.sleep(1.1)
        wait_for(lambda: self.browser().get("healthz").status == 200, "healthz 200")

    def setUp(self):
        self.directory_ready()

    def recovered_mail_works(self, username, address):
        """Once slapd is back, the next request gets its mail."""
        self.directory_ready()
        mailbox = Mailbox()
        mark = len(self.web.log_text())
        self.assertEqual(self.reference, self.forgot_page(username, address))
        messages = mailbox.wait(1, timeout=15.0)
        self.assertEqual(1, len(messages), "no mail once slapd was back; the log says:\n" +
                         self.log_after(mark))
        return messages

    # -- the lookup --------------------------------------------------------
    def lookup_fails(self, fault):
        username, dn = add_account(own=[f"{fault}.lookup@school.test"], prefix="lookup")
        mailbox = Mailbox()
        mark = len(self.web.log_text())
        if fault == "stop":
            ldap_control("stop")
        else:
            self.proxy.arm(fault, "before", "lookup")
        try:
            self.assertEqual(self.reference,
                             self.forgot_page(username, f"{fault}.lookup@school.test"))
            line = wait_for(lambda: re.search(r"reset request: directory lookup failed: .*",
                                              self.log_after(mark)), "the lookup's log line")
            self.assertRegex(line.group(0), r"failed: (Unavailable|DeadlineExceeded)")
            self.assertIn("failed (directory error)", self.log_after(mark))
            self.assertNotIn(username, self.log_after(mark), "an unknown name is not logged")
        finally:
            if fault == "stop":
                ldap_control("start")
            else:
                self.assertTrue(self.proxy.fired())
                self.proxy.recover()
        self.assertEqual([], mailbox.wait(0, timeout=0.5, settle=0))
        self.assertEqual("", reset_rounds(dn))
        self.assertEqual(1, len(self.recovered_mail_works(username,
                                                          f"{fault}.lookup@school.test")))

    def test_lookup_slapd_stopped(self):
        self.lookup_fails("stop")

    def test_lookup_slapd_paused(self):
        self.lookup_fails("pause")

    def test_lookup_slapd_killed(self):
        self.lookup_fails("kill")

    # -- the round write ---------------------------------------------------
    def round_fails(self, fault, when):
        address = f"{fault}.{when}.round@school.test"
        username, dn = add_account(own=[address], prefix="round")
        mailbox = Mailbox()
        mark = len(self.web.log_text())
        self.proxy.arm(fault, when, "round")
        try:
            self.assertEqual(self.reference, self.forgot_page(username, address))
            wait_for(lambda: f"reset request: user '{username}'" in self.log_after(mark),
                     "the request's audit line")
            self.assertIn(f"reset request: user '{username}' from 127.0.0.1: failed (directory "
                          "error)", self.log_after(mark))
            self.assertRegex(self.log_after(mark),
                             r"reset request: (Unavailable|DeadlineExceeded): LDAP")
        finally:
            self.assertTrue(self.proxy.fired())
            self.proxy.recover()
        self.assertEqual([], mailbox.wait(0, timeout=0.5, settle=0))
        rounds_left = reset_rounds(dn)
        self.assertEqual(1, len(self.recovered_mail_works(username, address)))
        return rounds_left

    def test_round_write_slapd_paused_before_it_lands(self):
        self.assertEqual("", self.round_fails("pause", "before"))

    def test_round_write_slapd_killed_after_it_landed(self):
        # The window that remains: the round counts, no mail went out.
        self.assertNotEqual("", self.round_fails("kill", "after"))

    # -- the password write ------------------------------------------------
    def password_fails(self, fault, when):
        address = f"{fault}.{when}.pw@school.test"
        username, dn = add_account(own=[address], prefix="pw")
        mailbox = Mailbox()
        self.assertEqual(self.reference, self.forgot_page(username, address))
        [message] = mailbox.wait(1, timeout=15.0)
        link = link_path(link_of(message))
        browser = self.browser()
        form = browser.get(link)
        self.assertEqual(200, form.status)
        mark = len(self.web.log_text())
        self.proxy.arm(fault, when, "password")
        try:
            page = browser.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD,
                                       "csrf": form.csrf()})
            self.assertTrue(self.proxy.fired())
        finally:
            self.proxy.recover()
        return username, dn, browser, link, page, self.log_after(mark)

    def check_unconfirmed(self, username, browser, page, log):
        # The write went out and no answer came, and slapd stayed down past
        # the read-back: Sesam cannot know whether the password changed, and
        # says so (page and log) rather than guess.
        self.assertEqual(503, page.status)
        self.assertIn(UNCONFIRMED, page.body)
        self.assertRegex(log, f"password change for user '{username}' from 127.0.0.1 "
                              r"unconfirmed: .*the new password may or may not be in place")

    def check_did_not_land(self, username, dn, browser, link, page, log):
        self.check_unconfirmed(username, browser, page, log)
        # It had not landed: the old password holds and the same link works
        # once slapd is back.
        self.assertTrue(binds(dn, OLD_PASSWORD))
        again = browser.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD,
                                    "csrf": browser.get(link).csrf()})
        self.assertEqual(303, again.status)
        self.assertTrue(binds(dn, NEW_PASSWORD))

    def test_password_write_slapd_paused_before_it_lands(self):
        self.check_did_not_land(*self.password_fails("pause", "before"))

    def test_password_write_slapd_killed_before_it_lands(self):
        self.check_did_not_land(*self.password_fails("kill", "before"))

    def test_password_write_slapd_stopped(self):
        address = "stopped.pw@school.test"
        username, dn = add_account(own=[address], prefix="pw")
        mailbox = Mailbox()
        self.assertEqual(self.reference, self.forgot_page(username, address))
        [message] = mailbox.wait(1, timeout=15.0)
        link = link_path(link_of(message))
        browser = self.browser()
        form = browser.get(link)
        mark = len(self.web.log_text())
        ldap_control("stop")
        try:
            page = browser.post(link, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD,
                                       "csrf": form.csrf()})
        finally:
            ldap_control("start")
        # Nothing could be sent: certain that nothing changed.
        self.assertEqual(503, page.status)
        self.assertIn(NOT_CHANGED, page.body)
        self.assertRegex(self.log_after(mark),
                         f"(password change for user '{username}'.* failed: |reset link from "
                         r"127.0.0.1: directory unavailable)")
        self.assertTrue(binds(dn, OLD_PASSWORD))

    def check_landed_but_unconfirmed(self, username, dn, browser, link, page, log):
        # The answer was lost after the write landed: the same page and log
        # line, and the directory holds the new password, so the link is spent.
        self.check_unconfirmed(username, browser, page, log)
        self.assertTrue(binds(dn, NEW_PASSWORD))
        self.assertFalse(binds(dn, OLD_PASSWORD))
        self.assertEqual(410, browser.get(link).status)

    def test_password_write_slapd_paused_after_it_landed(self):
        self.check_landed_but_unconfirmed(*self.password_fails("pause", "after"))

    def test_password_write_slapd_killed_after_it_landed(self):
        self.check_landed_but_unconfirmed(*self.password_fails("kill", "after"))


if __name__ == "__main__":
    run_tests()
