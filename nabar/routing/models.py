"""Routing rules an organisation's admins edit: ordered conditions and what to do when they hold."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nabar.routing import rules as pure
from nabar.routing import urgency
from nabar.routing.language import language_name
from nabar.tickets.models import Channel, Ticket


class RoutingRule(models.Model):
    class Field(models.TextChoices):
        CHANNEL = "channel", _("Channel")
        LANGUAGE = "language", _("Language")
        CATEGORY = "category", _("Category")
        CUSTOMER = "customer", _("Customer number")
        KEYWORDS = "keywords", _("Words in the message")
        ORGANISATION = "organisation", _("Organisation number")

    class Op(models.TextChoices):
        IS = "is", _("is")
        IS_NOT = "is_not", _("is not")
        IN = "in", _("is one of")
        CONTAINS_ANY = "contains_any", _("contains any of")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=120)
    conditions: models.JSONField[list[dict[str, Any]]] = models.JSONField(
        _("conditions"), default=list, blank=True
    )
    set_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("send to team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    set_priority = models.CharField(_("set priority"), max_length=10, blank=True)
    add_tags = models.JSONField(_("add tags"), default=list, blank=True)
    set_owner = models.ForeignKey(
        "accounts.Agent",
        verbose_name=_("give to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    stop = models.BooleanField(_("stop after this rule"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name

    def conditions_shown(self) -> list[dict[str, Any]]:
        """The conditions in the reader's language: "Words in the message contains any of".

        Language and channel values are stored as the codes cases carry ("en", "email"); the
        reader sees their names ("Engelska", "E-post"), as they wrote them in the form.
        """
        fields, ops = dict(self.Field.choices), dict(self.Op.choices)
        return [
            {
                "field": fields.get(c["field"], c["field"]),
                "op": ops.get(c["op"], c["op"]),
                "value": _value_shown(c["field"], str(c["value"])),
            }
            for c in self.conditions
        ]

    def priority_shown(self) -> str:
        return str(dict(Ticket.Priority.choices).get(self.set_priority, self.set_priority))

    def as_rule(self) -> pure.Rule:
        """The pure value the routing decision works on."""
        return pure.Rule(
            id=self.pk,
            name=self.name,
            conditions=tuple(
                pure.Condition(field=c["field"], op=c["op"], value=str(c["value"]))
                for c in self.conditions
            ),
            set_team=self.set_team_id,
            set_priority=self.set_priority or None,
            add_tags=tuple(self.add_tags),
            set_owner=self.set_owner_id,
            stop=self.stop,
        )


def _value_shown(field: str, value: str) -> str:
    """A condition's value with language and channel codes given as names in the active language."""
    codes = [part.strip() for part in value.split(",") if part.strip()]
    if field == RoutingRule.Field.LANGUAGE:
        return ", ".join(language_name(code) for code in codes)
    if field == RoutingRule.Field.CHANNEL:
        channels = dict(Channel.choices)
        return ", ".join(str(channels.get(code, code)) for code in codes)
    return value


class UrgencyWords(models.Model):
    """An organisation's own urgency rule: words that raise a case's priority and alert the lead.

    An organisation without any uses the built-in rules (``urgency.DEFAULT_URGENCY_RULES``);
    copying them here makes them editable.
    """

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        HIGH = "high", _("High")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="urgency_words",
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    key = models.SlugField(_("short name"), max_length=40)
    label_sv = models.CharField(_("label (Swedish)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    patterns = models.TextField(
        _("words and phrases"),
        help_text=_("One per line. A * at the end of a word accepts any ending, e.g. kapad*."),
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("urgency rule")
        verbose_name_plural = _("urgency rules")

    def __str__(self) -> str:
        return self.label_en

    @property
    def label(self) -> str:
        """The label in the reader's language."""
        return urgency.in_reader_language(self.label_sv, self.label_en)

    def as_rule(self) -> urgency.UrgencyRule:
        return urgency.UrgencyRule(
            key=self.key,
            label_en=self.label_en,
            label_sv=self.label_sv,
            patterns=tuple(line.strip() for line in self.patterns.splitlines() if line.strip()),
            priority=self.priority,
        )


def urgency_rules_for(organisation_id: int) -> list[urgency.UrgencyRule]:
    """The organisation's own urgency rules, or the built-in ones when it has none."""
    own = list(UrgencyWords.objects.filter(organisation_id=organisation_id))
    if not own:
        return list(urgency.DEFAULT_URGENCY_RULES)
    return [row.as_rule() for row in own if row.is_active]


class TriageClassifierQuerySet(models.QuerySet["TriageClassifier"]):
    def current(self) -> TriageClassifierQuerySet:
        return self.filter(is_current=True)


class TriageClassifier(models.Model):
    """A category classifier trained on one organisation's labelled cases.

    ``blob`` is ``nabar.routing.triage.TriageModel.dumps()``: a pickle written by this application
    only, never uploaded. ``accuracy`` is measured by cross-validation inside the training cases.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="triage_classifiers",
    )
    trained_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    cases_used = models.PositiveIntegerField(_("cases used"))
    labels = models.JSONField(_("categories"), default=list)
    accuracy = models.FloatField(_("accuracy"), null=True, blank=True)
    threshold = models.FloatField(_("confidence for automatic routing"))
    blob = models.BinaryField(_("trained model"))
    is_current = models.BooleanField(_("current"), default=True)

    objects = TriageClassifierQuerySet.as_manager()

    class Meta:
        verbose_name = _("category classifier")
        verbose_name_plural = _("category classifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_current=True),
                name="triage_classifier_one_current_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.trained_at:%Y-%m-%d %H:%M}"
