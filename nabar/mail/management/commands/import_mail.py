"""Import mail from .eml files, Maildir folders or mbox files (e.g. when moving from another system)."""

from __future__ import annotations

import mailbox as mailboxes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from nabar.accounts.models import Organisation
from nabar.mail.intake import store_many
from nabar.mail.models import InboundEmail

# Messages stored per transaction, and at most this many bytes of them held in memory.
CHUNK = 500
CHUNK_BYTES = 64 * 1024 * 1024


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
        limit = settings.NABAR_MAIL_MAX_BYTES
        new = duplicates = too_big = 0
        pending: list[tuple[str, bytes]] = []
        pending_bytes = 0

        def store(chunk: list[tuple[str, bytes]]) -> None:
            nonlocal new, duplicates
            stored = store_many(
                [raw for _, raw in chunk],
                source=InboundEmail.Source.IMPORT,
                organisation=organisation,
            )
            for (where, _raw), (_message, created) in zip(chunk, stored, strict=True):
                new += created
                duplicates += not created
                if options["verbosity"] >= 2:
                    self.stdout.write(f"{where}: {'stored' if created else 'already there'}")

        for where, raw in self._messages([Path(p) for p in options["paths"]]):
            if len(raw) > limit:
                # The same limit as the SMTP receiver: the message stays in its file, flagged.
                too_big += 1
                self.stderr.write(
                    f"{where}: {_mb(len(raw))} is over the {_mb(limit)} limit "
                    "(NABAR_MAIL_MAX_BYTES); not imported"
                )
                continue
            pending.append((where, raw))
            pending_bytes += len(raw)
            if len(pending) >= CHUNK or pending_bytes > CHUNK_BYTES:
                store(pending)
                pending, pending_bytes = [], 0
        if pending:
            store(pending)
        summary = f"Imported {new} messages ({duplicates} were already there)."
        if too_big:
            summary += f" {too_big} over the size limit were not imported (listed above)."
        self.stdout.write(summary)

    def _messages(self, paths: list[Path]) -> Iterator[tuple[str, bytes]]:
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path} does not exist")
            if path.is_dir() and (path / "cur").is_dir():
                for key, maildir_message in mailboxes.Maildir(path, create=False).iteritems():
                    yield f"{path} ({key})", maildir_message.as_bytes()
            elif path.is_dir():
                for file in sorted(p for p in path.rglob("*") if p.is_file()):
                    yield str(file), file.read_bytes()
            elif _starts_with(path, b"From "):
                for number, message in enumerate(mailboxes.mbox(path, create=False), start=1):
                    yield f"{path} (message {number})", message.as_bytes()
            else:
                yield str(path), path.read_bytes()


def _starts_with(path: Path, prefix: bytes) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(prefix)) == prefix


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
