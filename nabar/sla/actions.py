"""SLA clocks of each case, kept in step by the ticket actions, and the breach sweep.

The ticket actions call ``case_opened``, ``human_replied``, ``customer_wrote`` and
``status_changed`` inside their own transaction. Only those calls start, pause, resume or stop
a clock: an automatic message (a receipt, an auto-reply) never reaches here, so it never stops
a response clock. ``Ticket.due_at`` follows the earliest running response clock, so the inbox
(sorted by it) shows first what is due first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone, translation

from nabar.accounts.models import Agent, Organisation
from nabar.lib import batch
from nabar.sla import clock
from nabar.sla.holidays import swedish_public_holidays
from nabar.sla.models import (
    LIVE_CHANNELS,
    LIVE_TARGET,
    CaseClock,
    ClockHours,
    Holiday,
    SlaPolicy,
    TeamHours,
)
from nabar.tickets.alerts import raise_alert, team_leads
from nabar.tickets.models import Alert, Channel, Ticket

logger = logging.getLogger(__name__)

# Warn this share of the target before a clock runs out, but never more than an hour before.
WARN_SHARE = 0.25
WARN_AT_MOST = timedelta(hours=1)
SWEEP_BATCH = 100
# What the alerts need of a case, fetched with the clocks instead of case by case.
TICKET_FOR_ALERTS = (
    "ticket__organisation",
    "ticket__team__lead__user",
    "ticket__owner__user",
    "ticket__owner__stand_in__user",
)


@dataclass(frozen=True)
class Targets:
    """What one policy promises; ``stored`` says whether an admin set it or it is the default."""

    channel: str
    priority: str
    first_response: timedelta
    next_response: timedelta
    resolution: timedelta | None
    hours: str
    stored: bool = False


def default_targets(channel: str, priority: str = "") -> Targets:
    """Live channels: a person within 3 minutes around the clock; written: 4 opening hours."""
    if channel in LIVE_CHANNELS:
        return Targets(
            channel=channel,
            priority=priority,
            first_response=LIVE_TARGET,
            next_response=LIVE_TARGET,
            resolution=timedelta(days=1),
            hours=ClockHours.ALWAYS,
        )
    return Targets(
        channel=channel,
        priority=priority,
        first_response=timedelta(hours=4),
        next_response=timedelta(hours=4),
        resolution=timedelta(hours=40),
        hours=ClockHours.BUSINESS,
    )


def _targets(policy: SlaPolicy) -> Targets:
    return Targets(
        channel=policy.channel,
        priority=policy.priority,
        first_response=policy.first_response,
        next_response=policy.next_response,
        resolution=policy.resolution,
        hours=policy.hours,
        stored=True,
    )


def targets_for(organisation_id: int, *, channel: str, priority: str) -> Targets:
    """The policy for this priority, else the channel's policy for every priority, else default."""
    return batch.remember(
        ("sla-targets", organisation_id, channel, priority),
        lambda: _read_targets(organisation_id, channel=channel, priority=priority),
    )


def _read_targets(organisation_id: int, *, channel: str, priority: str) -> Targets:
    policies = {
        p.priority: p
        for p in SlaPolicy.objects.filter(
            organisation_id=organisation_id, channel=channel, priority__in=[priority, ""]
        )
    }
    policy = policies.get(priority) or policies.get("")
    return _targets(policy) if policy else default_targets(channel, priority)


def policy_table(organisation: Organisation) -> list[Targets]:
    """Every channel's policy (stored or default), then the stored per-priority exceptions."""
    stored = list(SlaPolicy.objects.filter(organisation=organisation))
    general = {p.channel: p for p in stored if not p.priority}
    rows = [
        _targets(general[value]) if value in general else default_targets(value)
        for value, _label in Channel.choices
    ]
    order = {value: i for i, (value, _label) in enumerate(Ticket.Priority.choices)}
    exceptions = sorted(
        (p for p in stored if p.priority),
        key=lambda p: ([c for c, _ in Channel.choices].index(p.channel), order[p.priority]),
    )
    return rows + [_targets(p) for p in exceptions]


def set_policy(
    organisation: Organisation,
    *,
    channel: str,
    priority: str,
    first_response: timedelta,
    next_response: timedelta,
    resolution: timedelta | None,
    hours: str,
) -> SlaPolicy:
    """Store the targets for a channel (and priority). Cases opened from now on follow them."""
    policy, _created = SlaPolicy.objects.update_or_create(
        organisation=organisation,
        channel=channel,
        priority=priority,
        defaults={
            "first_response": first_response,
            "next_response": next_response,
            "resolution": resolution,
            "hours": hours,
        },
    )
    return policy


def reset_policy(organisation: Organisation, *, channel: str, priority: str) -> None:
    """Forget a stored policy: the channel's general policy or the default applies again."""
    SlaPolicy.objects.filter(organisation=organisation, channel=channel, priority=priority).delete()


def add_holiday(organisation: Organisation, *, day: date, name: str) -> Holiday:
    return Holiday.objects.create(organisation=organisation, date=day, name=name)


def remove_holiday(holiday: Holiday) -> None:
    holiday.delete()


def holidays_of(organisation_id: int, years: range) -> set[date]:
    own = Holiday.objects.filter(
        organisation_id=organisation_id, date__year__gte=years.start, date__year__lt=years.stop
    ).values_list("date", flat=True)
    return set(own)


def business_hours_for(ticket: Ticket, kind: str, *, at: datetime) -> clock.BusinessHours:
    """The hours a clock of this case runs in: its team's, else the organisation's opening hours."""
    organisation = ticket.organisation
    if kind == ClockHours.ALWAYS:
        return clock.BusinessHours.always(organisation.time_zone)
    team_id = ticket.team_id or organisation.default_team_id
    years = range(at.year - 1, at.year + 3)
    return batch.remember(
        ("business-hours", organisation.pk, team_id, years.start),
        lambda: _read_hours(organisation, team_id, years),
    )


def _read_hours(
    organisation: Organisation, team_id: int | None, years: range
) -> clock.BusinessHours:
    own = TeamHours.objects.filter(team_id=team_id).first() if team_id else None
    days = holidays_of(organisation.pk, years)
    if own is None or own.swedish_holidays:
        days |= {day for year in years for day in swedish_public_holidays(year)}
    spec = own.opening_hours if own else organisation.opening_hours
    tz = own.time_zone if own else organisation.time_zone
    return clock.BusinessHours.from_spec(spec, tz=tz, holidays=days)


def clock_hours(ticket: Ticket, kind: str, *, at: datetime) -> tuple[str, clock.BusinessHours]:
    """The hours a clock runs in, and their kind; hours that never open count plain time."""
    hours = business_hours_for(ticket, kind, at=at)
    if kind != ClockHours.ALWAYS and clock.next_opening(at, hours) is None:
        # Opening hours that never open would make the case never due.
        logger.warning("Opening hours of case %s never open; its SLA clock runs always", ticket.pk)
        return ClockHours.ALWAYS, business_hours_for(ticket, ClockHours.ALWAYS, at=at)
    return kind, hours


def warning_window(target: timedelta) -> timedelta:
    return min(target * WARN_SHARE, WARN_AT_MOST)


def _start(
    ticket: Ticket, kind: CaseClock.Kind, targets: Targets, *, at: datetime, new_case: bool = False
) -> CaseClock:
    """Start a clock; a new case's clocks may wait for the end of a batch (nothing reads them)."""
    if kind == CaseClock.Kind.FIRST_RESPONSE:
        target = targets.first_response
    elif kind == CaseClock.Kind.NEXT_RESPONSE:
        target = targets.next_response
    else:
        assert targets.resolution is not None
        target = targets.resolution
    hours_kind, hours = clock_hours(ticket, targets.hours, at=at)
    paused = ticket.status == Ticket.Status.WAITING
    started = CaseClock(
        ticket=ticket,
        kind=kind,
        target=target,
        hours=hours_kind,
        started_at=at,
        due_at=clock.due_at(at, target, hours),
        warn_at=clock.warning_time(at, target, warning_window(target), hours),
        paused_since=at if paused else None,
    )
    if new_case:
        return batch.create(started)
    started.save(force_insert=True)
    return started


def _running(ticket: Ticket) -> list[CaseClock]:
    return list(CaseClock.objects.filter(ticket=ticket).running())


def sync_due(ticket: Ticket) -> None:
    """Set the case's due time to the earliest running response clock (none: no due time).

    In a batch this is done once for every case it touched, when the batch writes its rows.
    """
    current = batch.current()
    if current is not None:
        due_later = current.memo.get("sync-due")
        if due_later is None:
            due_later = current.memo["sync-due"] = set()
            batch.on_flush(lambda: _sync_due_many(due_later))
        due_later.add(ticket.pk)
        return
    due = (
        CaseClock.objects.filter(ticket=ticket)
        .ticking()
        .responses()
        .aggregate(due=Min("due_at"))["due"]
    )
    Ticket.objects.filter(pk=ticket.pk).update(due_at=due)
    ticket.due_at = due


def _sync_due_many(ticket_ids: set[int]) -> None:
    if not ticket_ids:
        return
    due = dict(
        CaseClock.objects.filter(ticket_id__in=ticket_ids)
        .ticking()
        .responses()
        .values("ticket")
        .annotate(due=Min("due_at"))
        .values_list("ticket", "due")
    )
    rows = [Ticket(pk=pk, due_at=due.get(pk)) for pk in sorted(ticket_ids)]
    batch.write_fields(Ticket, ["due_at"], rows)
    ticket_ids.clear()


def case_opened(ticket: Ticket) -> None:
    """A new case: the first-response clock and the resolution clock start when it was opened."""
    at = ticket.created_at
    targets = targets_for(ticket.organisation_id, channel=ticket.channel, priority=ticket.priority)
    first = _start(ticket, CaseClock.Kind.FIRST_RESPONSE, targets, at=at, new_case=True)
    if targets.resolution is not None:
        _start(ticket, CaseClock.Kind.RESOLUTION, targets, at=at, new_case=True)
    if batch.current() is None:
        sync_due(ticket)
    else:
        # The case's only response clock is the one just started (written at the batch's end).
        ticket.due_at = None if first.paused_since else first.due_at
        batch.update(
            ticket, ["expected_reply_from", "expected_reply_until", "due_at", "updated_at"]
        )


def human_replied(ticket: Ticket, *, at: datetime) -> None:
    """A person answered the customer: the running response clock stops."""
    batch.take(("responding", ticket.pk))
    CaseClock.objects.filter(ticket=ticket).running().responses().update(stopped_at=at)
    sync_due(ticket)


def customer_wrote(ticket: Ticket, *, at: datetime | None) -> None:
    """The customer wrote again: a next-response clock starts unless one is already running."""
    if ticket.is_closed:
        return
    if not batch.remember(("responding", ticket.pk), lambda: ticket.pk in _responding([ticket.pk])):
        targets = targets_for(
            ticket.organisation_id, channel=ticket.channel, priority=ticket.priority
        )
        _start(ticket, CaseClock.Kind.NEXT_RESPONSE, targets, at=at or timezone.now())
        batch.know(("responding", ticket.pk), True)
    sync_due(ticket)


def _responding(ticket_ids: list[int]) -> set[int]:
    """The cases among these on which a response clock runs."""
    return set(
        CaseClock.objects.filter(ticket_id__in=ticket_ids)
        .running()
        .responses()
        .values_list("ticket_id", flat=True)
    )


def prefetch_responding(ticket_ids: list[int]) -> None:
    """Tell the batch, in one query, on which of these cases a response clock runs.

    Within a batch this is read from memory (``customer_wrote``); the actions that stop or start
    response clocks otherwise (``human_replied``, ``status_changed``) make it read afresh.
    """
    running = _responding(ticket_ids)
    for pk in ticket_ids:
        batch.know(("responding", pk), pk in running)


def _pause(clocks: list[CaseClock], *, at: datetime) -> None:
    ids = [c.pk for c in clocks if c.paused_since is None]
    CaseClock.objects.filter(pk__in=ids).update(paused_since=at)


def _resume(ticket: Ticket, clocks: list[CaseClock], *, at: datetime) -> None:
    for case_clock in clocks:
        since = case_clock.paused_since
        if since is None:
            continue
        hours = business_hours_for(ticket, case_clock.hours, at=at)
        covered = clock.business_time_between(since, at, hours)
        case_clock.due_at = clock.resumed(
            case_clock.due_at, paused_since=since, resumed_at=at, hours=hours
        )
        if case_clock.warned_at is None:
            case_clock.warn_at = clock.resumed(
                case_clock.warn_at, paused_since=since, resumed_at=at, hours=hours
            )
        case_clock.paused_seconds += max(int(covered.total_seconds()), 0)
        case_clock.paused_since = None
        case_clock.save(update_fields=["due_at", "warn_at", "paused_seconds", "paused_since"])


def status_changed(ticket: Ticket, *, old: str, new: str, at: datetime | None = None) -> None:
    """Waiting on the customer pauses the clocks, back to open resumes them, closing stops them.

    A solved or closed case that opens again starts a fresh resolution clock and a response
    clock: the customer waits for a person again.
    """
    at = at or timezone.now()
    closed = Ticket.CLOSED_STATUSES
    if new in closed or old in closed:
        batch.take(("responding", ticket.pk))  # clocks stop or start: read afresh
    if new in closed:
        CaseClock.objects.filter(ticket=ticket).running().update(stopped_at=at)
    elif old in closed:
        targets = targets_for(
            ticket.organisation_id, channel=ticket.channel, priority=ticket.priority
        )
        kinds = {c.kind for c in _running(ticket)}
        if not kinds & set(CaseClock.RESPONSE_KINDS):
            _start(ticket, CaseClock.Kind.NEXT_RESPONSE, targets, at=at)
        if targets.resolution is not None and CaseClock.Kind.RESOLUTION not in kinds:
            _start(ticket, CaseClock.Kind.RESOLUTION, targets, at=at)
    elif new == Ticket.Status.WAITING:
        _pause(_running(ticket), at=at)
    elif old == Ticket.Status.WAITING:
        _resume(ticket, _running(ticket), at=at)
    sync_due(ticket)


# The sweep ------------------------------------------------------------------------------


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    moved: int = 0


def _is_away(agent: Agent) -> bool:
    return agent.availability != Agent.Availability.AVAILABLE or not agent.is_active


def _stand_in(agent: Agent | None) -> Agent | None:
    if agent is None or not _is_away(agent):
        return None
    stand_in = agent.stand_in
    if stand_in is None or _is_away(stand_in) or stand_in.organisation_id != agent.organisation_id:
        return None
    return stand_in


def _local(moment: datetime, organisation: Organisation) -> str:
    return timezone.localtime(moment, ZoneInfo(organisation.time_zone)).strftime("%Y-%m-%d %H:%M")


def _claim(field: str, due_field: str, now: datetime) -> list[CaseClock]:
    """Running, unpaused clocks whose time for ``field`` has come, each claimed by this worker.

    The conditional UPDATE (``field`` still empty) makes a second worker's claim of the same
    row a no-op, so every warning and breach is acted on once; on PostgreSQL the rows are also
    locked with SKIP LOCKED so workers share the batch instead of waiting for each other.
    """
    candidates = (
        CaseClock.objects.ticking()
        .filter(**{f"{field}__isnull": True, f"{due_field}__lte": now})
        .filter(ticket__status__in=Ticket.OPEN_STATUSES)
        .select_related(*TICKET_FOR_ALERTS)
        .order_by(due_field)
    )
    if field == "warned_at":
        # A clock already overdue when first seen is escalated, not warned about after the fact.
        candidates = candidates.responses().filter(breached_at__isnull=True, due_at__gt=now)
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    claimed = []
    for case_clock in candidates[:SWEEP_BATCH]:
        won = (
            CaseClock.objects.filter(pk=case_clock.pk, stopped_at__isnull=True)
            .filter(**{f"{field}__isnull": True})
            .update(**{field: now})
        )
        if won:
            claimed.append(case_clock)
    return claimed


def _warn(case_clock: CaseClock) -> None:
    ticket = case_clock.ticket
    owner = ticket.owner
    recipients = [owner, _stand_in(owner)] if owner else team_leads(ticket)
    left = max(int(warning_window(case_clock.target).total_seconds() // 60), 1)
    data = {
        "clock": case_clock.kind,
        "due": _local(case_clock.due_at, ticket.organisation),
        "left_minutes": left,
    }
    raise_alert(recipients, ticket=ticket, kind=Alert.Kind.BREACH_SOON, data=data)


def _breach(case_clock: CaseClock) -> bool:
    """Alert the team lead; give the case to the stand-in of an owner who is away. Moved?"""
    if not case_clock.is_response:
        return False
    ticket = case_clock.ticket
    owner = ticket.owner
    stand_in = _stand_in(owner)
    moved = False
    if stand_in is not None:
        from nabar.tickets.actions import assign_ticket

        assign_ticket(ticket, owner=stand_in, agent=None, reason="stand_in_after_breach")
        moved = True
    data = {"clock": case_clock.kind, "due": _local(case_clock.due_at, ticket.organisation)}
    if moved and owner is not None and stand_in is not None:
        data.update(owner=owner.name, stand_in=stand_in.name)
    recipients: list[Agent | None] = list(team_leads(ticket)) or [owner]
    if moved:
        recipients.append(stand_in)
    raise_alert(recipients, ticket=ticket, kind=Alert.Kind.BREACHED, data=data)
    return moved


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Warn owners of clocks about to run out and escalate those that ran out. Safe to repeat."""
    now = now or timezone.now()
    result = SweepResult()
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            with transaction.atomic():
                claimed = _claim("warned_at", "warn_at", now)
                for case_clock in claimed:
                    _warn(case_clock)
            result.warned += len(claimed)
            if len(claimed) < SWEEP_BATCH:
                break
        while True:
            with transaction.atomic():
                claimed = _claim("breached_at", "due_at", now)
                for case_clock in claimed:
                    result.moved += _breach(case_clock)
            result.breached += len(claimed)
            if len(claimed) < SWEEP_BATCH:
                break
    return result
