"""Changes to agents."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from nabar.accounts.models import Agent, Team


def set_availability(agent: Agent, *, availability: str) -> Agent:
    """Available, away or off; the time an absence began decides when the stand-in takes over."""
    if availability == agent.availability:
        return agent
    away_since = None if availability == Agent.Availability.AVAILABLE else timezone.now()
    if agent.availability != Agent.Availability.AVAILABLE and away_since is not None:
        away_since = agent.away_since or away_since  # away → off is the same absence
    Agent.objects.filter(pk=agent.pk).update(availability=availability, away_since=away_since)
    agent.availability = availability
    agent.away_since = away_since
    return agent


def update_profile(
    agent: Agent,
    *,
    availability: str,
    back_on: datetime.date | None,
    stand_in: Agent | None,
    languages: list[str],
    skills: list[str],
    working_hours: dict[str, list[list[str]]] | None = None,
    display_name: str | None = None,
) -> Agent:
    set_availability(agent, availability=availability)
    if display_name is not None and display_name != agent.user.display_name:
        agent.user.display_name = display_name
        agent.user.save(update_fields=["display_name"])
    agent.back_on = back_on
    agent.stand_in = stand_in if stand_in is None or stand_in.pk != agent.pk else None
    agent.languages = languages
    agent.skills = skills
    fields = ["back_on", "stand_in", "languages", "skills"]
    if working_hours is not None:
        agent.working_hours = working_hours
        fields.append("working_hours")
    agent.save(update_fields=fields)
    return agent


def set_agent_routing(
    agent: Agent,
    *,
    teams: Iterable[Team],
    languages: list[str],
    skills: list[str],
    capacity: int,
    chat_capacity: int,
) -> Agent:
    """What routing knows about an agent, as their organisation's administrator sets it.

    Only the organisation's own teams can be given; the cases the agent has keep their team
    and owner, and no case's timeline records the change.
    """
    teams = list(teams)
    if any(team.organisation_id != agent.organisation_id for team in teams):
        raise ValueError("an agent can only be in their own organisation's teams")
    if capacity < 0 or chat_capacity < 0:
        raise ValueError("capacity cannot be negative")
    with transaction.atomic():
        agent.languages = languages
        agent.skills = skills
        agent.capacity = capacity
        agent.chat_capacity = chat_capacity
        agent.save(update_fields=["languages", "skills", "capacity", "chat_capacity"])
        agent.teams.set(teams)
    return agent
