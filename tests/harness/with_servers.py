#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""with_servers.py [--slapd | --ds389 | --samba] [--smtp] [--web] [--timeout S] -- COMMAND ...

Starts the requested real servers on 127.0.0.1, each in a fresh temp dir, runs
COMMAND with their coordinates in the environment (see each module's env()),
and stops them all afterwards. COMMAND's exit status is ours. A watchdog ends
everything after --timeout seconds, so a hung test never outlives its run.
--samba is a Samba AD DC instead of slapd, with the same SESAM_TEST_LDAP_*
variables (sesam_harness/samba.py); it waits for the machine-wide Samba lock.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slapd", action="store_true", help="an OpenLDAP server with test accounts")
    parser.add_argument("--ds389", action="store_true",
                        help="a 389 Directory Server with test accounts (root only; instead of --slapd)")
    parser.add_argument("--samba", action="store_true",
                        help="a Samba AD DC with test accounts, instead of slapd")
    parser.add_argument("--smtp", action="store_true", help="an SMTP sink that stores messages")
    parser.add_argument("--web", action="store_true",
                        help="nginx in front of sesam-fcgi (implies --smtp, and --slapd "
                        "unless --samba)")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (for debugging)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    if sum([args.slapd, args.ds389, args.samba]) > 1:
        parser.error("--slapd, --ds389 and --samba export the same variables: choose one")
    if args.web:
        args.smtp = True
        args.slapd = not (args.ds389 or args.samba)

    def on_timeout(signum, frame):
        raise TimeoutError(f"with_servers: command still running after {args.timeout}s")

    signal.signal(signal.SIGALRM, on_timeout)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    signal.alarm(int(args.timeout))

    workdir = tempfile.mkdtemp(prefix="sesam-it-")
    env = dict(os.environ, SESAM_TEST_WORKDIR=workdir)
    with contextlib.ExitStack() as servers:
        if args.slapd:
            from sesam_harness.slapd import Slapd
            env.update(servers.enter_context(Slapd(workdir)).env())
        if args.ds389:
            from sesam_harness.ds389 import Ds389
            env.update(servers.enter_context(Ds389(workdir)).env())
        if args.samba:
            from sesam_harness.samba import Samba
            env.update(servers.enter_context(Samba(workdir)).env())
        if args.smtp:
            from sesam_harness.smtp import SmtpSink
            env.update(servers.enter_context(SmtpSink(workdir)).env())
        if args.web:
            from sesam_harness.web import Web
            env.update(servers.enter_context(Web(workdir, env)).env())
        process = subprocess.Popen(command, env=env, start_new_session=True)
        try:
            code = process.wait()
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
    if not args.keep:
        subprocess.run(["rm", "-rf", workdir], check=False)
    return code


if __name__ == "__main__":
    sys.exit(main())
