from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nabar.accounts.models import Agent, Team
from nabar.contact.forms import MessageField
from nabar.lib.templatetags.nabar_time import day_words
from nabar.lib.uploads import AttachmentsField
from nabar.routing.language import CASE_LANGUAGES, language_name
from nabar.tickets.models import Ticket


class ReplyForm(forms.Form):
    body = MessageField(
        label=_("Reply to the customer"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Write your reply to the customer."),
            "max_length": _(
                "Your message is %(show_value)d characters long; at most %(limit_value)d "
                "fit. Please shorten it or attach the rest as a file."
            ),
        },
    )
    attachments = AttachmentsField(label=_("Attachments (optional)"))
    status = forms.ChoiceField(
        label=_("Then set the status to"),
        choices=[("", _("Keep as it is"))]
        + [(value, label) for value, label in Ticket.Status.choices if value != Ticket.Status.NEW],
        required=False,
    )


class NoteForm(forms.Form):
    body = MessageField(
        label=_("Internal note (never shown to the customer)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Write the note."),
            "max_length": _(
                "Your note is %(show_value)d characters long; at most %(limit_value)d fit. "
                "Please shorten it."
            ),
        },
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=Agent.objects.none(), empty_label=None
    )

    def __init__(self, *args: object, organisation_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Agent.objects.filter(
            organisation_id=organisation_id, is_active=True
        ).select_related("user")
        if not self.initial.get("owner"):
            # A case in the queue: the list must not seem to name an owner it does not have.
            field.empty_label = _("Choose a person")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search cases"), required=False, max_length=200)
    view = forms.ChoiceField(
        choices=[
            ("mine", _("My cases")),
            ("team", _("Unassigned in my teams")),
            ("all", _("All open")),
        ],
        required=False,
    )


def short_date(day: date) -> str:
    """ "9 Dec" in English, "9 dec" in Swedish."""
    return day_words(day, "j M")


def availability_words(agent: Agent) -> str:
    """Why a person cannot take a case now, in the reader's language ("" when they can)."""
    if agent.availability == Agent.Availability.AWAY and agent.back_on is not None:
        return gettext("away until %(date)s") % {"date": short_date(agent.back_on)}
    if agent.availability == Agent.Availability.AWAY:
        return gettext("away")
    if agent.availability == Agent.Availability.OFF:
        return gettext("off work")
    return ""


class PersonChoiceField(forms.ModelChoiceField):
    """A person to hand a case to, with whether they can take it now: "Bob (away until 9 Dec)"."""

    def label_from_instance(self, obj: Agent) -> str:
        words = availability_words(obj)
        if not words:
            return obj.name
        return gettext("%(name)s (%(availability)s)") % {
            "name": obj.name,
            "availability": words,
        }


class TransferForm(forms.Form):
    to_owner = PersonChoiceField(
        label=_("Hand over to"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("Whoever is free in the team"),
    )
    to_team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Same team")
    )
    note = forms.CharField(
        label=_("Hand-over note for the new owner"),
        help_text=_("What has been done and what is left, so the customer never repeats anything."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Write a hand-over note for the new owner.")},
    )
    why = forms.CharField(
        label=_("Why, in words for the customer (optional)"),
        required=False,
        max_length=300,
    )

    def __init__(
        self, *args: object, organisation_id: int, owner_id: int | None, **kwargs: object
    ) -> None:
        """``owner_id``: who has the case now, left out of the list (nobody hands to themselves
        what they have)."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        owner = self.fields["to_owner"]
        team = self.fields["to_team"]
        assert isinstance(owner, forms.ModelChoiceField)
        assert isinstance(team, forms.ModelChoiceField)
        people = Agent.objects.filter(organisation_id=organisation_id, is_active=True)
        if owner_id is not None:
            people = people.exclude(pk=owner_id)
        owner.queryset = people.select_related("user")
        team.queryset = Team.objects.filter(organisation_id=organisation_id)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("to_owner") and not data.get("to_team"):
            raise forms.ValidationError(_("Choose a person or a team to hand the case over to."))
        return data


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)


class LanguageForm(forms.Form):
    """The language the case is written in, and so the one the customer is answered in."""

    language = forms.ChoiceField(label=_("Language"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Named in the reader's language, in its order; built per form, as names are translated.
        names = {code: language_name(code) for code in CASE_LANGUAGES}
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        ordered: list[tuple[str, str]] = sorted(names.items(), key=lambda item: item[1].lower())
        field.choices = ordered


class CategoryForm(forms.Form):
    category = forms.CharField(label=_("Category"), max_length=80)


# A case as agents write it: "NB-1009" as on every page and mail, or just "1009".
CASE_NUMBER_RE = re.compile(r"^(?:[A-Za-z]{1,6}-)?(\d{1,9})$")


class MergeForm(forms.Form):
    # Text, not a number field: a browser refuses to let "NB-1009" be typed into a number.
    into = forms.CharField(
        label=_("Merge into case number"),
        max_length=20,
        help_text=_(
            "A case of the same customer; this case is closed and its messages move there."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_into(self) -> int:
        match = CASE_NUMBER_RE.match(self.cleaned_data["into"].strip())
        if not match or int(match.group(1)) < 1:
            raise forms.ValidationError(_("Write the case number, e.g. NB-1009 or 1009."))
        return int(match.group(1))
