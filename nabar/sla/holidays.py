"""Swedish public holidays, computed for any year (plus the de-facto closed eves)."""

from __future__ import annotations

from datetime import date, timedelta


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_saturday_between(start: date, end: date) -> date:
    day = start
    while day.weekday() != 5:
        day += timedelta(days=1)
    assert day <= end
    return day


def swedish_public_holidays(year: int) -> dict[date, str]:
    """Public holidays and the eves on which most workplaces are closed, with English names."""
    easter = easter_sunday(year)
    midsummer_day = _first_saturday_between(date(year, 6, 20), date(year, 6, 26))
    return {
        date(year, 1, 1): "New Year's Day",
        date(year, 1, 6): "Epiphany",
        easter - timedelta(days=2): "Good Friday",
        easter: "Easter Sunday",
        easter + timedelta(days=1): "Easter Monday",
        date(year, 5, 1): "May Day",
        easter + timedelta(days=39): "Ascension Day",
        easter + timedelta(days=49): "Whit Sunday",
        date(year, 6, 6): "National Day of Sweden",
        midsummer_day - timedelta(days=1): "Midsummer Eve (de facto)",
        midsummer_day: "Midsummer Day",
        _first_saturday_between(date(year, 10, 31), date(year, 11, 6)): "All Saints' Day",
        date(year, 12, 24): "Christmas Eve (de facto)",
        date(year, 12, 25): "Christmas Day",
        date(year, 12, 26): "Boxing Day",
        date(year, 12, 31): "New Year's Eve (de facto)",
    }
