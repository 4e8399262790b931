"""Cases whose owner is away too long, deactivated or gone move to the stand-in or the team."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from nabar.accounts.models import Agent, Organisation
from nabar.tickets.models import Ticket


def hand_over_absent(*, now: datetime | None = None) -> int:
    """Move every open case of an owner away past the organisation's threshold, or inactive.

    Returns how many cases moved. Running it twice, or on two workers at once, moves each case
    once: the move locks the case and checks again that its owner is still absent.
    """
    from nabar.tickets.actions import hand_to_stand_in

    now = now or timezone.now()
    moved = 0
    for organisation in Organisation.objects.all():
        since = now - timedelta(hours=organisation.stand_in_after_hours)
        absent = Q(owner__is_active=False) | Q(owner__user__is_active=False)
        away = Q(
            owner__availability__in=[Agent.Availability.AWAY, Agent.Availability.OFF],
            owner__away_since__lte=since,
        )
        tickets = (
            Ticket.objects.open()
            .filter(organisation=organisation)
            .filter(absent | away)
            .select_related("owner__user")
        )
        for ticket in tickets:
            owner = ticket.owner
            if owner is None:
                continue
            gone = not owner.is_active or not owner.user.is_active
            before = ticket.owner_id
            after = hand_to_stand_in(ticket, reason="inactive" if gone else "away", since=since)
            moved += after.owner_id != before
    return moved


def retrain_due(*, now: datetime | None = None) -> int:
    """Queue a retraining for each organisation whose classifier is older than
    ``NABAR_TRIAGE_RETRAIN_HOURS`` and whose agents have labelled cases since (or that has
    none yet and enough labelled cases to start). Returns how many were queued.

    Safe on several sweepers: an organisation is claimed with a conditional UPDATE, so its
    training is queued once per period however many sweepers run.
    """
    from nabar.routing.classifiers import labelled_queryset
    from nabar.routing.models import TriageClassifier
    from nabar.routing.tasks import retrain_triage
    from nabar.routing.triage import MIN_EXAMPLES

    hours = settings.NABAR_TRIAGE_RETRAIN_HOURS
    if hours <= 0:
        return 0
    now = now or timezone.now()
    period = timedelta(hours=hours)
    queued = 0
    for organisation in Organisation.objects.all():
        trained = (
            TriageClassifier.objects.current()
            .filter(organisation=organisation)
            .values_list("trained_at", flat=True)
            .first()
        )
        if trained is not None and trained > now - period:
            continue
        labelled = labelled_queryset(organisation)
        if trained is not None:
            if not labelled.filter(updated_at__gt=trained).exists():
                continue  # nothing new to learn from
        elif labelled.count() < MIN_EXAMPLES:
            continue
        claimed = (
            Organisation.objects.filter(pk=organisation.pk)
            .filter(
                Q(triage_retrain_requested_at__isnull=True)
                | Q(triage_retrain_requested_at__lte=now - period)
            )
            .update(triage_retrain_requested_at=now)
        )
        if claimed:
            retrain_triage.enqueue(organisation_id=organisation.pk)
            queued += 1
    return queued
