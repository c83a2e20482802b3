#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The SMTP server failing behind the forgot page (issue 13, item 4), through
nginx with real slapd and the SMTP sink: deferring (4xx), then refusing (5xx),
and down. For each case the test checks what the visitor sees (the same 303
and "sent" page as for an unknown user: the forgot page's promise), the
administrator's log lines, healthz, and the directory's state (a round whose
messages all failed is taken back, so the outage costs the pupil no round).
Retry waits are shortened through [mail] retry_delay / attempts."""

import os
import signal
import subprocess
import time
import unittest

from webtest import ENV, Browser, Mailbox, add_account, run_tests, wait_for
from sesam_harness.smtp import rcpt_answers, set_sink_mode
from sesam_harness.web import Web

FAST_RETRY = {("mail", "retry_delay"): "200ms", ("mail", "retry_max_delay"): "400ms",
              ("mail", "attempts"): "3", ("web", "account_limit"): "1/1h"}



def reset_rounds(dn):
    """The account's sesamResetRounds value ("" when none), read as the rootdn."""
    out = subprocess.run(
        ["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H", ENV["SESAM_TEST_LDAP_URI"],
         "-D", ENV["SESAM_TEST_LDAP_ADMIN_DN"], "-w", ENV["SESAM_TEST_LDAP_ADMIN_PASSWORD"],
         "-b", dn, "-s", "base", "sesamResetRounds"],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("sesamResetRounds: "):
            return line.split(": ", 1)[1]
    return ""


def answers_for(address):
    return [code for code, to in rcpt_answers() if to == address]


def smtp_signal(signum, state):
    os.kill(int(ENV["SESAM_TEST_SMTP_PID"]), signum)
    wait_for(lambda: open(ENV["SESAM_TEST_SMTP_STATE"]).read().strip() == state, f"sink {state}")


class MailFaults(unittest.TestCase):
    def setUp(self):
        set_sink_mode("accept")
        self.addCleanup(set_sink_mode, "accept")

    def forgot_page(self, web, username, address):
        """POST forgot and follow to `sent`: what the visitor sees."""
        browser = Browser(base_url=web.base_url, port=web.port)
        posted = browser.forgot(username, address)
        self.assertEqual(303, posted.status)
        sent = browser.get("sent")
        return posted.comparable_headers(), sent.status, sent.body

    def test_deferring_then_refusing_costs_no_round_and_healthz_tells(self):
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="mailrefuse",
                 overrides=FAST_RETRY) as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            self.assertEqual("ok\n", browser.get("healthz").body)
            self.assertEqual((200, "ok\n"), (browser.get("healthz?mail").status,
                                              browser.get("healthz?mail").body))
            reference = self.forgot_page(web, "nobody.at.all", "nobody@school.test")
            username, dn = add_account(own=["defer@school.test"], prefix="defer")

            # 4xx: three attempts 200 ms and 400 ms apart, then given up.
            set_sink_mode("defer")
            self.assertEqual(reference, self.forgot_page(web, username, "defer@school.test"))
            wait_for(lambda: len(answers_for("defer@school.test")) == 3, "three 451 answers")
            wait_for(lambda: "taken back" in web.log_text(), "the round taken back")
            log = web.log_text()
            self.assertIn("mail: delivery to a recipient at school.test failed (attempt 1/3)", log)
            self.assertIn("(attempt 2/3)", log)
            self.assertRegex(log, r"failed \(attempt 3/3\): .*451.*; giving up")
            self.assertIn(f"reset round for user '{username}' taken back: none of its messages "
                          "was accepted by the mail server", log)
            self.assertNotIn("defer@", log, "the log names the recipient's domain only")
            self.assertEqual("", reset_rounds(dn), "the round costs the account nothing")
            self.assertEqual(["451"] * 3, answers_for("defer@school.test"))
            health = browser.get("healthz")
            self.assertEqual((200, "mail failing: 2 deferred, 1 refused in the last 5 minutes\n"),
                             (health.status, health.body))
            self.assertEqual(503, browser.get("healthz?mail").status)

            # 5xx: refused at the first attempt, not retried.
            set_sink_mode("refuse")
            self.assertEqual(reference, self.forgot_page(web, username, "defer@school.test"))
            wait_for(lambda: web.log_text().count("taken back") == 2, "the second round back")
            self.assertEqual(["451"] * 3 + ["550"], answers_for("defer@school.test"))
            self.assertRegex(web.log_text(), r"failed \(attempt 1/3\): .*550.*; giving up")
            self.assertEqual("", reset_rounds(dn))
            self.assertEqual("mail failing: 2 deferred, 2 refused in the last 5 minutes\n",
                             browser.get("healthz").body)

            # Mail works again: the account still has its one round (account_limit 1/1h).
            set_sink_mode("accept")
            mailbox = Mailbox()
            self.assertEqual(reference, self.forgot_page(web, username, "defer@school.test"))
            self.assertEqual(1, len(mailbox.wait(1, timeout=10.0)))
            self.assertNotEqual("", wait_for(lambda: reset_rounds(dn), "the round recorded"))

    def test_a_server_that_is_down_and_comes_back_loses_nothing(self):
        overrides = dict(FAST_RETRY)
        overrides[("mail", "attempts")] = "30"
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="maildown",
                 overrides=overrides) as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            reference = self.forgot_page(web, "nobody.at.all", "nobody@school.test")
            username, dn = add_account(own=["down@school.test"], prefix="down")
            mailbox = Mailbox()
            smtp_signal(signal.SIGUSR1, "down")
            try:
                self.assertEqual(reference, self.forgot_page(web, username, "down@school.test"))
                wait_for(lambda: "(attempt 3/30)" in web.log_text(), "three failed attempts")
                # While it retries the round counts (an outage cannot pile up rounds).
                self.assertNotEqual("", reset_rounds(dn))
                self.assertRegex(browser.get("healthz").body,
                                 r"^mail failing: [1-9][0-9]* deferred, 0 refused")
            finally:
                smtp_signal(signal.SIGUSR2, "up")
            [message] = mailbox.wait(1, timeout=20.0)
            self.assertEqual(["down@school.test"], message.envelope_to)
            self.assertRegex(web.log_text(), r"failed \(attempt 1/30\): .*; will retry")
            self.assertNotIn("taken back", web.log_text())
            self.assertNotEqual("", reset_rounds(dn))


if __name__ == "__main__":
    run_tests()
