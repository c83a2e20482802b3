#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/soak/run.py [--build DIR] [--minutes 30] [--sample 10] [--out FILE.csv] [--heaptrack]

A soak (issue 13, item 7; a benchmark, not CI): real slapd, the SMTP sink,
nginx and two sesam-fcgi processes, and MINUTES of mixed traffic from six
client threads at about 30 requests a second in all:

  - full resets: forgot for one of 50 accounts, the mail's link opened, the
    change form posted with a new password (the account's next reset uses it);
  - forgot for unknown users, and for known users with a wrong address;
  - dead links (otp/x.y.z), healthz, the forgot form, the stylesheet;
  - once a minute, the SMTP sink down for 5 s (messages retried) and a slapd
    restart (the pool reconnects), so the error paths soak too.

Every SAMPLE seconds it records, per sesam-fcgi process, the resident set
(VmRSS), open file descriptors (/proc/PID/fd) and threads, into the CSV.
At the end it prints, per process and measure, the value after the first
two minutes (warm-up), the maximum and the last value, and the least-squares
slope per hour after the warm-up: "flat" when anonymous memory (RssAnon: heap
and stacks; RssFile is mostly the state store's map, which grows with the keys
it holds) grows by less than 1 MiB an hour and descriptors and threads end
where they were after the warm-up.
Each sample also splits the anonymous memory the way glibc's allocator holds
it (heapprofile.smaps_sample): the main arena ([heap]), the thread arenas
(their count and resident size), thread stacks and the rest.

--heaptrack: sesam-fcgi 0 runs under heaptrack (Debian's `heaptrack`, a
bench dependency in scripts/install-deps), sesam-fcgi 1 as before, side by
side under the same traffic. After the run the script prints, from
heaptrack_print, the heap in use over time (every --report-every minutes:
the least and the most heap in use in a 10 ms window; the least is what stays
allocated between requests), its peak, its trend after the warm-up, and what
was still allocated at exit with the top allocation sites. The verdict then
rests on the heap for process 0 (heaptrack's own bookkeeping lives in that
process's anonymous memory too) and on RssAnon for process 1: heap flat while
RssAnon creeps is the allocator (arenas, fragmentation), heap growing is a
leak. The recording is kept in --heap-dir (heaptrack.zst, its massif file;
`heapprofile.py heaptrack.zst` analyses it again).
Run it on a quiet machine; it uses about a fifth of one core (heaptrack's
interpreter adds about as much again).
"""

import argparse
import csv
import email
import email.policy
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import heapprofile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "integration", "web"))


def proc_sample(pid):
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    return {"rss_kib": int(status["VmRSS"].split()[0]),
            # Anonymous memory (heap, stacks) apart from mapped files (the state
            # store's LMDB map grows with the keys it holds, up to 48 h).
            "anon_kib": int(status["RssAnon"].split()[0]),
            "file_kib": int(status["RssFile"].split()[0]),
            "threads": int(status["Threads"]), "fds": len(os.listdir(f"/proc/{pid}/fd")),
            **heapprofile.smaps_sample(pid)}


MEASURES = ("rss_kib", "anon_kib", "file_kib", "main_heap_kib", "arenas", "arena_kib",
            "stack_kib", "other_anon_kib", "fds", "threads")


def process_age(pid):
    """Seconds since `pid` started (heaptrack's time stamps count from there)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(TOP, "build"))
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--sample", type=float, default=10.0)
    parser.add_argument("--out", default="soak.csv")
    parser.add_argument("--heaptrack", action="store_true",
                        help="run sesam-fcgi 0 under heaptrack, sesam-fcgi 1 as before")
    parser.add_argument("--heap-dir", default=None,
                        help="where the heaptrack recording goes (default: next to --out)")
    parser.add_argument("--report-every", type=int, default=5,
                        help="minutes between the rows of the heap-in-use report")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    heaptrack = None
    if args.heaptrack:
        if not heapprofile.Heaptrack.available():
            sys.exit("--heaptrack: heaptrack is not installed (apt-get install heaptrack)")
        heap_dir = args.heap_dir or os.path.splitext(os.path.abspath(args.out))[0] + "-heaptrack"
        heaptrack = heapprofile.Heaptrack(heap_dir)
    os.environ.setdefault("SESAM_FCGI", os.path.join(build, "web_cgi", "sesam-fcgi"))
    os.environ.setdefault("SESAM_WEB_DATADIR", os.path.join(build, "share", "sesam"))
    os.environ.setdefault("SESAM_LOCALEDIR", os.path.join(build, "locale"))
    os.environ.setdefault("SESAM_BLOCKLIST", os.path.join(build, "data", "blocklist.txt"))

    from sesam_harness.slapd import Slapd
    from sesam_harness.smtp import SmtpSink
    from sesam_harness.web import Web

    class SoakWeb(Web):
        """Web whose sesam-fcgi 0 runs under heaptrack when asked."""

        def _start_fcgi(self, i):
            plain = self.wrapper
            if heaptrack is not None and i == 0:
                heaptrack.start()
                self.wrapper = heaptrack.wrapper() + plain
            try:
                return super()._start_fcgi(i)
            finally:
                self.wrapper = plain

    workdir = tempfile.mkdtemp(prefix="sesam-soak-")
    with Slapd(workdir) as slapd, SmtpSink(workdir, describe=False) as sink:
        env = dict(os.environ, SESAM_TEST_WORKDIR=workdir)
        env.update(slapd.env())
        env.update(sink.env())
        os.environ.update(env)
        import webtest  # reads the environment at import
        with SoakWeb(workdir, env, name="soak", processes=2,
                     overrides={("mail", "retry_delay"): "500ms",
                                ("mail", "retry_max_delay"): "2s",
                                ("mail", "attempts"): "30"}) as web:
            os.environ.update(web.env())
            rows, pids, offset = run(args, web, sink, slapd, webtest)
    summarize(args, rows, pids, offset, heaptrack)


def run(args, web, sink, slapd, webtest):
    accounts = []
    for i in range(50):
        address = f"soak{i}@school.test"
        username, dn = webtest.add_account(own=[address], prefix="soak")
        accounts.append({"username": username, "address": address,
                         "lock": threading.Lock()})
    stop = threading.Event()
    counts = {}
    counts_lock = threading.Lock()

    def count(what):
        with counts_lock:
            counts[what] = counts.get(what, 0) + 1

    def browser():
        return webtest.Browser(base_url=web.base_url, port=web.port)

    def link_for(address, since):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not stop.is_set():
            for name in sorted(os.listdir(sink.mail_dir), reverse=True):
                if name.endswith(".json") and name > since:
                    with open(os.path.join(sink.mail_dir, name)) as f:
                        if address in f.read():
                            with open(os.path.join(sink.mail_dir, name[:-5] + ".eml"),
                                      "rb") as m:
                                message = email.message_from_binary_file(
                                    m, policy=email.policy.default)
                            return webtest.link_path(webtest.link_of(message))
            time.sleep(0.2)
        return None

    def full_resets():
        while not stop.is_set():
            account = random.choice(accounts)
            if not account["lock"].acquire(blocking=False):
                continue
            try:
                names = [n for n in os.listdir(sink.mail_dir) if n.endswith(".json")]
                since = max(names) if names else ""
                b = browser()
                if b.forgot(account["username"], account["address"]).status != 303:
                    count("forgot failed")
                    continue
                path = link_for(account["address"], since)
                if path is None:
                    count("no mail")
                    continue
                password = f"Soak-{uuid.uuid4().hex[:10]}-Pw!"
                reply = b.change(path, password)
                count(f"change {reply.status}")
            except OSError:
                count("connection error")
            finally:
                account["lock"].release()
            time.sleep(0.5)

    def noise(kind):
        while not stop.is_set():
            try:
                b = browser()
                if kind == "unknown":
                    count(f"unknown {b.forgot('nobody.' + uuid.uuid4().hex[:6], 'x@school.test').status}")
                    count(f"wrong address {b.forgot(random.choice(accounts)['username'], 'wrong@school.test').status}")
                elif kind == "pages":
                    count(f"dead link {b.get('otp/x.y.z').status}")
                    count(f"healthz {b.get('healthz').status}")
                    count(f"form {b.get('forgot').status}")
                    count(f"css {b.get('static/sesam.css').status}")
            except OSError:
                count("connection error")
            time.sleep(0.15)

    def faults():
        while not stop.wait(60):
            sink.stop()
            time.sleep(5)
            sink.start()
            count("smtp outage")
            if stop.wait(20):
                return
            subprocess.run([slapd.control, "restart"], check=False, timeout=60,
                           capture_output=True)
            count("slapd restart")

    threads = [threading.Thread(target=full_resets) for _ in range(2)]
    threads += [threading.Thread(target=noise, args=("unknown",)) for _ in range(2)]
    threads += [threading.Thread(target=noise, args=("pages",)) for _ in range(2)]
    threads.append(threading.Thread(target=faults))
    start = time.monotonic()
    for thread in threads:
        thread.start()
    pids = [p.pid for p in web.fcgi]
    # heaptrack counts time from the process's start, the table from here.
    offset = process_age(pids[0])
    rows = []
    with open(args.out, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["seconds", "process"] + list(MEASURES) + ["load1"])
        try:
            while time.monotonic() - start < args.minutes * 60:
                t = time.monotonic() - start
                with open("/proc/loadavg") as load:
                    load1 = float(load.read().split()[0])
                for i, pid in enumerate(pids):
                    sample = dict(proc_sample(pid), load1=load1)
                    rows.append((t, i, sample))
                    out.writerow([f"{t:.0f}", i] + [sample[m] for m in MEASURES] + [load1])
                f.flush()
                time.sleep(args.sample)
        finally:
            stop.set()
            for thread in threads:
                thread.join(180)
    print(f"{args.minutes:.0f} minutes, requests by outcome: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), flush=True)
    return rows, pids, offset


def at(samples, t):
    """The sample nearest to `t` seconds."""
    return min(samples, key=lambda ts: abs(ts[0] - t))[1]


def summarize(args, rows, pids, offset, heaptrack):
    warm = 120
    end = max(t for t, _, _ in rows)
    loads = [s["load1"] for _, p, s in rows if p == 0]
    print(f"machine load (1-minute load average; 2 cores): mean {sum(loads) / len(loads):.2f}, "
          f"max {max(loads):.2f}")
    flat = True
    for i in range(len(pids)):
        everything = [(t, s) for t, p, s in rows if p == i]
        mine = [(t, s) for t, s in everything if t >= warm] or everything
        profiled = heaptrack is not None and i == 0
        label = f"sesam-fcgi {i}" + (" (heaptrack)" if profiled else "")
        print(f"{label}, KiB unless a count: after the warm-up ({warm / 60:.0f} min) | "
              f"halfway ({end / 120:.0f} min) | end ({end / 60:.0f} min)")
        for measure in MEASURES:
            print(f"  {measure:15s} {at(everything, warm)[measure]:>9} "
                  f"{at(everything, end / 2)[measure]:>9} {at(everything, end)[measure]:>9}")
        for measure in MEASURES:
            values = [s[measure] for _, s in mine]
            slope = heapprofile.slope_per_hour([(t, s[measure]) for t, s in mine])
            print(f"{label} {measure}: after warm-up {values[0]}, max {max(values)}, "
                  f"last {values[-1]}, slope {slope:+.1f}/h")
            if measure in ("fds", "threads"):
                flat &= values[-1] <= values[0]
            elif measure == "anon_kib" and not profiled:
                # heaptrack's own tables live in the profiled process's
                # anonymous memory: its heap is judged below instead.
                flat &= slope < 1024
    if heaptrack is not None:
        print(f"heaptrack: sesam-fcgi 0 started {offset:.1f} s before the soak (--offset), "
              f"the soak lasted {end:.0f} s (--end)")
        print("heaptrack: waiting for the interpreter, then heaptrack_print ...", flush=True)
        if not heaptrack.finish():
            print(f"heaptrack: no complete recording (see {heaptrack.log})")
            flat = False
        else:
            slope = heapprofile.report(heapprofile.analyse(heaptrack.data), offset=offset,
                                       every=args.report_every, warm_minutes=warm // 60,
                                       end=end)
            print(f"heaptrack: recording kept in {heaptrack.data}")
            # A leak of 1.5 bytes a request at this load grows the heap by
            # about 256 KiB an hour.
            heap_flat = slope is not None and slope < 256 * 1024
            print("heap in use (sesam-fcgi 0): " + ("flat" if heap_flat else "GROWS"))
            flat &= heap_flat
    print("flat" if flat else "NOT flat")

if __name__ == "__main__":
    main()
