"""Erlang C and Erlang A against exact rational arithmetic, a published library and their limits."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nabar.waits.erlang import (
    Interval,
    TargetUnreachable,
    agents_needed,
    erlang_a,
    erlang_b,
    erlang_c,
    staff_for,
    staffing_table,
)

# --- exact references -------------------------------------------------------------------------


def exact_erlang_c(*, agents: int, load: Fraction) -> Fraction:
    """P(wait) of M/M/s from the textbook formula, in exact rational arithmetic."""
    term = Fraction(1)
    below = Fraction(0)
    for k in range(agents):
        below += term
        term = term * load / (k + 1)
    top = term * agents / (agents - load)
    return top / (below + top)


def exact_erlang_a(
    *, agents: int, lam: Fraction, mu: Fraction, theta: Fraction, states: int = 400
) -> tuple[Fraction, Fraction, Fraction]:
    """P(wait), P(abandon) and E[queue] of M/M/s+M from the birth-death chain, in Fractions.

    The chain is cut at ``states``; its tail falls faster than geometrically, so for the small
    cases here the cut-off mass is far below 1e-30.
    """
    p = [Fraction(1)]
    for n in range(1, states):
        death = min(n, agents) * mu + max(n - agents, 0) * theta
        p.append(p[-1] * lam / death)
    total = sum(p)
    waiting = sum(p[agents:]) / total
    queue = sum((n - agents) * p[n] for n in range(agents, states)) / total
    return waiting, theta * queue / lam, queue


# --- Erlang C ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agents", "per_hour", "handle"),
    [(1, 10, 180), (2, 30, 120), (3, 60, 150), (5, 100, 150), (12, 200, 200), (40, 700, 180)],
)
def test_erlang_c_matches_exact_rational_arithmetic(agents, per_hour, handle):
    load = Fraction(per_hour * handle, 3600)
    exact = exact_erlang_c(agents=agents, load=load)
    result = erlang_c(
        agents=agents, contacts_per_hour=per_hour, handle_seconds=handle, target_seconds=20
    )
    assert result.probability_of_waiting == pytest.approx(float(exact), rel=1e-12)
    assert result.average_speed_of_answer == pytest.approx(
        float(exact * handle / (agents - load)), rel=1e-12
    )
    expected_level = 1 - float(exact) * math.exp(-float(agents - load) * 20 / handle)
    assert result.service_level == pytest.approx(expected_level, rel=1e-12)
    assert result.occupancy == pytest.approx(float(load / agents), rel=1e-12)


def test_erlang_c_is_exact_for_a_large_centre():
    # 6000 contacts an hour of 5 minutes: 500 erlangs, where factorials overflow a float.
    load = Fraction(6000 * 300, 3600)
    for agents in (501, 520, 560, 700):
        exact = exact_erlang_c(agents=agents, load=load)
        result = erlang_c(agents=agents, contacts_per_hour=6000, handle_seconds=300)
        assert result.probability_of_waiting == pytest.approx(float(exact), rel=1e-9, abs=1e-300)


def test_erlang_b_is_exact_and_stays_in_range():
    load = Fraction(7, 2)
    term, total = Fraction(1), Fraction(1)
    for k in range(1, 9):
        term = term * load / k
        total += term
    assert erlang_b(agents=8, load=3.5) == pytest.approx(float(term / total), rel=1e-12)
    assert 0 <= erlang_b(agents=3000, load=1.0) <= 1e-300


def _pyworkforce() -> Any:
    """The reference implementation; it needs Python 3.12, so on 3.11 these checks skip."""
    return pytest.importorskip(
        "pyworkforce.queuing", reason="pyworkforce, the reference, needs Python 3.12 or newer"
    )


@pytest.mark.parametrize(
    ("transactions", "aht_minutes", "interval", "asa_minutes"),
    [(100, 3, 30, 20 / 60), (60, 4, 15, 1), (250, 5, 60, 3), (900, 3, 30, 0.5)],
)
def test_erlang_c_agrees_with_pyworkforce(transactions, aht_minutes, interval, asa_minutes):
    ErlangC = _pyworkforce().ErlangC

    reference = ErlangC(
        transactions=transactions, aht=aht_minutes, asa=asa_minutes, interval=interval
    )
    per_hour = transactions * 60 / interval
    handle = aht_minutes * 60
    load = per_hour * handle / 3600
    for agents in range(math.floor(load) + 1, math.floor(load) + 8):
        ours = erlang_c(
            agents=agents,
            contacts_per_hour=per_hour,
            handle_seconds=handle,
            target_seconds=asa_minutes * 60,
        )
        assert ours.probability_of_waiting == pytest.approx(
            reference.waiting_probability(agents), rel=1e-9
        )
        assert ours.service_level == pytest.approx(reference.service_level(agents), rel=1e-9)
        assert ours.occupancy == pytest.approx(reference.achieved_occupancy(agents), rel=1e-9)
    for level in (0.8, 0.9, 0.95):
        expected = reference.required_positions(service_level=level)["raw_positions"]
        assert (
            agents_needed(
                contacts_per_hour=per_hour,
                handle_seconds=handle,
                target_seconds=asa_minutes * 60,
                target_level=level,
            )
            == expected
        )


def test_erlang_c_overloaded_means_everyone_waits_forever():
    result = erlang_c(agents=4, contacts_per_hour=100, handle_seconds=180, target_seconds=180)
    assert result.probability_of_waiting == 1
    assert result.service_level == 0
    assert result.average_speed_of_answer == math.inf


def test_the_spanish_three_minute_rule_for_a_typical_queue():
    # 120 contacts in 15 minutes, 5 minutes each: 40 erlangs; the fewest agents that answer 95 %
    # within 180 s is a little more than the load, and one fewer misses the target.
    needed = agents_needed(
        contacts_per_hour=480, handle_seconds=300, target_seconds=180, target_level=0.95
    )
    assert 41 <= needed <= 50
    at = erlang_c(agents=needed, contacts_per_hour=480, handle_seconds=300, target_seconds=180)
    below = erlang_c(
        agents=needed - 1, contacts_per_hour=480, handle_seconds=300, target_seconds=180
    )
    assert at.service_level >= 0.95 > below.service_level


# --- Erlang A ---------------------------------------------------------------------------------

SMALL_A_CASES = [
    # agents, contacts per hour, handle seconds, patience seconds
    (1, 20, 180, 60),
    (3, 60, 180, 120),
    (5, 100, 180, 60),
    (2, 100, 180, 300),  # overloaded: only giving up keeps the queue finite
    (10, 200, 200, 100),
]


@pytest.mark.parametrize(("agents", "per_hour", "handle", "patience"), SMALL_A_CASES)
def test_erlang_a_matches_the_exact_birth_death_chain(agents, per_hour, handle, patience):
    lam = Fraction(per_hour, 3600)
    mu = Fraction(1, handle)
    theta = Fraction(1, patience)
    waiting, abandoning, _queue = exact_erlang_a(agents=agents, lam=lam, mu=mu, theta=theta)
    result = erlang_a(
        agents=agents,
        contacts_per_hour=per_hour,
        handle_seconds=handle,
        patience_seconds=patience,
        target_seconds=30,
    )
    assert result.probability_of_waiting == pytest.approx(float(waiting), rel=1e-11)
    assert result.abandonment == pytest.approx(float(abandoning), rel=1e-11)
    served = lam * (1 - abandoning)
    assert result.occupancy == pytest.approx(float(served / (agents * mu)), rel=1e-11)


@pytest.mark.parametrize(("agents", "per_hour", "handle", "patience"), SMALL_A_CASES)
def test_erlang_a_service_level_agrees_with_pyworkforce(agents, per_hour, handle, patience):
    ErlangA = _pyworkforce().ErlangA

    # pyworkforce works in minutes and contacts per interval; an hour-long interval here.
    reference = ErlangA(
        transactions=per_hour, aht=handle / 60, asa=0.5, interval=60, patience=patience / 60
    )
    for target in (10, 30, 90):
        ours = erlang_a(
            agents=agents,
            contacts_per_hour=per_hour,
            handle_seconds=handle,
            patience_seconds=patience,
            target_seconds=target,
        )
        assert ours.service_level == pytest.approx(
            reference.service_level(agents, asa=target / 60), rel=1e-8
        )
        assert ours.probability_of_waiting == pytest.approx(
            reference.waiting_probability(agents), rel=1e-9
        )
        assert ours.abandonment == pytest.approx(
            reference.abandonment_probability(agents), rel=1e-9
        )


def test_erlang_a_answered_wait_is_the_area_above_the_service_level_curve():
    # E[wait; answered] = integral over t of (P(answered) - P(answered within t)).
    kwargs = {"agents": 4, "contacts_per_hour": 80, "handle_seconds": 180, "patience_seconds": 90}
    base = erlang_a(**kwargs)
    answered = 1 - base.abandonment
    step, area = 0.5, 0.0
    previous = answered - base.service_level
    for i in range(1, 4000):
        current = answered - erlang_a(**kwargs, target_seconds=i * step).service_level
        area += (previous + current) / 2 * step
        previous = current
    assert base.average_speed_of_answer == pytest.approx(area / answered, rel=1e-4)


def test_erlang_a_with_endless_patience_approaches_erlang_c():
    c = erlang_c(agents=5, contacts_per_hour=80, handle_seconds=180, target_seconds=60)
    for patience, tolerance in ((1e5, 3e-2), (1e7, 5e-4), (1e9, 5e-6)):
        a = erlang_a(
            agents=5,
            contacts_per_hour=80,
            handle_seconds=180,
            patience_seconds=patience,
            target_seconds=60,
        )
        assert a.probability_of_waiting == pytest.approx(c.probability_of_waiting, rel=tolerance)
        assert a.service_level == pytest.approx(c.service_level, rel=tolerance)
        assert a.average_speed_of_answer == pytest.approx(c.average_speed_of_answer, rel=tolerance)
        assert a.abandonment < tolerance / 10


def test_erlang_a_needs_no_more_agents_than_erlang_c():
    for patience in (30, 120, 600, 1e6):
        a = agents_needed(
            contacts_per_hour=480,
            handle_seconds=300,
            target_seconds=180,
            target_level=0.9,
            patience_seconds=patience,
        )
        c = agents_needed(
            contacts_per_hour=480, handle_seconds=300, target_seconds=180, target_level=0.9
        )
        assert a <= c
    assert (
        agents_needed(
            contacts_per_hour=480,
            handle_seconds=300,
            target_seconds=180,
            target_level=0.9,
            patience_seconds=1e7,
        )
        == c
    )


def test_erlang_a_is_fewest_agents_meeting_the_target():
    kwargs = {"contacts_per_hour": 2000, "handle_seconds": 240, "patience_seconds": 120}
    needed = agents_needed(**kwargs, target_seconds=60, target_level=0.9)
    at = erlang_a(agents=needed, **kwargs, target_seconds=60)
    below = erlang_a(agents=needed - 1, **kwargs, target_seconds=60)
    assert at.service_level >= 0.9 > below.service_level


def test_large_centre_stays_finite_and_in_range():
    # 6000 contacts an hour of 5 minutes (500 erlangs), patient and impatient callers.
    for patience in (None, 30.0, 180.0, 3600.0):
        result = staff_for(
            contacts_per_hour=6000,
            handle_seconds=300,
            target_seconds=180,
            target_level=0.95,
            patience_seconds=patience,
        )
        assert 450 <= result.agents <= 560
        for value in (
            result.probability_of_waiting,
            result.service_level,
            result.abandonment,
            result.occupancy,
        ):
            assert 0 <= value <= 1
        assert math.isfinite(result.average_speed_of_answer)


# --- properties -------------------------------------------------------------------------------

loads = st.fixed_dictionaries(
    {
        "contacts_per_hour": st.floats(min_value=0.5, max_value=8000),
        "handle_seconds": st.floats(min_value=10, max_value=1800),
        "target_seconds": st.floats(min_value=0, max_value=600),
    }
)
patiences = st.one_of(st.none(), st.floats(min_value=5, max_value=7200))


@settings(max_examples=60, deadline=None)
@example(
    load={"contacts_per_hour": 0.5, "handle_seconds": 10.0, "target_seconds": 5e-324},
    patience=5.0,
    agents=1,
)
@given(load=loads, patience=patiences, agents=st.integers(min_value=1, max_value=900))
def test_probabilities_stay_in_range_and_improve_with_each_agent(load, patience, agents):
    from nabar.waits.erlang import performance

    now = performance(agents=agents, patience_seconds=patience, **load)
    more = performance(agents=agents + 1, patience_seconds=patience, **load)
    for result in (now, more):
        for value in (
            result.probability_of_waiting,
            result.service_level,
            result.abandonment,
            result.occupancy,
        ):
            assert 0 <= value <= 1
        assert result.average_speed_of_answer >= 0
    slack = 1e-9
    assert more.service_level >= now.service_level - slack
    assert more.probability_of_waiting <= now.probability_of_waiting + slack
    assert more.abandonment <= now.abandonment + slack
    assert more.average_speed_of_answer <= now.average_speed_of_answer * (1 + 1e-9) + slack


@settings(max_examples=40, deadline=None)
@given(
    load=loads.filter(lambda d: d["target_seconds"] > 0),
    patience=patiences,
    level=st.floats(min_value=0.5, max_value=0.99),
)
def test_agents_needed_is_the_smallest_that_meets_the_target(load, patience, level):
    from nabar.waits.erlang import performance

    needed = agents_needed(target_level=level, patience_seconds=patience, **load)
    assert performance(agents=needed, patience_seconds=patience, **load).service_level >= level
    if needed > 1:
        assert (
            performance(agents=needed - 1, patience_seconds=patience, **load).service_level < level
        )


# --- bad input --------------------------------------------------------------------------------


def test_zero_volume_needs_nobody_and_meets_the_target():
    result = staff_for(
        contacts_per_hour=0, handle_seconds=300, target_seconds=180, target_level=0.95
    )
    assert result.agents == 0
    assert result.service_level == 1
    assert (
        agents_needed(
            contacts_per_hour=0,
            handle_seconds=300,
            target_seconds=180,
            target_level=0.95,
            patience_seconds=60,
        )
        == 0
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"contacts_per_hour": -1}, "contacts_per_hour cannot be negative"),
        ({"handle_seconds": 0}, "handle_seconds must be more than 0"),
        ({"handle_seconds": -5}, "handle_seconds must be more than 0"),
        ({"target_level": 0}, "target_level must be between 0 and 1"),
        ({"target_level": 1}, "target_level must be between 0 and 1"),
        ({"target_level": 95}, "target_level must be between 0 and 1"),
        ({"target_seconds": -1}, "target_seconds cannot be negative"),
        ({"patience_seconds": 0}, "patience_seconds must be more than 0"),
        ({"contacts_per_hour": math.nan}, "contacts_per_hour must be a finite number"),
        ({"max_agents": 0}, "max_agents must be a whole number"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, message):
    arguments = {
        "contacts_per_hour": 100,
        "handle_seconds": 300,
        "target_seconds": 180,
        "target_level": 0.95,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        agents_needed(**arguments)


def test_an_unreachable_target_says_so_instead_of_searching_forever():
    with pytest.raises(TargetUnreachable, match="Even 50 agents cannot answer 95%"):
        agents_needed(
            contacts_per_hour=3000,
            handle_seconds=300,
            target_seconds=180,
            target_level=0.95,
            max_agents=50,
        )
    with pytest.raises(TargetUnreachable, match="mean patience of 60 s"):
        agents_needed(
            contacts_per_hour=3000,
            handle_seconds=300,
            target_seconds=180,
            target_level=0.95,
            patience_seconds=60,
            max_agents=50,
        )


def test_more_agents_than_contacts_is_fine():
    result = erlang_c(agents=50, contacts_per_hour=2, handle_seconds=300, target_seconds=180)
    assert result.probability_of_waiting < 1e-60
    assert result.service_level == 1
    a = erlang_a(
        agents=50, contacts_per_hour=2, handle_seconds=300, patience_seconds=60, target_seconds=0
    )
    assert a.service_level == pytest.approx(1)
    assert a.abandonment < 1e-60


def test_staffing_table_gives_a_row_per_interval():
    rows = staffing_table(
        [
            Interval("08:00", 0, 300),
            Interval("08:15", 60, 300),
            Interval("08:30", 120, 300, 120),
        ],
        interval_minutes=15,
        target_seconds=180,
        target_level=0.95,
    )
    assert [row.label for row in rows] == ["08:00", "08:15", "08:30"]
    assert rows[0].agents == 0
    assert rows[1].agents == agents_needed(
        contacts_per_hour=240, handle_seconds=300, target_seconds=180, target_level=0.95
    )
    assert rows[2].agents <= agents_needed(
        contacts_per_hour=480, handle_seconds=300, target_seconds=180, target_level=0.95
    )
    assert all(row.service_level >= 0.95 for row in rows)
    with pytest.raises(ValueError, match="interval_minutes must be more than 0"):
        staffing_table([], interval_minutes=0, target_seconds=180, target_level=0.95)
