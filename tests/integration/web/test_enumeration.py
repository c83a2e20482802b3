#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""POST forgot must not tell whether an account or an address exists: the same
status and headers (apart from Date and cookies), and the same time, for an
unknown user, a wrong address, the right address, an account without
addresses, and the right address while the SMTP server is down (the sink is
taken down and up again in blocks). Timing is compared side by side in one
run, never against a fixed time."""

import os
import random
import signal
import statistics
import time
import unittest

from webtest import ENV, Browser, Mailbox, add_account, run_tests

ROUNDS = int(os.environ.get("SESAM_TEST_ENUM_ROUNDS", "300"))


def set_smtp(up):
    """Takes the SMTP sink down (SIGUSR1) or back up (SIGUSR2) and waits for it."""
    os.kill(int(ENV["SESAM_TEST_SMTP_PID"]), signal.SIGUSR2 if up else signal.SIGUSR1)
    want = "up" if up else "down"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(ENV["SESAM_TEST_SMTP_STATE"]) as state:
            if state.read().strip() == want:
                return
        time.sleep(0.02)
    raise TimeoutError("the SMTP sink did not go " + want)


class Enumeration(unittest.TestCase):
    def test_same_status_headers_and_time(self):
        known, _ = add_account(own=["known@school.test"], coaccounts=["ouder@home.test"])
        lone, _ = add_account(own=[], prefix="lone")
        cases = {
            "unknown user": ("nobody-" + known, "known@school.test"),
            "wrong address": (known, "someone@else.test"),
            "right address": (known, "known@school.test"),
            "no addresses": (lone, "lone@school.test"),
            "smtp down": (known, "ouder@home.test"),
        }
        browser = Browser()
        csrf = browser.get("forgot").csrf()
        mailbox = Mailbox()
        first = {}
        times = {name: [] for name in cases}

        def send(name):
            username, address = cases[name]
            fields = {"username": username, "email": address, "csrf": csrf}
            start = time.perf_counter()
            reply = browser.post("forgot", fields)
            times[name].append(time.perf_counter() - start)
            self.assertEqual(303, reply.status, name)
            first.setdefault(name, reply)

        # Side by side in one run: blocks with the SMTP server up (the four
        # other cases interleaved), each followed by a block with it down.
        up_cases = [name for name in cases if name != "smtp down"]
        blocks = 10
        try:
            for _ in range(blocks):
                for _ in range(ROUNDS // blocks):
                    random.shuffle(up_cases)
                    for name in up_cases:
                        send(name)
                set_smtp(False)
                for _ in range(ROUNDS // blocks):
                    send("smtp down")
                set_smtp(True)
        finally:
            set_smtp(True)
        reference = first["unknown user"]
        for name, reply in first.items():
            self.assertEqual(reference.comparable_headers(), reply.comparable_headers(), name)
            self.assertEqual(reference.body, reply.body, name)
        medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
        print("medians (ms):", {k: round(v, 3) for k, v in medians.items()})
        spread = max(medians.values()) - min(medians.values())
        self.assertLess(spread, 1.0, f"medians differ by {spread:.3f} ms: {medians}")
        # The right address really was mailed.
        self.assertGreater(len(mailbox.wait(1, timeout=60.0)), 0)


if __name__ == "__main__":
    run_tests()
