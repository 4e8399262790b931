"""Routing pages: the rules, teams and agents admins edit, the triage queue, and the routing report."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Max, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nabar.accounts import actions as agent_actions
from nabar.accounts.models import Agent, Organisation, Team
from nabar.routing import access, reports
from nabar.routing.classifiers import classifier_status
from nabar.routing.forms import (
    AgentRoutingForm,
    OrganisationRoutingForm,
    ReportForm,
    RuleForm,
    TeamForm,
    UrgencyForm,
)
from nabar.routing.language import language_name
from nabar.routing.models import RoutingRule, UrgencyWords
from nabar.routing.urgency import DEFAULT_URGENCY_RULES
from nabar.tickets.access import agent_for
from nabar.tickets.forms import CategoryForm
from nabar.tickets.models import Message, Ticket, TicketEvent


def _settings_context(request: HttpRequest, **forms: object) -> dict[str, object]:
    agent = access.admin_for(request.user)
    organisation = agent.organisation
    teams = list(
        Team.objects.filter(organisation=organisation).select_related("lead__user").order_by("name")
    )
    return {
        "agents": _agent_rows(organisation),
        "rules": RoutingRule.objects.filter(organisation=organisation).select_related(
            "set_team", "set_owner__user"
        ),
        "teams": teams,
        "organisation_form": OrganisationRoutingForm(instance=organisation),
        "rule_form": RuleForm(organisation=organisation),
        "team_form": TeamForm(organisation=organisation),
    } | forms


def _agent_rows(organisation: Organisation) -> list[dict[str, object]]:
    """The organisation's agents, active ones first, with their open cases now."""
    agents = list(
        Agent.objects.filter(organisation=organisation)
        .select_related("user")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
    )
    open_cases = dict(
        Ticket.objects.open()
        .filter(owner__in=agents)
        .values("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )
    rows = [
        {
            "agent": agent,
            "active": agent.is_active and agent.user.is_active,
            "languages": [language_name(code) for code in agent.languages or ()],
            "open_cases": open_cases.get(agent.pk, 0),
        }
        for agent in agents
    ]
    return sorted(rows, key=lambda row: not row["active"])


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "routing/settings.html", _settings_context(request))


@require_POST
@login_required
def organisation_settings(request: HttpRequest) -> HttpResponse:
    agent = access.admin_for(request.user)
    form = OrganisationRoutingForm(request.POST, instance=agent.organisation)
    if not form.is_valid():
        return render(
            request,
            "routing/settings.html",
            _settings_context(request, organisation_form=form),
            status=422,
        )
    form.save()
    flash.success(request, _("Routing settings saved."))
    return redirect("routing:settings")


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agent = access.admin_for(request.user)
    rule = access.get_rule_for(request.user, pk) if pk is not None else None
    if request.method != "POST":
        form = RuleForm(
            organisation=agent.organisation,
            initial=RuleForm.initial_for(rule) if rule else None,
        )
        return render(request, "routing/rule.html", {"form": form, "rule": rule})
    form = RuleForm(request.POST, organisation=agent.organisation)
    if not form.is_valid():
        return render(request, "routing/rule.html", {"form": form, "rule": rule}, status=422)
    values = form.values()
    if rule is None:
        last = RoutingRule.objects.filter(organisation=agent.organisation).aggregate(
            n=Max("position")
        )["n"]
        RoutingRule.objects.create(
            organisation=agent.organisation, position=(last or 0) + 1, **values
        )
        flash.success(request, _("Rule added at the end of the list."))
    else:
        for name, value in values.items():
            setattr(rule, name, value)
        rule.save()
        flash.success(request, _("Rule saved."))
    return redirect("routing:settings")


@require_POST
@login_required
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a rule one step up or down; rules are tried from the top."""
    rule = access.get_rule_for(request.user, pk)
    with transaction.atomic():
        ordered = list(
            RoutingRule.objects.select_for_update().filter(organisation_id=rule.organisation_id)
        )
        index = next(i for i, r in enumerate(ordered) if r.pk == rule.pk)
        other = index - 1 if request.POST.get("direction") == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            if item.position != position:
                RoutingRule.objects.filter(pk=item.pk).update(position=position)
    return redirect("routing:settings")


@require_http_methods(["GET", "POST"])
@login_required
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first, then delete: the button sits among others and a rule cannot be brought back."""
    rule = access.get_rule_for(request.user, pk)
    if request.method != "POST":
        return render(
            request,
            "routing/delete.html",
            {
                "question": _("Delete the rule “%(name)s”?") % {"name": rule.name},
                "notes": [
                    _(
                        "Cases already routed keep their team; "
                        "new cases will no longer be matched by it."
                    )
                ],
                "cancel_url": reverse("routing:settings"),
            },
        )
    rule.delete()
    flash.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("routing:settings")


@login_required
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agent = access.admin_for(request.user)
    team = access.get_team_for(request.user, pk) if pk is not None else None
    if request.method != "POST":
        initial = (
            {
                "name": team.name,
                "lead": team.lead_id,
                "skills": ", ".join(team.skills),
                "strategy": team.strategy,
            }
            if team
            else None
        )
        form = TeamForm(organisation=agent.organisation, initial=initial)
        return render(request, "routing/team.html", {"form": form, "team": team})
    form = TeamForm(request.POST, organisation=agent.organisation)
    if form.is_valid():
        clash = Team.objects.filter(organisation=agent.organisation, name=form.cleaned_data["name"])
        if team is not None:
            clash = clash.exclude(pk=team.pk)
        if clash.exists():
            form.add_error("name", _("There is already a team with that name."))
    if not form.is_valid():
        return render(request, "routing/team.html", {"form": form, "team": team}, status=422)
    team = team or Team(organisation=agent.organisation)
    team.name = form.cleaned_data["name"]
    team.lead = form.cleaned_data["lead"]
    team.skills = form.skill_list()
    team.strategy = form.cleaned_data["strategy"]
    team.save()
    flash.success(request, _("Team “%(name)s” saved.") % {"name": team.name})
    return redirect("routing:settings")


@login_required
def agent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """An agent's teams, languages, skills and capacity, which routing uses to give cases."""
    admin = access.admin_for(request.user)
    agent = access.get_agent_for(request.user, pk)
    if request.method != "POST":
        form = AgentRoutingForm(
            organisation=admin.organisation, initial=AgentRoutingForm.initial_for(agent)
        )
        return render(request, "routing/agent.html", {"form": form, "agent": agent})
    form = AgentRoutingForm(request.POST, organisation=admin.organisation)
    if not form.is_valid():
        return render(request, "routing/agent.html", {"form": form, "agent": agent}, status=422)
    agent_actions.set_agent_routing(agent, **form.cleaned_data)
    flash.success(request, _("Routing settings for %(name)s saved.") % {"name": agent.name})
    return redirect(reverse("routing:settings") + "#agents")


@login_required
def triage(request: HttpRequest) -> HttpResponse:
    """Cases the classifier was unsure about, with its top suggestions; a person decides."""
    agent = agent_for(request.user)
    cases = list(
        Ticket.objects.open()
        .filter(organisation_id=agent.organisation_id, needs_triage=True)
        .select_related("organisation", "requester", "team")
        .order_by("created_at")[:100]
    )
    routed = {
        ticket_id: data
        for ticket_id, data in TicketEvent.objects.filter(
            ticket__in=cases, kind=TicketEvent.Kind.ROUTED
        ).values_list("ticket_id", "data")
    }
    rows = [
        {
            "ticket": ticket,
            "suggestions": [
                (str(label), float(p))
                for label, p in routed.get(ticket.pk, {}).get("suggestions", [])
            ],
            "form": CategoryForm(prefix=f"c{ticket.pk}"),
        }
        for ticket in cases
    ]
    status = classifier_status(agent.organisation)
    return render(
        request,
        "routing/triage.html",
        {
            "rows": rows,
            "classifier": status.current,
            "accuracy_percent": (
                round(100 * status.current.accuracy)
                if status.current and status.current.accuracy is not None
                else None
            ),
            "labelled": status.labelled,
            "needed": status.needed,
            "retrain_hours": settings.NABAR_TRIAGE_RETRAIN_HOURS,
        },
    )


@login_required
def report(request: HttpRequest) -> HttpResponse:
    agent = access.lead_or_admin_for(request.user)
    form = ReportForm(request.GET or None)
    days = (form.cleaned_data.get("days") or 30) if form.is_valid() else 30
    now = timezone.now()
    since = now - timedelta(days=days)
    earlier = since - timedelta(days=agent.organisation.continuity_days)
    cases = Ticket.objects.filter(
        organisation_id=agent.organisation_id,
        created_at__gte=earlier,
        merged_into__isnull=True,
    )
    answered_by: dict[int, int] = {}
    for ticket_id, author in (
        Message.objects.filter(
            ticket__in=cases,
            direction=Message.Direction.OUTBOUND,
            written_by=Message.WrittenBy.PERSON,
            author_agent__isnull=False,
        )
        .order_by("ticket_id", "created_at", "pk")
        .values_list("ticket_id", "author_agent_id")
        .iterator()
    ):
        answered_by.setdefault(ticket_id, author)
    rows = [
        reports.CaseRow(
            customer_id=customer,
            team=team or _("No team"),
            owner_id=owner,
            created_at=created,
            owner_since=owner_since,
            handoffs=handoffs,
            in_period=created >= since,
            answered_by=answered_by.get(pk),
        )
        for pk, customer, team, owner, created, owner_since, handoffs in cases.values_list(
            "pk",
            "requester_id",
            "team__name",
            "owner_id",
            "created_at",
            "owner_since",
            "handoff_count",
        ).iterator()
    ]
    table = reports.figures(rows, everyone=_("Everyone"))
    context = {"form": form, "table": table, "days": days, "total_cases": table[-1].cases}
    return render(request, "routing/report.html", context)


@login_required
def urgency_page(request: HttpRequest) -> HttpResponse:
    """The urgency rules in use: the organisation's own, or the built-in ones to copy and edit."""
    agent = access.admin_for(request.user)
    own = list(UrgencyWords.objects.filter(organisation=agent.organisation))
    if request.method == "POST" and not own:
        UrgencyWords.objects.bulk_create(
            UrgencyWords(
                organisation=agent.organisation,
                position=position,
                key=rule.key,
                label_sv=rule.label_sv,
                label_en=rule.label_en,
                patterns="\n".join(rule.patterns),
                priority=rule.priority,
            )
            for position, rule in enumerate(DEFAULT_URGENCY_RULES, start=1)
        )
        flash.success(request, _("The built-in rules are now yours to edit."))
        return redirect("routing:urgency")
    return render(
        request,
        "routing/urgency.html",
        {"own": own, "defaults": DEFAULT_URGENCY_RULES if not own else ()},
    )


@login_required
def urgency_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agent = access.admin_for(request.user)
    words = access.get_urgency_for(request.user, pk) if pk is not None else None
    form = UrgencyForm(request.POST or None, instance=words)
    if request.method == "POST":
        if form.is_valid():
            row = form.save(commit=False)
            row.organisation = agent.organisation
            row.save()
            flash.success(request, _("Urgency rule saved."))
            return redirect("routing:urgency")
        return render(
            request, "routing/urgency_edit.html", {"form": form, "words": words}, status=422
        )
    return render(request, "routing/urgency_edit.html", {"form": form, "words": words})


@require_http_methods(["GET", "POST"])
@login_required
def urgency_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first, then delete one of the organisation's own urgency rules.

    The built-in rules live in the code, not per organisation, so only an organisation's own
    rows (its copies of them included) can be deleted. With no own rule left the built-in
    rules apply again (``urgency_rules_for``): the question says so before the last one goes.
    """
    words = access.get_urgency_for(request.user, pk)
    label = words.label
    if request.method != "POST":
        notes = [
            _(
                "Cases whose priority it raised keep that priority; "
                "new cases will no longer be matched by its words."
            )
        ]
        others = UrgencyWords.objects.filter(organisation_id=words.organisation_id).exclude(
            pk=words.pk
        )
        if not others.exists():
            notes.append(
                _(
                    "It is your last urgency rule: once it is deleted, "
                    "the built-in rules apply again."
                )
            )
        elif words.key in {rule.key for rule in DEFAULT_URGENCY_RULES}:
            notes.append(
                _(
                    "The built-in rule it was copied from stays available: the built-in rules "
                    "can be copied again once you have no urgency rules of your own. To keep "
                    "its words without using them, switch the rule off instead."
                )
            )
        return render(
            request,
            "routing/delete.html",
            {
                "question": _("Delete the urgency rule “%(name)s”?") % {"name": label},
                "notes": notes,
                "cancel_url": reverse("routing:urgency"),
            },
        )
    words.delete()
    flash.success(request, _("Urgency rule “%(name)s” deleted.") % {"name": label})
    return redirect("routing:urgency")
