from __future__ import annotations

import pytest

from nabar.waits.accuracy import Outcome, summarise


def test_no_rows_give_no_channels():
    assert summarise([]) == []


def test_errors_bias_and_the_share_within_the_upper_bound_per_channel():
    rows = [
        Outcome("chat", median_seconds=60, p90_seconds=120, waited_seconds=30),
        Outcome("chat", median_seconds=60, p90_seconds=120, waited_seconds=90),
        Outcome("chat", median_seconds=60, p90_seconds=120, waited_seconds=150),
        Outcome("chat", median_seconds=60, p90_seconds=120, waited_seconds=None),
        Outcome("chat", median_seconds=60, p90_seconds=120, waited_seconds=200, abandoned=True),
        Outcome("email", median_seconds=3600, p90_seconds=7200, waited_seconds=1800),
    ]

    chat, email = summarise(rows)

    assert chat.channel == "chat"
    assert chat.count == 3
    assert chat.mean_absolute_error == pytest.approx((30 + 30 + 90) / 3)
    # Announced minus real: told 60 s, waited on average 90 s.
    assert chat.bias == pytest.approx(-30)
    assert chat.within_upper == pytest.approx(2 / 3)
    assert (chat.waiting, chat.abandoned) == (1, 1)
    assert email.count == 1
    assert email.bias == pytest.approx(1800)
    assert email.within_upper == 1


def test_a_channel_where_nobody_was_answered_yet_has_no_errors():
    (only,) = summarise([Outcome("web", median_seconds=60, p90_seconds=90, waited_seconds=None)])

    assert only.count == 0
    assert only.mean_absolute_error == 0
    assert only.waiting == 1
