# SPDX-License-Identifier: Apache-2.0
"""A real 389 Directory Server (Debian 389-ds-base) with test accounts, on loopback.

`Ds389(workdir)` is a context manager: entering creates a fresh instance with
`dscreate from-file` (instance name unique per run), seeds it and waits until it
answers; leaving removes it with `dsctl NAME remove --do-it` and checks that
nothing of the instance is left under /etc, /var and /run. Run as root (dscreate
requires it). The suite runs 389 as a school has it: WITHOUT the Sesam schema.

Instance: ldap://127.0.0.1:<free port> and ldaps://127.0.0.1:<free port>
(nsslapd-listenhost and nsslapd-securelistenhost 127.0.0.1: 389's default is
every interface), suffix dc=school,dc=test (create_suffix_entry), TLS from a
test CA made here (a server certificate for IP 127.0.0.1 signed by it, so
clients verify; dscreate's own self-signed CA is off, it would leave
/etc/dirsrv/ssca behind). StartTLS works on the ldap:// port as well.

No systemd here, yet lib389 runs `systemctl start|stop|is-active dirsrv@NAME`:
a test-only `systemctl` shim, first on PATH for dscreate/dsctl only, runs
`ns-slapd -D /etc/dirsrv/slapd-NAME -i /run/dirsrv/slapd-NAME.pid` itself and
refuses every other unit, so the host's services are never touched. Before
each start it makes sure dse.ldif carries the listen host, so the server never
listens beyond loopback, not even during dscreate.

Directory content (the same people as slapd.py, under ou=people):
  the fixture accounts of slapd.py (jan.selle with mail jan.selle@school.test and
  co-accounts mama.selle@example.test, papa.selle@example.test, ...), each
  inetOrgPerson + posixAccount + shadowAccount + mailRecipient. Co-account
  addresses are in `mailAlternateAddress` (objectClass mailRecipient, in 389's
  stock schema 50ns-mail.ldif), since 389 runs without sesamCoAccountMail.
  Differences, each 389 as it comes: young.user is there without slapd's
  cn=young policy; émile.lefèvre is left out (the stock "7-bit check" plugin
  refuses non-ASCII uid, mail and userPassword values); noor.jacobs's
  co-account repeated in another case is stored once (mailAlternateAddress
  compares without case, 389 refuses the second value).
  disabled.user  nsAccountLock: true (389's account lock; binds fail with
                 "Account inactivated"); disabled@school.test
Service account cn=sesam,ou=services,dc=school,dc=test, least rights by ACI on
ou=people: read/search/compare of the attributes Sesam reads (see READ_ATTRS),
write of userPassword, nothing else (it cannot read userPassword).
Global password policy (cn=config): passwordCheckSyntax on, passwordMinLength
8, passwordHistory on with passwordInHistory 5, passwordTrackUpdateTime on
(pwdUpdateTime). The service account is no password administrator, so its
resets are checked by the policy and refused like a user's.

Environment exported by env() (the keys of slapd.py, so a test can point sesam
at either; there is no SESAM_TEST_LDAP_LDAPI_URI: 389's ldapi autobind maps
root to the Directory Manager):
  SESAM_TEST_LDAP_SERVER              389ds (slapd.py's server is openldap)
  SESAM_TEST_LDAP_URI                 ldap://127.0.0.1:PORT
  SESAM_TEST_LDAPS_URI                ldaps://127.0.0.1:TLSPORT
  SESAM_TEST_LDAP_HOST, _PORT         127.0.0.1 and PORT
  SESAM_TEST_LDAP_BASE                dc=school,dc=test
  SESAM_TEST_LDAP_PEOPLE              ou=people,dc=school,dc=test
  SESAM_TEST_LDAP_BIND_DN             cn=sesam,ou=services,dc=school,dc=test
  SESAM_TEST_LDAP_BIND_PASSWORD_FILE  file (mode 0600), its password without newline
  SESAM_TEST_LDAP_ADMIN_DN            cn=Directory Manager
  SESAM_TEST_LDAP_ADMIN_PASSWORD      its password
  SESAM_TEST_LDAP_USER_PASSWORD       the initial password of every fixture account
  SESAM_TEST_LDAP_CA_FILE             the test CA certificate (PEM)
  SESAM_TEST_LDAP_CONTROL             script: stop|start|restart|kill|pause|resume,
                                      as slapd.py's
  SESAM_TEST_LDAP_COACCOUNT_ATTRIBUTE mailAlternateAddress
  SESAM_TEST_LDAP_DISABLED_USER       disabled.user
  SESAM_TEST_DS389_INSTANCE           the instance name (dsctl/dsconf NAME ...)
  SESAM_TEST_CONFIG                   a sesam.conf whose [ldap] section points here,
                                      with start_tls = yes: 389 answers a Password
                                      Modify exop in clear with "Confidentiality
                                      required" (13)

Measured (2 cores, idle): dscreate 3.1 s, TLS and policy 0.5 s, start 0.4 s,
seed 0.7 s: 4.7 s per instance; removal about 2.5 s (the stop). dscreate runs
with start = False: it starts the server once to configure it and stops it;
TLS and the policy then go into dse.ldif while it is down, so the one start
that follows is the last (a restart would add 2.5 s: ns-slapd takes that
long to stop).
"""

import os
import secrets
import subprocess
import textwrap
import time

from . import common
from .slapd import ACCOUNTS, USER_PASSWORD, ldif_line

SUFFIX = "dc=school,dc=test"
PEOPLE = "ou=people," + SUFFIX
BIND_DN = "cn=sesam,ou=services," + SUFFIX
BIND_PASSWORD = "sesam-service-secret"
ADMIN_DN = "cn=Directory Manager"
ADMIN_PASSWORD = "admin-secret-for-tests"
COACCOUNT_ATTRIBUTE = "mailAlternateAddress"
DISABLED_USER = "disabled.user"
DSCREATE = "/usr/sbin/dscreate"
DSCTL = "/usr/sbin/dsctl"
NS_SLAPD = "/usr/sbin/ns-slapd"
# What the service account may read: what Sesam searches and reads, the ids
# (nsUniqueId, entryUUID when the plugin is on), the lock and password state.
READ_ATTRS = ["objectClass", "uid", "cn", "givenName", "sn", "displayName", "mail",
              COACCOUNT_ATTRIBUTE, "nsUniqueId", "entryUUID", "nsAccountLock",
              "pwdUpdateTime", "passwordExpirationTime", "shadowLastChange"]

SHIM = '''#!/usr/bin/python3
# Test-only `systemctl` for one 389-ds instance ({name}); generated by
# tests/harness/sesam_harness/ds389.py. It starts and stops ns-slapd itself
# and refuses every other unit, so the host's services are never touched.
import os, signal, socket, subprocess, sys, time

NAME = {name!r}
UNITS = ("dirsrv@" + NAME, "dirsrv@" + NAME + ".service")
CONFIG_DIR = "/etc/dirsrv/slapd-" + NAME
PIDFILE = "/run/dirsrv/slapd-" + NAME + ".pid"
LISTEN = ("nsslapd-listenhost: 127.0.0.1", "nsslapd-securelistenhost: 127.0.0.1")
LOG = {log!r}


def pid():
    try:
        with open(PIDFILE) as f:
            value = int(f.read().strip() or 0)
    except (OSError, ValueError):
        return None
    try:
        os.kill(value, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    try:  # a zombie is dead
        with open("/proc/%d/stat" % value) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return None
    except OSError:
        return None
    return value


def port():
    with open(os.path.join(CONFIG_DIR, "dse.ldif")) as f:
        for line in f:
            if line.lower().startswith("nsslapd-port:"):
                return int(line.split(":", 1)[1])
    return 389


def pin_listen_host():
    """Loopback only, from the first start on: dse.ldif's cn=config gets the listen hosts."""
    path = os.path.join(CONFIG_DIR, "dse.ldif")
    with open(path) as f:
        text = f.read()
    head, sep, rest = text.partition("dn: cn=config\\n")
    if not sep:
        sys.exit("systemctl shim: no cn=config in " + path)
    entry, blank, tail = rest.partition("\\n\\n")
    lines = [l for l in entry.split("\\n") if not l.lower().startswith(
        ("nsslapd-listenhost:", "nsslapd-securelistenhost:"))]
    entry = "\\n".join(lines[:1] + list(LISTEN) + lines[1:])
    new = head + sep + entry + blank + tail
    if new != text:
        st = os.stat(path)
        with open(path + ".shim", "w") as f:
            f.write(new)
        os.chown(path + ".shim", st.st_uid, st.st_gid)
        os.chmod(path + ".shim", st.st_mode & 0o7777)
        os.rename(path + ".shim", path)


def start():
    if pid():
        return 0
    pin_listen_host()
    with open(LOG, "ab") as log:
        rc = subprocess.call(["{ns_slapd}", "-D", CONFIG_DIR, "-i", PIDFILE],
                             stdout=log, stderr=log, start_new_session=True)
    if rc != 0:
        print("ns-slapd exited with %d (see %s)" % (rc, LOG), file=sys.stderr)
        return 1
    deadline = time.monotonic() + 60
    p = port()
    while time.monotonic() < deadline:
        if pid():
            try:
                socket.create_connection(("127.0.0.1", p), 0.5).close()
                return 0
            except OSError:
                pass
        time.sleep(0.02)
    print("ns-slapd did not come up (see %s)" % LOG, file=sys.stderr)
    return 1


def stop(sig=signal.SIGTERM):
    value = pid()
    if value is None:
        return 0
    os.kill(value, sig)
    deadline = time.monotonic() + 60
    while pid() == value:
        if time.monotonic() > deadline:
            os.kill(value, signal.SIGKILL)
            deadline += 60
        time.sleep(0.02)
    try:  # systemd would remove it; ns-slapd, no longer root, cannot
        os.unlink(PIDFILE)
    except FileNotFoundError:
        pass
    return 0


def main(argv):
    with open(LOG, "a") as log:
        log.write("systemctl shim: %s\\n" % " ".join(argv))
    words = [a for a in argv if not a.startswith("-")]
    if not words:
        return 1
    verb, units = words[0], words[1:]
    if verb == "daemon-reload":
        return 0
    if not units or any(u not in UNITS for u in units):
        print("systemctl shim for %s: refusing %s" % (NAME, " ".join(argv)), file=sys.stderr)
        return 1
    if verb in ("enable", "disable", "reset-failed"):
        return 0
    if verb == "start":
        return start()
    if verb == "stop":
        return stop()
    if verb == "restart":
        stop()
        return start()
    if verb == "is-active":
        return 0 if pid() else 3
    if verb == "kill":  # a crash: SIGKILL (not a systemctl verb lib389 uses)
        return stop(signal.SIGKILL)
    if verb in ("pause", "resume"):  # a hung server (test verbs)
        value = pid()
        if value:
            os.kill(value, signal.SIGSTOP if verb == "pause" else signal.SIGCONT)
        return 0
    print("systemctl shim: unknown verb " + verb, file=sys.stderr)
    return 1


sys.exit(main(sys.argv[1:]))
'''

CONTROL_SCRIPT = """#!/bin/sh
# Stops or starts the test 389-ds: {control} stop|start|restart|kill|pause|resume
case "$1" in
  stop|start|restart|kill|pause|resume) exec '{shim}' "$1" 'dirsrv@{name}' ;;
  *) echo "usage: $0 stop|start|restart|kill|pause|resume" >&2; exit 2 ;;
esac
"""


def make_ca_and_certificate(directory):
    """A test CA and a server certificate for IP 127.0.0.1 signed by it."""
    os.makedirs(directory)
    p = lambda name: os.path.join(directory, name)  # noqa: E731
    run = lambda argv: subprocess.run(argv, check=True, capture_output=True)  # noqa: E731
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=Sesam test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign",
         "-keyout", p("ca.key"), "-out", p("ca.crt")])
    run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", p("server.key"), "-out", p("server.csr")])
    with open(p("ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
                "basicConstraints=CA:FALSE\n")
    run(["openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"),
         "-CAkey", p("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", p("ext.cnf"),
         "-out", p("server.crt")])
    return p("ca.crt"), p("server.crt"), p("server.key")


def people_ldif():
    entries = []
    accounts = list(ACCOUNTS) + [(DISABLED_USER, None, "Disabled User", "Disabled", "User",
                                  ["disabled@school.test"], [], ["nsAccountLock: true"])]
    for number, (uid, rdn, cn, given, sn, own, co, extra) in enumerate(accounts):
        if not uid.isascii():
            continue  # 389's stock "7-bit check" plugin refuses non-ASCII uid values
        dn = (rdn or "uid=" + uid) + "," + PEOPLE
        lines = [ldif_line("dn", dn), "objectClass: top", "objectClass: inetOrgPerson",
                 "objectClass: posixAccount", "objectClass: shadowAccount",
                 "objectClass: mailRecipient",
                 ldif_line("uid", uid), ldif_line("cn", cn), ldif_line("givenName", given),
                 ldif_line("sn", sn), ldif_line("displayName", cn),
                 "uidNumber: %d" % (10000 + number), "gidNumber: 10000",
                 "homeDirectory: /home/%d" % (10000 + number), "shadowLastChange: 19000",
                 ldif_line("userPassword", USER_PASSWORD)]
        if rdn:
            lines.append(ldif_line(rdn.split("=", 1)[0], rdn.split("=", 1)[1]))
        lines += [ldif_line("mail", m) for m in own]
        # mailAlternateAddress compares without case (IA5 caseIgnore): 389
        # refuses noor.jacobs's second MAMA.jacobs@..., so it is stored once.
        co = [m for i, m in enumerate(co) if m.lower() not in [c.lower() for c in co[:i]]]
        lines += [ldif_line(COACCOUNT_ATTRIBUTE, m) for m in co]
        # slapd's per-account policies (pwdPolicySubentry) are OpenLDAP's own.
        lines += [line for line in extra if not line.startswith("pwdPolicySubentry")]
        entries.append("\n".join(dict.fromkeys(lines)) + "\n")
    return "\n".join(entries)


def seed_ldif():
    svc = 'userdn="ldap:///%s"' % BIND_DN
    read = " || ".join(READ_ATTRS)
    base = textwrap.dedent("""\
        dn: ou=people,{s}
        objectClass: top
        objectClass: organizationalUnit
        ou: people
        aci: (targetattr="{read}")(version 3.0; acl "sesam reads accounts"; allow (read, search, compare) {svc};)
        aci: (targetattr="userPassword")(version 3.0; acl "sesam resets passwords"; allow (write) {svc};)
        aci: (targetattr="userPassword")(version 3.0; acl "users change their own password"; allow (write) userdn="ldap:///self";)

        dn: ou=services,{s}
        objectClass: top
        objectClass: organizationalUnit
        ou: services

        dn: {bind}
        objectClass: top
        objectClass: applicationProcess
        objectClass: simpleSecurityObject
        cn: sesam
        userPassword: {bind_pw}
        """).format(s=SUFFIX, read=read, svc=svc, bind=BIND_DN, bind_pw=BIND_PASSWORD)
    return base + "\n" + people_ldif()


# Set in dse.ldif while the server is down, before its first start with TLS.
CN_CONFIG = {
    "nsslapd-security": "on",
    "passwordCheckSyntax": "on",
    "passwordMinLength": "8",
    "passwordHistory": "on",
    "passwordInHistory": "5",
    "passwordTrackUpdateTime": "on",
}


def set_cn_config(dse_ldif, attributes):
    """Replaces (or adds) single-valued attributes of cn=config in dse.ldif."""
    with open(dse_ldif) as f:
        text = f.read()
    head, sep, rest = text.partition("dn: cn=config\n")
    if not sep:
        raise RuntimeError("no cn=config entry in " + dse_ldif)
    entry, blank, tail = rest.partition("\n\n")
    names = tuple(name.lower() + ":" for name in attributes)
    # Drops replaced attributes with their folded continuation lines.
    kept, skipping = [], False
    for line in entry.split("\n"):
        if line.startswith(" ") and skipping:
            continue
        skipping = line.lower().startswith(names)
        if not skipping:
            kept.append(line)
    kept += ["%s: %s" % item for item in attributes.items()]
    st = os.stat(dse_ldif)
    with open(dse_ldif + ".new", "w") as f:
        f.write(head + sep + "\n".join(kept) + blank + tail)
    os.chown(dse_ldif + ".new", st.st_uid, st.st_gid)
    os.chmod(dse_ldif + ".new", st.st_mode & 0o7777)
    os.rename(dse_ldif + ".new", dse_ldif)


def _leftovers(name):
    """Paths of instance NAME still on the host."""
    found = []
    for directory in ("/etc/dirsrv", "/var/lib/dirsrv", "/var/log/dirsrv", "/run/dirsrv",
                      "/run/lock/dirsrv", "/var/lock/dirsrv", "/etc/systemd/system",
                      "/etc/systemd/system/dirsrv.target.wants", "/usr/lib/tmpfiles.d",
                      "/etc/tmpfiles.d", "/run", "/tmp"):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        found += [os.path.join(directory, n) for n in names if name in n]
    return found


class Ds389:
    def __init__(self, workdir):
        self.workdir = os.path.join(workdir, "ds389")
        self.name = "sesamtest" + secrets.token_hex(4)
        self.created = False
        self.timings = {}

    def _run(self, argv, **kwargs):
        env = dict(os.environ, PATH=self.bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
        result = subprocess.run(argv, env=env, capture_output=True, text=True, **kwargs)
        if result.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(argv[:3]), result.returncode,
                                                         result.stdout, result.stderr))
        return result

    def _ldapmodify(self, ldif, add=False):
        argv = ["ldapmodify", "-x", "-H", "ldap://127.0.0.1:%d" % self.port, "-D", ADMIN_DN,
                "-w", ADMIN_PASSWORD]
        if add:
            argv.append("-a")
        result = subprocess.run(argv, input=ldif, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError("ldapmodify failed (%d): %s" % (result.returncode, result.stderr))

    def __enter__(self):
        try:
            return self._create()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _create(self):
        w = self.workdir
        self.bindir = os.path.join(w, "bin")
        os.makedirs(self.bindir)
        self.port = common.free_port()
        self.tls_port = common.free_port()
        self.log = os.path.join(w, "ns-slapd.log")
        shim = os.path.join(self.bindir, "systemctl")
        with open(shim, "w") as f:
            f.write(SHIM.format(name=self.name, log=self.log, ns_slapd=NS_SLAPD))
        os.chmod(shim, 0o755)
        self.control = os.path.join(w, "ds389ctl")
        with open(self.control, "w") as f:
            f.write(CONTROL_SCRIPT.format(control=self.control, shim=shim, name=self.name))
        os.chmod(self.control, 0o755)
        self.ca_file, crt, key = make_ca_and_certificate(os.path.join(w, "tls"))
        inf = os.path.join(w, "instance.inf")
        fd = os.open(inf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(textwrap.dedent("""\
                [general]
                full_machine_name = localhost
                start = False
                [slapd]
                instance_name = {name}
                port = {port}
                secure_port = {tls_port}
                root_password = {admin_pw}
                self_sign_cert = False
                [backend-userroot]
                suffix = {s}
                create_suffix_entry = True
                """).format(name=self.name, port=self.port, tls_port=self.tls_port,
                            admin_pw=ADMIN_PASSWORD, s=SUFFIX))
        started = time.monotonic()
        self.created = True  # from here on, __exit__ removes whatever dscreate left
        self._run([DSCREATE, "from-file", inf], timeout=300)
        self.timings["dscreate"] = time.monotonic() - started
        # dscreate has started the server once to configure it and stopped it
        # again (start = False): TLS and the policy go in while it is down,
        # which saves a restart (a stop alone takes 2.5 s).
        mark = time.monotonic()
        self._run([DSCTL, self.name, "tls", "import-ca", self.ca_file, "Sesam test CA"])
        self._run([DSCTL, self.name, "tls", "import-server-key-cert", crt, key])
        set_cn_config("/etc/dirsrv/slapd-%s/dse.ldif" % self.name, CN_CONFIG)
        self.timings["tls"] = time.monotonic() - mark
        mark = time.monotonic()
        self._run([self.control, "start"], timeout=120)
        self.timings["start"] = time.monotonic() - mark
        mark = time.monotonic()
        self._ldapmodify(seed_ldif(), add=True)
        self.timings["seed"] = time.monotonic() - mark
        self.timings["total"] = time.monotonic() - started
        with open(os.path.join(w, "timings.txt"), "w") as f:
            f.write("".join("%s %.2fs\n" % item for item in self.timings.items()))
        self.password_file = os.path.join(w, "bind.secret")
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(BIND_PASSWORD)
        self.config = os.path.join(w, "sesam.conf")
        with open(self.config, "w") as f:
            f.write(textwrap.dedent("""\
                # Generated by tests/harness/sesam_harness/ds389.py
                [ldap]
                uri = ldap://127.0.0.1:{port}
                start_tls = yes
                tls_ca_file = {ca}
                bind_dn = {bind}
                bind_password_file = {pwfile}
                base = {people}
                user_filter = (&(objectClass=inetOrgPerson)(uid={{username}}))
                name_attribute = givenName
                mail_attributes = mail
                coaccount_mail_attributes = {co}
                password_mode = exop
                network_timeout = 2s
                timeout = 3s
                pool_size = 4
                """).format(port=self.port, bind=BIND_DN, pwfile=self.password_file,
                            people=PEOPLE, co=COACCOUNT_ATTRIBUTE, ca=self.ca_file))
        return self

    def __exit__(self, *exc):
        if not self.created:
            return False
        subprocess.run([self.control, "resume"], check=False, timeout=60, capture_output=True)
        self._run([DSCTL, self.name, "remove", "--do-it"], timeout=300)
        left = _leftovers(self.name)
        if left:
            raise RuntimeError("389-ds instance %s left behind: %s" % (self.name, left))
        return False

    def env(self):
        return {
            "SESAM_TEST_LDAP_SERVER": "389ds",
            "SESAM_TEST_LDAP_URI": "ldap://127.0.0.1:%d" % self.port,
            "SESAM_TEST_LDAPS_URI": "ldaps://127.0.0.1:%d" % self.tls_port,
            "SESAM_TEST_LDAP_HOST": "127.0.0.1",
            "SESAM_TEST_LDAP_PORT": str(self.port),
            "SESAM_TEST_LDAP_BASE": SUFFIX,
            "SESAM_TEST_LDAP_PEOPLE": PEOPLE,
            "SESAM_TEST_LDAP_BIND_DN": BIND_DN,
            "SESAM_TEST_LDAP_BIND_PASSWORD_FILE": self.password_file,
            "SESAM_TEST_LDAP_ADMIN_DN": ADMIN_DN,
            "SESAM_TEST_LDAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SESAM_TEST_LDAP_USER_PASSWORD": USER_PASSWORD,
            "SESAM_TEST_LDAP_CA_FILE": self.ca_file,
            "SESAM_TEST_LDAP_CONTROL": self.control,
            "SESAM_TEST_LDAP_COACCOUNT_ATTRIBUTE": COACCOUNT_ATTRIBUTE,
            "SESAM_TEST_LDAP_DISABLED_USER": DISABLED_USER,
            "SESAM_TEST_DS389_INSTANCE": self.name,
            "SESAM_TEST_CONFIG": self.config,
        }
