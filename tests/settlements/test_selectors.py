"""Who sees which contract, report and settlement (an NGO never another's: invisible is 404), the
money annotations to the grosz, the balances of returns with interest to date, and the finance
officer's dashboard in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from competitions.models import AuthorityRole
from settlements import selectors, services
from settlements.models import (
    Annex,
    Contract,
    ContractState,
    Report,
    ReportKind,
    ReportState,
    ReturnItem,
    Settlement,
    SettlementState,
    Tranche,
)
from workflow.errors import NotFound

from ..factories import AuthorityFactory, representative, staff
from .builders import interest_table
from .test_services import START, fill_report, invoice, pinned_clock, quick_contract

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")


@pytest.fixture
def clock():
    yield from pinned_clock()


def settled(authority, officer, finance, clock, *, tranches=None):
    """A contract whose final report is accepted and whose settlement asks 28 000,00 zł back
    (the grant may be spent until Friday 22 October 2027: the return is due on Monday 8 November)."""
    terms = {"task_end": "2027-10-22", "expenditure_end": "2027-10-22"}
    if tranches:
        terms.update({"payment_mode": "tranches", "tranches": tranches})
    quick = quick_contract(authority, officer, finance, terms=terms)
    line, admin = quick.contract.lines.order_by("position")
    clock.to(dt.date(2027, 10, 23))
    services.contract_end(quick.contract)
    report = fill_report(quick.contract.reports.get(), quick.ngo, documents=[
        invoice("FV 1", dt.date(2027, 6, 1), [(admin, "grant", "2000.00"), (line, "own_financial", "4000.00")])])
    services.report_accept(services.report_submit(report, actor=quick.ngo), actor=officer)
    settlement = services.settlement_compute(Settlement.objects.get(contract=quick.contract), actor=finance)
    settlement = services.settlement_conclude(settlement, actor=finance)
    return quick, settlement


# --- visibility -------------------------------------------------------------------------------------------


def test_an_organisation_sees_its_own_and_nobody_else_sees_what_is_not_theirs(
        authority, officer, approver, finance, clock, stranger, other_ngo_user):
    quick, settlement = settled(authority, officer, finance, clock)
    contract, report = quick.contract, quick.contract.reports.get()
    item = settlement.items.get()
    tranche = contract.tranches.get()
    annex = Annex.objects.create(contract=contract, number=1, reason="Zmiana", changes={}, before={}, sha256="0" * 64,
                                 proposed_by=officer)
    editor = representative(contract.organization, "editor")
    elsewhere = AuthorityFactory()
    outsiders = [other_ngo_user, stranger, AnonymousUser(), None,
                 *(staff(elsewhere, role) for role in AuthorityRole.values)]
    getters = [(selectors.contract_get, contract), (selectors.report_get, report),
               (selectors.settlement_get, settlement), (selectors.annex_get, annex),
               (selectors.tranche_get, tranche), (selectors.return_item_get, item)]
    for user in (quick.ngo, editor, officer, approver, finance):
        for get, obj in getters:
            assert get(user=user, pk=obj.pk).pk == obj.pk
        assert list(selectors.contract_list(user=user)) == [contract]
        assert list(selectors.report_list(user=user)) == [report]
        assert list(selectors.settlement_list(user=user)) == [settlement]
    for user in outsiders:
        for get, obj in getters:
            with pytest.raises(NotFound):
                get(user=user, pk=obj.pk)
        assert not selectors.contract_list(user=user).exists()
        assert not selectors.report_list(user=user).exists()
        assert not selectors.settlement_list(user=user).exists()
    for nonsense in ("x", None, 10**12):
        with pytest.raises(NotFound):
            selectors.contract_get(user=officer, pk=nonsense)
    # a document is reached only through its report
    clock.to(START)
    other, _ = settled(authority, officer, finance, clock)
    with pytest.raises(NotFound):
        selectors.document_get(user=quick.ngo, report=report, pk=other.contract.reports.get().documents.get().pk)
    assert selectors.document_get(user=quick.ngo, report=report, pk=report.documents.get().pk)
    assert selectors.is_ngo_of(quick.ngo, contract) and not selectors.is_ngo_of(other_ngo_user, contract)
    assert selectors.is_staff_of(finance, contract, AuthorityRole.FINANCE)
    assert not selectors.is_staff_of(finance, contract, AuthorityRole.OFFICER)


def test_a_representative_of_two_organisations_sees_both_and_only_both(authority, officer, finance, clock):
    first = quick_contract(authority, officer, finance)
    second = quick_contract(authority, officer, finance)
    third = quick_contract(authority, officer, finance)
    both = representative(first.contract.organization, "admin")
    from offers.models import Representation
    from offers.services import _grant

    Representation.objects.create(organization=second.contract.organization, user=both, role="editor")
    _grant(second.contract.organization, both, "editor")
    assert set(selectors.contract_list(user=both)) == {first.contract, second.contract}
    with pytest.raises(NotFound):
        selectors.contract_get(user=both, pk=third.contract.pk)
    assert list(selectors.contract_list(user=both, state=ContractState.DRAFTED)) == []


# --- money ----------------------------------------------------------------------------------------------------


def test_the_money_of_each_contract_is_exact_to_the_grosz(authority, officer, finance, clock):
    interest_table()
    quick, settlement = settled(authority, officer, finance, clock, tranches=[
        {"due_on": "2027-02-01", "amount": "20000.01"}, {"due_on": "2027-02-01", "amount": "9999.99"}])
    item = settlement.items.get()
    assert (item.amount, item.due_on, item.interest_from) == (Decimal("28000.00"), dt.date(2027, 11, 8),
                                                              dt.date(2027, 11, 9))
    unpaid = quick_contract(authority, officer, finance, pay=False).contract
    clock.to(dt.date(2027, 11, 8))
    services.return_record(item=item, actor=finance, paid_on="2027-11-08", amount="10000.00")
    clock.to(dt.date(2027, 11, 15))
    services.return_record(item=item, actor=finance, paid_on="2027-11-15", amount="18000.00")

    rows = {c.pk: c for c in selectors.contract_list(user=finance)}
    money = rows[quick.contract.pk]
    assert (money.paid, money.to_return, money.returned, money.interest_charged, money.interest_paid) == (
        Decimal("30000.00"), Decimal("28000.00"), Decimal("27962.08"), Decimal("38.00"), Decimal("37.92"))
    assert (rows[unpaid.pk].paid, rows[unpaid.pk].to_return, rows[unpaid.pk].returned) == (ZERO, ZERO, ZERO)
    one = selectors.contract_get(user=quick.ngo, pk=quick.contract.pk)
    assert (one.paid, one.returned, one.interest_charged) == (Decimal("30000.00"), Decimal("27962.08"),
                                                              Decimal("38.00"))

    dashboard = selectors.finance_dashboard(user=finance, authority=authority)
    assert dashboard["money"] == {
        "grant": Decimal("60000.00"), "paid": Decimal("30000.00"), "returned": Decimal("27962.08"),
        "to_return": Decimal("28000.00"), "interest_charged": Decimal("38.00"), "interest_paid": Decimal("37.92"),
        "outstanding": Decimal("38.00")}


def test_the_balance_of_a_return_shows_the_interest_if_paid_on_a_given_day(authority, officer, finance, clock):
    quick, settlement = settled(authority, officer, finance, clock)
    (balance,) = selectors.item_balances(settlement, as_of=dt.date(2027, 11, 18))
    assert balance.interest_to_date == ZERO  # no rate table yet: unknown, shown as zero
    interest_table()
    (on_time,) = selectors.item_balances(settlement, as_of=dt.date(2027, 11, 8))
    assert (on_time.principal_outstanding, on_time.interest_to_date, on_time.outstanding) == (
        Decimal("28000.00"), ZERO, Decimal("28000.00"))
    # 9–18 November: 10 days at 11.00%: 28 000 × 11% × 10 / 365 = 84.38 → 84 zł
    (late,) = selectors.item_balances(settlement, as_of=dt.date(2027, 11, 18))
    assert late.interest_to_date == Decimal("84.00")
    clock.to(dt.date(2027, 11, 15))
    services.return_record(item=late.item, actor=finance, paid_on="2027-11-15", amount="20000.00")
    (after,) = selectors.item_balances(settlement, as_of=dt.date(2027, 11, 25))
    payment = late.item.payments.get()
    # 28 000 × 11% × 7 / 365 = 59.07 → 59 zł charged on 15 November, booked in proportion
    assert (payment.interest_charged, payment.to_interest) == (Decimal("59.00"), Decimal("42.05"))
    assert after.principal_paid == Decimal("19957.95")
    assert (after.principal_outstanding, after.interest_outstanding) == (Decimal("8042.05"), Decimal("16.95"))
    assert after.last_payment_on == dt.date(2027, 11, 15)
    # then from 16 November on what is still due: 8 042.05 × 11% × 10 / 365 = 24.24 → 24 zł
    assert after.interest_to_date == Decimal("24.00")
    assert selectors.item_balance(ReturnItem.objects.get(pk=late.item.pk)).principal_outstanding == Decimal("8042.05")


# --- the finance officer's dashboard ----------------------------------------------------------------------------


def _portfolio(authority, officer, finance, n: int) -> list[Contract]:
    """`n` contracts in performance, each with a tranche still to pay, a partial report in each state
    the dashboard lists, and an open settlement."""
    contracts = []
    for _ in range(n):
        quick = quick_contract(authority, officer, finance, terms={"payment_mode": "tranches", "tranches": [
            {"due_on": "2027-02-01", "amount": "20000.00"}, {"due_on": "2027-07-01", "amount": "10000.00"}]})
        contract = quick.contract
        for state in (ReportState.REQUESTED, ReportState.OVERDUE, ReportState.SUBMITTED):
            Report.objects.create(contract=contract, kind=ReportKind.PARTIAL, period_start=dt.date(2027, 3, 1),
                                  period_end=dt.date(2027, 3, 31), requested_on=START, due_on=dt.date(2027, 5, 4),
                                  state=state)
        settlement = Settlement.objects.create(contract=contract, state=SettlementState.RETURN_DUE)
        ReturnItem.objects.create(settlement=settlement, kind="unused", basis="u.f.p. art. 251 ust. 3",
                                  amount=Decimal("100.00"), due_on=dt.date(2027, 12, 30),
                                  interest_from=dt.date(2027, 12, 31))
        contracts.append(contract)
    return contracts


def _read(dashboard) -> list:
    """What the page shows of each row (names, numbers), so that a missing join would show as queries."""
    return ([(t.contract.number, t.contract.organization.name) for t in dashboard["tranches_due"]]
            + [(r.contract.number, r.contract.organization.name) for key in ("reports_due", "reports_overdue",
                                                                             "to_verify") for r in dashboard[key]]
            + [(s.contract.number, s.contract.organization.name) for s in dashboard["settlements"]])


def test_the_dashboard_lists_what_is_due_in_a_fixed_number_of_queries(authority, officer, finance, clock):
    one = _portfolio(authority, officer, finance, 1)
    with CaptureQueriesContext(connection) as small:
        dashboard = selectors.finance_dashboard(user=finance, authority=authority)
        _read(dashboard)
    assert dashboard["by_state"] == {ContractState.ACTIVE: 1}
    assert [(t.contract_id, t.number) for t in dashboard["tranches_due"]] == [(one[0].pk, 2)]
    assert [r.state for r in dashboard["reports_due"]] == [ReportState.REQUESTED]
    assert [r.state for r in dashboard["reports_overdue"]] == [ReportState.OVERDUE]
    assert [r.state for r in dashboard["to_verify"]] == [ReportState.SUBMITTED]
    assert [s.contract_id for s in dashboard["settlements"]] == [one[0].pk]
    assert dashboard["money"]["outstanding"] == Decimal("100.00")

    _portfolio(authority, officer, finance, 9)
    # another authority's contracts are not this dashboard's business
    elsewhere = AuthorityFactory()
    _portfolio(elsewhere, staff(elsewhere, AuthorityRole.OFFICER), staff(elsewhere, AuthorityRole.FINANCE), 1)
    with CaptureQueriesContext(connection) as large:
        dashboard = selectors.finance_dashboard(user=finance, authority=authority)
        shown = _read(dashboard)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(shown) == 10 * 5
    assert dashboard["by_state"] == {ContractState.ACTIVE: 10}
    assert dashboard["money"]["grant"] == Decimal("300000.00")
    assert dashboard["money"]["paid"] == Decimal("200000.00")
    assert dashboard["money"]["outstanding"] == Decimal("1000.00")
    # a closed settlement and a paid tranche leave the lists
    Settlement.objects.filter(contract__authority=authority).update(state=SettlementState.CLOSED)
    Tranche.objects.filter(contract__authority=authority).update(paid_on=START, paid_amount=F("amount"))
    dashboard = selectors.finance_dashboard(user=finance, authority=authority)
    assert dashboard["settlements"] == [] and dashboard["tranches_due"] == []


def test_the_list_of_contracts_makes_the_same_queries_for_1_and_10(authority, officer, finance, clock):
    _portfolio(authority, officer, finance, 1)

    def read() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = [(c.number, c.organization.name, c.paid, c.to_return, c.award.offer.competition.reference,
                     c.settlement.state) for c in selectors.contract_list(user=finance)]
        assert rows
        return len(queries.captured_queries)

    small = read()
    _portfolio(authority, officer, finance, 9)
    assert read() == small
