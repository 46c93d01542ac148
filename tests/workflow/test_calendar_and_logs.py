"""Deadlines counted as the law counts them (KPA art. 57) and shown in Europe/Warsaw; personal
data kept out of the logs (hard rule 8)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from workflow.calendar import WARSAW, deadline_in_days, end_of_day, format_local, is_working_day, local_date
from workflow.logging import PersonalDataFilter, mask


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (dt.date(2027, 3, 1), 7, dt.date(2027, 3, 8)),  # a Monday to a Monday
        (dt.date(2027, 3, 6), 7, dt.date(2027, 3, 15)),  # ends on Saturday 13.03 -> Monday 15.03
        (dt.date(2027, 4, 26), 5, dt.date(2027, 5, 4)),  # 1 May (Sat), 2 May (Sun), 3 May (holiday) -> 4 May
        (dt.date(2027, 12, 18), 7, dt.date(2027, 12, 27)),  # 25 Dec (Sat), 26 Dec (Sun) -> Monday 27 Dec
        (dt.date(2027, 10, 25), 7, dt.date(2027, 11, 2)),  # 1 Nov (All Saints, Monday) -> 2 Nov
    ],
)
def test_kpa_art_57_moves_a_term_off_saturdays_and_holidays(start, days, due):
    assert deadline_in_days(start, days) == due
    assert is_working_day(due)


def test_saturdays_sundays_and_holidays_are_not_working_days():
    assert not is_working_day(dt.date(2027, 11, 11))  # Independence Day
    assert not is_working_day(dt.date(2027, 3, 13))  # Saturday
    assert not is_working_day(dt.date(2027, 3, 14))  # Sunday
    assert is_working_day(dt.date(2027, 3, 15))


def test_times_are_shown_in_warsaw():
    winter = dt.datetime(2027, 1, 15, 15, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2027, 7, 15, 14, 0, tzinfo=dt.UTC)
    assert format_local(winter) == "15.01.2027 16:00"
    assert format_local(summer) == "15.07.2027 16:00"
    assert format_local(None) == ""
    # 23:30 UTC on 31 December is already the new year in Warsaw
    assert local_date(dt.datetime(2027, 12, 31, 23, 30, tzinfo=dt.UTC)) == dt.date(2028, 1, 1)


def test_end_of_day_is_23_59_in_warsaw():
    end = end_of_day(dt.date(2027, 6, 30))
    assert end.tzinfo == WARSAW and (end.hour, end.minute) == (23, 59)
    assert end.astimezone(dt.UTC).hour == 21  # CEST


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("PESEL 85010112345 in a contract", "85010112345"),
        ("account PL61 1090 1014 0000 0712 1981 2874 changed", "1090 1014"),
        ("account 61109010140000071219812874 changed", "61109010140000071219812874"),
        ("invitation sent to anna.nowak@example.org", "anna.nowak@example.org"),
    ],
)
def test_personal_data_is_masked(text, hidden):
    assert hidden not in mask(text)


def test_the_filter_masks_records_with_arguments(caplog):
    logger = logging.getLogger("pozytek.test")
    logger.addFilter(PersonalDataFilter())
    try:
        with caplog.at_level(logging.WARNING, logger="pozytek.test"):
            logger.warning("mail to %s failed", "jan@example.org")
    finally:
        logger.filters.clear()
    assert "jan@example.org" not in caplog.text and "[EMAIL]" in caplog.text


def test_identifiers_of_organisations_stay_readable():
    assert mask("NIP 8567346215, KRS 0000123456") == "NIP 8567346215, KRS 0000123456"
