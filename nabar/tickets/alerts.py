"""Alerts: a short line for one person about one case, shown on the alerts page until read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from nabar.accounts.models import Agent, Team
from nabar.routing.language import language_name
from nabar.routing.urgency import in_reader_language
from nabar.sla.models import CaseClock
from nabar.tickets.models import Alert, Ticket


def raise_alert(
    recipients: Iterable[Agent | None],
    *,
    ticket: Ticket | None,
    kind: Alert.Kind,
    data: dict[str, Any],
) -> list[Alert]:
    """Alert each recipient once; an unread alert of the same kind about the same case is kept.

    ``data`` holds the particulars (see ``describe``), so each reader gets the alert in their
    own language; ``text`` keeps it in English for the admin.

    Safe to call again and again (sweeps, several workers): the database refuses a second
    unread alert of one kind for one person and case, and that refusal is not an error.
    """
    if ticket is not None:
        data = {"case": ticket.reference, **data}
    with translation.override("en"):
        text = describe(kind, data)
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
                        data=data,
                    )
                )
        except IntegrityError:
            continue
    return raised


def case_team(ticket: Ticket) -> Team | None:
    """The team a case is with: its own, else the organisation's default team."""
    return ticket.team or ticket.organisation.default_team


def team_leads(ticket: Ticket) -> list[Agent]:
    """Who leads the case's team, else the organisation's default team."""
    team = case_team(ticket)
    return [team.lead] if team is not None and team.lead is not None else []


def _readable(moment: str) -> str:
    """ "7 dec 14:05" in the reader's language for a stored "2026-12-07 14:05" (local time)."""
    try:
        parsed = datetime.strptime(moment, "%Y-%m-%d %H:%M")  # noqa: DTZ007 - already local
    except ValueError:
        return moment
    return date_format(parsed, "SHORT_DATETIME_FORMAT")


def describe(kind: str, data: dict[str, Any]) -> str:
    """An alert in the active language, from its kind and particulars."""
    case = data.get("case", "")
    if kind == Alert.Kind.URGENT:
        labels = in_reader_language(data.get("labels_sv", []), data.get("labels_en", []))
        return _("%(case)s: %(rules)s") % {"case": case, "rules": ", ".join(labels)}
    if kind == Alert.Kind.LANGUAGE:
        return _("%(case)s is written in “%(language)s”, which nobody here writes.") % {
            "case": case,
            "language": language_name(data.get("language", "")),
        }
    if kind == Alert.Kind.NOBODY and "absent" in data:
        return _(
            "%(name)s cannot take %(case)s and has no stand-in: it waits in the team queue."
        ) % {
            "case": case,
            "name": data["absent"],
        }
    if kind == Alert.Kind.NOBODY:
        return _("%(case)s waits in the queue of %(team)s: nobody there is available.") % {
            "case": case,
            "team": data.get("team", ""),
        }
    if kind in (Alert.Kind.BOUNCED, Alert.Kind.HANDOFFS) and "back_to" in data:
        # Alerts raised before bounces had a kind of their own are "handoffs" with "back_to".
        return _(
            "%(case)s: %(name)s tried to hand it back to %(back_to)s, who had it before. "
            "The hand-over was refused."
        ) % {"case": case, "name": data.get("by", ""), "back_to": data["back_to"]}
    if kind == Alert.Kind.HANDOFFS:
        return _("%(case)s has been handed over %(n)s times.") % {
            "case": case,
            "n": data.get("handoffs", ""),
        }
    if kind in (Alert.Kind.BREACH_SOON, Alert.Kind.BREACHED):
        clock = dict(CaseClock.Kind.choices).get(data.get("clock", ""), "")
        values = {"case": case, "kind": str(clock).lower(), "due": _readable(data.get("due", ""))}
        if kind == Alert.Kind.BREACH_SOON:
            return _("%(case)s: the %(kind)s is due at %(due)s, in less than %(left)s.") % {
                **values,
                "left": _("%(n)d min") % {"n": data.get("left_minutes", 1)},
            }
        text = _("%(case)s: the %(kind)s was due at %(due)s and nobody has answered.") % values
        if data.get("stand_in"):
            text += " " + _("%(owner)s is away; %(stand_in)s has the case now.") % {
                "owner": data.get("owner", ""),
                "stand_in": data["stand_in"],
            }
        return text
    if kind == Alert.Kind.HANDED and data.get("reason") == "inactive":
        return _("%(case)s is yours now: %(name)s no longer works here.") % {
            "case": case,
            "name": data.get("absent", ""),
        }
    if kind == Alert.Kind.HANDED and "absent" in data:
        return _("%(case)s is yours while %(name)s is away.") % {
            "case": case,
            "name": data["absent"],
        }
    if kind == Alert.Kind.HANDED:
        return _("%(by)s handed %(case)s to you.") % {"case": case, "by": data.get("by", "")}
    if kind == Alert.Kind.OTHER and "stranger" in data:
        return _(
            "%(address)s, which is not one of the customer's addresses, wrote on the finished "
            "case %(case)s. The case was not reopened."
        ) % {"case": case, "address": data["stranger"]}
    return str(case)
