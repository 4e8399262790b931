"""Retrain each organisation's category classifier from its own labelled cases."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from nabar.accounts.models import Organisation
from nabar.routing import training, triage
from nabar.routing.management.commands.triage_eval import read_labelled
from nabar.routing.models import TriageClassifier


class Command(BaseCommand):
    help = (
        "Train the category classifier of one organisation (or of every organisation) on its "
        "solved and closed cases and make it the current one. With --csv, train on an exported "
        "history instead (for example when moving from another helpdesk)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", help="The organisation's address name (slug).")
        parser.add_argument("--csv", help="Labelled CSV (or a zip of one) to train on instead.")
        parser.add_argument("--text-col", default="text", help="Text column of --csv.")
        parser.add_argument("--label-col", default="category", help="Category column of --csv.")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["organisation"]
        if slug:
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                raise CommandError(f"No organisation with the address name {slug!r}")
            organisations = [organisation]
        else:
            if options["csv"]:
                raise CommandError("--csv needs --organisation: whose classifier is it?")
            organisations = list(Organisation.objects.order_by("slug"))
        for organisation in organisations:
            try:
                if options["csv"]:
                    texts, labels = read_labelled(
                        options["csv"],
                        text_col=options["text_col"],
                        label_col=options["label_col"],
                    )
                    stored = training.train_from_rows(
                        organisation, texts=texts, labels=labels, seed=options["seed"]
                    )
                else:
                    stored = training.train_organisation(organisation, seed=options["seed"])
            except triage.TriageDataError as error:
                # One organisation asked for by name: fail, so a script notices. Every
                # organisation (a scheduled run): report and go on with the next.
                if slug:
                    raise CommandError(f"{organisation.slug}: {error}") from None
                self.stdout.write(f"{organisation.slug}: {error}; keeping the current model")
                continue
            self.stdout.write(self._describe(organisation, stored))

    def _describe(self, organisation: Organisation, stored: TriageClassifier) -> str:
        accuracy = "" if stored.accuracy is None else f", accuracy {stored.accuracy:.3f}"
        return (
            f"{organisation.slug}: trained on {stored.cases_used} cases in"
            f" {len(stored.labels)} categories{accuracy} (cross-validated); cases with"
            f" confidence >= {stored.threshold:.3f} are routed automatically"
        )
