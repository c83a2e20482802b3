# SPDX-License-Identifier: Apache-2.0
"""nginx in front of sesam-fcgi, on 127.0.0.1, for integration tests and the demo.

    with Web(workdir, env) as web:          # env: the slapd and smtp env vars
        env.update(web.env())

`env` must hold the coordinates of a running slapd (SESAM_TEST_CONFIG, whose
[ldap] section is copied, see slapd.py) and SMTP sink (SESAM_TEST_SMTP_URL). Web writes, in `workdir/web[-NAME]/`:

  sesam.conf     [ldap] and [mail] from those servers, [web] base_url pointing at
                 nginx, [token] key_file; `overrides` replace single keys, e.g.
                 {("token", "lifetime"): "3s", ("web", "ip_limit"): "3/10m"}
  token.key      32 random bytes, mode 0600
  nginx.conf     nginx as a non-daemon with its own prefix, listening only on
                 127.0.0.1:<free port>, with plain access and error logs; its
                 server block includes the shipped packaging/nginx/sesam.conf
  sesam-snippet.conf  that snippet, its socket replaced by an upstream of
                 `processes` sesam-fcgi processes (round robin), each on its own
                 unix socket
  *.log          sesam-fcgi's log (stderr), nginx's access and error logs

Programs come from the build tree: SESAM_FCGI (the sesam-fcgi binary),
SESAM_WEB_DATADIR (templates/ and static/), SESAM_LOCALEDIR (catalogs) and
SESAM_BLOCKLIST (the policy's blocklist, build/data/blocklist.txt);
defaults assume the build directory `build/` of this checkout.

env() exports:
  SESAM_TEST_BASE_URL        [web] base_url, e.g. http://127.0.0.1:PORT/sesam
  SESAM_TEST_WEB_PORT        nginx's port
  SESAM_TEST_WEB_CONFIG      the sesam.conf path (for `sesam send-reset --config`)
  SESAM_TEST_WEB_LOG         sesam-fcgi's log file(s), ':'-separated
  SESAM_TEST_NGINX_ACCESS_LOG, SESAM_TEST_NGINX_ERROR_LOG
  SESAM_TEST_TOKEN_KEY       the token key file

stop_fcgi(i) sends SIGTERM to process i and returns its exit status; the test
for a clean shutdown uses it. Run with Debian's /usr/bin/python3.
"""

import os
import signal
import socket
import subprocess
import time

from .common import free_port, start, stop, wait_for_port

_HERE = os.path.dirname(os.path.abspath(__file__))
_TOP = os.path.abspath(os.path.join(_HERE, "..", "..", ".."))
# The nginx snippet the package ships as /etc/sesam/nginx.conf: every web test
# goes through it.
SHIPPED_NGINX_SNIPPET = os.path.join(_TOP, "packaging", "nginx", "sesam.conf")
# Where a subclass adds its own locations to the server block (demo.py).
SITE_LOCATIONS_ANCHOR = "# site locations"


def _build_path(var, *parts):
    return os.environ.get(var) or os.path.join(_TOP, "build", *parts)


def _log_tail(log_path, lines=20):
    try:
        with open(log_path, errors="replace") as log:
            return "".join(log.readlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_for_socket(path, process, timeout=20.0, log_path=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sesam-fcgi exited with {process.returncode} before listening; "
                               f"its log ends:\n{_log_tail(log_path) if log_path else '(no log)'}")
        if os.path.exists(path):
            with socket.socket(socket.AF_UNIX) as s:
                try:
                    s.connect(path)
                    return
                except OSError:
                    pass
        time.sleep(0.05)
    raise TimeoutError(f"sesam-fcgi does not listen on {path}")


def ldap_section(env):
    """The [ldap] lines of the slapd harness's own sesam.conf (SESAM_TEST_CONFIG)."""
    import configparser
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(env["SESAM_TEST_CONFIG"])
    return dict(parser["ldap"])


class Web:
    def __init__(self, workdir, env, name="", processes=1, threads=4, overrides=None,
                 base_url=None, log_level_stderr=True, wrapper=None):
        """`wrapper`: argv put before sesam-fcgi's, which it must exec (so the
        pid stays sesam-fcgi's), e.g. a private mount namespace:
        ["unshare", "-m", "sh", "-c", "mount ... && exec \"$@\"", "sh"]."""
        self.dir = os.path.join(workdir, "web" + (f"-{name}" if name else ""))
        self.env_in = dict(env)
        self.processes = processes
        self.threads = threads
        self.wrapper = list(wrapper or [])
        self.overrides = dict(overrides or {})
        self.port = free_port()
        self.base_url = base_url or f"http://127.0.0.1:{self.port}/sesam"
        self.fcgi = []
        self.nginx = None
        self.sockets = [os.path.join(self.dir, f"fcgi-{i}.sock") for i in range(processes)]
        self.logs = [os.path.join(self.dir, f"sesam-fcgi-{i}.log") for i in range(processes)]

    # -- configuration -----------------------------------------------------
    def _config_text(self):
        env = self.env_in
        smtp_url = env["SESAM_TEST_SMTP_URL"]
        blocklist = _build_path("SESAM_BLOCKLIST", "data", "blocklist.txt")
        sections = {
            "policy": ({"blocklist": blocklist} if os.path.exists(blocklist)
                       else {"blocklist_optional": "yes"}),
            "ldap": ldap_section(env),
            "mail": {"smtp_url": smtp_url, "starttls": "no",
                     "from": "Sint-Jan <noreply@school.test>", "timeout": "5s"},
            "web": {"base_url": self.base_url, "login_url": "http://127.0.0.1/login",
                    "helpdesk": "helpdesk@school.test", "school_name": "Sint-Jan",
                    "languages": "nl fr en", "default_language": "nl",
                    "return_urls": "https://sso.school.test/",
                    "ip_limit": "100000/1m", "account_limit": "100000/1h",
                    "recipient_limit": "100000/1h",
                    "link_failure_limit": "100000/1m",
                    "change_ip_limit": "100000/1m", "change_account_limit": "100000/1m",
                    "state_dir": os.path.join(self.dir, "state")},
            "token": {"key_file": os.path.join(self.dir, "token.key"), "lifetime": "15m"},
        }
        for (section, key), value in self.overrides.items():
            sections.setdefault(section, {})[key] = value
        out = []
        for section, keys in sections.items():
            out.append(f"[{section}]")
            out += [f"{key} = {value}" for key, value in keys.items() if value is not None]
            out.append("")
        return "\n".join(out)

    def _snippet(self):
        """packaging/nginx/sesam.conf as shipped, with its one socket path
        pointed at the upstream of this run's sesam-fcgi processes."""
        with open(SHIPPED_NGINX_SNIPPET, encoding="utf-8") as f:
            text = f.read()
        shipped_socket = "unix:/run/sesam/fcgi.sock;"
        if text.count(shipped_socket) != 2:
            raise RuntimeError(f"{SHIPPED_NGINX_SNIPPET} no longer passes /sesam/ and "
                               f"/sesam/otp/ to {shipped_socket}: update web.py")
        return text.replace(shipped_socket, "sesam_fcgi;")

    def _nginx_conf(self):
        servers = "\n".join(f"    server unix:{path};" for path in self.sockets)
        user = "user root root;" if os.geteuid() == 0 else ""
        d = self.dir
        snippet = os.path.join(d, "sesam-snippet.conf")
        with open(snippet, "w", encoding="utf-8") as f:
            f.write(self._snippet())
        # The site's logs are plain: keeping one-time links out of them is the
        # shipped snippet's job, and the tests check that it does it.
        return f"""{user}
worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  client_body_temp_path {d}/tmp/body;
  fastcgi_temp_path {d}/tmp/fastcgi;
  proxy_temp_path {d}/tmp/proxy;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  server_tokens off;
  access_log {d}/nginx-access.log combined;
  upstream sesam_fcgi {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{self.port};
    {SITE_LOCATIONS_ANCHOR}
    include {snippet};
  }}
}}
"""

    # -- processes ---------------------------------------------------------
    def _start_fcgi(self, i):
        env = dict(os.environ, SESAM_LOCALEDIR=_build_path("SESAM_LOCALEDIR", "locale"))
        argv = self.wrapper + [_build_path("SESAM_FCGI", "web_cgi", "sesam-fcgi"),
                "--config", self.config_path, "--listen", "unix:" + self.sockets[i],
                "--threads", str(self.threads),
                "--datadir", _build_path("SESAM_WEB_DATADIR", "share", "sesam"),
                "--log", "stderr"]
        if os.path.exists(self.sockets[i]):
            os.unlink(self.sockets[i])
        process = start(argv, self.logs[i], env=env)
        _wait_for_socket(self.sockets[i], process, log_path=self.logs[i])
        return process

    def __enter__(self):
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        # The host-local state store ([web] state_dir), shared by this
        # stack's sesam-fcgi processes and the CLI runs of its tests.
        os.makedirs(os.path.join(self.dir, "state"), mode=0o700, exist_ok=True)
        key_path = os.path.join(self.dir, "token.key")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as key:
            # As `sesam genkey` does: the secret-file reader strips one trailing
            # "\n" or "\r", so a key ending in one would lose a byte (1 run in
            # 128 failed to start with a 31-byte key).
            secret = os.urandom(32)
            while secret[-1:] in (b"\n", b"\r"):
                secret = secret[:-1] + os.urandom(1)
            key.write(secret)
        self.config_path = os.path.join(self.dir, "sesam.conf")
        with open(self.config_path, "w") as conf:
            conf.write(self._config_text())
        try:
            self.fcgi = [self._start_fcgi(i) for i in range(self.processes)]
            conf_path = os.path.join(self.dir, "nginx.conf")
            with open(conf_path, "w") as conf:
                conf.write(self._nginx_conf())
            self.nginx = start(["nginx", "-p", self.dir, "-c", conf_path,
                                "-e", os.path.join(self.dir, "nginx-error.log"),
                                "-g", "daemon off;"],
                               os.path.join(self.dir, "nginx.out"))
            wait_for_port(self.port, process=self.nginx)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        stop(self.nginx)
        for process in self.fcgi:
            stop(process, timeout=20.0)
        return False

    def state_dir(self):
        """[web] state_dir, as every sesam-fcgi of this stack sees it."""
        return os.path.join(self.dir, "state")

    def stop_fcgi(self, i=0, timeout=20.0):
        """SIGTERM to sesam-fcgi number i; returns its exit status."""
        process = self.fcgi[i]
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout)

    def log_text(self):
        text = ""
        for path in self.logs:
            with open(path, errors="replace") as log:
                text += log.read()
        return text

    def env(self):
        return {
            "SESAM_TEST_BASE_URL": self.base_url,
            "SESAM_TEST_WEB_PORT": str(self.port),
            "SESAM_TEST_WEB_CONFIG": self.config_path,
            "SESAM_TEST_WEB_LOG": ":".join(self.logs),
            "SESAM_TEST_NGINX_ACCESS_LOG": os.path.join(self.dir, "nginx-access.log"),
            "SESAM_TEST_NGINX_ERROR_LOG": os.path.join(self.dir, "nginx-error.log"),
            "SESAM_TEST_TOKEN_KEY": os.path.join(self.dir, "token.key"),
        }
