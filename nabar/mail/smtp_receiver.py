"""The built-in SMTP receiver (aiosmtpd): 250 only after the raw message is committed.

A recipient that no organisation receives mail for is refused (550); a message over the size
limit is refused for good (552, by aiosmtpd); any internal failure is answered 451 so the
sending server keeps the message and tries again later.
"""

from __future__ import annotations

import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from asgiref.sync import sync_to_async
from django.db import close_old_connections

from nabar.mail.intake import organisation_for, store_raw
from nabar.mail.models import InboundEmail

log = logging.getLogger(__name__)


class IntakeHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            organisation, _mailbox = await sync_to_async(_resolve, thread_sensitive=False)(address)
        except Exception:
            log.exception("recipient lookup failed")
            return "451 4.3.0 Temporary failure, please try again later"
        if organisation is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await sync_to_async(_store, thread_sensitive=False)(
                raw, str(envelope.mail_from or ""), list(envelope.rcpt_tos)
            )
        except Exception:
            log.exception("could not store a received message")
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 Message accepted"


def _resolve(address: str) -> tuple[Any, Any]:
    close_old_connections()
    return organisation_for([address])


def _store(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> None:
    close_old_connections()
    store_raw(raw, source=InboundEmail.Source.SMTP, envelope_from=mail_from, envelope_to=rcpt_tos)


def make_controller(*, host: str, port: int, max_bytes: int) -> Controller:
    return Controller(
        IntakeHandler(),
        hostname=host,
        port=port,
        data_size_limit=max_bytes,
        decode_data=False,
        server_hostname="nabar",
    )
