#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The soak's memory views (bench/soak/run.py): heaptrack's and glibc's.

Heaptrack (Debian's `heaptrack`, listed in scripts/install-deps as a bench
dependency) sees every malloc and free, so it knows the heap in use: the bytes
the program asked for and has not given back. /proc/PID/smaps sees what glibc
took from the kernel for it: the main arena ([heap], grown with brk), the
thread arenas (one 64 MiB-aligned mapping each, HEAP_MAX_SIZE on 64 bits, of
which only the part in use is readable and resident), the thread stacks (a
rw mapping right above its PROT_NONE guard) and the rest (large mmap'd
chunks). Heap in use flat while resident anonymous memory creeps means the
allocator (arenas, fragmentation, untrimmed tops); heap in use growing means
a leak. Neither view needs gdb or anything inside the process but heaptrack's
preload library, and only the heaptracked process carries that.

Recording: Heaptrack(dir).wrapper() is an argv prefix ("env LD_PRELOAD=...
DUMP_HEAPTRACK_OUTPUT=FIFO") that execs the program, so its pid stays the
program's; the recorder runs heaptrack_interpret on the FIFO and zstd into
heaptrack.zst, as the `heaptrack` script does (which instead keeps a shell as
the parent). Analysis: analyse(data) runs heaptrack_print once, for its
summary, its leak list and its massif output (one snapshot per 10 ms time
stamp of heaptrack's: the largest heap in use within those 10 ms).

    heapprofile.py DATA.zst [--offset SECONDS] [--every MINUTES]

prints the same analysis again for a recorded file.
"""

import argparse
import os
import re
import subprocess

HEAPTRACK_LIB = "/usr/lib/heaptrack"
PRELOAD = os.path.join(HEAPTRACK_LIB, "libheaptrack_preload.so")
INTERPRET = os.path.join(HEAPTRACK_LIB, "libexec", "heaptrack_interpret")
# glibc's HEAP_MAX_SIZE on 64 bits (2 * DEFAULT_MMAP_THRESHOLD_MAX): every
# thread arena's heap is a mapping of this size, aligned to it.
ARENA_HEAP_BYTES = 64 << 20
KIB = 1024


class Heaptrack:
    """Records one process: start() before it starts, finish() after it ended."""

    def __init__(self, directory):
        self.dir = directory
        self.fifo = os.path.join(directory, "heaptrack.fifo")
        self.data = os.path.join(directory, "heaptrack.zst")
        self.log = os.path.join(directory, "heaptrack-interpret.log")
        self.pipeline = None

    @staticmethod
    def available():
        return os.path.exists(PRELOAD) and os.path.exists(INTERPRET)

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        if os.path.exists(self.fifo):
            os.unlink(self.fifo)
        os.mkfifo(self.fifo, 0o600)
        # The shell opens the FIFO (blocking until the program's preload
        # library opens its end) and ends when the program's end closes.
        with open(self.log, "wb") as log:
            self.pipeline = subprocess.Popen(
                ["sh", "-c", '"$0" < "$1" | zstd -q -c > "$2"', INTERPRET, self.fifo, self.data],
                stderr=log, start_new_session=True)

    def wrapper(self):
        return ["env", f"LD_PRELOAD={PRELOAD}", f"DUMP_HEAPTRACK_OUTPUT={self.fifo}"]

    def finish(self, timeout=900):
        """Waits until the interpreter has written everything; True when it did."""
        if self.pipeline is None:
            return False
        try:
            ok = self.pipeline.wait(timeout) == 0
        except subprocess.TimeoutExpired:
            self.pipeline.kill()
            self.pipeline.wait()
            ok = False
        if os.path.exists(self.fifo):
            os.unlink(self.fifo)
        return ok and os.path.getsize(self.data) > 0


def smaps_sample(pid):
    """Resident anonymous memory of `pid` by kind, from /proc/PID/smaps, in KiB:
    main_heap_kib ([heap]), arenas (thread arena heaps) and arena_kib,
    stack_kib (thread stacks and [stack]) and other_anon_kib."""
    maps = []
    header = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)$")
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = header.match(line)
            if m:
                maps.append({"start": int(m.group(1), 16), "end": int(m.group(2), 16),
                             "perms": m.group(3), "inode": m.group(4), "name": m.group(5),
                             "rss": 0})
            elif line.startswith("Rss:") and maps:
                maps[-1]["rss"] = int(line.split()[1])
    out = {"main_heap_kib": 0, "arenas": 0, "arena_kib": 0, "stack_kib": 0, "other_anon_kib": 0}

    def anon(m):
        return m["inode"] == "0" and m["name"] in ("", "[stack]", "[heap]")

    for i, m in enumerate(maps):
        if not anon(m):
            continue
        if m["name"] == "[heap]":
            out["main_heap_kib"] += m["rss"]
            continue
        if m["name"] == "[stack]":
            out["stack_kib"] += m["rss"]
            continue
        if not m["perms"].startswith("rw"):
            continue
        following = maps[i + 1] if i + 1 < len(maps) else None
        preceding = maps[i - 1] if i > 0 else None
        whole = m["end"] - m["start"]
        if following is not None and anon(following) and following["start"] == m["end"] \
                and following["perms"].startswith("---"):
            whole = following["end"] - m["start"]
        if m["start"] % ARENA_HEAP_BYTES == 0 and whole == ARENA_HEAP_BYTES:
            out["arenas"] += 1
            out["arena_kib"] += m["rss"]
        elif preceding is not None and anon(preceding) and preceding["end"] == m["start"] \
                and preceding["perms"].startswith("---"):
            out["stack_kib"] += m["rss"]
        else:
            out["other_anon_kib"] += m["rss"]
    return out


def _massif_series(path):
    """(seconds since the process started, heap bytes) per massif snapshot."""
    series = []
    t = None
    with open(path) as f:
        for line in f:
            if line.startswith("time="):
                t = float(line[5:])
            elif line.startswith("mem_heap_B=") and t is not None:
                series.append((t, int(line[11:])))
    return series


def _leak_sites(section, sites=8, frames=6):
    """The leak list of heaptrack_print, each site with its first frames
    (function names only: the file and module lines are left out)."""
    out = []
    count = 0
    shown = 0
    for line in section:
        text = line.rstrip()
        if not text:
            continue
        if re.match(r"^\S.* leaked over \d+ calls from$", text):
            count += 1
            if count > sites:
                break
            out.append(text)
            shown = 0
        elif " leaked over " in text:  # a backtrace of the site above
            out.append(text)
            shown = 0
        elif not re.match(r"^\s*(at|in) ", text) and shown < frames:
            out.append(text)
            shown += 1
    return out


def analyse(data, massif_path=None):
    """heaptrack_print's summary, leak sites and massif heap series of `data`."""
    massif_path = massif_path or data + ".massif"
    reply = subprocess.run(
        ["heaptrack_print", "-f", data, "--print-peaks=0", "--print-allocators=0",
         "--print-temporary=0", "--print-leaks=1", "-n", "8", "-s", "2",
         "-M", massif_path, "--massif-detailed-freq=0"],
        capture_output=True, text=True, check=False)
    lines = reply.stdout.splitlines()
    summary = {}
    for line in lines:
        for key in ("total runtime", "calls to allocation functions",
                    "temporary memory allocations", "peak heap memory consumption",
                    "peak RSS (including heaptrack overhead)", "total memory leaked",
                    "suppressed leaks"):
            if line.startswith(key + ":"):
                summary[key] = line.split(":", 1)[1].strip()
    leaks = []
    if "MEMORY LEAKS" in lines:
        start = lines.index("MEMORY LEAKS") + 1
        end = next((i for i in range(start, len(lines)) if lines[i].startswith("total runtime")),
                   len(lines))
        leaks = _leak_sites(lines[start:end])
    series = _massif_series(massif_path) if os.path.exists(massif_path) else []
    return {"ok": reply.returncode == 0 and bool(series), "stderr": reply.stderr[-2000:],
            "summary": summary, "leaks": leaks, "series": series}


def minute_floors(series, offset, end=None):
    """Per whole minute of the soak (soak seconds = process seconds - offset,
    up to `end` so that the shutdown stays out): (minute, the least and the
    largest heap in use), in bytes. The least of the 10 ms peaks is the heap
    between requests: what stays allocated."""
    minutes = {}
    for t, heap in series:
        minute = int((t - offset) // 60)
        if minute < 0 or (end is not None and t - offset > end):
            continue
        low, high = minutes.get(minute, (heap, heap))
        minutes[minute] = (min(low, heap), max(high, heap))
    return [(m, lo, hi) for m, (lo, hi) in sorted(minutes.items())]


def report(result, offset=0.0, every=5, warm_minutes=2, end=None, out=print):
    """Prints the heap in use over time, the peak, the leaks at exit and the
    least-squares slope of the per-minute floor after the warm-up; returns
    that slope in bytes an hour (None without data)."""
    from statistics import mean
    if not result["ok"]:
        out("heaptrack: no analysis: " + result["stderr"].strip())
        return None
    floors = minute_floors(result["series"], offset, end)
    out(f"heap in use (heaptrack), per {every} minutes of the soak: least and most in a "
        "10 ms window, KiB")
    for start in range(0, floors[-1][0] + 1, every):
        window = [(lo, hi) for m, lo, hi in floors if start <= m < start + every]
        if window:
            out(f"  minutes {start:3d}-{start + every:3d}: least {min(lo for lo, _ in window) / KIB:9.1f}"
                f"  most {max(hi for _, hi in window) / KIB:9.1f}"
                f"  mean least per minute {mean(lo for lo, _ in window) / KIB:9.1f}")
    after = [(m * 60.0, lo) for m, lo, _ in floors if m >= warm_minutes]
    # The last minute may be the shutdown: leave it out of the trend.
    after = after[:-1] if len(after) > 2 else after
    slope = slope_per_hour(after)
    peak = max(h for _, h in result["series"])
    out(f"heap peak {peak / KIB:.1f} KiB; least heap per minute after the warm-up: first "
        f"{after[0][1] / KIB:.1f} KiB, last {after[-1][1] / KIB:.1f} KiB, "
        f"slope {slope / KIB:+.1f} KiB/h" if after else f"heap peak {peak / KIB:.1f} KiB")
    for key, value in result["summary"].items():
        out(f"heaptrack: {key}: {value}")
    if result["leaks"]:
        out("still allocated at exit, top sites (heaptrack_print --print-leaks):")
        for line in result["leaks"]:
            out("  " + line)
    return slope


def slope_per_hour(points):
    """Least-squares slope of (seconds, value) points, per hour."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    den = sum((t - mx) ** 2 for t, _ in points)
    return 0.0 if den == 0 else sum((t - mx) * (v - my) for t, v in points) / den * 3600


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--offset", type=float, default=0.0,
                        help="seconds from the process start to the soak's start")
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--end", type=float, default=None,
                        help="the soak's length in seconds (leaves the shutdown out)")
    args = parser.parse_args()
    report(analyse(args.data), offset=args.offset, every=args.every, end=args.end)


if __name__ == "__main__":
    main()
