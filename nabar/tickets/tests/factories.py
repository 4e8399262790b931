"""Cases made through the real actions, as a customer would make them."""

from __future__ import annotations

from nabar.accounts.models import Organisation
from nabar.tickets import actions
from nabar.tickets.models import Channel, Ticket


def open_case(
    organisation: Organisation,
    *,
    name: str = "Carol Carlsson",
    email: str = "carol@example.se",
    phone: str = "",
    body: str = "Min faktura är fel.",
    language: str = "sv",
    key: str = "",
) -> Ticket:
    ticket, _ = actions.open_ticket(
        organisation,
        case=actions.NewCase(name=name, email=email, phone=phone, body=body, language=language),
        channel=Channel.WEB,
        submission_key=key,
    )
    return ticket
