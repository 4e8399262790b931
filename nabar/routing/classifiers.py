"""Reading stored category classifiers: the current model of an organisation, and its top guesses.

An organisation without a trained classifier gets ``None``; routing then works from its rules and
the human triage queue alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from nabar.accounts.models import Organisation
from nabar.routing.models import TriageClassifier
from nabar.tickets.models import Ticket

if TYPE_CHECKING:
    # scikit-learn takes seconds to import: only a process that loads a model pays for it.
    from nabar.routing.triage import TriageModel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabelledCases:
    texts: list[str]
    labels: list[str]
    closed: int  # solved or closed cases, labelled or not


def labelled_queryset(organisation: Organisation) -> QuerySet[Ticket]:
    """Solved and closed cases that carry a category: what the classifier learns from."""
    return (
        Ticket.objects.filter(organisation=organisation, status__in=Ticket.CLOSED_STATUSES)
        .exclude(category="")
        .exclude(merged_into__isnull=False)
    )


@dataclass(frozen=True)
class ClassifierStatus:
    """What the triage page says about the classifier: the current one, or how far to the first."""

    current: TriageClassifier | None
    labelled: int
    needed: int


def classifier_status(organisation: Organisation) -> ClassifierStatus:
    from nabar.routing.triage import MIN_EXAMPLES

    current = (
        TriageClassifier.objects.current().filter(organisation=organisation).defer("blob").first()
    )
    return ClassifierStatus(
        current=current, labelled=labelled_queryset(organisation).count(), needed=MIN_EXAMPLES
    )


def labelled_cases(organisation: Organisation) -> LabelledCases:
    """The organisation's solved and closed cases with a category, to train on.

    The text is the subject and the customer's first message; the label is the category the
    case ended with: one a person set or corrected (agents' corrections are training data), or
    the classifier's own that nobody corrected before the case was solved.
    """
    from nabar.tickets.models import Message

    closed = Ticket.objects.filter(organisation=organisation, status__in=Ticket.CLOSED_STATUSES)
    rows = list(
        labelled_queryset(organisation).order_by("pk").values_list("pk", "subject", "category")
    )
    first: dict[int, str] = {}
    for ticket_id, body in (
        Message.objects.filter(
            ticket_id__in=[pk for pk, _, _ in rows], direction=Message.Direction.INBOUND
        )
        .order_by("ticket_id", "created_at", "pk")
        .values_list("ticket_id", "body")
    ):
        first.setdefault(ticket_id, body)
    texts = [f"{subject}\n{first.get(pk, '')}".strip() for pk, subject, _ in rows]
    return LabelledCases(
        texts=texts, labels=[category for _, _, category in rows], closed=closed.count()
    )


@lru_cache(maxsize=64)
def _model(classifier_id: int, trained_at: datetime) -> TriageModel | None:
    """A stored model never changes once written, so it is unpickled once per process.

    ``trained_at`` is part of the key because a deleted row's id can be reused.
    """
    from nabar.routing.triage import TriageModel

    blob = TriageClassifier.objects.filter(pk=classifier_id).values_list("blob", flat=True).first()
    if blob is None:
        return None
    try:
        return TriageModel.loads(bytes(blob))
    except ValueError:
        logger.warning("category classifier %s cannot be read; retrain it", classifier_id)
        return None


def load_current(organisation_id: int) -> TriageModel | None:
    """The organisation's current classifier, or None when it has none (or it cannot be read)."""
    current = (
        TriageClassifier.objects.current()
        .filter(organisation_id=organisation_id)
        .values_list("pk", "trained_at")
        .first()
    )
    return None if current is None else _model(*current)


def predict_top(model: TriageModel, text: str, k: int = 3) -> list[tuple[str, float]]:
    """The ``k`` most likely categories for a case's text, best first, confidences in [0, 1].

    The best one may be applied without a person when its confidence reaches
    ``model.threshold``; otherwise show them as suggestions in the triage queue.
    """
    return model.predict(text, top=k)
