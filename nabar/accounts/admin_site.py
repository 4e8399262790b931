"""The Django admin as Nåbar's operators' tool, closed to organisation administrators.

The admin lists the records of every organisation on the installation (cases, customers,
received mail, mailboxes, users), so only the installation's operators, its superusers, may
open it. An organisation's administrators are staff users who manage their own organisation on
Nåbar's own pages (routing, service levels, staffing), which check each object in ``access.py``.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class NabarAdminSite(admin.AdminSite):
    # The administration is Nåbar's, not a generic Django site.
    site_header = _("Nåbar administration")
    site_title = _("Nåbar administration")
    index_title = _("Settings and records")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class NabarAdminConfig(AdminConfig):
    default_site = "nabar.accounts.admin_site.NabarAdminSite"
