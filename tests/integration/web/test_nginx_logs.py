#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The shipped nginx snippet (packaging/nginx/sesam.conf, which the harness
includes as it is) keeps one-time links out of nginx's logs, also when
sesam-fcgi is down and nginx reports the upstream error, and leaves the
site's own logs alone for every other page."""

import os
import time
import unittest

from webtest import ENV, Browser, Mailbox, add_account, link_of, link_path, run_tests
from sesam_harness.web import Web


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_for_text(path, needle, timeout=5.0):
    """nginx writes its logs per request, but not before the reply is sent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in read(path):
            return True
        time.sleep(0.05)
    return False


class NginxLogs(unittest.TestCase):
    def test_no_token_in_nginx_logs_when_sesam_fcgi_is_down(self):
        username, _ = add_account(own=["down@school.test"])
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="down") as web:
            logs = web.env()
            access, errors = logs["SESAM_TEST_NGINX_ACCESS_LOG"], logs["SESAM_TEST_NGINX_ERROR_LOG"]
            browser = Browser(base_url=web.base_url, port=web.port)
            mailbox = Mailbox()
            self.assertEqual(303, browser.forgot(username, "down@school.test").status)
            messages = mailbox.wait(1)
            self.assertEqual(1, len(messages))
            link = link_path(link_of(messages[0]))
            token = link.split("/otp/")[1].split("?")[0]
            self.assertGreater(len(token), 20)
            self.assertEqual(200, browser.get(link).status)

            self.assertEqual(0, web.stop_fcgi(0))
            self.assertEqual(502, browser.get(link).status)
            self.assertEqual(502, browser.post(link, {"password": "x", "password2": "x"}).status)
            # The same outage on an ordinary page reaches the site's error log
            # (so the log works and the check below can fail)...
            self.assertEqual(502, browser.get("forgot?down=1").status)
            self.assertTrue(wait_for_text(errors, "/sesam/forgot?down=1"),
                            "nginx logged no upstream error for /sesam/forgot:\n" + read(errors))
            self.assertTrue(wait_for_text(access, "/sesam/forgot?down=1"),
                            "the snippet took /sesam/forgot out of the site's access log")
            # ...but no trace of the link, in either log.
            for path in (access, errors):
                text = read(path)
                self.assertNotIn(token, text, path)
                self.assertNotIn("/sesam/otp/", text, path)


if __name__ == "__main__":
    run_tests()
