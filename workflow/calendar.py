"""Deadlines: stored in UTC, set and shown in Europe/Warsaw, counted as the law counts them."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

WARSAW = ZoneInfo("Europe/Warsaw")


@lru_cache(maxsize=16)
def _polish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("PL", years=year)


def is_working_day(day: dt.date) -> bool:
    # Saturdays are not working days for KPA art. 57 § 4; Sundays are statutory days off.
    return day.weekday() < 5 and day not in _polish_holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def deadline_in_days(start: dt.date, days: int) -> dt.date:
    """KPA art. 57 § 1 and § 4: the day of the event is not counted; a term ending
    on a Saturday or a public holiday ends on the next working day."""
    return next_working_day(start + dt.timedelta(days=days))


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, WARSAW)


def local_date(value: dt.datetime) -> dt.date:
    return local(value).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59 Warsaw time of `day`, as an aware datetime (deadlines cut to the minute)."""
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=WARSAW)


def format_local(value: dt.datetime | None) -> str:
    return local(value).strftime("%d.%m.%Y %H:%M") if value else ""
