# SPDX-License-Identifier: Apache-2.0
"""A real OpenLDAP slapd with the Sesam schema and test accounts, on loopback.

`Slapd(workdir)` is a context manager: entering generates a cn=config (slapadd
-n0 from an LDIF written here), loads the accounts fixture (slapadd -n1),
starts slapd on ldap://127.0.0.1:<free port>/ (and a ldapi:// socket in the
temp dir, all under <workdir>/slapd) and waits until it answers; leaving stops it. slapd daemonizes and is managed through its pid file, so a
test can stop and restart it mid-run with the control script.

Server: schemas core, cosine, inetorgperson, nis and schemas/sesam.ldif; one
mdb database (suffix dc=school,dc=test) in the temp dir; the ppolicy overlay
with a default policy (pwdInHistory 5, pwdMinLength 8, pwdCheckQuality 1) and a
second policy cn=young (pwdMinAge 3600); the argon2 password module (so
{ARGON2} values verify). The service account (SESAM_TEST_LDAP_BIND_DN) is not
the rootdn: it reads the accounts and writes only userPassword,
shadowLastChange, sesamResetRounds, sesamPasswordClaim and
objectClass=sesamAccount.

Environment exported by env():
  SESAM_TEST_LDAP_URI                 ldap://127.0.0.1:PORT
  SESAM_TEST_LDAP_LDAPI_URI           ldapi://<socket in the temp dir>: a SASL EXTERNAL
                                      bind by this uid maps to the service account
  SESAM_TEST_LDAP_HOST, _PORT         127.0.0.1 and PORT
  SESAM_TEST_LDAP_BASE                dc=school,dc=test
  SESAM_TEST_LDAP_PEOPLE              ou=people,dc=school,dc=test (the accounts)
  SESAM_TEST_LDAP_BIND_DN             cn=sesam,ou=services,dc=school,dc=test
  SESAM_TEST_LDAP_BIND_PASSWORD_FILE  file (mode 0600) holding its password, without a
                                      newline (so `ldapsearch -y` reads it too)
  SESAM_TEST_LDAP_ADMIN_DN            cn=admin,dc=school,dc=test (rootdn)
  SESAM_TEST_LDAP_ADMIN_PASSWORD      its password
  SESAM_TEST_LDAP_USER_PASSWORD       the initial password of every fixture account
  SESAM_TEST_LDAPS_URI                ldaps://127.0.0.1:<port>: the same server, TLS from
                                      the first byte (same certificate)
  SESAM_TEST_LDAP_CA_FILE             the server's self-signed certificate (CN and IP
                                      127.0.0.1): StartTLS works on the ldap:// port
  SESAM_TEST_LDAP_CONTROL             script: `$SESAM_TEST_LDAP_CONTROL stop|start|restart`,
                                      kill (SIGKILL: a crash; `start` restarts it on
                                      the same database), or pause|resume
                                      (SIGSTOP/SIGCONT: a hung server)
  SESAM_TEST_LDAP_SCHEMA_DIR          the schemas/ folder loaded
  SESAM_TEST_LDAP_ARGON2              "1" when the argon2 module is loaded, else "0"
  SESAM_TEST_CONFIG                   a sesam.conf whose [ldap] section points here
                                      (other sections at their defaults)

Fixture accounts under ou=people (uid: given name / own mail / co-account mail):
  jan.selle     Jan Selle; jan.selle@school.test; mama.selle@example.test,
                papa.selle@example.test (the demo account; shadowAccount)
  els.peeters   Els; els.peeters@school.test; 1 co-account (ouders.peeters@example.test)
  noor.jacobs   Noor; noor.jacobs@school.test; 3 co-accounts, one of them repeated
                in another case (MAMA.jacobs@...), which must appear once
  lien.devos    Lien; no own address; 2 co-accounts
  tom.zonder    Tom; no address at all
  zoe.dubois    Zoë Dubois-Ñúñez (unicode names); zoe.dubois@school.test
  émile.lefèvre unicode uid; emile@school.test
  pieter.smtp   Pieter; own "smtp:Pieter@School.test" (AD-style prefix) and
                co-account "pieter@school.test" (the same address: listed once)
  a*b(c)\\d     uid with filter metacharacters (dn cn=Special Chars); x@school.test
  dup.user      two entries with this uid (cn=dup one, cn=dup two)
  pw.exop pw.crypt pw.argon2 pw.history pw.race pw.rounds pw.down pw.cli pw.tls
                accounts the tests change passwords or rounds of; pw.<x>@school.test
  young.user    under the cn=young policy (pwdMinAge 3600)
  For the change page (web_cgi/src/change_page.cpp), each under its own policy:
  pw.change pw.chist   the default policy
  pw.forced     cn=mustchange (pwdMustChange TRUE), pwdReset TRUE: must change
  pw.expired    cn=expiring (pwdMaxAge 1 day, no grace), pwdChangedTime in 2020
  pw.nochange   cn=nochange (pwdAllowUserChange FALSE)
Every account has objectClass inetOrgPerson, posixAccount, shadowAccount and
sesamAccount, and the password SESAM_TEST_LDAP_USER_PASSWORD.

Slapd(workdir, schema=False): slapd as Debian ships it, without schemas/sesam.ldif
(issue 11): the accounts lack objectClass sesamAccount, their co-account
addresses are in otherMailbox (objectClass extensibleObject, configured as
coaccount_mail_attributes), each has a pwdChangedTime, and the service account
writes only userPassword and shadowLastChange. SESAM_TEST_LDAP_SCHEMA is "0".
Slapd(workdir, schema=False, readable_passwords=False): besides, the service
account may write userPassword but not read or search it (the password state
then comes from pwdChangedTime).
"""

import base64
import hashlib
import os
import subprocess
import textwrap
import urllib.parse

from . import common

SUFFIX = "dc=school,dc=test"
PEOPLE = "ou=people," + SUFFIX
BIND_DN = "cn=sesam,ou=services," + SUFFIX
ADMIN_DN = "cn=admin," + SUFFIX
ADMIN_PASSWORD = "admin-secret-for-tests"
BIND_PASSWORD = "sesam-service-secret"
USER_PASSWORD = "Start-Wachtwoord-1"
SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
MODULE_DIR = "/usr/lib/ldap"
SYSTEM_SCHEMA_DIR = "/etc/ldap/schema"
SCHEMA_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "schemas"))

# uid, rdn, cn, givenName, sn, own mails, co-account mails, extra attribute lines
ACCOUNTS = [
    ("jan.selle", None, "Jan Selle", "Jan", "Selle", ["jan.selle@school.test"],
     ["mama.selle@example.test", "papa.selle@example.test"], []),
    ("els.peeters", None, "Els Peeters", "Els", "Peeters", ["els.peeters@school.test"],
     ["ouders.peeters@example.test"], []),
    ("noor.jacobs", None, "Noor Jacobs", "Noor", "Jacobs", ["noor.jacobs@school.test"],
     ["mama.jacobs@example.test", "papa.jacobs@example.test", "MAMA.jacobs@example.test",
      "oma.jacobs@example.test"], []),
    ("lien.devos", None, "Lien Devos", "Lien", "Devos", [],
     ["mama.devos@example.test", "papa.devos@example.test"], []),
    ("tom.zonder", None, "Tom Zonder", "Tom", "Zonder", [], [], []),
    ("zoe.dubois", None, "Zoë Dubois-Ñúñez", "Zoë", "Dubois-Ñúñez", ["zoe.dubois@school.test"],
     [], []),
    ("émile.lefèvre", "cn=Emile Lefevre", "Émile Lefèvre", "Émile", "Lefèvre",
     ["emile@school.test"], [], []),
    ("pieter.smtp", None, "Pieter Smtp", "Pieter", "Smtp", ["smtp:Pieter@School.test"],
     ["pieter@school.test"], []),
    ("a*b(c)\\d", "cn=Special Chars", "Special Chars", "Special", "Chars", ["x@school.test"],
     [], []),
    ("dup.user", "cn=dup one", "dup one", "Dup", "One", ["dup1@school.test"], [], []),
    ("dup.user", "cn=dup two", "dup two", "Dup", "Two", ["dup2@school.test"], [], []),
    ("young.user", None, "Young User", "Young", "User", ["young@school.test"], [],
     ["pwdPolicySubentry: cn=young,ou=policies," + SUFFIX]),
    ("pw.forced", None, "Pw Forced", "Pw", "Forced", ["pw.forced@school.test"], [],
     ["pwdPolicySubentry: cn=mustchange,ou=policies," + SUFFIX, "pwdReset: TRUE"]),
    ("pw.expired", None, "Pw Expired", "Pw", "Expired", ["pw.expired@school.test"], [],
     ["pwdPolicySubentry: cn=expiring,ou=policies," + SUFFIX,
      "pwdChangedTime: 20200101000000Z"]),
    ("pw.nochange", None, "Pw Nochange", "Pw", "Nochange", ["pw.nochange@school.test"], [],
     ["pwdPolicySubentry: cn=nochange,ou=policies," + SUFFIX]),
] + [("pw." + name, None, "Pw " + name.capitalize(), "Pw", name.capitalize(),
      ["pw.%s@school.test" % name], [], [])
     for name in ("exop", "crypt", "argon2", "history", "race", "rounds", "down", "cli", "tls",
                  "change", "chist")]


def ssha(password):
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def ldif_line(attribute, value):
    """One attribute line; base64 when the value is not plain ASCII (RFC 2849)."""
    if value.isascii() and value.isprintable() and not value.startswith((" ", ":", "<")):
        return "%s: %s" % (attribute, value)
    return "%s:: %s" % (attribute, base64.b64encode(value.encode()).decode())


def accounts_ldif(people=None, schema=True):
    """The base entries, the service account, the policies and the accounts:
    the fixture below, or `people` (LDIF text of entries under ou=people)."""
    entries = [textwrap.dedent("""\
        dn: {s}
        objectClass: dcObject
        objectClass: organization
        dc: school
        o: Test School

        dn: ou=people,{s}
        objectClass: organizationalUnit
        ou: people

        dn: ou=services,{s}
        objectClass: organizationalUnit
        ou: services

        dn: ou=policies,{s}
        objectClass: organizationalUnit
        ou: policies

        dn: {bind}
        objectClass: applicationProcess
        objectClass: simpleSecurityObject
        cn: sesam
        userPassword: {bind_pw}

        dn: cn=default,ou=policies,{s}
        objectClass: organizationalRole
        objectClass: pwdPolicy
        cn: default
        pwdAttribute: userPassword
        pwdInHistory: 5
        pwdMinLength: 8
        pwdCheckQuality: 1
        pwdAllowUserChange: TRUE
        pwdMustChange: FALSE

        dn: cn=young,ou=policies,{s}
        objectClass: organizationalRole
        objectClass: pwdPolicy
        cn: young
        pwdAttribute: userPassword
        pwdInHistory: 5
        pwdMinLength: 8
        pwdMinAge: 3600
        pwdCheckQuality: 1

        dn: cn=mustchange,ou=policies,{s}
        objectClass: organizationalRole
        objectClass: pwdPolicy
        cn: mustchange
        pwdAttribute: userPassword
        pwdInHistory: 5
        pwdMinLength: 8
        pwdMustChange: TRUE
        pwdAllowUserChange: TRUE

        dn: cn=expiring,ou=policies,{s}
        objectClass: organizationalRole
        objectClass: pwdPolicy
        cn: expiring
        pwdAttribute: userPassword
        pwdInHistory: 5
        pwdMinLength: 8
        pwdMaxAge: 86400
        pwdGraceAuthNLimit: 0

        dn: cn=nochange,ou=policies,{s}
        objectClass: organizationalRole
        objectClass: pwdPolicy
        cn: nochange
        pwdAttribute: userPassword
        pwdMinLength: 8
        pwdAllowUserChange: FALSE
        """).format(s=SUFFIX, bind=BIND_DN, bind_pw=ssha(BIND_PASSWORD))]
    if people is not None:
        return "\n".join(entries + [people])
    for number, (uid, rdn, cn, given, sn, own, co, extra) in enumerate(ACCOUNTS):
        dn = (rdn or "uid=" + uid) + "," + PEOPLE
        lines = [ldif_line("dn", dn), "objectClass: inetOrgPerson", "objectClass: posixAccount",
                 "objectClass: shadowAccount",
                 "objectClass: sesamAccount" if schema else "objectClass: extensibleObject",
                 ldif_line("uid", uid), ldif_line("cn", cn), ldif_line("givenName", given),
                 ldif_line("sn", sn), ldif_line("displayName", cn),
                 "uidNumber: %d" % (10000 + number), "gidNumber: 10000",
                 "homeDirectory: /home/%d" % (10000 + number), "shadowLastChange: 19000",
                 ldif_line("userPassword", ssha(USER_PASSWORD))]
        if rdn:
            lines.append(ldif_line(rdn.split("=", 1)[0], rdn.split("=", 1)[1]))
        lines += [ldif_line("mail", m) for m in own]
        lines += [ldif_line("sesamCoAccountMail" if schema else "otherMailbox", m) for m in co]
        if not schema:
            lines.append("pwdChangedTime: 20260101000000Z")
        lines += extra
        entries.append("\n".join(dict.fromkeys(lines)) + "\n")
    return "\n".join(entries)


def access_rules(schema, readable_passwords):
    """The olcAccess lines: the service account reads the accounts and writes
    only what Sesam writes (and, without readable_passwords, cannot read or
    search userPassword)."""
    svc = 'dn.exact="%s"' % BIND_DN
    password_right = "write" if readable_passwords else "=w"
    rules = ["to attrs=userPassword by %s %s by self write by anonymous auth by * none"
             % (svc, password_right)]
    if schema:
        rules += ["to attrs=shadowLastChange,sesamResetRounds,sesamPasswordClaim "
                  "by %s write by self read by * none" % svc,
                  "to attrs=objectClass val=sesamAccount by %s write by * break" % svc]
    else:
        rules += ["to attrs=shadowLastChange by %s write by self read by * none" % svc]
    rules.append("to * by %s read by self read by anonymous auth by * none" % svc)
    return "\n".join("olcAccess: {%d}%s" % (number, rule) for number, rule in enumerate(rules))


def config_ldif(workdir, argon2, schema=True, readable_passwords=True):
    schemas = [os.path.join(SYSTEM_SCHEMA_DIR, name + ".ldif")
               for name in ("core", "cosine", "inetorgperson", "nis")]
    if schema:
        schemas.append(os.path.join(SCHEMA_DIR, "sesam.ldif"))
    includes = "\n\n".join("include: file://" + path for path in schemas)
    modules = "olcModuleLoad: back_mdb\nolcModuleLoad: ppolicy"
    if argon2:
        modules += "\nolcModuleLoad: argon2"
    return textwrap.dedent("""\
        dn: cn=config
        objectClass: olcGlobal
        cn: config
        olcPidFile: {w}/slapd.pid
        olcArgsFile: {w}/slapd.args
        olcTLSCertificateFile: {w}/tls/server.crt
        olcTLSCertificateKeyFile: {w}/tls/server.key
        olcAuthzRegexp: {{0}}"gidNumber=[0-9]+\\+uidNumber={uid},cn=peercred,cn=external,cn=auth" "{bind}"

        dn: cn=module{{0}},cn=config
        objectClass: olcModuleList
        cn: module{{0}}
        olcModulePath: {mods}
        {modules}

        dn: cn=schema,cn=config
        objectClass: olcSchemaConfig
        cn: schema

        {includes}

        dn: olcDatabase={{-1}}frontend,cn=config
        objectClass: olcDatabaseConfig
        objectClass: olcFrontendConfig
        olcDatabase: {{-1}}frontend
        olcPasswordHash: {{SSHA}}

        dn: olcDatabase={{0}}config,cn=config
        objectClass: olcDatabaseConfig
        olcDatabase: {{0}}config
        olcAccess: {{0}}to * by * none

        dn: olcDatabase={{1}}mdb,cn=config
        objectClass: olcDatabaseConfig
        objectClass: olcMdbConfig
        olcDatabase: {{1}}mdb
        olcDbDirectory: {w}/data
        olcSuffix: {s}
        olcRootDN: {admin}
        olcRootPW: {admin_pw}
        olcDbMaxSize: 268435456
        olcDbIndex: objectClass eq
        olcDbIndex: uid eq
        olcDbIndex: entryUUID eq
        {access}

        dn: olcOverlay={{0}}ppolicy,olcDatabase={{1}}mdb,cn=config
        objectClass: olcOverlayConfig
        objectClass: olcPPolicyConfig
        olcOverlay: {{0}}ppolicy
        olcPPolicyDefault: cn=default,ou=policies,{s}
        """).format(w=workdir, mods=MODULE_DIR, modules=modules,
                    includes=includes, s=SUFFIX, admin=ADMIN_DN,
                    admin_pw=ADMIN_PASSWORD, uid=os.getuid(), bind=BIND_DN,
                    access=access_rules(schema, readable_passwords))


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 (StartTLS tests); returns it as the CA file."""
    os.makedirs(directory)
    crt, key = os.path.join(directory, "server.crt"), os.path.join(directory, "server.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", crt], check=True, capture_output=True)
    return crt


CONTROL_SCRIPT = """#!/bin/sh
# Stops or starts the test slapd: {control} stop|start|restart|kill|pause|resume
# (pause: SIGSTOP, the server accepts connections but never answers; kill:
# SIGKILL, a crash: `start` brings it back on the same database)
set -e
pidfile='{w}/slapd.pid'
do_stop() {{
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 200 ] && kill -9 "$pid" 2>/dev/null || true
    sleep 0.05
  done
  rm -f "$pidfile"
}}
do_start() {{
  {slapd} -F '{w}/slapd.d' -h 'ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/ {ldapi}' -s 0 >>'{w}/slapd.log' 2>&1
  i=0
  until {probe}; do
    i=$((i + 1)); [ $i -gt 400 ] && {{ echo "slapd did not start" >&2; exit 1; }}
    sleep 0.05
  done
}}
case "$1" in
  stop) do_stop ;;
  start) do_start ;;
  restart) do_stop; do_start ;;
  kill) pid=$(cat "$pidfile"); kill -KILL "$pid"
        # Dead once a zombie: its reaper (init here) may take its time.
        while [ -e "/proc/$pid" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
          sleep 0.01
        done
        rm -f "$pidfile" ;;
  pause) kill -STOP "$(cat "$pidfile")" ;;
  resume) kill -CONT "$(cat "$pidfile")" ;;
  *) echo "usage: $0 stop|start|restart|kill|pause|resume" >&2; exit 2 ;;
esac
"""


class Slapd:
    def __init__(self, workdir, people=None, schema=True, readable_passwords=True):
        """`people`: LDIF text of the accounts to load instead of the fixture
        (the demo school, packaging/demo/school.ldif). `schema`,
        `readable_passwords`: see the module's description."""
        self.workdir = os.path.join(workdir, "slapd")
        self.people = people
        self.schema = schema
        self.readable_passwords = readable_passwords
        self.port = None

    def __enter__(self):
        w = self.workdir
        os.makedirs(os.path.join(w, "slapd.d"))
        os.makedirs(os.path.join(w, "data"))
        self.port = common.free_port()
        self.tls_port = common.free_port()
        argon2 = os.path.exists(os.path.join(MODULE_DIR, "argon2.so"))
        self.ca_file = make_certificate(os.path.join(w, "tls"))
        self.argon2 = argon2
        with open(os.path.join(w, "config.ldif"), "w") as f:
            f.write(config_ldif(w, argon2, self.schema, self.readable_passwords))
        with open(os.path.join(w, "accounts.ldif"), "w") as f:
            f.write(accounts_ldif(self.people, self.schema))
        for args in (["-n0", "-F", w + "/slapd.d", "-l", w + "/config.ldif"],
                     ["-n1", "-F", w + "/slapd.d", "-l", w + "/accounts.ldif"]):
            result = subprocess.run([SLAPADD, "-q"] + args, capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError("slapadd %s failed: %s" % (args[0], result.stderr))
        self.password_file = os.path.join(w, "bind.secret")
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(BIND_PASSWORD)
        self.control = os.path.join(w, "slapdctl")
        probe = "/usr/bin/python3 -c 'import socket;socket.create_connection((\"127.0.0.1\",%d),0.5)' 2>/dev/null" % self.port
        self.ldapi = "ldapi://" + urllib.parse.quote(os.path.join(w, "ldapi"), safe="")
        with open(self.control, "w") as f:
            f.write(CONTROL_SCRIPT.format(control=self.control, w=w, slapd=SLAPD, port=self.port,
                                          tls_port=self.tls_port, probe=probe, ldapi=self.ldapi))
        os.chmod(self.control, 0o755)
        self.config = os.path.join(w, "sesam.conf")
        with open(self.config, "w") as f:
            f.write(textwrap.dedent("""\
                # Generated by tests/harness/sesam_harness/slapd.py
                [ldap]
                uri = ldap://127.0.0.1:{port}
                bind_dn = {bind}
                bind_password_file = {pwfile}
                base = {people}
                user_filter = (&(objectClass=inetOrgPerson)(uid={{username}}))
                name_attribute = givenName
                mail_attributes = mail
                coaccount_mail_attributes = {coaccount}
                password_mode = exop
                network_timeout = 2s
                timeout = 3s
                pool_size = 8
                """).format(port=self.port, bind=BIND_DN, pwfile=self.password_file,
                            people=PEOPLE,
                            coaccount="sesamCoAccountMail" if self.schema else "otherMailbox"))
        subprocess.run([self.control, "start"], check=True, timeout=60)
        return self

    def __exit__(self, *exc):
        subprocess.run([self.control, "resume"], check=False, timeout=60, capture_output=True)
        subprocess.run([self.control, "stop"], check=False, timeout=60)
        return False

    def env(self):
        return {
            "SESAM_TEST_LDAP_URI": "ldap://127.0.0.1:%d" % self.port,
            "SESAM_TEST_LDAPS_URI": "ldaps://127.0.0.1:%d" % self.tls_port,
            "SESAM_TEST_LDAP_LDAPI_URI": self.ldapi,
            "SESAM_TEST_LDAP_HOST": "127.0.0.1",
            "SESAM_TEST_LDAP_PORT": str(self.port),
            "SESAM_TEST_LDAP_BASE": SUFFIX,
            "SESAM_TEST_LDAP_PEOPLE": PEOPLE,
            "SESAM_TEST_LDAP_BIND_DN": BIND_DN,
            "SESAM_TEST_LDAP_BIND_PASSWORD_FILE": self.password_file,
            "SESAM_TEST_LDAP_ADMIN_DN": ADMIN_DN,
            "SESAM_TEST_LDAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SESAM_TEST_LDAP_USER_PASSWORD": USER_PASSWORD,
            "SESAM_TEST_LDAP_CONTROL": self.control,
            "SESAM_TEST_LDAP_SCHEMA_DIR": SCHEMA_DIR,
            "SESAM_TEST_LDAP_CA_FILE": self.ca_file,
            "SESAM_TEST_LDAP_ARGON2": "1" if self.argon2 else "0",
            "SESAM_TEST_CONFIG": self.config,
            "SESAM_TEST_LDAP_SCHEMA": "1" if self.schema else "0",
        }
