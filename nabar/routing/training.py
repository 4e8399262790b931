"""Writes for routing: train an organisation's category classifier and make it the current one."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from nabar.accounts.models import Organisation
from nabar.routing import triage
from nabar.routing.classifiers import labelled_cases
from nabar.routing.models import TriageClassifier


class NotEnoughLabelledCases(triage.TriageDataError):
    """Too few labelled cases to learn from; routing goes on without a classifier."""

    def __init__(self, found: int, needed: int, *, detail: str = "") -> None:
        self.found, self.needed = found, needed
        message = f"not enough labelled cases ({found}), need at least {needed}"
        super().__init__(f"{message}; {detail}" if detail else message)


def store_classifier(organisation: Organisation, *, model: triage.TriageModel) -> TriageClassifier:
    """Store a trained model as the organisation's current one; the previous one is kept."""
    with transaction.atomic():
        # Lock the organisation row so two trainings cannot both become current.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        TriageClassifier.objects.filter(organisation=organisation, is_current=True).update(
            is_current=False
        )
        return TriageClassifier.objects.create(
            organisation=organisation,
            cases_used=model.cases_used,
            labels=list(model.labels),
            accuracy=model.cv_accuracy,
            threshold=model.threshold,
            blob=model.dumps(),
            is_current=True,
        )


def train_from_rows(
    organisation: Organisation, *, texts: Sequence[str], labels: Sequence[str], seed: int = 7
) -> TriageClassifier:
    """Train on the given labelled texts and store the result as the current classifier.

    Raises ``NotEnoughLabelledCases`` for fewer than ``triage.MIN_EXAMPLES`` rows and
    ``triage.TriageDataError`` for data that cannot train (one category, a category with one
    example). Training runs outside any transaction: it takes seconds on large histories.
    """
    if len(texts) < triage.MIN_EXAMPLES:
        raise NotEnoughLabelledCases(len(texts), triage.MIN_EXAMPLES)
    model = triage.train(texts, labels, seed=seed)
    return store_classifier(organisation, model=model)


def train_organisation(organisation: Organisation, *, seed: int = 7) -> TriageClassifier:
    """Retrain on the organisation's own solved and closed cases that carry a category."""
    cases = labelled_cases(organisation)
    if len(cases.texts) < triage.MIN_EXAMPLES:
        raise NotEnoughLabelledCases(
            len(cases.texts),
            triage.MIN_EXAMPLES,
            detail=f"{cases.closed} solved or closed cases, cases carry no category yet",
        )
    return train_from_rows(organisation, texts=cases.texts, labels=cases.labels, seed=seed)
