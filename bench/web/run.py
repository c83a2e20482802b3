#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/web/run.py [--build DIR] [--connections 64] [--duration 8] [--repeat 3]
                   [--floor-threads 8,16,32,64] [--pool 4[,8...]] [--long-flood 600]
                   [--parts mail,ceiling,floor,paths,limited,long,change]
                   [--class-size 30] [--change-rounds 5] [--change-notice all]

Benchmarks sesam-fcgi through nginx with wrk, against real slapd and the SMTP
sink, all in one run so the numbers compare with each other. In this order:

  the mail pipeline (sesam_bench_mail) and a bare SMTP client (smtplib, one
      connection per worker) sending messages of the same size to the same
      SMTP sink, alternately, three times each after an uncounted warm-up,
      while nothing else runs
  bare libldap searches on the same slapd (sesam_bench_ldap): the ceiling
  the floor (sesam_bench_fcgi_floor behind the same nginx): a libfcgi
      responder that only returns a page as large as the change form, then
      one that also does one bare libldap search per request (one blocking
      connection per thread) at each of --floor-threads responder threads,
      then one whose 64 threads share --pool connections (each of a
      comma-separated list) and multiplex their searches on them
      (ldap_search_ext + ldap_result); what any
      nginx + libfcgi + libldap design could reach here, the best of them
      being the ceiling for GET otp
  GET  otp/<token>
  POST forgot  unknown user
  POST forgot  a different unknown user in every request (nothing to merge)
  POST forgot  known user, wrong address
  POST forgot  known user, right address (a mail round each time the account
               has none waiting; every request is a round: account_limit is
               lifted for the benchmark)
  POST forgot  the same with the shipped account_limit (3/1h): three rounds,
               then only lookups (a second sesam-fcgi, same slapd and sink)

  a long flood (--long-flood seconds, 0 skips it) on a sesam-fcgi of its
      own with the shipped limits (ip_limit 20/10m, limit_clients 100000)
      and [web] trusted_proxies = 127.0.0.1: POST forgot from a different
      client /64 (X-Forwarded-For, as behind a school's reverse proxy) and
      for a different user in every request, so ip_limit's store fills up to
      limit_clients and evicts; that sesam-fcgi's RSS is sampled every 10 s

  the change page under a class at once (--parts change): --class-size
      accounts (shipped ppolicy of the slapd harness), each pupil a client
      of its own through nginx (X-Forwarded-For from a trusted proxy, the
      shipped change_ip_limit, change_account_limit and recipient_limit)
      GETs the change form, then all POST their change at the same moment
      (a barrier), --change-rounds times, each round to a new password; then
      the same accounts changed by as many bare libldap clients
      (sesam_bench_change): a bind as the account plus the Password Modify
      exop, then every directory request the page makes. Per round and in
      all: the POST's p50, p99 and max, the class's wall time, changes/s

sesam-fcgi's resident set (VmRSS) is recorded idle at start, before and
after the floods, and sampled every 0.2 s under each wrk run (the peak is
reported), so memory growth shows next to every path.

Each wrk path runs --repeat times; the run with the median rate is reported.
Before each run the script waits until sesam-fcgi's background work (reset
rounds and mail) is idle, so one path's backlog never runs during another's.
What the background did during each path's runs (rounds mailed, no match,
merged, dropped) is counted from sesam-fcgi's audit log.

Prints Markdown tables for docs/PERFORMANCE.md. Other work on the machine
skews the numbers; compare rows of one run, not runs.
"""

import argparse
import concurrent.futures
import os
import re
import shlex
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
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

WRK_SPRAY = """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, "username=spray." .. tid .. "." .. counter ..
                    "&email=bench%40school.test&csrf={csrf}")
end
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


def bare_smtp(port, count, workers, size):
    body = ("Subject: bench\r\n\r\n" + ("x" * 76 + "\r\n") * (size // 78)).encode()

    def send(share):
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for i in range(share):
                smtp.sendmail("noreply@school.test", [f"bare{i}@school.test"], body)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(send, [count // workers] * workers))
    return count / (time.perf_counter() - start)


def rss_kib(pid):
    """The resident set of process `pid` (VmRSS, KiB), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples a process's RSS in a thread while the `with` block runs."""

    def __init__(self, pid, interval=0.2):
        self.pid, self.interval, self.samples = pid, interval, []
        self._stop = threading.Event()

    def _run(self):
        start = time.monotonic()
        while not self._stop.is_set():
            self.samples.append((time.monotonic() - start, rss_kib(self.pid)))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.samples.append((self.samples[-1][0] if self.samples else 0, rss_kib(self.pid)))
        return False

    def peak(self):
        return max((kib for _, kib in self.samples), default=0)


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def wait_idle(log_path, mail_dir, quiet=1.5, limit=180.0):
    """Waits until sesam-fcgi's log and the sink's mail folder stop growing for
    `quiet` seconds: the reset workers and the mail queue are idle. Returns the
    seconds waited."""
    start = time.monotonic()
    last = None
    still_since = start
    while time.monotonic() - start < limit:
        now = (file_size(log_path), len(os.listdir(mail_dir)))
        if now != last:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= quiet:
            break
        time.sleep(0.25)
    return time.monotonic() - start


def background_outcomes(log_text):
    """What the reset workers did, from the audit lines of one path's runs."""
    count = lambda pattern: len(re.findall(pattern, log_text))
    merged = sum(int(n) for n in re.findall(r"(\d+) identical request\(s\) merged", log_text))
    dropped = re.findall(r"reset request dropped: .*?\((\d+) dropped so far\)", log_text)
    return {"mailed": count(r"\bmailed \d+ address"), "no_match": count(r"no match \("),
            "limited": count(r": limited \("), "failed": count(r": failed \("),
            "merged": merged, "dropped_lines": len(dropped)}


def floor_web_class():
    """A Web (nginx as for sesam-fcgi) whose FastCGI server is sesam_bench_fcgi_floor."""
    from sesam_harness.common import start
    from sesam_harness.web import Web, _wait_for_socket

    class FloorWeb(Web):
        def __init__(self, workdir, env, name, argv, threads):
            super().__init__(workdir, env, name=name, threads=threads)
            self.argv = argv

        def _start_fcgi(self, i):
            if os.path.exists(self.sockets[i]):
                os.unlink(self.sockets[i])
            process = start([self.argv[0], self.sockets[i], str(self.threads)] + self.argv[1:],
                            self.logs[i])
            _wait_for_socket(self.sockets[i], process, log_path=self.logs[i])
            return process

    return FloorWeb


# Every request from another client (an IPv6 /64 of its own) and for another
# user: nothing merges, every request is a new entry for the limiters.
WRK_CLIENTS = """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
request = function()
  counter = counter + 1
  -- 2001:TID:HIGH:LOW::1, its /64 (the limiters' client key) new every time
  wrk.headers["X-Forwarded-For"] = string.format("2001:%x:%x:%x::1", tid,
                                                 math.floor(counter / 65536), counter % 65536)
  return wrk.format(nil, nil, nil, "username=flood." .. tid .. "." .. counter ..
                    "&email=bench%40school.test&csrf={csrf}")
end
"""


def median_run(runs):
    return sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]


def flood(pid, target, script, args, duration=None):
    """One wrk run with sesam-fcgi's RSS sampled under it."""
    with RssSampler(pid) as sampler:
        result = wrk(target, script, args.connections, duration or args.duration)
    result["rss_peak"] = sampler.peak()
    return result


def percentile(values, share):
    """Nearest rank: the smallest value with at least `share` of them at or below it
    (with 30 values, p99 is the largest)."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * share // 100) - 1)] if ordered else 0.0


def change_class(args, env, workdir, mail_dir):
    """--parts change: a class of --class-size pupils changing their passwords on
    the change page at once, --change-rounds times, against the same accounts
    changed by bare libldap clients (sesam_bench_change: a bind as the account
    and the Password Modify exop; then every directory request of the page).
    Returns the lines of its report."""
    import webtest
    from sesam_harness.slapd import ssha
    from sesam_harness.web import Web

    size, rounds = args.class_size, args.change_rounds
    tag = os.urandom(3).hex()
    # Every password new to the account (pwdInHistory 5) and to Sesam's rules:
    # four classes, no name of the account, and never the same twice.
    def password(number, step):
        return f"Term{step:02d}-Zq{number:02d}-{tag}!"

    people = webtest.people_base()
    accounts = [(f"klas.{number:02d}.{tag}", f"uid=klas.{number:02d}.{tag},{people}")
                for number in range(size)]
    # A pupil with an own address and a parent's: the change notice goes to both,
    # queued on the request's thread like in a school (recipient_limit 5/1h
    # shipped: the notices of rounds 6 and on are skipped and logged).
    ldif = "\n".join(
        f"dn: {dn}\nobjectClass: inetOrgPerson\nobjectClass: sesamAccount\nuid: {uid}\n"
        f"cn: Pupil Test\nsn: Test\ngivenName: Pupil\nmail: {uid}@school.test\n"
        f"sesamCoAccountMail: ouder.{uid}@example.test\nuserPassword: {ssha(password(n, 0))}\n"
        for n, (uid, dn) in enumerate(accounts))
    subprocess.run(["ldapadd", "-x", "-H", env["SESAM_TEST_LDAP_URI"], "-D",
                    env["SESAM_TEST_LDAP_ADMIN_DN"], "-w", env["SESAM_TEST_LDAP_ADMIN_PASSWORD"]],
                   input=ldif, text=True, check=True, capture_output=True)

    # The shipped change_ip_limit (30/10m per client), change_account_limit and
    # recipient_limit (the harness lifts them), and every pupil behind a
    # trusted proxy at an address of its own (X-Forwarded-For): a class behind
    # one NAT address would spend the whole change_ip_limit in one round.
    shipped = {("web", key): None for key in ("change_ip_limit", "change_account_limit",
                                              "recipient_limit")}
    shipped[("web", "trusted_proxies")] = "127.0.0.1"
    shipped[("mail", "change_notice")] = args.change_notice
    report = []
    web_rounds, bare_runs = [], {}
    with Web(workdir, env, name="change", threads=8, overrides=shipped) as web:
        log_path = web.logs[0]
        for step in range(1, rounds + 1):
            wait_idle(log_path, mail_dir)
            barrier = threading.Barrier(size)
            results = [None] * size

            def pupil(number):
                uid, _ = accounts[number]
                browser = webtest.Browser(base_url=web.base_url, port=web.port)
                # The pupil's own device, the same in every round.
                forwarded = {"X-Forwarded-For": f"10.20.{number // 250}.{number % 250 + 1}"}
                form = browser.get("change", headers=forwarded)
                fields = {"username": uid, "current": password(number, step - 1),
                          "password": password(number, step),
                          "password2": password(number, step), "csrf": form.csrf()}
                barrier.wait(timeout=120)
                started = time.perf_counter()
                reply = browser.post("change", fields, headers=forwarded)
                results[number] = (started, time.perf_counter(), reply.status)

            with concurrent.futures.ThreadPoolExecutor(size) as pool:
                list(pool.map(pupil, range(size)))
            wall = max(r[1] for r in results) - min(r[0] for r in results)
            latencies = [1000 * (r[1] - r[0]) for r in results]
            refused = sum(1 for r in results if r[2] != 303)
            web_rounds.append((wall, latencies, refused))
        wait_idle(log_path, mail_dir)
        with open(log_path, errors="replace") as log:
            text = log.read()
        changed = len(re.findall(r"password changed for user '.*\(change page", text))
        notices = sum(int(n) for n in re.findall(r"change notice for .*: queued (\d+) of", text))

    # The same accounts, from the passwords the page left, by bare clients,
    # after one uncounted round, so that neither variant pays for slapd's
    # first 30 concurrent connections.
    bench_change = os.path.join(args.build, "bench", "web", "sesam_bench_change")
    step = rounds
    for mode in ("warm-up", "bindwrite", "page"):
        count = 1 if mode == "warm-up" else rounds
        lines = []
        for number, (uid, dn) in enumerate(accounts):
            lines.append("\t".join([dn, uid] + [password(number, step + k)
                                               for k in range(count + 1)]))
        step += count
        accounts_file = os.path.join(workdir, f"change-{mode}.tsv")
        with open(accounts_file, "w") as f:
            f.write("\n".join(lines) + "\n")
        out = subprocess.run([bench_change, env["SESAM_TEST_LDAP_URI"],
                              env["SESAM_TEST_LDAP_BIND_DN"],
                              env["SESAM_TEST_LDAP_BIND_PASSWORD_FILE"], people, accounts_file,
                              "bindwrite" if mode == "warm-up" else mode],
                             capture_output=True, text=True)
        runs = []
        for match in re.finditer(r"round \d+ wall_ms ([\d.]+) not_changed (\d+) "
                                 r"latencies_ms ([\d.,]+)", out.stdout):
            runs.append((float(match[1]) / 1000, [float(x) for x in match[3].split(",")],
                         int(match[2])))
        if out.returncode:
            report.append(f"sesam_bench_change {mode} failed: {out.stderr.strip()[:500]}")
        bare_runs[mode] = runs

    def rate(run):
        return len(run[1]) / run[0] if run[0] else 0.0

    def overall(runs):
        every = [ms for _, latencies, _ in runs for ms in latencies]
        wall = sum(w for w, _, _ in runs)
        return (wall, every, sum(r for _, _, r in runs))

    report.append(f"| change page, a class of {size} at once (round) | wall ms | changes/s | "
                  f"p50 ms | p99 ms | max ms | not changed (page: not 303) |")
    report.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    named = [("page", n + 1, r) for n, r in enumerate(web_rounds)]
    named += [(f"bare {mode}", n + 1, r) for mode in ("bindwrite", "page")
              for n, r in enumerate(bare_runs[mode])]
    for who, number, run in named:
        wall, latencies, refused = run
        report.append(f"| {who}, round {number} | {1000 * wall:.0f} | {rate(run):.0f} | "
                      f"{percentile(latencies, 50):.1f} | {percentile(latencies, 99):.1f} | "
                      f"{max(latencies):.1f} | {refused} |")
    totals = [("sesam-fcgi change page (8 threads), through nginx", overall(web_rounds))]
    totals += [(label, overall(bare_runs[mode])) for mode, label in (
        ("bindwrite", "bare: bind as the account + Password Modify exop"),
        ("page", "bare: account search + bind + policy read + exop (all the page asks)"))
        if bare_runs[mode]]
    report.append("")
    report.append(f"| all {rounds} rounds, {size} clients | changes/s | % of bare bind + write | "
                  f"p50 ms | p99 ms | max ms | not changed |")
    report.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    reference = rate(totals[1][1]) if len(totals) > 1 else 0.0
    for label, run in totals:
        wall, latencies, refused = run
        share = f"{100 * rate(run) / reference:.0f}%" if reference else "–"
        report.append(f"| {label} | {rate(run):.0f} | {share} | {percentile(latencies, 50):.1f} | "
                      f"{percentile(latencies, 99):.1f} | {max(latencies):.1f} | {refused} |")
    report.append("")
    report.append(f"Change page: {changed} of {size * rounds} changes logged, "
                  f"{notices} change notices queued; p99 target (< 1000 ms): "
                  f"{'met' if percentile(overall(web_rounds)[1], 99) < 1000 else 'NOT met'}.")
    return report


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(TOP, "build"))
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mail-count", type=int, default=2000)
    parser.add_argument("--floor-threads", default="8,16,32,64",
                        help="responder threads of the floor with one blocking search each")
    parser.add_argument("--pool", default="4",
                        help="connections the multiplexing floor shares among 64 threads "
                             "(a comma-separated list measures each)")
    parser.add_argument("--long-flood", type=int, default=600,
                        help="seconds of the memory flood (0: skip it)")
    parser.add_argument("--long-wrapper", default="",
                        help="argv put before the long flood's sesam-fcgi, which it must exec "
                             "(e.g. env LD_PRELOAD=/usr/lib/heaptrack/libheaptrack_preload.so "
                             "DUMP_HEAPTRACK_OUTPUT=FILE for a heap profile)")
    parser.add_argument("--class-size", type=int, default=30,
                        help="--parts change: pupils changing their password at once")
    parser.add_argument("--change-rounds", type=int, default=5,
                        help="--parts change: rounds of the class, and of each bare variant")
    parser.add_argument("--change-notice", default="all", choices=("all", "own", "off"),
                        help="--parts change: [mail] change_notice (shipped: all)")
    parser.add_argument("--parts", default="mail,ceiling,floor,paths,limited,long,change",
                        help="comma-separated subset to run")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if args.long_flood <= 0:
        parts.discard("long")
    os.environ.setdefault("SESAM_FCGI", os.path.join(args.build, "web_cgi", "sesam-fcgi"))
    os.environ.setdefault("SESAM_WEB_DATADIR", os.path.join(args.build, "share", "sesam"))
    os.environ.setdefault("SESAM_LOCALEDIR", os.path.join(args.build, "locale"))

    from sesam_harness.slapd import Slapd
    from sesam_harness.smtp import SmtpSink
    from sesam_harness.web import Web

    print(f"# bench/web/run.py {' '.join(sys.argv[1:])}: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    workdir = tempfile.mkdtemp(prefix="sesam-bench-")
    env = dict(os.environ, SESAM_TEST_WORKDIR=workdir)
    rows, floors, memory, long_samples, change_report = [], [], [], [], []
    searches, pipeline, bare, size = None, None, None, 0
    pipeline_runs, bare_runs, evictions = [], [], 0
    # The sink stores each message without parsing it: the benchmark measures
    # SMTP intake, not Python's MIME parser.
    with Slapd(workdir) as slapd:
        env.update(slapd.env())
        with SmtpSink(workdir, describe=False) as smtp:
            env.update(smtp.env())
            with Web(workdir, env, threads=8,
                     overrides={("web", "ip_limit"): "1000000/1s"}) as web:
                env.update(web.env())
                os.environ.update(env)
                import webtest
                pid = web.fcgi[0].pid
                memory.append(("idle, just started", rss_kib(pid)))
                mail_dir = env["SESAM_TEST_MAIL_DIR"]
                log_path = env["SESAM_TEST_WEB_LOG"].split(":")[0]

                # -- mail, first, while nothing else runs --------------------
                bench_mail = os.path.join(args.build, "bench", "web", "sesam_bench_mail")
                # A first, uncounted round of each warms up the sink (and the page cache).
                for counted in ((False, True, True, True) if "mail" in parts else ()):
                    count = args.mail_count if counted else args.mail_count // 4
                    mail = subprocess.run([bench_mail, env["SESAM_TEST_WEB_CONFIG"], str(count)],
                                          capture_output=True, text=True, check=True).stdout
                    if not size:
                        emls = sorted(f for f in os.listdir(mail_dir) if f.endswith(".eml"))
                        size = os.path.getsize(os.path.join(mail_dir, emls[-1]))
                    bare_rate = bare_smtp(int(env["SESAM_TEST_SMTP_PORT"]), count, 2, size)
                    if counted:
                        pipeline_runs.append(float(mail.split()[1]))
                        bare_runs.append(bare_rate)
                if pipeline_runs:
                    pipeline, bare = statistics.median(pipeline_runs), statistics.median(bare_runs)

                # -- the ceiling: bare searches on the same slapd ------------
                known, _ = webtest.add_account(own=["bench@school.test"], prefix="bench")
                wrong, _ = webtest.add_account(own=["wrong.bench@school.test"], prefix="bench")
                linked, _ = webtest.add_account(own=["link@school.test"], prefix="bench")
                if "ceiling" in parts:
                    ldap = subprocess.run(
                        [os.path.join(args.build, "bench", "web", "sesam_bench_ldap"),
                         env["SESAM_TEST_LDAP_URI"], env["SESAM_TEST_LDAP_BIND_DN"],
                         env["SESAM_TEST_LDAP_BIND_PASSWORD_FILE"], webtest.people_base(),
                         f"(&(objectClass=inetOrgPerson)(uid={known}))", "8",
                         str(args.duration)], capture_output=True, text=True, check=True).stdout
                    searches = float(ldap.split()[1])

                # -- the web paths --------------------------------------------
                browser = webtest.Browser()
                csrf = browser.get("forgot").csrf()
                cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
                mailbox = webtest.Mailbox()
                browser.post("forgot", {"username": linked, "email": "link@school.test",
                                        "csrf": csrf})
                link = webtest.link_path(webtest.link_of(mailbox.wait(1)[0]))
                page_bytes = len(browser.get(link).body.encode())
                url = f"http://127.0.0.1:{web.port}"
                wait_idle(log_path, mail_dir)
                memory.append(("idle, before the floods", rss_kib(pid)))

                # -- the floor: nginx + a libfcgi responder -------------------
                floor_bin = os.path.join(args.build, "bench", "web", "sesam_bench_fcgi_floor")
                search_args = [env["SESAM_TEST_LDAP_URI"], env["SESAM_TEST_LDAP_BIND_DN"],
                               env["SESAM_TEST_LDAP_BIND_PASSWORD_FILE"], webtest.people_base(),
                               f"(&(objectClass=inetOrgPerson)(uid={known}))"]
                variants = [(f"floor: nginx + libfcgi, a fixed {page_bytes}-byte page", 8, [])]
                for threads in (int(t) for t in args.floor_threads.split(",")):
                    variants.append((f"floor + one blocking libldap search per request, "
                                     f"{threads} threads", threads, search_args))
                for pool in (int(p) for p in args.pool.split(",")):
                    variants.append((f"floor + one search per request, 64 threads multiplexed on "
                                     f"{pool} pooled connections (ldap_search_ext + ldap_result)",
                                     64, search_args + [str(pool)]))
                FloorWeb = floor_web_class()
                for name, threads, extra in (variants if "floor" in parts else ()):
                    with FloorWeb(workdir, env, f"floor{len(floors)}",
                                  [floor_bin, str(page_bytes)] + extra, threads=threads) as floor:
                        runs = [flood(floor.fcgi[0].pid, f"http://127.0.0.1:{floor.port}/sesam/page",
                                      "", args) for _ in range(args.repeat)]
                    floors.append((name, median_run(runs), runs))

                paths = [("GET otp/<token>", url + link, "")]
                for name, user, address in (("POST forgot, unknown user", "nobody.bench", "bench@school.test"),
                                            ("POST forgot, known user, wrong address", wrong, "bench@school.test"),
                                            ("POST forgot, known user, right address", known, "bench@school.test")):
                    body = f"username={user}&email={address.replace('@', '%40')}&csrf={csrf}"
                    paths.append((name, url + "/sesam/forgot", WRK_POST.format(body=body, cookie=cookie)))
                # A flood that never repeats itself (an attacker spraying names): no
                # request can be merged, each one costs the background a lookup.
                sprayed = WRK_POST.format(body="", cookie=cookie) + WRK_SPRAY.format(csrf=csrf)
                paths.insert(2, ("POST forgot, a different unknown user each time",
                                 url + "/sesam/forgot", sprayed))
                for name, target, script in (paths if "paths" in parts else ()):
                    runs, waited = [], 0.0
                    log_start = file_size(log_path)
                    for _ in range(args.repeat):
                        waited += wait_idle(log_path, mail_dir)
                        runs.append(flood(pid, target, script, args))
                    waited += wait_idle(log_path, mail_dir)
                    with open(log_path, errors="replace") as log:
                        log.seek(log_start)
                        outcomes = background_outcomes(log.read())
                    rows.append((name, median_run(runs), runs, outcomes, waited))
                    memory.append((f"after {name}, idle again", rss_kib(pid)))

                # -- memory: a long flood from ever new clients ---------------
                if "long" in parts:
                    wait_idle(log_path, mail_dir)
                    with Web(workdir, env, name="long", threads=8,
                             overrides={("web", "trusted_proxies"): "127.0.0.1"},
                             wrapper=shlex.split(args.long_wrapper)) as long_web:
                        long_pid, long_log = long_web.fcgi[0].pid, long_web.logs[0]
                        long_browser = webtest.Browser(base_url=long_web.base_url,
                                                       port=long_web.port)
                        long_csrf = long_browser.get("forgot").csrf()
                        long_cookie = "; ".join(f"{k}={v}"
                                                for k, v in long_browser.cookies.items())
                        wait_idle(long_log, mail_dir)
                        before = rss_kib(long_pid)
                        memory.append(("long-flood process (shipped limits), idle", before))
                        script = (WRK_POST.format(body="", cookie=long_cookie) +
                                  WRK_CLIENTS.format(csrf=long_csrf))
                        with RssSampler(long_pid, interval=10) as sampler:
                            result = wrk(f"http://127.0.0.1:{long_web.port}/sesam/forgot", script,
                                         args.connections, args.long_flood)
                        result["rss_peak"] = sampler.peak()
                        waited = wait_idle(long_log, mail_dir, limit=600)
                        with open(long_log, errors="replace") as log:
                            evictions = len(re.findall(r"clients in memory \(\[web\] limit_clients\)",
                                                       log.read()))
                        # Growth against the idle RSS; the sampler's last sample (taken
                        # as wrk returned) repeats the time of the one before it.
                        long_samples = [(0, before)] + [
                            (t, k) for n, (t, k) in enumerate(sampler.samples)
                            if k and t >= 1 and t > sampler.samples[n - 1][0]]
                        if long_samples[-1][0] < args.long_flood - 1:
                            long_samples.append((args.long_flood, sampler.samples[-1][1]))
                        memory.append(("long-flood process, idle again after it",
                                       rss_kib(long_pid)))
                        rows.append((f"long flood: POST forgot, a new client /64 and user each "
                                     f"time, {args.long_flood} s (shipped limits)", result,
                                     [result], None, waited))

                # The right-address flood again, under the shipped account_limit
                # (3/1h): three rounds, then lookups only, as in a real school.
                if "limited" in parts:
                    limited_user, _ = webtest.add_account(own=["limited@school.test"], prefix="bench")
                    with Web(workdir, env, name="limited", threads=8,
                             overrides={("web", "ip_limit"): "1000000/1s",
                                        ("web", "account_limit"): "3/1h"}) as limited:
                        limited_browser = webtest.Browser(base_url=limited.base_url, port=limited.port)
                        limited_csrf = limited_browser.get("forgot").csrf()
                        limited_cookie = "; ".join(f"{k}={v}" for k, v in limited_browser.cookies.items())
                        body = f"username={limited_user}&email=limited%40school.test&csrf={limited_csrf}"
                        script = WRK_POST.format(body=body, cookie=limited_cookie)
                        limited_log = limited.logs[0]
                        runs, waited = [], 0.0
                        for _ in range(args.repeat):
                            waited += wait_idle(limited_log, mail_dir)
                            runs.append(flood(limited.fcgi[0].pid,
                                              f"http://127.0.0.1:{limited.port}/sesam/forgot",
                                              script, args))
                        waited += wait_idle(limited_log, mail_dir)
                        with open(limited_log, errors="replace") as log:
                            outcomes = background_outcomes(log.read())
                        rows.append(("POST forgot, known user, right address, account_limit 3/1h",
                                     median_run(runs), runs, outcomes, waited))

                if "change" in parts:
                    wait_idle(log_path, mail_dir)
                    change_report = change_class(args, env, workdir, mail_dir)

    def percent(rate):
        return f"{100 * rate / searches:.0f}%" if searches else "–"

    print(f"| path ({args.connections} connections, {args.duration} s, median of {args.repeat}) "
          f"| requests/s | % of bare searches | p50 ms | p99 ms | errors | sesam-fcgi peak RSS KiB "
          f"| all runs (requests/s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, r, runs, _, _ in rows:
        print(f"| {name} | {r['rps']:.0f} | {percent(r['rps'])} | {r['p50']:.2f} | "
              f"{r['p99']:.2f} | {r['errors'] + r['bad_status']} | {r.get('rss_peak', '')} | "
              f"{' / '.join(str(round(x['rps'])) for x in runs)} |")
    for name, r, runs in floors:
        print(f"| {name} | {r['rps']:.0f} | {percent(r['rps'])} | {r['p50']:.2f} | "
              f"{r['p99']:.2f} | {r['errors'] + r['bad_status']} | (floor: {r['rss_peak']}) | "
              f"{' / '.join(str(round(x['rps'])) for x in runs)} |")
    if searches:
        print(f"| bare libldap searches (8 threads) | {searches:.0f} | 100% | | | | | |")
    if floors[1:]:
        best = max(floors[1:], key=lambda f: f[1]["rps"])
        print(f"\nCeiling for GET otp (the best floor with a search): {best[1]['rps']:.0f} req/s, "
              f"p99 {best[1]['p99']:.2f} ms ({best[0]})")
        otp = [r for name, r, _, _, _ in rows if name.startswith("GET otp")]
        if otp:
            print(f"GET otp: {100 * otp[0]['rps'] / best[1]['rps']:.0f}% of it, "
                  f"p99 {otp[0]['p99'] / best[1]['p99']:.2f}x its p99")
    background = [row for row in rows if row[3] is not None and row[0].startswith("POST")]
    if background:
        print()
        print("| path | background: rounds mailed | no match | limited | merged into a waiting one | dropped (queue full) | waited for idle |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name, _, _, o, waited in background:
            print(f"| {name} | {o['mailed']} | {o['no_match']} | {o['limited']} | {o['merged']} | "
                  f"{'yes' if o['dropped_lines'] else 'none'} | {waited:.0f} s |")
    print()
    print("| sesam-fcgi (8 threads), resident set | VmRSS KiB |")
    print("| --- | --- |")
    for name, kib in memory:
        print(f"| {name} | {kib} |")
    if long_samples:
        print()
        print(f"Long flood ({args.long_flood} s, a new client /64 and user in every request; "
              f"[web] limit_clients evictions logged: {evictions}):")
        print()
        print("| seconds into the flood | VmRSS KiB | growth KiB (from idle) |")
        print("| ---: | ---: | ---: |")
        for t, kib in long_samples:
            print(f"| {t:.0f} | {kib} | {kib - long_samples[0][1]} |")
    if pipeline:
        print()
        print(f"| mail ({args.mail_count} messages of {size} bytes, median of 3 after a warm-up) | messages/s |")
        print("| --- | --- |")
        print(f"| sesam mail pipeline (2 workers) | {pipeline:.0f} ({100 * pipeline / bare:.0f}% of bare) "
              f"[{' / '.join(f'{x:.0f}' for x in pipeline_runs)}] |")
        print(f"| bare SMTP client, 2 connections | {bare:.0f} [{' / '.join(f'{x:.0f}' for x in bare_runs)}] |")
    if change_report:
        print()
        print("\n".join(change_report))
    subprocess.run(["rm", "-rf", workdir], check=False)


if __name__ == "__main__":
    main()
