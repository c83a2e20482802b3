#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The whole flow on slapd WITHOUT the Sesam schema (issue 11; run under
with_servers.py --web --slapd-no-schema): the reset rounds are counted on the
host ([web] state_dir), by every sesam-fcgi process and the `sesam` command,
and each host counts its own (docs/scaling.md, "Host-local state")."""

import os
import subprocess
import unittest
import uuid

from webtest import ENV, OLD_PASSWORD, Browser, Mailbox, binds, link_of, link_path, run_tests
from sesam_harness.web import Web, ldap_section

NEW_PASSWORD = "Zomer-Vakantie-2026!"


def _ldap_admin():
    return ["-x", "-H", ENV["SESAM_TEST_LDAP_URI"], "-D", ENV["SESAM_TEST_LDAP_ADMIN_DN"],
            "-w", ENV["SESAM_TEST_LDAP_ADMIN_PASSWORD"]]


def add_plain_account(own, coaccounts):
    """An account as a directory without the Sesam schema holds it: the
    co-accounts in otherMailbox (the harness's coaccount_mail_attributes)."""
    username = f"host.{uuid.uuid4().hex[:8]}"
    dn = f"uid={username},{ENV['SESAM_TEST_LDAP_PEOPLE']}"
    lines = [f"dn: {dn}", "objectClass: inetOrgPerson", "objectClass: extensibleObject",
             f"uid: {username}", "cn: Jan Test", "sn: Test", "givenName: Jan",
             f"userPassword: {OLD_PASSWORD}"]
    lines += [f"mail: {a}" for a in own]
    lines += [f"otherMailbox: {a}" for a in coaccounts]
    subprocess.run(["ldapadd"] + _ldap_admin(), input="\n".join(lines) + "\n", text=True,
                   check=True, capture_output=True)
    return username, dn


def four_addresses(tag):
    return [f"{tag}@school.test"], [f"mama.{tag}@home.test", f"papa.{tag}@home.test",
                                    f"oma.{tag}@home.test"]


def ask_four_times(web, username, addresses):
    """Four requests with four different addresses (identical ones may be merged)."""
    for address in addresses:
        reply = Browser(base_url=web.base_url, port=web.port).forgot(username, address)
        assert reply.status == 303, reply.status


def cli(web, *args):
    return subprocess.run([ENV["SESAM_CLI"], *args, "--config", web.config_path],
                          capture_output=True, text=True)


class HostLocal(unittest.TestCase):
    def setUp(self):
        self.assertEqual("0", ENV["SESAM_TEST_LDAP_SCHEMA"], "needs --slapd-no-schema")

    def test_the_flow_works_and_the_link_is_used_once(self):
        own, co = four_addresses("flow")
        username, dn = add_plain_account(own, co[:1])
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="flow") as web:
            mailbox = Mailbox()
            browser = Browser(base_url=web.base_url, port=web.port)
            self.assertEqual(303, browser.forgot(username, own[0]).status)
            messages = mailbox.wait(2)
            self.assertEqual(2, len(messages))
            link = link_path(link_of(messages[0]))
            self.assertEqual(303, browser.change(link, NEW_PASSWORD).status)
            self.assertTrue(binds(dn, NEW_PASSWORD))
            self.assertNotEqual(200, browser.get(link).status, "the link died with its use")
            self.assertNotIn("Invalid syntax", web.log_text())
            self.assertIn("Sesam schema absent", web.log_text())

    def test_account_limit_across_processes_and_the_cli(self):
        own, co = four_addresses("limit")
        username, _ = add_plain_account(own, co)
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="limit", processes=2,
                 overrides={("web", "account_limit"): "2/1h"}) as web:
            mailbox = Mailbox()
            ask_four_times(web, username, own + co)
            # Two rounds of four messages; the third and fourth request send nothing.
            self.assertEqual(8, len(mailbox.wait(12, timeout=5.0)))
            self.assertEqual(2, web.log_text().count("limited (account_limit reached"))
            # The CLI on this host sees the same count, and the helpdesk's
            # send-reset still goes out (and is counted).
            shown = cli(web, "limits", username)
            self.assertEqual(0, shown.returncode, shown.stderr)
            self.assertIn("2 reset round(s)", shown.stdout)
            sent = cli(web, "send-reset", "--datadir", ENV["SESAM_WEB_DATADIR"], username)
            self.assertEqual(0, sent.returncode, sent.stderr)
            self.assertIn("3 reset round(s)", cli(web, "limits", username).stdout)

    def test_the_cli_first_then_sesam_fcgi_share_the_count(self):
        """The admin's `sesam` (root) opens the store first, in a state dir
        owned by the service user: the files stay that user's, and sesam-fcgi
        started after counts on from there."""
        own, co = four_addresses("clifirst")
        username, _ = add_plain_account(own, co[:1])
        base = os.path.join(ENV["SESAM_TEST_WORKDIR"], "clifirst")
        state = os.path.join(base, "state")
        os.makedirs(state, mode=0o700)
        service_uid = 65534  # nobody: a user other than root, as `sesam` is
        if os.getuid() == 0:
            os.chown(state, service_uid, service_uid)
            # The service user must reach its directory, as /var/lib/sesam.
            for parent in (ENV["SESAM_TEST_WORKDIR"], base):
                os.chmod(parent, 0o711)
        key = os.path.join(base, "token.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(b"k" * 32)
        config = os.path.join(base, "sesam.conf")
        ldap = "\n".join(f"{k} = {v}" for k, v in ldap_section(ENV).items())
        with open(config, "w") as f:
            f.write(f"[ldap]\n{ldap}\n[mail]\nsmtp_url = {ENV['SESAM_TEST_SMTP_URL']}\n"
                    "starttls = no\nfrom = Sint-Jan <noreply@school.test>\n"
                    "[web]\nbase_url = http://127.0.0.1/sesam\n"
                    f"state_dir = {state}\naccount_limit = 2/1h\n[token]\nkey_file = {key}\n")
        mailbox = Mailbox()
        sent = subprocess.run([ENV["SESAM_CLI"], "send-reset", "--config", config, "--datadir",
                               ENV["SESAM_WEB_DATADIR"], username], capture_output=True, text=True)
        self.assertEqual(0, sent.returncode, sent.stderr)
        self.assertEqual(2, len(mailbox.wait(2)))
        self.assertNotIn("could not", sent.stderr + sent.stdout)
        if os.getuid() == 0:
            for name in ("data.mdb", "lock.mdb"):
                self.assertEqual(service_uid, os.stat(os.path.join(state, name)).st_uid, name)
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="clifirst-web",
                 overrides={("web", "account_limit"): "2/1h", ("web", "state_dir"): state,
                            ("token", "key_file"): key}) as web:
            mailbox = Mailbox()
            for address in own + co[:1]:
                reply = Browser(base_url=web.base_url, port=web.port).forgot(username, address)
                self.assertEqual(303, reply.status)
            # The CLI's round counts: one more round (two messages), then the limit.
            self.assertEqual(2, len(mailbox.wait(4, timeout=5.0)))
            self.assertEqual(1, web.log_text().count("limited (account_limit reached"))

    def test_two_hosts_each_count_their_own(self):
        """The measurement of docs/scaling.md: two portal hosts (two state
        dirs), account_limit 2/1h, the same four requests at each host."""
        own, co = four_addresses("nodes")
        username, _ = add_plain_account(own, co)
        limit = {("web", "account_limit"): "2/1h"}
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="node-a",
                 overrides=limit) as a, \
                Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="node-b",
                    overrides=limit) as b:
            mailbox = Mailbox()
            ask_four_times(a, username, own + co)
            ask_four_times(b, username, own + co)
            # 2 rounds x 4 addresses per host: twice what one host allows.
            self.assertEqual(16, len(mailbox.wait(20, timeout=5.0)))


if __name__ == "__main__":
    run_tests()
