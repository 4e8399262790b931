from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scipy.stats import gamma

from nabar.sla.clock import BusinessHours
from nabar.waits.predict import erlang_quantile, predict_written_wait

ALWAYS = BusinessHours.always("UTC")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("steps", [1, 2, 7, 40, 300])
@pytest.mark.parametrize("q", [0.1, 0.5, 0.9, 0.99])
def test_the_quantile_matches_the_gamma_distribution(steps, q):
    assert erlang_quantile(q, steps=steps, rate=3.0) == pytest.approx(
        gamma.ppf(q, steps, scale=1 / 3.0), rel=1e-6
    )


def test_more_cases_ahead_means_a_later_and_wider_range():
    near = predict_written_wait(
        ahead=0, replies_per_hour=4, now=NOW, hours=ALWAYS, fallback=timedelta(hours=4)
    )
    far = predict_written_wait(
        ahead=12, replies_per_hour=4, now=NOW, hours=ALWAYS, fallback=timedelta(hours=4)
    )

    assert near.median_seconds < far.median_seconds
    assert far.median_seconds < far.p90_seconds
    assert far.median_seconds == pytest.approx(3600 * gamma.ppf(0.5, 13, scale=0.25), rel=1e-3)


def test_with_too_little_history_it_says_so_and_uses_the_target():
    estimate = predict_written_wait(
        ahead=3, replies_per_hour=None, now=NOW, hours=ALWAYS, fallback=timedelta(hours=4)
    )

    assert estimate.enough_data is False
    assert estimate.p90_seconds == 4 * 3600
    assert "too little" in estimate.basis


def test_the_wait_is_laid_onto_opening_hours():
    office = BusinessHours.from_spec(
        {"mon": [["08:00", "10:00"]], "tue": [["08:00", "10:00"]]}, tz="UTC"
    )

    estimate = predict_written_wait(
        ahead=0, replies_per_hour=0.25, now=NOW, hours=office, fallback=timedelta(hours=4)
    )

    # About 2.8 open hours: the last hour on Monday, the rest on Tuesday morning.
    assert estimate.median_seconds > 20 * 3600


def test_learning_from_outcomes_needs_enough_cases():
    from nabar.waits.predict import calibrate_written

    assert calibrate_written([(1.0, 2.0, 0.5)] * 5).samples == 5
    assert calibrate_written([(1.0, 2.0, 0.5)] * 5).median == 1


def test_cases_answered_sooner_than_told_bring_the_likely_time_forward():
    from nabar.waits.predict import calibrate_written

    # Told 2 h most likely, 4 h at the latest; answered in 1 h (and a few in 3 h).
    outcomes = [(2.0, 4.0, 1.0)] * 90 + [(2.0, 4.0, 3.0)] * 10
    calibration = calibrate_written(outcomes)

    assert calibration.median == pytest.approx(0.5)
    # The latest time is never brought forward by learning.
    assert calibration.upper == 1
    plain = predict_written_wait(
        ahead=3, replies_per_hour=2, now=NOW, hours=ALWAYS, fallback=timedelta(hours=4)
    )
    learnt = predict_written_wait(
        ahead=3,
        replies_per_hour=2,
        now=NOW,
        hours=ALWAYS,
        fallback=timedelta(hours=4),
        calibration=calibration,
    )
    assert learnt.median_seconds == pytest.approx(plain.median_seconds / 2, rel=1e-6)
    assert learnt.p90_seconds == pytest.approx(plain.p90_seconds, rel=1e-6)


def test_cases_answered_later_than_told_move_the_latest_time_later():
    from nabar.waits.predict import calibrate_written

    outcomes = [(1.0, 2.0, 3.0)] * 50
    calibration = calibrate_written(outcomes)

    assert calibration.upper == pytest.approx(1.5)
    assert calibration.median == pytest.approx(3.0)


def test_busy_hours_count_overlapping_waits_once():
    from nabar.waits.predict import busy_open_hours

    hour = timedelta(hours=1)
    waits = [(NOW, NOW + 2 * hour), (NOW + hour, NOW + 3 * hour), (NOW + 5 * hour, NOW + 6 * hour)]

    # 09-12 and 14-15: four hours with something waiting, though the waits add up to five.
    assert busy_open_hours(waits, since=NOW, until=NOW + 8 * hour, hours=ALWAYS) == 4
    # Only the part inside the window counts.
    assert busy_open_hours(waits, since=NOW + 2 * hour, until=NOW + 5.5 * hour, hours=ALWAYS) == 1.5
    assert busy_open_hours([], since=NOW, until=NOW + hour, hours=ALWAYS) == 0


def test_busy_hours_leave_out_closed_hours():
    from nabar.waits.predict import busy_open_hours

    office = BusinessHours.from_spec(
        {"mon": [["08:00", "10:00"]], "tue": [["08:00", "10:00"]]}, tz="UTC"
    )
    # Waiting from Monday 09:00 until Tuesday 09:00: one open hour each day.
    waits = [(NOW, NOW + timedelta(days=1))]

    assert busy_open_hours(waits, since=NOW, until=NOW + timedelta(days=2), hours=office) == 2
