#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The host-local state store ([web] state_dir) full or unwritable, behind the
forgot page (issue 13, item 4): no recipient can be counted, so no mail goes
out (fail closed, the rule of the directories issue), the administrator's
log says why, the visitor's page is the unknown user's, and no round is
recorded in the directory. sesam-fcgi runs in a private mount namespace
(unshare -m, root only) whose state_dir is a small tmpfs, or a read-only bind
mount; the host's mounts are not touched."""

import errno
import os
import re
import subprocess
import time
import unittest

from webtest import ENV, Browser, Mailbox, add_account, run_tests, wait_for
from sesam_harness.web import Web


def in_namespace(setup):
    """A Web wrapper: sesam-fcgi in its own mount namespace after `setup`
    (sh, with $STATE the state dir)."""
    return ["unshare", "-m", "--propagation", "private", "sh", "-c",
            f"{setup} && exec \"$@\"", "sh"]


def reset_rounds(dn):
    out = subprocess.run(
        ["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H", ENV["SESAM_TEST_LDAP_URI"],
         "-D", ENV["SESAM_TEST_LDAP_ADMIN_DN"], "-w", ENV["SESAM_TEST_LDAP_ADMIN_PASSWORD"],
         "-b", dn, "-s", "base", "sesamResetRounds"],
        check=True, capture_output=True, text=True).stdout
    match = re.search(r"^sesamResetRounds: (.*)$", out, re.M)
    return match.group(1) if match else ""



@unittest.skipUnless(os.geteuid() == 0, "mount namespaces need root")
class StateFaults(unittest.TestCase):
    def forgot_page(self, web, username, address):
        browser = Browser(base_url=web.base_url, port=web.port)
        posted = browser.forgot(username, address)
        sent = browser.get("sent")
        return posted.status, posted.comparable_headers(), sent.status, sent.body

    def no_mail_logged(self, web, username, dn, address):
        reference = self.forgot_page(web, "nobody.at.all", "nobody@school.test")
        mailbox = Mailbox()
        mark = len(web.log_text())
        self.assertEqual(reference, self.forgot_page(web, username, address))
        wait_for(lambda: f"reset request: user '{username}'" in web.log_text()[mark:],
                 "the audit line")
        log = web.log_text()[mark:]
        self.assertIn(f"reset request: user '{username}' from 127.0.0.1: failed (the state "
                      "store cannot count recipients, no mail)", log)
        self.assertRegex(log, r"reset request: Unavailable: cannot count messages per "
                              r"recipient, so none is sent: ")
        self.assertEqual([], mailbox.wait(0, timeout=1.0, settle=0))
        self.assertEqual("", reset_rounds(dn), "no round recorded")
        return log

    def test_state_store_full(self):
        # 1 MiB of tmpfs: LMDB opens in it, then the test fills it.
        web = Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="statefull",
                  wrapper=in_namespace('mount -t tmpfs -o size=1m,mode=0700 sesam-state '
                                       '"$SESAM_STATE"'))
        os.environ["SESAM_STATE"] = web.state_dir()
        with web:
            address = "full@school.test"
            username, dn = add_account(own=[address], prefix="full")
            # The tmpfs as sesam-fcgi sees it, through its root in /proc.
            seen = f"/proc/{web.fcgi[0].pid}/root{web.state_dir()}"
            self.assertTrue(os.path.exists(os.path.join(seen, "data.mdb")))
            filler = os.path.join(seen, "filler")
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                while True:
                    os.write(fd, b"\0" * 4096)
            except OSError as error:
                self.assertEqual(errno.ENOSPC, error.errno)
            finally:
                os.close(fd)
            log = self.no_mail_logged(web, username, dn, address)
            self.assertRegex(log, r"(No space left on device|state\.full|full)")
            # Room again: the next request is counted and mailed.
            os.unlink(filler)
            mailbox = Mailbox()
            self.forgot_page(web, username, address)
            self.assertEqual(1, len(mailbox.wait(1, timeout=10.0)))
            self.assertNotEqual("", reset_rounds(dn))

    def test_state_store_unwritable(self):
        web = Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="stateunwritable",
                  wrapper=in_namespace('mount --bind "$SESAM_STATE" "$SESAM_STATE" && '
                                       'mount -o remount,bind,ro "$SESAM_STATE"'))
        os.environ["SESAM_STATE"] = web.state_dir()
        with web:
            address = "unwritable@school.test"
            username, dn = add_account(own=[address], prefix="unwritable")
            self.assertRegex(web.log_text(), r"the state store cannot be used, so no reset "
                                             r"mail will be sent until it is fixed")
            self.no_mail_logged(web, username, dn, address)


if __name__ == "__main__":
    run_tests()
