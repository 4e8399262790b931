from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from nabar.waits.forecast import MAX_INTERVALS, ForecastError, parse_pasted

NUMBER = {"inputmode": "decimal", "autocomplete": "off", "size": "8"}


class StaffingForm(forms.Form):
    """A pasted forecast and the service target to staff for."""

    forecast = forms.CharField(
        label=_("Forecast"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        max_length=MAX_INTERVALS * 80,
    )
    handle_seconds = forms.FloatField(
        label=_("Average handling time (seconds)"),
        required=False,
        min_value=1,
        max_value=86400,
        localize=True,
        widget=forms.TextInput(attrs=NUMBER),
    )
    patience_seconds = forms.FloatField(
        label=_("Average patience before giving up (seconds, optional)"),
        required=False,
        min_value=1,
        max_value=86400,
        localize=True,
        widget=forms.TextInput(attrs=NUMBER),
    )
    target_percent = forms.FloatField(
        label=_("Share answered in time, in percent"),
        min_value=1,
        max_value=99.9,
        initial=95,
        localize=True,
        widget=forms.TextInput(attrs=NUMBER),
    )
    target_seconds = forms.FloatField(
        label=_("Within (seconds)"),
        min_value=0,
        max_value=86400,
        initial=180,
        localize=True,
        widget=forms.TextInput(attrs=NUMBER),
    )
    interval_minutes = forms.TypedChoiceField(
        label=_("Interval length"),
        choices=[(15, _("15 minutes")), (30, _("30 minutes")), (60, _("1 hour"))],
        coerce=int,
        initial=15,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("forecast")
        if text is None or "handle_seconds" not in data or "patience_seconds" not in data:
            return data
        try:
            intervals = parse_pasted(
                text,
                handle_seconds=data["handle_seconds"],
                patience_seconds=data["patience_seconds"],
            )
        except ForecastError as error:
            self.add_error("forecast", str(error))
            return data
        if not intervals:
            self.add_error("forecast", _("Paste at least one interval, e.g. “09:00 120”."))
            return data
        data["intervals"] = intervals
        return data
