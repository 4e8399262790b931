from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from nabar.sla.clock import BusinessHours
from nabar.sla.models import CaseClock, Holiday, SlaPolicy, TeamHours


class TeamHoursForm(forms.ModelForm):
    class Meta:
        model = TeamHours
        fields = ["team", "time_zone", "opening_hours", "swedish_holidays"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        spec, tz = data.get("opening_hours"), data.get("time_zone")
        if isinstance(spec, dict) and tz:
            try:
                BusinessHours.from_spec(spec, tz=tz)
            except ValueError as exc:
                raise forms.ValidationError(
                    _("The opening hours cannot be read: %(reason)s"), params={"reason": exc}
                ) from None
        elif spec is not None and not isinstance(spec, dict):
            raise forms.ValidationError(
                _('Write the opening hours like {"mon": [["08:00", "17:00"]]}.')
            )
        return data


@admin.register(TeamHours)
class TeamHoursAdmin(admin.ModelAdmin):
    form = TeamHoursForm
    list_display = ("team", "time_zone", "swedish_holidays")
    list_select_related = ("team",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "organisation",
        "channel",
        "priority",
        "first_response",
        "next_response",
        "hours",
    )
    list_filter = ("organisation", "channel")


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("organisation", "date", "name")
    list_filter = ("organisation",)


@admin.register(CaseClock)
class CaseClockAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "started_at", "due_at", "stopped_at", "breached_at")
    list_filter = ("kind",)
    list_select_related = ("ticket__organisation",)

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
