#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""pam_sesam.so through real Linux-PAM: pamtester with pam_wrapper, as non-root.

pam_wrapper (Debian libpam-wrapper) lets pamtester read PAM service files
from a temporary directory; when the test runs as root, pamtester runs as
nobody (setpriv), so the module sees an ordinary user changing a password.

  pam_sesam_test.py --module M --blocklist B --localedir L [--valgrind]

--valgrind runs a set of scenarios under valgrind instead (memcheck: no
error, no leak).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ARGS = None
NOBODY = 65534
SECURITY = "/usr/lib/x86_64-linux-gnu/security"
WRAPPER_MODULES = "/usr/lib/x86_64-linux-gnu/pam_wrapper"


class Env:
    """A temporary PAM service directory and config, readable by nobody."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sesam-pam-")
        os.chmod(self.dir, 0o755)
        self.services = os.path.join(self.dir, "services")
        os.mkdir(self.services)
        os.chmod(self.services, 0o755)
        self.out = os.path.join(self.dir, "out")
        os.mkdir(self.out)
        os.chmod(self.out, 0o777)
        self.config = self.write("sesam.conf", "[policy]\nblocklist = %s\n" % ARGS.blocklist)

    def write(self, name, text, mode=0o644):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def service(self, name, *lines):
        path = os.path.join(self.services, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(path, 0o644)
        return name

    def sesam(self, *args, control="requisite", config=None):
        return "password %s %s config=%s %s" % (control, ARGS.module, config or self.config,
                                                 " ".join(args))

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, service, stdin, language=None, user="nobody", extra_env=None, as_root=False,
            valgrind=False, operation="chauthtok"):
        env = {
            "PATH": "/usr/bin:/bin",
            "LD_PRELOAD": "libpam_wrapper.so",
            "PAM_WRAPPER": "1",
            "PAM_WRAPPER_SERVICE_DIR": self.services,
            "SESAM_LOCALEDIR": ARGS.localedir,
            "LANG": "C.UTF-8",
        }
        if language:
            env["LANGUAGE"] = language
        env.update(extra_env or {})
        command = ["pamtester", service, user, operation]
        if valgrind:
            env["PAM_WRAPPER_DISABLE_DEEPBIND"] = "1"
            command = ["valgrind", "--error-exitcode=99", "--leak-check=full",
                       "--errors-for-leak-kinds=definite,indirect,possible",
                       "--show-leak-kinds=definite,indirect,possible"] + command
        if os.geteuid() == 0 and not as_root:
            command = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                       "--clear-groups"] + command
        data = stdin if isinstance(stdin, bytes) else stdin.encode("utf-8")
        done = subprocess.run(command, input=data, env=env, capture_output=True, timeout=120)
        return done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")


class PamSesamTest(unittest.TestCase):
    def setUp(self):
        self.env = Env()
        self.svc = self.env.service("sesam", self.env.sesam(),
                                    "password required %s/pam_permit.so" % SECURITY)

    def tearDown(self):
        self.env.cleanup()

    def assertRefused(self, rc, out, *texts):
        self.assertNotEqual(0, rc, out)
        for text in texts:
            self.assertIn(text, out)

    def test_acceptance_accepts_a_good_password(self):
        rc, out = self.env.run(self.svc, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugh\n", language="nl")
        self.assertEqual(0, rc, out)
        self.assertIn("successfully", out)
        self.assertIn("Nieuw wachtwoord: ", out)
        self.assertIn("Typ het nieuwe wachtwoord opnieuw: ", out)

    def test_acceptance_refusals_in_dutch(self):
        cases = {
            "abc": ["Minstens 8 tekens", "Minstens 3 van deze 4"],
            "abcdefgh": ["Minstens 3 van deze 4"],
            "abcdefg1": ["Minstens 3 van deze 4"],
            "Wachtwoord1": ["Geen bekend of gelekt wachtwoord"],
        }
        for password, messages in cases.items():
            with self.subTest(password=password):
                rc, out = self.env.run(self.svc, (password + "\n") * 6, language="nl")
                self.assertRefused(rc, out, "Wachtwoord geweigerd:", *messages)
                self.assertIn("Te veel pogingen", out)
                self.assertNotIn("Minstens 8 tekens", out) if password != "abc" else None

    def test_messages_in_french_and_english(self):
        rc, out = self.env.run(self.svc, "abc\n" * 3, language="fr")
        self.assertRefused(rc, out, "Mot de passe refusé :", "Au moins 8 caractères",
                           "Nouveau mot de passe : ")
        rc, out = self.env.run(self.svc, "abc\n" * 3, extra_env={"LANG": "C"})
        self.assertRefused(rc, out, "Password refused:", "At least 8 characters",
                           "New password: ")

    def test_peer_fault_ecole12_is_seven_characters(self):
        rc, out = self.env.run(self.svc, "École12\n" * 3)
        self.assertRefused(rc, out, "At least 8 characters")

    def test_retry_then_success_and_retry_limit(self):
        rc, out = self.env.run(self.svc, "abc\nXyzzy.Pl0ugh\nXyzzy.Pl0ugh\n")
        self.assertEqual(0, rc, out)
        self.assertIn("Please try again (2 left).", out)
        svc = self.env.service("retry1", self.env.sesam("retry=1"),
                               "password required %s/pam_permit.so" % SECURITY)
        rc, out = self.env.run(svc, "abc\nXyzzy.Pl0ugh\nXyzzy.Pl0ugh\n")
        self.assertRefused(rc, out, "Too many tries")
        self.assertEqual(1, out.count("New password: "), out)

    def test_peer_fault_mismatch_is_said(self):
        rc, out = self.env.run(self.svc, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugj\nXyzzy.Pl0ugh\nXyzzy.Pl0ugh\n")
        self.assertEqual(0, rc, out)
        self.assertIn("The two passwords are not the same.", out)

    def test_invalid_utf8_and_control_characters(self):
        rc, out = self.env.run(self.svc, b"Abcdef1!\xff\n" * 3)
        self.assertRefused(rc, out, "Only valid characters (UTF-8 text)")
        rc, out = self.env.run(self.svc, b"Abc\tdef1!\n" * 3)
        self.assertRefused(rc, out, "No control characters")

    def test_chains_to_the_next_module(self):
        # pam_get_items copies PAM_AUTHTOK into the PAM environment; pam_exec
        # hands that environment to a script that saves what it was given.
        saver = self.env.write("save.sh", '#!/bin/sh\nprintf %s "$PAM_AUTHTOK" > "$1"\n', 0o755)
        saw = os.path.join(self.env.out, "saw")
        svc = self.env.service("chain", self.env.sesam(),
                               "password required %s/pam_get_items.so" % WRAPPER_MODULES,
                               "password required %s/pam_exec.so %s %s" % (SECURITY, saver, saw))
        rc, out = self.env.run(svc, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugh\n")
        self.assertEqual(0, rc, out)
        with open(saw, encoding="utf-8") as f:
            self.assertEqual("Xyzzy.Pl0ugh", f.read())

    def test_use_authtok_from_an_earlier_module(self):
        # pam_set_items sets PAM_AUTHTOK from the environment, like an earlier
        # module that asked for the password.
        svc = self.env.service("given",
                               "password required %s/pam_set_items.so" % WRAPPER_MODULES,
                               self.env.sesam("use_authtok"),
                               "password required %s/pam_permit.so" % SECURITY)
        rc, out = self.env.run(svc, "", extra_env={"PAM_AUTHTOK": "Wachtwoord1"})
        self.assertRefused(rc, out, "Not a well-known or leaked password")
        self.assertNotIn("New password", out)
        rc, out = self.env.run(svc, "", extra_env={"PAM_AUTHTOK": "Xyzzy.Pl0ugh"})
        self.assertEqual(0, rc, out)

    def test_arguments_override_the_config(self):
        svc = self.env.service("long", self.env.sesam("min_length=15"),
                               "password required %s/pam_permit.so" % SECURITY)
        rc, out = self.env.run(svc, "Xyzzy.Pl0ugh\n" * 3)
        self.assertRefused(rc, out, "At least 15 characters")

    def test_bad_arguments_refuse_and_are_logged(self):
        for bad in ["min_lenght=8", "enforce_for_rot", "retry=zero", "min_classes=9"]:
            with self.subTest(argument=bad):
                svc = self.env.service("bad", self.env.sesam(bad),
                                       "password required %s/pam_permit.so" % SECURITY)
                rc, out = self.env.run(svc, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugh\n")
                self.assertRefused(rc, out, bad.split("=")[0])
                self.assertNotIn("successfully", out)

    def test_bad_config_refuses_naming_the_file(self):
        svc = self.env.service("noconf", self.env.sesam(config="/nonexistent/sesam.conf"),
                               "password required %s/pam_permit.so" % SECURITY)
        rc, out = self.env.run(svc, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugh\n")
        self.assertRefused(rc, out, "/nonexistent/sesam.conf")
        broken = self.env.write("broken.conf", "[policy]\nmin_length = many\n")
        svc = self.env.service("broken", self.env.sesam(config=broken),
                               "password required %s/pam_permit.so" % SECURITY)
        rc, out = self.env.run(svc, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugh\n")
        self.assertRefused(rc, out, "min_length")
        unreadable = self.env.write("unreadable.conf", "[policy]\n", 0o600)
        if os.geteuid() == 0:
            svc = self.env.service("unreadable", self.env.sesam(config=unreadable),
                                   "password required %s/pam_permit.so" % SECURITY)
            rc, out = self.env.run(svc, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugh\n")
            self.assertRefused(rc, out, unreadable)

    def test_peer_fault_missing_blocklist_names_the_file(self):
        conf = self.env.write("missing.conf", "[policy]\nblocklist = /nonexistent/leaked.txt\n")
        svc = self.env.service("missing", self.env.sesam(config=conf),
                               "password required %s/pam_permit.so" % SECURITY)
        rc, out = self.env.run(svc, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugh\n", language="nl")
        self.assertRefused(rc, out, "/nonexistent/leaked.txt", "beheerder")
        svc = self.env.service("optional", self.env.sesam("blocklist_optional=yes", config=conf),
                               "password required %s/pam_permit.so" % SECURITY)
        rc, out = self.env.run(svc, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugh\n")
        self.assertEqual(0, rc, out)

    def test_root_sees_warnings_unless_enforce_for_root(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to be root")
        rc, out = self.env.run(self.svc, "abc\nabc\n", as_root=True)
        self.assertEqual(0, rc, out)
        self.assertIn("At least 8 characters", out)
        self.assertIn("Accepted anyway", out)
        svc = self.env.service("enforced", self.env.sesam("enforce_for_root"),
                               "password required %s/pam_permit.so" % SECURITY)
        rc, out = self.env.run(svc, "abc\n" * 3, as_root=True)
        self.assertRefused(rc, out, "At least 8 characters", "Too many tries")

    def test_forced_change_of_an_expired_password_is_enforced_for_root(self):
        # login, sshd and display managers run as root when they force the
        # change of an expired password: the user chooses it, so no warn-only.
        if os.geteuid() != 0:
            self.skipTest("needs root to be root")
        forced = "chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)"
        rc, out = self.env.run(self.svc, "abc\n" * 3, as_root=True, operation=forced)
        self.assertRefused(rc, out, "At least 8 characters", "Too many tries")
        self.assertNotIn("Accepted anyway", out)
        self.assertNotIn("Retype new password", out)
        rc, out = self.env.run(self.svc, "abc\nXyzzy.Pl0ugh\nXyzzy.Pl0ugh\n", as_root=True,
                               operation=forced)
        self.assertEqual(0, rc, out)
        self.assertIn("Please try again (2 left).", out)
        # And for an ordinary user's own forced change, as before.
        rc, out = self.env.run(self.svc, "abc\n" * 3, operation=forced)
        self.assertRefused(rc, out, "At least 8 characters", "Too many tries")


class ModuleFileTest(unittest.TestCase):
    def test_exports_only_pam_sm(self):
        out = subprocess.run(["nm", "-D", "--defined-only", ARGS.module], capture_output=True,
                             text=True, check=True).stdout
        symbols = [line.split()[-1] for line in out.splitlines() if line.strip()]
        self.assertEqual(["pam_sm_chauthtok"], symbols)

    def test_links_no_network_library(self):
        out = subprocess.run(["ldd", ARGS.module], capture_output=True, text=True,
                             check=True).stdout
        for library in ["libldap", "liblber", "libcurl", "libfcgi", "libssl", "libcrypto"]:
            self.assertNotIn(library, out)


def run_valgrind():
    """Each scenario under memcheck: the expected PAM result, no error, no leak."""
    env = Env()
    try:
        permit = "password required %s/pam_permit.so" % SECURITY
        plain = env.service("plain", env.sesam(), permit)
        given = env.service("given", "password required %s/pam_set_items.so" % WRAPPER_MODULES,
                            env.sesam("use_authtok"), permit)
        bad = env.service("bad", env.sesam("min_lenght=8"), permit)
        scenarios = [
            ("accept", plain, "Xyzzy.Pl0ugh\nXyzzy.Pl0ugh\n", {}, True),
            ("refuse, retry, mismatch", plain, "abc\nXyzzy.Pl0ugh\nx\nWachtwoord1\n", {}, False),
            ("invalid UTF-8", plain, b"\xff\xfe\x00\n" * 3, {}, False),
            ("Dutch", plain, "abcdefg1\n" * 3, {"LANGUAGE": "nl"}, False),
            ("use_authtok", given, "", {"PAM_AUTHTOK": "Xyzzy.Pl0ugh"}, True),
            ("bad argument", bad, "", {}, False),
        ]
        failures = 0
        for name, svc, stdin, extra, ok in scenarios:
            rc, out = env.run(svc, stdin, extra_env=extra, valgrind=True)
            clean = rc != 99 and "ERROR SUMMARY: 0 errors" in out
            right = (rc == 0) == ok
            print("%-26s rc=%d %s" % (name, rc, "ok" if clean and right else "FAILED"))
            if not (clean and right):
                failures += 1
                print(out)
        return 1 if failures else 0
    finally:
        env.cleanup()


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", required=True)
    parser.add_argument("--blocklist", required=True)
    parser.add_argument("--localedir", required=True)
    parser.add_argument("--valgrind", action="store_true")
    ARGS, rest = parser.parse_known_args()
    ARGS.module = os.path.abspath(ARGS.module)
    ARGS.blocklist = os.path.abspath(ARGS.blocklist)
    ARGS.localedir = os.path.abspath(ARGS.localedir)
    if ARGS.valgrind:
        return run_valgrind()
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
