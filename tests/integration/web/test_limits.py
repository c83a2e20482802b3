#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The per-IP limit (429 with Retry-After, X-Forwarded-For not believed from
an untrusted peer), the per-account limit (no mail, the same 303), and a clean
stop on SIGTERM."""

import os
import unittest

from webtest import ENV, Browser, Mailbox, add_account, run_tests
from sesam_harness.web import Web


class Limits(unittest.TestCase):
    def test_ip_limit(self):
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="iplimit",
                 overrides={("web", "ip_limit"): "3/10m"}) as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            for _ in range(3):
                self.assertEqual(303, browser.forgot("nobody", "a@b.test").status)
            limited = browser.forgot("nobody", "a@b.test")
            self.assertEqual(429, limited.status)
            self.assertGreater(int(limited.header("Retry-After")), 0)
            spoofed = browser.forgot("nobody", "a@b.test",
                                     headers={"X-Forwarded-For": "198.51.100.77"})
            self.assertEqual(429, spoofed.status, "X-Forwarded-For from an untrusted peer")
            self.assertIn("ip_limit", web.log_text())

    def test_account_limit(self):
        # Four requests with four different addresses of one account: identical
        # requests could be merged while one waits its turn (forgot_rate), and
        # then fewer rounds would be asked for than the test means to ask.
        addresses = ["limit@school.test", "mama.limit@home.test", "papa.limit@home.test",
                     "oma.limit@home.test"]
        username, _ = add_account(own=addresses[:1], coaccounts=addresses[1:])
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="acctlimit",
                 overrides={("web", "account_limit"): "2/1h"}, processes=2) as web:
            mailbox = Mailbox()
            replies = [Browser(base_url=web.base_url, port=web.port).forgot(username, address)
                       for address in addresses]
            self.assertEqual([303] * 4, [r.status for r in replies])
            for reply in replies:
                self.assertEqual(replies[0].comparable_headers(), reply.comparable_headers())
            # Two rounds of four messages; the third and fourth request send nothing.
            self.assertEqual(8, len(mailbox.wait(12, timeout=5.0)))
            self.assertEqual(2, web.log_text().count("limited (account_limit reached"))

    def test_sigterm_exits_cleanly(self):
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="term") as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            username, _ = add_account(own=["term@school.test"])
            mailbox = Mailbox()
            self.assertEqual(303, browser.forgot(username, "term@school.test").status)
            self.assertEqual(0, web.stop_fcgi(0))
            self.assertIn("stopped", web.log_text())
            self.assertEqual(1, len(mailbox.wait(1, timeout=10.0)), "queued mail delivered")


if __name__ == "__main__":
    run_tests()
