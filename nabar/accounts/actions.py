"""Changes to agents."""

from __future__ import annotations

import datetime

from django.utils import timezone

from nabar.accounts.models import Agent


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
) -> Agent:
    set_availability(agent, availability=availability)
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
