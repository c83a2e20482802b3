#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The demo school's stack, for `make demo` and for the browser tests (tests/e2e).

    demo.py serve [--free-ports]          `make demo`: start, print, wait for Ctrl-C
    demo.py run [--timeout S] -- CMD ...  start on free ports, run CMD, stop (the e2e tests)

Everything listens on 127.0.0.1 only, lives in one temp dir and is stopped on
exit, Ctrl-C (SIGINT), SIGTERM or SIGHUP, also when starting fails half-way:

  slapd    the demo school (packaging/demo/school.ldif) with the Sesam schema,
           through sesam_harness.slapd (service account, ppolicy, ACLs)
  maildev  npm's mail catcher (tests/e2e/node_modules/.bin/maildev): SMTP for
           Sesam, a web page and a REST API (GET /email) to read what was sent
  nginx    in front of sesam-fcgi (sesam_harness.web), serving /sesam/ and a
           stand-in login page at /login (packaging/demo/login.html)

sesam-fcgi reads packaging/demo/sesam.conf, the production keys with demo
values; only the keys that name a port or a file of the temp dir are rewritten
(see DemoWeb.config_values). `serve` prefers the fixed ports 8080 (web), 1080
(maildev's page) and 1025 (SMTP) and takes free ones when those are busy; `run`
always takes free ones.

`run` also starts a second sesam-fcgi + nginx on the same directory and mail
catcher with `[token] lifetime = 3s` (the expired-link test) and lifts the rate
limits, which the tests would otherwise hit on purpose-free requests.
Environment given to CMD:
  SESAM_DEMO_BASE_URL        http://127.0.0.1:PORT/sesam
  SESAM_DEMO_LOGIN_URL       [web] login_url
  SESAM_DEMO_SHORT_BASE_URL  the same site with links that live 3 seconds
  SESAM_DEMO_MAILDEV_URL     http://127.0.0.1:PORT (GET /email, DELETE /email/all)
  SESAM_DEMO_LDAP_URI        ldap://127.0.0.1:PORT
  SESAM_DEMO_PEOPLE          ou=people,dc=school,dc=test
  SESAM_DEMO_PASSWORD        every demo account's first password
  SESAM_DEMO_CONFIG          the sesam.conf sesam-fcgi runs with (for `sesam check`)
and those of sesam_harness.slapd and .web (SESAM_TEST_*).

Programs come from the build tree: SESAM_FCGI, SESAM_WEB_DATADIR, SESAM_LOCALEDIR
as in web.py, default build/ of this checkout. Run with Debian's /usr/bin/python3.
"""

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile

if __package__:
    from . import common
    from .slapd import Slapd
    from .web import SITE_LOCATIONS_ANCHOR, Web
else:  # run as a script
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from sesam_harness import common
    from sesam_harness.slapd import Slapd
    from sesam_harness.web import SITE_LOCATIONS_ANCHOR, Web

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
DEMO_DIR = os.path.join(TOP, "packaging", "demo")
MAILDEV = os.path.join(TOP, "tests", "e2e", "node_modules", ".bin", "maildev")
DEMO_PASSWORD = "Demo-Wachtwoord-1"
PEOPLE = "ou=people,dc=school,dc=test"

# Who is in the demo school, for what `serve` prints (packaging/demo/school.ldif).
ACCOUNTS = [
    ("jan.selle", "pupil", ["jan.selle@sint-jan.test"],
     ["mama.selle@ouders.test", "papa.selle@ouders.test"]),
    ("an.wouters", "teacher", ["an.wouters@sint-jan.test"], ["interim.wouters@sint-jan.test"]),
    ("lotte.claes", "pupil without an address", [], []),
]


def port_or_free(preferred):
    """`preferred` when nothing uses it on 127.0.0.1, otherwise a free port."""
    if preferred:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", preferred))
                return preferred
            except OSError:
                pass
    return common.free_port()


def rewrite_ini(text, values):
    """`text` with the (section, key) -> value pairs of `values` replaced in place;
    pairs the text lacks are appended to their section. Comments stay."""
    out, section, seen = [], None, set()

    def flush_missing():
        for (sec, key), value in values.items():
            if sec == section and (sec, key) not in seen:
                out.append(f"{key} = {value}")
                seen.add((sec, key))

    for line in text.splitlines():
        header = re.match(r"\s*\[(\w+)\]\s*$", line)
        if header:
            flush_missing()
            section = header.group(1)
        else:
            pair = re.match(r"\s*(\w+)\s*=", line)
            if pair and (section, pair.group(1)) in values:
                key = pair.group(1)
                line = f"{key} = {values[(section, key)]}"
                seen.add((section, key))
        out.append(line)
    flush_missing()
    for (sec, key), value in values.items():
        if (sec, key) not in seen:
            out += ["", f"[{sec}]", f"{key} = {value}"]
            seen.add((sec, key))
    return "\n".join(out) + "\n"


class Maildev:
    """npm's maildev on 127.0.0.1: SMTP on `smtp_port`, its page and API on `web_port`."""

    def __init__(self, workdir, smtp_port, web_port):
        self.dir = os.path.join(workdir, "maildev")
        self.smtp_port = smtp_port
        self.web_port = web_port
        self.process = None

    def __enter__(self):
        if not os.access(MAILDEV, os.X_OK):
            raise RuntimeError(f"{MAILDEV} is missing: run `npm ci` in tests/e2e "
                               "(`make demo` and `make test` do)")
        os.makedirs(self.dir, exist_ok=True)
        self.process = common.start(
            [MAILDEV, "--ip", "127.0.0.1", "--web-ip", "127.0.0.1",
             "--smtp", str(self.smtp_port), "--web", str(self.web_port),
             "--mail-directory", os.path.join(self.dir, "mail")],
            os.path.join(self.dir, "maildev.log"))
        try:
            common.wait_for_port(self.smtp_port, process=self.process, timeout=30)
            common.wait_for_port(self.web_port, process=self.process, timeout=30)
        except BaseException:
            common.stop(self.process)
            raise
        return self

    def __exit__(self, *exc):
        common.stop(self.process)
        return False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.web_port}"


class DemoWeb(Web):
    """sesam_harness.web.Web with packaging/demo/sesam.conf as its configuration
    and the stand-in login page; `port` None means a free one."""

    def __init__(self, workdir, env, name="", port=None, overrides=None):
        super().__init__(workdir, env, name=name, overrides=overrides)
        if port:
            self.port = port
        self.base_url = f"http://127.0.0.1:{self.port}/sesam"
        self.login_url = f"http://127.0.0.1:{self.port}/login"

    def config_values(self):
        """The keys of the demo's sesam.conf that depend on this run."""
        env = self.env_in
        values = {
            ("policy", "blocklist"): os.path.join(TOP, "core", "src", "policy", "data",
                                                  "blocklist.txt"),
            ("ldap", "uri"): env["SESAM_TEST_LDAP_URI"],
            ("ldap", "bind_password_file"): env["SESAM_TEST_LDAP_BIND_PASSWORD_FILE"],
            ("mail", "smtp_url"): env["SESAM_TEST_SMTP_URL"],
            ("web", "base_url"): self.base_url,
            ("web", "login_url"): self.login_url,
            ("web", "return_urls"): self.login_url,
            ("token", "key_file"): os.path.join(self.dir, "token.key"),
            ("web", "state_dir"): os.path.join(self.dir, "state"),
        }
        values.update(self.overrides)
        return values

    def _config_text(self):
        with open(os.path.join(DEMO_DIR, "sesam.conf"), encoding="utf-8") as f:
            return rewrite_ini(f.read(), self.config_values())

    def _nginx_conf(self):
        login = os.path.join(DEMO_DIR, "login.html")
        location = ("    location = /login {\n"
                    "      default_type text/html;\n"
                    f"      alias {login};\n"
                    "    }\n")
        conf = super()._nginx_conf()
        anchor = SITE_LOCATIONS_ANCHOR
        if anchor not in conf:
            raise RuntimeError("web.py's nginx.conf changed: no '%s'" % anchor.strip())
        return conf.replace(anchor, location, 1)


class DemoStack:
    """slapd + maildev + nginx/sesam-fcgi; `fixed_ports` prefers 8080/1080/1025,
    `short_web` adds the 3-second-link site, `overrides` replace config keys."""

    def __init__(self, workdir, fixed_ports=False, short_web=False, overrides=None):
        self.workdir = workdir
        self.fixed_ports = fixed_ports
        self.short_web = short_web
        self.overrides = dict(overrides or {})
        self.env = {}

    def __enter__(self):
        self.stack = contextlib.ExitStack()
        try:
            with open(os.path.join(DEMO_DIR, "school.ldif"), encoding="utf-8") as f:
                people = f.read()
            self.slapd = self.stack.enter_context(Slapd(self.workdir, people=people))
            self.env.update(self.slapd.env())
            preferred = (1025, 1080, 8080) if self.fixed_ports else (None, None, None)
            smtp_port = port_or_free(preferred[0])
            web_port = port_or_free(preferred[1])
            if web_port == smtp_port:
                web_port = common.free_port()
            self.maildev = self.stack.enter_context(Maildev(self.workdir, smtp_port, web_port))
            self.env.update({"SESAM_TEST_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
                             "SESAM_TEST_SMTP_PORT": str(smtp_port)})
            self.web = self.stack.enter_context(DemoWeb(
                self.workdir, self.env, port=port_or_free(preferred[2]),
                overrides=self.overrides))
            self.env.update(self.web.env())
            self.env.update({
                "SESAM_DEMO_BASE_URL": self.web.base_url,
                "SESAM_DEMO_LOGIN_URL": self.web.login_url,
                "SESAM_DEMO_MAILDEV_URL": self.maildev.url,
                "SESAM_DEMO_LDAP_URI": self.env["SESAM_TEST_LDAP_URI"],
                "SESAM_DEMO_PEOPLE": PEOPLE,
                "SESAM_DEMO_PASSWORD": DEMO_PASSWORD,
                "SESAM_DEMO_CONFIG": self.web.config_path,
            })
            if self.short_web:
                overrides = dict(self.overrides)
                overrides[("token", "lifetime")] = "3s"
                short = self.stack.enter_context(
                    DemoWeb(self.workdir, self.env, name="short", overrides=overrides))
                self.env["SESAM_DEMO_SHORT_BASE_URL"] = short.base_url
        except BaseException:
            self.stack.close()
            raise
        return self

    def __exit__(self, *exc):
        self.stack.close()
        return False


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def serve(args):
    workdir = tempfile.mkdtemp(prefix="sesam-demo-")
    try:
        with DemoStack(workdir, fixed_ports=not args.free_ports) as stack:
            env = stack.env
            print(f"""
Sesam demo: everything runs on 127.0.0.1 (files in {workdir})

  Forgot your password?   {env['SESAM_DEMO_BASE_URL']}/forgot
  Change your password    {env['SESAM_DEMO_BASE_URL']}/change
  Mail catcher (maildev)  {env['SESAM_DEMO_MAILDEV_URL']}   (every message Sesam sends lands here)
  LDAP (slapd)            {env['SESAM_DEMO_LDAP_URI']}   base {PEOPLE}
  Configuration           {env['SESAM_DEMO_CONFIG']}

Demo accounts (password of each: {DEMO_PASSWORD}):""")
            for uid, role, own, co in ACCOUNTS:
                addresses = ", ".join(own + [a + " (co-account)" for a in co]) or "no address"
                print(f"  {uid:<12} {role}: {addresses}")
            print("""
Try: user jan.selle with mama.selle@ouders.test; three messages arrive, one per
address. Open the link in one of them and choose a new password; check it with
  ldapwhoami -x -H {ldap} -D uid=jan.selle,{people} -W
Or change a password you know on the change page: user lotte.claes, current
password {password}; the directory checks it and keeps its own history.

Press Ctrl-C to stop everything.""".format(ldap=env["SESAM_DEMO_LDAP_URI"], people=PEOPLE,
                                          password=DEMO_PASSWORD),
                  flush=True)
            while True:
                signal.pause()
    except KeyboardInterrupt:
        print("\nSesam demo: stopping ...", flush=True)
    finally:
        subprocess.run(["rm", "-rf", workdir], check=False)
    print("Sesam demo: stopped.", flush=True)
    return 0


def run(args):
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        sys.exit("demo.py run: no command given")

    def on_timeout(signum, frame):
        raise TimeoutError(f"demo.py run: command still running after {args.timeout}s")

    signal.signal(signal.SIGALRM, on_timeout)
    signal.alarm(int(args.timeout))
    workdir = tempfile.mkdtemp(prefix="sesam-e2e-")
    # The tests make more requests for jan.selle than a school would allow per hour.
    overrides = {("web", "ip_limit"): "100000/1m", ("web", "account_limit"): "100000/1h",
                 ("web", "recipient_limit"): "100000/1h"}
    try:
        with DemoStack(workdir, short_web=True, overrides=overrides) as stack:
            process = subprocess.Popen(command, env=dict(os.environ, **stack.env),
                                       start_new_session=True)
            try:
                return process.wait()
            except BaseException:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise
    finally:
        if not args.keep:
            subprocess.run(["rm", "-rf", workdir], check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("serve", help="the demo: start, print the URLs, wait for Ctrl-C")
    p.add_argument("--free-ports", action="store_true", help="do not try 8080/1080/1025 first")
    p = sub.add_parser("run", help="start on free ports, run a command, stop")
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--keep", action="store_true", help="keep the temp dir (for debugging)")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    # nginx and slapd live in /usr/sbin, which a user's PATH may lack.
    os.environ["PATH"] = os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"
    # SIGINT too: a shell starts background jobs with SIGINT ignored, and
    # Python then keeps ignoring it; Ctrl-C must stop the demo wherever it runs.
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), _raise_interrupt)
    return serve(args) if args.mode == "serve" else run(args)


if __name__ == "__main__":
    sys.exit(main())
