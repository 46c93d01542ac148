"""Interest "as for tax arrears" on late returns (u.f.p. art. 251 ust. 5, art. 252 ust. 1) and how a
payment is booked (settlements/calculation.py).

Ordynacja podatkowa: art. 56 § 1 the rate; art. 63 § 1 rounding to whole złoty (below 50 grosz
dropped, 50 grosz and more up); art. 54 § 1 pkt 5 no interest up to 8.70 zł; art. 55 § 2 a
payment split proportionally between the arrear and the interest. Every figure below is computed
by hand in its comment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from settlements.calculation import (
    Document,
    PlannedLine,
    Rate,
    RuleSet,
    Share,
    Terms,
    book_payment,
    compute_settlement,
    interest,
    round_interest,
    unused_return_due,
)
from workflow.errors import InvalidData

D = Decimal
day = dt.date.fromisoformat

# DOMAIN.md §10: 14.50% from 5 October 2023, then the 2025 cuts (200% of the lombard rate + 2 pp)
RATES = [Rate(day("2023-10-05"), D("14.50")), Rate(day("2025-05-08"), D("13.50")), Rate(day("2025-07-03"), D("13.00")),
         Rate(day("2025-09-04"), D("12.50")), Rate(day("2025-10-09"), D("12.00")), Rate(day("2025-11-06"), D("11.50")),
         Rate(day("2025-12-04"), D("11.00"))]
TEN = [Rate(day("2026-01-01"), D("10.00"))]  # a round rate to put the exact interest where a test needs it
ZLOTY = RuleSet()
GROSZ = RuleSet(rounding="grosz")


def test_the_domain_example_rounds_to_8_zloty_and_charges_nothing():
    # 1 000.00 × 14.50% × 20 / 365 = 7.9452… → 7.95 → 8 zł, which does not exceed 8.70 zł
    charged, working = interest(D("1000.00"), day("2024-02-01"), day("2024-02-20"), RATES, ZLOTY)
    assert charged == D("0.00")
    assert working == {
        "amount": D("1000.00"), "days": 20, "exact": D("7.95"), "rounded": D("8.00"), "threshold": D("8.70"),
        "charged": D("0.00"),
        "periods": [{"from": day("2024-02-01"), "to": day("2024-02-20"), "days": 20, "rate": D("14.50"),
                     "interest": D("7.95")}]}


def test_a_larger_arrear_is_charged_in_whole_zloty():
    # 10 000.00 × 14.50% × 30 / 365 = 43 500 / 365 = 119.178… → 119.18 → 119 zł
    charged, working = interest(D("10000.00"), day("2024-03-01"), day("2024-03-30"), RATES, ZLOTY)
    assert (charged, working["exact"], working["rounded"], working["days"]) == (
        D("119.00"), D("119.18"), D("119.00"), 30)
    # to the grosz if the authority configured it so
    charged, _working = interest(D("10000.00"), day("2024-03-01"), day("2024-03-30"), RATES, GROSZ)
    assert charged == D("119.18")


@pytest.mark.parametrize(("value", "rounding", "rounded"), [
    ("9.49", "zloty", "9.00"),
    ("9.50", "zloty", "10.00"),
    ("0.49", "zloty", "0.00"),
    ("0.50", "zloty", "1.00"),
    ("119.18", "zloty", "119.00"),
    ("9.494", "grosz", "9.49"),
    ("9.495", "grosz", "9.50"),
    ("9.499", "grosz", "9.50"),
])
def test_round_interest(value, rounding, rounded):
    result = round_interest(D(value), rounding)
    assert result == D(rounded)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(("amount", "rules", "exact", "charged"), [
    # 10% for a whole year of 365 days: the interest is a tenth of the amount
    ("94.90", ZLOTY, "9.49", "9.00"),    # x.49 down
    ("95.00", ZLOTY, "9.50", "10.00"),   # x.50 up
    ("94.95", ZLOTY, "9.50", "10.00"),   # 9.495 is 9.50 to the grosz, and so 10 zł: one rounding of what is shown
    ("94.94", GROSZ, "9.49", "9.49"),
    ("94.95", GROSZ, "9.50", "9.50"),
    ("87.00", GROSZ, "8.70", "0.00"),    # 8.70 does not exceed 8.70
    ("87.10", GROSZ, "8.71", "8.71"),
    ("84.90", ZLOTY, "8.49", "0.00"),    # 8 zł: not charged
    ("86.90", ZLOTY, "8.69", "9.00"),    # 9 zł exceeds 8.70 zł: charged
])
def test_rounding_and_the_threshold_as_configured(amount, rules, exact, charged):
    result, working = interest(D(amount), day("2026-01-01"), day("2026-12-31"), TEN, rules)
    assert working["days"] == 365
    assert working["exact"] == D(exact)
    assert result == D(charged)
    assert working["rounded"] == round_interest(working["exact"], rules.rounding)


def test_the_threshold_is_a_setting():
    charged, _working = interest(D("1000.00"), day("2024-02-01"), day("2024-02-20"), RATES,
                                 RuleSet(threshold=D("0.00")))
    assert charged == D("8.00")
    charged, _working = interest(D("10000.00"), day("2024-03-01"), day("2024-03-30"), RATES,
                                 RuleSet(threshold=D("200.00")))
    assert charged == D("0.00")


def test_a_period_across_a_rate_change_is_computed_per_rate_period():
    # 20 000.00 from 20 November to 19 December 2025:
    #   11.50% from 20 Nov to 3 Dec = 14 days: 20 000 × 0.115 × 14 / 365 = 32 200 / 365 = 88.219… → 88.22
    #   11.00% from 4 Dec to 19 Dec = 16 days: 20 000 × 0.110 × 16 / 365 = 35 200 / 365 = 96.438… → 96.44
    #   together 67 400 / 365 = 184.657… → 184.66 → 185 zł (the sum is rounded once, not each part)
    charged, working = interest(D("20000.00"), day("2025-11-20"), day("2025-12-19"), RATES, ZLOTY)
    assert working["periods"] == [
        {"from": day("2025-11-20"), "to": day("2025-12-03"), "days": 14, "rate": D("11.50"), "interest": D("88.22")},
        {"from": day("2025-12-04"), "to": day("2025-12-19"), "days": 16, "rate": D("11.00"), "interest": D("96.44")}]
    assert (working["days"], working["exact"], charged) == (30, D("184.66"), D("185.00"))


def test_a_period_across_four_rates():
    # 5 000.00 from 1 October to 10 December 2025, 71 days:
    #   12.50% × 8 (1–8 Oct) + 12.00% × 28 (9 Oct–5 Nov) + 11.50% × 28 (6 Nov–3 Dec) + 11.00% × 7 (4–10 Dec)
    #   = 1.00 + 3.36 + 3.22 + 0.77 = 8.35 %-days per 100 → 5 000 × 8.35 / 365 = 114.383… → 114.38 → 114 zł
    charged, working = interest(D("5000.00"), day("2025-10-01"), day("2025-12-10"), RATES, ZLOTY)
    assert [(p["from"], p["days"], p["rate"]) for p in working["periods"]] == [
        (day("2025-10-01"), 8, D("12.50")), (day("2025-10-09"), 28, D("12.00")),
        (day("2025-11-06"), 28, D("11.50")), (day("2025-12-04"), 7, D("11.00"))]
    assert (working["days"], working["exact"], charged) == (71, D("114.38"), D("114.00"))


def test_a_new_rate_applies_from_its_first_day():
    # 1–3 December 2025 at 11.50%, 4 December at 11.00%
    _charged, working = interest(D("36500.00"), day("2025-12-01"), day("2025-12-04"), RATES, GROSZ)
    assert [(p["days"], p["rate"], p["interest"]) for p in working["periods"]] == [
        (3, D("11.50"), D("34.50")), (1, D("11.00"), D("11.00"))]  # 36 500 × 11.5% × 3 / 365 = 34.50
    assert working["exact"] == D("45.50")


def test_rates_may_be_given_in_any_order():
    shuffled = list(reversed(RATES))
    assert interest(D("20000.00"), day("2025-11-20"), day("2025-12-19"), shuffled, ZLOTY) == interest(
        D("20000.00"), day("2025-11-20"), day("2025-12-19"), RATES, ZLOTY)


def test_interest_runs_on_calendar_days_including_weekends_and_holidays():
    # Friday 7 to Wednesday 12 November 2025: Saturday, Sunday and 11 November (a holiday) all count.
    # 100 000.00 × 11.50% × 6 / 365 = 69 000 / 365 = 189.041… → 189.04 → 189 zł
    charged, working = interest(D("100000.00"), day("2025-11-07"), day("2025-11-12"), RATES, ZLOTY)
    assert (working["days"], working["exact"], charged) == (6, D("189.04"), D("189.00"))


def test_the_day_count_is_inclusive():
    _charged, working = interest(D("36500.00"), day("2026-03-02"), day("2026-03-02"), TEN, GROSZ)
    assert (working["days"], working["exact"]) == (1, D("10.00"))  # 36 500 × 10% / 365
    _charged, working = interest(D("36500.00"), day("2026-03-02"), day("2026-03-03"), TEN, GROSZ)
    assert (working["days"], working["exact"]) == (2, D("20.00"))
    # paid on the deadline: the interest would start the day after, so nothing
    charged, working = interest(D("36500.00"), day("2026-03-03"), day("2026-03-02"), TEN, GROSZ)
    assert (charged, working["days"], working["periods"], working["exact"]) == (D("0.00"), 0, [], D("0.00"))
    assert working["threshold"] == GROSZ.threshold


def test_days_in_year_is_a_setting():
    # 36 600.00 × 10% for a day: / 365 = 10.027… → 10.03; / 366 = 10.00
    assert interest(D("36600.00"), day("2026-05-05"), day("2026-05-05"), TEN, GROSZ)[0] == D("10.03")
    assert interest(D("36600.00"), day("2026-05-05"), day("2026-05-05"), TEN,
                    RuleSet(rounding="grosz", days_in_year=366))[0] == D("10.00")


def test_no_rate_in_force_is_invalid_data_with_a_clear_message():
    message = "No interest rate is in force on 05.11.2025; add it in the rate table."
    with pytest.raises(InvalidData) as raised:
        interest(D("1000.00"), day("2025-11-05"), day("2025-12-31"), RATES[-2:], ZLOTY)
    assert raised.value.code == "no_rate"
    assert raised.value.errors == {"interest": [message]}
    with pytest.raises(InvalidData) as raised:
        interest(D("1000.00"), day("2025-11-05"), day("2025-12-31"), [], ZLOTY)
    assert raised.value.errors == {"interest": [message]}
    # a rate from the first day itself is enough; nothing to charge needs no rate at all
    assert interest(D("1000.00"), day("2025-11-06"), day("2025-11-07"), RATES[-2:], ZLOTY)[0] == D("0.00")
    assert interest(D("0.00"), day("2020-01-01"), day("2020-12-31"), [], ZLOTY)[0] == D("0.00")


# --- from the deadline to the interest start ---------------------------------------------------------------

LINE = PlannedLine(1, "1.1", "Trainer", D("10000.00"), D("8000.00"))


def test_a_deadline_moved_off_a_holiday_moves_the_interest_start():
    # term of use ends 27 October 2026: +15 = Wednesday 11 November (Independence Day) → due Thursday 12,
    # interest from Friday 13. 7 000.00 unused, returned on 31 December 2026: 13 Nov–31 Dec = 18 + 31 = 49 days
    # (weekends and 24–26 December included) at 11.00%: 7 000 × 0.11 × 49 / 365 = 37 730 / 365 = 103.369… → 103 zł
    terms = Terms(D("8000.00"), D("10000.00"), D("10"), day("2026-03-01"), day("2026-10-27"), day("2026-12-31"),
                  (LINE,))
    spent = Document(1, 1, "FV/1", D("1250.00"), day("2026-04-01"), day("2026-04-02"),
                     (Share(1, "grant", D("1000.00")), Share(1, "own_financial", D("250.00"))))
    items, _computation = compute_settlement(terms, [spent], payments=[(day("2026-03-02"), D("8000.00"))],
                                             revenue={}, established_on=day("2027-01-04"))
    [unused] = items
    assert (unused.kind, unused.amount, unused.due_on, unused.interest_from) == (
        "unused", D("7000.00"), day("2026-11-12"), day("2026-11-13"))
    charged, working = interest(unused.amount, unused.interest_from, day("2026-12-31"), RATES, ZLOTY)
    assert (working["days"], working["exact"], charged) == (49, D("103.37"), D("103.00"))
    # returned on the (moved) deadline itself: no interest
    assert interest(unused.amount, unused.interest_from, day("2026-11-12"), RATES, ZLOTY)[0] == D("0.00")


def test_easter_monday_2027_moves_the_deadline_and_the_interest_start():
    terms = Terms(D("8000.00"), D("10000.00"), D("10"), day("2027-01-01"), day("2027-03-14"), day("2027-12-31"),
                  (LINE,))
    due, basis = unused_return_due(terms)
    assert (due, basis) == (day("2027-03-30"), "u.f.p. art. 251 ust. 3")  # 29 March 2027 is Easter Monday
    items, _computation = compute_settlement(terms, [], payments=[(day("2027-01-10"), D("8000.00"))], revenue={},
                                             established_on=day("2027-04-01"))
    assert (items[0].due_on, items[0].interest_from) == (day("2027-03-30"), day("2027-03-31"))


# --- booking a payment (Ordynacja podatkowa art. 55 § 2) ----------------------------------------------------


def test_proportional_split_worked_example():
    # 10 000.00 due and 137.00 of interest; 3 000.00 paid. To interest: 3 000 × 137 / 10 137
    # = 411 000 / 10 137 = 40.544… → 40.54; to the amount due: 3 000.00 − 40.54 = 2 959.46.
    assert book_payment(paid=D("3000.00"), principal_due=D("10000.00"), interest_due=D("137.00"),
                        allocation="proportional") == (D("2959.46"), D("40.54"))
    # 1 000.00 and 50.00, 500.00 paid: 500 × 50 / 1 050 = 23.809… → 23.81; 476.19 to the amount due
    assert book_payment(paid=D("500.00"), principal_due=D("1000.00"), interest_due=D("50.00"),
                        allocation="proportional") == (D("476.19"), D("23.81"))


@pytest.mark.parametrize("allocation", ["proportional", "principal_first"])
def test_paying_everything_or_more_books_exactly_what_is_due(allocation):
    for paid in ("1050.00", "1050.01", "20000.00"):
        assert book_payment(paid=D(paid), principal_due=D("1000.00"), interest_due=D("50.00"),
                            allocation=allocation) == (D("1000.00"), D("50.00"))
    assert book_payment(paid=D("10.00"), principal_due=D("0.00"), interest_due=D("0.00"),
                        allocation=allocation) == (D("0.00"), D("0.00"))
    # no interest: all of it to the amount due
    assert book_payment(paid=D("10.00"), principal_due=D("100.00"), interest_due=D("0.00"),
                        allocation=allocation) == (D("10.00"), D("0.00"))


def test_principal_first():
    book = {"principal_due": D("1000.00"), "interest_due": D("50.00"), "allocation": "principal_first"}
    assert book_payment(paid=D("500.00"), **book) == (D("500.00"), D("0.00"))
    assert book_payment(paid=D("1000.00"), **book) == (D("1000.00"), D("0.00"))
    assert book_payment(paid=D("1020.00"), **book) == (D("1000.00"), D("20.00"))


# --- properties -------------------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c).scaleb(-2))
PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(principal=cents, interest_due=cents, data=st.data(),
       allocation=st.sampled_from(["proportional", "principal_first"]))
def test_a_payment_is_booked_to_the_grosz(principal, interest_due, data, allocation):
    due = principal + interest_due
    if due == 0:
        return
    paid = data.draw(st.integers(min_value=1, max_value=int(due * 100)).map(lambda c: D(c).scaleb(-2)))
    to_principal, to_interest = book_payment(paid=paid, principal_due=principal, interest_due=interest_due,
                                             allocation=allocation)
    assert to_principal + to_interest == paid
    assert D("0.00") <= to_principal <= principal
    assert D("0.00") <= to_interest <= interest_due
    assert to_principal.as_tuple().exponent == to_interest.as_tuple().exponent == -2
    if allocation == "proportional":
        assert abs(to_interest - paid * interest_due / due) <= D("0.005")
    else:
        assert to_principal == min(paid, principal)


@st.composite
def rate_tables(draw):
    starts = draw(st.lists(st.dates(min_value=day("2023-01-01"), max_value=day("2027-12-31")), min_size=1,
                           max_size=6, unique=True))
    table = [Rate(start, D(draw(st.integers(min_value=800, max_value=3000))).scaleb(-2)) for start in starts]
    return table


@PROPERTIES
@given(amount=cents, table=rate_tables(), offset=st.integers(min_value=0, max_value=400),
       length=st.integers(min_value=0, max_value=800), rules=st.sampled_from([ZLOTY, GROSZ, RuleSet(days_in_year=366)]))
def test_interest_is_the_day_by_day_sum_rounded_once(amount, table, offset, length, rules):
    first_day = min(r.effective_from for r in table) + dt.timedelta(days=offset)
    last_day = first_day + dt.timedelta(days=length)
    charged, working = interest(amount, first_day, last_day, table, rules)
    # the periods cover every day once, each at the rate in force on it
    periods = working["periods"] if amount else []
    assert sum(p["days"] for p in periods) == (length + 1 if amount else 0)
    if periods:
        assert periods[0]["from"] == first_day and periods[-1]["to"] == last_day
        for before, after in zip(periods, periods[1:], strict=False):
            assert after["from"] == before["to"] + dt.timedelta(days=1)
    ordered = sorted(table, key=lambda r: r.effective_from)
    daily = D(0)
    current = first_day
    while amount and current <= last_day:
        in_force = [r for r in ordered if r.effective_from <= current][-1]
        daily += amount * in_force.rate / 100 / rules.days_in_year
        current += dt.timedelta(days=1)
    for period in periods:
        assert period["rate"] == [r for r in ordered if r.effective_from <= period["from"]][-1].rate
    assert abs(working["exact"] - daily) <= D("0.005")
    assert working["rounded"] == round_interest(working["exact"], rules.rounding)
    if rules.rounding == "zloty":
        assert working["rounded"] == working["rounded"].to_integral_value()
        assert abs(working["rounded"] - working["exact"]) <= D("0.50")
    assert charged == (working["rounded"] if working["rounded"] > rules.threshold else D("0.00"))
    for value in (charged, working["exact"], working["rounded"]):
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -2
