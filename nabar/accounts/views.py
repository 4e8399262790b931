from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nabar.accounts import actions
from nabar.accounts.forms import AvailabilityForm
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
