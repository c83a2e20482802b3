#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Every way a one-time link must die, single use under 50 concurrent POSTs
spread over two sesam-fcgi processes, a directory outage, and the helpdesk's
`sesam send-reset`."""

import base64
import concurrent.futures
import json
import os
import subprocess
import threading
import time
import unittest

from webtest import (ENV, OLD_PASSWORD, Browser, Mailbox, add_account, admin_set_password, binds,
                     ldap_control, link_of, link_path, recipients, run_tests, web_log)
from sesam_harness.web import Web


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def request_link(browser, username, address, count=1):
    mailbox = Mailbox()
    assert browser.forgot(username, address).status == 303
    messages = mailbox.wait(count)
    assert len(messages) == count, len(messages)
    return link_path(link_of(messages[0]))


class Tokens(unittest.TestCase):
    def test_tampered_tokens_are_refused(self):
        username, _ = add_account(own=["tamper@school.test"])
        browser = Browser()
        link = request_link(browser, username, "tamper@school.test")
        self.assertEqual(200, browser.get(link).status)
        prefix, token = link.split("/otp/")
        token = token.split("?")[0]
        header, payload, signature = token.split(".")
        claims = json.loads(unb64(payload))
        forged = []
        for key, value in (("exp", claims["exp"] + 3600), ("sub", "someone-else"),
                           ("rnd", "0"), ("pst", b64(b"x" * 32))):
            changed = dict(claims, **{key: value})
            forged.append(".".join([header, b64(json.dumps(changed).encode()), signature]))
        none_header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        forged += [
            ".".join([none_header, payload, ""]),
            ".".join([none_header, payload]),
            ".".join([b64(json.dumps({"alg": "HS512", "typ": "JWT"}).encode()), payload, signature]),
            token + ".extra",
            header + "." + payload + "." + signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"),
            header + ".$$$." + signature,
            "", "a.b", "....",
        ]
        for bad in forged:
            self.assertEqual(410, browser.get(prefix + "/otp/" + bad).status, bad)
        self.assertEqual(200, browser.get(link).status, "the real link still works")

    def test_newer_request_keeps_links_and_other_change_kills_them(self):
        username, dn = add_account(own=["rounds@school.test"])
        browser = Browser()
        old = request_link(browser, username, "rounds@school.test")
        new = request_link(browser, username, "rounds@school.test")
        # A stranger asking again must not kill the pupil's link.
        self.assertEqual(200, browser.get(old).status)
        self.assertEqual(200, browser.get(new).status)
        # The password changed by another path (the admin, passwd): the link dies.
        admin_set_password(dn, "Door-De-Admin-7!")
        self.assertEqual(410, browser.get(new).status)
        self.assertEqual(410, browser.change(new, "Zomer-Vakantie-2026!").status)
        self.assertTrue(binds(dn, "Door-De-Admin-7!"))

    def test_links_expire(self):
        username, _ = add_account(own=["expiry@school.test"])
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="short",
                 overrides={("token", "lifetime"): "2s"}) as short:
            browser = Browser(base_url=short.base_url, port=short.port)
            link = request_link(browser, username, "expiry@school.test")
            self.assertEqual(200, browser.get(link).status)
            time.sleep(3.0)
            self.assertEqual(410, browser.get(link).status)

    def test_single_use_under_50_concurrent_posts_over_two_processes(self):
        username, dn = add_account(own=["race@school.test"])
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="two", processes=2,
                 threads=8) as two:
            link = request_link(Browser(base_url=two.base_url, port=two.port), username,
                                "race@school.test")
            browsers, forms = [], []
            for _ in range(50):
                browser = Browser(base_url=two.base_url, port=two.port)
                form = browser.get(link)
                self.assertEqual(200, form.status)
                browsers.append(browser)
                forms.append(form.csrf())
            start = threading.Barrier(50)

            def attempt(i):
                password = f"Race-Winner-{i:02d}!"
                start.wait()
                reply = browsers[i].post(link, {"password": password, "password2": password,
                                                "csrf": forms[i]})
                return i, reply.status

            with concurrent.futures.ThreadPoolExecutor(50) as pool:
                results = list(pool.map(attempt, range(50)))
            statuses = [status for _, status in results]
            self.assertEqual(1, statuses.count(303), statuses)
            self.assertEqual(49, statuses.count(410), statuses)
            [winner] = [i for i, status in results if status == 303]
            self.assertTrue(binds(dn, f"Race-Winner-{winner:02d}!"))
            logs = two.log_text()
            self.assertIn("sesam-fcgi-0", " ".join(two.logs))
            self.assertEqual(1, logs.count("password changed for user"))

    def test_directory_outage_is_503_and_writes_nothing(self):
        username, dn = add_account(own=["outage@school.test"])
        browser = Browser()
        link = request_link(browser, username, "outage@school.test")
        csrf = browser.get("forgot").csrf()
        ldap_control("stop")
        try:
            self.assertEqual(503, browser.get("healthz").status)
            self.assertEqual(503, browser.get(link).status)
            reply = browser.post(link, {"password": "Zomer-Vakantie-2026!",
                                        "password2": "Zomer-Vakantie-2026!", "csrf": csrf})
            self.assertEqual(503, reply.status)
            self.assertIn("Probeer het over enkele minuten opnieuw", reply.body)
            self.assertEqual(303, browser.forgot(username, "outage@school.test").status)
        finally:
            ldap_control("start")
        self.assertIn("directory unavailable", web_log())
        self.assertTrue(binds(dn, OLD_PASSWORD))
        deadline = time.monotonic() + 20
        while browser.get("healthz").status != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(200, browser.get(link).status, "the link survives the outage")

    def test_helpdesk_send_reset(self):
        username, _ = add_account(own=["desk@school.test"], coaccounts=["ouder.desk@home.test"])
        mailbox = Mailbox()
        result = subprocess.run([ENV["SESAM_CLI"], "send-reset", "--config",
                                 ENV["SESAM_TEST_WEB_CONFIG"], "--datadir",
                                 ENV["SESAM_WEB_DATADIR"], username],
                                capture_output=True, text=True)
        self.assertEqual(0, result.returncode, result.stderr)
        messages = mailbox.wait(2)
        self.assertEqual({"desk@school.test", "ouder.desk@home.test"},
                         {recipients(m)[0] for m in messages})
        self.assertEqual(200, Browser().get(link_path(link_of(messages[0]))).status)
        unknown = subprocess.run([ENV["SESAM_CLI"], "send-reset", "--config",
                                  ENV["SESAM_TEST_WEB_CONFIG"], "--datadir",
                                  ENV["SESAM_WEB_DATADIR"], "nobody.here"],
                                 capture_output=True, text=True)
        self.assertEqual(1, unknown.returncode)


if __name__ == "__main__":
    run_tests()
