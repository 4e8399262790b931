"""The routing decision: ordered rules, then the owner. Pure functions on plain values.

Every outcome carries a human-readable English reason for the case timeline plus a
``reason_code`` and parameters, so the timeline can translate it later.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Literal

FIELDS = frozenset({"channel", "language", "category", "customer", "keywords", "organisation"})
OPS = frozenset({"is", "is_not", "contains_any", "in"})
STRATEGIES = frozenset({"load_balanced", "round_robin", "manual"})
Strategy = Literal["load_balanced", "round_robin", "manual"]


@dataclass(frozen=True)
class CaseFacts:
    """What routing needs to know about a case."""

    channel: str
    language: str | None
    category: str | None
    category_confidence: float | None
    customer_id: int | None
    text: str
    organisation_id: int
    previous_owner_id: int | None = None


@dataclass(frozen=True)
class Condition:
    """One test on a case; ``value`` is a comma-separated list for ``in`` and ``contains_any``."""

    field: str
    op: str
    value: str

    def __post_init__(self) -> None:
        if self.field not in FIELDS:
            raise ValueError(f"unknown field {self.field!r}; use one of {sorted(FIELDS)}")
        if self.op not in OPS:
            raise ValueError(f"unknown operator {self.op!r}; use one of {sorted(OPS)}")


@dataclass(frozen=True)
class Rule:
    """Conditions that must all hold, and what to do when they do."""

    id: int
    name: str
    conditions: tuple[Condition, ...]
    set_team: int | None = None
    set_priority: str | None = None
    add_tags: tuple[str, ...] = ()
    set_owner: int | None = None
    stop: bool = True


@dataclass(frozen=True)
class Reason:
    """Why something was decided: a code and parameters to translate, and English text."""

    code: str
    params: Mapping[str, str | int | float | None]
    text: str


@dataclass(frozen=True)
class RuleOutcome:
    """The combined effect of the rules that matched, first match winning for each setting."""

    team: int | None = None
    priority: str | None = None
    tags: tuple[str, ...] = ()
    owner: int | None = None
    matched: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    reason_details: tuple[Reason, ...] = field(default=())


@cache
def _norm(raw: str) -> str:
    return raw.strip().casefold()


@cache
def _values(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().casefold() for part in raw.split(",") if part.strip())


def _facts(case: CaseFacts) -> dict[str, str | None]:
    """Each field a condition can test, case-folded once per decision."""
    raw: dict[str, object] = {
        "channel": case.channel,
        "language": case.language,
        "category": case.category,
        "customer": case.customer_id,
        "keywords": case.text,
        "organisation": case.organisation_id,
    }
    return {name: None if value is None else str(value).casefold() for name, value in raw.items()}


# A run of letters, digits and underscores: what ``(?<!\w)`` and ``(?!\w)`` bound.
_WORD = re.compile(r"\w+")


@cache
def _word_regex(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")


@cache
def _is_one_word(word: str) -> bool:
    return _WORD.fullmatch(word) is not None


@lru_cache(maxsize=64)
def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text))


def _has_word(text: str, word: str) -> bool:
    """Whether ``word`` (or phrase) stands in ``text`` with no letter or digit next to it.

    A single word does so exactly when it is one of the text's maximal runs of word characters,
    so it is looked up in the set of those (made once per text); a phrase, or a word with a
    hyphen or other punctuation, is searched for.
    """
    if _is_one_word(word):
        return word in _words(text)
    return _word_regex(word).search(text) is not None


def condition_holds(case: CaseFacts, condition: Condition) -> bool:
    """Whether one condition holds; keywords match whole words or phrases, case-insensitively."""
    return _holds(_facts(case), condition)


def _holds(facts: dict[str, str | None], condition: Condition) -> bool:
    fact = facts[condition.field]
    if condition.op == "is":
        return fact is not None and fact == _norm(condition.value)
    if condition.op == "is_not":
        return fact != _norm(condition.value)
    if fact is None:
        return False
    wanted = _values(condition.value)
    if condition.op == "in":
        return fact in wanted
    # contains_any: whole words in free text, substring elsewhere
    if condition.field == "keywords":
        return any(_has_word(fact, word) for word in wanted)
    return any(word in fact for word in wanted)


def _describe(condition: Condition, case: CaseFacts, facts: dict[str, str | None]) -> str:
    if condition.field == "category" and case.category_confidence is not None:
        return f"category '{case.category}' (confidence {case.category_confidence:.2f})"
    if condition.field == "keywords":
        text = facts["keywords"] or ""
        found = [w for w in _values(condition.value) if _has_word(text, w)]
        return f"mentions '{found[0]}'" if found else "keywords"
    verb = {"is": "is", "is_not": "is not", "in": "is one of", "contains_any": "contains"}
    return f"{condition.field} {verb[condition.op]} '{condition.value}'"


def apply_rules(case: CaseFacts, rules: Sequence[Rule]) -> RuleOutcome:
    """Apply rules in order; a matching rule with ``stop`` ends the evaluation."""
    team = priority = owner = None
    tags: list[str] = []
    matched: list[str] = []
    details: list[Reason] = []
    facts = _facts(case)
    for rule in rules:
        if not all(_holds(facts, c) for c in rule.conditions):
            continue
        matched.append(rule.name)
        team = team if team is not None else rule.set_team
        priority = priority if priority is not None else rule.set_priority
        owner = owner if owner is not None else rule.set_owner
        tags.extend(tag for tag in rule.add_tags if tag not in tags)
        because = "; ".join(_describe(c, case, facts) for c in rule.conditions) or "always"
        details.append(
            Reason(
                code="rule_matched",
                params={
                    "rule": rule.name,
                    "rule_id": rule.id,
                    "category": case.category,
                    "confidence": case.category_confidence,
                },
                text=f"{rule.name}: {because}",
            )
        )
        if rule.stop:
            break
    return RuleOutcome(
        team=team,
        priority=priority,
        tags=tuple(tags),
        owner=owner,
        matched=tuple(matched),
        reasons=tuple(d.text for d in details),
        reason_details=tuple(details),
    )


@dataclass(frozen=True)
class AgentFacts:
    """What routing needs to know about an agent right now."""

    id: int
    name: str
    available: bool
    within_hours: bool
    team_ids: frozenset[int]
    skills: frozenset[str]
    languages: frozenset[str]
    open_cases: int
    capacity: int
    open_chats: int = 0
    chat_capacity: int = 3

    @property
    def can_take(self) -> bool:
        """Available, working and below capacity."""
        return self.available and self.within_hours and self.open_cases < self.capacity

    def has_room(self, *, live: bool = False) -> bool:
        """Can be given a case: available with room; a chat also needs working hours and a
        free chat. A written case may go to someone outside their hours (answered when they
        start), but only when nobody who works now can take it."""
        if not (self.available and self.open_cases < self.capacity):
            return False
        return not live or (self.within_hours and self.open_chats < self.chat_capacity)


@dataclass(frozen=True)
class OwnerDecision:
    """Who gets the case (None: nobody, it waits in the team queue) and why."""

    agent_id: int | None
    reason: str
    fallback: bool
    reason_code: str = ""
    params: Mapping[str, str | int | float | None] = field(default_factory=dict)


def choose_owner(
    agents: Sequence[AgentFacts],
    *,
    team_id: int | None,
    language: str | None,
    required_skills: frozenset[str] = frozenset(),
    strategy: str = "load_balanced",
    previous_owner_id: int | None = None,
    last_assigned_id: int | None = None,
    live: bool = False,
) -> OwnerDecision:
    """Pick an owner: the previous owner first, then a speaker of the language, then least loaded.

    Those working now come first; a written case goes to someone outside their working hours
    only when nobody working now can take it (a chat, ``live``, never does). ``fallback`` is
    True when the ideal person was not available and someone else was chosen (for example
    nobody in the team speaks the case's language).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; use one of {sorted(STRATEGIES)}")
    eligible = [
        a
        for a in agents
        if (team_id is None or team_id in a.team_ids)
        and a.has_room(live=live)
        and required_skills <= a.skills
    ]
    working = [a for a in eligible if a.within_hours]
    off_hours = bool(eligible) and not working
    if previous_owner_id is not None:
        previous = next((a for a in agents if a.id == previous_owner_id), None)
        if (
            previous is not None
            and previous.has_room(live=live)
            # Outside their working hours only when nobody else works now either.
            and (previous.within_hours or not working)
            and (
                team_id is None
                or team_id in previous.team_ids
                or (language is not None and language in previous.languages)
            )
        ):
            return OwnerDecision(
                agent_id=previous.id,
                reason=f"{previous.name} handled this customer before",
                fallback=False,
                reason_code="continuity",
                params={"agent": previous.name, "agent_id": previous.id},
            )
    if strategy == "manual":
        return OwnerDecision(
            agent_id=None,
            reason="The team assigns cases by hand",
            fallback=False,
            reason_code="manual",
            params={"team_id": team_id},
        )
    eligible = working or eligible
    if not eligible:
        return OwnerDecision(
            agent_id=None,
            reason="Nobody in the team is available with room for another case",
            fallback=True,
            reason_code="nobody_available",
            params={"team_id": team_id},
        )
    speakers = [a for a in eligible if language is not None and language in a.languages]
    pool = speakers or eligible
    language_missed = language is not None and not speakers
    if strategy == "round_robin":
        ordered = sorted(pool, key=lambda a: a.id)
        after = [a for a in ordered if last_assigned_id is None or a.id > last_assigned_id]
        chosen = (after or ordered)[0]
        how = "next in turn"
        code = "round_robin"
    else:
        chosen = min(pool, key=lambda a: (a.open_cases / a.capacity, a.open_cases, a.id))
        how = f"fewest open cases ({chosen.open_cases} of {chosen.capacity})"
        code = "least_loaded"
    if speakers:
        reason = f"{chosen.name}: speaks '{language}', {how}"
        code = f"language_{code}"
    elif language_missed:
        reason = f"{chosen.name}: {how}; nobody available speaks '{language}'"
    else:
        reason = f"{chosen.name}: {how}"
    if off_hours:
        reason += "; nobody is working now"
    return OwnerDecision(
        agent_id=chosen.id,
        reason=reason,
        fallback=language_missed or previous_owner_id is not None or off_hours,
        reason_code=code,
        params={
            "agent": chosen.name,
            "agent_id": chosen.id,
            "language": language,
            "open_cases": chosen.open_cases,
            "capacity": chosen.capacity,
            "off_hours": off_hours,
        },
    )


def transfer_refusal(
    history: Sequence[int | None], *, to: int, max_hops: int = 3
) -> Literal["hops", "loop"] | None:
    """Why a hand-over to ``to`` would let the case bounce, or None when it may go.

    ``history`` holds the team or owner ids the case has had, oldest first; None is a spell in
    a team queue. "hops": the case has moved ``max_hops`` times already. "loop": ``to`` had it
    before someone else did. An empty queue is nobody: taking a case back from it is no bounce.
    """
    hops = sum(1 for before, after in itertools.pairwise(history) if before != after)
    if hops >= max_hops:
        return "hops"
    holders = [holder for holder in history if holder is not None]
    if len(holders) >= 2 and to in holders[:-1] and holders[-1] != to:
        return "loop"
    return None


def transfer_allowed(history: Sequence[int | None], *, to: int, max_hops: int = 3) -> bool:
    """Guard against a case bouncing: refuse going back to a recent holder or past ``max_hops``."""
    return transfer_refusal(history, to=to, max_hops=max_hops) is None
