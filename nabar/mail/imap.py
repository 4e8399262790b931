"""Fetching mail from an IMAP mailbox; a message is flagged only after it is committed."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass

from django.utils import timezone
from imapclient import IMAPClient

from nabar.mail.intake import store_many
from nabar.mail.models import InboundEmail, Mailbox

# Stored messages get this keyword, so a crash between storing and flagging re-reads the
# message at worst, and the store deduplicates it.
STORED_FLAG = b"$NabarStored"
BATCH = 50


@dataclass(frozen=True)
class FetchResult:
    new: int
    duplicates: int


def connect(mailbox: Mailbox) -> IMAPClient:
    password = os.environ.get(mailbox.password_env, "") if mailbox.password_env else ""
    context = ssl.create_default_context() if mailbox.imap_tls else None
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=mailbox.imap_tls,
        ssl_context=context,
        timeout=60,
    )
    client.login(mailbox.imap_username, password)
    client.select_folder(mailbox.folder)
    return client


def fetch_new(mailbox: Mailbox, client: IMAPClient) -> FetchResult:
    """Store every message not yet stored, then flag it; returns the counts."""
    uids = client.search(["NOT", "KEYWORD", STORED_FLAG.decode(), "NOT", "DELETED"])
    new = duplicates = 0
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        fetched = client.fetch(batch, ["BODY.PEEK[]"])
        got = sorted(fetched)
        stored = store_many(
            [fetched[uid].get(b"BODY[]") or b"" for uid in got],
            source=InboundEmail.Source.IMAP,
            organisation=mailbox.organisation,
            mailbox=mailbox,
            envelope_to=[mailbox.address],
        )
        created = sum(is_new for _, is_new in stored)
        new += created
        duplicates += len(stored) - created
        if got:
            # Flagged only now that every one of them is committed.
            client.add_flags(got, [STORED_FLAG, b"\\Seen"])
    Mailbox.objects.filter(pk=mailbox.pk).update(last_checked_at=timezone.now(), last_error="")
    return FetchResult(new=new, duplicates=duplicates)
