"""Who may read the accuracy of wait estimates: administrators of an organisation."""

from __future__ import annotations

from nabar.accounts.access import admin_for
from nabar.accounts.models import Organisation


def organisation_for_admin(user: object) -> Organisation:
    """The organisation an administrator works for; 404 for users who answer no cases,
    403 for agents who are not administrators."""
    return admin_for(user).organisation
