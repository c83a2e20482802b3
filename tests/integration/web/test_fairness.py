#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Through nginx and a trusted proxy header: a sprayed flood of forgot
requests from 1000 addresses, and one visitor from another address whose
mails must arrive within one pass of the queue over the waiting clients
(clients / forgot_rate) plus a stated margin. The flood keeps going while the
visitor waits, so a first-come-first-served queue would make them wait for
everything queued before them (printed for comparison)."""

import http.client
import os
import re
import threading
import time
import unittest
import urllib.parse

from webtest import ENV, Browser, add_account, run_tests
from sesam_harness.web import Web

CLIENTS = 1000
RATE = 100  # [web] forgot_rate, per second
# What the pass does not cover: the SMTP delivery of the visitor's three
# messages, a worker that is late for its slot on a shared 2-core machine,
# and the flood's own posts competing for the same cores. Measured: 1.2 s
# beyond the pass at most over 5 runs (docs/PERFORMANCE.md).
MARGIN = 5.0
VISITOR_IP = "198.51.100.77"


def flood_address(i):
    return f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}"


class Flooder:
    """Threads that post forgot forms for nonexistent users, each from one of
    CLIENTS addresses (X-Forwarded-For, nginx on 127.0.0.1 being trusted)."""

    def __init__(self, web, csrf, cookie, threads=8, per_thread=150):
        """`per_thread` posts per second at most: 1200 in all, 12 times the
        rate, and leaves the shared cores to the workers being measured."""
        self.pause = 1.0 / per_thread
        self.web = web
        self.csrf = csrf
        self.cookie = cookie
        self.stop = threading.Event()
        self.posted = 0
        self.lock = threading.Lock()
        self.statuses = {}
        self.threads = [threading.Thread(target=self.run, args=(t, threads), daemon=True)
                        for t in range(threads)]

    def run(self, first, step):
        connection = http.client.HTTPConnection("127.0.0.1", self.web.port, timeout=30)
        path = urllib.parse.urlsplit(self.web.base_url).path + "/forgot"
        n = first
        while not self.stop.is_set():
            body = urllib.parse.urlencode({"username": f"flood.{n}", "email": f"f{n}@spray.test",
                                           "csrf": self.csrf})
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "Cookie": self.cookie, "X-Forwarded-For": flood_address(n % CLIENTS)}
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.web.port, timeout=30)
                status = "error"
            time.sleep(self.pause)
            with self.lock:
                self.posted += 1
                self.statuses[status] = self.statuses.get(status, 0) + 1
            n += step
        connection.close()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
        return False


def audit_lines(web):
    return re.findall(r"reset request: .* from (\S+): ", web.log_text())


class Fairness(unittest.TestCase):
    def test_a_lone_visitor_is_served_within_one_pass_of_a_sprayed_flood(self):
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="fairness",
                 overrides={("web", "forgot_rate"): f"{RATE}/1s",
                            ("web", "trusted_proxies"): "127.0.0.1"}) as web:
            address = "visitor@school.test"
            username, _ = add_account(own=[address], prefix="visitor")
            visitor = Browser(base_url=web.base_url, port=web.port)
            form = visitor.get("forgot")
            flood_browser = Browser(base_url=web.base_url, port=web.port)
            flood_csrf = flood_browser.get("forgot").csrf()
            cookie = "; ".join(f"{k}={v}" for k, v in flood_browser.cookies.items())
            mail_dir = ENV["SESAM_TEST_MAIL_DIR"]
            before = set(os.listdir(mail_dir))
            with Flooder(web, flood_csrf, cookie) as flood:
                # Until every address has requests waiting, several each.
                while flood.posted < 3 * CLIENTS:
                    time.sleep(0.05)
                counting = time.monotonic()
                handled_before = len(audit_lines(web))
                posted_before = flood.posted
                start = time.monotonic()
                reply = visitor.post("forgot", {"username": username, "email": address,
                                                "csrf": form.csrf()},
                                     headers={"X-Forwarded-For": VISITOR_IP})
                posting = time.monotonic() - start
                window = time.monotonic() - counting
                self.assertEqual(303, reply.status)
                waited = None
                while time.monotonic() - start < 120:
                    new = [n for n in os.listdir(mail_dir)
                           if n.endswith(".json") and n not in before]
                    if new:
                        waited = time.monotonic() - start
                        break
                    time.sleep(0.02)
                posted_during = flood.posted - posted_before
            self.assertIsNotNone(waited, "the visitor's mail never came")
            lines = audit_lines(web)
            visitor_at = lines.index(VISITOR_IP)
            turns = visitor_at - handled_before
            waiting_ahead = posted_before - handled_before  # a first-come-first-served queue's
            bound = CLIENTS / RATE + MARGIN
            print(f"\nflood: {posted_before} posts before the visitor, {posted_during} while "
                  f"they waited, statuses {flood.statuses}; the visitor's first mail after "
                  f"{waited:.2f} s, {turns} requests handled before theirs (POST {posting * 1000:.0f} ms); bound "
                  f"{CLIENTS}/{RATE} + {MARGIN} = {bound:.1f} s; first come first served "
                  f"would have waited for about {waiting_ahead} requests "
                  f"({waiting_ahead / RATE:.1f} s)", flush=True)
            self.assertEqual({303}, set(flood.statuses))
            # Every waiting client got at most one turn before the visitor;
            # the log lags by the 2 workers' requests in hand, and requests
            # started while the log was read and the visitor's POST was on its
            # way count too.
            slack = 3 + int(RATE * window)
            sanitized = ENV.get("SESAM_SANITIZE", "OFF") not in ("", "OFF")
            if sanitized:
                # Its workers fall behind the pace and catch up in bursts.
                slack += CLIENTS // 50
            self.assertLessEqual(turns, CLIENTS + slack)
            # A sanitizer build is 5 to 15 times slower: its workers cannot keep
            # the rate, so only the order (the turns above) is its to check.
            if not sanitized:
                self.assertLess(waited, bound)
            # The flood had queued more than one pass: the test can tell FIFO from fair.
            self.assertGreater(waiting_ahead, CLIENTS + RATE * MARGIN)


if __name__ == "__main__":
    run_tests()
