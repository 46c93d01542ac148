"""The money of a grant as pure functions (settlements/calculation.py, DOMAIN.md §10): the report's
findings, the actual costs per line, the settlement's return items and their deadlines.

No database: the inputs are plain dataclasses. The worked examples are computed by hand in the
comments; the properties (hypothesis) check that the parts never overlap and never ask back more
than was paid, and that every amount is a Decimal to the grosz.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from settlements.calculation import (
    Document,
    Finding,
    PlannedLine,
    Share,
    Terms,
    compute_settlement,
    excesses,
    grant_limit,
    line_actuals,
    report_findings,
    unused_return_due,
)

D = Decimal
day = dt.date.fromisoformat

TRAINER = PlannedLine(11, "1.1", "Trainer", D("5000.00"), D("4000.00"))
RENT = PlannedLine(12, "1.2", "Rent", D("5000.00"), D("4000.00"))


def terms(**changes) -> Terms:
    values = {"grant": D("8000.00"), "total_cost": D("10000.00"), "tolerance_pct": D("10"),
              "expenditure_start": day("2026-03-01"), "expenditure_end": day("2026-09-30"),
              "return_due": day("2026-10-15"), "lines": (TRAINER, RENT)}
    return Terms(**{**values, **changes})


def doc(position: int, *shares: tuple[int, str, str], paid_on: str | None = "2026-05-05", amount: str | None = None,
        issued_on: str = "2026-05-01", ineligible_reason: str = "", financial: bool = True) -> Document:
    parts = tuple(Share(line_id, source, D(value)) for line_id, source, value in shares)
    return Document(position, position, f"FV/{position}/2026",
                    D(amount) if amount is not None else sum((s.amount for s in parts), D("0.00")),
                    day(issued_on), day(paid_on) if paid_on else None, parts, ineligible_reason, financial)


def settle(the_terms: Terms, documents: list[Document], *, payments=(("2026-03-02", "8000.00"),), revenue=None,
           established_on: str = "2026-10-27"):
    return compute_settlement(the_terms, documents, payments=[(day(on), D(amount)) for on, amount in payments],
                              revenue=revenue or {}, established_on=day(established_on))


def by_kind(items) -> dict[str, list]:
    result: dict[str, list] = {}
    for item in items:
        result.setdefault(item.kind, []).append(item)
    return result


def at(findings: list[Finding], key: str) -> list[Finding]:
    return [f for f in findings if f.key == key]


def only(findings: list[Finding], key: str) -> Finding:
    found = at(findings, key)
    assert len(found) == 1, [(f.key, f.text()) for f in findings]
    return found[0]


# The DOMAIN.md §10 example: line 1.1 planned 4 000 from the grant, 4 700 actually charged to the grant,
# tolerance 10% → limit 4 000 × 1.10 = 4 400 → 300 taken in excessive amount. Line 1.2 takes 3 300,
# so 8 000 of the grant in all against 10 000 of costs: the agreed 80% share holds.
OVER_THE_TOLERANCE = [
    doc(1, (11, "grant", "4700.00"), (11, "own_financial", "300.00")),
    doc(2, (12, "grant", "3300.00"), (12, "own_financial", "1700.00"), paid_on="2026-06-10"),
]


# --- the cost lines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("planned", "tolerance", "limit"), [
    ("4000.00", "10", "4400.00"),
    ("4000.00", "0", "4000.00"),
    ("3333.33", "15", "3833.33"),    # 3 833.3295 → 3 833.33
    ("1000.01", "12.5", "1125.01"),  # 1 125.01125 → 1 125.01
    ("0.10", "25", "0.13"),          # 0.125 → 0.13, half up
    ("0.00", "25", "0.00"),
])
def test_grant_limit_is_planned_times_one_plus_the_tolerance_to_the_grosz(planned, tolerance, limit):
    line = PlannedLine(1, "1", "x", D(planned), D(planned))
    assert grant_limit(line, D(tolerance)) == D(limit)
    assert grant_limit(line, D(tolerance)).as_tuple().exponent == -2


def test_line_actuals_of_the_worked_example():
    trainer, rent = line_actuals(terms(), OVER_THE_TOLERANCE)
    assert (trainer.line, trainer.total, trainer.grant, trainer.limit, trainer.excess) == (
        TRAINER, D("5000.00"), D("4700.00"), D("4400.00"), D("300.00"))
    assert trainer.by_source == {"grant": D("4700.00"), "own_financial": D("300.00")}
    assert (rent.total, rent.grant, rent.limit, rent.excess) == (D("5000.00"), D("3300.00"), D("4400.00"), D("0.00"))


def test_line_actuals_add_up_split_documents_and_keep_lines_without_costs():
    documents = [doc(1, (11, "grant", "100.10"), (12, "grant", "0.01"), (11, "beneficiary", "0.99")),
                 doc(2, (11, "grant", "0.90"), (11, "other_public", "10.00"))]
    trainer, rent = line_actuals(terms(), documents)
    assert trainer.by_source == {"grant": D("101.00"), "beneficiary": D("0.99"), "other_public": D("10.00")}
    assert trainer.total == D("111.99")
    assert rent.by_source == {"grant": D("0.01")}
    empty = line_actuals(terms(), [])
    assert [(a.total, a.grant, a.excess) for a in empty] == [(D("0.00"), D("0.00"), D("0.00"))] * 2


def test_line_actuals_eligible_only_leaves_out_documents_outside_the_period_and_marked_ineligible():
    documents = [doc(1, (11, "grant", "4000.00")),
                 doc(2, (11, "grant", "700.00"), paid_on="2026-10-01"),           # a day after the period
                 doc(3, (11, "grant", "50.00"), paid_on="2026-02-28"),            # a day before it
                 doc(4, (11, "grant", "60.00"), ineligible_reason="no proof of payment"),
                 doc(5, (11, "grant", "70.00"), paid_on=None)]
    assert line_actuals(terms(), documents)[0].grant == D("4880.00")
    assert line_actuals(terms(), documents, eligible_only=True)[0].grant == D("4000.00")
    # the first and the last day of the period count
    edges = [doc(1, (11, "grant", "1.00"), paid_on="2026-03-01"), doc(2, (11, "grant", "2.00"), paid_on="2026-09-30")]
    assert line_actuals(terms(), edges, eligible_only=True)[0].grant == D("3.00")


# --- the report's findings ------------------------------------------------------------------------------


def findings(documents, the_terms=None, *, received="8000.00", revenue=None):
    return report_findings(the_terms or terms(), documents, received=D(received), revenue=revenue or {})


def test_a_report_that_adds_up_has_no_findings():
    documents = [doc(1, (11, "grant", "4000.00"), (11, "own_financial", "1000.00")),
                 doc(2, (12, "grant", "4000.00"), (12, "beneficiary", "500.00")),
                 doc(3, (12, "in_kind", "500.00"), paid_on=None, financial=False, issued_on="2026-09-30")]
    assert findings(documents, revenue={"bank_interest_earned": D("5.00"), "bank_interest_spent": D("5.00")}) == []


def test_line_above_the_tolerance_is_flagged_at_its_line_with_the_excess_in_zloty():
    found = findings(OVER_THE_TOLERANCE)
    assert [f.key for f in found] == ["lines.11"]
    finding = found[0]
    assert not finding.blocking
    assert finding.text() == ("Line 1.1 “Trainer”: 4 700,00 zł from the grant, planned 4 000,00 zł + 10% = "
                              "4 400,00 zł; 300,00 zł above the tolerance is grant taken in excessive amount.")
    # exactly at the limit is compliant
    at_limit = [doc(1, (11, "grant", "4400.00"), (11, "own_financial", "600.00")),
                doc(2, (12, "grant", "3600.00"), (12, "own_financial", "1400.00"))]
    assert findings(at_limit) == []
    # a grosz above it is not
    a_grosz_over = [doc(1, (11, "grant", "4400.01"), (11, "own_financial", "599.99")),
                    doc(2, (12, "grant", "3599.99"), (12, "own_financial", "1400.01"))]
    assert "0,01 zł above the tolerance" in only(findings(a_grosz_over), "lines.11").text()


def test_document_charged_above_its_amount_is_blocking_with_the_difference():
    over = doc(3, (11, "grant", "600.00"), (12, "own_financial", "500.50"), amount="1000.00")
    finding = only(findings([over]), "documents.3")
    assert finding.blocking
    assert finding.text() == ("Document 3 (FV/3/2026): 1 100,50 zł charged to the cost lines, more than the "
                              "document's 1 000,00 zł by 100,50 zł.")
    # charging less than the whole document is allowed (the rest is not a cost of the task)
    assert at(findings([doc(3, (11, "grant", "600.00"), amount="1000.00")]), "documents.3") == []


def test_document_without_a_cost_line_and_with_an_unknown_line_are_blocking():
    found = findings([doc(1, amount="10.00"), doc(2, (99, "grant", "10.00"))])
    assert only(found, "documents.1").blocking
    assert only(found, "documents.1").text() == "Document 1 (FV/1/2026): charge it to at least one cost line."
    assert only(found, "documents.2").blocking
    assert only(found, "documents.2").text() == "Document 2 (FV/2/2026): a cost line is not in the contract."


def test_paid_document_without_a_payment_date_is_blocking():
    finding = only(findings([doc(4, (11, "grant", "10.00"), paid_on=None)]), "documents.4")
    assert finding.blocking
    assert finding.text() == "Document 4 (FV/4/2026): give the date it was paid."


def test_in_kind_statement_charged_to_a_financial_source_is_blocking():
    statement = doc(5, (11, "grant", "300.00"), paid_on=None, financial=False)
    finding = only(findings([statement]), "documents.5")
    assert finding.blocking
    assert "can only be a non-financial contribution" in finding.text()
    # and the other way round: a paid invoice cannot be volunteer work or an in-kind contribution
    finding = only(findings([doc(6, (11, "personal", "300.00"))]), "documents.6")
    assert finding.blocking
    assert finding.text() == "Document 6 (FV/6/2026): a paid document cannot be a non-financial contribution."
    # a statement needs no payment date
    assert findings([doc(7, (11, "personal", "300.00"), paid_on=None, financial=False)]) == []


def test_document_paid_outside_the_period_is_flagged_not_blocking_and_not_also_as_a_line_excess():
    documents = [doc(1, (11, "grant", "4000.00"), (11, "own_financial", "1000.00")),
                 doc(2, (11, "grant", "700.00"), paid_on="2026-10-01"),
                 doc(3, (12, "grant", "3300.00"), (12, "own_financial", "1000.00"))]
    found = findings(documents)
    finding = only(found, "documents.2")
    assert not finding.blocking
    assert finding.text() == ("Document 2 (FV/2/2026): paid on 01.10.2026, outside the period 01.03.2026–30.09.2026; "
                              "its 700,00 zł from the grant is not eligible.")
    # 4 700 is charged to line 1.1, but 700 of it is returned as ineligible: the eligible 4 000 is
    # within the tolerance, so the report does not announce a second return of 300 the settlement won't ask
    assert at(found, "lines.11") == []
    items, _computation = settle(terms(), documents)
    assert [(i.kind, i.amount) for i in items] == [("ineligible", D("700.00"))]


def test_grant_claimed_above_the_grant_is_blocking():
    documents = [doc(1, (11, "grant", "4400.00"), (11, "own_financial", "600.00")),
                 doc(2, (12, "grant", "4000.00"), (12, "own_financial", "1000.00"))]
    finding = only(findings(documents, received="8000.00"), "totals.grant")
    assert finding.blocking
    assert finding.text() == ("The documents charge 8 400,00 zł to the grant; the grant is 8 000,00 zł "
                              "(400,00 zł too much).")


def test_grant_claimed_above_what_was_paid_so_far_is_flagged_not_blocking():
    documents = [doc(1, (11, "grant", "4000.00"), (11, "own_financial", "1000.00")),
                 doc(2, (12, "grant", "4000.00"), (12, "own_financial", "1000.00"))]
    finding = only(findings(documents, received="5000.00"), "totals.received")
    assert not finding.blocking
    assert finding.text() == "The documents charge 8 000,00 zł to the grant; 5 000,00 zł has been paid so far."
    # nothing received yet: no comparison (the settlement has not started)
    assert at(findings(documents, received="0.00"), "totals.received") == []


@pytest.mark.parametrize("kind", ["bank_interest", "revenue"])
def test_spending_more_revenue_than_earned_is_blocking(kind):
    revenue = {f"{kind}_earned": D("120.00"), f"{kind}_spent": D("120.01")}
    finding = only(findings([], revenue=revenue), f"revenue.{kind}_spent")
    assert finding.blocking
    assert finding.text() == "More spent (120,01 zł) than earned (120,00 zł)."
    assert findings([], revenue={f"{kind}_earned": D("120.00"), f"{kind}_spent": D("120.00")}) == []


def test_own_contribution_fell_is_flagged_with_the_share_excess_the_settlement_returns():
    # agreed 8 000 / 10 000 = 80%. Actual: 6 000 from the grant, 500 own → 6 500 of costs, the grant
    # is 6 000 / 6 500 = 92.31%; allowed 6 500 × 80% = 5 200 → 800 of the grant is excessive.
    documents = [doc(1, (11, "grant", "4000.00"), (11, "own_financial", "200.00")),
                 doc(2, (12, "grant", "2000.00"), (12, "own_financial", "300.00"))]
    finding = only(findings(documents), "totals.share")
    assert not finding.blocking
    assert finding.params["now"] == "92.31" and finding.params["agreed"] == "80"  # as the reader writes numbers
    assert "(800,00 zł of the grant)" in finding.text()
    items, _computation = settle(terms(), documents)
    assert by_kind(items)["share_excess"][0].amount == D("800.00")


def test_findings_are_keyed_per_document_position_not_per_list_index():
    documents = [doc(7, (11, "grant", "1.00"), paid_on=None), doc(3, (11, "grant", "1.00"), amount="0.50")]
    keys = {f.key for f in findings(documents) if f.key.startswith("documents.")}
    assert keys == {"documents.7", "documents.3"}


# --- the deadline for returning the unused grant (u.f.p. art. 251) ---------------------------------------


@pytest.mark.parametrize(("end", "due"), [
    ("2026-06-30", "2026-07-15"),  # +15 is a Wednesday
    ("2026-10-02", "2026-10-19"),  # +15 is Saturday 17 October → Monday 19
    ("2026-10-03", "2026-10-19"),  # +15 is Sunday 18 October → Monday 19
    ("2026-10-27", "2026-11-12"),  # +15 is 11 November (Independence Day, a Wednesday) → Thursday 12
    ("2027-03-14", "2027-03-30"),  # +15 is Easter Monday 29 March 2027 → Tuesday 30
    ("2027-03-12", "2027-03-30"),  # +15 is Saturday 27 March, then Easter Sunday and Monday → Tuesday 30
    ("2026-12-09", "2026-12-28"),  # +15 is 24 December (a holiday since 2025), 25, 26 (Sat), 27 (Sun) → 28
    ("2026-04-16", "2026-05-04"),  # +15 is 1 May (Fri), 2 (Sat), 3 May (Sun, a holiday) → Monday 4
])
def test_term_of_use_shorter_than_the_budget_year_returns_within_15_days(end, due):
    the_terms = terms(expenditure_end=day(end), return_due=day("2027-12-31"))
    assert unused_return_due(the_terms) == (day(due), "u.f.p. art. 251 ust. 3")


def test_whole_budget_year_returns_by_31_january_moved_off_the_weekend():
    # 31 January 2027 is a Sunday → Monday 1 February 2027
    whole_year = terms(expenditure_start=day("2026-01-01"), expenditure_end=day("2026-12-31"),
                       return_due=day("2027-01-31"))
    assert unused_return_due(whole_year) == (day("2027-02-01"), "u.f.p. art. 251 ust. 1")
    # 31 January 2028 is a Monday: kept
    next_year = terms(expenditure_end=day("2027-12-31"), return_due=day("2028-01-31"))
    assert unused_return_due(next_year) == (day("2028-01-31"), "u.f.p. art. 251 ust. 1")
    # the statutory date may be given (e.g. when the law or a resolution sets another)
    assert unused_return_due(whole_year, statutory_january=day("2027-01-16")) == (
        day("2027-01-18"), "u.f.p. art. 251 ust. 1")  # Saturday 16 → Monday 18


def test_the_contract_may_set_an_earlier_deadline_but_never_a_later_one():
    # statutory 15 July 2026; the contract says 10 July → 10 July
    assert unused_return_due(terms(expenditure_end=day("2026-06-30"), return_due=day("2026-07-10")))[0] == (
        day("2026-07-10"))
    # the contract's Saturday 11 July moves to Monday 13 July, still before the statutory 15 July
    assert unused_return_due(terms(expenditure_end=day("2026-06-30"), return_due=day("2026-07-11")))[0] == (
        day("2026-07-13"))
    # the contract says 31 July: the statute wins
    assert unused_return_due(terms(expenditure_end=day("2026-06-30"), return_due=day("2026-07-31")))[0] == (
        day("2026-07-15"))
    # a whole-year contract saying 15 January 2027 (a Friday)
    assert unused_return_due(terms(expenditure_end=day("2026-12-31"), return_due=day("2027-01-15"))) == (
        day("2027-01-15"), "u.f.p. art. 251 ust. 1")


# --- the settlement (DOMAIN.md §10) --------------------------------------------------------------------


def test_worked_example_line_excess_300_due_15_days_after_it_is_established():
    items, computation = settle(terms(), OVER_THE_TOLERANCE, established_on="2026-10-27")
    assert len(items) == 1
    item = items[0]
    assert (item.kind, item.amount, item.line_id, item.basis) == (
        "line_excess", D("300.00"), 11, "u.f.p. art. 252 ust. 1 pkt 2")
    # established Tuesday 27 October 2026; +15 = Wednesday 11 November, Independence Day → Thursday 12;
    # excessive grant: interest from the day after the deadline (art. 252 ust. 5 pkt 2)
    assert item.due_on == day("2026-11-12")
    assert item.interest_from == day("2026-11-13")
    assert item.explanation["limit"] == D("4400.00") and item.explanation["actual"] == D("4700.00")
    assert item.explanation["planned"] == D("4000.00")
    # the excess returned, 7 700 of the grant against 10 000 of costs is within the agreed 80%
    assert computation["line_excess"] == D("300.00")
    assert computation["share_excess"] == D("0.00")
    assert computation["unused"] == D("0.00")
    assert computation["total_to_return"] == D("300.00")
    assert computation["lines"][0] == {"line": "1.1", "planned_grant": D("4000.00"), "limit": D("4400.00"),
                                       "actual_grant": D("4700.00"), "actual_total": D("5000.00"),
                                       "excess": D("300.00")}


def test_unused_grant_is_paid_minus_charged_and_due_per_art_251():
    # 8 000 paid, 4 000 + 3 200 charged → 800 unused; term ends 30 September (shorter than the
    # year) → 15 October 2026, a Thursday; interest from 16 October
    documents = [doc(1, (11, "grant", "4000.00"), (11, "own_financial", "1000.00")),
                 doc(2, (12, "grant", "3200.00"), (12, "own_financial", "1800.00"))]
    items, computation = settle(terms(), documents, payments=(("2026-03-02", "5000.00"), ("2026-06-01", "3000.00")))
    assert [(i.kind, i.amount, i.basis, i.due_on, i.interest_from) for i in items] == [
        ("unused", D("800.00"), "u.f.p. art. 251 ust. 3", day("2026-10-15"), day("2026-10-16"))]
    assert computation["received"] == D("8000.00")
    assert computation["charged_to_grant"] == D("7200.00")
    assert computation["payments"] == [{"on": day("2026-03-02"), "amount": D("5000.00")},
                                       {"on": day("2026-06-01"), "amount": D("3000.00")}]


def test_unused_grant_due_on_a_holiday_moves_the_interest_start():
    # the term ends 27 October: +15 is 11 November → due Thursday 12, interest from Friday 13
    the_terms = terms(expenditure_end=day("2026-10-27"), return_due=day("2026-12-31"))
    items, _computation = settle(the_terms, [doc(1, (11, "grant", "1000.00"), (11, "own_financial", "250.00"))])
    unused = by_kind(items)["unused"][0]
    assert (unused.amount, unused.due_on, unused.interest_from) == (D("7000.00"), day("2026-11-12"),
                                                                    day("2026-11-13"))


def test_share_excess_is_grant_used_minus_actual_total_times_the_agreed_share():
    # agreed 7 000 / 9 000 = 77.78%; actual 5 000 from the grant of 6 000 of costs:
    # allowed 6 000 × 7/9 = 4 666.666… → 4 666.67; excess 5 000 − 4 666.67 = 333.33.
    # Unused: 7 000 paid − 5 000 charged = 2 000.
    the_terms = terms(grant=D("7000.00"), total_cost=D("9000.00"))
    documents = [doc(1, (11, "grant", "3000.00"), (11, "own_financial", "600.00")),
                 doc(2, (12, "grant", "2000.00"), (12, "own_financial", "400.00"))]
    items, computation = settle(the_terms, documents, payments=(("2026-03-02", "7000.00"),))
    kinds = by_kind(items)
    share = kinds["share_excess"][0]
    assert share.amount == D("333.33")
    assert share.basis == "u.f.p. art. 252 ust. 1 pkt 2"
    assert (share.due_on, share.interest_from) == (day("2026-11-12"), day("2026-11-13"))
    assert share.explanation == {"grant_used": D("5000.00"), "actual_total": D("6000.00"), "agreed_share": D("77.78"),
                                 "allowed": D("4666.67"), "rule": "grant used − actual total × agreed share"}
    assert kinds["unused"][0].amount == D("2000.00")
    assert computation["agreed_share_pct"] == D("77.78")
    assert computation["total_to_return"] == D("2333.33")


def test_share_is_measured_after_the_line_excess_is_taken_out():
    # line 1.1: 4 700 from the grant (300 above 4 400); line 1.2: 1 000 from the grant; own 500.
    # Costs 6 200; allowed 6 200 × 80% = 4 960; grant after the line excess 5 400 → share excess 440.
    # Together 740 = 5 700 − 4 960: the 300 is not asked twice. Unused 8 000 − 5 700 = 2 300.
    documents = [doc(1, (11, "grant", "4700.00")), doc(2, (12, "grant", "1000.00"), (12, "own_financial", "500.00"))]
    items, computation = settle(terms(), documents)
    assert [(i.kind, i.amount) for i in items] == [("line_excess", D("300.00")), ("share_excess", D("440.00")),
                                                  ("unused", D("2300.00"))]
    assert computation["total_to_return"] == D("3040.00")
    assert "(440,00 zł of the grant)" in only(findings(documents), "totals.share").text()


def test_ineligible_is_misuse_with_interest_from_the_transfer_that_financed_it():
    documents = [
        doc(1, (11, "grant", "1000.00"), paid_on="2026-10-05"),                             # after the period
        doc(2, (12, "grant", "500.00"), ineligible_reason="catering outside the scope"),  # marked by the officer
        doc(3, (11, "grant", "400.00"), paid_on=None),                                     # never paid
        doc(4, (11, "grant", "2000.00"), (11, "own_financial", "500.00")),
        doc(5, (12, "own_financial", "100.00"), paid_on="2026-02-01"),                     # own money only
    ]
    # tranches given out of order; document 1 was paid after the second transfer, documents 2 and 3
    # (paid within the period before it, or never) from the first
    items, computation = settle(terms(), documents, payments=(("2026-06-01", "3000.00"), ("2026-03-02", "5000.00")))
    kinds = by_kind(items)
    first, second = kinds["ineligible"]
    assert first.amount + second.amount == D("1900.00")
    assert {first.basis, second.basis} == {"u.f.p. art. 252 ust. 1 pkt 1"}
    # the day of the financing transfer, art. 252 ust. 5 pkt 1
    assert (first.interest_from, first.amount) == (day("2026-03-02"), D("900.00"))
    assert (second.interest_from, second.amount) == (day("2026-06-01"), D("1000.00"))
    assert first.due_on == second.due_on == day("2026-11-12")
    assert [(d["no"], d["grant"], d["reason"]) for d in first.explanation["documents"]] == [
        (2, D("500.00"), "catering outside the scope"), (3, D("400.00"), "outside_period")]
    assert [(d["no"], d["grant"], d["reason"]) for d in second.explanation["documents"]] == [
        (1, D("1000.00"), "outside_period")]
    # 8 000 paid − 3 900 charged to the grant = 4 100 unused; the ineligible 1 900 is not in it
    assert kinds["unused"][0].amount == D("4100.00")
    # the share is measured on the eligible 2 500 of costs: 2 000 ≤ 2 500 × 80%
    assert computation["eligible_total"] == D("2500.00")
    assert "share_excess" not in kinds
    assert computation["total_to_return"] == D("6000.00")


def test_nothing_paid_nothing_asked_back():
    items, _computation = settle(terms(), [doc(1, (11, "grant", "10.00"), paid_on=None)], payments=())
    assert items == []  # nothing was paid, nothing can be asked back
    items, _computation = settle(terms(), [doc(1, (11, "own_financial", "10.00"))], payments=())
    assert items == []


def test_unspent_bank_interest_and_revenue_are_returned_with_the_unused_grant():
    revenue = {"bank_interest_earned": D("12.34"), "bank_interest_spent": D("2.34"),
               "revenue_earned": D("500.00"), "revenue_spent": D("500.00")}
    documents = [doc(1, (11, "grant", "4000.00"), (11, "own_financial", "1000.00")),
                 doc(2, (12, "grant", "4000.00"), (12, "own_financial", "1000.00"))]
    items, computation = settle(terms(), documents, revenue=revenue)
    assert [(i.kind, i.amount, i.due_on, i.interest_from) for i in items] == [
        ("bank_interest", D("10.00"), day("2026-10-15"), day("2026-10-16"))]
    assert items[0].explanation == {"earned": D("12.34"), "spent": D("2.34")}
    revenue = {"revenue_earned": D("300.00"), "revenue_spent": D("120.50"), "bank_interest_spent": D("1.00")}
    items, computation = settle(terms(), documents, revenue=revenue)
    assert [(i.kind, i.amount) for i in items] == [("revenue", D("179.50"))]  # overspent interest is not negative
    assert computation["total_to_return"] == D("179.50")


def test_nothing_charged_returns_everything_paid():
    items, computation = settle(terms(), [], payments=(("2026-03-02", "5000.00"), ("2026-07-01", "3000.00")))
    assert [(i.kind, i.amount) for i in items] == [("unused", D("8000.00"))]
    assert computation["eligible_total"] == D("0.00") and computation["share_excess"] == D("0.00")


def test_never_asks_back_more_than_was_paid_when_a_tranche_was_not_transferred():
    # 1 000 paid of a 10 000 grant; the documents charge 5 000 to it, all paid after the period.
    # 4 000 of it was never financed by the grant: only the 1 000 paid can be misused.
    the_terms = terms(grant=D("10000.00"), total_cost=D("12500.00"))
    documents = [doc(1, (11, "grant", "5000.00"), paid_on="2026-10-20")]
    items, computation = settle(the_terms, documents, payments=(("2026-03-02", "1000.00"),))
    assert [(i.kind, i.amount) for i in items] == [("ineligible", D("1000.00"))]
    assert items[0].explanation["found"] == D("5000.00") and items[0].explanation["not_paid_out"] == D("4000.00")
    assert computation["not_paid_out"] == D("4000.00")
    assert computation["total_to_return"] == D("1000.00")
    # 8 000 paid, 10 000 charged of which 500 ineligible: the 9 500 of eligible costs exceed what was
    # paid, so nothing is due (the authority may pay the last tranche less the 500 instead)
    documents = [doc(1, (11, "grant", "5000.00"), (11, "own_financial", "1250.00")),
                 doc(2, (12, "grant", "4500.00"), (12, "own_financial", "1125.00")),
                 doc(3, (12, "grant", "500.00"), (12, "own_financial", "125.00"), ineligible_reason="no contract")]
    the_terms = terms(grant=D("10000.00"), total_cost=D("12500.00"), lines=(
        PlannedLine(11, "1.1", "Trainer", D("6250.00"), D("5000.00")),
        PlannedLine(12, "1.2", "Rent", D("6250.00"), D("5000.00"))))
    items, computation = settle(the_terms, documents, payments=(("2026-03-02", "8000.00"),))
    assert items == []
    assert computation["ineligible"] == D("500.00") and computation["not_paid_out"] == D("2000.00")


def test_report_and_settlement_agree_on_every_excess():
    documents = OVER_THE_TOLERANCE + [doc(3, (12, "grant", "900.00"), paid_on="2026-12-01")]
    items, _computation = settle(terms(), documents, payments=(("2026-03-02", "8000.00"),))
    found = findings(documents)
    assert only(found, "lines.11").params["excess"] == "300,00 zł"
    assert [(i.kind, i.amount) for i in items if i.kind == "line_excess"] == [("line_excess", D("300.00"))]
    measured = excesses(terms(), documents)
    assert (measured.line_excess, measured.share_excess) == (D("300.00"), D("0.00"))


# --- properties ------------------------------------------------------------------------------------------

PERIOD_START, PERIOD_END = day("2026-03-01"), day("2026-09-30")
cents = st.integers(min_value=1, max_value=500_000).map(lambda c: (D(c) / 100).quantize(D("0.01")))
some_day = st.dates(min_value=day("2026-01-15"), max_value=day("2026-11-15"))
FINANCIAL = ("grant", "own_financial", "other_public", "beneficiary")
NON_FINANCIAL = ("personal", "in_kind")


@st.composite
def plans(draw):
    count = draw(st.integers(min_value=1, max_value=4))
    lines = []
    for index in range(count):
        grant_part = draw(cents)
        value = grant_part + draw(st.integers(min_value=0, max_value=100_000).map(lambda c: D(c).scaleb(-2)))
        lines.append(PlannedLine(index + 1, f"1.{index + 1}", f"line {index + 1}", value, grant_part))
    grant = sum((line.grant_part for line in lines), D("0.00"))
    total = sum((line.value for line in lines), D("0.00"))
    tolerance = draw(st.integers(min_value=0, max_value=10_000).map(lambda c: (D(c) / 100).quantize(D("0.01"))))
    return Terms(grant, total, tolerance, PERIOD_START, PERIOD_END, day("2026-10-15"), tuple(lines))


@st.composite
def documents_for(draw, the_terms: Terms):
    line_ids = [line.id for line in the_terms.lines]
    result = []
    for position in range(1, draw(st.integers(min_value=0, max_value=8)) + 1):
        financial = draw(st.booleans() | st.just(True))
        sources = FINANCIAL if financial else NON_FINANCIAL
        shares = tuple(Share(draw(st.sampled_from(line_ids)), draw(st.sampled_from(sources)), draw(cents))
                       for _ in range(draw(st.integers(min_value=1, max_value=3))))
        paid_on = draw(st.none() | some_day) if financial else None
        result.append(Document(position, position, f"D{position}", sum((s.amount for s in shares), D("0.00")),
                               draw(some_day), paid_on, shares,
                               draw(st.sampled_from(["", "", "", "outside the scope"])), financial))
    return result


@st.composite
def cases(draw):
    the_terms = draw(plans())
    documents = draw(documents_for(the_terms))
    payments = draw(st.lists(st.tuples(some_day, cents), max_size=3))
    revenue = {key: draw(st.sampled_from([D("0.00")]) | cents)
               for key in ("bank_interest_earned", "bank_interest_spent", "revenue_earned", "revenue_spent")}
    return the_terms, documents, payments, revenue


def walk(value):
    """Every leaf of the computation: dicts, lists and tuples opened."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from walk(key)
            yield from walk(inner)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            yield from walk(inner)
    else:
        yield value


PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(cases())
def test_the_parts_never_overlap_and_never_exceed_what_was_paid(case):
    the_terms, documents, payments, revenue = case
    items, computation = compute_settlement(the_terms, documents, payments=payments, revenue=revenue,
                                            established_on=day("2026-10-27"))
    received = sum((amount for _on, amount in payments), D("0.00"))
    revenue_left = sum((max(D("0.00"), revenue[f"{k}_earned"] - revenue[f"{k}_spent"])
                        for k in ("bank_interest", "revenue")), D("0.00"))
    grant_items = sum((i.amount for i in items if i.kind not in ("bank_interest", "revenue")), D("0.00"))
    assert grant_items <= received
    assert computation["total_to_return"] == sum((i.amount for i in items), D("0.00")) <= received + revenue_left
    # exactly what was paid less the grant used as the contract allows
    measured = excesses(the_terms, documents)
    properly_used = measured.eligible_grant - measured.line_excess - measured.share_excess
    assert grant_items == max(D("0.00"), received - properly_used)
    # one item per kind, one per line for the tolerance and one per financing transfer for misuse, each
    # positive, with a deadline and an interest start
    kinds = [i.kind for i in items if i.kind not in ("line_excess", "ineligible")]
    assert len(kinds) == len(set(kinds))
    transfers = [i.interest_from for i in items if i.kind == "ineligible"]
    assert len(transfers) == len(set(transfers))
    excess_lines = [i.line_id for i in items if i.kind == "line_excess"]
    assert len(excess_lines) == len(set(excess_lines))
    for item in items:
        assert item.amount > 0
        if item.kind == "ineligible":
            # the day of a transfer (art. 252 ust. 5 pkt 1): the one that financed the documents
            assert item.interest_from in {on for on, _amount in payments}
            assert item.interest_from == item.explanation["transfer"]
        else:
            assert item.interest_from == item.due_on + dt.timedelta(days=1)


@PROPERTIES
@given(cases())
def test_every_amount_is_a_decimal_to_the_grosz_and_nothing_is_a_float(case):
    the_terms, documents, payments, revenue = case
    items, computation = compute_settlement(the_terms, documents, payments=payments, revenue=revenue,
                                            established_on=day("2026-10-27"))
    leaves = list(walk(computation)) + [leaf for item in items for leaf in walk(item.explanation)]
    assert not any(isinstance(leaf, float) for leaf in leaves)
    for leaf in leaves:
        if isinstance(leaf, Decimal):
            assert leaf.as_tuple().exponent == -2, leaf
    for item in items:
        assert isinstance(item.amount, Decimal) and item.amount.as_tuple().exponent == -2
    for finding in report_findings(the_terms, documents, received=computation["received"], revenue=revenue):
        assert not any(isinstance(leaf, float) for leaf in walk(finding.params))


def counts(document: Document) -> bool:
    """Cash basis: a paid document counts on the day it was paid, a statement on the day it was issued."""
    when = document.paid_on if document.financial else document.issued_on
    return not document.ineligible_reason and when is not None and PERIOD_START <= when <= PERIOD_END


@PROPERTIES
@given(cases())
def test_line_actuals_add_up_to_the_documents_to_the_grosz(case):
    the_terms, documents, _payments, _revenue = case
    for eligible_only in (False, True):
        actuals = line_actuals(the_terms, documents, eligible_only=eligible_only)
        counted = [d for d in documents if not eligible_only or counts(d)]
        shares = [s for d in counted for s in d.shares]
        assert sum((a.total for a in actuals), D("0.00")) == sum((s.amount for s in shares), D("0.00"))
        assert sum((a.grant for a in actuals), D("0.00")) == sum(
            (s.amount for s in shares if s.source == "grant"), D("0.00"))
        for actual in actuals:
            assert actual.total == sum(actual.by_source.values(), D("0.00"))
            assert actual.excess == max(D("0.00"), actual.grant - actual.limit)
            assert actual.total.as_tuple().exponent == actual.excess.as_tuple().exponent == -2


@PROPERTIES
@given(cases())
def test_the_report_announces_exactly_the_excesses_the_settlement_returns(case):
    the_terms, documents, payments, revenue = case
    received = sum((amount for _on, amount in payments), D("0.00"))
    claimed = sum((s.amount for d in documents for s in d.shares if s.source == "grant"), D("0.00"))
    items, _computation = compute_settlement(the_terms, documents, payments=payments, revenue=revenue,
                                             established_on=day("2026-10-27"))
    found = report_findings(the_terms, documents, received=received, revenue=revenue)
    flagged = {int(f.key.split(".")[1]): f.params["excess"] for f in found if f.key.startswith("lines.")}
    measured = {a.line.id: a.excess for a in excesses(the_terms, documents).actuals if a.excess}
    assert flagged == {line_id: f"{excess:,.2f}".replace(",", " ").replace(".", ",") + " zł"
                       for line_id, excess in measured.items()}
    if claimed <= received:  # nothing reduced by an unpaid tranche: the settlement returns what was announced
        assert {i.line_id: i.amount for i in items if i.kind == "line_excess"} == measured
        share = [f for f in found if f.key == "totals.share"]
        returned = [i.amount for i in items if i.kind == "share_excess"]
        assert len(share) == len(returned)
    assert all(not f.blocking for f in found if f.key.startswith(("lines.", "totals.share", "totals.received")))


def test_an_in_kind_statement_outside_the_period_is_flagged_not_silently_dropped():
    terms = Terms(grant=Decimal("1000.00"), total_cost=Decimal("2000.00"), tolerance_pct=Decimal("10"),
                       expenditure_start=dt.date(2027, 3, 1), expenditure_end=dt.date(2027, 6, 30),
                       return_due=dt.date(2027, 7, 15),
                       lines=(PlannedLine(1, "I.1.1", "Sala", Decimal("2000.00"), Decimal("1000.00")),))
    statement = Document(1, 1, "OŚW 1", Decimal("300.00"), dt.date(2027, 8, 2), None,
                              (Share(1, "in_kind", Decimal("300.00")),), financial=False)
    findings = report_findings(terms, [statement], received=Decimal("1000.00"), revenue={})
    flagged = [f for f in findings if f.key == "documents.1"]
    assert len(flagged) == 1 and not flagged[0].blocking
    assert "02.08.2027" in flagged[0].text() and "own contribution" in flagged[0].text()
