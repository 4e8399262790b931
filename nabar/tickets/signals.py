"""The one place a deletion must act: an owner deleted from the admin leaves nobody's case behind."""

from __future__ import annotations

from typing import Any

from nabar.accounts.models import Agent


def owner_deleted(sender: type[Agent], instance: Agent, **kwargs: Any) -> None:
    from nabar.tickets.actions import hand_to_stand_in
    from nabar.tickets.models import Ticket

    for ticket in Ticket.objects.open().filter(owner=instance):
        hand_to_stand_in(ticket, reason="inactive")
