#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Writes the seed corpora of tests/fuzz/corpus/ (committed; rerun only to
# change them): a handful of real inputs per target, in the byte layout each
# target reads. FuzzedDataProvider takes integers and booleans from the END
# of the input and strings from the front, "\\" + another byte ending a
# random-length string.
import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
KEY = b"sesam fuzz key: 32 bytes or more."  # tests/fuzz/token.cpp


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def fdp_strings(*fields):
    return b"".join(f.replace(b"\\", b"\\\\") + b"\\|" for f in fields)


def config():
    for source in ("packaging/sesam.conf", "packaging/demo/sesam.conf",
                   "packaging/examples/nist-800-63b.conf"):
        with open(os.path.join(ROOT, source), "rb") as f:
            write("config", source.replace("/", "_"), f.read())
    write("config", "small", "[policy]\nmin_length = 10\nblocklist = a.txt, b.pwq\n"
          "[web]\ntrusted_proxies = 10.0.0.0/8 ::1\nforgot_rate = 30/min\n")


def policy_check():
    for i, (user, given, sur, old, password) in enumerate([
            (b"jan", b"Jan", b"Peeters", b"Welkom01", b"Welkom123!"),
            (b"marie.dubois", b"Marie", b"Dubois", b"", b"Dubois-Marie-2024"),
            (b"", b"", b"", b"", b"correct horse battery staple"),
            (b"x", b"\xc3\xa9l\xc3\xa8ve", b"", b"", b"\xc3\x89l\xc3\xa8ve\x00\xff\xfe"),
            (b"admin", b"", b"", b"aaaa", b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ]):
        write("policy_check", f"seed{i}", fdp_strings(user, given, sur, old) + password +
              bytes([1 if old else 0]))


def token():
    header = b'{"alg":"HS256","typ":"JWT"}'
    payload = {"sub": "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", "jti": b64(os.urandom(16)).decode(),
               "iat": 1800000000, "exp": 1800000900,
               "pst": b64(os.urandom(32)).decode(), "rcp": b64(os.urandom(16)).decode()}
    body = json.dumps(payload, separators=(",", ":")).encode()
    signed = b64(header) + b"." + b64(body)
    tok = signed + b"." + b64(hmac.new(KEY, signed, hashlib.sha256).digest())
    now = (1800000100 - 1700000000).to_bytes(4, "big")  # ConsumeIntegral reads big-end first
    write("token", "valid", tok + b"\x01" + now)
    write("token", "tampered", tok[:-3] + b"AAA" + b"\x01" + now)
    write("token", "expired", tok + b"\x01" + (1900000000 - 1700000000).to_bytes(4, "big"))
    write("token", "payload", body + b"\x01\x00" + now)
    write("token", "payload_dup", body[:-1] + b',"sub":"x"}' + b"\x01\x00" + now)
    write("token", "payload_types", b'{"sub":1,"jti":[],"iat":"1","exp":1e9,"pst":null,"rcp":{}}' +
          b"\x01\x00" + now)


def form():
    write("form", "login", b"username=jan&password=Welkom%20123%21&csrf=abc" + b"\x00")
    write("form", "utf8", b"username=%C3%A9l%C3%A8ve&password=p%E2%82%AC+x" + b"\x00")
    write("form", "bad", b"username=a&username=b&x[]=1&password=%4&csrf=%FF" + b"\x00")
    write("form", "cookie", b"sesam_csrf=abc123; lang=nl; sesam_csrf=dup; =; a" + b"\x01")
    write("form", "roundtrip", "Wachtwoord & élève = 100%?".encode() + b"\x02")


def fcgi_params():
    def env(*pairs):
        return b"\x00".join(pairs)
    write("fcgi_params", "get", env(b"REQUEST_METHOD=GET", b"REQUEST_URI=/forgot?lang=fr",
                                    b"QUERY_STRING=lang=fr&return=https%3A%2F%2Fschool.example%2Fx",
                                    b"HTTP_ACCEPT_LANGUAGE=nl-BE,nl;q=0.9,fr;q=0.8,en;q=0.1",
                                    b"REMOTE_ADDR=192.0.2.7", b"HTTP_COOKIE=sesam_csrf=abc"))
    write("fcgi_params", "post_proxy", env(b"REQUEST_METHOD=POST", b"SCRIPT_NAME=/sesam",
                                           b"PATH_INFO=/forgot", b"CONTENT_LENGTH=42",
                                           b"CONTENT_TYPE=application/x-www-form-urlencoded",
                                           b"REMOTE_ADDR=10.1.2.3",
                                           b"HTTP_X_FORWARDED_FOR=198.51.100.9, 10.0.0.5:8080"))
    write("fcgi_params", "forwarded", env(b"REQUEST_METHOD=POST", b"CONTENT_LENGTH=99999",
                                          b"REMOTE_ADDR=::1",
                                          b'HTTP_FORWARDED=for="[2001:db8::7]:443";proto=https, for=unknown'))


def mail():
    write("mail", "mailbox", b'"Sint-Jan" <noreply@school.example>' + b"\x00")
    write("mail", "mailbox_bare", b"noreply@localhost" + b"\x00")
    write("mail", "compose", fdp_strings(b"jan@school.example", "Jan Peeters".encode(),
                                         "Réinitialisez votre mot de passe".encode(), b"fr",
                                         b"<p>Klik <a href=\"https://x/\">hier</a></p>") +
          "Bonjour,\r\nLien : https://school.example/reset?token=abc\n.\nÉcole\n".encode() + b"\x01")
    write("mail", "qp", "Ligne très longue ".encode() * 8 + b"\r\n.dot \t\n\rend" + b"\x02")
    write("mail", "words", "Wachtwoord opnieuw instellen — élève =?utf-8?".encode() +
          b"\x09\x03")


def ldap():
    write("ldap", "ppolicy_error", b"\x30\x03\x81\x01\x05" + b"\x00")
    write("ldap", "ppolicy_warning", b"\x30\x06\xa0\x04\x80\x02\x0e\x10" + b"\x00")
    write("ldap", "ppolicy_both", b"\x30\x08\xa0\x03\x81\x01\x02\x81\x01\x00" + b"\x00")
    write("ldap", "rounds", b"1800000000:abc 1800000100:def bad :x 12: -5:y" + b"\x01")
    write("ldap", "addresses", fdp_strings(b"SMTP:Jan@School.example", b" jan@school.example ",
                                           b"smtp:", b"other@x.example") + b"\x02")
    write("ldap", "filter", b"(uid={username})*()\\\x00,+=" + b"\x03")


def blocklist():
    write("blocklist", "text", b"123456\npassword\nWelkom01\r\n\xc3\xa9l\xc3\xa8ve2024\n\xff\xfe\n\n")
    if shutil.which("pwqfilter") is None:
        sys.exit("pwqfilter (Debian passwdqc) is needed for the filter seeds")
    with tempfile.TemporaryDirectory() as tmp:
        words = b"123456\npassword\nWelkom01\nazerty\n"
        for name, args in (("md4", ["--create=16", "--hash-md4"]),
                           ("ntlm", ["--create=16", "--hash-ntlm-cp1252"])):
            out = os.path.join(tmp, name + ".pwq")
            subprocess.run(["pwqfilter", *args, "-o", out], input=words, check=True)
            with open(out, "rb") as f:
                write("blocklist", "filter_" + name, f.read())


if __name__ == "__main__":
    shutil.rmtree(CORPUS, ignore_errors=True)
    for make in (config, policy_check, token, form, fcgi_params, mail, ldap, blocklist):
        make()
