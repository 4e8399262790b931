from __future__ import annotations

import csv
import math
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from nabar.waits.replay import parse_rows, replay

HEADER = "arrival,answered,ended,abandoned,agents_available\n"


def write(tmp_path, text: str):
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run(path) -> str:
    out = StringIO()
    call_command("waits_replay", "--csv", str(path), stdout=out)
    return out.getvalue()


def simulated_log(*, agents: int = 3, contacts: int = 1500, seed: int = 7) -> str:
    """A small single-queue day: Poisson arrivals, exponential handling, patient customers."""
    rng = np.random.default_rng(seed)
    arrival = np.cumsum(rng.exponential(60 / 2.7, contacts))
    handle = rng.exponential(60, contacts)
    patience = rng.exponential(600, contacts)
    free_at = [0.0] * agents
    lines = [HEADER]
    for a, h, p in zip(arrival, handle, patience, strict=True):
        k = min(range(agents), key=free_at.__getitem__)
        start = max(a, free_at[k])
        if start - a > p:
            lines.append(f"{a:.3f},,{a + p:.3f},yes,{agents}\n")
            continue
        free_at[k] = start + h
        lines.append(f"{a:.3f},{start:.3f},{start + h:.3f},no,{agents}\n")
    return "".join(lines)


def test_the_replay_prints_every_predictor(tmp_path):
    output = run(write(tmp_path, simulated_log()))

    assert "1500 contacts" in output
    for name in ("ours", "last to enter service", "head of line", "moving average"):
        assert name in output


def test_ours_beats_the_last_wait_on_a_simulated_day(tmp_path):
    contacts = parse_rows(csv.reader(StringIO(simulated_log(contacts=4000))))

    result = replay(contacts)

    scores = {s.predictor: s for s in result.scores}
    assert result.delayed > 500
    assert scores["ours"].mean_absolute_error < scores["last to enter service"].mean_absolute_error
    assert 0.8 < scores["ours"].coverage < 0.97


def test_iso_times_work_like_seconds(tmp_path):
    seconds = write(
        tmp_path,
        HEADER + "0,0,100,no,1\n10,100,150,no,1\n20,,80,yes,1\n30,150,170,no,1\n",
    )
    iso = tmp_path / "iso.csv"
    iso.write_text(
        HEADER
        + "2026-11-23T09:00:00+01:00,2026-11-23T09:00:00+01:00,2026-11-23T09:01:40+01:00,no,1\n"
        + "2026-11-23T09:00:10+01:00,2026-11-23T09:01:40+01:00,2026-11-23T09:02:30+01:00,no,1\n"
        + "2026-11-23T09:00:20+01:00,,2026-11-23T09:01:20+01:00,yes,1\n"
        + "2026-11-23T09:00:30+01:00,2026-11-23T09:02:30+01:00,2026-11-23T09:02:50+01:00,no,1\n",
        encoding="utf-8",
    )

    assert run(seconds) == run(iso)


def test_the_queue_is_rebuilt_from_the_log():
    # One agent busy from 0 to 100; two arrive while it is busy: the second has one ahead.
    rows = [
        ["arrival", "answered", "ended", "abandoned", "agents_available"],
        ["0", "0", "100", "no", "1"],
        ["10", "100", "150", "no", "1"],
        ["20", "150", "170", "no", "1"],
    ]
    result = replay(parse_rows(rows))

    assert result.delayed == 2
    assert math.isclose(result.mean_wait, (90 + 130) / 2)
    les = next(s for s in result.scores if s.predictor == "last to enter service")
    # Both were told 0 s (the last to enter service had not waited): 90 and 130 s too short.
    assert les.bias == pytest.approx(-110)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        ("arrival,answered,ended\n0,1,2\n", "line 1: missing column(s): abandoned"),
        (HEADER, "line 2: no contacts after the header"),
        (HEADER + "0,1,5,no,2\nsoon,1,5,no,2\n", "line 3: arrival 'soon' is neither"),
        (HEADER + "0,1,5,no,2\n10,5,20,no,2\n", "line 3: answered before it arrived"),
        (HEADER + "0,1,5,no,2\n10,,20,no,2\n", "line 3: answered is empty"),
        (HEADER + "0,3,5,yes,2\n", "line 2: a contact that gave up cannot have been answered"),
        (HEADER + "0,3,2,no,2\n", "line 2: ended before it was answered"),
        (HEADER + "0,3,5,maybe,2\n", "line 2: abandoned 'maybe' is not yes/no"),
        (HEADER + "0,3,5,no,two\n", "line 2: agents_available 'two' is not a whole number"),
        (HEADER + "0,3,5,no,-1\n", "line 2: agents_available is negative"),
        (HEADER + "0,3,5,no\n", "line 2: expected 5 fields, found 4"),
        (
            HEADER
            + "0,3,5,no,1\n2026-11-23T09:00:00Z,2026-11-23T09:00:00Z,2026-11-23T09:01:00Z,no,1\n",
            "line 3: arrival mixes ISO times and seconds",
        ),
        (
            HEADER + "2026-11-23T09:00:00,2026-11-23T09:00:00,2026-11-23T09:01:00,no,1\n",
            "line 2: arrival '2026-11-23T09:00:00' has no time zone",
        ),
    ],
)
def test_a_malformed_log_says_which_line_and_why(tmp_path, text, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(write(tmp_path, text))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "nowhere.csv")


def test_a_binary_file_is_a_clear_error(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CommandError, match="not UTF-8"):
        run(path)
