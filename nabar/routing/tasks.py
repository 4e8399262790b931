"""Background tasks of routing."""

from __future__ import annotations

import logging

from django_tasks import task

from nabar.accounts.models import Organisation
from nabar.routing import training, triage

log = logging.getLogger(__name__)


@task()
def retrain_triage(*, organisation_id: int) -> str:
    """Train the organisation's category classifier on its labelled cases (queued by the sweeper)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return "organisation gone"
    try:
        stored = training.train_organisation(organisation)
    except triage.TriageDataError as error:
        log.info("category classifier of %s not retrained: %s", organisation.slug, error)
        return f"not retrained: {error}"
    return f"trained on {stored.cases_used} cases, threshold {stored.threshold:.3f}"
