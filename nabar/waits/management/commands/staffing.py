"""Print how many agents each interval of a forecast needs (Erlang C, or Erlang A with patience).

    manage.py staffing --csv forecast.csv --target-seconds 180 --target-level 0.95
    manage.py staffing --contacts 120 --handle-seconds 300 --patience-seconds 90

The CSV has a heading row ``interval,contacts,handle_seconds,patience_seconds``; the last two
columns may be left out when ``--handle-seconds`` (and ``--patience-seconds``) give them for
every row. ``contacts`` counts contacts in one interval of ``--interval-minutes``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from nabar.waits.erlang import Interval, StaffingRow, staffing_table, total_agent_hours
from nabar.waits.forecast import ForecastError, parse_csv


def format_table(rows: list[StaffingRow], *, interval_minutes: float) -> str:
    """The staffing table as aligned plain text."""
    heading = (
        "interval",
        "contacts",
        "handle s",
        "patience s",
        "agents",
        "service level",
        "ASA s",
        "abandoned",
        "occupancy",
    )
    body = [
        (
            row.label,
            f"{row.contacts:g}",
            f"{row.handle_seconds:g}",
            "-" if row.patience_seconds is None else f"{row.patience_seconds:g}",
            str(row.agents),
            f"{row.service_level:.1%}",
            "-"
            if math.isinf(row.average_speed_of_answer)
            else f"{row.average_speed_of_answer:.1f}",
            f"{row.abandonment:.1%}",
            f"{row.occupancy:.1%}",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [heading, *body]) for i in range(len(heading))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in [heading, *body]
    ]
    hours = total_agent_hours(rows, interval_minutes=interval_minutes)
    count = f"{len(rows)} interval" + ("" if len(rows) == 1 else "s")
    lines.append(f"{count} of {interval_minutes:g} min, {hours:g} agent hours.")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Agents needed per forecast interval to answer a share of contacts within a time "
        "(Erlang C; Erlang A when a patience is given)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_argument_group("forecast (a CSV file or one interval)")
        source.add_argument(
            "--csv",
            type=Path,
            help="CSV with heading interval,contacts[,handle_seconds][,patience_seconds]",
        )
        source.add_argument("--contacts", type=float, help="contacts in one interval")
        source.add_argument("--label", default="-", help="name of the single interval")
        parser.add_argument(
            "--handle-seconds", type=float, help="average handling time, for rows without one"
        )
        parser.add_argument(
            "--patience-seconds",
            type=float,
            help="mean patience before giving up (Erlang A), for rows without one",
        )
        parser.add_argument("--target-seconds", type=float, default=180.0)
        parser.add_argument(
            "--target-level", type=float, default=0.95, help="share answered in time, e.g. 0.95"
        )
        parser.add_argument("--interval-minutes", type=float, default=15.0)
        parser.add_argument("--max-agents", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        handle_seconds: float | None = options["handle_seconds"]
        patience_seconds: float | None = options["patience_seconds"]
        for name, value in (
            ("--handle-seconds", handle_seconds),
            ("--patience-seconds", patience_seconds),
        ):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise CommandError(f"{name} must be a number above 0 (got {value:g}).")
        forecast: list[Interval]
        if options["csv"] is not None and options["contacts"] is not None:
            raise CommandError("Give either --csv or --contacts, not both.")
        if options["csv"] is not None:
            path: Path = options["csv"]
            try:
                text = path.read_text(encoding="utf-8-sig")
            except OSError as error:
                raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
            except UnicodeDecodeError as error:
                raise CommandError(f"{path} is not UTF-8 text.") from error
            try:
                forecast = parse_csv(
                    text, handle_seconds=handle_seconds, patience_seconds=patience_seconds
                )
            except ForecastError as error:
                raise CommandError(f"{path}: line {error.line}: {error.reason}") from error
            if not forecast:
                raise CommandError(f"{path} has no intervals below its heading row.")
        elif options["contacts"] is not None:
            if handle_seconds is None:
                raise CommandError("--contacts needs --handle-seconds.")
            forecast = [
                Interval(
                    label=options["label"],
                    contacts=options["contacts"],
                    handle_seconds=handle_seconds,
                    patience_seconds=patience_seconds,
                )
            ]
        else:
            raise CommandError("Give a forecast: --csv FILE, or --contacts N --handle-seconds S.")
        try:
            rows = staffing_table(
                forecast,
                interval_minutes=options["interval_minutes"],
                target_seconds=options["target_seconds"],
                target_level=options["target_level"],
                max_agents=options["max_agents"],
            )
        except ValueError as error:  # TargetUnreachable is a ValueError too
            raise CommandError(str(error)) from error
        self.stdout.write(format_table(rows, interval_minutes=options["interval_minutes"]))
