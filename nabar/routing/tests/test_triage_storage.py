"""Stored classifiers: training from rows, the current model per organisation, retraining."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nabar.accounts.models import Organisation
from nabar.routing.classifiers import load_current, predict_top
from nabar.routing.models import TriageClassifier
from nabar.routing.tests.test_triage import synthetic_cases
from nabar.routing.training import NotEnoughLabelledCases, train_from_rows, train_organisation

pytestmark = pytest.mark.django_db


def train_command(*args: str) -> str:
    out = StringIO()
    call_command("train_triage", *args, stdout=out)
    return out.getvalue()


def test_an_untrained_organisation_has_no_classifier(organisation: Organisation) -> None:
    assert load_current(organisation.pk) is None


def test_a_stored_classifier_suggests_categories_for_new_cases(
    organisation: Organisation,
) -> None:
    texts, labels = synthetic_cases(90, seed=5)
    stored = train_from_rows(organisation, texts=texts, labels=labels)
    assert stored.cases_used == 90
    assert sorted(stored.labels) == ["delivery", "invoice", "login"]
    assert stored.accuracy is not None
    model = load_current(organisation.pk)
    assert model is not None
    top = predict_top(model, "min faktura har fel belopp", k=2)
    assert top[0][0] == "invoice"
    assert len(top) == 2
    assert model.threshold == stored.threshold


def test_retraining_replaces_the_current_classifier_and_keeps_the_old_one(
    organisation: Organisation,
) -> None:
    texts, labels = synthetic_cases(60, seed=1)
    first = train_from_rows(organisation, texts=texts, labels=labels)
    renamed = ["billing" if label == "invoice" else label for label in labels]
    second = train_from_rows(organisation, texts=texts, labels=renamed)
    first.refresh_from_db()
    assert not first.is_current
    assert second.is_current
    assert TriageClassifier.objects.filter(organisation=organisation).count() == 2
    model = load_current(organisation.pk)
    assert model is not None
    assert "billing" in model.labels


def test_another_organisations_classifier_is_not_used(organisation: Organisation) -> None:
    other = Organisation.objects.create(
        name="Annan", slug="annan", email_address="kontakt@annan.example"
    )
    texts, labels = synthetic_cases(60, seed=1)
    train_from_rows(other, texts=texts, labels=labels)
    assert load_current(organisation.pk) is None
    assert load_current(other.pk) is not None


def test_an_unreadable_stored_classifier_means_no_classifier(organisation: Organisation) -> None:
    TriageClassifier.objects.create(
        organisation=organisation, cases_used=1, threshold=0.5, blob=b"garbage"
    )
    assert load_current(organisation.pk) is None


def test_too_few_rows_are_refused_before_training(organisation: Organisation) -> None:
    texts, labels = synthetic_cases(12, seed=1)
    with pytest.raises(NotEnoughLabelledCases, match=r"not enough labelled cases \(12\)"):
        train_from_rows(organisation, texts=texts, labels=labels)
    assert not TriageClassifier.objects.exists()


def test_an_organisations_own_cases_carry_no_category_yet(organisation: Organisation) -> None:
    with pytest.raises(NotEnoughLabelledCases) as refused:
        train_organisation(organisation)
    assert refused.value.found == 0
    assert refused.value.needed == 20


def test_train_command_says_how_many_labelled_cases_are_missing(
    organisation: Organisation,
) -> None:
    with pytest.raises(
        CommandError, match=r"exempel: not enough labelled cases \(0\), need at least 20"
    ):
        train_command("--organisation", "exempel")
    assert load_current(organisation.pk) is None


def test_train_command_for_every_organisation_reports_each_and_goes_on(
    organisation: Organisation,
) -> None:
    output = train_command()
    assert "exempel: not enough labelled cases (0), need at least 20" in output
    assert "keeping the current model" in output


def test_train_command_learns_from_an_exported_csv(
    organisation: Organisation, tmp_path: Path
) -> None:
    texts, labels = synthetic_cases(60, seed=3)
    path = tmp_path / "history.csv"
    path.write_text(
        "text,category\n" + "".join(f"{t},{c}\n" for t, c in zip(texts, labels, strict=True)),
        encoding="utf-8",
    )
    output = train_command("--organisation", "exempel", "--csv", str(path))
    assert "exempel: trained on 60 cases in 3 categories" in output
    model = load_current(organisation.pk)
    assert model is not None
    assert predict_top(model, "paket kurir", k=1)[0][0] == "delivery"


def test_train_command_refuses_an_unknown_organisation(db: None) -> None:
    with pytest.raises(CommandError, match="No organisation with the address name 'nope'"):
        train_command("--organisation", "nope")


def test_train_command_needs_an_organisation_for_a_csv(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--csv needs --organisation"):
        train_command("--csv", str(tmp_path / "x.csv"))
