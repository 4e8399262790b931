"""Date formats per language, over Django's: short month names as each language writes them.

Django's "M" capitalises the month ("7 Dec" on a Swedish page); Swedish writes months in lower
case ("7 dec"), which "b" gives. Templates name these formats (``|date:"DATETIME_FORMAT"``)
instead of a pattern, so each language gets its own.
"""
