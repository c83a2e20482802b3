#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Policy benchmark driver: generates the inputs, runs every checker, prints a
Markdown table of checks per second (see run.sh)."""
import argparse
import os
import random
import subprocess
import time

LEAK_ENTRIES = 10_000_000
PASSWORDS = 100_000


def generate_passwords(path, rng, leaked):
    words = ["zomer", "winter", "school", "voetbal", "soleil", "bonjour", "maison", "fiets",
             "password", "dragon", "konijn", "chocolat", "vacances", "brugge", "liège"]
    accents = ["Élève", "École", "Ça", "Müller", "naïve", "Garçon", "Bèta", "Noël", "Señor"]
    cyrillic = ["пароль", "Москва", "Привет", "Слово"]
    emoji = ["🔑", "🙂", "🚲", "🏫", "👨‍👩‍👧"]
    alphabet = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789",
                ".-*!?/#@ ")
    out = []
    for i in range(PASSWORDS):
        kind = i % 20
        if kind < 5:  # random, all classes
            n = rng.randint(8, 20)
            out.append("".join(rng.choice(rng.choice(alphabet)) for _ in range(n)))
        elif kind < 8:  # weak: word + digits
            out.append(rng.choice(words) + str(rng.randint(0, 9999)))
        elif kind < 10:  # leaked (in the 10-million filter)
            out.append(rng.choice(leaked))
        elif kind == 10:  # default blocklist style
            out.append(rng.choice(["Welkom", "Wachtwoord", "Azerty", "Zomer"]) + str(rng.randint(2015, 2035)))
        elif kind < 13:  # accents
            out.append(rng.choice(accents) + rng.choice(words) + str(rng.randint(0, 99)))
        elif kind == 13:
            out.append(rng.choice(cyrillic) + str(rng.randint(0, 999)) + rng.choice("!?."))
        elif kind == 14:
            out.append(rng.choice(words).capitalize() + rng.choice(emoji) + str(rng.randint(0, 99)))
        elif kind == 15:  # passphrase
            out.append(" ".join(rng.choice(words) for _ in range(4)))
        elif kind == 16:  # short
            out.append(rng.choice(words)[:rng.randint(1, 7)])
        elif kind == 17:  # long
            out.append("".join(rng.choice(alphabet[i % 4]) for i in range(rng.randint(100, 140))))
        elif kind == 18:  # two classes
            out.append(rng.choice(words).upper() + rng.choice(words))
        else:  # username inside
            out.append("Jan.Peeters" + str(rng.randint(0, 99)))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def leak_entry(i):
    prefixes = ["qwerty", "iloveyou", "monkey", "sunshine", "princess", "azerty", "soleil",
                "voetbal", "hallo", "1q2w3e", "P@ss", "Summer", "Zomer", "x", "love"]
    return "%s%d" % (prefixes[i % len(prefixes)], i * 7919 % 100_000_000)


def prepare(work, rng):
    os.makedirs(work, exist_ok=True)
    big_list = os.path.join(work, "leaked-10M.txt")
    big_filter = os.path.join(work, "leaked-10M.pwq")
    passwords = os.path.join(work, "passwords-100k.txt")
    if not os.path.exists(big_filter):
        if not os.path.exists(big_list):
            with open(big_list, "w") as f:
                for start in range(0, LEAK_ENTRIES, 100_000):
                    f.write("\n".join(leak_entry(i) for i in range(start, start + 100_000)) + "\n")
        started = time.perf_counter()
        with open(big_list) as f:
            subprocess.run(["pwqfilter", "--create=%d" % (LEAK_ENTRIES * 103 // 100), "--hash-md4",
                            "-o", big_filter], stdin=f, check=True, stderr=subprocess.DEVNULL)
        print("built the 10M filter in %.0f s" % (time.perf_counter() - started))
    if not os.path.exists(passwords):
        leaked = [leak_entry(rng.randrange(LEAK_ENTRIES)) for _ in range(5000)]
        generate_passwords(passwords, rng, leaked)
    return passwords, big_filter


def timed(command, stdin_path, env=None):
    with open(stdin_path, "rb") as f:
        started = time.perf_counter()
        done = subprocess.run(command, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env)
        elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit("%s failed: %s" % (command[0], done.stderr.decode()))
    return elapsed, done.stdout


def head(path, n, out):
    with open(path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
        for i, line in enumerate(f):
            if i >= n:
                break
            o.write(line)
    return out


def pwquality_rate(sample_path, dictcheck):
    import pwquality
    settings = pwquality.PWQSettings()
    for option in ["minlen=8", "minclass=3", "dcredit=0", "ucredit=0", "lcredit=0", "ocredit=0",
                   "maxrepeat=0", "maxsequence=0", "usercheck=0", "dictcheck=%d" % dictcheck]:
        settings.set_option(option)
    with open(sample_path, encoding="utf-8") as f:
        passwords = f.read().splitlines()
    accepted = 0
    started = time.perf_counter()
    for password in passwords:
        try:
            settings.check(password)
            accepted += 1
        except pwquality.PWQError:
            pass
    return len(passwords) / (time.perf_counter() - started), accepted


def smaps(pid):
    values = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                values[parts[0].rstrip(":")] = int(parts[1])
    return values


def memory_at_prompt(build, work, filter_path, with_sesam):
    """smaps_rollup of pamtester waiting at the module's password prompt (the
    policy, blocklists and filter are loaded by then). Baseline: the same
    pamtester waiting at pam_matrix's prompt, without pam_sesam.so."""
    services = os.path.join(work, "pam-services")
    os.makedirs(services, exist_ok=True)
    conf = os.path.join(work, "memory.conf")
    with open(conf, "w") as f:
        f.write("[policy]\nblocklist = %s/data/blocklist.txt %s\n" % (build, filter_path))
    passdb = os.path.join(work, "passdb")
    with open(passdb, "w") as f:
        f.write("nobody:x:bench\n")
    if with_sesam:
        line = "password requisite %s/pam_module/pam_sesam.so config=%s" % (build, conf)
    else:
        line = "password required %s/pam_matrix.so passdb=%s" % (
            "/usr/lib/x86_64-linux-gnu/pam_wrapper", passdb)
    with open(os.path.join(services, "bench"), "w") as f:
        f.write(line + "\n")
    env = dict(os.environ, LD_PRELOAD="libpam_wrapper.so", PAM_WRAPPER="1",
               PAM_WRAPPER_SERVICE_DIR=services)
    process = subprocess.Popen(["pamtester", "bench", "nobody", "chauthtok"], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(1.5)  # it waits for the first answer
    values = smaps(process.pid)
    process.kill()
    process.wait()
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--peer-sample", type=int, default=10000)
    args = parser.parse_args()
    with open(os.path.join(args.build, "CMakeCache.txt")) as f:
        build_type = next((l.split("=", 1)[1].strip() for l in f
                           if l.startswith("CMAKE_BUILD_TYPE:")), "")
    if build_type not in ("Release", "RelWithDebInfo"):
        raise SystemExit("benchmark an optimized build (make's default, RelWithDebInfo), not '%s'"
                         % (build_type or "no build type"))
    work = os.path.join(args.build, "bench-policy")
    rng = random.Random(20261126)
    passwords, big_filter = prepare(work, rng)
    sample = head(passwords, args.peer_sample, os.path.join(work, "sample.txt"))
    sesam = os.path.join(args.build, "cli", "sesam")
    none_conf = os.path.join(work, "none.conf")
    with open(none_conf, "w") as f:
        f.write("[policy]\nblocklist =\n")
    full_conf = os.path.join(work, "full.conf")
    with open(full_conf, "w") as f:
        f.write("[policy]\nblocklist = %s/data/blocklist.txt %s\n" % (args.build, big_filter))

    rows = []
    for label, conf in [("no blocklist", none_conf),
                        ("default list + 10M filter", full_conf)]:
        # Best of three: the machine is shared; the whole process is timed,
        # start-up, blocklist loading and output included.
        runs = [timed([sesam, "check", "--batch", "--user", "jan", "--config", conf], passwords)
                for _ in range(3)]
        seconds = min(r[0] for r in runs)
        accepted = runs[0][1].count(b"accepted\n")
        rows.append(("sesam check --batch (best of 3)", label, PASSWORDS, PASSWORDS / seconds,
                     accepted))

    qc_rules = ["min=disabled,disabled,disabled,8,8", "max=128", "passphrase=0"]
    for label, extra in [("no blocklist (built-in wordlist)", []),
                         ("10M filter (+ built-in wordlist)", ["filter=" + big_filter])]:
        seconds, out = timed(["pwqcheck", "-1", "--multi"] + qc_rules + extra, sample)
        rows.append(("passwdqc pwqcheck --multi", label, args.peer_sample,
                     args.peer_sample / seconds, out.count(b"OK: ")))

    for label, dictcheck in [("dictcheck=0", 0), ("dictcheck=1 (cracklib)", 1)]:
        rate, accepted = pwquality_rate(sample, dictcheck)
        rows.append(("libpwquality (library)", label, args.peer_sample, rate, accepted))

    print("| checker | blocklist | passwords | checks/s | accepted |")
    print("|---|---|---:|---:|---:|")
    for checker, label, count, rate, accepted in rows:
        print("| %s | %s | %d | %.0f | %d |" % (checker, label, count, rate, accepted))

    base = memory_at_prompt(args.build, work, big_filter, False)
    with_sesam = memory_at_prompt(args.build, work, big_filter, True)
    print("\npamtester at its prompt (KiB):")
    print("| | Rss | Pss | Private_Clean | Private_Dirty | Anonymous |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, v in [("pam_matrix only", base), ("pam_sesam.so + default list + 10M filter", with_sesam)]:
        print("| %s | %d | %d | %d | %d | %d |" % (label, v["Rss"], v["Pss"], v["Private_Clean"],
                                                  v["Private_Dirty"], v["Anonymous"]))
    print("pam_sesam.so's own memory (Private_Dirty difference): %d KiB"
          % (with_sesam["Private_Dirty"] - base["Private_Dirty"]))
    print("filter file: %.1f MiB" % (os.path.getsize(big_filter) / 2**20))


if __name__ == "__main__":
    main()
