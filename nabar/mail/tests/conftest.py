"""Real mail servers for the mail tests: a throwaway Dovecot and an SMTP sink for outgoing mail."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from nabar.mail.tests import dovecot
from nabar.mail.tests.smtp_sink import SmtpSink


@pytest.fixture
def imap_server():
    if not dovecot.available():
        if os.environ.get("CI"):
            pytest.fail("Dovecot is missing; ./nabarctl test installs dovecot-imapd")
        pytest.skip("Dovecot is not installed (./nabarctl test installs dovecot-imapd)")
    # Not under pytest's private temporary directory: Dovecot stores mail as an unprivileged
    # user, who must be able to reach the folder.
    root = Path(tempfile.mkdtemp(prefix="nabar-dovecot-"))
    root.chmod(0o755)
    server = dovecot.Dovecot(root).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def smtp(settings):
    """Outgoing mail goes over real SMTP to a sink that keeps what it receives."""
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        yield sink
