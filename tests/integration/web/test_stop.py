#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""sesam-fcgi stopping with forgot requests still queued (issue 13, item 4).
SIGKILL: the queued requests are lost, and nothing of them is left on disk
(the queue lives in memory only: a typed username may be a password), as
sesam.conf(5) says. SIGTERM: the queued requests are worked off and their
mail delivered before the process exits 0. [web] forgot_rate = 1/1m keeps
them queued: the first request is worked at once, the others would wait a
minute each."""

import os
import signal
import time
import unittest

from webtest import ENV, Browser, Mailbox, add_account, run_tests
from sesam_harness.web import Web

# What a pupil types into the username box when they mistake it for the
# password box: it must not reach the disk.
TYPED_SECRET = "Mijn-Geheim-Wachtwoord-4711"


def files_holding(top, needle):
    found = []
    for root, _, names in os.walk(top):
        for name in names:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    if needle.encode() in f.read():
                        found.append(path)
            except OSError:
                pass
    return found


class Stop(unittest.TestCase):
    def queue(self, web, count, prefix):
        """One request for a fresh account per client address, then one with a
        secret typed as username; returns the addresses in order."""
        addresses = []
        for i in range(count):
            address = f"{prefix}{i}@school.test"
            username, _ = add_account(own=[address], prefix=prefix)
            addresses.append(address)
            reply = Browser(base_url=web.base_url, port=web.port).forgot(
                username, address, headers={"X-Forwarded-For": f"192.0.2.{10 + i}"})
            self.assertEqual(303, reply.status)
        reply = Browser(base_url=web.base_url, port=web.port).forgot(
            TYPED_SECRET, "secret@school.test", headers={"X-Forwarded-For": "192.0.2.99"})
        self.assertEqual(303, reply.status)
        return addresses

    def test_sigkill_loses_queued_requests_and_leaves_no_trace(self):
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="sigkill",
                 overrides={("web", "forgot_rate"): "1/1m",
                            ("web", "trusted_proxies"): "127.0.0.1"}) as web:
            mailbox = Mailbox()
            addresses = self.queue(web, 4, "killed")
            [first] = mailbox.wait(1, timeout=10.0)
            self.assertEqual([addresses[0]], first.envelope_to)
            web.fcgi[0].send_signal(signal.SIGKILL)
            self.assertEqual(-signal.SIGKILL, web.fcgi[0].wait(10))
            # The other three and the secret were in memory only: gone.
            self.assertEqual([], mailbox.wait(0, timeout=1.0, settle=0))
            self.assertEqual([], files_holding(web.dir, TYPED_SECRET))
            self.assertEqual([], files_holding(ENV["SESAM_TEST_WORKDIR"], TYPED_SECRET))
            log = web.log_text()
            self.assertEqual(1, log.count("reset request: user "))
            self.assertNotIn("shutdown", log)

    def test_sigterm_drains_the_queue(self):
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="sigterm",
                 overrides={("web", "forgot_rate"): "1/1m",
                            ("web", "trusted_proxies"): "127.0.0.1"}) as web:
            mailbox = Mailbox()
            addresses = self.queue(web, 4, "drained")
            mailbox.wait(1, timeout=10.0)
            start = time.monotonic()
            self.assertEqual(0, web.stop_fcgi(0))
            took = time.monotonic() - start
            later = mailbox.wait(3, timeout=5.0)
            self.assertEqual(sorted(addresses[1:]), sorted(m.envelope_to[0] for m in later))
            log = web.log_text()
            self.assertIn("Terminated, finishing", log)
            self.assertEqual(4, log.count("from 192.0.2.1"))
            self.assertIn("unknown user #", log)  # the secret's request, by a keyed hash
            self.assertNotIn(TYPED_SECRET, log)
            self.assertNotIn("not handled before the deadline", log)
            self.assertIn("sesam-fcgi: stopped", log)
            self.assertLess(took, 10.0, "within the drain bound")


if __name__ == "__main__":
    run_tests()
