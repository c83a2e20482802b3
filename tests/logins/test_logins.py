#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A Linux login through the directory after a web reset, as schools set it up
(issue #11, item 8), in a throwaway Debian 12 root, never on the host:

  test_logins.py --directory openldap|samba --source DIR --work DIR --cache DIR
                 --pam-sesam SO --blocklist FILE

run by tests/harness/with_servers.py --web (OpenLDAP; --samba --web for AD),
so the directory, the SMTP sink and nginx + sesam-fcgi run on the host, on
127.0.0.1. The root (tests/packaging/debian_root.sh, the packaging_guide's,
cached in --cache) shares the host's network namespace, so its daemons reach
them on loopback.

  openldap  nslcd + libpam-ldapd + libnss-ldapd, as their packages configure
            PAM and nsswitch (pam-auth-update, debconf). nslcd runs in the
            foreground (-d) in the root.
  samba     sssd (sssd-ldap: id_provider = ldap, auth_provider = ldap) over
            ldaps:// with the test CA; chpass_provider = krb5 (sssd-krb5),
            because AD offers no LDAP password change sssd's ldap provider can
            make as the user (no RFC 3062 exop; a userPassword replace is a
            reset, not a change): kpasswd is how AD clients change passwords.
            sssd runs in the foreground (-i) in the root.

Through each: a reset through sesam-fcgi (the link from the mail, followed
over HTTP; a weak password is refused there), then pamtester's `authenticate`
in the root accepts the new password and refuses the old one, and NSS
(getent) knows the account. Then `pamtester chauthtok`, as the user, through
pam_sesam + pam_sss (AD) or pam_ldap (OpenLDAP), as docs/pam_sesam.8.md
stacks them, refuses a weak password (the directory keeps the old one) and
sets a strong one in the directory (a bind with it works).

The host's PAM and NSS configuration (/etc/pam.d, /etc/pam.conf,
/etc/nsswitch.conf, /etc/security, /etc/nslcd.conf, /etc/sssd) and its
installed package list are hashed before and after the run and must match.
Every mount lives in a private mount namespace (unshare --mount).
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "web"))

from webtest import ENV, Browser, Mailbox, link_of, link_path  # noqa: E402

ARGS = None
OLD_PASSWORD = "Oud-Wachtwoord-1"
NEW_PASSWORD = "Zonnebloem-Veld-Groen-7"
WEAK_PASSWORD = "kort"
# Set through pam_sesam + pam_sss / pam_ldap after the reset.
STRONG_BY_PAM = "Kastanje-Boom-Herfst-9"
# What the pam_sesam.so of the build links, installed in the root (it is
# copied there, not installed from a .deb: the .debs take minutes to build).
PAM_SESAM_LIBRARIES = ["libinih1", "libicu72", "libzxcvbn0"]
# Host paths a PAM/NSS client package would change when installed.
HOST_PAM_NSS = ["/etc/pam.d", "/etc/pam.conf", "/etc/nsswitch.conf", "/etc/security",
                "/etc/nslcd.conf", "/etc/sssd", "/etc/ldap", "/etc/krb5.conf"]
FORBIDDEN_ON_HOST = ["libpam-sss", "libnss-sss", "libpam-ldapd", "libnss-ldapd", "nslcd",
                     "sssd", "sssd-common", "sssd-ldap", "sssd-krb5"]


def step(text):
    print("test_logins: " + text, flush=True)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# -- the host ----------------------------------------------------------------

def host_state():
    """A digest of the host's PAM and NSS configuration (names, modes, owners,
    contents) and of its installed packages with their versions."""
    digest = hashlib.sha256()
    for top in HOST_PAM_NSS:
        if not os.path.lexists(top):
            digest.update(f"absent {top}\n".encode())
            continue
        paths = [top]
        if os.path.isdir(top) and not os.path.islink(top):
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames.sort()
                paths += [os.path.join(dirpath, n) for n in sorted(dirnames + filenames)]
        for path in sorted(set(paths)):
            st = os.lstat(path)
            digest.update(f"{path} {st.st_mode:o} {st.st_uid} {st.st_gid}\n".encode())
            if os.path.islink(path):
                digest.update(os.readlink(path).encode())
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    digest.update(f.read())
    packages = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev}\n"],
                              capture_output=True, check=True).stdout
    digest.update(packages)
    return digest.hexdigest()


def installed_on_host(package):
    done = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev}", package],
                          capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.startswith("ii")


# -- the root ----------------------------------------------------------------

class Root:
    """The throwaway Debian root: made by debian_root.sh, mounts in this
    process's private mount namespace, daemons started in it stopped at the end."""

    def __init__(self, path, cache, logs):
        self.path = path
        self.cache = cache
        self.logs = logs
        self.daemons = []

    def _lib(self, script):
        lib = os.path.join(ARGS.source, "tests", "packaging", "debian_root.sh")
        prelude = 'set -euo pipefail; fail() { echo "FAIL: $*" >&2; exit 1; }; '
        subprocess.run(["bash", "-c", f'{prelude}. "{lib}"; {script}', "_", self.path, self.cache,
                        self.logs], check=True)

    def make(self):
        self._lib('debian_root_make "$1" "$2" "$3"')

    def file(self, path):
        return os.path.join(self.path, path.lstrip("/"))

    def write(self, path, text, mode=0o644, owner=None):
        full = self.file(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(full, mode)
        if owner:
            self.run(["chown", owner, path])

    def argv(self, command, chroot_options=()):
        return (["chroot"] + list(chroot_options)
                + [self.path, "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                   "HOME=/root", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive"] + command)

    def run(self, command, stdin=None, check=True, log=None, chroot_options=()):
        """Runs `command` in the root; returns (exit status, output)."""
        done = subprocess.run(self.argv(command, chroot_options), input=stdin,
                              capture_output=True, text=True, timeout=600)
        output = done.stdout + done.stderr
        if log:
            with open(os.path.join(self.logs, log), "a", encoding="utf-8") as f:
                f.write(output)
        if check and done.returncode != 0:
            raise Failure(f"in the root: {' '.join(command)} exited {done.returncode}:\n"
                          + output[-3000:])
        return done.returncode, output

    def apt_install(self, packages, preseed=""):
        if preseed:
            self.run(["debconf-set-selections"], stdin=preseed)
        self.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + packages,
                 log="apt-install.log")

    def start(self, name, command):
        with open(os.path.join(self.logs, name + ".log"), "ab") as log:
            process = subprocess.Popen(self.argv(command), stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.daemons.append(process)
        return process

    def log_tail(self, name, lines=30):
        try:
            with open(os.path.join(self.logs, name + ".log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self):
        for process in self.daemons:
            if process.poll() is None:
                os.killpg(process.pid, 15)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, 9)
                    process.wait()
        self._lib('debian_root_unmount "$1"')

    def pamtester(self, service, user, operation, lines, chroot_options=()):
        """pamtester in the root; `lines` answer its prompts; `chroot_options`
        (--userspec UID:GID) run it as a user. Returns (ok, output)."""
        status, output = self.run(["pamtester", "-v", service, user, operation],
                                  stdin="".join(line + "\n" for line in lines), check=False,
                                  chroot_options=chroot_options)
        return status == 0, output


# -- the reset, through sesam-fcgi ----------------------------------------------

def web_reset(username, address, new_password):
    """Asks a link for `username` on the form, follows the link from the mail,
    is refused a weak password, and sets `new_password`."""
    mailbox = Mailbox()
    browser = Browser()
    reply = browser.forgot(username, address)
    check(reply.status == 303, f"POST forgot answered {reply.status}")
    messages = [m for m in mailbox.wait(1) if address in str(m["To"])]
    check(messages, f"no mail to {address}")
    link = link_path(link_of(messages[0]))
    weak = browser.change(link, WEAK_PASSWORD)
    check(weak.status == 422, f"the weak password got {weak.status}, not 422")
    done = browser.change(link, new_password)
    check(done.status == 303, f"the new password got {done.status}, not 303")
    check(browser.get(link).status == 410, "the link still works after use")


def ldap_binds(uri, dn, password, ca_file=None):
    env = dict(os.environ)
    if ca_file:
        env["LDAPTLS_CACERT"] = ca_file
    # A base search of the rootDSE, not ldapwhoami: AD has no WhoAmI exop.
    done = subprocess.run(["ldapsearch", "-x", "-H", uri, "-D", dn, "-w", password, "-b", "",
                           "-s", "base", "1.1"], capture_output=True, text=True, env=env)
    return done.returncode == 0


def assert_login(root, service, username, old_password=OLD_PASSWORD):
    ok, output = root.pamtester(service, username, "authenticate", [NEW_PASSWORD])
    check(ok, f"pamtester refused the new password of {username}:\n{output}")
    ok, output = root.pamtester(service, username, "authenticate", [old_password])
    check(not ok, f"pamtester accepted the old password of {username}:\n{output}")
    step(f"pamtester {service} {username} authenticate: new password accepted, old refused")


# -- nslcd against OpenLDAP ------------------------------------------------------

def openldap(root):
    username = "login.pupil"
    address = "login.pupil@school.test"
    dn = f"uid={username},{ENV['SESAM_TEST_LDAP_PEOPLE']}"
    ldif = "\n".join([
        f"dn: {dn}", "objectClass: inetOrgPerson", "objectClass: posixAccount",
        "objectClass: shadowAccount", "objectClass: sesamAccount", f"uid: {username}",
        "cn: Login Pupil", "sn: Pupil", "givenName: Login", "uidNumber: 20001",
        "gidNumber: 10000", f"homeDirectory: /home/{username}", "loginShell: /bin/bash",
        f"mail: {address}", f"userPassword: {OLD_PASSWORD}"]) + "\n"
    subprocess.run(["ldapadd", "-x", "-H", ENV["SESAM_TEST_LDAP_URI"], "-D",
                    ENV["SESAM_TEST_LDAP_ADMIN_DN"], "-w", ENV["SESAM_TEST_LDAP_ADMIN_PASSWORD"]],
                   input=ldif, text=True, check=True, capture_output=True)

    step("nslcd, libpam-ldapd, libnss-ldapd and pamtester in the root")
    # What the school's admin answers in the packages' debconf questions.
    root.apt_install(["nslcd", "libpam-ldapd", "libnss-ldapd", "pamtester"] + PAM_SESAM_LIBRARIES,
                     preseed=f"""\
nslcd nslcd/ldap-uris string {ENV['SESAM_TEST_LDAP_URI']}
nslcd nslcd/ldap-base string {ENV['SESAM_TEST_LDAP_BASE']}
libnss-ldapd libnss-ldapd/nsswitch multiselect passwd, group, shadow
""")
    common_auth = open(root.file("/etc/pam.d/common-auth")).read()
    check("pam_ldap.so" in common_auth, "libpam-ldapd did not add pam_ldap to common-auth")
    check("ldap" in open(root.file("/etc/nsswitch.conf")).read(),
          "libnss-ldapd did not add ldap to nsswitch.conf")
    # A read-only bind for the lookups: the harness's service account reads
    # the accounts (anonymous may only authenticate).
    with open(ENV["SESAM_TEST_LDAP_BIND_PASSWORD_FILE"]) as f:
        bind_password = f.read().strip()
    root.write("/etc/nslcd.conf", f"""\
uid nslcd
gid nslcd
uri {ENV['SESAM_TEST_LDAP_URI']}
base {ENV['SESAM_TEST_LDAP_BASE']}
binddn {ENV['SESAM_TEST_LDAP_BIND_DN']}
bindpw {bind_password}
""", mode=0o640, owner="root:nslcd")
    os.makedirs(root.file("/run/nslcd"), exist_ok=True)
    root.run(["chown", "nslcd:nslcd", "/run/nslcd"])
    nslcd = root.start("nslcd", ["nslcd", "-d"])
    wait_for(lambda: os.path.exists(root.file("/run/nslcd/socket")), nslcd, root, "nslcd")

    status, output = root.run(["getent", "passwd", username], check=False)
    check(status == 0 and ":20001:10000:" in output,
          f"NSS (nslcd) does not know {username}: {output}\n{root.log_tail('nslcd')}")
    root.write("/etc/pam.d/sesam-login", "@include common-auth\n@include common-account\n")
    ok, output = root.pamtester("sesam-login", username, "authenticate", [OLD_PASSWORD])
    check(ok, f"before the reset the old password does not log in:\n{output}\n"
          + root.log_tail("nslcd"))

    step(f"a web reset of {username} through nginx and sesam-fcgi")
    web_reset(username, address, NEW_PASSWORD)
    check(ldap_binds(ENV["SESAM_TEST_LDAP_URI"], dn, NEW_PASSWORD), "the new password does not bind")
    assert_login(root, "sesam-login", username)
    change_through_pam_sesam(root, username, "pam_ldap.so", "20001:10000", "nslcd",
                             lambda password: ldap_binds(ENV["SESAM_TEST_LDAP_URI"], dn, password))
    nslcd_log = root.log_tail("nslcd", 100000)
    for password in (NEW_PASSWORD, STRONG_BY_PAM, OLD_PASSWORD):
        check(password not in nslcd_log, "nslcd's log has a password")


# -- sssd against Samba AD -------------------------------------------------------


def ad_dn(username):
    """The DN of `username` (sAMAccountName), read over ldaps as the service account."""
    env = dict(os.environ, LDAPTLS_CACERT=ENV["SESAM_TEST_LDAP_CA_FILE"])
    done = subprocess.run(["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H",
                           ENV["SESAM_TEST_LDAPS_URI"], "-D", ENV["SESAM_TEST_LDAP_BIND_DN"],
                           "-y", ENV["SESAM_TEST_LDAP_BIND_PASSWORD_FILE"], "-b",
                           ENV["SESAM_TEST_LDAP_PEOPLE"], f"(sAMAccountName={username})", "1.1"],
                          capture_output=True, text=True, env=env, check=True)
    dns = [line[4:] for line in done.stdout.splitlines() if line.startswith("dn: ")]
    check(len(dns) == 1, f"no single entry for {username}: {done.stdout}")
    return dns[0]


def samba(root):
    username = "pw.login"
    address = "pw.login@school.test"
    dn = ad_dn(username)
    old_password = ENV["SESAM_TEST_LDAP_USER_PASSWORD"]
    ca = ENV["SESAM_TEST_LDAP_CA_FILE"]
    # Samba accepts the previous password in LDAP simple binds (hence in
    # sssd's ldap auth) for "old password allowed period" (60 min by default)
    # after a change or reset; only with 0 can "the old one is refused" hold.
    with open(ENV["SESAM_TEST_SAMBA_SMB_CONF"]) as f:
        check("old password allowed period = 0" in f.read(),
              "the Samba harness must set 'old password allowed period = 0': with Samba's "
              "default the old password still binds for 60 minutes after a reset")

    step("sssd-ldap, sssd-krb5, libpam-sss, libnss-sss, pamtester and pam_sesam's libraries")
    root.apt_install(["sssd-ldap", "sssd-krb5", "libpam-sss", "libnss-sss", "pamtester"]
                     + PAM_SESAM_LIBRARIES)
    check("pam_sss.so" in open(root.file("/etc/pam.d/common-auth")).read(),
          "libpam-sss did not add pam_sss to common-auth")
    check("sss" in open(root.file("/etc/nsswitch.conf")).read(),
          "libnss-sss did not add sss to nsswitch.conf")
    shutil.copy(ca, root.file("/etc/sssd/school-ca.crt"))
    shutil.copy(ENV["SESAM_TEST_KRB5_CONFIG"], root.file("/etc/krb5.conf"))
    with open(ENV["SESAM_TEST_LDAP_BIND_PASSWORD_FILE"]) as f:
        bind_password = f.read().strip()
    realm = ENV["SESAM_TEST_SAMBA_REALM"]
    # What a school writes for sssd-ldap against AD: the AD schema, uids
    # mapped from the SIDs (the accounts carry no uidNumber), TLS verified
    # against the school's CA. Passwords change over kpasswd (see the top);
    # the UPN suffix (school.test) is not the realm, as in many schools, and
    # sssd's ldap provider does not ask for enterprise principals, so the
    # principal is built as sAMAccountName@REALM (no principal attribute).
    root.write("/etc/sssd/sssd.conf", f"""\
[sssd]
services = nss, pam
domains = school

[domain/school]
id_provider = ldap
auth_provider = ldap
chpass_provider = krb5
ldap_uri = {ENV['SESAM_TEST_LDAPS_URI']}
ldap_search_base = {ENV['SESAM_TEST_LDAP_BASE']}
ldap_schema = ad
ldap_id_mapping = true
ldap_referrals = false
ldap_default_bind_dn = {ENV['SESAM_TEST_LDAP_BIND_DN']}
ldap_default_authtok_type = password
ldap_default_authtok = {bind_password}
ldap_tls_reqcert = demand
ldap_tls_cacert = /etc/sssd/school-ca.crt
krb5_realm = {realm}
krb5_server = 127.0.0.1
krb5_kpasswd = 127.0.0.1
krb5_validate = false
ldap_user_principal = noSuchAttribute
cache_credentials = false
""", mode=0o600)
    sssd = root.start("sssd", ["sssd", "-i", "--logger=stderr", "-d", "2"])
    wait_for(lambda: os.path.exists(root.file("/var/lib/sss/pipes/pam")), sssd, root, "sssd")

    status, output = 1, ""
    for _ in range(50):  # the nss responder may answer before the domain is online
        status, output = root.run(["getent", "passwd", username], check=False)
        if status == 0:
            break
        time.sleep(0.2)
    check(status == 0 and output.startswith(username + ":"),
          f"NSS (sssd) does not know {username}: {output}\n{root.log_tail('sssd')}")
    uid = output.split(":")[2]
    root.write("/etc/pam.d/sesam-login", "@include common-auth\n@include common-account\n")
    ok, output = root.pamtester("sesam-login", username, "authenticate", [old_password])
    check(ok, f"before the reset the old password does not log in:\n{output}\n"
          + root.log_tail("sssd"))

    step(f"a web reset of {username} through nginx and sesam-fcgi (AD: unicodePwd over ldaps)")
    web_reset(username, address, NEW_PASSWORD)
    check(ldap_binds(ENV["SESAM_TEST_LDAPS_URI"], dn, NEW_PASSWORD, ca), "the new password does not bind")
    check(not ldap_binds(ENV["SESAM_TEST_LDAPS_URI"], dn, old_password, ca), "the old password binds")
    assert_login(root, "sesam-login", username, old_password)

    change_through_pam_sesam(root, username, "pam_sss.so", f"{uid}:{uid}", "sssd",
                             lambda password: ldap_binds(ENV["SESAM_TEST_LDAPS_URI"], dn,
                                                         password, ca))



def change_through_pam_sesam(root, username, module, userspec, daemon, binds):
    """`pamtester chauthtok` as the user, through pam_sesam and then `module`
    (pam_sss.so, pam_ldap.so) with use_authtok, as docs/pam_sesam.8.md stacks
    them: a weak password is refused and the directory keeps NEW_PASSWORD
    (`binds(password)` asks the directory); a strong one is set there."""
    step(f"a password change through pam_sesam + {module}, as the user")
    os.makedirs(root.file("/etc/sesam"), exist_ok=True)
    shutil.copy(ARGS.blocklist, root.file("/etc/sesam/blocklist.txt"))
    root.write("/etc/sesam/sesam.conf", "[policy]\nblocklist = /etc/sesam/blocklist.txt\n")
    security = root.file("/usr/lib/x86_64-linux-gnu/security")
    shutil.copy(ARGS.pam_sesam, os.path.join(security, "pam_sesam.so"))
    root.write("/etc/pam.d/sesam-passwd", f"""\
password requisite  pam_sesam.so retry=1
password sufficient {module} use_authtok
password required   pam_deny.so
""")
    as_user = ["--userspec", userspec]
    # The module asks the current password first (as the user, not root),
    # then pam_sesam the new one twice.
    ok, output = root.pamtester("sesam-passwd", username, "chauthtok",
                                [NEW_PASSWORD, WEAK_PASSWORD, WEAK_PASSWORD],
                                chroot_options=as_user)
    check(not ok and "Password refused" in output,
          f"pam_sesam + {module} accepted the weak password:\n{output}")
    check(binds(NEW_PASSWORD), "after the refused change the password is no longer the reset's")
    ok, output = root.pamtester("sesam-passwd", username, "chauthtok",
                                [NEW_PASSWORD, STRONG_BY_PAM, STRONG_BY_PAM],
                                chroot_options=as_user)
    check(ok, f"pam_sesam + {module} refused a strong password:\n{output}\n"
          + root.log_tail(daemon))
    check(binds(STRONG_BY_PAM), f"the password set through {module} does not bind")
    check(not binds(NEW_PASSWORD), "the reset's password still binds after the change")
    step(f"chauthtok through pam_sesam + {module}: weak refused, strong set in the directory")


def wait_for(ready, process, root, name, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if process.poll() is not None:
            raise Failure(f"{name} exited with {process.returncode}:\n{root.log_tail(name)}")
        time.sleep(0.1)
    raise Failure(f"{name} not ready after {timeout} s:\n{root.log_tail(name)}")


# -- main ------------------------------------------------------------------------

def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--directory", choices=["openldap", "samba"], required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--pam-sesam", required=True)
    parser.add_argument("--blocklist", required=True)
    ARGS = parser.parse_args()
    if os.geteuid() != 0:
        print("test_logins: needs root (debootstrap, chroot, mounts in a private namespace): skipped")
        return 77
    if not os.environ.get("SESAM_LOGINS_IN_NAMESPACE"):
        os.environ["SESAM_LOGINS_IN_NAMESPACE"] = "1"
        os.execvp("unshare", ["unshare", "--mount", "--propagation", "private",
                              sys.executable] + sys.argv)

    for package in FORBIDDEN_ON_HOST:
        check(not installed_on_host(package),
              f"{package} is installed on the host: its PAM/NSS entries change the host's logins")
    before = host_state()
    work = os.path.abspath(ARGS.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    root = Root(os.path.join(work, "root"), os.path.abspath(ARGS.cache), work)
    passed = False
    try:
        step(f"the Debian root in {root.path} (cache {root.cache})")
        root.make()
        root.run(["apt-get", "update", "-q"], log="apt-update.log")
        if ARGS.directory == "openldap":
            openldap(root)
        else:
            samba(root)
        passed = True
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
    except Exception:  # noqa: BLE001: still stop the daemons and compare the host
        traceback.print_exc()
    finally:
        root.stop()
    after = host_state()
    if after != before:
        print("FAIL: the host's PAM/NSS configuration or package list changed", file=sys.stderr)
        passed = False
    if passed:
        # Kept after a failure, to look into; never removed while mounted.
        with open("/proc/self/mounts") as f:
            if f" {root.path}/" not in f.read():
                shutil.rmtree(root.path, ignore_errors=True)
        step("ok: the host's PAM and NSS configuration and packages are unchanged")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
