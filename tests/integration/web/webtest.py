# SPDX-License-Identifier: Apache-2.0
"""Helpers for the web integration tests: an HTTP client that keeps cookies
and reads forms, the SMTP sink's mailbox, and LDAP checks with the OpenLDAP
command-line tools. Everything talks to the real servers started by
tests/harness/with_servers.py --web (see sesam_harness/web.py for the env)."""

import email
import email.policy
import glob
import json
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "harness"))

ENV = os.environ


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value), as sent
        self.body = body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def comparable_headers(self):
        """Headers apart from Date and Set-Cookie, in order."""
        return [(k.lower(), v) for k, v in self.headers if k.lower() not in ("date", "set-cookie")]

    def csrf(self):
        match = re.search(r'name="csrf" value="([A-Za-z0-9_-]+)"', self.body)
        return match.group(1) if match else None


class Browser:
    """One visitor: keeps the cookies it is given, sends them back."""

    def __init__(self, base_url=None, port=None):
        self.base_url = base_url or ENV["SESAM_TEST_BASE_URL"]
        self.port = int(port or ENV["SESAM_TEST_WEB_PORT"])
        self.path_prefix = urllib.parse.urlsplit(self.base_url).path
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, cookies=True):
        """`path` relative to base_url ("forgot") or absolute ("/sesam/forgot")."""
        if not path.startswith("/"):
            path = self.path_prefix + "/" + path
        all_headers = dict(headers or {})
        if cookies and self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None and "Content-Type" not in all_headers:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            reply = Reply(response.status, response.getheaders(),
                          response.read().decode("utf-8", "replace"))
        finally:
            connection.close()
        for name, value in reply.headers:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return reply

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, **kw):
        body = fields if isinstance(fields, str) else urllib.parse.urlencode(fields)
        return self.request("POST", path, body=body, **kw)

    def forgot(self, username, address, headers=None):
        form = self.get("forgot")
        assert form.status == 200, form.status
        return self.post("forgot", {"username": username, "email": address, "csrf": form.csrf()},
                         headers=headers)

    def change(self, link_path, password, password2=None):
        form = self.get(link_path)
        if form.status != 200:
            return form
        return self.post(link_path, {"password": password,
                                     "password2": password if password2 is None else password2,
                                     "csrf": form.csrf()})


# -- mail ------------------------------------------------------------------

def mail_dir():
    return ENV["SESAM_TEST_MAIL_DIR"]


def _complete_messages():
    """Numbers of the messages the sink finished storing (its .json is written last)."""
    return sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(mail_dir(), "*.json")))


class Mailbox:
    """Messages that arrived at the SMTP sink since this object was made. Each
    message gets `envelope_to`: the SMTP envelope's recipients (RCPT TO)."""

    def __init__(self):
        self.seen = set(_complete_messages())

    def wait(self, count, timeout=20.0, settle=0.5):
        """Waits for at least `count` new messages, then `settle` s for stragglers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len([n for n in _complete_messages() if n not in self.seen]) >= count:
                time.sleep(settle)
                break
            time.sleep(0.05)
        new = [n for n in _complete_messages() if n not in self.seen]
        self.seen.update(new)
        messages = []
        for number in new:
            with open(os.path.join(mail_dir(), number + ".eml"), "rb") as f:
                message = email.message_from_binary_file(f, policy=email.policy.default)
            with open(os.path.join(mail_dir(), number + ".json")) as f:
                message.envelope_to = json.load(f)["rcpt_tos"]
            messages.append(message)
        return messages


def text_of(message):
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def html_of(message):
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part else ""


def link_of(message):
    match = re.search(r"(https?://\S+/otp/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)(\?lang=\w+)?",
                      text_of(message))
    assert match, "no link in message"
    return match.group(0)


def link_path(link):
    parts = urllib.parse.urlsplit(link)
    return parts.path + ("?" + parts.query if parts.query else "")


def recipients(message):
    """Every address the message names in To, Cc and Bcc, then the envelope's."""
    found = []
    for field in ("To", "Cc", "Bcc"):
        for header in message.get_all(field, []):
            found += [a.addr_spec for a in header.addresses]
    return found + [a for a in getattr(message, "envelope_to", []) if a not in found]


# -- LDAP ------------------------------------------------------------------

def _ldap_admin():
    return ["-x", "-H", ENV["SESAM_TEST_LDAP_URI"], "-D", ENV["SESAM_TEST_LDAP_ADMIN_DN"],
            "-w", ENV["SESAM_TEST_LDAP_ADMIN_PASSWORD"]]


def people_base():
    return ENV["SESAM_TEST_LDAP_PEOPLE"]


OLD_PASSWORD = "Oud-Wachtwoord-1"


def add_account(own=(), coaccounts=(), password=OLD_PASSWORD, given="Jan", prefix="jan"):
    """A fresh account with a unique username (added as the rootdn); returns (username, dn)."""
    username = f"{prefix}.{uuid.uuid4().hex[:8]}"
    dn = f"uid={username},{people_base()}"
    lines = [f"dn: {dn}", "objectClass: inetOrgPerson", "objectClass: sesamAccount",
             f"uid: {username}", f"cn: {given} Test", "sn: Test", f"givenName: {given}",
             f"userPassword: {password}"]
    lines += [f"mail: {a}" for a in own]
    lines += [f"sesamCoAccountMail: {a}" for a in coaccounts]
    subprocess.run(["ldapadd"] + _ldap_admin(), input="\n".join(lines) + "\n", text=True,
                   check=True, capture_output=True)
    return username, dn


def admin_set_password(dn, password):
    """A change by another path than Sesam (the administrator)."""
    subprocess.run(["ldappasswd"] + _ldap_admin() + ["-s", password, dn], check=True,
                   capture_output=True)


def ldap_control(action):
    """stop | start: the slapd harness's control script."""
    subprocess.run([ENV["SESAM_TEST_LDAP_CONTROL"], action], check=True, timeout=60,
                   capture_output=True)


def binds(dn, password):
    """Whether a simple bind as `dn` with `password` succeeds (ldapwhoami)."""
    result = subprocess.run(["ldapwhoami", "-x", "-H", ENV["SESAM_TEST_LDAP_URI"], "-D", dn,
                             "-w", password], capture_output=True, text=True)
    return result.returncode == 0


# -- logs ------------------------------------------------------------------

def web_log():
    text = ""
    for path in ENV["SESAM_TEST_WEB_LOG"].split(":"):
        with open(path, errors="replace") as f:
            text += f.read()
    return text


def access_log():
    with open(ENV["SESAM_TEST_NGINX_ACCESS_LOG"], errors="replace") as f:
        return f.read()


def wait_for(predicate, what, timeout=30.0, interval=0.02):
    """The first true value of predicate(), polled every `interval` seconds;
    AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def run_tests():
    import unittest
    unittest.main(module="__main__", verbosity=2)

