"""The compliance report: live contacts read from the database, summed by the pure module."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Min, Q
from django.utils import timezone

from nabar.accounts.models import Organisation
from nabar.sla.compliance import Contact, Row, summarise, wait_of
from nabar.sla.models import LIVE_CHANNELS, LIVE_TARGET
from nabar.tickets.models import Message, Ticket

DEFAULT_DAYS = 14


@dataclass(frozen=True)
class Report:
    start: date
    end: date  # inclusive
    days: list[Row]
    weeks: list[Row]
    longest: list[tuple[Ticket, timedelta, bool]]  # case, wait, answered

    @property
    def empty(self) -> bool:
        return not self.days


def default_period(organisation: Organisation) -> tuple[date, date]:
    today = timezone.localtime(timezone.now(), ZoneInfo(organisation.time_zone)).date()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _contacts(organisation: Organisation, start: date, end: date) -> list[tuple[Ticket, Contact]]:
    zone = ZoneInfo(organisation.time_zone)
    begin = datetime.combine(start, time(0), tzinfo=zone)
    finish = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    first_human = Min(
        "messages__created_at",
        filter=Q(
            messages__direction=Message.Direction.OUTBOUND,
            messages__written_by=Message.WrittenBy.PERSON,
        ),
    )
    tickets = (
        Ticket.objects.filter(
            organisation=organisation,
            channel__in=LIVE_CHANNELS,
            created_at__gte=begin,
            created_at__lt=finish,
        )
        .annotate(answered_at=first_human)
        .select_related("organisation")
        .order_by("created_at")
    )
    result: list[tuple[Ticket, Contact]] = []
    for ticket in tickets:
        ended = None
        if ticket.is_closed:
            ended = ticket.closed_at or ticket.solved_at or ticket.created_at
        contact = Contact(
            channel=ticket.channel,
            created_at=ticket.created_at,
            answered_at=ticket.answered_at,
            ended_at=ended,
        )
        result.append((ticket, contact))
    return result


def build(organisation: Organisation, *, start: date, end: date, longest: int = 10) -> Report:
    now = timezone.now()
    pairs = _contacts(organisation, start, end)
    contacts = [contact for _ticket, contact in pairs]
    tz = organisation.time_zone

    waits = sorted(
        (
            (ticket, wait_of(contact, now=now), contact.answered_at is not None)
            for ticket, contact in pairs
        ),
        key=lambda item: item[1],
        reverse=True,
    )
    return Report(
        start=start,
        end=end,
        days=summarise(contacts, by="day", tz=tz, now=now, target=LIVE_TARGET),
        weeks=summarise(contacts, by="week", tz=tz, now=now, target=LIVE_TARGET),
        longest=waits[:longest],
    )


CSV_HEADER = [
    "period_kind",
    "period",
    "channel",
    "contacts",
    "reached_within_3_min",
    "missed",
    "abandoned",
    "still_waiting_within_target",
    "share_within_3_min",
    "longest_wait_seconds",
]


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for kind, rows in (("day", report.days), ("week", report.weeks)):
        for row in rows:
            writer.writerow(
                [
                    kind,
                    row.period,
                    row.channel,
                    row.contacts,
                    row.in_target,
                    row.missed,
                    row.abandoned,
                    row.pending,
                    "" if row.share is None else f"{row.share:.4f}",
                    "" if row.longest_wait is None else int(row.longest_wait.total_seconds()),
                ]
            )
    return out.getvalue()
