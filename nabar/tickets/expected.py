"""The expected time of a first human reply, announced to the customer as a range.

Written channels: the cases ahead of this one in its queue, divided by the measured reply rate of
the agents working now, laid onto the organisation's opening hours. With too little history the
estimate says so and falls back to the organisation's reply target. A case with an owner is
measured by the owner's pace while they had cases waiting. A case in a team's queue is corrected,
once enough of its kind have been answered, by how their ranges turned out
(``written_calibration``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from nabar.accounts.models import Agent, Organisation
from nabar.lib import batch
from nabar.sla.clock import (
    BusinessHours,
    add_business_time,
    business_time_between,
    next_opening,
)
from nabar.sla.holidays import swedish_public_holidays
from nabar.tickets.models import Message, Ticket
from nabar.waits.actions import WRITTEN
from nabar.waits.models import WaitPrediction
from nabar.waits.predict import (
    OpenTimeCalibration,
    busy_open_hours,
    calibrate_written,
    predict_written_wait,
)

if TYPE_CHECKING:
    from nabar.sla.actions import Targets

# How far back the reply rate is measured, in opening hours.
RATE_WINDOW = timedelta(hours=8)
# Fewer replies than this in the window is too little to measure a rate.
MIN_REPLIES = 3
# A person's pace is measured over at least this much time with cases waiting for them.
MIN_BUSY = timedelta(hours=1)
# The correction of the range is learnt from at most this many recently answered cases.
CALIBRATION_CASES = 300
CALIBRATION_DAYS = 28


@dataclass(frozen=True)
class Estimate:
    likely: datetime
    latest: datetime
    due: datetime
    ahead: int
    enough_data: bool
    basis: str
    # The range in open seconds before any learnt correction (None when none is learnt from it).
    open_median_seconds: float | None = None
    open_p90_seconds: float | None = None


def business_hours(organisation: Organisation) -> BusinessHours:
    year = timezone.now().year
    holidays = {day for y in (year, year + 1) for day in swedish_public_holidays(y)}
    return BusinessHours.from_spec(
        organisation.opening_hours, tz=organisation.time_zone, holidays=holidays
    )


def queue_ahead(ticket: Ticket) -> int:
    """Open cases in the same queue that were waiting for a first reply before this one."""
    current = batch.current()
    if current is None:
        return _count_ahead(ticket)
    # In a batch the queue is counted once; each case opened after that joins it.
    key = (
        ("queue-ahead", ticket.organisation_id, "owner", ticket.owner_id)
        if ticket.owner_id
        else ("queue-ahead", ticket.organisation_id, "team", ticket.team_id)
    )
    ahead = current.memo.get(key)
    if ahead is None:
        ahead = _count_ahead(ticket)
    current.memo[key] = ahead + 1
    return ahead


def _count_ahead(ticket: Ticket) -> int:
    queue = Ticket.objects.awaiting_first_reply().filter(
        organisation_id=ticket.organisation_id, created_at__lt=ticket.created_at
    )
    if ticket.owner_id:
        queue = queue.filter(owner_id=ticket.owner_id)
    elif ticket.team_id:
        queue = queue.filter(Q(team_id=ticket.team_id) | Q(team__isnull=True), owner__isnull=True)
    return queue.count()


def replies_per_hour(
    organisation: Organisation, hours: BusinessHours, *, owner_id: int | None
) -> float | None:
    """Human replies per opening hour by the agents working now, or None with too little data.

    For a case with an owner, the owner's pace while they had cases waiting, when that is faster.
    """
    return batch.remember(
        ("replies-per-hour", organisation.pk, owner_id),
        lambda: _replies_per_hour(organisation, hours, owner_id=owner_id),
    )


def _replies_per_hour(
    organisation: Organisation, hours: BusinessHours, *, owner_id: int | None
) -> float | None:
    now = timezone.now()
    working = Agent.objects.filter(
        organisation=organisation, is_active=True, availability=Agent.Availability.AVAILABLE
    )
    if owner_id:
        working = working.filter(pk=owner_id)
    agent_ids = list(working.values_list("pk", flat=True))
    if not agent_ids:
        return None
    since = now - timedelta(days=14)
    # Agents belong to one organisation, so no join with their cases is needed; the list of
    # ids (not a subquery) lets the database seek the (author, time) index per agent.
    replies = list(
        Message.objects.filter(
            author_agent_id__in=agent_ids,
            direction=Message.Direction.OUTBOUND,
            written_by=Message.WrittenBy.PERSON,
            created_at__gte=since,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:200]
    )
    if len(replies) < MIN_REPLIES:
        return None
    # Measure over the opening hours since the oldest reply considered, at least RATE_WINDOW.
    open_time = business_time_between(replies[-1], now, hours)
    open_hours = max(open_time, RATE_WINDOW).total_seconds() / 3600
    rate = len(replies) / open_hours
    if owner_id:
        rate = max(rate, _pace_when_busy(owner_id, hours, now) or 0.0)
    return rate


def _pace_when_busy(owner_id: int, hours: BusinessHours, now: datetime) -> float | None:
    """First replies per open hour in which the person had a case waiting for one.

    Replies per open hour count what came in as much as how fast a person answers: someone
    who answers five cases a day within minutes each would be measured at half a reply an
    hour, and a customer behind two of their cases told most of a day. A person's own queue
    has one server, so the hours when nothing waited for them are left out.
    """
    since = now - timedelta(days=14)
    answered = list(
        Ticket.objects.filter(owner_id=owner_id, first_response_at__gte=since)
        .order_by("-first_response_at")
        .values_list("created_at", "first_response_at")[:200]
    )
    if len(answered) < MIN_REPLIES:
        return None
    waiting = Ticket.objects.awaiting_first_reply().filter(owner_id=owner_id)
    intervals = [(start, end) for start, end in answered if end is not None]
    intervals += [(opened, now) for opened in waiting.values_list("created_at", flat=True)]
    first = max(since, min(opened for opened, _ in answered))
    busy = busy_open_hours(intervals, since=first, until=now, hours=hours)
    return len(answered) / max(busy, MIN_BUSY.total_seconds() / 3600)


def owner_hours(ticket: Ticket, hours: BusinessHours) -> BusinessHours | None:
    """The case owner's own working hours (with the holidays of ``hours``), if they set any."""
    owner = ticket.owner
    if owner is None or not owner.working_hours:
        return None

    def read() -> BusinessHours | None:
        own = owner.own_hours(ticket.organisation.time_zone, hours.holidays)
        return own if own and next_opening(timezone.now(), own) is not None else None

    return batch.remember(("owner-hours", owner.pk), read)


def answering_hours(ticket: Ticket, hours: BusinessHours) -> BusinessHours:
    """The hours the case is answered in: its owner's own, or else those of its SLA policy."""
    return owner_hours(ticket, hours) or hours


def policy_and_hours(ticket: Ticket, at: datetime) -> tuple[Targets, BusinessHours]:
    """The case's SLA policy, and the hours its clock runs in at ``at``."""
    from nabar.sla.actions import clock_hours, targets_for

    policy = targets_for(ticket.organisation_id, channel=ticket.channel, priority=ticket.priority)
    _, hours = clock_hours(ticket, policy.hours, at=at)
    return policy, hours


def open_seconds_between(ticket: Ticket, start: datetime, end: datetime) -> float:
    """Open time from ``start`` to ``end`` in the hours the case is answered in."""
    _, hours = policy_and_hours(ticket, start)
    return business_time_between(start, end, answering_hours(ticket, hours)).total_seconds()


def written_calibration(organisation: Organisation) -> OpenTimeCalibration:
    """How the announced ranges of recently answered cases in the team queues turned out."""
    return batch.remember(
        ("written-calibration", organisation.pk), lambda: _written_calibration(organisation.pk)
    )


def _written_calibration(organisation_id: int) -> OpenTimeCalibration:
    since = timezone.now() - timedelta(days=CALIBRATION_DAYS)
    outcomes = (
        WaitPrediction.objects.filter(
            organisation_id=organisation_id,
            predictor=WRITTEN,
            predicted_at__gte=since,
            open_waited_seconds__isnull=False,
        )
        .order_by("-predicted_at")
        .values_list("open_median_seconds", "open_p90_seconds", "open_waited_seconds")
    )
    return calibrate_written(
        [
            (median, latest, waited)
            for median, latest, waited in outcomes[:CALIBRATION_CASES]
            if median is not None and latest is not None and waited is not None
        ]
    )


def first_return(ticket: Ticket, now: datetime) -> datetime | None:
    """When the first person who could take an unowned case is back, if everyone is away.

    Only when every active agent of the case's team (of the organisation, without a team) is
    away with the day they are back given: someone available, off for the evening or away
    with no day given may start at any time, and the reply target holds from now.
    """
    if ticket.owner_id is not None:
        return None
    agents = Agent.objects.filter(organisation_id=ticket.organisation_id, is_active=True)
    if ticket.team_id is not None:
        agents = agents.filter(teams=ticket.team_id)
    earliest: datetime | None = None
    zone = ZoneInfo(ticket.organisation.time_zone)
    for availability, back_on in agents.values_list("availability", "back_on"):
        if availability != Agent.Availability.AWAY or back_on is None:
            return None
        back = datetime.combine(back_on, time.min, tzinfo=zone)
        earliest = back if earliest is None else min(earliest, back)
    return earliest if earliest is not None and earliest > now else None


def estimate_first_reply(ticket: Ticket) -> Estimate:
    """The range announced to the customer, in the hours and with the target of the SLA policy."""
    organisation = ticket.organisation
    now = timezone.now()
    policy, hours = policy_and_hours(ticket, now)
    target = policy.first_response
    due = add_business_time(ticket.created_at or now, target, hours)
    ahead = queue_ahead(ticket)
    # The owner answers in their own working hours, when they have set some.
    working = answering_hours(ticket, hours)
    rate = replies_per_hour(organisation, working, owner_id=ticket.owner_id)
    # A case in a queue whose people are all away until a known day waits for the first of them.
    returning = first_return(ticket, now)
    start = returning or now
    # A team's queue is measured by its replies per open hour, which a quiet spell makes look
    # slow: it is corrected by how its recent ranges turned out. An owner's pace is measured
    # while they had work waiting (see replies_per_hour) and needs no correction.
    team_queue = ticket.owner_id is None
    wait = predict_written_wait(
        ahead=ahead,
        replies_per_hour=rate,
        now=start,
        hours=working,
        fallback=target,
        calibration=written_calibration(organisation) if team_queue else None,
    )
    likely = start + timedelta(seconds=wait.median_seconds)
    latest = start + timedelta(seconds=wait.p90_seconds)
    # Only a range counted from now is compared with its outcome: one counted from someone's
    # return would teach the correction about the absence, not the pace.
    learn_from = team_queue and returning is None and wait.open_median_hours is not None
    return Estimate(
        likely=likely,
        latest=max(latest, likely),
        due=due,
        ahead=ahead,
        enough_data=wait.enough_data,
        basis=wait.basis,
        open_median_seconds=(wait.open_median_hours or 0) * 3600 if learn_from else None,
        open_p90_seconds=(wait.open_p90_hours or 0) * 3600 if learn_from else None,
    )
