"""Replay a log of live contacts through the wait predictors and print how each one did.

    manage.py waits_replay --csv contacts.csv

The CSV has a heading row ``arrival,answered,ended,abandoned,agents_available``: times as ISO 8601
(with a time zone) or as seconds from the start, ``answered`` empty for a contact that gave up,
``ended`` when the contact ended (handled, or gave up), ``abandoned`` yes/no (or 1/0), and
``agents_available`` the agents logged in when the contact arrived.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from nabar.waits.replay import Replay, ReplayError, parse_rows, replay


def format_replay(result: Replay) -> str:
    lines = [
        f"{result.contacts} contacts, {result.abandoned} gave up, {result.delayed} answered "
        f"after finding every agent busy (mean wait {result.mean_wait:.1f} s)",
        f"{'predictor':<24}{'MAE s':>9}{'bias s':>9}{'coverage':>10}",
    ]
    for score in result.scores:
        lines.append(
            f"{score.predictor:<24}{score.mean_absolute_error:9.1f}{score.bias:9.1f}"
            f"{score.coverage:10.3f}"
        )
    lines.append(
        "coverage: share answered no later than the announced 90th percentile (ours) "
        "or the point estimate (the others)"
    )
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Replay a CSV log of live contacts through the wait predictors: MAE, bias, coverage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", required=True, type=Path, help="the contact log")
        parser.add_argument(
            "--target-seconds",
            type=float,
            default=180.0,
            help="announced while there is too little history (default 180)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["csv"]
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                contacts = parse_rows(csv.reader(handle))
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path}: not UTF-8 text ({error.reason})") from error
        except csv.Error as error:
            raise CommandError(f"{path}: {error}") from error
        except ReplayError as error:
            raise CommandError(f"{path}, {error}") from error
        result = replay(contacts, target_seconds=options["target_seconds"])
        self.stdout.write(format_replay(result))
