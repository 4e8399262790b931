"""Background tasks for service levels."""

from __future__ import annotations

from django_tasks import task

from nabar.sla import actions


@task()
def sweep_sla() -> dict[str, int]:
    """Warn before clocks run out and escalate those that did; safe on many workers at once."""
    result = actions.sweep()
    return {"warned": result.warned, "breached": result.breached, "moved": result.moved}
