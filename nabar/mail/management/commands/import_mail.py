"""Import mail from .eml files, Maildir folders or mbox files (e.g. when moving from another system)."""

from __future__ import annotations

import mailbox as mailboxes
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from nabar.accounts.models import Organisation
from nabar.mail.intake import store_raw
from nabar.mail.models import InboundEmail


class Command(BaseCommand):
    help = "Import messages from .eml files, Maildir folders or mbox files into an organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")
        parser.add_argument(
            "--organisation", required=True, help="The organisation's address name (slug)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation = Organisation.objects.get(slug=options["organisation"])
        except Organisation.DoesNotExist:
            raise CommandError(
                f"No organisation with the address name {options['organisation']!r}"
            ) from None
        new = duplicates = 0
        for raw in self._messages([Path(p) for p in options["paths"]]):
            _stored, created = store_raw(
                raw, source=InboundEmail.Source.IMPORT, organisation=organisation
            )
            new += created
            duplicates += not created
        self.stdout.write(f"Imported {new} messages ({duplicates} were already there).")

    def _messages(self, paths: list[Path]) -> Any:
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path} does not exist")
            if path.is_dir() and (path / "cur").is_dir():
                for maildir_message in mailboxes.Maildir(path, create=False):
                    yield maildir_message.as_bytes()
            elif path.is_dir():
                for file in sorted(p for p in path.rglob("*") if p.is_file()):
                    yield file.read_bytes()
            elif path.read_bytes()[:5] == b"From ":
                for message in mailboxes.mbox(path, create=False):
                    yield message.as_bytes()
            else:
                yield path.read_bytes()
