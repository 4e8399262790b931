"""Fetch mail from the configured IMAP mailboxes, once or continuously (IDLE where offered)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from nabar.lib.redact import error_text
from nabar.mail import imap
from nabar.mail.config import MailboxConfigError, load_from_environment
from nabar.mail.models import Mailbox


class Command(BaseCommand):
    help = "Fetch new mail from every enabled IMAP mailbox into Nåbar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--watch", action="store_true", help="Keep running: IDLE, or poll.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between polls.")
        parser.add_argument("--mailbox", help="Only this mailbox (its name).")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        try:
            load_from_environment()
        except MailboxConfigError as exc:
            raise CommandError(str(exc)) from None
        mailboxes = Mailbox.objects.filter(kind=Mailbox.Kind.IMAP, enabled=True).select_related(
            "organisation"
        )
        if options["mailbox"]:
            mailboxes = mailboxes.filter(name=options["mailbox"])
        if not mailboxes:
            self.stdout.write(
                "No IMAP mailbox is configured; set NABAR_MAILBOXES or add one under "
                "Administration > Mailboxes."
            )
            return
        while True:
            for mailbox in mailboxes:
                self._fetch(mailbox, idle=options["watch"] and len(mailboxes) == 1)
            if not options["watch"] or self.stopping:
                return
            time.sleep(options["interval"])

    def _stop(self, *_: object) -> None:
        self.stopping = True

    def _fetch(self, mailbox: Mailbox, *, idle: bool) -> None:
        try:
            client = imap.connect(mailbox)
            try:
                result = imap.fetch_new(mailbox, client)
                self.stdout.write(
                    f"{mailbox}: {result.new} new, {result.duplicates} already stored"
                )
                while idle and not self.stopping and b"IDLE" in client.capabilities():
                    client.idle()
                    client.idle_check(timeout=300)
                    client.idle_done()
                    result = imap.fetch_new(mailbox, client)
                    if result.new:
                        self.stdout.write(f"{mailbox}: {result.new} new")
            finally:
                client.logout()
        except Exception as exc:  # report and carry on with the next mailbox
            Mailbox.objects.filter(pk=mailbox.pk).update(
                last_checked_at=timezone.now(), last_error=error_text(exc)
            )
            self.stderr.write(f"{mailbox}: {error_text(exc)}")
