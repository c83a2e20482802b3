#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The LDAP pool's reconnect backoff when slapd comes back (issue 13): after
an open failed, the next waits 100 ms, doubling up to 5 s. A request made
inside that window waits for its end (when it ends within [ldap] timeout)
instead of failing without trying the directory, and the requests waiting
together share one connect:

- while slapd stays down, link pages still answer 503 within their usual
  bound (timeout + network_timeout), and three pages plus a forgot request
  waiting in one window cost slapd one connect, not four;
- once slapd is back, a forgot request posted at once, still inside the
  window, gets its mail, and the log says so.

Without the wait the forgot request fails ("directory lookup failed", no
mail) and the waiting requests fail at once without a connect."""

import os
import threading
import time
import unittest

from webtest import (ENV, Browser, Mailbox, add_account, ldap_control, link_of, link_path,
                     run_tests, wait_for)
from sesam_harness.web import Web

CANNOT_OPEN = "LDAP: cannot open a connection"
TIMEOUT = 5.0  # [ldap] timeout here: the longest backoff (5 s) is waited out
NETWORK_TIMEOUT = 2.0  # the harness's [ldap] network_timeout



class LdapBackoff(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.web = Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="backoff",
                      overrides={("ldap", "timeout"): f"{TIMEOUT:.0f}s"})
        cls.web.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.web.__exit__(None, None, None)

    def browser(self):
        return Browser(base_url=self.web.base_url, port=self.web.port)

    def log_after(self, mark):
        return self.web.log_text()[mark:]

    def timed_get(self, path):
        start = time.monotonic()
        reply = self.browser().get(path)
        return reply.status, time.monotonic() - start

    def test_a_request_inside_the_backoff_tries_slapd_once_it_is_back(self):
        address = "backoff@school.test"
        username, _ = add_account(own=[address], prefix="backoff")
        mailbox = Mailbox()
        self.assertEqual(303, self.browser().forgot(username, address).status)
        [message] = mailbox.wait(1, timeout=15.0)
        link = link_path(link_of(message))
        self.assertEqual(200, self.browser().get(link).status)
        bound = TIMEOUT + NETWORK_TIMEOUT + 1.0

        mark = len(self.web.log_text())
        ldap_control("stop")
        started = False
        try:
            # Failed opens until the backoff is 3.2 s (the sixth failure):
            # every link page answers 503 within its usual bound meanwhile.
            give_up = time.monotonic() + 60
            while self.log_after(mark).count(CANNOT_OPEN) < 6:
                self.assertLess(time.monotonic(), give_up, self.log_after(mark))
                status, took = self.timed_get(link)
                self.assertEqual(503, status)
                self.assertLess(took, bound)

            # Three pages and a forgot request inside one backoff: one connect.
            failed = self.log_after(mark).count(CANNOT_OPEN)
            forgot_mark = len(self.web.log_text())
            results = []
            threads = [threading.Thread(target=lambda: results.append(self.timed_get(link)))
                       for _ in range(3)]
            for thread in threads:
                thread.start()
            self.assertEqual(303, self.browser().forgot(username, address).status)
            for thread in threads:
                thread.join(30)
            self.assertEqual(3, len(results))
            for status, took in results:
                self.assertEqual(503, status)
                self.assertLess(took, bound)
            wait_for(lambda: "reset request: directory lookup failed" in
                     self.log_after(forgot_mark), "the forgot request's failure")
            self.assertEqual(failed + 1, self.log_after(mark).count(CANNOT_OPEN),
                             "the waiting requests share one connect:\n" + self.log_after(mark))
            self.assertEqual([], mailbox.wait(0, timeout=0.2, settle=0))

            # That connect failed: the backoff is 5 s from now. slapd returns
            # well within it, and a forgot request comes at once.
            window_start = time.monotonic()
            ldap_control("start")
            started = True
            back = len(self.web.log_text())
            self.assertEqual(303, self.browser().forgot(username, address).status)
            posted = time.monotonic() - window_start
        finally:
            if not started:
                ldap_control("start")
        self.assertLess(posted, 4.5, "slapd took too long to start to show the backoff")
        messages = mailbox.wait(1, timeout=TIMEOUT + 10.0)
        self.assertEqual(1, len(messages), "no mail; the log says:\n" + self.log_after(back))
        wait_for(lambda: f"reset request: user '{username}' from 127.0.0.1: mailed"
                 in self.log_after(back), "the mailed line")
        self.assertNotIn("directory lookup failed", self.log_after(back))


if __name__ == "__main__":
    run_tests()
