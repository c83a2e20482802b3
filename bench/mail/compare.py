#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""compare.py MAIL_BENCH COUNT ROUNDS: run under with_servers.py --smtp (see run.sh).

Per round and per connection count (1 and 2): COUNT messages from the bare
client, then COUNT through the Mailer (sesam_mail_bench, one worker per
connection). Every run is checked at the sink: exactly COUNT more messages
stored. Prints each run and the medians.
"""

import multiprocessing
import os
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time

PORT = int(os.environ["SESAM_TEST_SMTP_PORT"])
MAIL_DIR = os.environ["SESAM_TEST_MAIL_DIR"]
SMTP_SOURCE = "/usr/sbin/smtp-source"


def stored():
    return sum(1 for name in os.listdir(MAIL_DIR) if name.endswith(".json"))


def _python_session(args):
    message, count, offset = args
    session = smtplib.SMTP("127.0.0.1", PORT)
    for i in range(count):
        session.sendmail("noreply@school.example", [f"bare{offset + i}@school.example"], message)
    session.quit()


def bare_python(message, count, sessions):
    share = [count // sessions + (1 if i < count % sessions else 0) for i in range(sessions)]
    offsets = [sum(share[:i]) for i in range(sessions)]
    with multiprocessing.Pool(sessions) as pool:
        start = time.monotonic()
        pool.map(_python_session, [(message, share[i], offsets[i]) for i in range(sessions)])
        return time.monotonic() - start


def bare_smtp_source(message_file, count, sessions):
    # -d: keep the connection for the next message; -F: send this file as the message.
    start = time.monotonic()
    subprocess.run([SMTP_SOURCE, "-d", "-c", "-m", str(count), "-s", str(sessions),
                    "-f", "noreply@school.example", "-t", "bare@school.example",
                    "-F", message_file, f"127.0.0.1:{PORT}"],
                   check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def pipeline(bench, count, workers):
    out = subprocess.run([bench, f"smtp://127.0.0.1:{PORT}", str(count), str(workers)],
                         check=True, capture_output=True, text=True).stdout
    fields = dict(item.split("=") for item in out.split())
    return float(fields["seconds"])


def measured(run, count):
    before = stored()
    seconds = run()
    delivered = stored() - before
    if delivered != count:
        raise SystemExit(f"expected {count} messages at the sink, got {delivered}")
    return count / seconds


def main():
    bench, count, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    workdir = tempfile.mkdtemp(prefix="sesam-mail-bench-")
    message_file = os.path.join(workdir, "reset.eml")
    subprocess.run([bench, "--dump", message_file], check=True)
    with open(message_file, "rb") as f:
        message = f.read()
    use_smtp_source = os.access(SMTP_SOURCE, os.X_OK)
    bare_name = "smtp-source" if use_smtp_source else "python-smtplib"
    print(f"bare client: {bare_name}; message: {len(message)} bytes; {count} messages per run")
    results = {}
    for round_number in range(1, rounds + 1):
        for connections in (1, 2):
            if use_smtp_source:
                bare = measured(lambda: bare_smtp_source(message_file, count, connections), count)
            else:
                bare = measured(lambda: bare_python(message, count, connections), count)
            ours = measured(lambda: pipeline(bench, count, connections), count)
            results.setdefault(connections, []).append((bare, ours))
            print(f"round {round_number} connections={connections}: bare {bare:.0f}/s, "
                  f"sesam {ours:.0f}/s ({100 * ours / bare:.0f}%)")
    for connections, pairs in results.items():
        bare = statistics.median(p[0] for p in pairs)
        ours = statistics.median(p[1] for p in pairs)
        ratio = statistics.median(p[1] / p[0] for p in pairs)
        print(f"median connections={connections}: bare {bare:.0f}/s, sesam {ours:.0f}/s, "
              f"per-round ratio {100 * ratio:.0f}%")
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
