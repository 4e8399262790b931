"""Cases in a given channel, opened through the real actions."""

from __future__ import annotations

from nabar.accounts.models import Organisation
from nabar.tickets import actions
from nabar.tickets.models import Channel, Ticket


def open_in(
    organisation: Organisation,
    channel: Channel,
    *,
    email: str = "carol@example.se",
    body: str = "Hej, jag behöver hjälp.",
) -> Ticket:
    ticket, _created = actions.open_ticket(
        organisation,
        case=actions.NewCase(name="Carol", email=email, phone="", body=body, language="sv"),
        channel=channel,
    )
    return ticket
