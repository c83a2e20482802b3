#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The policy benchmark (docs/PERFORMANCE.md, "Policy"): `sesam check --batch`
# against passwdqc's `pwqcheck --multi` and libpwquality, without and with a
# 10-million-entry pwqfilter blocklist. Generated files go to BUILD/bench-policy
# (kept out of git). Takes a few minutes.
#
#   bench/policy/run.sh [BUILD_DIR]      (default: build)
#   PEER_SAMPLE=100000 bench/policy/run.sh   (peers on all 100 000; slow)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)

# The peers, installed only for the benchmark.
missing=""
for package in passwdqc libpwquality-tools python3-pwquality pamtester libpam-wrapper time; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  apt-get install -y -q $missing >/dev/null
fi

exec /usr/bin/python3 "$here/bench.py" --build "$build" --peer-sample "${PEER_SAMPLE:-10000}"
