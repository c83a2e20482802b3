#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Links that die when their reason goes (a disabled account, a removed
co-account), the notice after a change, the audit log that names only
accounts that exist, and the helpdesk's `sesam limits` — against real slapd,
nginx, sesam-fcgi and an SMTP sink."""

import subprocess
import unittest

from webtest import (ENV, Browser, Mailbox, _ldap_admin, add_account, binds, link_of, link_path,
                     recipients, run_tests, text_of, web_log)

NEW_PASSWORD = "Zomer-Vakantie-2026!"


def ldap_modify(dn, *changes):
    """Modifies `dn` as the directory's administrator: changes are LDIF lines."""
    ldif = "\n".join([f"dn: {dn}", "changetype: modify", *changes]) + "\n"
    subprocess.run(["ldapmodify"] + _ldap_admin(), input=ldif, text=True, check=True,
                   capture_output=True)


def cli(*args):
    return subprocess.run([ENV["SESAM_CLI"], *args, "--config", ENV["SESAM_TEST_WEB_CONFIG"]],
                          capture_output=True, text=True)


def request(browser, username, address, count):
    mailbox = Mailbox()
    assert browser.forgot(username, address).status == 303
    messages = mailbox.wait(count)
    assert len(messages) == count, len(messages)
    return {recipients(m)[0]: link_path(link_of(m)) for m in messages}


class LinkSafety(unittest.TestCase):
    def test_removed_coaccount_loses_its_link_the_others_keep_theirs(self):
        username, dn = add_account(own=["kind@school.test"],
                                   coaccounts=["mama.kind@home.test", "papa.kind@home.test"])
        browser = Browser()
        links = request(browser, username, "kind@school.test", 3)
        ldap_modify(dn, "delete: sesamCoAccountMail", "sesamCoAccountMail: mama.kind@home.test")
        self.assertEqual(410, browser.get(links["mama.kind@home.test"]).status)
        self.assertEqual(410, browser.change(links["mama.kind@home.test"], NEW_PASSWORD).status)
        self.assertEqual(200, browser.get(links["papa.kind@home.test"]).status)
        self.assertEqual(200, browser.get(links["kind@school.test"]).status)
        self.assertIn("the address it was sent to is no longer on the account", web_log())

    def test_disabled_account_gets_no_mail_and_its_links_die(self):
        username, dn = add_account(own=["weg@school.test"])
        browser = Browser()
        link = request(browser, username, "weg@school.test", 1)["weg@school.test"]
        # ppolicy's administrative lock.
        ldap_modify(dn, "replace: pwdAccountLockedTime", "pwdAccountLockedTime: 000001010000Z")
        self.assertEqual(410, browser.get(link).status)
        self.assertEqual(410, browser.change(link, NEW_PASSWORD).status)
        mailbox = Mailbox()
        self.assertEqual(303, browser.forgot(username, "weg@school.test").status)
        self.assertEqual([], mailbox.wait(1, timeout=3))
        self.assertIn(f"user '{username}'", web_log())
        self.assertIn("no mail (the account is disabled)", web_log())
        self.assertFalse(binds(dn, NEW_PASSWORD))

    def test_every_address_hears_of_a_change_without_a_link(self):
        username, dn = add_account(own=["melding@school.test"],
                                   coaccounts=["ouder.melding@home.test"])
        browser = Browser()
        links = request(browser, username, "ouder.melding@home.test", 2)
        mailbox = Mailbox()
        self.assertEqual(303, browser.change(links["melding@school.test"], NEW_PASSWORD).status)
        self.assertTrue(binds(dn, NEW_PASSWORD))
        notices = mailbox.wait(2)
        self.assertEqual({"melding@school.test", "ouder.melding@home.test"},
                         {recipients(m)[0] for m in notices})
        for notice in notices:
            text = text_of(notice)
            self.assertIn(username, text)
            self.assertIn("helpdesk@school.test", text)
            self.assertNotIn("/otp/", text)
        # The helpdesk's set-password tells them too.
        mailbox = Mailbox()
        result = subprocess.run([ENV["SESAM_CLI"], "set-password", username, "--config",
                                 ENV["SESAM_TEST_WEB_CONFIG"], "--datadir",
                                 ENV["SESAM_WEB_DATADIR"]],
                                input="Herfst-Vakantie-2026!\nHerfst-Vakantie-2026!\n",
                                capture_output=True, text=True)
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual(2, len(mailbox.wait(2)))

    def test_an_unknown_username_is_logged_only_as_a_keyed_hash(self):
        typed = "Geheim-Wachtwoord-In-Het-Verkeerde-Vak-42"
        browser = Browser()
        mailbox = Mailbox()
        self.assertEqual(303, browser.forgot(typed, "iemand@school.test").status)
        mailbox.wait(1, timeout=3)
        log = web_log()
        self.assertNotIn(typed, log)
        self.assertIn("reset request: unknown user #", log)

    def test_helpdesk_limits_shows_and_clears_the_rounds(self):
        username, _ = add_account(own=["teller@school.test"])
        browser = Browser()
        request(browser, username, "teller@school.test", 1)
        shown = cli("limits", username)
        self.assertEqual(0, shown.returncode, shown.stderr)
        self.assertIn("1 reset round(s) in the last 1h", shown.stdout)
        self.assertIn("teller@school.test: 1 of", shown.stdout)
        looked = cli("lookup", username)
        self.assertIn("limit: 1 reset round(s)", looked.stdout)
        cleared = cli("limits", username, "--clear")
        self.assertEqual(0, cleared.returncode, cleared.stderr)
        self.assertIn("0 reset round(s)", cleared.stdout)
        self.assertIn("teller@school.test: 0 of", cleared.stdout)


if __name__ == "__main__":
    run_tests()
