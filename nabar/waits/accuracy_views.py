"""The accuracy of announced waits, for administrators. Parse, check access, read, render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nabar.tickets import expected
from nabar.tickets.models import Channel
from nabar.waits.accuracy import Outcome, summarise
from nabar.waits.accuracy_access import organisation_for_admin
from nabar.waits.models import WaitPrediction

# The page shows the predictions of this many recent days.
WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class ShownAccuracy:
    channel: str
    count: int
    mae: str
    bias: str
    within_upper: str
    waiting: int
    abandoned: int


def _duration(seconds: float) -> str:
    """Seconds as the page says them: "45 s", "12 min", "3.5 h"."""
    size = abs(seconds)
    if size < 120:
        return _("%(n)s s") % {"n": number_format(seconds, 0)}
    if size < 2 * 3600:
        return _("%(n)s min") % {"n": number_format(seconds / 60, 0)}
    return _("%(n)s h") % {"n": number_format(seconds / 3600, 1)}


@require_GET
@login_required
def accuracy(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for_admin(request.user)
    since = timezone.now() - WINDOW
    rows = (
        WaitPrediction.objects.filter(organisation=organisation, predicted_at__gte=since)
        .values_list("channel", "median_seconds", "p90_seconds", "waited_seconds", "abandoned")
        .iterator()
    )
    summary = summarise(
        Outcome(channel=c, median_seconds=m, p90_seconds=p, waited_seconds=w, abandoned=a)
        for c, m, p, w, a in rows
    )
    labels = dict(Channel.choices)
    shown = [
        ShownAccuracy(
            channel=str(labels.get(row.channel, row.channel)),
            count=row.count,
            mae=_duration(row.mean_absolute_error) if row.count else "–",
            bias=(("+" if row.bias > 0 else "") + _duration(row.bias)) if row.count else "–",
            within_upper=f"{number_format(100 * row.within_upper, 0)} %" if row.count else "–",
            waiting=row.waiting,
            abandoned=row.abandoned,
        )
        for row in summary
    ]
    learnt = expected.written_calibration(organisation)
    return render(
        request,
        "waits/accuracy.html",
        {
            "rows": shown,
            "days": WINDOW.days,
            "organisation": organisation,
            "learnt": learnt,
            "learnt_median": number_format(learnt.median, 2),
            "learnt_upper": number_format(learnt.upper, 2),
            "learnt_days": expected.CALIBRATION_DAYS,
        },
    )
