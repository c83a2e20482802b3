#!/usr/bin/python3
"""bench/web/run.py [--build DIR] [--connections 64] [--duration 10]

Benchmarks sesam-fcgi through nginx with wrk, against real slapd and the SMTP
sink, all in one run so the numbers compare with each other:

  POST forgot  known user, right address (a mail round is queued)
  POST forgot  unknown user
  POST forgot  known user, wrong address
  GET  otp/<token>
  bare libldap searches on the same slapd (sesam_bench_ldap): the ceiling
  the mail pipeline (sesam_bench_mail) against a bare SMTP client (smtplib,
  one connection per worker) sending the same number of messages to the same
  SMTP sink

Prints a Markdown table for docs/PERFORMANCE.md. Other work on the machine
skews the numbers; compare rows of one run, not runs.
"""

import argparse
import concurrent.futures
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "integration", "web"))

WRK_POST = """
wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "{cookie}"
"""

LATENCY = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50=%.3f p99=%.3f errors=%d non2xx3xx=%d\\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.errors.status))
end
"""


def wrk(url, script, connections, duration):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + LATENCY)
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s",
                          "-s", lua.name, url], capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    match = re.search(r"RESULT rps=([\d.]+) p50=([\d.]+) p99=([\d.]+) errors=(\d+) non2xx3xx=(\d+)", out)
    return {"rps": float(match[1]), "p50": float(match[2]), "p99": float(match[3]),
            "errors": int(match[4]), "bad_status": int(match[5])}


def bare_smtp(port, count, workers):
    body = ("Subject: bench\r\n\r\n" + "x" * 900 + "\r\n").encode()

    def send(share):
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for i in range(share):
                smtp.sendmail("noreply@school.test", [f"bare{i}@school.test"], body)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(send, [count // workers] * workers))
    return count / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(TOP, "build"))
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--mail-count", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("SESAM_FCGI", os.path.join(args.build, "web_cgi", "sesam-fcgi"))
    os.environ.setdefault("SESAM_WEB_DATADIR", os.path.join(args.build, "share", "sesam"))
    os.environ.setdefault("SESAM_LOCALEDIR", os.path.join(args.build, "locale"))

    from sesam_harness.slapd import Slapd
    from sesam_harness.smtp import SmtpSink
    from sesam_harness.web import Web

    workdir = tempfile.mkdtemp(prefix="sesam-bench-")
    env = dict(os.environ, SESAM_TEST_WORKDIR=workdir)
    with Slapd(workdir) as slapd:
        env.update(slapd.env())
        with SmtpSink(workdir) as smtp:
            env.update(smtp.env())
            with Web(workdir, env, threads=8,
                     overrides={("web", "ip_limit"): "1000000/1s"}) as web:
                env.update(web.env())
                os.environ.update(env)
                import webtest
                # One account per path, so one path's reset rounds never touch another's.
                known, _ = webtest.add_account(own=["bench@school.test"], prefix="bench")
                wrong, _ = webtest.add_account(own=["wrong.bench@school.test"], prefix="bench")
                linked, _ = webtest.add_account(own=["link@school.test"], prefix="bench")
                browser = webtest.Browser()
                csrf = browser.get("forgot").csrf()
                cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
                mailbox = webtest.Mailbox()
                browser.post("forgot", {"username": linked, "email": "link@school.test",
                                        "csrf": csrf})
                link = webtest.link_path(webtest.link_of(mailbox.wait(1)[0]))
                url = f"http://127.0.0.1:{web.port}"
                rows = [("GET otp/<token>", wrk(url + link, "", args.connections, args.duration))]
                for name, user, address in (("POST forgot, unknown user", "nobody.bench", "bench@school.test"),
                                            ("POST forgot, known user, wrong address", wrong, "bench@school.test"),
                                            ("POST forgot, known user, right address", known, "bench@school.test")):
                    body = f"username={user}&email={address.replace('@', '%40')}&csrf={csrf}"
                    rows.append((name, wrk(url + "/sesam/forgot", WRK_POST.format(body=body, cookie=cookie),
                                           args.connections, args.duration)))
                    time.sleep(3)  # let the reset workers drain between paths
                ldap = subprocess.run(
                    [os.path.join(args.build, "bench", "web", "sesam_bench_ldap"), env["SESAM_TEST_LDAP_URI"],
                     env["SESAM_TEST_LDAP_BIND_DN"], env["SESAM_TEST_LDAP_BIND_PASSWORD_FILE"],
                     webtest.people_base(), f"(&(objectClass=inetOrgPerson)(uid={known}))", "8",
                     str(args.duration)], capture_output=True, text=True, check=True).stdout
                searches = float(ldap.split()[1])
                mail = subprocess.run([os.path.join(args.build, "bench", "web", "sesam_bench_mail"),
                                       env["SESAM_TEST_WEB_CONFIG"], str(args.mail_count)],
                                      capture_output=True, text=True, check=True).stdout
                pipeline = float(mail.split()[1])
                bare = bare_smtp(int(env["SESAM_TEST_SMTP_PORT"]), args.mail_count, 2)

    print(f"| path ({args.connections} connections, {args.duration} s) | requests/s | % of bare searches | p50 ms | p99 ms | errors |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in rows:
        print(f"| {name} | {r['rps']:.0f} | {100 * r['rps'] / searches:.0f}% | {r['p50']:.2f} | "
              f"{r['p99']:.2f} | {r['errors'] + r['bad_status']} |")
    print(f"| bare libldap searches (8 threads) | {searches:.0f} | 100% | | | |")
    print()
    print(f"| mail | messages/s |")
    print("| --- | --- |")
    print(f"| sesam mail pipeline ({args.mail_count} messages) | {pipeline:.0f} ({100 * pipeline / bare:.0f}% of bare) |")
    print(f"| bare SMTP client, 2 connections | {bare:.0f} |")
    subprocess.run(["rm", "-rf", workdir], check=False)


if __name__ == "__main__":
    main()
