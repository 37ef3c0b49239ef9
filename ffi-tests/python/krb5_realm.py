"""A throwaway MIT Kerberos realm for the Python and C tests: kdb5_util, kadmin.local and krb5kdc
on a free loopback port, every file in the directory given (KRB5_CONFIG / KRB5_KDC_PROFILE point
there; /etc is never touched). The user has a password; HTTP/localhost has a keytab."""

import os
import shutil
import signal
import socket
import subprocess
import time


def available():
    return shutil.which("krb5kdc") is not None or os.path.exists("/usr/sbin/krb5kdc")


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1."""
    while True:
        with socket.socket() as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue


class Realm:
    def __init__(self, d, realm, user, password, enctypes="aes256-cts-hmac-sha1-96:normal"):
        self.dir, self.port = d, free_port()
        self.krb5_conf, self.kdc_conf, self.keytab = d / "krb5.conf", d / "kdc.conf", d / "http.keytab"
        self.krb5_conf.write_text(
            f"[libdefaults]\n default_realm = {realm}\n dns_canonicalize_hostname = false\n rdns = false\n"
            f"[realms]\n {realm} = {{\n  kdc = 127.0.0.1:{self.port}\n }}\n[domain_realm]\n localhost = {realm}\n")
        self.kdc_conf.write_text(
            f"[kdcdefaults]\n kdc_listen = {self.port}\n kdc_tcp_listen = {self.port}\n"
            f"[realms]\n {realm} = {{\n  database_name = {d}/principal\n  key_stash_file = {d}/stash\n"
            f"  acl_file = {d}/kadm5.acl\n  supported_enctypes = {enctypes}\n }}\n"
            f"[logging]\n kdc = FILE:{d}/kdc.log\n")
        self.env = dict(os.environ, KRB5_CONFIG=str(self.krb5_conf), KRB5_KDC_PROFILE=str(self.kdc_conf))
        self.run("kdb5_util", "create", "-s", "-r", realm, "-P", "masterpw")
        self.run("kadmin.local", "-r", realm, "-q", f"addprinc -pw {password} {user}")
        self.run("kadmin.local", "-r", realm, "-q", "addprinc -randkey HTTP/localhost")
        self.run("kadmin.local", "-r", realm, "-q", f"ktadd -k {self.keytab} HTTP/localhost")
        self.run("krb5kdc", "-P", str(d / "kdc.pid"), "-r", realm)
        deadline, self.pid = time.time() + 20, None
        while self.pid is None:
            try:
                self.pid = int((d / "kdc.pid").read_text().strip())
            except (OSError, ValueError):
                assert time.time() < deadline, "krb5kdc did not start"
                time.sleep(0.02)

    def run(self, *args):
        subprocess.run(args, env=self.env, check=True, capture_output=True, timeout=60)

    def stop(self):
        if self.pid:
            os.kill(self.pid, signal.SIGTERM)
            self.pid = None
