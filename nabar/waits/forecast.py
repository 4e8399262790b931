"""Reading a forecast: pasted spreadsheet rows or a CSV file into ``erlang.Interval`` rows.

Plain text in, intervals out; every mistake names its line and says what is wrong.
"""

from __future__ import annotations

import csv
import io
import math
import re

from django.utils.translation import gettext as _

from nabar.waits.erlang import Interval

MAX_INTERVALS = 500
MAX_LABEL = 40


class ForecastError(ValueError):
    """A forecast line that cannot be read; ``line`` counts from 1."""

    def __init__(self, *, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(_("Line %(line)d: %(reason)s") % {"line": line, "reason": reason})


def parse_number(text: str, *, decimal_comma: bool) -> float | None:
    """A finite number written as in a spreadsheet (``1 200``, ``4,5`` when commas are decimal)."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", cleaned):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


def _split(line: str) -> tuple[list[str], bool]:
    """Fields of a pasted line and whether a comma inside them is a decimal comma."""
    for separator in ("\t", ";"):
        if separator in line:
            return [field.strip() for field in line.split(separator)], True
    words = line.split()
    if "," in line:
        numbers = words[1:]
        if len(words) >= 2 and all(
            parse_number(w, decimal_comma=True) is not None for w in numbers
        ):
            return words, True  # "09:00 4,5": spaces between columns, decimal commas
        return [field.strip() for field in line.split(",")], False
    return words, True


def _interval(
    fields: list[str],
    *,
    line: int,
    decimal_comma: bool,
    handle_seconds: float | None,
    patience_seconds: float | None,
) -> Interval:
    while fields and fields[-1] == "":
        fields = fields[:-1]
    if len(fields) < 2:
        raise ForecastError(
            line=line,
            reason=_("write an interval and a number of contacts, e.g. “09:00 120”."),
        )
    if len(fields) > 4:
        raise ForecastError(
            line=line,
            reason=_(
                "too many columns: use interval, contacts, handling time in seconds "
                "and patience in seconds."
            ),
        )
    label = fields[0]
    if not label:
        raise ForecastError(line=line, reason=_("the interval (first column) is empty."))
    if len(label) > MAX_LABEL:
        raise ForecastError(
            line=line,
            reason=_("the interval name is longer than %(max)d characters.") % {"max": MAX_LABEL},
        )
    contacts = parse_number(fields[1], decimal_comma=decimal_comma)
    if contacts is None:
        raise ForecastError(
            line=line,
            reason=_("“%(value)s” is not a number of contacts.") % {"value": fields[1]},
        )
    if contacts < 0:
        raise ForecastError(line=line, reason=_("the number of contacts cannot be negative."))
    handle = handle_seconds
    if len(fields) >= 3 and fields[2] != "":
        handle = parse_number(fields[2], decimal_comma=decimal_comma)
        if handle is None or handle <= 0:
            raise ForecastError(
                line=line,
                reason=_("“%(value)s” is not a handling time in seconds above 0.")
                % {"value": fields[2]},
            )
    if handle is None:
        raise ForecastError(
            line=line,
            reason=_(
                "no handling time: give it in the third column or as the average handling time."
            ),
        )
    patience = patience_seconds
    if len(fields) == 4 and fields[3] != "":
        patience = parse_number(fields[3], decimal_comma=decimal_comma)
        if patience is None or patience <= 0:
            raise ForecastError(
                line=line,
                reason=_("“%(value)s” is not a patience in seconds above 0.")
                % {"value": fields[3]},
            )
    return Interval(
        label=label, contacts=contacts, handle_seconds=handle, patience_seconds=patience
    )


def _too_many(line: int) -> ForecastError:
    return ForecastError(
        line=line,
        reason=_("a forecast can have at most %(max)d intervals.") % {"max": MAX_INTERVALS},
    )


def parse_pasted(
    text: str, *, handle_seconds: float | None = None, patience_seconds: float | None = None
) -> list[Interval]:
    """Rows pasted from a spreadsheet: ``interval contacts [handling seconds [patience seconds]]``.

    Columns may be separated by tabs, semicolons, commas or spaces. Blank lines and lines
    starting with ``#`` are skipped, and so is a first row of column names.
    """
    intervals: list[Interval] = []
    heading_allowed = True
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields, decimal_comma = _split(stripped)
        if heading_allowed and len(fields) >= 2 and not any(c.isdigit() for c in fields[1]):
            heading_allowed = False
            continue  # a heading row such as "interval;contacts"
        heading_allowed = False
        if len(intervals) >= MAX_INTERVALS:
            raise _too_many(number)
        intervals.append(
            _interval(
                fields,
                line=number,
                decimal_comma=decimal_comma,
                handle_seconds=handle_seconds,
                patience_seconds=patience_seconds,
            )
        )
    return intervals


CSV_COLUMNS = ("interval", "contacts", "handle_seconds", "patience_seconds")


def parse_csv(
    text: str, *, handle_seconds: float | None = None, patience_seconds: float | None = None
) -> list[Interval]:
    """A CSV file with a heading row: ``interval,contacts[,handle_seconds][,patience_seconds]``.

    Line numbers in errors count the heading as line 1. A semicolon-separated file (as written by
    spreadsheets in Swedish) is read too, with decimal commas.
    """
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ForecastError(
            line=1,
            reason=_("the file is empty; it needs a heading row such as %(columns)s.")
            % {"columns": ",".join(CSV_COLUMNS[:3])},
        )
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    heading = [name.strip().lower().lstrip("\ufeff") for name in next(reader)]
    missing = [name for name in CSV_COLUMNS[:2] if name not in heading]
    unknown = [name for name in heading if name and name not in CSV_COLUMNS]
    if missing or unknown:
        raise ForecastError(
            line=1,
            reason=_("the heading row must name the columns %(columns)s (found %(found)s).")
            % {"columns": ", ".join(CSV_COLUMNS), "found": ", ".join(heading) or "-"},
        )
    intervals: list[Interval] = []
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(heading):
            raise ForecastError(
                line=number,
                reason=_("%(found)d columns, but the heading names %(expected)d.")
                % {"found": len(row), "expected": len(heading)},
            )
        cells = dict(zip(heading, [cell.strip() for cell in row], strict=False))
        fields = [cells.get(name, "") for name in CSV_COLUMNS]
        if len(intervals) >= MAX_INTERVALS:
            raise _too_many(number)
        intervals.append(
            _interval(
                fields,
                line=number,
                decimal_comma=delimiter == ";",
                handle_seconds=handle_seconds,
                patience_seconds=patience_seconds,
            )
        )
    return intervals
