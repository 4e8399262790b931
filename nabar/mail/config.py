"""Mailboxes configured in the environment (``NABAR_MAILBOXES``), beside those in the admin.

One entry per mailbox, separated by spaces or new lines::

    imaps://support@example.com@imap.example.com:993/INBOX?organisation=exempel&password_env=NABAR_IMAP_PASSWORD
    imap://support@127.0.0.1:143/INBOX?organisation=exempel&password_env=NABAR_IMAP_PASSWORD&name=support
    smtp://kontakt@exempel.example?organisation=exempel

``imaps`` is IMAP over TLS (port 993 unless given), ``imap`` is plain IMAP (143; only on a
trusted network), ``smtp`` is an address the built-in SMTP receiver accepts. Query fields:
``organisation`` (its address name, required), ``password_env`` (the environment variable that
holds the IMAP password, required for IMAP), ``name`` (default: the user's local part),
``address`` (the published address whose mail arrives there; default: the organisation's).

A password is never written in the entry itself, never stored on a model and never logged:
only the name of the variable that holds it is kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from nabar.accounts.models import Organisation
from nabar.mail.models import Mailbox

VARIABLE = "NABAR_MAILBOXES"
FIELDS = {"organisation", "password_env", "name", "address"}
DEFAULT_PORTS = {"imaps": 993, "imap": 143}
_NAME_RE = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")


class MailboxConfigError(ValueError):
    """A bad entry; the message names the entry (its number and its text, without secrets)."""


@dataclass(frozen=True)
class MailboxEntry:
    number: int
    shown: str
    kind: Mailbox.Kind
    organisation_slug: str
    name: str
    address: str
    host: str = ""
    port: int = 0
    tls: bool = True
    username: str = ""
    password_env: str = ""
    folder: str = "INBOX"


def _shown(entry: str) -> str:
    """The entry as it may be printed: any password in it replaced by ***."""
    return re.sub(r"^([a-z]+://[^/?#]*?):[^@/?#]*@", r"\1:***@", entry)


def parse_entries(text: str, *, environ: Mapping[str, str]) -> list[MailboxEntry]:
    """Read the variable's value; raise MailboxConfigError naming the first bad entry."""
    entries = []
    for number, raw in enumerate(text.split(), start=1):
        entries.append(_parse_entry(raw, number=number, environ=environ))
    seen: dict[tuple[str, str], int] = {}
    for entry in entries:
        key = (entry.organisation_slug, entry.name)
        if key in seen:
            raise _error(
                entry.number,
                entry.shown,
                f"the name {entry.name!r} is already used by entry {seen[key]}; add &name=…",
            )
        seen[key] = entry.number
    return entries


def _error(number: int, shown: str, reason: str) -> MailboxConfigError:
    return MailboxConfigError(f"{VARIABLE} entry {number} ({shown}): {reason}")


def _parse_entry(raw: str, *, number: int, environ: Mapping[str, str]) -> MailboxEntry:
    shown = _shown(raw)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise _error(number, shown, f"not a valid address: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in {"imap", "imaps", "smtp"}:
        raise _error(number, shown, "must start with imaps://, imap:// or smtp://")
    if parts.password is not None:
        raise _error(
            number,
            shown,
            "has a password in it; put the password in an environment variable and name "
            "that variable with password_env=",
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - FIELDS)
    if unknown:
        raise _error(
            number,
            shown,
            f"unknown field {unknown[0]!r}; known fields: {', '.join(sorted(FIELDS))}",
        )
    fields = {key: values[-1].strip() for key, values in query.items()}
    slug = fields.get("organisation", "")
    if not slug:
        raise _error(number, shown, "says which organisation it is for with organisation=…")
    address = fields.get("address", "")
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise _error(number, shown, f"address {address!r} is not an e-mail address") from None
    username = unquote(parts.username or "")
    if scheme == "smtp":
        address = address or username + ("@" + parts.hostname if parts.hostname else "")
        try:
            validate_email(address)
        except ValidationError:
            raise _error(
                number, shown, "give the address the receiver accepts, e.g. smtp://kontakt@…"
            ) from None
        name = fields.get("name") or address.split("@")[0]
        if not _NAME_RE.match(name):
            raise _error(number, shown, f"the name {name!r} may hold only letters, digits, - and _")
        return MailboxEntry(
            number=number,
            shown=shown,
            kind=Mailbox.Kind.SMTP,
            organisation_slug=slug,
            name=name,
            address=address.lower(),
        )
    host = parts.hostname or ""
    if not host:
        raise _error(number, shown, "names no IMAP server")
    if not username:
        raise _error(number, shown, "names no IMAP user, e.g. imaps://user@server/INBOX")
    password_env = fields.get("password_env", "")
    if not password_env:
        raise _error(
            number, shown, "needs password_env=VARIABLE, the variable that holds the password"
        )
    if not _ENV_NAME_RE.match(password_env):
        raise _error(number, shown, f"password_env {password_env!r} is not a variable name")
    if not environ.get(password_env):
        raise _error(number, shown, f"the variable {password_env} named by password_env is not set")
    name = fields.get("name") or re.sub(r"[^-a-zA-Z0-9_]", "-", username.split("@")[0])[:50]
    if not _NAME_RE.match(name):
        raise _error(number, shown, f"the name {name!r} may hold only letters, digits, - and _")
    return MailboxEntry(
        number=number,
        shown=shown,
        kind=Mailbox.Kind.IMAP,
        organisation_slug=slug,
        name=name,
        address=address.lower(),
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        tls=scheme == "imaps",
        username=username,
        password_env=password_env,
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def apply_entries(entries: list[MailboxEntry]) -> list[Mailbox]:
    """Create or update one Mailbox per entry (by organisation and name); the environment wins."""
    slugs = {entry.organisation_slug for entry in entries}
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=slugs)}
    for entry in entries:
        if entry.organisation_slug not in organisations:
            raise _error(
                entry.number,
                entry.shown,
                f"there is no organisation with the address name {entry.organisation_slug!r}",
            )
    mailboxes = []
    with transaction.atomic():
        for entry in entries:
            organisation = organisations[entry.organisation_slug]
            mailbox, _created = Mailbox.objects.update_or_create(
                organisation=organisation,
                name=entry.name,
                defaults={
                    "kind": entry.kind,
                    "address": entry.address or organisation.email_address,
                    "imap_host": entry.host,
                    "imap_port": entry.port or 993,
                    "imap_tls": entry.tls,
                    "imap_username": entry.username,
                    "password_env": entry.password_env,
                    "folder": entry.folder,
                    "enabled": True,
                },
            )
            mailboxes.append(mailbox)
    return mailboxes


def load_from_environment(environ: Mapping[str, str] | None = None) -> list[Mailbox]:
    """Read ``NABAR_MAILBOXES`` and bring the mailboxes in line; [] when it is not set."""
    environ = os.environ if environ is None else environ
    text = environ.get(VARIABLE, "")
    if not text.strip():
        return []
    return apply_entries(parse_entries(text, environ=environ))
