"""Reply tokens: a case's signed tag in the reply address, e.g. ``support+c42x1f3a9c0b7d2e@…``.

Lower-case hex only, because some mail systems lower-case the local part of an address.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

TOKEN_RE = re.compile(r"\+c(\d{1,12})x([0-9a-f]{16})@", re.IGNORECASE)


def _signature(ticket_id: int) -> str:
    key = f"nabar.reply-token:{settings.SECRET_KEY}".encode()
    return hmac.new(key, str(ticket_id).encode(), hashlib.sha256).hexdigest()[:16]


def reply_address(address: str, ticket_id: int) -> str:
    local, _, domain = address.partition("@")
    return f"{local}+c{ticket_id}x{_signature(ticket_id)}@{domain}"


def ticket_id_from(addresses: tuple[str, ...] | list[str]) -> int | None:
    """The case named by a valid token in any of the addresses, or None."""
    for address in addresses:
        match = TOKEN_RE.search(address)
        if match and hmac.compare_digest(match.group(2).lower(), _signature(int(match.group(1)))):
            return int(match.group(1))
    return None
