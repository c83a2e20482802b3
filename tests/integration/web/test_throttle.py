#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Through nginx: Cache-Control: no-store on every page that holds a form or
echoes input, the per-client limit on dead links (429, translated, with
Retry-After), forwarded hops with ports and IPv6 /64s counted as one client,
and a forwarded hop that is no address logged a few times, not per request."""

import os
import unittest
import urllib.parse

from webtest import ENV, Browser, Mailbox, add_account, link_of, link_path, run_tests
from sesam_harness.web import Web


def own_web(name, **web_keys):
    overrides = {("web", key): value for key, value in web_keys.items()}
    return Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name=name, overrides=overrides)


class Throttle(unittest.TestCase):
    def assert_no_store(self, reply, what):
        self.assertEqual("no-store", reply.header("Cache-Control"), what)

    def test_no_store_on_every_page(self):
        with own_web("nostore", ip_limit="2/10m", link_failure_limit="2/10m") as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            username, _ = add_account(own=["nostore@school.test"])
            pages = {}
            pages["forgot"] = browser.get("forgot")
            csrf = pages["forgot"].csrf()
            pages["forgot 400 address"] = browser.post(
                "forgot", {"username": username, "email": "no-at-sign", "csrf": csrf})
            pages["forgot 400 field"] = browser.post("forgot", f"x=1&csrf={csrf}")
            pages["forgot 403"] = Browser(base_url=web.base_url, port=web.port).post(
                "forgot", {"username": username, "email": "nostore@school.test"})
            mailbox = Mailbox()
            pages["forgot 303"] = browser.post(
                "forgot", {"username": username, "email": "nostore@school.test", "csrf": csrf})
            [message] = mailbox.wait(1)
            link = link_path(link_of(message))
            browser.post("forgot", {"username": "x", "email": "x@school.test", "csrf": csrf})
            pages["forgot 429"] = browser.post(
                "forgot", {"username": "x", "email": "x@school.test", "csrf": csrf})
            pages["sent"] = browser.get("sent")
            pages["done"] = browser.get("done")
            pages["404"] = browser.get("nope")
            pages["otp form"] = browser.get(link)
            pages["otp 422"] = browser.post(link, {"password": "kort", "password2": "kort",
                                                   "csrf": pages["otp form"].csrf()})
            pages["otp 403"] = browser.post(link, {"password": "kort", "password2": "kort"})
            pages["otp 410"] = browser.get("otp/x.y.z")
            browser.get("otp/x.y.z")
            pages["otp 429"] = browser.get("otp/x.y.z")
            pages["healthz"] = browser.get("healthz")
            expected = {"forgot": 200, "forgot 400 address": 400, "forgot 400 field": 400,
                        "forgot 403": 403, "forgot 303": 303, "forgot 429": 429, "sent": 200,
                        "done": 200, "404": 404, "otp form": 200, "otp 422": 422,
                        "otp 403": 403, "otp 410": 410, "otp 429": 429, "healthz": 200}
            self.assertEqual(expected, {name: reply.status for name, reply in pages.items()})
            for name, reply in pages.items():
                self.assert_no_store(reply, name)

    def test_dead_links_end_in_429(self):
        with own_web("deadlinks", link_failure_limit="3/10m") as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            for i in range(3):
                self.assertEqual(410, browser.get(f"otp/dead.link.{i}").status)
            limited = browser.get("otp/dead.link.4")
            self.assertEqual(429, limited.status)
            self.assertGreater(int(limited.header("Retry-After")), 0)
            self.assert_no_store(limited, "429")
            self.assertIn("links geopend die niet meer werken", limited.body)
            french = browser.get("otp/dead.link.5?lang=fr")
            self.assertEqual(429, french.status)
            self.assertIn("liens qui ne fonctionnent plus", french.body)
            posted = browser.post("otp/dead.link.6", {"password": "a", "password2": "a"})
            self.assertEqual(429, posted.status)
            self.assertIn("link_failure_limit", web.log_text())

    def test_forwarded_hops_with_ports_and_ipv6_prefixes(self):
        with own_web("hops", ip_limit="2/10m", trusted_proxies="127.0.0.1") as web:
            def forgot(forwarded_for):
                browser = Browser(base_url=web.base_url, port=web.port)
                return browser.forgot("nobody", "a@b.test",
                                      headers={"X-Forwarded-For": forwarded_for}).status

            # One address with three source ports is one client.
            self.assertEqual(303, forgot("198.51.100.7:1111"))
            self.assertEqual(303, forgot("198.51.100.7:2222"))
            self.assertEqual(429, forgot("198.51.100.7:3333"))
            self.assertEqual(303, forgot("198.51.100.8"))
            # One /64 is one client, whatever its low half and port.
            self.assertEqual(303, forgot("[2001:db8:1:2::1]:443"))
            self.assertEqual(303, forgot("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))
            self.assertEqual(429, forgot("[2001:db8:1:2::3]"))
            self.assertEqual(303, forgot("[2001:db8:1:3::1]:443"))
            # The Forwarded header (RFC 7239) when there is no X-Forwarded-For.
            browser = Browser(base_url=web.base_url, port=web.port)
            for expected in (303, 303, 429):
                self.assertEqual(expected, browser.forgot(
                    "nobody", "a@b.test",
                    headers={"Forwarded": 'for="[2001:db8:9::1]:80";proto=http'}).status)

    def test_a_hop_that_is_no_address_is_logged_a_few_times(self):
        with own_web("unknownhop", trusted_proxies="127.0.0.1") as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            for _ in range(40):
                self.assertEqual(200, browser.get(
                    "sent", headers={"X-Forwarded-For": "unknown"}).status)
            lines = web.log_text().count("hop 'unknown' from proxy 127.0.0.1 is not an address")
            self.assertGreaterEqual(lines, 1)
            self.assertLessEqual(lines, 10)

    def test_bad_form_lines_are_short_and_few(self):
        with own_web("badform") as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            csrf = browser.get("forgot").csrf()
            name = "x%0d%0aFAKE" + "n" * 3000
            for _ in range(40):
                self.assertEqual(400, browser.post("forgot", f"{name}=1&csrf={csrf}").status)
            log = web.log_text()
            self.assertGreaterEqual(log.count("bad form from"), 1)
            self.assertLessEqual(log.count("bad form from"), 10)
            self.assertNotIn("n" * 40, log)
            self.assertNotIn("\nFAKE", log)


if __name__ == "__main__":
    run_tests()
