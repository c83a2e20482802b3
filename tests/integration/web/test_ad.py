#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The reset flow over HTTP against a real Samba AD DC (with_servers.py --samba
--web; the accounts are sesam_harness/samba.py's): mails to the own and the
otherMailbox addresses, the change over verified ldaps, AD's refusal on the
form, no mail for disabled and expired accounts with the same answer, a
locked-out account unlocked by its reset, and a link that dies when the
password changes by another path (samba-tool user setpassword)."""

import os
import subprocess
import unittest

from webtest import ENV, Browser, Mailbox, link_of, link_path, recipients, run_tests, web_log

OLD = ENV.get("SESAM_TEST_LDAP_USER_PASSWORD", "")
NEW_PASSWORD = "Zomer-Vakantie-2026!"


def binds(name, password):
    """A simple bind as NAME@school.test over verified ldaps."""
    env = dict(os.environ, LDAPTLS_CACERT=ENV["SESAM_TEST_LDAP_CA_FILE"], LDAPTLS_REQCERT="demand")
    return subprocess.run(["ldapsearch", "-x", "-H", ENV["SESAM_TEST_LDAPS_URI"],
                           "-D", name + "@school.test", "-w", password, "-b", "", "-s", "base",
                           "1.1"], env=env, capture_output=True).returncode == 0


def admin_read(name, attribute):
    env = dict(os.environ, LDAPTLS_CACERT=ENV["SESAM_TEST_LDAP_CA_FILE"])
    out = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", ENV["SESAM_TEST_LDAPS_URI"],
                          "-D", ENV["SESAM_TEST_LDAP_ADMIN_DN"],
                          "-w", ENV["SESAM_TEST_LDAP_ADMIN_PASSWORD"],
                          "-b", ENV["SESAM_TEST_LDAP_BASE"], "(sAMAccountName=%s)" % name,
                          attribute], env=env, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.lower().startswith(attribute.lower() + ":"):
            return line.split(":", 1)[1].strip()
    return ""


class ActiveDirectory(unittest.TestCase):
    def test_jan_gets_mail_at_own_and_other_mailbox_and_changes_his_password(self):
        mailbox = Mailbox()
        browser = Browser()
        reply = browser.forgot("jan.selle", "papa.selle@example.test")
        self.assertEqual(303, reply.status)
        messages = mailbox.wait(3)
        self.assertEqual({"jan.selle@school.test", "mama.selle@example.test",
                          "papa.selle@example.test"}, {recipients(m)[0] for m in messages})
        link = link_path(link_of(messages[0]))
        self.assertEqual(200, browser.get(link).status)
        # A lower-case passphrase would pass a passphrase policy, but here
        # Sesam's own rules already want AD's three kinds of characters.
        done = browser.change(link, NEW_PASSWORD)
        self.assertEqual(303, done.status, done.body[:2000])
        self.assertTrue(binds("jan.selle", NEW_PASSWORD))
        self.assertFalse(binds("jan.selle", OLD))
        for message in messages:
            self.assertEqual(410, browser.get(link_path(link_of(message))).status)

    def test_disabled_and_expired_get_no_mail_and_the_same_answer(self):
        browser = Browser()
        answers = {}
        for name, address in (("dis.abled", "dis.abled@school.test"),
                              ("ex.pired", "ex.pired@school.test"),
                              ("niemand", "niemand@school.test")):
            mailbox = Mailbox()
            reply = browser.forgot(name, address)
            answers[name] = (reply.status, reply.header("Location"))
            self.assertEqual([], mailbox.wait(1, timeout=3), name)
        self.assertEqual(answers["niemand"], answers["dis.abled"])
        self.assertEqual(answers["niemand"], answers["ex.pired"])
        log = web_log()
        self.assertIn("user 'dis.abled' from 127.0.0.1: no mail (the account is disabled)", log)
        self.assertIn("user 'ex.pired' from 127.0.0.1: no mail (the account is disabled)", log)

    def test_a_locked_out_pupil_is_unlocked_by_the_reset(self):
        self.assertFalse(binds("lock.ed", OLD), "lock.ed starts locked out")
        mailbox = Mailbox()
        browser = Browser()
        self.assertEqual(303, browser.forgot("lock.ed", "lock.ed@school.test").status)
        link = link_path(link_of(mailbox.wait(1)[0]))
        self.assertEqual(303, browser.change(link, NEW_PASSWORD).status)
        self.assertEqual("0", admin_read("lock.ed", "lockoutTime"))
        self.assertTrue(binds("lock.ed", NEW_PASSWORD))

    def test_a_change_by_another_path_kills_the_link(self):
        mailbox = Mailbox()
        browser = Browser()
        self.assertEqual(303, browser.forgot("pw.web", "pw.web@school.test").status)
        link = link_path(link_of(mailbox.wait(1)[0]))
        self.assertEqual(200, browser.get(link).status)
        # On the DC itself, as an admin does (a reset by another path).
        subprocess.run(["samba-tool", "user", "setpassword", "pw.web",
                        "--newpassword=Ander-Pad-2026x", "-H", ENV["SESAM_TEST_SAMBA_SAM_LDB"],
                        "-s", ENV["SESAM_TEST_SAMBA_SMB_CONF"]], check=True, capture_output=True)
        self.assertEqual(410, browser.get(link).status)
        self.assertTrue(binds("pw.web", "Ander-Pad-2026x"))

    def test_a_link_dies_when_the_account_is_disabled(self):
        mailbox = Mailbox()
        browser = Browser()
        self.assertEqual(303, browser.forgot("pw.change", "pw.change@school.test").status)
        link = link_path(link_of(mailbox.wait(1)[0]))
        self.assertEqual(200, browser.get(link).status)
        subprocess.run(["samba-tool", "user", "disable", "pw.change",
                        "-H", ENV["SESAM_TEST_SAMBA_SAM_LDB"], "-s", ENV["SESAM_TEST_SAMBA_SMB_CONF"]],
                       check=True, capture_output=True)
        self.assertNotEqual(200, browser.get(link).status)
        self.assertNotEqual(303, browser.change(link, NEW_PASSWORD).status)
        self.assertFalse(binds("pw.change", NEW_PASSWORD))


if __name__ == "__main__":
    run_tests()
