from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nabar.accounts import actions
from nabar.accounts.forms import AvailabilityForm, ProfileForm
from nabar.accounts.hours import format_week
from nabar.tickets.access import agent_for


@require_POST
@login_required
def availability(request: HttpRequest) -> HttpResponse:
    agent = agent_for(request.user)
    form = AvailabilityForm(request.POST)
    if form.is_valid():
        actions.set_availability(agent, availability=form.cleaned_data["availability"])
        flash.success(
            request,
            _("Your availability is now: %(value)s") % {"value": agent.get_availability_display()},
        )
    else:
        flash.error(request, _("Choose one of the listed availabilities."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/inbox/"
    return redirect(target)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """My availability, my stand-in, the languages I write and my skills."""
    agent = agent_for(request.user)
    if request.method != "POST":
        form = ProfileForm(
            agent=agent,
            initial={
                "availability": agent.availability,
                "back_on": agent.back_on,
                "stand_in": agent.stand_in_id,
                "languages": ", ".join(agent.languages),
                "skills": ", ".join(agent.skills),
                "working_hours": format_week(agent.working_hours or {}),
            },
        )
        return render(request, "accounts/me.html", {"form": form, "agent": agent})
    form = ProfileForm(request.POST, agent=agent)
    if not form.is_valid():
        return render(request, "accounts/me.html", {"form": form, "agent": agent}, status=422)
    actions.update_profile(agent, **form.cleaned_data)
    flash.success(request, _("Saved."))
    return redirect("accounts:me")
