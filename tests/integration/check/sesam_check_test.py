#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`sesam check`: exit codes, every rule printed, --json, --batch, --user,
messages per language, config errors.

  sesam_check_test.py --sesam PATH --blocklist PATH --localedir PATH
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest

ARGS = None


class SesamCheckTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="sesam-check-")
        self.config = os.path.join(self.dir.name, "sesam.conf")
        with open(self.config, "w") as f:
            f.write("[policy]\nblocklist = %s\n" % ARGS.blocklist)

    def tearDown(self):
        self.dir.cleanup()

    def check(self, stdin, *args, language="en", config=None):
        env = {"PATH": "/usr/bin:/bin", "SESAM_LOCALEDIR": ARGS.localedir, "LANGUAGE": language}
        data = stdin if isinstance(stdin, bytes) else stdin.encode("utf-8")
        done = subprocess.run([ARGS.sesam, "check", "--config", config or self.config] + list(args),
                              input=data, env=env, capture_output=True, timeout=60)
        return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")

    def test_accepted_prints_every_rule(self):
        rc, out, _ = self.check("Xyzzy.Pl0ugh\n")
        self.assertEqual(0, rc, out)
        self.assertIn("✓ At least 8 characters", out)
        self.assertIn("✓ Not a well-known or leaked password", out)
        self.assertTrue(out.endswith("accepted\n"))

    def test_refused_prints_every_failed_rule(self):
        rc, out, _ = self.check("abc\n")
        self.assertEqual(1, rc, out)
        self.assertIn("✗ At least 8 characters", out)
        self.assertIn("✗ At least 3 of these 4", out)
        self.assertTrue(out.endswith("refused\n"))

    def test_dutch(self):
        rc, out, _ = self.check("Wachtwoord1\n", language="nl")
        self.assertEqual(1, rc)
        self.assertIn("✗ Geen bekend of gelekt wachtwoord", out)

    def test_json(self):
        rc, out, _ = self.check("École12\n", "--json", "--user", "COLE")
        self.assertEqual(1, rc)
        verdict = json.loads(out)
        self.assertFalse(verdict["accepted"])
        rules = {r["id"]: r for r in verdict["rules"]}
        self.assertFalse(rules["min_length"]["passed"])
        self.assertFalse(rules["username"]["passed"])  # case-insensitive
        self.assertTrue(rules["class_upper"]["informational"])

    def test_batch_one_line_each(self):
        rc, out, _ = self.check("Xyzzy.Pl0ugh\nabc\n\nWachtwoord1\r\nÉlève2024", "--batch")
        self.assertEqual(1, rc)
        self.assertEqual(["accepted", "refused: min_length,classes", "refused: min_length,classes",
                          "refused: blocklist", "accepted"], out.splitlines())
        rc, out, _ = self.check("Xyzzy.Pl0ugh\nÉlève2024\n", "--batch", "--json")
        self.assertEqual(0, rc)
        self.assertEqual([True, True], [json.loads(l)["accepted"] for l in out.splitlines()])

    def test_usage_and_config_errors_exit_2(self):
        rc, _, err = self.check("x\n", "--bogus")
        self.assertEqual(2, rc)
        rc, _, err = self.check("x\n", config="/nonexistent/sesam.conf")
        self.assertEqual(2, rc)
        self.assertIn("/nonexistent/sesam.conf", err)
        missing = os.path.join(self.dir.name, "missing.conf")
        with open(missing, "w") as f:
            f.write("[policy]\nblocklist = /nonexistent/leaked.txt\n")
        rc, _, err = self.check("Xyzzy.Pl0ugh\n", config=missing)
        self.assertEqual(2, rc)
        self.assertIn("/nonexistent/leaked.txt", err)
        rc, _, _ = self.check("Xyzzy.Pl0ugh\n", "positional")
        self.assertEqual(2, rc)

    def test_invalid_utf8(self):
        rc, out, _ = self.check(b"Abcdef1!\xff\n", "--json")
        self.assertEqual(1, rc)
        rules = {r["id"]: r for r in json.loads(out)["rules"]}
        self.assertFalse(rules["utf8"]["passed"])


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--sesam", required=True)
    parser.add_argument("--blocklist", required=True)
    parser.add_argument("--localedir", required=True)
    ARGS, rest = parser.parse_known_args()
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
