# SPDX-License-Identifier: Apache-2.0
"""A real Samba AD DC (Debian's samba-ad-dc) with a test school, on loopback.

`Samba(workdir)` is a context manager: entering takes the machine-wide lock
/tmp/sesam-samba.lock (Samba's ports 389, 636, 88 and 464 are fixed, so only
one test Samba runs at a time; it waits for the lock, saying so, up to
SESAM_SAMBA_LOCK_TIMEOUT seconds, default 900), copies the provisioned and
seeded template (cp -a) to <workdir>/samba/dc, gives it a certificate for
127.0.0.1 under a fresh test CA, starts `samba -i -M single` and waits until a
verified ldaps:// bind of the service account works; leaving stops Samba and
releases the lock. smb.conf of the copy sets "old password allowed period =
0" (Samba's default of 60 min lets the old password bind for an hour after a
reset). A DC left running by a test killed with SIGKILL is stopped by the
next holder of the lock (/tmp/sesam-samba.running names it).

The template is provisioned once per machine into
/var/tmp/sesam-samba-template/<key> (SESAM_SAMBA_TEMPLATE_ROOT), keyed by a hash
of the provisioning command, samba_seed.py and Samba's version, and rebuilt
when missing: `samba-tool domain provision` (--realm=SCHOOL.TEST --domain=SCHOOL
--server-role=dc --dns-backend=NONE --use-rfc2307, interfaces=lo only) and
samba_seed.py. Measured on the 2-core test machine (shared): provisioning
4-11 s, seeding 2-5 s, copy + start until the ldaps bind works 0.7-4 s.

Domain password rules: complexity on, length >= 8, history 5, no minimum age,
no maximum age; bad binds never lock (threshold 0), a lockout set by hand
lasts until an unlock (duration 0). young.user is under the PSO "young"
(minimum age 1 day), like slapd.py's cn=young.

The service account CN=sesam,OU=Services (SESAM_TEST_LDAP_BIND_DN) is an
ordinary user with least rights, granted on OU=Pupils with `samba-tool dsacl
set` and inherited by the user objects: the extended right "Reset Password"
and write lockoutTime; reading is the default of Authenticated Users.

Environment exported by env() (the names of slapd.py's, with Samba's values,
so a test can point sesam at either):
  SESAM_TEST_DIRECTORY                samba
  SESAM_TEST_LDAP_URI                 ldap://127.0.0.1 (389: simple binds need StartTLS,
                                      Samba's "ldap server require strong auth")
  SESAM_TEST_LDAPS_URI                ldaps://127.0.0.1 (636)
  SESAM_TEST_LDAP_HOST, _PORT         127.0.0.1 and 389
  SESAM_TEST_LDAP_BASE                DC=SCHOOL,DC=TEST
  SESAM_TEST_LDAP_PEOPLE              OU=Pupils,DC=SCHOOL,DC=TEST (the accounts)
  SESAM_TEST_LDAP_BIND_DN             CN=sesam,OU=Services,DC=SCHOOL,DC=TEST
  SESAM_TEST_LDAP_BIND_PASSWORD_FILE  file (mode 0600) with its password, no newline
  SESAM_TEST_LDAP_ADMIN_DN            CN=Administrator,CN=Users,DC=SCHOOL,DC=TEST
  SESAM_TEST_LDAP_ADMIN_PASSWORD      its password
  SESAM_TEST_LDAP_USER_PASSWORD       the initial password of every fixture account
  SESAM_TEST_LDAP_CA_FILE             the test CA that signed Samba's certificate
  SESAM_TEST_LDAP_ARGON2              0
  SESAM_TEST_CONFIG                   a sesam.conf whose [ldap] section points here
                                      (ldaps://, tls_verify = yes, password_mode = ad)
  SESAM_TEST_SAMBA_SMB_CONF           the copy's smb.conf (samba-tool -s)
  SESAM_TEST_SAMBA_SAM_LDB            its sam.ldb (samba-tool -H, ldbsearch -H; only
                                      through Samba's tools, the server has it open)
  SESAM_TEST_SAMBA_REALM, _DOMAIN     SCHOOL.TEST and SCHOOL
  SESAM_TEST_KRB5_CONFIG              a krb5.conf with the KDC at 127.0.0.1:88

Fixture accounts under OU=Pupils (sAMAccountName; userPrincipalName is
NAME@school.test; mail; otherMailbox):
  jan.selle     Jan; jan.selle@school.test; mama.selle@example.test, papa.selle@example.test
  els.peeters   Els; els.peeters@school.test; ouders.peeters@example.test
  noor.jacobs   Noor; noor.jacobs@school.test; 4 values, MAMA.jacobs@ repeating mama.jacobs@
  lien.devos    Lien; no mail; 2 otherMailbox
  tom.zonder    Tom; no address at all
  zoe.dubois    Zoë Dubois-Ñúñez; zoe.dubois@school.test
  dis.abled     disabled (userAccountControl 0x202); mail and otherMailbox
  ex.pired      accountExpires 2020-01-01; mail and otherMailbox
  lock.ed       locked out (lockoutTime set); lock.ed@school.test
  lock.kept     locked out as well (for unlock_on_reset = no)
  young.user    under the PSO "young" (minimum age 1 day); young@school.test
  must.change   "must change password at next logon" (pwdLastSet 0)
  no.change     "user cannot change password" (Change Password denied to Everyone, SELF)
Under OU=Staff (SESAM_TEST_SAMBA_STAFF; the service account may reset there but
not write lockoutTime):
  staff.locked  locked out; staff.locked@school.test
Under OU=Pupils again:
  pw.ad pw.short pw.history pw.race pw.cli pw.unlock pw.web pw.change pw.login
                accounts tests change passwords of; pw.<x>@school.test
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time

from . import common

REALM = "SCHOOL.TEST"
DOMAIN = "SCHOOL"
BASE = "DC=SCHOOL,DC=TEST"
PEOPLE = "OU=Pupils," + BASE
STAFF = "OU=Staff," + BASE
BIND_DN = "CN=sesam,OU=Services," + BASE
ADMIN_DN = "CN=Administrator,CN=Users," + BASE
ADMIN_PASSWORD = "Adm1n-Secret-For-Tests"
BIND_PASSWORD = "Sesam-Service-Secret-1"
USER_PASSWORD = "Start-Wachtwoord-1"
LOCK_FILE = "/tmp/sesam-samba.lock"
# The running Samba's pid and smb.conf, while the lock's holder runs it.
RUNNING_FILE = "/tmp/sesam-samba.running"
PORTS = (389, 636, 88, 464)
SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "samba_seed.py")
PROVISION = ["samba-tool", "domain", "provision", "--realm=" + REALM, "--domain=" + DOMAIN,
             "--server-role=dc", "--dns-backend=NONE", "--use-rfc2307",
             "--option=interfaces=lo", "--option=bind interfaces only=yes",
             "--option=vfs objects=dfs_samba4 acl_xattr xattr_tdb"]
# Appended to [global] of each copy: our logs, our certificate, only the
# services Sesam and the login tests use (LDAP, CLDAP, Kerberos + kpasswd).
# "old password allowed period" is 60 minutes by default: the old password
# then still works for simple binds (and NTLM) an hour after a reset, which
# a school does not want after a reset either (docs/directories.md).
GLOBAL_EXTRA = """\
\tlog file = {d}/log.samba
\tlog level = 1
\tserver services = ldap, cldap, kdc
\told password allowed period = 0
\ttls enabled = yes
\ttls keyfile = {tls}/server.key
\ttls certfile = {tls}/server.crt
\ttls cafile = {tls}/ca.crt
"""


def log(message):
    print("samba harness: " + message, file=sys.stderr, flush=True)


def template_root():
    return os.environ.get("SESAM_SAMBA_TEMPLATE_ROOT", "/var/tmp/sesam-samba-template")


def template_key():
    digest = hashlib.sha256()
    digest.update("\0".join(PROVISION + [ADMIN_PASSWORD, USER_PASSWORD, BIND_PASSWORD]).encode())
    with open(SEED, "rb") as f:
        digest.update(f.read())
    version = subprocess.run(["samba", "--version"], capture_output=True, text=True).stdout
    digest.update(version.encode())
    return digest.hexdigest()[:16]


def build_template(directory):
    """Provisions and seeds into `directory` (called under the lock)."""
    root = os.path.dirname(directory)
    os.makedirs(root, exist_ok=True)
    building = directory + ".building-%d" % os.getpid()
    shutil.rmtree(building, ignore_errors=True)
    started = time.monotonic()
    result = subprocess.run(PROVISION + ["--targetdir=" + building + "/dc",
                                         "--adminpass=" + ADMIN_PASSWORD],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("samba-tool domain provision failed:\n" + result.stdout
                           + result.stderr)
    provisioned = time.monotonic()
    result = subprocess.run(["/usr/bin/python3", SEED, building + "/dc/etc/smb.conf",
                             USER_PASSWORD, BIND_PASSWORD], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("samba_seed.py failed:\n" + result.stdout + result.stderr)
    log("template provisioned in %.1f s, seeded in %.1f s" %
        (provisioned - started, time.monotonic() - provisioned))
    conf = building + "/dc/etc/smb.conf"
    with open(conf) as f:
        text = f.read().replace(building, directory)  # its paths name the final place
    with open(conf, "w") as f:
        f.write(text)
    # Older templates (other keys) are of no use any more.
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if path not in (building,) and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
    os.rename(building, directory)


def make_ca_and_certificate(directory):
    """A test CA and a certificate for IP 127.0.0.1 signed by it (so TLS is verified)."""
    os.makedirs(directory)
    ca_key, ca_crt = directory + "/ca.key", directory + "/ca.crt"
    key, csr, crt = directory + "/server.key", directory + "/server.csr", directory + "/server.crt"
    extensions = directory + "/server.ext"
    with open(extensions, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    for argv in (
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
             "-subj", "/CN=Sesam Samba test CA", "-keyout", ca_key, "-out", ca_crt,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", key, "-out", csr],
            ["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
             "-CAcreateserial", "-days", "3", "-extfile", extensions, "-out", crt]):
        subprocess.run(argv, check=True, capture_output=True)
    os.chmod(key, 0o600)  # Samba refuses a key others may read
    return ca_crt


def stop_orphan(lock_text):
    """Stops the Samba a previous holder of the lock started and left running
    (it was killed before it could stop it): we hold the lock, so its owner
    is gone. Only the process the lock file names, and only while its command
    line still names that smb.conf, so a reused pid is never hit."""
    for line in lock_text.splitlines():
        fields = line.split(" ", 2)
        if len(fields) != 3 or fields[0] != "samba" or not fields[1].isdigit():
            continue
        pid, conf = int(fields[1]), fields[2]
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if conf.encode() not in argv:
            continue
        log("stopping the Samba (pid %d) a killed test left running" % pid)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(port_in_use(p) for p in PORTS):
            time.sleep(0.1)


def port_in_use(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Samba:
    def __init__(self, workdir, before_start=None):
        """`before_start`: called with this Samba once the template is copied
        to self.dc and self.smb_conf written, before samba starts: the time to
        change sam.ldb offline (bench/scale/run.py loads a school with ldbadd)."""
        self.before_start = before_start
        self.workdir = os.path.join(workdir, "samba")
        self.dc = os.path.join(self.workdir, "dc")
        self.process = None
        self.lock = None

    def _take_lock(self):
        timeout = float(os.environ.get("SESAM_SAMBA_LOCK_TIMEOUT", "900"))
        self.lock = open(LOCK_FILE, "a+")
        deadline = time.monotonic() + timeout
        said = False
        while True:
            try:
                fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("another test's Samba still holds %s after %.0f s"
                                       % (LOCK_FILE, timeout))
                if not said:
                    self.lock.seek(0)
                    log("waiting for %s (held by: %s)" % (LOCK_FILE, self.lock.read().strip()))
                    said = True
                time.sleep(0.5)
        self.lock.seek(0)
        self.lock.truncate()
        self.lock.write("pid %d since %s\n" % (os.getpid(), time.strftime("%H:%M:%S")))
        self.lock.flush()
        try:
            with open(RUNNING_FILE) as f:
                stop_orphan(f.read())
            os.unlink(RUNNING_FILE)
        except FileNotFoundError:
            pass

    def __enter__(self):
        self._take_lock()
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self):
        busy = [port for port in PORTS if port_in_use(port)]
        if busy:
            raise RuntimeError("127.0.0.1 ports %s are in use outside the Samba lock" % busy)
        template = os.path.join(template_root(), template_key())
        if not os.path.isdir(template):
            build_template(template)
        started = time.monotonic()
        os.makedirs(self.workdir)
        subprocess.run(["cp", "-a", template + "/dc", self.dc], check=True)
        tls = os.path.join(self.workdir, "tls")
        self.ca_file = make_ca_and_certificate(tls)
        self.smb_conf = os.path.join(self.dc, "etc", "smb.conf")
        with open(self.smb_conf) as f:
            lines = f.read().replace(template + "/dc", self.dc).splitlines(keepends=True)
        # Replace the provisioned log file and services; add TLS, in [global].
        lines = [line for line in lines
                 if not line.strip().startswith(("log file", "server services"))]
        at = next(i for i, line in enumerate(lines) if line.strip() == "[global]") + 1
        lines.insert(at, GLOBAL_EXTRA.format(d=self.workdir, tls=tls))
        with open(self.smb_conf, "w") as f:
            f.writelines(lines)
        self.password_file = os.path.join(self.workdir, "bind.secret")
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(BIND_PASSWORD)
        self.krb5_conf = os.path.join(self.workdir, "krb5.conf")
        with open(self.krb5_conf, "w") as f:
            f.write(textwrap.dedent("""\
                [libdefaults]
                    default_realm = {r}
                    dns_lookup_realm = false
                    dns_lookup_kdc = false
                [realms]
                    {r} = {{
                        kdc = 127.0.0.1:88
                        admin_server = 127.0.0.1
                        kpasswd_server = 127.0.0.1:464
                    }}
                [domain_realm]
                    .school.test = {r}
                    school.test = {r}
                """).format(r=REALM))
        self.config = os.path.join(self.workdir, "sesam.conf")
        with open(self.config, "w") as f:
            f.write(textwrap.dedent("""\
                # Generated by tests/harness/sesam_harness/samba.py
                [ldap]
                uri = ldaps://127.0.0.1
                tls_ca_file = {ca}
                tls_verify = yes
                bind_dn = {bind}
                bind_password_file = {pwfile}
                base = {people}
                user_filter = (&(|(sAMAccountName={{username}})(userPrincipalName={{username}}))(objectCategory=person)(objectClass=user))
                name_attribute = givenName
                mail_attributes = mail
                coaccount_mail_attributes = otherMailbox
                password_mode = ad
                id_attribute = objectGUID
                unlock_on_reset = yes
                update_shadow_last_change = no
                network_timeout = 2s
                timeout = 5s
                pool_size = 4
                """).format(ca=self.ca_file, bind=BIND_DN, pwfile=self.password_file,
                            people=PEOPLE))
        if self.before_start is not None:
            self.before_start(self)
            started = time.monotonic()  # the ready time below is Samba's own
        self.process = common.start(["samba", "-i", "-M", "single", "-s", self.smb_conf],
                                    os.path.join(self.workdir, "samba.out"))
        # For the next holder of the lock, should this process die without
        # stopping it (SIGKILL): see stop_orphan.
        with open(RUNNING_FILE, "w") as f:
            f.write("samba %d %s\n" % (self.process.pid, self.smb_conf))
        self._wait_until_ready(started)

    def _wait_until_ready(self, started, timeout=60.0):
        """Until a verified ldaps:// simple bind of the service account works."""
        env = dict(os.environ, LDAPTLS_CACERT=self.ca_file, LDAPTLS_REQCERT="demand")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("samba exited with %d; see %s/samba.out and log.samba"
                                   % (self.process.returncode, self.workdir))
            # (Samba has no WhoAmI exop: a bound base search instead)
            result = subprocess.run(["ldapsearch", "-x", "-H", "ldaps://127.0.0.1",
                                     "-D", BIND_DN, "-y", self.password_file,
                                     "-b", BASE, "-s", "base", "1.1"],
                                    env=env, capture_output=True, text=True)
            if result.returncode == 0:
                log("copied and started in %.1f s" % (time.monotonic() - started))
                return
            time.sleep(0.1)
        raise TimeoutError("samba: no ldaps bind after %.0f s: %s" % (timeout, result.stderr))

    def __exit__(self, *exc):
        try:
            common.stop(self.process, timeout=20.0)
            if self.process is not None and self.lock is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(RUNNING_FILE)
        finally:
            if self.lock is not None:
                self.lock.close()  # releases the flock
                self.lock = None
        return False

    def env(self):
        return {
            "SESAM_TEST_DIRECTORY": "samba",
            "SESAM_TEST_LDAP_URI": "ldap://127.0.0.1",
            "SESAM_TEST_LDAPS_URI": "ldaps://127.0.0.1",
            "SESAM_TEST_LDAP_HOST": "127.0.0.1",
            "SESAM_TEST_LDAP_PORT": "389",
            "SESAM_TEST_LDAP_BASE": BASE,
            "SESAM_TEST_LDAP_PEOPLE": PEOPLE,
            "SESAM_TEST_LDAP_BIND_DN": BIND_DN,
            "SESAM_TEST_LDAP_BIND_PASSWORD_FILE": self.password_file,
            "SESAM_TEST_LDAP_ADMIN_DN": ADMIN_DN,
            "SESAM_TEST_LDAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SESAM_TEST_LDAP_USER_PASSWORD": USER_PASSWORD,
            "SESAM_TEST_LDAP_CA_FILE": self.ca_file,
            "SESAM_TEST_LDAP_ARGON2": "0",
            "SESAM_TEST_CONFIG": self.config,
            "SESAM_TEST_SAMBA_SMB_CONF": self.smb_conf,
            "SESAM_TEST_SAMBA_SAM_LDB": os.path.join(self.dc, "private", "sam.ldb"),
            "SESAM_TEST_SAMBA_STAFF": STAFF,
            "SESAM_TEST_SAMBA_REALM": REALM,
            "SESAM_TEST_SAMBA_DOMAIN": DOMAIN,
            "SESAM_TEST_KRB5_CONFIG": self.krb5_conf,
        }
