"""Routing: triage (language, category, urgency) and the pure routing decision."""
