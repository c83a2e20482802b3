#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A real forced change of an expired password: login(1), pam_unix, pam_sesam.

  forced_change_test.py --module M --blocklist B --localedir L

An account whose password expired (`chage -d 0`: shadow's lastchg is 0) logs
in through /usr/bin/login in a pseudo-terminal. pam_unix's account check
answers PAM_NEW_AUTHTOK_REQD, so login calls
pam_chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK) while running as root (getuid() ==
0): the case in which pam_sesam used to show the failed rules as mere warnings
and let `abc` through. The test proves that a weak new password is refused
with pam_sesam's messages and the shadow entry stays as it was, and that a
strong one is stored by pam_unix and then opens the session.

Why login: it is what getty runs as root to force the change (sshd and
display managers do the same, as root), so the module sees exactly the
caller of the bug. `su - USER` from an ordinary user does force the change
too, but su is setuid root and keeps its caller's real uid: the module sees
no root, enforced the policy already, and the test could not fail without
the fix. `passwd` is not the login path. login needs a controlling terminal,
which python's pty gives it; it runs fine here without a utmp file.

The host's files are never touched: the test runs itself again inside a
private mount namespace (unshare -m --propagation private) where a copy of
the whole /etc is bind-mounted over /etc and an empty directory over
/var/log (login writes wtmp and btmp). A copy of the whole /etc, not of each
file: pam_unix stores a new hash by writing /etc/nshadow and renaming it over
/etc/shadow, and rename(2) onto a bind-mounted file fails with EBUSY. The
account, its password and its expiry are made there by chpasswd and chage.
Before and after, the outer process hashes the host's /etc/passwd,
/etc/shadow, /etc/group, /etc/gshadow, every file under /etc/pam.d and
/var/log/{wtmp,btmp,lastlog}, and fails when one differs.

Needs root (mount namespaces, login); exits 77 (CTest SKIP_RETURN_CODE)
otherwise.
"""
import argparse
import hashlib
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

SKIP = 77
USER = "sesampupil"
OLD_PASSWORD = "Oud.Wachtw00rd-7"
STRONG_PASSWORD = "Xyzzy.Pl0ugh-42"
SHELL_MARK = "SESAM-SESSION-OPENED"
WATCHED_FILES = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow",
                 "/var/log/wtmp", "/var/log/btmp", "/var/log/lastlog"]
WATCHED_DIRS = ["/etc/pam.d"]
ARGS = None


def fingerprint():
    """path -> sha256 of each watched host file (None when absent)."""
    paths = list(WATCHED_FILES)
    for top in WATCHED_DIRS:
        for root, _, files in os.walk(top):
            paths.extend(os.path.join(root, name) for name in files)
    result = {}
    for path in sorted(paths):
        try:
            with open(path, "rb") as f:
                result[path] = hashlib.sha256(f.read()).hexdigest()
        except FileNotFoundError:
            result[path] = None
    return result


def mount_namespace():
    return os.readlink("/proc/self/ns/mnt")


# --- inside the private mount namespace --------------------------------------


class Terminal:
    """One program on the slave side of a pty; expect()/send() on the master."""

    def __init__(self, command, env):
        self.master, slave = pty.openpty()
        self.transcript = b""
        self.consumed = 0  # transcript bytes that earlier expects matched

        def controlling_tty():
            # start_new_session made us a session leader; take the pty as our
            # controlling terminal, as getty does for login.
            import fcntl
            import termios
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                        env=env, start_new_session=True,
                                        preexec_fn=controlling_tty)
        os.close(slave)

    def _read(self, timeout):
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 4096)
        except OSError:  # EIO: the slave side is closed
            data = b""
        if not data:
            return None
        self.transcript += data
        return True

    def text(self):
        return self.transcript.decode("utf-8", "replace")

    def expect(self, text, timeout=30):
        """Waits until `text` appears after what earlier expects consumed."""
        deadline = time.monotonic() + timeout
        wanted = text.encode("utf-8")
        while True:
            position = self.transcript.find(wanted, self.consumed)
            if position >= 0:
                self.consumed = position + len(wanted)
                return
            left = deadline - time.monotonic()
            if left <= 0 or self._read(left) is None:
                raise AssertionError("no %r in the terminal; it showed:\n%s" % (text, self.text()))

    def send(self, line):
        # Only after the prompt is shown: PAM's conversation flushes pending
        # input (TCSAFLUSH) when it turns echo off.
        os.write(self.master, line.encode("utf-8") + b"\n")

    def close(self):
        """Ends the program if a failed expect left it waiting for input."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def finish(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._read(deadline - time.monotonic()):
            pass
        try:
            code = self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.close()
        return code


def run(command, stdin=None):
    subprocess.run(command, input=stdin, check=True, capture_output=True, text=True)


def shadow_entry():
    with open("/etc/shadow", encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(":")
            if fields[0] == USER:
                return fields
    raise AssertionError("%s has no line in the copied /etc/shadow" % USER)


class ForcedChangeTest(unittest.TestCase):
    def setUp(self):
        # A known password, then `chage -d 0`: expired, change forced at login.
        run(["chpasswd", "-c", "SHA512"], stdin="%s:%s\n" % (USER, OLD_PASSWORD))
        run(["chage", "-d", "0", USER])
        self.before = shadow_entry()
        self.assertEqual("0", self.before[2], "chage -d 0 must set lastchg to 0")

    def login(self):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "dumb", "LANG": "C.UTF-8",
               "SESAM_LOCALEDIR": ARGS.localedir}
        term = Terminal(["/usr/bin/login", "--", USER], env)
        self.addCleanup(term.close)
        return term

    def start_forced_change(self, term):
        term.expect("Password: ")
        term.send(OLD_PASSWORD)
        term.expect("You are required to change your password immediately")
        term.expect("Current password: ")  # pam_unix, asking again as it does
        term.send(OLD_PASSWORD)

    def test_weak_password_is_refused(self):
        term = self.login()
        self.start_forced_change(term)
        for left in ["2", "1", None]:
            term.expect("New password: ")
            term.send("abc")
            term.expect("Password refused:")
            term.expect("At least 8 characters")
            if left:
                term.expect("Please try again (%s left)." % left)
        term.expect("Too many tries: the password was not changed.")
        code = term.finish()
        out = term.text()
        self.assertNotEqual(0, code, out)
        self.assertNotIn("Accepted anyway", out)
        self.assertNotIn("Retype new password", out)
        self.assertNotIn(SHELL_MARK, out)
        self.assertEqual(self.before, shadow_entry(), "the refused change must not be stored")

    def test_strong_password_is_stored_and_opens_the_session(self):
        term = self.login()
        self.start_forced_change(term)
        term.expect("New password: ")
        term.send(STRONG_PASSWORD)
        term.expect("Retype new password: ")
        term.send(STRONG_PASSWORD)
        term.expect(SHELL_MARK)
        code = term.finish()
        out = term.text()
        self.assertEqual(0, code, out)
        self.assertNotIn("Password refused", out)
        after = shadow_entry()
        self.assertNotEqual(self.before[1], after[1], "pam_unix must store a new hash")
        self.assertNotEqual("0", after[2], "the password must no longer be expired")

        # The stored password is the new one: a second login goes straight in.
        term = self.login()
        term.expect("Password: ")
        term.send(STRONG_PASSWORD)
        term.expect(SHELL_MARK)
        again = term.text()
        self.assertEqual(0, term.finish(), again)
        self.assertNotIn("required to change", again)


def prepare(work):
    """Copies /etc into `work`, adds the account and the login stack, mounts."""
    etc = os.path.join(work, "etc")
    subprocess.run(["cp", "-a", "/etc", etc], check=True)
    log = os.path.join(work, "log")
    os.mkdir(log)
    home = os.path.join(work, "home")
    os.mkdir(home)
    os.chmod(work, 0o755)  # the user's shell and home live below it
    shell = os.path.join(work, "shell")
    with open(shell, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\necho %s\n" % SHELL_MARK)
    os.chmod(shell, 0o755)
    config = os.path.join(work, "sesam.conf")
    with open(config, "w", encoding="utf-8") as f:
        f.write("[policy]\nblocklist = %s\n" % ARGS.blocklist)
    os.chmod(config, 0o644)

    taken = set()
    with open(os.path.join(etc, "passwd"), encoding="utf-8") as f:
        taken |= {int(line.split(":")[2]) for line in f if line.count(":") >= 6}
    with open(os.path.join(etc, "group"), encoding="utf-8") as f:
        taken |= {int(line.split(":")[2]) for line in f if line.count(":") >= 3}
    uid = next(n for n in range(4242, 60000) if n not in taken)
    os.chown(home, uid, uid)
    for name, line in [
            ("passwd", "%s:x:%d:%d:Sesam Pupil,,,:%s:%s\n" % (USER, uid, uid, home, shell)),
            ("shadow", "%s:*:0:0:99999:7:::\n" % USER),
            ("group", "%s:x:%d:\n" % (USER, uid)),
            ("gshadow", "%s:!::\n" % USER)]:
        with open(os.path.join(etc, name), "a", encoding="utf-8") as f:
            f.write(line)
    # The stack of a Debian login reduced to what the forced change needs:
    # pam_unix decides that the password expired and stores the new one;
    # pam_sesam stands before it, as pam_sesam(8) says.
    with open(os.path.join(etc, "pam.d", "login"), "w", encoding="utf-8") as f:
        f.write("auth     required  pam_unix.so\n"
                "account  required  pam_unix.so\n"
                "password requisite %s config=%s\n"
                "password required  pam_unix.so use_authtok sha512\n"
                "session  required  pam_permit.so\n" % (ARGS.module, config))

    run(["mount", "--bind", etc, "/etc"])
    run(["mount", "--bind", log, "/var/log"])
    # From here on every write under /etc lands in the copy: make sure.
    if os.stat("/etc").st_ino != os.stat(etc).st_ino:
        raise RuntimeError("/etc is not the copy after the bind mount")


def inner(work, host_namespace):
    if host_namespace is None or mount_namespace() == host_namespace:
        print("refusing to bind-mount over /etc outside a new mount namespace")
        return 1
    prepare(work)
    program = unittest.main(argv=[sys.argv[0]], module=__name__, exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


# --- on the host --------------------------------------------------------------


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", required=True)
    parser.add_argument("--blocklist", required=True)
    parser.add_argument("--localedir", required=True)
    parser.add_argument("--inner", metavar="WORKDIR")
    parser.add_argument("--host-namespace")
    ARGS = parser.parse_args()
    for name in ["module", "blocklist", "localedir"]:
        setattr(ARGS, name, os.path.abspath(getattr(ARGS, name)))
    if os.geteuid() != 0:
        print("SKIP: needs root (a private mount namespace, and login runs as root)")
        return SKIP
    if ARGS.inner:
        return inner(ARGS.inner, ARGS.host_namespace)

    before = fingerprint()
    work = tempfile.mkdtemp(prefix="sesam-forced-")
    try:
        code = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "--", sys.executable,
             os.path.abspath(__file__), "--module", ARGS.module, "--blocklist", ARGS.blocklist,
             "--localedir", ARGS.localedir, "--inner", work,
             "--host-namespace", mount_namespace()], timeout=600).returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)
    after = fingerprint()
    changed = [path for path in before if before[path] != after.get(path)]
    changed += [path for path in after if path not in before]
    if changed:
        print("FAILED: the host's files changed: %s" % ", ".join(changed))
        return 1
    print("host files unchanged (sha256 of %d files before and after)" % len(before))
    return code


if __name__ == "__main__":
    sys.exit(main())
