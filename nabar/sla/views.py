"""Service-level pages: the targets (read by agents, changed by admins) and the compliance report."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nabar.sla import access, actions, report
from nabar.sla.forms import LONGEST_REPORT, HolidayForm, PeriodForm, PolicyForm
from nabar.sla.holidays import swedish_public_holidays
from nabar.sla.models import Holiday
from nabar.tickets.models import Channel, Ticket


def _policies_context(request: HttpRequest, **extra: object) -> dict[str, object]:
    agent = access.viewer(request.user)
    organisation = agent.organisation
    year = timezone.localdate().year
    context: dict[str, object] = {
        "organisation": organisation,
        "policies": actions.policy_table(organisation),
        "can_edit": access.is_admin(agent),
        "can_report": access.is_lead_or_admin(agent),
        "holidays": Holiday.objects.filter(organisation=organisation),
        "public_holidays": sorted(swedish_public_holidays(year).items()),
        "year": year,
        "holiday_form": HolidayForm(),
        "channels": Channel.choices,
        "priorities": Ticket.Priority.choices,
    }
    return context | extra


@login_required
def policies(request: HttpRequest) -> HttpResponse:
    return render(request, "sla/policies.html", _policies_context(request))


@login_required
def edit_policy(request: HttpRequest) -> HttpResponse:
    agent = access.admin(request.user)
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            actions.set_policy(
                agent.organisation,
                channel=data["channel"],
                priority=data["priority"],
                first_response=data["first_response"],
                next_response=data["next_response"],
                resolution=data["resolution"],
                hours=data["hours"],
            )
            flash.success(request, _("The service level was saved. New cases follow it."))
            return redirect("sla:policies")
        return render(request, "sla/policy_form.html", {"form": form}, status=422)
    channel = request.GET.get("channel", "")
    priority = request.GET.get("priority", "")
    if channel not in Channel.values or (priority and priority not in Ticket.Priority.values):
        flash.error(request, _("Choose one of the listed channels and priorities."))
        return redirect("sla:policies")
    # What applies now to this channel and priority, stored or default, is the starting point.
    current = actions.targets_for(agent.organisation_id, channel=channel, priority=priority)
    form = PolicyForm(
        initial={
            "channel": channel,
            "priority": priority,
            "first_response": current.first_response,
            "next_response": current.next_response,
            "resolution": current.resolution,
            "hours": current.hours,
        }
    )
    return render(request, "sla/policy_form.html", {"form": form})


@require_POST
@login_required
def reset_policy(request: HttpRequest) -> HttpResponse:
    agent = access.admin(request.user)
    channel = request.POST.get("channel", "")
    priority = request.POST.get("priority", "")
    actions.reset_policy(agent.organisation, channel=channel, priority=priority)
    flash.success(request, _("The stored service level was removed; the default applies again."))
    return redirect("sla:policies")


@require_POST
@login_required
def add_holiday(request: HttpRequest) -> HttpResponse:
    agent = access.admin(request.user)
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            actions.add_holiday(
                agent.organisation, day=form.cleaned_data["date"], name=form.cleaned_data["name"]
            )
        except IntegrityError:
            form.add_error("date", _("This day is already a holiday."))
        else:
            flash.success(
                request, _("The holiday was added; clocks of written channels rest that day.")
            )
            return redirect("sla:policies")
    return render(
        request, "sla/policies.html", _policies_context(request, holiday_form=form), status=422
    )


@require_POST
@login_required
def remove_holiday(request: HttpRequest, pk: int) -> HttpResponse:
    holiday = access.get_holiday_for(request.user, pk)
    actions.remove_holiday(holiday)
    flash.success(request, _("The holiday was removed."))
    return redirect("sla:policies")


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    agent = access.lead_or_admin(request.user)
    organisation = agent.organisation
    form = PeriodForm(request.GET or None)
    start, end = report.default_period(organisation)
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end
        if end < start:
            start = end
        if end - start > LONGEST_REPORT:  # one date given, the other filled in
            form.add_error(None, _("Choose at most a year at a time."))
    if form.is_bound and not form.is_valid():
        context: dict[str, object] = {
            "form": form,
            "report": None,
            "channel_labels": Channel.choices,
        }
        return render(request, "sla/compliance.html", context, status=422)
    result = report.build(organisation, start=start, end=end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(report.to_csv(result), content_type="text/csv; charset=utf-8")
        filename = f"sla-compliance-{start.isoformat()}-{end.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    if not form.is_bound:
        form = PeriodForm(initial={"start": start, "end": end})
    context = {"form": form, "report": result, "channel_labels": Channel.choices}
    return render(request, "sla/compliance.html", context)
