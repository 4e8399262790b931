"""How many live contacts reached a person within 3 minutes, counted honestly. Pure, no ORM.

A wait runs from the first contact (the chat opened, the callback requested, the call logged)
until a person first wrote or spoke to the customer. An automatic message never ends a wait, a
callback is never counted as zero wait, and a contact that ended without any human reply is
abandoned: it counts against the share, not out of it. A contact still waiting counts against
the share once it has waited longer than the target; before that it is pending and left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Contact:
    channel: str
    created_at: datetime
    answered_at: datetime | None  # the first message a person sent to the customer
    ended_at: datetime | None  # solved or closed, None while still open


@dataclass(frozen=True)
class Row:
    period: str  # "2026-11-30" for a day, "2026-W49" for an ISO week
    channel: str
    contacts: int
    in_target: int
    missed: int
    abandoned: int
    pending: int
    longest_wait: timedelta | None

    @property
    def counted(self) -> int:
        return self.in_target + self.missed + self.abandoned

    @property
    def share(self) -> float | None:
        return self.in_target / self.counted if self.counted else None


def wait_of(contact: Contact, *, now: datetime) -> timedelta:
    """How long the customer waited (or has waited so far) for a person."""
    end = contact.answered_at or contact.ended_at or now
    return max(end - contact.created_at, timedelta(0))


def period_of(moment: datetime, *, by: str, zone: ZoneInfo) -> str:
    day: date = moment.astimezone(zone).date()
    if by == "week":
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def summarise(
    contacts: Iterable[Contact], *, by: str, tz: str, now: datetime, target: timedelta
) -> list[Row]:
    """One row per period (local day or ISO week) and channel, in order of period then channel."""
    zone = ZoneInfo(tz)
    groups: dict[tuple[str, str], list[Contact]] = {}
    for contact in contacts:
        key = (period_of(contact.created_at, by=by, zone=zone), contact.channel)
        groups.setdefault(key, []).append(contact)
    rows = []
    for (period, channel), members in sorted(groups.items()):
        in_target = missed = abandoned = pending = 0
        longest: timedelta | None = None
        for contact in members:
            wait = wait_of(contact, now=now)
            if contact.answered_at is not None:
                if wait <= target:
                    in_target += 1
                else:
                    missed += 1
            elif contact.ended_at is not None:
                abandoned += 1
            elif wait > target:
                missed += 1
            else:
                pending += 1
                continue
            longest = wait if longest is None else max(longest, wait)
        rows.append(
            Row(
                period=period,
                channel=channel,
                contacts=len(members),
                in_target=in_target,
                missed=missed,
                abandoned=abandoned,
                pending=pending,
                longest_wait=longest,
            )
        )
    return rows
