# SPDX-License-Identifier: Apache-2.0
"""Two OpenLDAP providers in multi-provider replication (syncrepl,
olcMultiProvider) on loopback, for the replication tests and measurements.

    with MultiProvider(workdir) as pair:
        pair.uri(0), pair.uri(1)          # ldap://127.0.0.1:PORT of each
        pair.sesam_conf(["ldap://...", ...])  # a sesam.conf whose [ldap] lists them

Each provider is the test slapd of slapd.py (same schema, ACLs, ppolicy and
base entries, without the fixture accounts; loaded into provider 0 by slapadd,
copied to provider 1 by replication at start), plus olcServerID, the syncprov overlay and an
olcSyncrepl to the other provider (refreshAndPersist, retry every second),
with olcMultiProvider TRUE. Replication binds as the rootdn.

pair.wait_replicated() waits until both hold the same contextCSN;
pair.read(i, dn, attribute) reads one value on provider i as the rootdn;
pair.control(i, "stop"|"start"|"kill"|"pause"|"resume") acts on provider i.
Run with Debian's /usr/bin/python3.
"""

import os
import re
import subprocess
import textwrap
import time
import urllib.parse

from . import common
from .slapd import (ADMIN_DN, ADMIN_PASSWORD, BIND_DN, BIND_PASSWORD, CONTROL_SCRIPT,
                    MODULE_DIR, PEOPLE, SLAPADD, SUFFIX, accounts_ldif, config_ldif,
                    make_certificate)


def _replication_ldif(server_id, other_uri):
    return textwrap.dedent(f"""\
        olcDbIndex: entryCSN eq
        olcSyncrepl: rid={server_id:03d} provider={other_uri} binddn="{ADMIN_DN}"
          bindmethod=simple credentials={ADMIN_PASSWORD} searchbase="{SUFFIX}"
          type=refreshAndPersist retry="1 +" timeout=1 network-timeout=1
        olcMultiProvider: TRUE""")


_SYNCPROV = textwrap.dedent("""\

    dn: olcOverlay={1}syncprov,olcDatabase={1}mdb,cn=config
    objectClass: olcOverlayConfig
    objectClass: olcSyncProvConfig
    olcOverlay: {1}syncprov
    olcSpCheckpoint: 10 1
    """)


class _Provider:
    def __init__(self, workdir, index):
        self.dir = os.path.join(workdir, f"slapd-p{index}")
        self.index = index
        self.port = common.free_port()
        self.tls_port = common.free_port()

    @property
    def uri(self):
        return f"ldap://127.0.0.1:{self.port}"


class MultiProvider:
    def __init__(self, workdir):
        self.workdir = workdir
        self.providers = [_Provider(workdir, 0), _Provider(workdir, 1)]

    def uri(self, i):
        return self.providers[i].uri

    def __enter__(self):
        argon2 = os.path.exists(os.path.join(MODULE_DIR, "argon2.so"))
        for provider in self.providers:
            w = provider.dir
            os.makedirs(os.path.join(w, "slapd.d"))
            os.makedirs(os.path.join(w, "data"))
            make_certificate(os.path.join(w, "tls"))
            other = self.providers[1 - provider.index]
            text = config_ldif(w, argon2)
            text = text.replace("olcModuleLoad: ppolicy",
                                "olcModuleLoad: ppolicy\nolcModuleLoad: syncprov", 1)
            text = text.replace("cn: config\n", f"cn: config\nolcServerID: {provider.index + 1}\n",
                                1)
            text = text.replace("olcDbIndex: entryUUID eq\n",
                                "olcDbIndex: entryUUID eq\n" +
                                _replication_ldif(provider.index + 1, other.uri) + "\n", 1)
            text += _SYNCPROV
            with open(os.path.join(w, "config.ldif"), "w") as f:
                f.write(text)
            steps = [["-n0", "-F", w + "/slapd.d", "-l", w + "/config.ldif"]]
            if provider.index == 0:
                with open(os.path.join(w, "accounts.ldif"), "w") as f:
                    # The base entries without the fixture accounts: one of them
                    # repeats a value in another case, which slapadd -q lets
                    # through and replication refuses. Tests add their own.
                    f.write(accounts_ldif(people=""))
                steps.append(["-n1", "-S", "1", "-w", "-F", w + "/slapd.d",
                              "-l", w + "/accounts.ldif"])
            for args in steps:
                result = subprocess.run([SLAPADD, "-q"] + args, capture_output=True, text=True)
                if result.returncode != 0:
                    raise RuntimeError(f"slapadd {args[0]} failed: {result.stderr}")
            provider.control = os.path.join(w, "slapdctl")
            probe = ("/usr/bin/python3 -c 'import socket;socket.create_connection("
                     f"(\"127.0.0.1\",{provider.port}),0.5)' 2>/dev/null")
            ldapi = "ldapi://" + urllib.parse.quote(os.path.join(w, "ldapi"), safe="")
            with open(provider.control, "w") as f:
                f.write(CONTROL_SCRIPT.format(control=provider.control, w=w, slapd="/usr/sbin/slapd",
                                              port=provider.port, tls_port=provider.tls_port,
                                              probe=probe, ldapi=ldapi))
            os.chmod(provider.control, 0o755)
        self.password_file = os.path.join(self.workdir, "replicated-bind.secret")
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(BIND_PASSWORD)
        try:
            for provider in self.providers:
                subprocess.run([provider.control, "start"], check=True, timeout=60)
            self.wait_replicated(timeout=30.0)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for provider in self.providers:
            subprocess.run([provider.control, "resume"], check=False, timeout=60,
                           capture_output=True)
            subprocess.run([provider.control, "stop"], check=False, timeout=60)
        return False

    def control(self, i, action):
        subprocess.run([self.providers[i].control, action], check=True, timeout=60,
                       capture_output=True)

    def _search(self, i, base, attribute, scope="base"):
        out = subprocess.run(
            ["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H", self.uri(i),
             "-D", ADMIN_DN, "-w", ADMIN_PASSWORD, "-b", base, "-s", scope, attribute],
            capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            return None
        return re.findall(rf"^{attribute}: (.*)$", out.stdout, re.M)

    def read(self, i, dn, attribute):
        """The values of `attribute` of `dn` on provider i ([] when none, None when
        the entry is not there)."""
        return self._search(i, dn, attribute)

    def context_csn(self, i):
        return self._search(i, SUFFIX, "contextCSN")

    def wait_replicated(self, timeout=10.0):
        """Until both providers hold the same contextCSN values."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            a, b = self.context_csn(0), self.context_csn(1)
            if a and b and sorted(a) == sorted(b):
                return
            time.sleep(0.02)
        raise TimeoutError("the providers did not converge")

    def sesam_conf(self, path, uris):
        """Writes a sesam.conf with only an [ldap] section listing `uris`."""
        with open(path, "w") as f:
            f.write(textwrap.dedent(f"""\
                [ldap]
                uri = {" ".join(uris)}
                bind_dn = {BIND_DN}
                bind_password_file = {self.password_file}
                base = {PEOPLE}
                user_filter = (&(objectClass=inetOrgPerson)(uid={{username}}))
                name_attribute = givenName
                mail_attributes = mail
                coaccount_mail_attributes = sesamCoAccountMail
                password_mode = exop
                network_timeout = 2s
                timeout = 3s
                pool_size = 4
                """))
        return path
