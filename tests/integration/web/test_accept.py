#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""sesam-fcgi's threads accept FastCGI connections independently (issue 15).

libfcgi's FCGX_Accept_r accepts a connection and then reads the request's
first records from it, blocking. sesam-fcgi used to hold one mutex around the
whole call (libfcgi's threaded example does), so a connection that sent part
of a record and stalled held every other thread out of accept(): the portal
stopped answering until that peer went away. Each thread now accepts on its
own; a stalled connection holds one thread only."""

import os
import socket
import time
import unittest

from webtest import ENV, Browser, run_tests
from sesam_harness.web import Web


class Accept(unittest.TestCase):
    def test_a_stalled_fastcgi_connection_holds_one_thread_only(self):
        with Web(ENV["SESAM_TEST_WORKDIR"], dict(os.environ), name="accept", threads=2) as web:
            browser = Browser(base_url=web.base_url, port=web.port)
            self.assertEqual(200, browser.get("forgot").status)
            stalled = []
            try:
                # Three bytes of an FCGI_BEGIN_REQUEST header, then nothing:
                # the accepting thread waits in libfcgi's read for the rest.
                peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                peer.connect(web.sockets[0])
                peer.sendall(b"\x01\x01\x00")
                stalled.append(peer)
                time.sleep(0.5)  # let a thread take it (the other must stay free)
                start = time.monotonic()
                reply = browser.get("forgot")
                elapsed = time.monotonic() - start
                self.assertEqual(200, reply.status)
                # nginx would wait 60 s for an upstream that never accepts.
                self.assertLess(elapsed, 5.0)
            finally:
                for peer in stalled:
                    peer.close()
            # The stalled thread is free again once its peer closed.
            self.assertEqual(200, browser.get("forgot").status)


if __name__ == "__main__":
    run_tests()
