"""Stored category classifiers: one current model per organisation, older ones kept for history."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nabar.accounts.models import Organisation


class TriageClassifierQuerySet(models.QuerySet["TriageClassifier"]):
    def current(self) -> TriageClassifierQuerySet:
        return self.filter(is_current=True)


class TriageClassifier(models.Model):
    """A category classifier trained on one organisation's labelled cases.

    ``blob`` is ``nabar.routing.triage.TriageModel.dumps()``: a pickle written by this application
    only, never uploaded. ``accuracy`` is measured by cross-validation inside the training cases.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="triage_classifiers"
    )
    trained_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    cases_used = models.PositiveIntegerField(_("cases used"))
    labels = models.JSONField(_("categories"), default=list)
    accuracy = models.FloatField(_("accuracy"), null=True, blank=True)
    threshold = models.FloatField(_("confidence for automatic routing"))
    blob = models.BinaryField()
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
