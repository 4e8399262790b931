"""A throwaway Dovecot IMAP server on 127.0.0.1 for tests (Debian package dovecot-imapd)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

from nabar.mail.tests.smtp_sink import free_port

USER = "support@example.test"
PASSWORD = "secret"


class Dovecot:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.conf = root / "dovecot.conf"

    def start(self) -> Dovecot:
        root = self.root
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
            nobody = pwd.getpwnam("nobody")
            mail_uid, mail_gid = nobody.pw_uid, nobody.pw_gid
            os.chown(root / "mail", mail_uid, mail_gid)
        else:
            me = pwd.getpwuid(os.getuid())
            login_user = internal_user = me.pw_name
            internal_group = me.pw_name
            mail_uid, mail_gid = os.getuid(), os.getgid()
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        (root / "passwd").chmod(0o644)
        self.conf.write_text(
            f"""instance_name = nabar-test-{self.port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
"""
        )
        # dovecot daemonises and keeps its output open: a captured pipe would never close.
        subprocess.run(
            ["dovecot", "-c", str(self.conf)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("Dovecot did not start: " + (root / "dovecot.log").read_text())

    def deliver(self, raw: bytes) -> None:
        subprocess.run(
            ["doveadm", "-c", str(self.conf), "save", "-u", USER],
            input=raw,
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(["doveadm", "-c", str(self.conf), "stop"], capture_output=True)


def available() -> bool:
    return shutil.which("dovecot") is not None and shutil.which("doveadm") is not None
