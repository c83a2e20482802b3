#!/bin/sh
# bench/mail/run.sh [BUILD_DIR] [COUNT] [ROUNDS]
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
build=$(cd "${1:-$root/build}" && pwd)
count=${2:-1000}
rounds=${3:-3}

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

cmake --build "$build" --target sesam_mail_bench -j2 >/dev/null
# The sink stores each message but skips Python's MIME parser: we measure SMTP
# intake, not the test harness's decoder.
export SESAM_SMTP_SINK_DESCRIBE=0
exec /usr/bin/python3 "$root/tests/harness/with_servers.py" --smtp --timeout 1800 -- \
  /usr/bin/python3 "$here/compare.py" "$build/bench/mail/sesam_mail_bench" "$count" "$rounds"
