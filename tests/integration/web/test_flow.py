#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The whole reset flow over HTTP through nginx, against real slapd and a real
SMTP sink: mails to every address, the change form, binds before and after,
privacy between co-accounts, poisoning and injection attempts, and logs."""

import re
import unittest

from webtest import (ENV, OLD_PASSWORD, Browser, Mailbox, access_log, add_account, binds, html_of, link_of,
                     link_path, recipients, run_tests, text_of, web_log)

NEW_PASSWORD = "Zomer-Vakantie-2026!"


class Flow(unittest.TestCase):
    def test_whole_flow_every_address_then_new_password_binds(self):
        own, mum, dad = "jan@school.test", "mama@home.test", "papa@elders.test"
        username, dn = add_account(own=[own], coaccounts=[mum, dad])
        mailbox = Mailbox()
        browser = Browser()
        reply = browser.forgot(username, "  MAMA@home.test ")
        self.assertEqual(303, reply.status)
        self.assertEqual(ENV["SESAM_TEST_BASE_URL"] + "/sent", reply.header("Location"))
        sent = browser.get("sent")
        self.assertEqual(200, sent.status)

        messages = mailbox.wait(3)
        self.assertEqual(3, len(messages))
        everyone = {own, mum, dad}
        self.assertEqual(everyone, {recipients(m)[0] for m in messages})
        for message in messages:
            to = recipients(message)
            self.assertEqual(1, len(to), "exactly one recipient per message")
            body = text_of(message) + html_of(message) + str(message)
            for other in everyone - set(to):
                self.assertNotIn(other, body, "a message names another recipient")
            self.assertTrue(link_of(message).startswith(ENV["SESAM_TEST_BASE_URL"] + "/otp/"))
            self.assertEqual("auto-generated", message["Auto-Submitted"])
        by_recipient = {recipients(m)[0]: m for m in messages}
        self.assertIn("Beste Jan", text_of(by_recipient[own]))
        self.assertIn(username, text_of(by_recipient[mum]))
        self.assertIn(username, text_of(by_recipient[dad]))

        link = link_path(link_of(by_recipient[dad]))
        # Opening the link (as a mail scanner would) changes nothing.
        for _ in range(3):
            form = browser.get(link)
            self.assertEqual(200, form.status)
            self.assertEqual("no-store", form.header("Cache-Control"))
            self.assertIn(username, form.body)
        self.assertTrue(binds(dn, OLD_PASSWORD))

        weak = browser.change(link, "kort")
        self.assertEqual(422, weak.status)
        mismatch = browser.change(link, NEW_PASSWORD, NEW_PASSWORD + "x")
        self.assertEqual(422, mismatch.status)
        self.assertTrue(binds(dn, OLD_PASSWORD), "old password works until the change")

        done = browser.change(link, NEW_PASSWORD)
        self.assertEqual(303, done.status)
        self.assertTrue(done.header("Location").startswith(ENV["SESAM_TEST_BASE_URL"] + "/done"))
        self.assertEqual(200, browser.get("done").status)
        self.assertTrue(binds(dn, NEW_PASSWORD))
        self.assertFalse(binds(dn, OLD_PASSWORD))

        # Used: this link and the other two of the round are dead.
        for message in messages:
            self.assertEqual(410, browser.get(link_path(link_of(message))).status)

        # Neither the link, the token nor a password reaches a log.
        token = link.split("/otp/")[1].split("?")[0]
        for text in (web_log(), access_log()):
            self.assertNotIn(token, text)
            self.assertNotIn(NEW_PASSWORD, text)
            self.assertNotIn(OLD_PASSWORD, text)
        self.assertIn(f"user '{username}'", web_log())
        self.assertIn("password changed", web_log())

    def test_host_and_forwarded_host_do_not_change_links(self):
        username, _ = add_account(own=["host@school.test"])
        mailbox = Mailbox()
        reply = Browser().forgot(username, "host@school.test",
                                 headers={"Host": "evil.example",
                                          "X-Forwarded-Host": "evil.example",
                                          "X-Forwarded-Proto": "http"})
        self.assertEqual(303, reply.status)
        self.assertNotIn("evil", reply.header("Location"))
        [message] = mailbox.wait(1)
        self.assertNotIn("evil.example", str(message))
        self.assertTrue(link_of(message).startswith(ENV["SESAM_TEST_BASE_URL"] + "/otp/"))

    def test_injection_shaped_usernames_send_nothing(self):
        add_account(own=["victim@school.test"], prefix="victim")
        mailbox = Mailbox()
        browser = Browser()
        for username in ["*", "victim*", "*)(uid=*", ")(|(uid=*))", "victim.\\2a", "a\x00b",
                         "' OR '1'='1", "${jndi:ldap://x}", "../../etc/passwd", "x" * 2000]:
            reply = browser.forgot(username, "victim@school.test")
            self.assertEqual(303, reply.status, repr(username))
        self.assertEqual([], mailbox.wait(1, timeout=2.0))

    def test_crlf_in_username_or_address_injects_nothing(self):
        username, _ = add_account(own=["crlf@school.test"])
        mailbox = Mailbox()
        browser = Browser()
        bad_address = browser.forgot(username, "crlf@school.test\r\nBcc: thief@evil.example")
        self.assertEqual(400, bad_address.status)
        reply = browser.forgot(username + "\r\nBcc: thief@evil.example", "crlf@school.test")
        self.assertEqual(303, reply.status)
        self.assertEqual([], mailbox.wait(1, timeout=2.0))
        for line in web_log().splitlines():
            self.assertFalse(line.startswith("Bcc:"), "a CR/LF split a log line")

    def test_csrf_is_required(self):
        username, _ = add_account(own=["csrf@school.test"])
        mailbox = Mailbox()
        fresh = Browser()
        self.assertEqual(403, fresh.post("forgot", {"username": username,
                                                    "email": "csrf@school.test"}).status)
        other = Browser()
        token = other.get("forgot").csrf()
        # A token from another visitor's cookie is refused.
        stranger = Browser()
        stranger.get("forgot")
        self.assertEqual(403, stranger.post("forgot", {"username": username,
                                                       "email": "csrf@school.test",
                                                       "csrf": token}).status)
        self.assertEqual([], mailbox.wait(1, timeout=2.0))

    def test_strict_forms_and_headers(self):
        browser = Browser()
        form = browser.get("forgot")
        for name in ("Content-Security-Policy", "Referrer-Policy", "X-Content-Type-Options"):
            self.assertIsNotNone(form.header(name), name)
        cookie = form.header("Set-Cookie")
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        repeated = browser.post("forgot", f"username=a&email=a%40b.test&email=c%40d.test"
                                          f"&csrf={form.csrf()}")
        self.assertEqual(400, repeated.status)
        array = browser.post("forgot", f"username[]=a&email=a%40b.test&csrf={form.csrf()}")
        self.assertEqual(400, array.status)
        self.assertEqual(400, browser.post("forgot", {"username": "a", "email": "no-at-sign",
                                                      "csrf": form.csrf()}).status)
        big = browser.post("forgot", "username=" + "a" * 20000 + f"&email=a%40b.test&csrf={form.csrf()}")
        self.assertIn(big.status, (413,))
        for path in ("sent", "done", "policy.json", "healthz", "otp/x.y.z", "nope"):
            reply = browser.get(path)
            self.assertIsNotNone(reply.header("Content-Security-Policy"), path)
        self.assertEqual(200, browser.get("healthz").status)
        self.assertEqual(404, browser.get("nope").status)

    def test_languages(self):
        browser = Browser()
        self.assertIn('lang="fr"', browser.get("forgot?lang=fr").body)
        self.assertIn('lang="en"', browser.get("forgot", headers={"Accept-Language": "en-GB,en;q=0.9"}).body)
        self.assertIn('lang="nl"', Browser().get("forgot").body)

    def test_return_url_allowlist(self):
        browser = Browser()
        evil = browser.get("forgot?return=https%3A%2F%2Fevil.example%2F")
        self.assertNotIn("evil.example", evil.body)
        self.assertNotIn("sesam_return", browser.cookies)
        good = browser.get("forgot?return=https%3A%2F%2Fsso.school.test%2Frealms%2Fschool")
        self.assertEqual(200, good.status)
        self.assertIn('href="https://sso.school.test/realms/school"', browser.get("done").body)


if __name__ == "__main__":
    run_tests()
