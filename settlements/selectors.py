"""The queries that read contracts, reports and settlements: who sees what (hard rule 1: an
NGO never sees another's; invisible is 404), the finance officer's dashboard and the balances of
returns — each list shaped to a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from competitions.models import Authority, AuthorityRole
from offers.selectors import organizations_for_user
from workflow.errors import NotFound
from workflow.permissions import has_object_perm

from . import calculation as calc
from .models import (
    Annex,
    Contract,
    ContractState,
    FinancialDocument,
    Report,
    ReportState,
    ReturnItem,
    ReturnPayment,
    Settlement,
    SettlementState,
    Tranche,
)

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def _sum(queryset, group: str, field: str):
    """Σ field over `queryset` (filtered on OuterRef), as a subquery grouped by its link to the row."""
    return Coalesce(Subquery(queryset.order_by().values(group).annotate(s=Sum(field)).values("s")[:1]),
                    Value(ZERO), output_field=MONEY_FIELD)


def staff_authorities(user) -> QuerySet[Authority]:
    from guardian.shortcuts import get_objects_for_user

    if user is None or not user.is_authenticated:
        return Authority.objects.none()
    return get_objects_for_user(user, ["competitions.act_as_officer", "competitions.act_as_approver",
                                       "competitions.act_as_finance"], Authority, any_perm=True,
                                accept_global_perms=False)


def _visible_contracts(user) -> QuerySet[Contract]:
    if user is None or not user.is_authenticated:
        return Contract.objects.none()
    organizations = organizations_for_user(user=user)
    return Contract.objects.filter(Q(authority__in=staff_authorities(user)) | Q(organization__in=organizations))


def contracts_with_money(queryset: QuerySet[Contract]) -> QuerySet[Contract]:
    """Each contract with its paid, returned and outstanding amounts, as annotations (no N+1)."""
    paid = Tranche.objects.filter(contract=OuterRef("pk"), paid_on__isnull=False)
    returned = ReturnPayment.objects.filter(item__settlement__contract=OuterRef("pk"))
    items = ReturnItem.objects.filter(settlement__contract=OuterRef("pk"))
    via = "item__settlement__contract"
    return queryset.annotate(
        paid=_sum(paid, "contract", "paid_amount"), returned=_sum(returned, via, "to_principal"),
        interest_charged=_sum(returned, via, "interest_charged"), interest_paid=_sum(returned, via, "to_interest"),
        to_return=_sum(items, "settlement__contract", "amount"),
    ).annotate(
        # still to return, with the interest charged and not yet paid
        outstanding=F("to_return") - F("returned") + F("interest_charged") - F("interest_paid"),
    ).select_related("organization", "authority", "award__offer__competition", "award__offer__task_area",
                     "settlement")


def contract_list(*, user, state: str = "", authority=None, competition=None) -> QuerySet[Contract]:
    queryset = _visible_contracts(user)
    if state:
        queryset = queryset.filter(state=state)
    if authority is not None:
        queryset = queryset.filter(authority=authority)
    if competition is not None:
        queryset = queryset.filter(award__offer__competition=competition)
    return contracts_with_money(queryset).order_by("-created_at", "-pk")


def awards_ready_for_contract(*, user, competition=None):
    """The awards ready for a contract that has not been drafted, in the authorities where the user
    is a competition officer."""
    from competitions.selectors import authorities_for_user
    from evaluation.models import Award, AwardState

    queryset = (Award.objects.filter(state=AwardState.READY_FOR_CONTRACT, contract__isnull=True,
                                     offer__competition__authority__in=authorities_for_user(
                                         user=user, role=AuthorityRole.OFFICER))
                .select_related("offer__organization", "offer__competition", "offer__task_area")
                .order_by("offer__competition_id", "pk"))
    if competition is not None:
        queryset = queryset.filter(offer__competition=competition)
    return queryset


def award_for_contract(*, user, pk):
    """An award seen by the staff of its authority (anyone else: 404)."""
    from evaluation.models import Award

    try:
        award = Award.objects.select_related("offer__competition__authority", "offer__organization").get(pk=int(pk))
    except (Award.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    from competitions.models import has_role

    if not any(has_role(user, award.offer.competition.authority, role) for role in AuthorityRole.values):
        raise NotFound()
    return award


def contract_get(*, user, pk) -> Contract:
    try:
        return contracts_with_money(_visible_contracts(user)).get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def is_staff_of(user, contract: Contract, *roles: str) -> bool:
    from competitions.models import has_role

    roles = roles or tuple(AuthorityRole.values)
    return any(has_role(user, contract.authority, role) for role in roles)


def staff_authority_get(*, user, pk) -> Authority:
    """An authority where the user holds a role (anyone else: 404)."""
    try:
        return staff_authorities(user).get(pk=pk)
    except (Authority.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def is_ngo_of(user, contract: Contract) -> bool:
    return has_object_perm(user, "view_organization", contract.organization)


def report_list(*, user, contract: Contract | None = None, state: str = "") -> QuerySet[Report]:
    queryset = Report.objects.filter(contract__in=_visible_contracts(user))
    if contract is not None:
        queryset = queryset.filter(contract=contract)
    if state:
        queryset = queryset.filter(state=state)
    return queryset.select_related("contract__organization", "contract__authority").order_by("due_on", "pk")


def report_get(*, user, pk) -> Report:
    try:
        return report_list(user=user).get(pk=pk)
    except (Report.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def document_get(*, user, report: Report, pk) -> FinancialDocument:
    try:
        return report.documents.get(pk=pk)
    except (FinancialDocument.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def annex_get(*, user, pk) -> Annex:
    try:
        return Annex.objects.select_related("contract__organization", "contract__authority").get(
            pk=pk, contract__in=_visible_contracts(user))
    except (Annex.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def settlement_list(*, user, state: str = "") -> QuerySet[Settlement]:
    queryset = Settlement.objects.filter(contract__in=_visible_contracts(user))
    if state:
        queryset = queryset.filter(state=state)
    return queryset.select_related("contract__organization", "contract__authority").order_by("-pk")


def settlement_get(*, user, pk) -> Settlement:
    try:
        return settlement_list(user=user).get(pk=pk)
    except (Settlement.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def tranche_get(*, user, pk) -> Tranche:
    try:
        return Tranche.objects.select_related("contract__authority", "contract__organization").get(
            pk=pk, contract__in=_visible_contracts(user))
    except (Tranche.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def return_item_get(*, user, pk) -> ReturnItem:
    try:
        return ReturnItem.objects.select_related("settlement__contract__authority").get(
            pk=pk, settlement__contract__in=_visible_contracts(user))
    except (ReturnItem.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


# --- balances of returns ---------------------------------------------------------------------------------


@dataclass
class Balance:
    item: ReturnItem
    principal_paid: Decimal
    interest_charged: Decimal
    interest_paid: Decimal
    last_payment_on: dt.date | None
    interest_to_date: Decimal = ZERO

    @property
    def principal_outstanding(self) -> Decimal:
        return self.item.amount - self.principal_paid

    @property
    def interest_outstanding(self) -> Decimal:
        return self.interest_charged - self.interest_paid

    @property
    def outstanding(self) -> Decimal:
        return self.principal_outstanding + self.interest_outstanding


def _balance(item: ReturnItem, payments: list[ReturnPayment]) -> Balance:
    return Balance(item, sum((p.to_principal for p in payments), ZERO),
                   sum((p.interest_charged for p in payments), ZERO), sum((p.to_interest for p in payments), ZERO),
                   max((p.paid_on for p in payments), default=None))


def item_balance(item: ReturnItem) -> Balance:
    return _balance(item, list(item.payments.all()))


def item_balances(settlement: Settlement, *, as_of: dt.date | None = None) -> list[Balance]:
    """Each return item with what was paid and what is outstanding (two queries); with `as_of`,
    also the interest that would be due if paid on that day."""
    items = list(settlement.items.select_related("line").prefetch_related("payments").order_by("pk"))
    balances = [_balance(item, list(item.payments.all())) for item in items]
    if as_of is not None:
        from .services import rates_and_rules

        rates, rules = rates_and_rules(as_of)
        for balance in balances:
            start = balance.item.interest_from
            if balance.last_payment_on:
                start = max(start, balance.last_payment_on + dt.timedelta(days=1))
            if balance.principal_outstanding and rates and as_of >= start:
                try:
                    balance.interest_to_date, _w = calc.interest(balance.principal_outstanding, start, as_of, rates,
                                                                 rules)
                except Exception:  # noqa: BLE001 — no rate in force yet: shown as unknown (zero)
                    balance.interest_to_date = ZERO
    return balances


# --- the finance officer's dashboard -------------------------------------------------------------------------


def finance_dashboard(*, user, authority: Authority, today: dt.date | None = None) -> dict:
    """Contracts, tranches due, reports due and overdue, returns outstanding, interest — a fixed
    number of queries, whatever the number of contracts."""
    today = today or timezone.localdate()
    contracts = Contract.objects.filter(authority=authority)
    tranches_due = (Tranche.objects.filter(contract__in=contracts, paid_on__isnull=True,
                                           contract__state__in=[ContractState.SIGNED, ContractState.ACTIVE])
                    .select_related("contract__organization").order_by("due_on", "pk"))
    reports = (Report.objects.filter(contract__in=contracts)
               .select_related("contract__organization").order_by("due_on", "pk"))
    reports_due = reports.filter(state=ReportState.REQUESTED)
    reports_overdue = reports.filter(state=ReportState.OVERDUE)
    to_verify = reports.filter(state__in=[ReportState.SUBMITTED, ReportState.NEEDS_CLARIFICATION])
    settlements = (Settlement.objects.filter(contract__in=contracts)
                   .exclude(state__in=[SettlementState.CLOSED])
                   .select_related("contract__organization").order_by("pk"))
    by_state = {row["state"]: row["n"] for row in contracts.values("state").annotate(n=Count("pk"))}
    # summed on the rows themselves: an aggregate over the subquery annotations of contracts_with_money
    # fails on PostgreSQL ("column paid does not exist") and sums to zero on SQLite
    def total(field: str):
        return Coalesce(Sum(field), Value(ZERO), output_field=MONEY_FIELD)

    money = {
        **contracts.aggregate(grant=total("grant")),
        **Tranche.objects.filter(contract__in=contracts, paid_on__isnull=False).aggregate(paid=total("paid_amount")),
        **ReturnPayment.objects.filter(item__settlement__contract__in=contracts).aggregate(
            returned=total("to_principal"), interest_charged=total("interest_charged"),
            interest_paid=total("to_interest")),
        **ReturnItem.objects.filter(settlement__contract__in=contracts).aggregate(to_return=total("amount")),
    }
    money["outstanding"] = (money["to_return"] - money["returned"] + money["interest_charged"]
                            - money["interest_paid"])
    return {
        "today": today, "by_state": by_state, "money": money,
        "tranches_due": list(tranches_due[:200]),
        "reports_due": list(reports_due[:200]), "reports_overdue": list(reports_overdue[:200]),
        "to_verify": list(to_verify[:200]), "settlements": list(settlements[:200]),
    }

