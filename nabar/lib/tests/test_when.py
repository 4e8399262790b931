"""How a time is said to a customer: "14:05 today", "i morgon kl. 09:00", "onsdag 9 december"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone, translation

from nabar.lib.templatetags.nabar_time import when

DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DAYS_SV = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August"]
MONTHS_EN += ["September", "October", "November", "December"]
MONTHS_SV = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti"]
MONTHS_SV += ["september", "oktober", "november", "december"]


def _local_at(days_ahead: int, hour: int, minute: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days_ahead)
    naive = datetime(day.year, day.month, day.day, hour, minute)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def test_today_and_tomorrow_are_said_with_the_clock_in_both_languages() -> None:
    today, tomorrow = _local_at(0, 9, 5), _local_at(1, 23, 59)
    with translation.override("en"):
        assert when(today) == "09:05 today"
        assert when(tomorrow) == "23:59 tomorrow"
    with translation.override("sv"):
        assert when(today) == "i dag kl. 09:05"
        assert when(tomorrow) == "i morgon kl. 23:59"


def test_a_later_day_is_named_with_weekday_date_and_month_each_time_in_its_language() -> None:
    for ahead in range(2, 40, 3):
        at = _local_at(ahead, 14, 30)
        day = at.date()
        en = f"{DAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}"
        sv = f"{DAYS_SV[day.weekday()]} {day.day} {MONTHS_SV[day.month - 1]}"
        # Asked in turn, so a remembered day name never crosses languages.
        with translation.override("en"):
            assert when(at) == f"14:30 on {en}"
        with translation.override("sv"):
            assert when(at) == f"{sv} kl. 14:30"
        with translation.override("en"):
            assert when(at) == f"14:30 on {en}"


def test_a_time_in_utc_is_said_in_the_local_time_zone() -> None:
    at = _local_at(0, 8, 0).astimezone(UTC)
    with translation.override("en"):
        assert when(at) == "08:00 today"
    assert when(None) == ""
