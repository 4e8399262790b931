"""Routing decision benchmark: rules then owner, with 500 agents and 200 rules.

Run: .venv/bin/python bench/routing.py [--agents 500] [--rules 200] [--cases 5000]
Prints the median and p99 time of one decision (apply_rules + choose_owner); target p99 < 1 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nabar.routing.rules import (
    AgentFacts,
    CaseFacts,
    Condition,
    Rule,
    apply_rules,
    choose_owner,
)

LANGUAGES = ["sv", "en", "fi", "ar", "so", "fa", "pl", "es", "de"]
CATEGORIES = [f"category-{i}" for i in range(40)]
CHANNELS = ["email", "chat", "web", "phone"]
WORDS = [
    "faktura",
    "leverans",
    "konto",
    "lösenord",
    "paket",
    "betalning",
    "avtal",
    "flytt",
    "el",
    "bredband",
]


def make_agents(n: int, rng: random.Random, teams: int) -> list[AgentFacts]:
    return [
        AgentFacts(
            id=i,
            name=f"Agent {i}",
            available=rng.random() > 0.2,
            within_hours=rng.random() > 0.1,
            team_ids=frozenset(rng.sample(range(teams), 2)),
            skills=frozenset(rng.sample(["vat", "moving", "fibre", "b2b"], 2)),
            languages=frozenset({"sv", *rng.sample(LANGUAGES, 2)}),
            open_cases=rng.randrange(0, 12),
            capacity=10,
        )
        for i in range(n)
    ]


def make_rules(n: int, rng: random.Random, teams: int) -> list[Rule]:
    rules = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            condition = Condition("category", "is", rng.choice(CATEGORIES))
        elif kind == 1:
            condition = Condition("keywords", "contains_any", ", ".join(rng.sample(WORDS, 3)))
        elif kind == 2:
            condition = Condition("language", "in", ", ".join(rng.sample(LANGUAGES, 2)))
        else:
            condition = Condition("channel", "is", rng.choice(CHANNELS))
        rules.append(
            Rule(
                id=i,
                name=f"Rule {i}",
                conditions=(condition, Condition("organisation", "is", str(rng.randrange(3)))),
                set_team=rng.randrange(teams),
                add_tags=(f"tag-{i}",),
                stop=rng.random() > 0.7,
            )
        )
    return rules


def make_case(rng: random.Random) -> CaseFacts:
    return CaseFacts(
        channel=rng.choice(CHANNELS),
        language=rng.choice(LANGUAGES),
        category=rng.choice(CATEGORIES),
        category_confidence=rng.random(),
        customer_id=rng.randrange(10_000),
        text=" ".join(rng.choices([*WORDS, "hej", "tack", "jag", "min"], k=60)),
        organisation_id=rng.randrange(3),
        previous_owner_id=rng.choice([None, rng.randrange(500)]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(7)
    teams = 12
    agents = make_agents(args.agents, rng, teams)
    rules = make_rules(args.rules, rng, teams)
    cases = [make_case(rng) for _ in range(args.cases)]
    timings = []
    assigned = 0
    for case in cases:
        start = time.perf_counter()
        outcome = apply_rules(case, rules)
        decision = choose_owner(
            agents,
            team_id=outcome.team,
            language=case.language,
            previous_owner_id=case.previous_owner_id,
        )
        timings.append((time.perf_counter() - start) * 1000)
        assigned += decision.agent_id is not None
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"{args.agents} agents, {args.rules} rules, {args.cases} cases ({assigned} assigned)")
    print(f"median {statistics.median(timings):.3f} ms, p99 {p99:.3f} ms (target p99 < 1 ms)")


if __name__ == "__main__":
    main()
