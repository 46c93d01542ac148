"""Contracts, reports and settlements written straight into the database, for the tests of the
imports, the PDF and the ledger (which only read them).

Rows are created with Model.objects.create. A state other than the default is set with
QuerySet.update() — only here, in tests of code that reads the rows: the transitions (and
their guards) are tested through the services in test_flow.py, and walking each of thirty
contracts through signing, payment, reports and settlement would test them again, slowly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from evaluation.models import Award
from settlements.models import (
    Contract,
    ContractLine,
    DocumentShare,
    FinancialDocument,
    Report,
    ReportKind,
    ReportState,
    ReturnItem,
    ReturnPayment,
    Settlement,
    SettlementState,
    Tranche,
)

from ..factories import OfferFactory, OrganizationFactory, TaskAreaFactory, UserFactory

D = Decimal


def contract_row(authority, *, area=None, organization=None, user=None, number: str | None = None,
                 grant: str = "40000.00", total_cost: str = "50000.00",
                 lines: list[tuple[str, str, str, str]] | None = None,
                 tranches: list[tuple[dt.date, str, dt.date | None, str | None]] | None = None,
                 **fields: Any) -> Contract:
    """A drafted contract of `authority` for a new offer in `area`, with its cost lines
    (label, name, value, grant part) and tranches (due on, amount, paid on, paid amount)."""
    from ..factories import CompetitionFactory

    if area is None:
        area = TaskAreaFactory(competition=CompetitionFactory(authority=authority, published=True, with_areas=False))
    organization = organization or OrganizationFactory()
    user = user or UserFactory()
    offer = OfferFactory(task_area=area, competition=area.competition, organization=organization, created_by=user,
                         content=False)
    award = Award.objects.create(offer=offer, proposed_amount=D(grant), decided_amount=D(grant))
    values: dict[str, Any] = {
        "title": "Centrum wsparcia organizacji pozarządowych", "form": area.form, "place": "Dąbrowa Górnicza",
        "task_start": dt.date(2027, 3, 1), "task_end": dt.date(2027, 12, 15),
        "expenditure_start": dt.date(2027, 3, 1), "expenditure_end": dt.date(2027, 12, 15),
        "grant": D(grant), "total_cost": D(total_cost), "own_financial": D(total_cost) - D(grant),
        "bank_account": organization.bank_account, "tolerance_pct": D("10.00"), "return_due": dt.date(2027, 12, 30),
        "representatives": [
            {"key": "organization", "party": "organization", "name": organization.name,
             "representatives": [{"name": "Anna Nowak", "function": "Prezes Zarządu"}]},
            {"key": "authority", "party": "authority", "name": authority.name,
             "representatives": [{"name": authority.organ, "function": ""}]},
        ],
        "created_by": user,
    }
    values.update(fields)
    contract = Contract.objects.create(award=award, authority=authority, organization=organization,
                                       number=number or f"U/{offer.pk}/2027", **values)
    for position, (label, name, value, grant_part) in enumerate(
            lines if lines is not None else [("I.1", "Wynagrodzenie doradcy", "45000.00", "38000.00"),
                                            ("II.1", "Koordynacja", "5000.00", "2000.00")], start=1):
        ContractLine.objects.create(contract=contract, position=position, label=label, group=label.split(".")[0],
                                    name=name, value=D(value), grant_part=D(grant_part))
    for number_, (due_on, amount, paid_on, paid_amount) in enumerate(
            tranches if tranches is not None else [(dt.date(2027, 3, 10), grant, None, None)], start=1):
        Tranche.objects.create(contract=contract, number=number_, due_on=due_on, amount=D(amount), paid_on=paid_on,
                               paid_amount=D(paid_amount) if paid_amount is not None else None,
                               recorded_by=user if paid_on else None)
    return contract


def set_state(model, pk: int, state: str) -> None:
    """Test-only: put a row in a state without its transition (see the module's docstring)."""
    model.objects.filter(pk=pk).update(state=state)


def report_row(contract: Contract, *, kind: str = ReportKind.FINAL, state: str = ReportState.SUBMITTED,
               submitted_at: dt.datetime | None = None,
               documents: list[tuple[str, list[tuple[str, str, str]]]] = ()) -> Report:
    """A report with its documents: (amount, [(line label, source, share amount)])."""
    from django.utils import timezone

    report = Report.objects.create(contract=contract, kind=kind, period_start=contract.task_start,
                                   period_end=contract.task_end, requested_on=contract.task_end,
                                   due_on=contract.task_end + dt.timedelta(days=30),
                                   submitted_at=submitted_at or timezone.now())
    set_state(Report, report.pk, state)
    lines = {line.label: line for line in contract.lines.all()}
    for position, (amount, shares) in enumerate(documents, start=1):
        document = FinancialDocument.objects.create(
            report=report, position=position, number=f"FV/{position}/2027", kind="invoice", issuer="Dostawca",
            issued_on=dt.date(2027, 4, 1), paid_on=dt.date(2027, 4, 5), amount=D(amount),
            created_by=contract.created_by)
        for label, source, share in shares:
            DocumentShare.objects.create(document=document, line=lines[label], source=source, amount=D(share))
    return report


def settlement_row(contract: Contract, *, items: list[tuple[str, str, list[tuple[str, str, str]]]] = (),
                   state: str = SettlementState.RETURN_DUE) -> Settlement:
    """A settlement with return items (kind, amount, payments) and their payments
    (to principal, to interest, interest charged)."""
    settlement = Settlement.objects.create(contract=contract)
    set_state(Settlement, settlement.pk, state)
    for kind, amount, payments in items:
        item = ReturnItem.objects.create(settlement=settlement, kind=kind, basis="u.f.p. art. 251", amount=D(amount),
                                         due_on=dt.date(2028, 1, 31), interest_from=dt.date(2028, 2, 1))
        for to_principal, to_interest, charged in payments:
            ReturnPayment.objects.create(item=item, paid_on=dt.date(2028, 2, 20),
                                         amount=D(to_principal) + D(to_interest), to_principal=D(to_principal),
                                         to_interest=D(to_interest), interest_charged=D(charged),
                                         recorded_by=contract.created_by)
    return settlement
