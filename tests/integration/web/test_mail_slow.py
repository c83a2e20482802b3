#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""An SMTP server that takes 10 s over every command (MAIL, RCPT, DATA), with
[mail] timeout raised to 60 s: the pages stay fast (nothing on the response
path waits for SMTP), healthz does not call slow mail failing, and the message
arrives after the 30 s it takes, with no failure logged. About 35 s: labelled
`long`."""

import os
import time
import unittest

from webtest import ENV, Browser, Mailbox, add_account, run_tests
from sesam_harness.smtp import rcpt_answers, set_sink_mode
from sesam_harness.web import Web

PER_COMMAND = 10


class SlowMail(unittest.TestCase):
    def test_a_slow_server_delays_only_the_mail(self):
        set_sink_mode(f"slow {PER_COMMAND}")
        self.addCleanup(set_sink_mode, "accept")
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="mailslow",
                 overrides={("mail", "timeout"): "60s"}) as web:
            username, _ = add_account(own=["slow@school.test"], prefix="slow")
            mailbox = Mailbox()
            browser = Browser(base_url=web.base_url, port=web.port)
            start = time.monotonic()
            self.assertEqual(303, browser.forgot(username, "slow@school.test").status)
            # While a mail worker waits on the server, the pages answer at once.
            time.sleep(1)
            timings = []
            for _ in range(5):
                t = time.monotonic()
                reply = Browser(base_url=web.base_url, port=web.port).forgot("nobody",
                                                                             "x@school.test")
                timings.append(time.monotonic() - t)
                self.assertEqual(303, reply.status)
                health = browser.get("healthz")
                self.assertEqual((200, "ok\n"), (health.status, health.body))
            self.assertLess(max(timings), 1.0, timings)
            [message] = mailbox.wait(1, timeout=3 * PER_COMMAND + 20, settle=0)
            took = time.monotonic() - start
            print(f"\nforgot page (GET+POST) at most {max(timings) * 1000:.0f} ms while the mail "
                  f"took {took:.1f} s", flush=True)
            self.assertGreaterEqual(took, 3 * PER_COMMAND)
            self.assertEqual(["slow@school.test"], message.envelope_to)
            self.assertEqual(["250"], [c for c, a in rcpt_answers() if a == "slow@school.test"])
            self.assertNotIn("mail: delivery", web.log_text())
            self.assertEqual("ok\n", browser.get("healthz").body)


if __name__ == "__main__":
    run_tests()
