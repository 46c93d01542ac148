"""The finance ledger (settlements/exports.py), read back cell by cell with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from settlements.exports import ledger_filename, ledger_xlsx
from settlements.models import ContractState, ReportKind, ReportState, ReturnKind

from ..factories import AuthorityFactory, CompetitionFactory, TaskAreaFactory
from .factories_docs import contract_row, report_row, set_state, settlement_row

pytestmark = pytest.mark.django_db

D = Decimal
HEADERS = ["Contract no.", "Organisation", "Competition", "Task", "State", "Grant", "Paid", "Used", "Used per",
           "Returned", "Interest charged", "Interest paid", "Outstanding"]
MONEY_COLUMNS = {"grant": 5, "paid": 6, "used": 7, "returned": 9, "interest_charged": 10, "interest_paid": 11,
                 "outstanding": 12}


def read(data: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(data))
    return [tuple(row) for row in workbook.worksheets[0].iter_rows()]


def values(row) -> list:
    return [cell.value for cell in row]


def money(row, name: str) -> Decimal:
    cell = row[MONEY_COLUMNS[name]]
    assert isinstance(cell.value, int | float), f"{name} is {cell.value!r}, not a number"
    assert cell.number_format == '#,##0.00 "zł"'
    return D(str(cell.value)).quantize(D("0.01"))


def figures(row) -> dict[str, Decimal]:
    return {name: money(row, name) for name in MONEY_COLUMNS}


def at(day: int) -> dt.datetime:
    return dt.datetime(2028, 1, day, 12, tzinfo=dt.UTC)


@pytest.fixture
def ledger(authority):
    """Two competitions of the authority — the first with two tasks — and a contract in each
    task; a contract of another authority that must not show."""
    first = CompetitionFactory(authority=authority, published=True, with_areas=False, reference="BOP.1.2027",
                               title="Konkurs pierwszy")
    second = CompetitionFactory(authority=authority, published=True, with_areas=False, reference="BOP.2.2027",
                                title="Konkurs drugi")
    a1 = TaskAreaFactory(competition=first, number=1, name="Kultura")
    a2 = TaskAreaFactory(competition=first, number=2, name="Sport")
    b1 = TaskAreaFactory(competition=second, number=1, name="Zdrowie")

    # accepted final report: it counts, not the later partial one; a return partly paid with interest
    c1 = contract_row(authority, area=a1, number="U/1", grant="40000.00",
                      tranches=[(dt.date(2027, 3, 1), "20000.00", dt.date(2027, 3, 2), "20000.00"),
                                (dt.date(2027, 7, 1), "20000.00", dt.date(2027, 7, 2), "20000.00")])
    set_state(type(c1), c1.pk, ContractState.SETTLING)
    report_row(c1, kind=ReportKind.FINAL, state=ReportState.ACCEPTED, submitted_at=at(5),
               documents=[("31000.00", [("I.1", "grant", "30000.00"), ("I.1", "own_financial", "1000.00")]),
                          ("5000.00", [("II.1", "grant", "5000.00")])])
    report_row(c1, kind=ReportKind.PARTIAL, state=ReportState.SUBMITTED, submitted_at=at(20),
               documents=[("777.00", [("I.1", "grant", "777.00")])])
    settlement_row(c1, items=[(ReturnKind.UNUSED, "5000.00", [("3000.00", "9.00", "12.00")]),
                              (ReturnKind.LINE_EXCESS, "250.55", [])])

    # no final report accepted: the latest submitted one counts, not an older accepted partial nor a rejected one
    c2 = contract_row(authority, area=a2, number="U/2", grant="10000.50",
                      tranches=[(dt.date(2027, 3, 1), "10000.50", dt.date(2027, 3, 3), "10000.50")])
    report_row(c2, kind=ReportKind.PARTIAL, state=ReportState.ACCEPTED, submitted_at=at(1),
               documents=[("2000.00", [("I.1", "grant", "2000.00")])])
    report_row(c2, kind=ReportKind.FINAL, state=ReportState.NEEDS_CLARIFICATION, submitted_at=at(2),
               documents=[("9000.25", [("I.1", "grant", "8000.25"), ("II.1", "grant", "1000.00")])])
    # (a rejected report stays out even when it is the latest; rows are test data, the constraint allows
    # one final report per contract, so this one is partial)
    report_row(c2, kind=ReportKind.PARTIAL, state=ReportState.REJECTED, submitted_at=at(3),
               documents=[("99999.00", [("I.1", "grant", "99999.00")])])

    # nothing paid, no report
    c3 = contract_row(authority, area=b1, number="U/3", grant="5000.00")

    other = AuthorityFactory()
    contract_row(other, number="X/1", grant="123.00")
    return {"first": first, "second": second, "a1": a1, "a2": a2, "b1": b1, "contracts": (c1, c2, c3)}


def test_one_row_per_contract_with_its_figures(authority, ledger):
    rows = read(ledger_xlsx(authority=authority))
    assert "Finance ledger of grants" in rows[0][0].value and authority.name in rows[0][0].value
    assert "accepted final report" in rows[2][0].value
    header = next(i for i, row in enumerate(rows) if row[0].value == "Contract no.")
    assert values(rows[header]) == HEADERS
    body = rows[header + 1: header + 4]
    assert [row[0].value for row in body] == ["U/1", "U/2", "U/3"]
    u1, u2, u3 = body
    c1 = ledger["contracts"][0]
    assert u1[1].value == c1.organization.name
    assert u1[2].value == "BOP.1.2027 — Konkurs pierwszy"
    assert u1[3].value == "1. Kultura"
    assert u1[4].value == "being settled"
    assert u1[8].value == "final report, accepted"
    assert figures(u1) == {"grant": D("40000.00"), "paid": D("40000.00"), "used": D("35000.00"),
                           "returned": D("3000.00"), "interest_charged": D("12.00"), "interest_paid": D("9.00"),
                           "outstanding": D("2253.55")}  # 5 250,55 − 3 000 + 12 − 9
    assert u2[8].value == "final report, clarification requested"
    assert figures(u2) == {"grant": D("10000.50"), "paid": D("10000.50"), "used": D("9000.25"),
                           "returned": D("0.00"), "interest_charged": D("0.00"), "interest_paid": D("0.00"),
                           "outstanding": D("0.00")}
    assert u3[4].value == "drafted" and u3[8].value == "no report yet"
    assert figures(u3)["paid"] == D("0.00") and figures(u3)["used"] == D("0.00")
    assert all(row[0].value != "X/1" for row in rows)


def test_totals_per_competition_task_and_grand_total(authority, ledger):
    rows = read(ledger_xlsx(authority=authority))
    labels = [row[0].value for row in rows]
    per_competition = labels.index("Totals per competition")
    per_task = labels.index("Totals per task")
    grand = next(row for row in rows if row[0].value == "Grand total")

    first, second = rows[per_competition + 1], rows[per_competition + 2]
    assert (first[0].value, first[2].value) == ("contracts: 2", "BOP.1.2027 — Konkurs pierwszy")
    assert figures(first) == {"grant": D("50000.50"), "paid": D("50000.50"), "used": D("44000.25"),
                              "returned": D("3000.00"), "interest_charged": D("12.00"), "interest_paid": D("9.00"),
                              "outstanding": D("2253.55")}
    assert (second[0].value, second[2].value) == ("contracts: 1", "BOP.2.2027 — Konkurs drugi")
    assert figures(second)["grant"] == D("5000.00")

    tasks = rows[per_task + 1: per_task + 4]
    assert [(row[2].value, row[3].value) for row in tasks] == [
        ("BOP.1.2027 — Konkurs pierwszy", "1. Kultura"), ("BOP.1.2027 — Konkurs pierwszy", "2. Sport"),
        ("BOP.2.2027 — Konkurs drugi", "1. Zdrowie")]
    assert [figures(row)["used"] for row in tasks] == [D("35000.00"), D("9000.25"), D("0.00")]

    assert grand[1].value == "contracts: 3"
    assert figures(grand) == {"grant": D("55000.50"), "paid": D("50000.50"), "used": D("44000.25"),
                              "returned": D("3000.00"), "interest_charged": D("12.00"), "interest_paid": D("9.00"),
                              "outstanding": D("2253.55")}


def test_one_competition(authority, ledger):
    rows = read(ledger_xlsx(authority=authority, competition=ledger["second"]))
    assert "BOP.2.2027" in rows[0][0].value
    numbers = [row[0].value for row in rows]
    assert "U/3" in numbers and "U/1" not in numbers and "U/2" not in numbers
    grand = next(row for row in rows if row[0].value == "Grand total")
    assert figures(grand)["grant"] == D("5000.00")


def test_an_authority_without_contracts(authority):
    rows = read(ledger_xlsx(authority=authority))
    grand = next(row for row in rows if row[0].value == "Grand total")
    assert grand[1].value == "contracts: 0"
    assert figures(grand) == dict.fromkeys(MONEY_COLUMNS, D("0.00"))


def test_names_are_never_formulas(authority):
    contract_row(authority, number="=HYPERLINK(\"http://x\")", grant="1.00")
    rows = read(ledger_xlsx(authority=authority))
    cell = next(row[0] for row in rows if str(row[0].value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"


def test_filename(authority, ledger):
    assert ledger_filename(authority=authority, today=dt.date(2028, 2, 1)) == f"ledger-{authority.slug}-2028-02-01.xlsx"
    assert ledger_filename(authority=authority, competition=ledger["first"], today=dt.date(2028, 2, 1)) == \
        "ledger-bop12027-2028-02-01.xlsx"


def _contracts(authority, count: int) -> None:
    competition = CompetitionFactory(authority=authority, published=True, with_areas=False)
    areas = [TaskAreaFactory(competition=competition, number=n) for n in (1, 2)]
    for index in range(count):
        contract = contract_row(authority, area=areas[index % 2], number=f"Q/{index}",
                                tranches=[(dt.date(2027, 3, 1), "40000.00", dt.date(2027, 3, 1), "40000.00")])
        report_row(contract, state=ReportState.ACCEPTED, documents=[("100.00", [("I.1", "grant", "100.00")])])
        settlement_row(contract, items=[(ReturnKind.UNUSED, "39900.00", [("100.00", "0.00", "0.00")])])


@pytest.mark.parametrize("count", [1, 30])
def test_the_number_of_queries_does_not_grow_with_the_contracts(authority, count, django_assert_max_num_queries):
    _contracts(authority, count)
    with django_assert_max_num_queries(1):
        data = ledger_xlsx(authority=authority)
    rows = read(data)
    grand = next(row for row in rows if row[0].value == "Grand total")
    assert grand[1].value == f"contracts: {count}"
    assert figures(grand)["outstanding"] == D("39800.00") * count
    assert figures(grand)["used"] == D("100.00") * count
