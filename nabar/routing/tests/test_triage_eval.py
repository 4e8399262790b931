"""The triage_eval command: figures on any labelled CSV, clear errors on bad input."""

import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nabar.conftest import SHARED_DIR
from nabar.routing.tests.test_triage import synthetic_cases

TICKETS_ZIP = SHARED_DIR / "data" / "it-service-tickets" / "it_service_tickets.zip"


def write_csv(
    path: Path, rows: list[tuple[str, str]], header: str = "Document,Topic_group"
) -> Path:
    lines = [header] + [f'"{text}",{label}' for text, label in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command("triage_eval", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def cases_csv(tmp_path: Path) -> Path:
    texts, labels = synthetic_cases(150, seed=4)
    return write_csv(tmp_path / "cases.csv", list(zip(texts, labels, strict=True)))


def test_prints_accuracy_macro_f1_automatic_share_and_timings(cases_csv: Path) -> None:
    output = run(
        "--csv", str(cases_csv), "--text-col", "Document", "--label-col", "Topic_group",
        "--seed", "7",
    )  # fmt: skip
    assert "150 labelled rows, 3 categories; stratified 80%/20% split, seed 7" in output
    assert "120 to train, 30 to test" in output
    accuracy = float(output.split("accuracy")[1].split()[0])
    assert accuracy > 0.8
    assert "macro F1" in output
    assert "% of test cases at 95% target precision" in output
    assert "training" in output
    assert "one prediction, p99" in output


def test_the_same_seed_gives_the_same_figures(cases_csv: Path) -> None:
    def quality(seed: str) -> list[str]:
        output = run("--csv", str(cases_csv), "--text-col", "Document",
                     "--label-col", "Topic_group", "--seed", seed)  # fmt: skip
        return [line for line in output.splitlines() if line.startswith(("accuracy", "macro"))]

    assert quality("7") == quality("7")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"nowhere\.csv: no such file"):
        run("--csv", str(tmp_path / "nowhere.csv"), "--text-col", "a", "--label-col", "b")


def test_a_missing_column_names_the_columns_that_exist(cases_csv: Path) -> None:
    with pytest.raises(
        CommandError, match="column 'Text' not found; the CSV has: Document, Topic_group"
    ):
        run("--csv", str(cases_csv), "--text-col", "Text", "--label-col", "Topic_group")


def test_too_few_rows_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "few.csv", [("faktura", "invoice"), ("paket", "delivery")] * 5)
    with pytest.raises(CommandError, match="need at least 20 labelled cases, got 10"):
        run("--csv", str(path), "--text-col", "Document", "--label-col", "Topic_group")


def test_a_single_label_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "one.csv", [(f"faktura {i}", "invoice") for i in range(40)])
    with pytest.raises(CommandError, match=r"at least two categories.*only 'invoice'"):
        run("--csv", str(path), "--text-col", "Document", "--label-col", "Topic_group")


def test_a_category_too_rare_to_hold_out_is_named(tmp_path: Path) -> None:
    rows = [(f"faktura {i}", "invoice") for i in range(30)] + [("paket", "delivery")] * 3
    path = write_csv(tmp_path / "rare.csv", rows)
    with pytest.raises(CommandError, match="fewer than 5 examples: delivery"):
        run("--csv", str(path), "--text-col", "Document", "--label-col", "Topic_group")


def test_a_malformed_line_is_reported_by_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Document,Topic_group\nfaktura,invoice\npaket\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.csv: line 3"):
        run("--csv", str(path), "--text-col", "Document", "--label-col", "Topic_group")


def test_reads_a_zipped_csv(tmp_path: Path, cases_csv: Path) -> None:
    path = tmp_path / "cases.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(cases_csv, "cases.csv")
    output = run("--csv", str(path), "--text-col", "Document", "--label-col", "Topic_group")
    assert "150 labelled rows" in output


@pytest.mark.skipif(not TICKETS_ZIP.exists(), reason=f"shared tickets data not at {TICKETS_ZIP}")
def test_evaluates_a_sample_of_the_real_it_tickets() -> None:
    output = run(
        "--csv", str(TICKETS_ZIP), "--text-col", "Document", "--label-col", "Topic_group",
        "--seed", "7", "--sample", "4000",
    )  # fmt: skip
    assert "4000 labelled rows, 8 categories" in output
    accuracy = float(output.split("accuracy")[1].split()[0])
    majority = 13617 / 47837  # Hardware, the largest topic group
    assert accuracy > majority + 0.3
    auto = float(output.split("routed automatically")[1].split("%")[0])
    assert auto > 20
