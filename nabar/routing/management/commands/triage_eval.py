"""Evaluate the category classifier on a labelled CSV: a stratified split, trained on one part."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from nabar.routing import triage


def read_labelled(path_text: str, *, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    """Read a labelled CSV (or a zip holding one) for a command, with errors a person can act on."""
    path = Path(path_text)
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        return triage.load_labelled_csv(path, text_col=text_col, label_col=label_col)
    except ValueError as error:
        raise CommandError(f"{path}: {error}") from None


class Command(BaseCommand):
    help = (
        "Train the category classifier on a stratified part of a labelled CSV and report "
        "accuracy, macro F1, the share of the held-out cases routed automatically at the target "
        "precision (threshold chosen inside the training part), training time and the p99 time "
        "of one prediction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", required=True, help="CSV with a header (or a zip of one).")
        parser.add_argument("--text-col", required=True, help="Column with the case text.")
        parser.add_argument("--label-col", required=True, help="Column with the category.")
        parser.add_argument("--seed", type=int, default=7, help="Seed of the split (default 7).")
        parser.add_argument(
            "--test-size", type=float, default=0.2, help="Held-out share (default 0.2)."
        )
        parser.add_argument(
            "--precision",
            type=float,
            default=0.95,
            help="Precision automatic routing must keep (default 0.95).",
        )
        parser.add_argument(
            "--sample", type=int, default=0, help="Use a random sample of this many rows."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["test_size"] < 1:
            raise CommandError("--test-size must be between 0 and 1")
        if not 0 < options["precision"] <= 1:
            raise CommandError("--precision must be above 0 and at most 1")
        texts, labels = read_labelled(
            options["csv"], text_col=options["text_col"], label_col=options["label_col"]
        )
        if options["sample"] and options["sample"] < len(texts):
            rows = random.Random(options["seed"]).sample(range(len(texts)), options["sample"])
            texts, labels = [texts[i] for i in rows], [labels[i] for i in rows]
        try:
            result = triage.evaluate(
                texts,
                labels,
                seed=options["seed"],
                test_size=options["test_size"],
                target_precision=options["precision"],
            )
        except triage.TriageDataError as error:
            raise CommandError(f"{options['csv']}: {error}") from None
        target = f"{options['precision']:.0%}"
        share = f"stratified {1 - options['test_size']:.0%}/{options['test_size']:.0%} split"
        self.stdout.write(
            f"{len(texts)} labelled rows, {result.n_labels} categories; {share},"
            f" seed {options['seed']}: {result.n_train} to train, {result.n_test} to test"
        )
        self.stdout.write(f"accuracy                {result.accuracy:.4f}")
        self.stdout.write(f"macro F1                {result.macro_f1:.4f}")
        self.stdout.write(
            f"routed automatically    {result.auto_share:.1%} of test cases at {target} target"
            f" precision (measured precision {result.auto_precision:.4f}; confidence"
            f" >= {result.threshold:.3f}, chosen by cross-validation in the training part)"
        )
        self.stdout.write(
            f"training                {result.train_seconds:.1f} s"
            f" (CPU {result.train_cpu_seconds:.1f} s; C {result.c} chosen by cross-validation)"
        )
        self.stdout.write(
            f"one prediction, p99     {result.predict_p99_ms:.2f} ms"
            f" (CPU {result.predict_p99_cpu_ms:.2f} ms)"
        )
