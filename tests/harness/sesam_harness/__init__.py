# SPDX-License-Identifier: Apache-2.0
"""Real servers for Sesam's integration tests, on loopback, in temp dirs.

Each server is a context manager with an `env()` method: the environment
variables a test reads to reach it. `with_servers.py` starts the ones a test
asks for, runs the test, and stops them again, also when the test hangs.
Run with Debian's /usr/bin/python3 (python3-aiosmtpd and friends live there).
"""
