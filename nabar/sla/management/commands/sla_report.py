"""The live-channel compliance report (a person within 3 minutes), as a table or as CSV."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from nabar.accounts.models import Organisation
from nabar.sla import report
from nabar.sla.compliance import Row


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date like 2026-11-30") from None


class Command(BaseCommand):
    help = "Per day and week and live channel: contacts that reached a person within 3 minutes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", metavar="SLUG", help="needed with several")
        parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="inclusive")
        parser.add_argument("--csv", action="store_true", help="write CSV to standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = self._organisation(options["organisation"])
        start, end = report.default_period(organisation)
        if options["start"]:
            start = _date(options["start"], "--from")
        if options["end"]:
            end = _date(options["end"], "--to")
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}")
        result = report.build(organisation, start=start, end=end)
        if options["csv"]:
            self.stdout.write(report.to_csv(result), ending="")
            return
        if result.empty:
            self.stdout.write(f"No live contacts from {start} to {end}.")
            return
        for title, rows in (("Per day", result.days), ("Per week", result.weeks)):
            self.stdout.write(title)
            for row in rows:
                self.stdout.write(self._line(row))

    def _line(self, row: Row) -> str:
        share = "-" if row.share is None else f"{row.share * 100:.0f} %"
        longest = "-" if row.longest_wait is None else str(row.longest_wait)
        return (
            f"  {row.period}  {row.channel:<9} contacts {row.contacts:>4}  within 3 min "
            f"{row.in_target:>4} ({share})  later {row.missed}  abandoned {row.abandoned}  "
            f"waiting {row.pending}  longest {longest}"
        )

    def _organisation(self, slug: str | None) -> Organisation:
        if slug:
            try:
                return Organisation.objects.get(slug=slug)
            except Organisation.DoesNotExist:
                raise CommandError(f"No organisation with the address name {slug!r}") from None
        organisations = list(Organisation.objects.all()[:2])
        if len(organisations) != 1:
            raise CommandError("Name the organisation with --organisation SLUG")
        return organisations[0]
