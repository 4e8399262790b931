"""Continuity, hand-offs and time to the right person: pure figures over plain case rows."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class CaseRow:
    """What the report needs of one case."""

    customer_id: int
    team: str
    owner_id: int | None
    created_at: datetime
    owner_since: datetime | None
    handoffs: int
    in_period: bool
    answered_by: int | None = None  # the agent who wrote the first reply, if anyone has

    @property
    def person(self) -> int | None:
        """Who the customer had on this case: who answered them, else (not yet) the owner."""
        return self.answered_by if self.answered_by is not None else self.owner_id


@dataclass(frozen=True)
class Figures:
    """The figures for one team or the whole organisation."""

    name: str
    cases: int
    repeat_contacts: int
    same_owner: int
    handed_over: int
    three_or_more: int
    handoffs_per_case: float
    right_person_median_hours: float | None
    right_person_p90_hours: float | None

    @property
    def continuity(self) -> float | None:
        """Share of a returning customer's contacts answered by the person they had before."""
        return self.same_owner / self.repeat_contacts if self.repeat_contacts else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def figures(rows: Iterable[CaseRow], *, everyone: str) -> list[Figures]:
    """Per team (in name order) and then for everyone.

    ``rows`` may hold earlier cases (``in_period`` False): they only tell who the customer had
    before. A contact counts for continuity when the customer had a case with a person before
    it; it keeps continuity when the same person answers it (or, not answered yet, owns it).
    """
    by_customer: dict[int, list[CaseRow]] = defaultdict(list)
    for row in rows:
        by_customer[row.customer_id].append(row)
    groups: dict[str, list[tuple[CaseRow, bool | None]]] = defaultdict(list)
    for cases in by_customer.values():
        cases.sort(key=lambda r: r.created_at)
        before: int | None = None
        for row in cases:
            same = None if before is None else row.person == before
            if row.in_period:
                groups[row.team].append((row, same))
                groups[everyone].append((row, same))
            if row.person is not None:
                before = row.person
    out = []
    for name in [*sorted(k for k in groups if k != everyone), everyone]:
        entries = groups.get(name, [])
        waits = [
            (row.owner_since - row.created_at) / timedelta(hours=1)
            for row, _ in entries
            if row.owner_since is not None
        ]
        out.append(
            Figures(
                name=name,
                cases=len(entries),
                repeat_contacts=sum(1 for _, same in entries if same is not None),
                same_owner=sum(1 for _, same in entries if same),
                handed_over=sum(1 for row, _ in entries if row.handoffs > 0),
                three_or_more=sum(1 for row, _ in entries if row.handoffs >= 3),
                handoffs_per_case=(
                    statistics.fmean(row.handoffs for row, _ in entries) if entries else 0.0
                ),
                right_person_median_hours=statistics.median(waits) if waits else None,
                right_person_p90_hours=_percentile(waits, 0.9),
            )
        )
    return out
