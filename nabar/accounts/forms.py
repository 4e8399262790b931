import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nabar.accounts.hours import HoursError, parse_week
from nabar.accounts.models import Agent
from nabar.routing.language import language_code


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(label=_("My availability"), choices=Agent.Availability.choices)


def _codes(raw: str) -> list[str]:
    return [part.strip().lower() for part in raw.replace(";", ",").split(",") if part.strip()]


class LanguagesField(forms.CharField):
    """Languages written with commas, as codes or names ("sv, EN; finska"), cleaned to codes.

    The languages an agent writes, on their own page and on the administrator's: routing
    compares them with a case's language, so a language no case can have is refused.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("Languages separated with commas, as codes or names, e.g. sv, en, fi.")
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        written = _codes(super().to_python(value) or "")
        codes = [language_code(text) for text in written]
        bad = [text for text, code in zip(written, codes, strict=True) if code is None]
        if bad:
            raise forms.ValidationError(
                _(
                    "Not a language Nåbar recognises in cases: %(bad)s. Write codes such as sv, "
                    "en and fi, or names such as Swedish."
                )
                % {"bad": ", ".join(bad)}
            )
        return list(dict.fromkeys(code for code in codes if code is not None))


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name customers see"),
        max_length=80,
        required=False,
        help_text=_(
            "On receipts, replies and the customer's case page, e.g. a first name. Empty: your "
            "first name."
        ),
    )
    availability = forms.ChoiceField(label=_("My availability"), choices=Agent.Availability.choices)
    back_on = forms.DateField(
        label=_("Back on (when away)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Customers are told when you are back."),
    )
    stand_in = forms.ModelChoiceField(
        label=_("Stand-in while I am away"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("Nobody: my cases go to the team queue"),
    )
    languages = LanguagesField(label=_("Languages I write"))
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        help_text=_("Categories and product areas, separated with commas, e.g. invoice."),
    )
    working_hours = forms.CharField(
        label=_("My working hours"),
        required=False,
        help_text=_(
            "Days and times, e.g. mon-fri 08:00-17:00; sat 10:00-14:00. New cases go first to "
            "those working now. Empty: whenever you are available."
        ),
    )

    def __init__(self, *args: Any, agent: Agent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["stand_in"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Agent.objects.filter(organisation_id=agent.organisation_id, is_active=True)
            .exclude(pk=agent.pk)
            .select_related("user")
        )

    def clean_back_on(self) -> datetime.date | None:
        """A day already past would tell customers the person is back when they are not."""
        back_on: datetime.date | None = self.cleaned_data.get("back_on")
        if back_on is not None and back_on < timezone.localdate():
            raise forms.ValidationError(
                _("The day you are back has already passed. Choose today or a later day.")
            )
        return back_on

    def clean_working_hours(self) -> dict[str, list[list[str]]]:
        try:
            return parse_week(self.cleaned_data.get("working_hours") or "")
        except HoursError as error:
            raise forms.ValidationError(
                _(
                    "Could not read “%(part)s”. Write days and times, e.g. mon-fri 08:00-17:00"
                    " (or mån-fre 08:00-17:00)."
                )
                % {"part": error.part}
            ) from None

    def clean_skills(self) -> list[str]:
        return [
            part.strip()
            for part in (self.cleaned_data.get("skills") or "").split(",")
            if part.strip()
        ]
