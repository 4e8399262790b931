"""The category classifier is retrained on a schedule by the sweeper, once per period."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from nabar.accounts.models import Organisation
from nabar.routing.models import TriageClassifier
from nabar.routing.sweep import retrain_due
from nabar.tickets.models import Ticket
from nabar.tickets.tests.factories import open_case

pytestmark = pytest.mark.django_db

INVOICE = [
    "Fakturan för {} är fel",
    "Jag har betalat fakturan {} två gånger",
    "Räkningen {} stämmer inte",
]
LOGIN = ["Jag kan inte logga in {}", "Lösenordet fungerar inte {}", "Kontot är låst sedan {}"]


def labelled(organisation: Organisation, n: int, *, start: int = 0) -> None:
    """``n`` solved cases with the category an agent gave them."""
    for i in range(start, start + n):
        invoice = i % 2 == 0
        words = (INVOICE if invoice else LOGIN)[i % 3].format(f"nummer {i}")
        ticket = open_case(organisation, email=f"kund{i}@example.se", body=words)
        Ticket.objects.filter(pk=ticket.pk).update(
            status=Ticket.Status.SOLVED,
            category="invoice" if invoice else "login",
            updated_at=timezone.now(),
        )


def current(organisation: Organisation) -> TriageClassifier | None:
    return TriageClassifier.objects.current().filter(organisation=organisation).first()


def test_the_sweeper_trains_a_first_classifier_once_there_are_enough_labels(organisation, alice):
    labelled(organisation, 10)
    assert retrain_due() == 0  # 10 labelled cases are too few to learn from
    labelled(organisation, 20, start=10)

    assert retrain_due() == 1
    first = current(organisation)
    assert first is not None
    assert first.cases_used == 30
    assert retrain_due() == 0  # fresh: nothing to do


def test_a_day_later_it_retrains_only_when_agents_labelled_cases_since(organisation, alice):
    labelled(organisation, 30)
    retrain_due()
    first = current(organisation)
    assert first is not None

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert retrain_due() == 0  # a day old, but nothing new to learn
        labelled(organisation, 2, start=30)
        assert retrain_due() == 1
        assert retrain_due() == 0  # queued once, however often the sweeper runs
    second = current(organisation)
    assert second is not None
    assert second.pk != first.pk
    assert second.cases_used == 32


def test_retraining_can_be_left_to_the_command(organisation, alice, settings):
    settings.NABAR_TRIAGE_RETRAIN_HOURS = 0
    labelled(organisation, 30)

    assert retrain_due() == 0
    assert current(organisation) is None


def test_the_sweep_command_runs_the_retraining(organisation, alice):
    labelled(organisation, 30)

    call_command("sweep")

    assert current(organisation) is not None
