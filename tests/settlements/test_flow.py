"""From an awarded offer to a closed settlement, through the services as people do it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from settlements import services
from settlements.models import (
    ContractState,
    ReportKind,
    ReportState,
    ReturnKind,
    SettlementState,
)
from workflow.audit import audit_events_for, verify_chains
from workflow.calendar import WARSAW

from .builders import awarded_contract, interest_table

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WARSAW)


def test_awarded_offer_to_closed_settlement(authority, officer, approver, finance):
    interest_table()
    built = awarded_contract(authority, officer, approver, finance)
    contract = built.contract
    assert contract.state == ContractState.ACTIVE
    assert contract.grant == Decimal("40000.00")
    assert contract.snapshot_sha256
    lines = list(contract.lines.all())
    assert lines
    end = contract.task_end
    with mock.patch("django.utils.timezone.now", return_value=at(end + dt.timedelta(days=1))):
        counts = services.check_deadlines()
    assert counts["ended"] == 1
    contract.refresh_from_db()
    assert contract.state == ContractState.IMPLEMENTATION_ENDED
    report = contract.reports.get(kind=ReportKind.FINAL)
    assert report.due_on >= end + dt.timedelta(days=30)

    ngo = built.ngo
    sections = contract.terms["sections"]
    indicators = sections["results"]["indicators"]
    actions = sections["schedule"]["actions"]
    services.report_save_section(report=report, actor=ngo, key="results", base_revision=0, data={
        "description": "Zrealizowano.", "indicators": [{"achieved": "100%"} for _ in indicators]})
    services.report_save_section(report=report, actor=ngo, key="actions", base_revision=0, data={
        "actions": [{"performed": "Zrobione w terminie"} for _ in actions]})
    services.report_save_section(report=report, actor=ngo, key="declarations", base_revision=0, data={
        "status_unchanged": True, "information_true": True, "procurement_followed": True})
    paid_on = contract.expenditure_start + dt.timedelta(days=10)
    first = min(lines, key=lambda line: line.grant_part)  # the smallest line: 120% of it stays within the grant
    # the first line takes 20% more from the grant than planned: above the 10% tolerance
    over = (first.grant_part * Decimal("1.2")).quantize(Decimal("0.01"))
    services.document_save(report=report, actor=ngo, data={
        "number": "FV 1/2027", "kind": "invoice", "issued_on": paid_on.isoformat(), "paid_on": paid_on.isoformat(),
        "amount": str(over), "shares": [{"line": first.pk, "source": "grant", "amount": str(over)}]})
    view = services.report_read(report)
    assert not view.blocking, [f.text() for f in view.blocking]
    flagged = view.findings_at(f"lines.{first.pk}")
    assert flagged and "above the tolerance" in flagged[0].text()
    with mock.patch("django.utils.timezone.now", return_value=at(end + dt.timedelta(days=5))):
        report = services.report_submit(report, actor=ngo)
    assert report.state == ReportState.SUBMITTED
    contract.refresh_from_db()
    assert contract.state == ContractState.SETTLING
    report = services.report_accept(report, actor=finance, note="Bez uwag")
    settlement = contract.settlement
    settlement = services.settlement_compute(settlement, actor=finance)
    kinds = {item.kind: item.amount for item in settlement.items.all()}
    limit = (first.grant_part * Decimal("1.1")).quantize(Decimal("0.01"))
    assert kinds[ReturnKind.LINE_EXCESS] == over - limit
    assert kinds[ReturnKind.UNUSED] == Decimal("40000.00") - over
    settlement = services.settlement_conclude(settlement, actor=finance)
    assert settlement.state == SettlementState.RETURN_DUE
    for item in settlement.items.all():
        late = item.due_on + dt.timedelta(days=40)
        with mock.patch("django.utils.timezone.now", return_value=at(late)):
            payment = services.return_record(item=item, actor=finance, paid_on=late.isoformat(),
                                             amount=str(item.amount))
            if payment.interest_charged:
                rest = payment.interest_charged - payment.to_interest + (item.amount - payment.to_principal)
                services.return_record(item=item, actor=finance, paid_on=late.isoformat(), amount=str(rest))
    settlement.refresh_from_db()
    contract.refresh_from_db()
    assert settlement.state == SettlementState.CLOSED
    assert contract.state == ContractState.PERFORMED
    actions = [e.action for e in audit_events_for(contract)]
    assert "settlements.contract.perform" in actions
    assert not [b for b in verify_chains() if not isinstance(b, int)]
