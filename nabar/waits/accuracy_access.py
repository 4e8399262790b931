"""Who may read the accuracy of wait estimates: administrators of an organisation."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from nabar.accounts.models import Organisation


def organisation_for_admin(user: object) -> Organisation:
    """The organisation an administrator works for; 404 for users who answer no cases,
    403 for agents who are not administrators."""
    agent = getattr(user, "agent", None)
    if agent is None or not agent.is_active:
        raise Http404("agent")
    if not getattr(user, "is_staff", False):
        raise PermissionDenied("Only administrators see the accuracy of wait estimates.")
    return agent.organisation
