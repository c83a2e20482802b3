# SPDX-License-Identifier: Apache-2.0
"""The directories the end-to-end suite runs against, one adapter each.

test_directories.py is one suite; the directory is its parameter. Each adapter
below knows how to start its server (through the harness module that owns it),
and how an administrator of that directory does the few things the suite needs
done by another path than Sesam: add an account with its own and co-account
addresses, disable it, set its password, and try a bind.

  openldap         slapd with the Sesam schema (sesamCoAccountMail, rounds and
                   the write claim in the directory)     sesam_harness/slapd.py
  openldap-noschema slapd as Debian ships it, without the Sesam schema: rounds and
                   the claim on the host ([web] state_dir)  slapd.py, schema=False
  samba            Samba AD DC (unicodePwd over LDAPS)   sesam_harness/samba.py
  389ds            389 Directory Server (Password Modify) sesam_harness/ds389.py

An adapter whose harness is not on this branch yet says why in `missing()`;
the suite then skips (exit 77, shown by ctest as "Skipped") with that reason,
never a silent pass, except under CI (CI set, as .ci/run does), where a
missing harness fails. What Sesam itself cannot do yet on a directory is
listed by hand in the adapter's `not_ready`, each entry a skip with its reason.
"""

import base64
import inspect
import os
import subprocess
import time
import uuid

HARNESS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "..", "harness"))

# Passwords the suite uses. OLD is every new account's first password; each is
# accepted by Sesam's default policy, so only the directory can refuse one.
OLD_PASSWORD = "Oud-Wachtwoord-1"
NEW_PASSWORD = "Zomer-Vakantie-2026!"
OTHER_PATH_PASSWORD = "Door-De-Admin-7!"
SELF_SET_PASSWORD = "Zelf-Gekozen-5"  # 389: OLD is then in the history

def _harness_module(name):
    return os.path.join(HARNESS, "sesam_harness", name + ".py")


def _run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)


def _check(result, what):
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}): {result.stderr or result.stdout}")
    return result


class Account:
    def __init__(self, username, dn, own, coaccounts, password=OLD_PASSWORD):
        self.username = username
        self.dn = dn
        self.own = list(own)
        self.coaccounts = list(coaccounts)
        self.password = password  # its password now, before any reset

    @property
    def addresses(self):
        return self.own + self.coaccounts


class Directory:
    """What every adapter offers. `env` after start(): the harness's environment
    (SESAM_TEST_CONFIG holds the [ldap] section sesam-fcgi gets)."""

    name = ""
    title = ""
    # (section, key) -> value: what this directory needs in sesam.conf on top of
    # the harness's [ldap] section.
    overrides = {}

    def __init__(self):
        self.env = {}

    # The ways an administrator stops an account here; add_account(disabled=KIND).
    disabled_kinds = ("disabled",)
    # What Sesam cannot do yet on this directory: {test method name, or "*"
    # for the whole run: why}. Each is a skip that names its reason, kept in
    # sync by hand with what has landed, so a directory that works never skips.
    not_ready = {}

    def missing(self):
        """Why this directory's harness cannot run on this branch, or None."""
        return None

    def start(self, stack, workdir):
        """Enters the server into `stack` (an ExitStack); fills self.env."""
        raise NotImplementedError

    def add_account(self, own=(), coaccounts=(), disabled=False, prefix="jan"):
        raise NotImplementedError

    def set_password_elsewhere(self, account, password):
        """The administrator's own tool, not Sesam."""
        raise NotImplementedError

    def binds(self, account, password):
        raise NotImplementedError

    def refused_by_directory(self, account):
        """(password, reason): a password Sesam's policy accepts and this
        directory refuses for `account`, and the reason Sesam logs for it."""
        raise NotImplementedError

    def rounds_where(self):
        """"directory" or "host": where the per-account rounds are kept."""
        raise NotImplementedError


# -- LDAP directories administered with the OpenLDAP tools -------------------

class LdapTools(Directory):
    """A directory whose harness exports slapd.py's SESAM_TEST_LDAP_* keys:
    the administrator works with ldapadd, ldappasswd and ldapwhoami."""

    def start(self, stack, workdir):
        self.env = stack.enter_context(self.server(workdir)).env()
        self.coaccount_attribute = self._config_value("coaccount_mail_attributes").split()[0]

    def server(self, workdir):
        raise NotImplementedError

    def _config_value(self, key):
        import configparser
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        parser.read(self.env["SESAM_TEST_CONFIG"])
        return parser["ldap"].get(key, "")

    # StartTLS (verified against the harness's CA) for the administrator's
    # tools: 389 refuses a password change in the clear ("Confidentiality
    # required").
    starttls = False

    def _tools(self, dn, password):
        tls = ["-ZZ"] if self.starttls else []
        return ["-x", "-H", self.env["SESAM_TEST_LDAP_URI"]] + tls + ["-D", dn, "-w", password]

    def _tools_env(self):
        return dict(os.environ, LDAPTLS_CACERT=self.env["SESAM_TEST_LDAP_CA_FILE"],
                    LDAPTLS_REQCERT="demand")

    def _admin(self):
        return self._tools(self.env["SESAM_TEST_LDAP_ADMIN_DN"],
                           self.env["SESAM_TEST_LDAP_ADMIN_PASSWORD"])

    def entry_lines(self, coaccounts, disabled):
        """objectClass lines and the lock, as this directory has them."""
        raise NotImplementedError

    def add_account(self, own=(), coaccounts=(), disabled=False, prefix="jan"):
        username = f"{prefix}.{uuid.uuid4().hex[:8]}"
        dn = f"uid={username},{self.env['SESAM_TEST_LDAP_PEOPLE']}"
        lines = [f"dn: {dn}", "objectClass: top", "objectClass: inetOrgPerson"]
        lines += self.entry_lines(coaccounts, disabled)
        lines += [f"uid: {username}", "cn: Jan Test", "sn: Test", "givenName: Jan",
                  f"userPassword: {OLD_PASSWORD}"]
        lines += [f"mail: {a}" for a in own]
        lines += [f"{self.coaccount_attribute}: {a}" for a in coaccounts]
        _check(_run(["ldapadd"] + self._admin(), input="\n".join(lines) + "\n",
                    env=self._tools_env()), "ldapadd")
        return Account(username, dn, own, coaccounts)

    def set_password_elsewhere(self, account, password):
        # ldappasswd: the Password Modify exop, as the directory's administrator.
        _check(_run(["ldappasswd"] + self._admin() + ["-s", password, account.dn],
                    env=self._tools_env()), "ldappasswd")

    def binds(self, account, password):
        result = _run(["ldapwhoami"] + self._tools(account.dn, password), env=self._tools_env())
        return result.returncode == 0

    def refused_by_directory(self, account):
        # ppolicy's pwdInHistory holds the current password: Sesam cannot
        # know it, the directory refuses it.
        return account.password, "ppolicy.in_history"


class OpenLdap(LdapTools):
    name = "openldap"
    title = "OpenLDAP with the Sesam schema"
    schema = True

    def missing(self):
        if self.schema:
            return None
        from sesam_harness import slapd
        if "schema" not in inspect.signature(slapd.Slapd.__init__).parameters:
            return ("slapd.py cannot start slapd without the Sesam schema yet "
                    "(branch ldapcore, Slapd(schema=False), not merged)")
        return None

    def server(self, workdir):
        from sesam_harness.slapd import Slapd
        return Slapd(workdir) if self.schema else Slapd(workdir, schema=False)

    def entry_lines(self, coaccounts, disabled):
        lines = []
        if self.schema:
            lines.append("objectClass: sesamAccount")
        elif coaccounts:
            # Without the Sesam schema the co-accounts live in a standard
            # attribute the harness configured; extensibleObject allows it.
            lines.append("objectClass: extensibleObject")
        if disabled:
            lines.append("pwdAccountLockedTime: 000001010000Z")  # ppolicy's administrative lock
        return lines

    def rounds_where(self):
        return "directory" if self.schema else "host"


class OpenLdapNoSchema(OpenLdap):
    name = "openldap-noschema"
    title = "OpenLDAP without the Sesam schema"
    schema = False


class Ds389(LdapTools):
    name = "389ds"
    title = "389 Directory Server (without the Sesam schema)"

    def missing(self):
        if not os.path.exists(_harness_module("ds389")):
            return ("tests/harness/sesam_harness/ds389.py is not on this branch yet "
                    "(branch ds389, not merged)")
        return None

    def server(self, workdir):
        from sesam_harness.ds389 import Ds389 as Server
        return Server(workdir)

    starttls = True

    def add_account(self, own=(), coaccounts=(), disabled=False, prefix="jan"):
        account = super().add_account(own, coaccounts, disabled, prefix)
        if not disabled:
            # 389 answers the current password again with no reason at all
            # ("Failed to update password", ppolicy.other), an older one with
            # the history control: the pupil changes it once, by herself.
            _check(_run(["ldappasswd"] + self._tools(account.dn, OLD_PASSWORD) +
                        ["-a", OLD_PASSWORD, "-s", SELF_SET_PASSWORD],
                        env=self._tools_env()), "ldappasswd (self)")
            account.password = SELF_SET_PASSWORD
            # Sesam reads 389's password state from pwdUpdateTime, stamped in
            # whole seconds: a change by another path in this same second
            # would not show (the suite saw it: 1 run in 4 kept a link alive).
            # A school's changes are not seconds apart; the suite's are.
            time.sleep(1.05 - time.time() % 1.0)
        return account

    def refused_by_directory(self, account):
        return OLD_PASSWORD, "ppolicy.in_history"

    def entry_lines(self, coaccounts, disabled):
        # mailRecipient carries mailAlternateAddress, the harness's co-account
        # attribute; nsAccountLock is 389's account lock.
        return ["objectClass: mailRecipient"] + (["nsAccountLock: true"] if disabled else [])

    def rounds_where(self):
        return "host"


# -- Samba AD DC ---------------------------------------------------------------

def _unicode_pwd(password):
    """AD's unicodePwd value: the password in double quotes, UTF-16LE, base64 for LDIF."""
    return base64.b64encode(('"%s"' % password).encode("utf-16-le")).decode()


class Samba(Directory):
    name = "samba"
    title = "Samba AD DC"
    disabled_kinds = ("disabled", "expired")  # userAccountControl 0x2, accountExpires

    def missing(self):
        if not os.path.exists(_harness_module("samba")):
            return ("tests/harness/sesam_harness/samba.py is not on this branch yet "
                    "(branch samba, not merged)")
        return None

    def start(self, stack, workdir):
        from sesam_harness.samba import Samba as Server
        self.env = stack.enter_context(Server(workdir)).env()

    def _tls_env(self):
        return dict(os.environ, LDAPTLS_CACERT=self.env["SESAM_TEST_LDAP_CA_FILE"],
                    LDAPTLS_REQCERT="demand")

    def _ldaps(self, dn, password):
        return ["-x", "-H", self.env["SESAM_TEST_LDAPS_URI"], "-D", dn, "-w", password]

    def add_account(self, own=(), coaccounts=(), disabled=False, prefix="jan"):
        # Added over LDAPS as the domain's Administrator, the password in
        # unicodePwd: one ldapadd instead of a samba-tool run per attribute.
        username = f"{prefix[:6]}.{uuid.uuid4().hex[:8]}"  # sAMAccountName: at most 20
        dn = f"CN={username},{self.env['SESAM_TEST_LDAP_PEOPLE']}"
        # 0x200 a normal account; 0x2 disabled.
        control = 0x200 | (0x2 if disabled == "disabled" else 0)
        lines = [f"dn: {dn}", "objectClass: user", f"sAMAccountName: {username}",
                 f"userPrincipalName: {username}@school.test", "givenName: Jan", "sn: Test",
                 f"unicodePwd:: {_unicode_pwd(OLD_PASSWORD)}", f"userAccountControl: {control}"]
        lines += [f"mail: {a}" for a in own[:1]]  # mail is single-valued in AD
        lines += [f"otherMailbox: {a}" for a in list(own[1:]) + list(coaccounts)]
        if disabled == "expired":
            # 2020-01-01 00:00 UTC as a FILETIME (100 ns since 1601).
            lines.append(f"accountExpires: {(1577836800 + 11644473600) * 10**7}")
        _check(_run(["ldapadd"] + self._ldaps(self.env["SESAM_TEST_LDAP_ADMIN_DN"],
                                              self.env["SESAM_TEST_LDAP_ADMIN_PASSWORD"]),
                    input="\n".join(lines) + "\n", env=self._tls_env()), "ldapadd")
        return Account(username, dn, own, coaccounts)

    def set_password_elsewhere(self, account, password):
        # The domain administrator's tool on the DC.
        _check(_run(["samba-tool", "user", "setpassword", account.username,
                     "--newpassword=" + password, "-H", self.env["SESAM_TEST_SAMBA_SAM_LDB"],
                     "-s", self.env["SESAM_TEST_SAMBA_SMB_CONF"]]), "samba-tool user setpassword")

    def binds(self, account, password):
        # Samba has no WhoAmI exop: a bound base search instead.
        result = _run(["ldapsearch"] + self._ldaps(account.dn, password) +
                      ["-b", self.env["SESAM_TEST_LDAP_BASE"], "-s", "base", "1.1"],
                      env=self._tls_env())
        return result.returncode == 0

    def refused_by_directory(self, account):
        # Measured on Samba 4.17: a reset (unicodePwd replace) skips the history,
        # but not complexity, where a space is no "special character"; Sesam's
        # policy counts it as one (lower, upper, other: 3 of 4).
        return "Paardenbloem zonnig fietspad", "ppolicy.complexity"

    def rounds_where(self):
        return "host"


ALL = [OpenLdap, OpenLdapNoSchema, Samba, Ds389]


def by_name(name):
    for adapter in ALL:
        if adapter.name == name:
            return adapter()
    raise SystemExit(f"unknown directory {name!r}; one of: {', '.join(a.name for a in ALL)}")

