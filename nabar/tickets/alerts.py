"""Alerts: a short line for one person about one case, shown on the alerts page until read."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from nabar.accounts.models import Agent
from nabar.tickets.models import Alert, Ticket


def raise_alert(
    recipients: Iterable[Agent | None],
    *,
    ticket: Ticket | None,
    kind: Alert.Kind,
    text: str,
) -> list[Alert]:
    """Alert each recipient once; an unread alert of the same kind about the same case is kept.

    Safe to call again and again (sweeps, several workers): the database refuses a second
    unread alert of one kind for one person and case, and that refusal is not an error.
    """
    raised: list[Alert] = []
    seen: set[int] = set()
    for agent in recipients:
        if agent is None or agent.pk in seen or not agent.is_active:
            continue
        seen.add(agent.pk)
        organisation_id = ticket.organisation_id if ticket else agent.organisation_id
        try:
            with transaction.atomic():
                raised.append(
                    Alert.objects.create(
                        organisation_id=organisation_id,
                        recipient=agent,
                        ticket=ticket,
                        kind=kind,
                        text=text[:500],
                    )
                )
        except IntegrityError:
            continue
    return raised


def team_leads(ticket: Ticket) -> list[Agent]:
    """Who leads the case's team, else the organisation's default team."""
    team = ticket.team or ticket.organisation.default_team
    return [team.lead] if team is not None and team.lead is not None else []
