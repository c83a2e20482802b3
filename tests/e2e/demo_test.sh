#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`'s promise: it starts, answers on the printed URLs, and Ctrl-C
# (SIGINT to its process group, as a terminal sends it) stops everything it
# started.   demo_test.sh BUILD_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT

setsid "$top/scripts/demo" "$build_dir" --free-ports >"$out" 2>&1 &
demo=$!
workdir=
fail() {
  echo "demo_test: $*" >&2
  cat "$out" >&2
  # SIGTERM lets the demo stop its servers; whatever still runs from its temp
  # dir after that is ended by pid.
  kill -TERM "$demo" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$demo" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$demo" 2>/dev/null || true
  if [ -n "$workdir" ]; then
    for pid in $(pgrep -f "$workdir"); do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$workdir"
  fi
  exit 1
}
for _ in $(seq 600); do
  grep -q "Press Ctrl-C" "$out" && break
  kill -0 "$demo" 2>/dev/null || fail "the demo exited before it was ready"
  sleep 0.1
done
grep -q "Press Ctrl-C" "$out" || fail "not ready after 60 s"

workdir=$(sed -n 's/.*(files in \(.*\)).*/\1/p' "$out")
forgot=$(grep -o 'http://127.0.0.1:[0-9]*/sesam/forgot' "$out")
change=$(grep -o 'http://127.0.0.1:[0-9]*/sesam/change' "$out")
[ -n "$change" ] || fail "the change page is not printed"
maildev=$(sed -n 's/.*Mail catcher (maildev) *\(http:[^ ]*\).*/\1/p' "$out")
[ -d "$workdir" ] || fail "no temp dir printed"
for user in jan.selle an.wouters lotte.claes mama.selle@ouders.test interim.wouters@sint-jan.test; do
  grep -q "$user" "$out" || fail "$user is not printed"
done
check() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "$1")
  [ "$code" = 200 ] || fail "$1 answers $code"
}
check "$forgot"
check "$change"
check "${forgot%/sesam/forgot}/login"
check "$maildev/email"
pgrep -f "$workdir" >/dev/null || fail "no server runs from $workdir"

kill -INT -- "-$demo"
for _ in $(seq 300); do
  kill -0 "$demo" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$demo" 2>/dev/null && fail "still running 30 s after Ctrl-C"
wait "$demo" || fail "exit status $? after Ctrl-C"
left=$(pgrep -af "$workdir" || true)
[ -z "$left" ] || fail "left running after Ctrl-C: $left"
[ ! -e "$workdir" ] || fail "$workdir is left behind"
grep -q "Sesam demo: stopped." "$out" || fail "no goodbye"
echo "demo_test: started, answered on $forgot and $maildev, stopped cleanly on Ctrl-C"
