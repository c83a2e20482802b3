#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The shipped Apache snippet (packaging/apache/sesam.conf) in Debian's real
apache2 with mod_proxy_fcgi, included in a VirtualHost as docs/deploy.md
says: a whole reset goes through it (form, mail, link, change, bind), and
the one-time link reaches neither Apache's access log nor its error log,
also when sesam-fcgi is down. Run by with_servers.py --slapd --smtp."""

import os
import pwd
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration", "web"))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))

from webtest import (ENV, OLD_PASSWORD, Browser, Mailbox, add_account, binds, link_of,  # noqa: E402
                     link_path, run_tests)
from sesam_harness.common import free_port, start, stop, wait_for_port  # noqa: E402
from sesam_harness.web import Web  # noqa: E402

SNIPPET = os.path.join(TOP, "packaging", "apache", "sesam.conf")
MODULES = "/usr/lib/apache2/modules"
NEW_PASSWORD = "Apache-Proxy-Fcgi-42"


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


class Apache:
    """apache2 in the foreground with its own config, on 127.0.0.1:<free port>,
    its one VirtualHost including the shipped snippet (socket path replaced)."""

    def __init__(self, workdir, socket_path):
        self.dir = os.path.join(workdir, "apache")
        self.port = free_port()
        self.socket_path = socket_path
        self.access_log = os.path.join(self.dir, "access.log")
        self.error_log = os.path.join(self.dir, "error.log")
        self.process = None

    def _conf(self, snippet):
        d = self.dir
        user = ""
        if os.geteuid() == 0:
            # Apache refuses to serve as root: its children run as www-data, as
            # on Debian, and must reach the socket (see _open_path).
            user = "User www-data\nGroup www-data"
        modules = "\n".join(f"LoadModule {name}_module {MODULES}/mod_{name}.so" for name in
                            ("mpm_event", "authz_core", "proxy", "proxy_fcgi", "setenvif"))
        return f"""ServerRoot {d}
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
PidFile {d}/apache2.pid
DefaultRuntimeDir {d}
Mutex file:{d}
ErrorLog {self.error_log}
LogLevel warn
{user}
{modules}
LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{{Referer}}i\\" \\"%{{User-Agent}}i\\"" combined
<VirtualHost 127.0.0.1:{self.port}>
    ErrorLog {self.error_log}
    # The one edit docs/deploy.md asks for in the site: env=!sesam_secret_uri.
    CustomLog {self.access_log} combined env=!sesam_secret_uri
    Include {snippet}
</VirtualHost>
"""

    def _open_path(self):
        """Lets www-data through the harness's 0700 temp dirs to the socket."""
        path = os.path.dirname(self.socket_path)
        while path not in ("/", "/tmp"):
            os.chmod(path, os.stat(path).st_mode | 0o011)
            path = os.path.dirname(path)
        os.chmod(self.socket_path, 0o666)
        os.chown(self.dir, pwd.getpwnam("www-data").pw_uid, -1)

    def __enter__(self):
        os.makedirs(self.dir, exist_ok=True)
        with open(SNIPPET, encoding="utf-8") as f:
            text = f.read()
        shipped = "unix:/run/sesam/fcgi.sock|"
        assert text.count(shipped) == 1, f"{SNIPPET} no longer proxies to {shipped}"
        snippet = os.path.join(self.dir, "sesam.conf")
        with open(snippet, "w", encoding="utf-8") as f:
            f.write(text.replace(shipped, f"unix:{self.socket_path}|"))
        conf = os.path.join(self.dir, "apache2.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(self._conf(snippet))
        if os.geteuid() == 0:
            self._open_path()
        check = subprocess.run(["apache2", "-t", "-f", conf], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.process = start(["apache2", "-DFOREGROUND", "-f", conf],
                             os.path.join(self.dir, "apache2.out"))
        wait_for_port(self.port, process=self.process)
        return self

    def __exit__(self, *exc):
        stop(self.process)
        return False


def wait_for_text(path, needle, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in read(path):
            return True
        time.sleep(0.05)
    return False


class ApacheSnippet(unittest.TestCase):
    def test_reset_through_apache_and_no_token_in_its_logs(self):
        username, dn = add_account(own=["apache@school.test"])
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="apache") as web, \
                Apache(ENV["SESAM_TEST_WORKDIR"], web.sockets[0]) as apache:
            browser = Browser(base_url=web.base_url, port=apache.port)
            mailbox = Mailbox()
            self.assertEqual(303, browser.forgot(username, "apache@school.test").status)
            messages = mailbox.wait(1)
            self.assertEqual(1, len(messages))
            link = link_path(link_of(messages[0]))
            token = link.split("/otp/")[1].split("?")[0]
            static = browser.get("static/sesam.js")
            self.assertEqual(200, static.status)
            done = browser.change(link, NEW_PASSWORD)
            self.assertEqual(303, done.status, done.body[:500])
            self.assertTrue(binds(dn, NEW_PASSWORD))
            self.assertFalse(binds(dn, OLD_PASSWORD))
            self.assertEqual(410, browser.get(link).status)

            self.assertEqual(0, web.stop_fcgi(0))
            self.assertEqual(503, browser.get(link).status)
            self.assertEqual(503, browser.get("forgot?down=1").status)
            self.assertTrue(wait_for_text(apache.access_log, "/sesam/forgot?down=1"),
                            "the site's access log lost ordinary pages:\n" + read(apache.access_log))
            self.assertTrue(wait_for_text(apache.error_log, "AH01079"),
                            "Apache logged no backend error:\n" + read(apache.error_log))
            for path in (apache.access_log, apache.error_log):
                text = read(path)
                self.assertNotIn(token, text, path)
                self.assertNotIn("/sesam/otp/", text, path)


if __name__ == "__main__":
    run_tests()
