from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nabar.waits import access
from nabar.waits.charts import bar_chart
from nabar.waits.erlang import Interval, StaffingRow, TargetUnreachable, staffing_table
from nabar.waits.forms import StaffingForm

MAX_AGENTS = 5000


@dataclass(frozen=True)
class ShownRow:
    """A staffing row as the page prints it (locale-formatted)."""

    label: str
    contacts: str
    handle: str
    patience: str
    agents: int
    service_level: str
    asa: str
    abandonment: str
    occupancy: str


def _percent(value: float) -> str:
    return f"{number_format(value * 100, 1)} %"


def _seconds(value: float) -> str:
    return "–" if math.isinf(value) else number_format(value, 0)


def _shown(row: StaffingRow) -> ShownRow:
    return ShownRow(
        label=row.label,
        contacts=number_format(row.contacts, 0 if row.contacts == int(row.contacts) else 1),
        handle=number_format(row.handle_seconds, 0),
        patience="–" if row.patience_seconds is None else number_format(row.patience_seconds, 0),
        agents=row.agents,
        service_level=_percent(row.service_level),
        asa=_seconds(row.average_speed_of_answer),
        abandonment=_percent(row.abandonment),
        occupancy=_percent(row.occupancy),
    )


def _plan(
    intervals: list[Interval], *, interval_minutes: int, target_seconds: float, level: float
) -> list[StaffingRow]:
    """Staff each interval; an interval no staffing can serve raises with its own name."""
    rows: list[StaffingRow] = []
    for interval in intervals:
        try:
            rows += staffing_table(
                [interval],
                interval_minutes=interval_minutes,
                target_seconds=target_seconds,
                target_level=level,
                max_agents=MAX_AGENTS,
            )
        except TargetUnreachable as error:
            raise TargetUnreachable(
                _("Interval %(label)s: even %(max)d agents cannot reach the target.")
                % {"label": interval.label, "max": MAX_AGENTS}
            ) from error
    return rows


@require_http_methods(["GET", "POST"])
@login_required
def staffing(request: HttpRequest) -> HttpResponse:
    """Agents needed per interval of a pasted forecast (Erlang C, or Erlang A with patience)."""
    access.require_staffing_planner(request.user)
    form = StaffingForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            rows = _plan(
                data["intervals"],
                interval_minutes=data["interval_minutes"],
                target_seconds=data["target_seconds"],
                level=data["target_percent"] / 100,
            )
        except TargetUnreachable as error:
            form.add_error(None, str(error))
        else:
            hours = sum(row.agents for row in rows) * data["interval_minutes"] / 60
            peak = max(rows, key=lambda row: row.agents)
            context.update(
                rows=[_shown(row) for row in rows],
                chart=bar_chart(
                    labels=[row.label for row in rows], values=[row.agents for row in rows]
                ),
                agent_hours=number_format(hours, 1 if hours != int(hours) else 0),
                peak=peak,
                model_a=any(row.patience_seconds is not None for row in rows),
                target_percent=_percent(data["target_percent"] / 100)
                .replace(",0 ", " ")
                .replace(".0 ", " "),
                target_seconds=number_format(data["target_seconds"], 0),
            )
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "waits/staffing.html", context, status=status)
