from __future__ import annotations

from typing import Any

from django import forms
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from nabar.accounts.forms import LanguagesField
from nabar.accounts.models import Agent, Organisation, Strategy, Team
from nabar.routing.language import language_code
from nabar.routing.models import RoutingRule, UrgencyWords
from nabar.tickets.models import Channel, Ticket

CONDITION_ROWS = 3
LIST_OPS = {RoutingRule.Op.IN, RoutingRule.Op.CONTAINS_ANY}


def _split_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _channel_key(text: str) -> str:
    return "".join(text.casefold().split()).replace("-", "")


def channel_code(text: str) -> str | None:
    """The code of a channel written as its code or its name in Swedish or English, any case."""
    wanted = _channel_key(text)
    for code, label in Channel.choices:
        for language in ("sv", "en"):
            with translation.override(language):
                if wanted in {_channel_key(code), _channel_key(str(label))}:
                    return str(code)
    return None


def _coded_value(field: str, value: str) -> tuple[str, list[str]]:
    """A condition's value with language and channel names turned into the codes cases store.

    A case's language is "en" and its channel "email", so "Engelska" or "E-post" would never
    match; the names people write are turned into codes, and what is not known is returned.
    """
    to_code = {"language": language_code, "channel": channel_code}.get(field)
    if to_code is None:
        return value, []
    parts = _split_list(value)
    codes = [to_code(part) for part in parts]
    unknown = [part for part, code in zip(parts, codes, strict=True) if code is None]
    return ", ".join(code for code in codes if code), unknown


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    set_team = forms.ModelChoiceField(
        label=_("Send to team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Do not change"),
    )
    set_owner = forms.ModelChoiceField(
        label=_("Give to"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("Do not change"),
    )
    set_priority = forms.ChoiceField(
        label=_("Set priority"),
        choices=[("", _("Leave as it is")), *Ticket.Priority.choices],
        required=False,
    )
    add_tags = forms.CharField(
        label=_("Add tags"), required=False, help_text=_("Separate with commas.")
    )
    stop = forms.BooleanField(label=_("Stop after this rule"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["set_team"]
        owner = self.fields["set_owner"]
        assert isinstance(team, forms.ModelChoiceField)
        assert isinstance(owner, forms.ModelChoiceField)
        team.queryset = Team.objects.filter(organisation=organisation)
        owner.queryset = Agent.objects.filter(
            organisation=organisation, is_active=True
        ).select_related("user")
        for i in range(1, CONDITION_ROWS + 1):
            self.fields[f"field_{i}"] = forms.ChoiceField(
                label=_("Condition %(n)s: what") % {"n": i},
                choices=[("", "—"), *RoutingRule.Field.choices],
                required=False,
            )
            self.fields[f"op_{i}"] = forms.ChoiceField(
                label=_("Condition %(n)s: test") % {"n": i},
                choices=RoutingRule.Op.choices,
                required=False,
            )
            self.fields[f"value_{i}"] = forms.CharField(
                label=_("Condition %(n)s: value") % {"n": i},
                required=False,
                max_length=500,
                help_text=_("For “is one of” and “contains any of”, separate with commas."),
            )

    @property
    def condition_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"field_{i}"], self[f"op_{i}"], self[f"value_{i}"])
            for i in range(1, CONDITION_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        conditions = []
        for i in range(1, CONDITION_ROWS + 1):
            field, op, value = data.get(f"field_{i}"), data.get(f"op_{i}"), data.get(f"value_{i}")
            if not field:
                if value:
                    self.add_error(
                        f"field_{i}", _("Choose what this condition tests, or clear its value.")
                    )
                continue
            if not value:
                self.add_error(f"value_{i}", _("Give a value for this condition."))
                continue
            op = op or "is"
            if op not in LIST_OPS and "," in value and field in {"language", "channel"}:
                self.add_error(
                    f"value_{i}", _("Give one value here, or choose “is one of” for several.")
                )
                continue
            value, unknown = _coded_value(field, value)
            if unknown and field == "language":
                self.add_error(
                    f"value_{i}",
                    _(
                        "We do not know the language “%(value)s”. Write its name or code, "
                        "e.g. Swedish, English or sv."
                    )
                    % {"value": ", ".join(unknown)},
                )
                continue
            if unknown:
                self.add_error(
                    f"value_{i}",
                    _("“%(value)s” is not a channel. Write one of: %(channels)s.")
                    % {
                        "value": ", ".join(unknown),
                        "channels": ", ".join(str(label) for label in Channel.labels),
                    },
                )
                continue
            conditions.append({"field": field, "op": op, "value": value})
        data["conditions"] = conditions
        does = data.get("set_team") or data.get("set_owner") or data.get("set_priority")
        if not does and not _split_list(data.get("add_tags") or ""):
            raise forms.ValidationError(
                _("Choose what the rule does: a team, a person, a priority or tags.")
            )
        return data

    @classmethod
    def initial_for(cls, rule: RoutingRule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": rule.name,
            "set_team": rule.set_team_id,
            "set_owner": rule.set_owner_id,
            "set_priority": rule.set_priority,
            "add_tags": ", ".join(rule.add_tags),
            "stop": rule.stop,
            "is_active": rule.is_active,
        }
        for i, condition in enumerate(rule.conditions[:CONDITION_ROWS], start=1):
            initial[f"field_{i}"] = condition["field"]
            initial[f"op_{i}"] = condition["op"]
            initial[f"value_{i}"] = condition["value"]
        return initial

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "conditions": data["conditions"],
            "set_team": data.get("set_team"),
            "set_owner": data.get("set_owner"),
            "set_priority": data.get("set_priority") or "",
            "add_tags": _split_list(data.get("add_tags") or ""),
            "stop": bool(data.get("stop")),
            "is_active": bool(data.get("is_active")),
        }


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    lead = forms.ModelChoiceField(
        label=_("Team lead"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("No team lead"),
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        help_text=_("Categories and product areas, separated with commas, e.g. invoice, delivery."),
    )
    strategy = forms.ChoiceField(label=_("Assignment"), choices=Strategy.choices)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = self.fields["lead"]
        assert isinstance(lead, forms.ModelChoiceField)
        lead.queryset = Agent.objects.filter(
            organisation=organisation, is_active=True
        ).select_related("user")

    def skill_list(self) -> list[str]:
        return _split_list(self.cleaned_data.get("skills") or "")


WHOLE_NUMBER_ERRORS = {
    "required": _("Write a whole number, e.g. 40."),
    "invalid": _("Write a whole number, e.g. 40."),
    "min_value": _("Write 0 or a larger whole number."),
    "max_value": _("Write %(limit_value)s or a smaller number."),
}


class AgentRoutingForm(forms.Form):
    """What routing knows about one agent, as their organisation's administrator sets it."""

    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The agent is given cases of these teams. No team: only cases given by name."),
    )
    languages = LanguagesField(
        label=capfirst(Agent._meta.get_field("languages").verbose_name),
        help_text=_(
            "Languages separated with commas, as codes or names, e.g. sv, en, fi. Someone "
            "who writes the case's language is chosen first."
        ),
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        help_text=_(
            "Categories and product areas, separated with commas, e.g. invoice, delivery. "
            "A case whose category someone in the team lists goes to one of them."
        ),
    )
    capacity = forms.IntegerField(
        label=capfirst(Agent._meta.get_field("capacity").verbose_name),
        min_value=0,
        max_value=1000,
        error_messages=WHOLE_NUMBER_ERRORS,
        help_text=_(
            "Routing gives no new case to an agent who has this many open cases. "
            "0: no new cases at all; the cases they have stay theirs."
        ),
    )
    chat_capacity = forms.IntegerField(
        label=capfirst(Agent._meta.get_field("chat_capacity").verbose_name),
        min_value=0,
        max_value=100,
        error_messages=WHOLE_NUMBER_ERRORS,
        help_text=_("0: the agent is given no chats."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)
        teams.queryset = Team.objects.filter(organisation=organisation).order_by("name")

    @classmethod
    def initial_for(cls, agent: Agent) -> dict[str, Any]:
        return {
            "teams": [team.pk for team in agent.teams.all()],
            "languages": ", ".join(agent.languages),
            "skills": ", ".join(agent.skills),
            "capacity": agent.capacity,
            "chat_capacity": agent.chat_capacity,
        }

    def clean_skills(self) -> list[str]:
        return _split_list(self.cleaned_data.get("skills") or "")


class OrganisationRoutingForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "default_team",
            "language_fallback_team",
            "continuity_days",
            "stand_in_after_hours",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        empty_labels = {
            "default_team": _("No default team"),
            "language_fallback_team": _("None: the other rules decide"),
        }
        for name, empty_label in empty_labels.items():
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Team.objects.filter(organisation=self.instance)
            field.empty_label = empty_label


class ReportForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"),
        coerce=int,
        choices=[
            (7, _("Last 7 days")),
            (30, _("Last 30 days")),
            (90, _("Last 90 days")),
            (365, _("Last year")),
        ],
        initial=30,
        required=False,
    )


class UrgencyForm(forms.ModelForm):
    class Meta:
        model = UrgencyWords
        fields = ["label_sv", "label_en", "key", "patterns", "priority", "is_active"]
        widgets = {"patterns": forms.Textarea(attrs={"rows": 10})}
        error_messages = {
            "patterns": {"required": _("Give at least one word or phrase.")},
            "key": {
                "invalid": _(
                    "Use only the letters a–z, digits, - and _, without spaces, e.g. stolen-card."
                )
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        priority = self.fields["priority"]
        assert isinstance(priority, forms.ChoiceField)
        priority.choices = [("", _("Choose a priority")), *UrgencyWords.Priority.choices]

    def clean_patterns(self) -> str:
        lines = [
            line.strip() for line in self.cleaned_data["patterns"].splitlines() if line.strip()
        ]
        if not lines:
            raise forms.ValidationError(_("Give at least one word or phrase."))
        too_short = [line for line in lines if len(line.rstrip("*")) < 3]
        if too_short:
            raise forms.ValidationError(
                _("Use at least three letters before a *, or every case would match: %(bad)s")
                % {"bad": ", ".join(too_short)}
            )
        return "\n".join(lines)
