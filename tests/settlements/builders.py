"""Contracts built for the settlement tests: from a scored competition through the services, as
people would do it (every step audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from evaluation import services as evaluation_services
from evaluation.models import AwardState
from offers.models import RepresentationRole
from settlements import services
from settlements.models import Contract, InterestRate, InterestRule

from ..evaluation.builders import scored_competition
from ..factories import representative


@dataclass
class Contracted:
    contract: Contract
    officer: Any
    approver: Any
    finance: Any
    ngo: Any
    scored: Any


def interest_table() -> None:
    """The rates of DOMAIN.md §10 (the 2025 ones computed from the lombard cuts [GK])."""
    for day, rate in ((dt.date(2023, 10, 5), "14.50"), (dt.date(2025, 5, 8), "13.50"), (dt.date(2025, 7, 3), "13.00"),
                      (dt.date(2025, 9, 4), "12.50"), (dt.date(2025, 10, 9), "12.00"), (dt.date(2025, 11, 6), "11.50"),
                      (dt.date(2025, 12, 4), "11.00")):
        InterestRate.objects.get_or_create(effective_from=day, defaults={"rate": Decimal(rate)})
    InterestRule.objects.get_or_create(effective_from=dt.date(2014, 2, 1))


def sign_all(contract: Contract, officer, ngo, *, on: dt.date | None = None) -> Contract:
    on = on or timezone.localdate()
    for party in contract.representatives:
        actor = ngo if party["key"] == "organization" else officer
        services.signature_record(contract=contract, actor=actor, party_key=party["key"], signer="Jan Podpisujący",
                                  signed_on=on)
    return services.contract_sign(contract, actor=officer, signed_on=on)


def awarded_contract(authority, officer, approver, finance, *, sign: bool = True, pay: bool = True,
                     tranches: list[tuple[dt.date, str]] | None = None, **terms: Any) -> Contracted:
    """Fundacja Beta's offer, awarded the 40 000 zł it asked for, drafted into a contract (and,
    by default, signed by everyone and paid in one sum)."""
    scored = scored_competition(authority, officer, approver)
    evaluation_services.evaluation_resolve(scored.evaluation, actor=approver, decision_reference="Zarządzenie 9/2027")
    beta = scored.offers[1]
    award = beta.award
    award.refresh_from_db()
    assert award.state == AwardState.READY_FOR_CONTRACT
    ngo = representative(beta.organization, RepresentationRole.SIGNATORY, username="beta-prezes",
                         first_name="Beata", last_name="Prezes")
    contract = services.contract_draft(award=award, actor=officer)
    data: dict[str, Any] = dict(terms)
    if tranches is not None:
        data["tranches"] = [{"due_on": day.isoformat(), "amount": amount} for day, amount in tranches]
        data["payment_mode"] = "tranches" if len(tranches) > 1 else "one_sum"
    if data:
        contract = services.contract_update_terms(contract, actor=officer, data=data)
    if sign:
        contract = sign_all(contract, officer, ngo)
        if pay:
            for tranche in contract.tranches.all():
                services.tranche_record_payment(tranche, actor=finance, paid_on=timezone.localdate(),
                                                amount=str(tranche.amount))
    contract.refresh_from_db()
    return Contracted(contract, officer, approver, finance, ngo, scored)
