# SPDX-License-Identifier: Apache-2.0
"""SmtpSink: a real SMTP server (aiosmtpd) on 127.0.0.1 that stores every message.

    with SmtpSink(workdir) as sink:
        env.update(sink.env())
        ...
        sink.stop()    # the server goes away: connections refused, open ones dropped
        sink.start()   # back on the same port

The server runs in its own process (`/usr/bin/python3 smtp.py serve ...`) and
accepts any sender and any recipient. Each message becomes two files in the mail
directory, numbered in arrival order (NNNNNN = 000001, 000002, ...):

  NNNNNN.eml   the DATA exactly as received (CRLF, dot-stuffing undone)
  NNNNNN.json  written after the .eml (its presence means the message is
               complete): {"mail_from", "rcpt_tos", "connection" (number of the
               connection it came over, 1-based), "auth_user" (or null),
               "headers": [[name, decoded value], ...], "parts": [{"content_type",
               "charset", "transfer_encoding", "content" (decoded text)}],
               "defects": [...] (Python's email parser, policy=default),
               "max_line_length" (longest raw line, without CRLF)}; with
               describe=False (SESAM_SMTP_SINK_DESCRIBE=0) only the first four

Environment exported by env():
  SESAM_TEST_SMTP_HOST         127.0.0.1
  SESAM_TEST_SMTP_PORT         the port
  SESAM_TEST_SMTP_URL          smtp://127.0.0.1:<port>
  SESAM_TEST_MAIL_DIR          the mail directory described above
  SESAM_TEST_SMTP_CONNECTIONS  a file with one line per accepted connection
                               ("<number> <peer>"), to check connection reuse
  SESAM_TEST_SMTP_USER         a login the server accepts with AUTH PLAIN/LOGIN
  SESAM_TEST_SMTP_PASSWORD     its password (AUTH is offered without TLS, and is
                               optional: unauthenticated clients are accepted too)
  SESAM_TEST_SMTP_PID          the server process: SIGUSR1 takes the server down
                               (listening socket closed, open connections dropped),
                               SIGUSR2 brings it back on the same port
  SESAM_TEST_SMTP_STATE        a file holding "up" or "down", rewritten once a
                               transition is complete; poll it after a signal
  SESAM_TEST_SMTP_STARTTLS_URL smtp://127.0.0.1:<port2>: the same sink, offering
                               STARTTLS (a certificate for 127.0.0.1)
  SESAM_TEST_SMTPS_URL         smtps://127.0.0.1:<port3>: the same sink, TLS from
                               the first byte
  SESAM_TEST_SMTP_CA           that certificate (self-signed, PEM): trust it with
                               [mail] tls_ca_file
  SESAM_TEST_SMTP_MODE         a file holding how the sink answers (every port),
                               read at each command; set_mode() or set_sink_mode()
                               write it:
                                 accept      (also when the file is absent) store
                                 defer       RCPT TO gets "451 4.3.0" (try later)
                                 refuse      RCPT TO gets "550 5.1.1" (never)
                                 slow SECS   MAIL, RCPT and DATA each answered
                                             after SECS seconds, then stored
  SESAM_TEST_SMTP_RCPTS        a file with one line per RCPT TO: "<answer code>
                               <address>", to count attempts and retries
Each record also says "tls": whether the message came over TLS. SIGUSR1/SIGUSR2
take down and bring back the plain port only.

Run with Debian's /usr/bin/python3 (python3-aiosmtpd).
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import subprocess
import sys
import time

if __package__:
    from .common import free_port, start, stop
else:  # run as the server script
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from sesam_harness.common import free_port, start, stop

TEST_USER = "sesam-test"
TEST_PASSWORD = "sink-password-7"


class SmtpSink:
    def __init__(self, workdir, describe=None):
        """`describe`: parse each message into its .json (the default). False
        stores the envelope only, for benchmarks that measure SMTP intake
        rather than Python's MIME parser; None reads SESAM_SMTP_SINK_DESCRIBE
        ("0" turns it off)."""
        if describe is None:
            describe = os.environ.get("SESAM_SMTP_SINK_DESCRIBE", "1") != "0"
        self.describe = describe
        self.dir = os.path.join(workdir, "smtp")
        self.mail_dir = os.path.join(self.dir, "mail")
        self.connections = os.path.join(self.dir, "connections")
        self.state = os.path.join(self.dir, "state")
        self.mode_file = os.path.join(self.dir, "mode")
        self.rcpts = os.path.join(self.dir, "rcpts")
        self.port = free_port()
        self.starttls_port = free_port()
        self.smtps_port = free_port()
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        self.process = None

    def __enter__(self):
        os.makedirs(self.mail_dir, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", self.key, "-out", self.cert],
                       check=True, capture_output=True)
        self.process = start(
            ["/usr/bin/python3", os.path.abspath(__file__), "serve", "--port", str(self.port),
             "--starttls-port", str(self.starttls_port), "--smtps-port", str(self.smtps_port),
             "--cert", self.cert, "--key", self.key,
             "--mail-dir", self.mail_dir, "--connections", self.connections,
             "--state", self.state, "--mode-file", self.mode_file,
             "--rcpts", self.rcpts] + ([] if self.describe else ["--no-describe"]),
            os.path.join(self.dir, "smtp.log"))
        self._wait_state("up")
        return self

    def __exit__(self, *exc):
        stop(self.process)
        return False

    def env(self):
        return {
            "SESAM_TEST_SMTP_HOST": "127.0.0.1",
            "SESAM_TEST_SMTP_PORT": str(self.port),
            "SESAM_TEST_SMTP_URL": f"smtp://127.0.0.1:{self.port}",
            "SESAM_TEST_MAIL_DIR": self.mail_dir,
            "SESAM_TEST_SMTP_CONNECTIONS": self.connections,
            "SESAM_TEST_SMTP_USER": TEST_USER,
            "SESAM_TEST_SMTP_PASSWORD": TEST_PASSWORD,
            "SESAM_TEST_SMTP_PID": str(self.process.pid),
            "SESAM_TEST_SMTP_STATE": self.state,
            "SESAM_TEST_SMTP_STARTTLS_URL": f"smtp://127.0.0.1:{self.starttls_port}",
            "SESAM_TEST_SMTPS_URL": f"smtps://127.0.0.1:{self.smtps_port}",
            "SESAM_TEST_SMTP_CA": self.cert,
            "SESAM_TEST_SMTP_MODE": self.mode_file,
            "SESAM_TEST_SMTP_RCPTS": self.rcpts,
        }

    def set_mode(self, mode):
        """"accept", "defer", "refuse" or "slow SECONDS": see the module's doc."""
        set_sink_mode(mode, self.mode_file)

    def stop(self):
        """Takes the server down (same process, port released); returns when it is down."""
        os.kill(self.process.pid, signal.SIGUSR1)
        self._wait_state("down")

    def start(self):
        """Brings the server back on the same port; returns when it accepts again."""
        os.kill(self.process.pid, signal.SIGUSR2)
        self._wait_state("up")

    def messages(self):
        """The stored messages' JSON records, in arrival order."""
        names = sorted(n for n in os.listdir(self.mail_dir) if n.endswith(".json"))
        result = []
        for name in names:
            with open(os.path.join(self.mail_dir, name), encoding="utf-8") as f:
                result.append(json.load(f))
        return result

    def _wait_state(self, wanted, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"SMTP sink exited with {self.process.returncode}")
            try:
                with open(self.state, encoding="ascii") as f:
                    if f.read().strip() == wanted:
                        return
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        raise TimeoutError(f"SMTP sink not {wanted} after {timeout}s")


def set_sink_mode(mode, path=None):
    """Sets how a running sink answers from its next command on; `path`
    defaults to SESAM_TEST_SMTP_MODE (for tests run by with_servers.py)."""
    if mode.split()[0] not in ("accept", "defer", "refuse", "slow"):
        raise ValueError(f"unknown SMTP sink mode {mode!r}")
    _write_atomically(path or os.environ["SESAM_TEST_SMTP_MODE"], mode.encode())


def rcpt_answers(path=None):
    """[(code, address)] of every RCPT TO the sink answered, in order."""
    try:
        with open(path or os.environ["SESAM_TEST_SMTP_RCPTS"], encoding="utf-8") as f:
            return [tuple(line.split(" ", 1)) for line in f.read().splitlines()]
    except FileNotFoundError:
        return []


# --- the server process -----------------------------------------------------


def _write_atomically(path, data):
    temp = path + ".tmp"
    with open(temp, "wb") as f:
        f.write(data)
    os.rename(temp, path)


def _describe(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "content": part.get_content(),
        })
    defects = [repr(d) for d in message.defects]
    for part in message.walk():
        defects += [repr(d) for d in part.defects if part is not message]
    return {
        "headers": [[name, str(value)] for name, value in message.items()],
        "parts": parts,
        "defects": defects,
        "max_line_length": max((len(line) for line in raw.split(b"\r\n")), default=0),
    }


class _Store:
    """aiosmtpd handler: writes each message to the mail directory."""

    def __init__(self, mail_dir, describe, mode_file, rcpts):
        self.mail_dir = mail_dir
        self.describe = describe
        self.mode_file = mode_file
        self.rcpts = rcpts
        self.count = 0

    def _mode(self):
        try:
            with open(self.mode_file, encoding="ascii") as f:
                return f.read().split() or ["accept"]
        except FileNotFoundError:
            return ["accept"]

    async def _slow(self, mode):
        if mode[0] == "slow":
            await asyncio.sleep(float(mode[1]))

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self._slow(self._mode())
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        mode = self._mode()
        await self._slow(mode)
        if mode[0] == "defer":
            answer = "451 4.3.0 Try again later (the sink was told to defer)"
        elif mode[0] == "refuse":
            answer = "550 5.1.1 Mailbox unavailable (the sink was told to refuse)"
        else:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
            answer = "250 OK"
        with open(self.rcpts, "a", encoding="utf-8") as f:
            f.write(f"{answer[:3]} {address}\n")
        return answer

    async def handle_DATA(self, server, session, envelope):
        await self._slow(self._mode())
        self.count += 1
        base = os.path.join(self.mail_dir, f"{self.count:06d}")
        raw = envelope.original_content
        _write_atomically(base + ".eml", raw)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "connection": getattr(server, "sesam_connection", 0),
            "auth_user": session.auth_data if isinstance(session.auth_data, str) else None,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        }
        if self.describe:
            record.update(_describe(raw))
        _write_atomically(base + ".json", json.dumps(record, ensure_ascii=False).encode())
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == TEST_USER.encode()
          and auth_data.password == TEST_PASSWORD.encode())
    return AuthResult(success=ok, handled=False, auth_data=TEST_USER if ok else None)


def serve(args):
    from aiosmtpd.smtp import SMTP

    handler = _Store(args.mail_dir, args.describe, args.mode_file, args.rcpts)
    open_connections = set()
    counter = [0]

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            if self._original_transport is not None:  # the same connection after STARTTLS
                super().connection_made(transport)
                return
            counter[0] += 1
            self.sesam_connection = counter[0]
            open_connections.add(transport)
            peer = transport.get_extra_info("peername")
            with open(args.connections, "a", encoding="ascii") as f:
                f.write(f"{counter[0]} {peer[0]}:{peer[1]}\n")
            super().connection_made(transport)

        def connection_lost(self, exc):
            open_connections.discard(self.transport)
            super().connection_lost(exc)

    def factory(tls_context=None):
        return CountingSMTP(handler, hostname="sink.sesam.test", authenticator=_authenticator,
                            auth_require_tls=False, data_size_limit=10 * 1024 * 1024,
                            tls_context=tls_context)

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = [None]

    def set_state(state):
        _write_atomically(args.state, state.encode())

    async def up():
        if server[0] is None:
            server[0] = await loop.create_server(factory, "127.0.0.1", args.port,
                                                 reuse_address=True)
        set_state("up")

    async def down():
        closing = server[0]
        server[0] = None
        if closing is not None:
            closing.close()
        for transport in list(open_connections):
            transport.abort()
        open_connections.clear()
        if closing is not None:
            await closing.wait_closed()
        set_state("down")

    loop.add_signal_handler(signal.SIGUSR1, lambda: loop.create_task(down()))
    loop.add_signal_handler(signal.SIGUSR2, lambda: loop.create_task(up()))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    loop.run_until_complete(loop.create_server(lambda: factory(tls), "127.0.0.1",
                                               args.starttls_port, reuse_address=True))
    loop.run_until_complete(loop.create_server(factory, "127.0.0.1", args.smtps_port,
                                               ssl=tls, reuse_address=True))
    loop.run_until_complete(up())
    loop.run_forever()


def main():
    parser = argparse.ArgumentParser(description="the SMTP sink's server process")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--starttls-port", type=int, required=True)
    p.add_argument("--smtps-port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--mail-dir", required=True)
    p.add_argument("--connections", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--mode-file", required=True)
    p.add_argument("--rcpts", required=True)
    p.add_argument("--no-describe", dest="describe", action="store_false")
    args = parser.parse_args()
    serve(args)


if __name__ == "__main__":
    main()
