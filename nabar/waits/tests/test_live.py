from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.optimize import brentq
from scipy.stats import gamma

from nabar.waits.live import (
    Calibration,
    calibrate,
    calibrated,
    estimate_rates,
    predict_live_wait,
    scaled_plan,
    wait_distribution,
)
from nabar.waits.predict import WaitEstimate


def hypoexponential_survival(t: float, rates: list[float]) -> float:
    """P(sum of exponentials > t) for distinct rates: the textbook partial-fraction formula."""
    total = 0.0
    for i, ri in enumerate(rates):
        weight = 1.0
        for j, rj in enumerate(rates):
            if j != i:
                weight *= rj / (rj - ri)
        total += weight * math.exp(-ri * t)
    return total


def phase_rates(*, ahead: int, agents: float, mu: float, theta: float) -> list[float]:
    return [agents * mu + k * theta for k in range(ahead + 1)]


@pytest.mark.parametrize("ahead", [0, 1, 2, 4, 7])
@pytest.mark.parametrize("level", [0.1, 0.5, 0.9, 0.99])
def test_quantiles_match_the_exact_formula_for_a_few_ahead(ahead, level):
    rates = phase_rates(ahead=ahead, agents=6, mu=1 / 240, theta=1 / 500)

    (q,), mean = wait_distribution(
        ahead=ahead,
        service_rate=1 / 240,
        abandon_rate=1 / 500,
        agents=6,
        levels=(level,),
        stays=False,
    )

    assert hypoexponential_survival(q, rates) == pytest.approx(1 - level, abs=1e-9)
    assert mean == pytest.approx(sum(1 / r for r in rates), rel=1e-9)


def test_a_customer_who_stays_has_one_more_theta_in_every_phase():
    (q_stays,), mean_stays = wait_distribution(
        ahead=3, service_rate=0.01, abandon_rate=0.004, agents=5, levels=(0.9,)
    )
    rates = [5 * 0.01 + (k + 1) * 0.004 for k in range(4)]

    assert hypoexponential_survival(q_stays, rates) == pytest.approx(0.1, abs=1e-9)
    assert mean_stays == pytest.approx(sum(1 / r for r in rates))


@pytest.mark.parametrize("ahead", [0, 3, 40, 400])
def test_without_abandonment_the_wait_is_an_erlang_sum(ahead):
    (median, p90), mean = wait_distribution(
        ahead=ahead, service_rate=1 / 300, abandon_rate=0.0, agents=10
    )
    scale = 300 / 10

    assert median == pytest.approx(gamma.ppf(0.5, ahead + 1, scale=scale), rel=1e-6)
    assert p90 == pytest.approx(gamma.ppf(0.9, ahead + 1, scale=scale), rel=1e-6)
    assert mean == pytest.approx((ahead + 1) * scale)


def test_a_long_queue_with_many_leaving_is_stable():
    (median, p90), mean = wait_distribution(
        ahead=2000, service_rate=1 / 200, abandon_rate=1 / 60, agents=300, stays=False
    )
    rates = np.array(phase_rates(ahead=2000, agents=300, mu=1 / 200, theta=1 / 60))
    exact_mean = float(np.sum(1 / rates))
    sd = math.sqrt(float(np.sum(1 / rates**2)))

    assert mean == pytest.approx(exact_mean)
    # Thousands of phases: close to normal.
    assert median == pytest.approx(exact_mean, abs=0.2 * sd)
    assert p90 == pytest.approx(exact_mean + 1.2816 * sd, abs=0.2 * sd)


@given(
    ahead=st.integers(min_value=0, max_value=60),
    agents=st.integers(min_value=1, max_value=80),
    handle=st.floats(min_value=30, max_value=1800),
    patience=st.one_of(st.just(math.inf), st.floats(min_value=20, max_value=3600)),
)
@settings(max_examples=60, deadline=None)
def test_more_ahead_waits_longer_and_more_agents_shorter(ahead, agents, handle, patience):
    theta = 0.0 if math.isinf(patience) else 1 / patience

    def quantiles(n: int, s: int) -> tuple[float, ...]:
        values, _ = wait_distribution(
            ahead=n, service_rate=1 / handle, abandon_rate=theta, agents=s
        )
        return values

    median, p90 = quantiles(ahead, agents)
    assert 0 < median < p90 < math.inf
    more_ahead = quantiles(ahead + 1, agents)
    assert more_ahead[0] > median * (1 - 1e-9)
    assert more_ahead[1] > p90 * (1 - 1e-9)
    more_agents = quantiles(ahead, agents + 1)
    assert more_agents[0] < median * (1 + 1e-9)
    assert more_agents[1] < p90 * (1 + 1e-9)


@given(
    ahead=st.integers(min_value=0, max_value=6),
    # Rates far apart relative to their size, so the partial fractions stay accurate.
    agents=st.integers(min_value=1, max_value=8),
    theta=st.floats(min_value=0.003, max_value=0.05),
    level=st.floats(min_value=0.05, max_value=0.95),
)
@settings(max_examples=60, deadline=None)
def test_the_quantile_is_where_the_exact_survival_crosses(ahead, agents, theta, level):
    mu = 1 / 300
    rates = phase_rates(ahead=ahead, agents=agents, mu=mu, theta=theta)
    (q,), _ = wait_distribution(
        ahead=ahead,
        service_rate=mu,
        abandon_rate=theta,
        agents=agents,
        levels=(level,),
        stays=False,
    )

    assert hypoexponential_survival(q, rates) == pytest.approx(1 - level, abs=1e-6)


def forward_equation_quantile(
    level: float, *, ahead: int, mu: float, theta: float, steps: list[tuple[float, float]]
) -> float:
    """The same quantity from the Kolmogorov forward equations (matrix exponentials)."""

    def generator(agents: float) -> np.ndarray:
        # States: index m = m people ahead (0..ahead), then "answered".
        q = np.zeros((ahead + 2, ahead + 2))
        for m in range(ahead + 1):
            rate = agents * mu + m * theta
            q[m, m] = -rate
            q[m, m - 1 if m > 0 else ahead + 1] = rate
        return q

    def survival(t: float) -> float:
        p = np.zeros(ahead + 2)
        p[ahead] = 1.0
        for index, (start, agents) in enumerate(steps):
            end = steps[index + 1][0] if index + 1 < len(steps) else math.inf
            span = min(t, end) - start
            if span <= 0:
                break
            p = p @ expm(generator(agents) * span)
        return 1 - p[ahead + 1]

    return brentq(lambda t: survival(t) - (1 - level), 0, 1e6, xtol=1e-9)


@pytest.mark.parametrize(
    "plan",
    [
        [(60.0, 2)],  # agents log off during the wait
        [(30.0, 12)],  # agents log in
        [(20.0, 0), (90.0, 8)],  # a gap with nobody answering
        [(15.0, 3), (45.0, 9), (200.0, 1)],
    ],
)
@pytest.mark.parametrize("level", [0.5, 0.9])
def test_the_walk_through_the_shift_plan_is_exact(plan, level):
    mu, theta = 1 / 120, 1 / 200
    (q,), _ = wait_distribution(
        ahead=6,
        service_rate=mu,
        abandon_rate=theta,
        agents=5,
        plan=plan,
        levels=(level,),
        stays=False,
    )

    expected = forward_equation_quantile(
        level, ahead=6, mu=mu, theta=theta, steps=[(0.0, 5.0), *[(t, float(s)) for t, s in plan]]
    )
    # Plan times are taken to 5 seconds; these are on the grid, so the answer is exact.
    assert q == pytest.approx(expected, rel=1e-6)


def test_the_mean_through_the_plan_matches_the_forward_equations():
    mu, theta = 1 / 120, 1 / 200
    _, mean = wait_distribution(
        ahead=4, service_rate=mu, abandon_rate=theta, agents=5, plan=[(40.0, 1)], stays=False
    )
    # E[T] = ∫ survival, by the quantile function: E[T] = ∫_0^1 q(u) du (midpoint rule).
    levels = (np.arange(400) + 0.5) / 400
    values, _ = wait_distribution(
        ahead=4,
        service_rate=mu,
        abandon_rate=theta,
        agents=5,
        plan=[(40.0, 1)],
        levels=tuple(levels),
        stays=False,
    )
    assert mean == pytest.approx(float(np.mean(values)), rel=5e-3)


def test_a_gap_with_nobody_answering_adds_to_the_mean():
    mu, theta = 1 / 120, 1 / 200
    plan = [(20.0, 0), (90.0, 8)]
    levels = tuple((np.arange(400) + 0.5) / 400)
    values, mean = wait_distribution(
        ahead=3,
        service_rate=mu,
        abandon_rate=theta,
        agents=5,
        plan=plan,
        levels=levels,
        stays=False,
    )
    _, without_gap = wait_distribution(
        ahead=3, service_rate=mu, abandon_rate=theta, agents=5, stays=False
    )

    assert mean == pytest.approx(float(np.mean(values)), rel=5e-3)
    assert mean > without_gap


def test_nobody_answering_ever_means_an_endless_wait():
    (median, p90), mean = wait_distribution(
        ahead=2, service_rate=1 / 300, abandon_rate=1 / 300, agents=3, plan=[(60.0, 0)]
    )
    assert math.isinf(median)
    assert math.isinf(p90)
    assert math.isinf(mean)


def test_an_unannounced_absence_scales_the_whole_plan():
    agents, later = scaled_plan([(-600, 12), (1200, 24), (3000, 6)], agents_now=9)

    assert agents == 9
    assert later == [(1200, 18.0), (3000, 4.5)]


def rates_from(handled: int, *, handle: float = 240.0, patience: float = 480.0):
    return estimate_rates(
        handle_seconds=[handle] * handled,
        waited_seconds=[60.0] * handled,
        abandoned=round(handled * 60 / patience),
    )


def test_an_absence_makes_the_prediction_longer():
    rates = rates_from(500)
    plan = [(-100.0, 12), (900.0, 12)]

    full = predict_live_wait(ahead=8, agents_now=12, rates=rates, plan=plan)
    absent = predict_live_wait(ahead=8, agents_now=10, rates=rates, plan=plan)

    assert absent.median_seconds > full.median_seconds
    assert absent.p90_seconds > full.p90_seconds


def test_the_rates_come_from_history_and_priors_matter_only_when_it_is_scarce():
    plenty = rates_from(2000)
    assert plenty.enough_data
    assert plenty.handle_seconds == pytest.approx(240, rel=0.01)
    assert plenty.patience_seconds == pytest.approx(480, rel=0.02)

    scarce = estimate_rates(handle_seconds=[60.0], waited_seconds=[], abandoned=0)
    assert not scarce.enough_data
    # One short contact does not make the handling time one minute.
    assert scarce.handle_seconds > 200


def test_with_no_history_it_says_so_and_announces_the_target():
    rates = estimate_rates(handle_seconds=[], waited_seconds=[], abandoned=0)

    estimate = predict_live_wait(ahead=3, agents_now=4, rates=rates, target_seconds=180)

    assert estimate.enough_data is False
    assert estimate.p90_seconds == 180
    assert "too little data" in estimate.basis


def test_nobody_logged_in_and_nobody_planned_is_an_endless_wait():
    estimate = predict_live_wait(ahead=2, agents_now=0, rates=rates_from(100))

    assert math.isinf(estimate.p90_seconds)


def test_agents_planned_later_give_a_finite_wait_before_opening():
    estimate = predict_live_wait(
        ahead=2, agents_now=0, rates=rates_from(100), plan=[(-60.0, 0), (600.0, 4)]
    )

    assert 600 < estimate.median_seconds < estimate.p90_seconds < math.inf


def test_a_free_agent_means_no_wait():
    estimate = predict_live_wait(ahead=0, agents_now=4, agents_free=1, rates=rates_from(100))

    assert estimate.median_seconds == estimate.p90_seconds == 0


def test_the_estimate_is_a_range_with_the_median_first():
    estimate = predict_live_wait(ahead=5, agents_now=4, rates=rates_from(100))

    assert 0 < estimate.median_seconds < estimate.mean_seconds < estimate.p90_seconds
    assert "5 ahead" in estimate.basis


def test_calibration_needs_enough_outcomes():
    few = calibrate(outcomes=[(60.0, 120.0, 50.0)] * 10)
    assert few.samples == 10
    assert (few.scale, few.upper) == (1, 1)


def test_calibration_learns_that_waits_were_shorter_and_less_spread():
    rng = np.random.default_rng(3)
    # Predicted mean 100 s and 90th percentile 200 s; real waits are 80 % as long and
    # tighter: at most 150 s.
    real = rng.uniform(40, 150, 400)
    outcome = calibrate(outcomes=[(100.0, 200.0, float(w)) for w in real])

    assert outcome.scale == pytest.approx(float(real.mean()) / 100, rel=0.05)
    assert float(np.mean(real <= 200 * outcome.upper)) >= 0.9
    estimate = WaitEstimate(
        median_seconds=90, p90_seconds=200, mean_seconds=100, basis="", enough_data=True
    )
    corrected = calibrated(estimate, outcome)
    assert corrected.p90_seconds == pytest.approx(200 * outcome.upper)
    assert corrected.mean_seconds == pytest.approx(100 * outcome.scale)


def test_no_calibration_leaves_the_estimate_alone():
    estimate = WaitEstimate(
        median_seconds=90, p90_seconds=200, mean_seconds=100, basis="", enough_data=True
    )
    assert calibrated(estimate, Calibration()) == estimate
