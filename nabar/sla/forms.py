from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from nabar.sla.durations import format_duration, parse_duration
from nabar.sla.models import ClockHours
from nabar.tickets.models import Channel, Ticket

DURATION_HELP = _("For example 3 min, 4 h, 1 h 30 min or 2 d.")
LONGEST_REPORT = timedelta(days=366)


class DurationField(forms.CharField):
    """A duration typed as text ("3 min", "4 h"), kept as typed when it cannot be read."""

    default_error_messages = {
        "invalid": _("Write a duration like 3 min, 4 h or 1 h 30 min."),
    }

    def prepare_value(self, value: Any) -> Any:
        return format_duration(value) if isinstance(value, timedelta) else value

    def to_python(self, value: Any) -> timedelta | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_duration(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class PolicyForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[("", _("Every priority")), *Ticket.Priority.choices],
        required=False,
    )
    first_response = DurationField(label=_("First human response within"))
    next_response = DurationField(label=_("Next response within"))
    resolution = DurationField(label=_("Solved within (optional)"), required=False)
    hours = forms.ChoiceField(
        label=_("The clock runs"), choices=ClockHours.choices, widget=forms.RadioSelect
    )


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=80)


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if end - start > LONGEST_REPORT:
                raise forms.ValidationError(_("Choose at most a year at a time."))
        return data
