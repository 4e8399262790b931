from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nabar.accounts import actions
from nabar.accounts.forms import AvailabilityForm, ProfileForm
from nabar.accounts.hours import format_week
from nabar.lib.ratelimit import client_address, hits, over_limit
from nabar.tickets.access import agent_for

LOGIN_WINDOW_SECONDS = 15 * 60


def _login_keys(request: HttpRequest) -> list[tuple[str, str, int]]:
    """(scope, key, limit) of the failed log-ins counted for this attempt."""
    username = str(request.POST.get("username", ""))[:150].casefold()
    limit = settings.NABAR_LOGIN_FAILURES
    return [("login-user", username, limit), ("login-address", client_address(request), 3 * limit)]


class LoginView(auth_views.LoginView):
    """Log-in, refused for a while after too many wrong passwords for one user name or from
    one address, so that passwords cannot be guessed by trying many."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        keys = _login_keys(request)
        if any(hits(s, k, window_seconds=LOGIN_WINDOW_SECONDS) >= n for s, k, n in keys):
            # Not even checked: a right password now would tell the guesser it is right.
            form = AuthenticationForm(request, initial={"username": request.POST.get("username")})
            context = self.get_context_data(form=form, too_many_attempts=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        for scope, key, limit in _login_keys(self.request):
            over_limit(scope, key, limit=limit, window_seconds=LOGIN_WINDOW_SECONDS)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """Log-out, confirmed on the log-in page it leads to (on a shared computer, one must see
    that it worked)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_logged_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_logged_in:
            # The session is gone; the message travels in a cookie to the next page.
            flash.success(request, _("You are logged out."))
        return response


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
    """The name customers see, my availability, my stand-in, the languages I write and my
    skills."""
    agent = agent_for(request.user)
    if request.method != "POST":
        form = ProfileForm(
            agent=agent,
            initial={
                "display_name": agent.user.display_name,
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
