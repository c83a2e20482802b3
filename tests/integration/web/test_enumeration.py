#!/usr/bin/python3
"""POST forgot must not tell whether an account or an address exists: the same
status and headers (apart from Date and cookies), and the same time, for an
unknown user, a wrong address, the right address, an account without
addresses, and the right address while the SMTP server is down. Timing is
compared side by side in one run (interleaved), never against a fixed time."""

import os
import random
import statistics
import time
import unittest

from webtest import ENV, Browser, Mailbox, add_account, free_port_for_tests, run_tests
from sesam_harness.web import Web

ROUNDS = int(os.environ.get("SESAM_TEST_ENUM_ROUNDS", "300"))


class Enumeration(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.known, _ = add_account(own=["known@school.test"], coaccounts=["ouder@home.test"])
        cls.lone, _ = add_account(own=[], prefix="lone")
        # A second sesam-fcgi whose SMTP server is down, with the same public URL.
        cls.nosmtp = Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="nosmtp",
                         base_url=ENV["SESAM_TEST_BASE_URL"],
                         overrides={("mail", "smtp_url"): f"smtp://127.0.0.1:{free_port_for_tests()}"})
        cls.nosmtp.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.nosmtp.__exit__(None, None, None)

    def cases(self):
        down = Browser(port=self.nosmtp.port)
        return {
            "unknown user": (Browser(), "nobody-" + self.known, "known@school.test"),
            "wrong address": (Browser(), self.known, "someone@else.test"),
            "right address": (Browser(), self.known, "known@school.test"),
            "no addresses": (Browser(), self.lone, "lone@school.test"),
            "smtp down": (down, self.known, "ouder@home.test"),
        }

    def test_same_status_headers_and_time(self):
        cases = self.cases()
        csrf = {name: browser.get("forgot").csrf() for name, (browser, _, _) in cases.items()}
        mailbox = Mailbox()
        first = {}
        times = {name: [] for name in cases}
        names = list(cases)
        for _ in range(ROUNDS):
            random.shuffle(names)
            for name in names:
                browser, username, address = cases[name]
                fields = {"username": username, "email": address, "csrf": csrf[name]}
                start = time.perf_counter()
                reply = browser.post("forgot", fields)
                times[name].append(time.perf_counter() - start)
                self.assertEqual(303, reply.status, name)
                first.setdefault(name, reply)
        reference = first["unknown user"]
        for name, reply in first.items():
            self.assertEqual(reference.comparable_headers(), reply.comparable_headers(), name)
            self.assertEqual(reference.body, reply.body, name)
        medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
        print("medians (ms):", {k: round(v, 3) for k, v in medians.items()})
        spread = max(medians.values()) - min(medians.values())
        self.assertLess(spread, 1.0, f"medians differ by {spread:.3f} ms: {medians}")
        # The right address really was mailed (to both addresses, every round).
        self.assertGreater(len(mailbox.wait(2 * ROUNDS, timeout=60.0)), 0)


if __name__ == "__main__":
    run_tests()
