#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/mail/run.sh [COUNT] [ROUNDS]   (builds into build-bench/, Release)
#
# The mail pipeline benchmark: messages per second that sesam's Mailer delivers
# to the local SMTP sink (tests/harness/sesam_harness/smtp.py, aiosmtpd),
# against what the same sink accepts in the same run from a bare client sending
# the same bytes over as many connections: postfix's smtp-source (C) when
# available, else a Python smtplib client. Rounds alternate the clients so that
# load from other work on the machine hits both alike. Results: docs/PERFORMANCE.md.
#
# smtp-source comes with Debian's postfix. When it is missing (and
# SESAM_BENCH_INSTALL_POSTFIX is not 0) this script installs postfix as root
# with a policy-rc.d that forbids starting daemons, so no mail server is started.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build-bench"
count=${1:-1000}
rounds=${2:-5}

if [ ! -x /usr/sbin/smtp-source ] && [ "${SESAM_BENCH_INSTALL_POSTFIX:-1}" != 0 ] &&
   [ "$(id -u)" = 0 ]; then
  created_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=yes
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postfix >/dev/null ||
    echo "bench: could not install postfix; using the Python bare client" >&2
  [ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSESAM_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target sesam_mail_bench >/dev/null
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(curl-config --version)"
# The sink stores each message but skips Python's MIME parser: we measure SMTP
# intake, not the test harness's decoder.
export SESAM_SMTP_SINK_DESCRIBE=0
exec /usr/bin/python3 "$root/tests/harness/with_servers.py" --smtp --timeout 1800 -- \
  /usr/bin/python3 "$here/compare.py" "$build/bench/mail/sesam_mail_bench" "$count" "$rounds"
