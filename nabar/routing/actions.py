"""Routing a new case: gather the facts from the database, run the pure decision, record it.

``decide`` reads only; ``record`` writes the timeline and the alerts once the case exists.
The decision itself lives in :mod:`nabar.routing.rules` and is tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from nabar.accounts.models import Agent, Organisation, Team
from nabar.customers.models import Customer
from nabar.lib import batch
from nabar.routing import rules as pure
from nabar.routing.language import detect_language
from nabar.routing.models import RoutingRule, urgency_rules_for
from nabar.routing.urgency import match_urgency
from nabar.sla.clock import is_open
from nabar.tickets.models import LANGUAGE_MISSING_TAG, Alert, Channel, Ticket

PRIORITY_ORDER = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


@dataclass
class Decision:
    """Everything routing decided for a new case, with the reasons for the timeline."""

    team: Team | None
    owner: Agent | None
    language: str
    language_detected: str | None
    language_spoken: bool
    priority: str = "normal"
    tags: list[str] = field(default_factory=list)
    category: str = ""
    category_confidence: float | None = None
    category_set_by: str = ""
    needs_triage: bool = False
    suggestions: list[tuple[str, float]] = field(default_factory=list)
    urgent: list[str] = field(default_factory=list)
    urgent_labels: list[tuple[str, str]] = field(default_factory=list)
    team_reasons: list[dict[str, Any]] = field(default_factory=list)
    owner_reason: dict[str, Any] = field(default_factory=dict)
    nobody_available: bool = False


def _classify(organisation: Organisation, text: str) -> tuple[str, float | None, bool, list[Any]]:
    """Category, confidence, whether a person must triage, and the top suggestions.

    Without a trained classifier there is no category: rules and the default team still route.
    """
    from nabar.routing.classifiers import load_current, predict_top

    model = batch.remember(("classifier", organisation.pk), lambda: load_current(organisation.pk))
    if model is None or not text.strip():
        return "", None, False, []
    top = predict_top(model, text, k=3)
    if not top:
        return "", None, False, []
    label, confidence = top[0]
    if confidence >= model.threshold:
        return label, confidence, False, top
    return "", confidence, True, top


def spoken_languages(organisation: Organisation) -> set[str]:
    """Languages some active agent of the organisation writes."""
    return batch.remember(("spoken", organisation.pk), lambda: _spoken(organisation))


def someone_writes(organisation: Organisation, language: str) -> bool:
    """Whether an active agent writes ``language`` (an organisation whose agents list no
    languages is taken to write every one)."""
    spoken = spoken_languages(organisation)
    return not spoken or language in spoken


def _spoken(organisation: Organisation) -> set[str]:
    spoken: set[str] = set()
    for languages in Agent.objects.filter(organisation=organisation, is_active=True).values_list(
        "languages", flat=True
    ):
        spoken.update(str(code).lower() for code in languages or ())
    return spoken


def previous_owner(customer: Customer, organisation: Organisation) -> Agent | None:
    """The owner of the customer's latest case: open now, or opened within the continuity window."""
    return batch.remember(
        ("previous-owner", customer.pk),
        lambda: _latest_owners(organisation, [customer.pk]).get(customer.pk),
    )


def _latest_owners(organisation: Organisation, customer_ids: list[int]) -> dict[int, Agent]:
    since = timezone.now() - timedelta(days=organisation.continuity_days)
    owners: dict[int, Agent] = {}
    for ticket in (
        Ticket.objects.filter(
            requester_id__in=customer_ids, owner__isnull=False, merged_into__isnull=True
        )
        .filter(Q(status__in=Ticket.OPEN_STATUSES) | Q(created_at__gte=since))
        .select_related("owner__user")
        .order_by("created_at", "pk")
    ):
        owners[ticket.requester_id] = ticket.owner  # type: ignore[assignment]
    return owners


def prefetch_previous_owners(organisation: Organisation, customers: list[Customer]) -> None:
    """Find the previous owners of many customers in one query, for the batch being processed."""
    ids = [c.pk for c in customers]
    owners = _latest_owners(organisation, ids) if ids else {}
    for pk in ids:
        batch.know(("previous-owner", pk), owners.get(pk))


def agent_facts(organisation: Organisation) -> tuple[list[pure.AgentFacts], dict[int, Agent]]:
    """Every active agent with the load the decision needs, in two queries (once per batch;
    a batch then counts the cases it assigns itself, ``_note_assigned``)."""
    return batch.remember(("agent-facts", organisation.pk), lambda: _facts(organisation))


def _facts(organisation: Organisation) -> tuple[list[pure.AgentFacts], dict[int, Agent]]:
    agents, load, chats, working = _agents(organisation)
    facts = [
        pure.AgentFacts(
            id=a.pk,
            name=a.name,
            available=a.availability == Agent.Availability.AVAILABLE,
            within_hours=a.pk in working,
            team_ids=frozenset(t.pk for t in a.teams.all()),
            skills=frozenset(str(s).casefold() for s in a.skills or ()),
            languages=frozenset(str(code).lower() for code in a.languages or ()),
            open_cases=load.get(a.pk, 0),
            # 0 is "no new cases" (or chats): such an agent never has room, so is never
            # divided by in the load comparison.
            capacity=a.capacity,
            open_chats=chats.get(a.pk, 0),
            chat_capacity=a.chat_capacity,
        )
        for a in agents
    ]
    return facts, {a.pk: a for a in agents}


def _agents(
    organisation: Organisation,
) -> tuple[list[Agent], dict[int, int], dict[int, int], set[int]]:
    """The active agents, their open cases and open chats, and who is within working hours."""
    agents = list(
        Agent.objects.filter(organisation=organisation, is_active=True, user__is_active=True)
        .select_related("user")
        .prefetch_related("teams")
    )
    load: dict[int, int] = {}
    chats: dict[int, int] = {}
    for owner, n, live in (
        Ticket.objects.open()
        .filter(owner__in=agents)
        .values("owner")
        .annotate(n=Count("pk"), live=Count("pk", filter=Q(channel=Channel.CHAT)))
        .values_list("owner", "n", "live")
    ):
        load[owner], chats[owner] = n, live
    now = timezone.now()
    working = {a.pk for a in agents if working_now(a, organisation, now)}
    return agents, load, chats, working


def working_now(agent: Agent, organisation: Organisation, now: datetime) -> bool:
    """Within the agent's own working hours; one without (readable) hours of their own always is."""
    hours = agent.own_hours(organisation.time_zone)
    return hours is None or is_open(now, hours)


def _note_assigned(organisation: Organisation, owner: Agent | None, *, live: bool) -> None:
    """A batch counts the case it just gave an agent, so the next case sees the new load."""
    current = batch.current()
    if owner is None or current is None:
        return
    known = current.memo.get(("agent-facts", organisation.pk))
    if known is None:
        return
    facts = known[0]
    for i, fact in enumerate(facts):
        if fact.id == owner.pk:
            facts[i] = replace(
                fact,
                open_cases=fact.open_cases + 1,
                open_chats=fact.open_chats + (1 if live else 0),
            )
            break


def _teams(organisation: Organisation) -> dict[int, Team]:
    return batch.remember(
        ("teams", organisation.pk),
        lambda: {t.pk: t for t in Team.objects.filter(organisation=organisation)},
    )


def team_for_category(organisation: Organisation, category: str) -> Team | None:
    if not category:
        return None
    wanted = category.casefold()
    for team in _teams(organisation).values():
        if wanted in {str(s).casefold() for s in team.skills or ()}:
            return team
    return None


def decide(
    organisation: Organisation,
    *,
    customer: Customer,
    channel: str,
    text: str,
    language_hint: str,
) -> Decision:
    """Route a new case: language, category, urgency, rules, team, then a named owner."""
    sample = text[:600]  # more text adds time, not accuracy
    guess = batch.remember(("language", sample), lambda: detect_language(sample))
    detected = guess.code
    language = detected or language_hint or "sv"
    language_spoken = someone_writes(organisation, language)
    category, confidence, needs_triage, top = _classify(organisation, text)
    decision = Decision(
        team=None,
        owner=None,
        language=language,
        language_detected=detected,
        language_spoken=language_spoken,
        category=category,
        category_confidence=confidence if category else None,
        category_set_by="model" if category else "",
        needs_triage=needs_triage,
        suggestions=[(str(label), float(p)) for label, p in top],
    )
    urgency = batch.remember(
        ("urgency", organisation.pk), lambda: urgency_rules_for(organisation.pk)
    )
    for rule in match_urgency(text, urgency):
        decision.urgent.append(rule.key)
        decision.urgent_labels.append((rule.label_en, rule.label_sv))
        if PRIORITY_ORDER[rule.priority] > PRIORITY_ORDER[decision.priority]:
            decision.priority = rule.priority

    facts = pure.CaseFacts(
        channel=channel,
        language=language,
        category=category or None,
        category_confidence=confidence if category else None,
        customer_id=customer.pk,
        text=text,
        organisation_id=organisation.pk,
    )
    rules = batch.remember(
        ("rules", organisation.pk),
        lambda: [
            r.as_rule()
            for r in RoutingRule.objects.filter(organisation=organisation, is_active=True)
        ],
    )
    outcome = pure.apply_rules(facts, rules)
    teams = _teams(organisation)
    for detail in outcome.reason_details:
        decision.team_reasons.append(
            {"code": detail.code, "text": detail.text, **dict(detail.params)}
        )
    if outcome.priority and PRIORITY_ORDER.get(outcome.priority, 0) > PRIORITY_ORDER.get(
        decision.priority, 0
    ):
        decision.priority = outcome.priority
    decision.tags = list(outcome.tags)
    team = teams.get(outcome.team) if outcome.team else None
    if team is None and not language_spoken and organisation.language_fallback_team_id:
        team = teams.get(organisation.language_fallback_team_id)
        decision.team_reasons.append({"code": "language_fallback", "language": language})
    if team is None and category:
        team = team_for_category(organisation, category)
        if team is not None:
            decision.team_reasons.append(
                {"code": "category", "category": category, "confidence": confidence}
            )
    if team is None and organisation.default_team_id:
        team = teams.get(organisation.default_team_id)
        if team is not None:
            decision.team_reasons.append({"code": "default_team"})
    if not language_spoken:
        decision.tags.append(f"{LANGUAGE_MISSING_TAG}{language}")
    decision.team = team

    agents, by_id = agent_facts(organisation)
    live = channel == Channel.CHAT
    before = previous_owner(customer, organisation)
    if outcome.owner is not None and outcome.owner in by_id:
        chosen = next(a for a in agents if a.id == outcome.owner)
        if chosen.has_room(live=live):
            decision.owner = by_id[chosen.id]
            decision.owner_reason = {"code": "rule", "agent": chosen.name}
            _note_assigned(organisation, decision.owner, live=live)
            return decision
    choice = pure.choose_owner(
        agents,
        team_id=team.pk if team else None,
        language=language if language_spoken else None,
        required_skills=_required_skills(category, agents, team, live=live),
        strategy=team.strategy if team else "load_balanced",
        previous_owner_id=before.pk if before else None,
        last_assigned_id=team.last_assigned_id if team else None,
        live=live,
    )
    decision.owner = by_id.get(choice.agent_id) if choice.agent_id else None
    decision.owner_reason = {"code": choice.reason_code, "text": choice.reason, **choice.params}
    if before is not None and decision.owner != before:
        decision.owner_reason["previous"] = before.name
    decision.nobody_available = decision.owner is None and choice.reason_code != "manual"
    _note_assigned(organisation, decision.owner, live=live)
    return decision


def _required_skills(
    category: str, agents: list[pure.AgentFacts], team: Team | None, *, live: bool = False
) -> frozenset[str]:
    """Require the category as a skill only when someone in the team lists it."""
    if not category:
        return frozenset()
    wanted = category.casefold()
    in_team = [a for a in agents if team is None or team.pk in a.team_ids]
    if any(wanted in a.skills and a.has_room(live=live) for a in in_team):
        return frozenset({wanted})
    return frozenset()


def record(ticket: Ticket, decision: Decision) -> None:
    """Write the decision to the case's timeline and alert the people who must act now."""
    from nabar.tickets.actions import _event
    from nabar.tickets.alerts import raise_alert, team_leads
    from nabar.tickets.models import TicketEvent

    _event(
        ticket,
        TicketEvent.Kind.ROUTED,
        label="Nåbar",
        team=decision.team.name if decision.team else "",
        team_id=decision.team.pk if decision.team else None,
        because=decision.team_reasons,
        language=decision.language,
        language_detected=decision.language_detected,
        language_spoken=decision.language_spoken,
        category=decision.category,
        confidence=decision.category_confidence,
        suggestions=decision.suggestions,
        needs_triage=decision.needs_triage,
    )
    if decision.owner is not None and decision.team is not None:
        decision.team.last_assigned = decision.owner  # round robin goes on after them
        batch.update(decision.team, ["last_assigned"])
    leads = team_leads(ticket)
    if decision.urgent:
        _event(
            ticket,
            TicketEvent.Kind.URGENT,
            label="Nåbar",
            rules=decision.urgent,
            labels_en=[en for en, _ in decision.urgent_labels],
            labels_sv=[sv for _, sv in decision.urgent_labels],
        )
        raise_alert(
            [*leads, decision.owner],
            ticket=ticket,
            kind=Alert.Kind.URGENT,
            data={
                "labels_en": [en for en, _ in decision.urgent_labels],
                "labels_sv": [sv for _, sv in decision.urgent_labels],
            },
        )
    if not decision.language_spoken:
        raise_alert(
            leads,
            ticket=ticket,
            kind=Alert.Kind.LANGUAGE,
            data={"language": decision.language},
        )
    if decision.nobody_available:
        raise_alert(
            leads,
            ticket=ticket,
            kind=Alert.Kind.NOBODY,
            data={"team": decision.team.name if decision.team else ""},
        )


def owner_in_team(ticket: Ticket, team: Team) -> Agent | None:
    """Who in ``team`` should take this case now (None: it waits in the team's queue)."""
    agents, by_id = agent_facts(ticket.organisation)
    others = [a for a in agents if a.id != ticket.owner_id]
    choice = pure.choose_owner(
        others,
        team_id=team.pk,
        language=ticket.language or None,
        required_skills=_required_skills(ticket.category, others, team),
        strategy=team.strategy,
        last_assigned_id=team.last_assigned_id,
    )
    return by_id.get(choice.agent_id) if choice.agent_id else None
