#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/web/otp_ab.py [--build DIR] [--fcgi LABEL=PATH ...] [--floor 8,64,pool4]
                      [--rounds 3] [--duration 8] [--connections 64] [--threads 8]
                      [--set section.key=value ...] [--profile perf|strace]

GET otp/<token> against the floors of bench/web/run.py, side by side in one
run (issue 15): slapd and nginx as run.py starts them, one sesam-fcgi per
--fcgi binary (A/B: the same stack, two builds), and sesam_bench_fcgi_floor
with one search per request at each --floor variant ("N": N threads, one
blocking connection each; "poolK": 64 threads multiplexed on K connections).

Every round measures every target once, in an order that alternates between
rounds (A B floor..., then ...floor B A), with wrk (run.py's wrk(), the same
Lua and connections) and prints the load average first: other engineers use
the machine too. Per target it also prints the CPU time that the responder,
slapd and nginx spent per request (utime + stime from /proc over the wrk run),
which says where the time of a request goes without a profiler's overhead.

--profile perf: one extra wrk run per target under `perf record --call-graph
dwarf` (CPU samples, or the event named by OTP_AB_PERF_EVENT, e.g.
syscalls:sys_enter_futex; the data and report are kept in /tmp/otp_ab-perf-*,
the top frames printed); --profile strace: one short run per target under
`strace -c -f`, system calls per request. Both skew the rate of that run, which
is therefore not counted. --rounds 0 profiles only.
"""

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "integration", "web"))

import run as webbench  # noqa: E402  bench/web/run.py: wrk(), the floor's nginx

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """utime + stime of processes `pids` (all their threads), in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / TICKS


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Target:
    def __init__(self, label, url, responder_pid, nginx_pid):
        self.label, self.url = label, url
        self.responder_pid, self.nginx_pid = responder_pid, nginx_pid
        self.runs = []

    def measure(self, args, slapd_pid):
        groups = {"responder": [self.responder_pid], "slapd": [slapd_pid],
                  "nginx": children(self.nginx_pid)}
        before = {k: cpu_seconds(v) for k, v in groups.items()}
        result = webbench.wrk(self.url, "", args.connections, args.duration)
        requests = result["rps"] * args.duration
        for k, v in groups.items():
            result[f"{k}_us"] = 1e6 * (cpu_seconds(v) - before[k]) / max(requests, 1)
        self.runs.append(result)
        return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(TOP, "build"))
    parser.add_argument("--fcgi", action="append", default=[],
                        help="LABEL=PATH[,threads=N][,section.key=value...]: a sesam-fcgi "
                             "binary and its settings (repeat for A/B)")
    parser.add_argument("--floor", default="8,64,pool4")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=8, help="sesam-fcgi's --threads")
    parser.add_argument("--set", action="append", default=[],
                        help="section.key=value for every sesam-fcgi's config")
    parser.add_argument("--profile", choices=["perf", "strace"], default=None)
    args = parser.parse_args()
    if not args.fcgi:
        args.fcgi = ["sesam-fcgi=" + os.path.join(args.build, "web_cgi", "sesam-fcgi")]
    os.environ.setdefault("SESAM_WEB_DATADIR", os.path.join(args.build, "share", "sesam"))
    os.environ.setdefault("SESAM_LOCALEDIR", os.path.join(args.build, "locale"))
    overrides = {("web", "ip_limit"): "1000000/1s"}
    for item in args.set:
        key, value = item.split("=", 1)
        section, name = key.split(".", 1)
        overrides[(section, name)] = value

    from sesam_harness.slapd import Slapd
    from sesam_harness.smtp import SmtpSink
    from sesam_harness.web import Web

    print(f"# bench/web/otp_ab.py {' '.join(sys.argv[1:])}: "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load()}",
          flush=True)
    workdir = tempfile.mkdtemp(prefix="sesam-otp-ab-")
    env = dict(os.environ, SESAM_TEST_WORKDIR=workdir)
    targets = []
    with contextlib.ExitStack() as stack:
        slapd = stack.enter_context(Slapd(workdir))
        env.update(slapd.env())
        with open(os.path.join(workdir, "slapd", "slapd.pid")) as f:
            slapd_pid = int(f.read())
        smtp = stack.enter_context(SmtpSink(workdir, describe=False))
        env.update(smtp.env())
        os.environ.update(env)
        import webtest
        known, _ = webtest.add_account(own=["bench@school.test"], prefix="bench")
        linked, _ = webtest.add_account(own=["link@school.test"], prefix="bench")
        page_bytes = 0
        for spec in args.fcgi:
            # LABEL=PATH[,threads=N][,section.key=value...]: per-binary settings
            label, rest = spec.split("=", 1)
            path, *settings = rest.split(",")
            threads, own = args.threads, dict(overrides)
            for setting in settings:
                key, value = setting.split("=", 1)
                if key == "threads":
                    threads = int(value)
                else:
                    own[tuple(key.split(".", 1))] = value
            os.environ["SESAM_FCGI"] = path
            web = stack.enter_context(Web(workdir, env, name=label, threads=threads,
                                          overrides=own))
            browser = webtest.Browser(base_url=web.base_url, port=web.port)
            mailbox = webtest.Mailbox()
            csrf = browser.get("forgot").csrf()
            browser.post("forgot", {"username": linked, "email": "link@school.test", "csrf": csrf})
            link = webtest.link_path(webtest.link_of(mailbox.wait(1)[0]))
            page = browser.get(link)
            assert page.status == 200, (label, page.status)
            page_bytes = page_bytes or len(page.body.encode())
            targets.append(Target(f"GET otp, {label}", f"http://127.0.0.1:{web.port}{link}",
                                  web.fcgi[0].pid, web.nginx.pid))
        floor_bin = os.path.join(args.build, "bench", "web", "sesam_bench_fcgi_floor")
        search_args = [env["SESAM_TEST_LDAP_URI"], env["SESAM_TEST_LDAP_BIND_DN"],
                       env["SESAM_TEST_LDAP_BIND_PASSWORD_FILE"], webtest.people_base(),
                       f"(&(objectClass=inetOrgPerson)(uid={known}))"]
        FloorWeb = webbench.floor_web_class()
        for variant in filter(None, args.floor.split(",")):
            if variant.startswith("pool"):
                threads, extra = 64, search_args + [variant[4:]]
                label = f"floor, 64 threads multiplexed on {variant[4:]} connections"
            else:
                threads, extra = int(variant), search_args
                label = f"floor, {variant} threads, one blocking search each"
            floor = stack.enter_context(FloorWeb(workdir, env, f"floor-{variant}",
                                                 [floor_bin, str(page_bytes)] + extra,
                                                 threads=threads))
            targets.append(Target(label, f"http://127.0.0.1:{floor.port}/sesam/page",
                                  floor.fcgi[0].pid, floor.nginx.pid))

        if args.profile:
            for n, target in enumerate(targets):
                name = f"{n}-" + target.label.split(", ", 1)[-1].split(",")[0].replace(" ", "-")
                if args.profile == "perf":
                    data = os.path.join(workdir, f"perf-{name}.data")
                    event = os.environ.get("OTP_AB_PERF_EVENT")
                    perf = subprocess.Popen(["perf", "record", "--call-graph", "dwarf,16384"] +
                                            (["-e", event] if event else ["-F", "499"]) + ["-o", data,
                                             "-p", str(target.responder_pid)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(0.5)
                    result = webbench.wrk(target.url, "", args.connections, args.duration)
                    perf.send_signal(2)
                    perf.wait()
                    report = subprocess.run(["perf", "report", "-i", data, "--no-children",
                                             "--stdio", "--percent-limit", "0.7", "-g", "none"],
                                            capture_output=True, text=True).stdout
                    kept = os.path.join("/tmp", f"otp_ab-perf-{name}.txt")
                    with open(kept, "w") as f:
                        f.write(report)
                    subprocess.run(["cp", data, f"/tmp/otp_ab-perf-{name}.data"], check=False)
                    print(f"\n## perf, {target.label} ({result['rps']:.0f} req/s under perf; "
                          f"report {kept})\n")
                    print("\n".join(line for line in report.splitlines()
                                    if line.strip() and not line.startswith("#"))[:6000])
                else:
                    out = os.path.join(workdir, f"strace-{name}.txt")
                    strace = subprocess.Popen(["strace", "-c", "-f", "-o", out, "-p",
                                               str(target.responder_pid)],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(1.0)
                    result = webbench.wrk(target.url, "", args.connections, 4)
                    strace.send_signal(2)
                    strace.wait()
                    requests = result["rps"] * 4
                    print(f"\n## strace -c -f, {target.label}: {requests:.0f} requests "
                          f"(rate under strace {result['rps']:.0f}/s)\n")
                    with open(out) as f:
                        for line in f:
                            parts = line.split()
                            if len(parts) >= 5 and parts[3].isdigit():
                                print(f"{parts[-1]:>16} {int(parts[3]) / requests:6.2f} per request")
                            elif len(parts) >= 4 and parts[-1] == "total":
                                print(line.rstrip())
            sys.stdout.flush()

        if args.rounds > 0:
            webbench.wrk(targets[0].url, "", args.connections, 2)  # warm-up, not counted
        for rnd in range(args.rounds if args.rounds > 0 else 0):
            order = targets if rnd % 2 == 0 else list(reversed(targets))
            print(f"round {rnd + 1}: load average {load()}", flush=True)
            for target in order:
                r = target.measure(args, slapd_pid)
                print(f"  {target.label}: {r['rps']:.0f} req/s p50 {r['p50']:.2f} p99 "
                      f"{r['p99']:.2f} errors {r['errors'] + r['bad_status']}; CPU us/request "
                      f"responder {r['responder_us']:.0f} slapd {r['slapd_us']:.0f} "
                      f"nginx {r['nginx_us']:.0f}", flush=True)
    print(f"\nend: load average {load()}\n")
    print(f"| target ({args.connections} connections, {args.duration} s, median of "
          f"{args.rounds}) | requests/s | p50 ms | p99 ms | CPU us/request: responder / slapd / "
          f"nginx | all runs |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    for t in (t for t in targets if t.runs):
        m = webbench.median_run(t.runs)
        cpu = " / ".join(f"{statistics.median(r[k] for r in t.runs):.0f}"
                         for k in ("responder_us", "slapd_us", "nginx_us"))
        print(f"| {t.label} | {m['rps']:.0f} | {m['p50']:.2f} | {m['p99']:.2f} | {cpu} | "
              f"{' / '.join(str(round(r['rps'])) for r in t.runs)} |")
    floors = [t for t in targets if t.label.startswith("floor") and t.runs]
    if floors:
        best = max(floors, key=lambda t: webbench.median_run(t.runs)["rps"])
        b = webbench.median_run(best.runs)
        print(f"\nCeiling (best floor): {best.label}, {b['rps']:.0f} req/s, p99 {b['p99']:.2f}")
        for t in targets:
            if t.label.startswith("GET otp") and t.runs:
                m = webbench.median_run(t.runs)
                print(f"{t.label}: {100 * m['rps'] / b['rps']:.0f}% of it, p99 "
                      f"{m['p99'] / b['p99']:.2f}x")
    subprocess.run(["rm", "-rf", workdir], check=False)


if __name__ == "__main__":
    main()
