"""The guards of the settlement machines, each explaining itself (workflow.guards).

They are called through models._guard_call so that the models stay free of queries. A guard
returns a list of Refusals; one carrying params["errors"] is reported at its fields (400).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.calendar import deadline_in_days
from workflow.errors import Refusal

from .calculation import day as _date
from .calculation import fmt


def required_parties(contract) -> list[dict]:
    """Who signs: the organisation, every co-offeror of a joint offer, the authority, and the
    treasurer's countersignature where the contract names one."""
    return [party for party in contract.representatives if party.get("signs", True)]


def terms_problems(contract, tranches=None) -> dict[str, list[str]]:
    """The contract's terms, checked at their fields (u.f.p. art. 221 ust. 3)."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message, **params):
        errors.setdefault(key, []).append(str(message).format(**params) if params else str(message))

    if contract.task_start > contract.task_end:
        add("task_end", _("The task ends before it starts."))
    if contract.expenditure_start > contract.expenditure_end:
        add("expenditure_end", _("The period for spending the grant ends before it starts."))
    tranches = list(contract.tranches.all()) if tranches is None else tranches
    last_year = max((t.due_on.year for t in tranches), default=contract.expenditure_start.year)
    if contract.expenditure_end > dt.date(last_year, 12, 31):
        # u.f.p. art. 221 ust. 3 pkt 3: the grant is used by 31 December of the budget year
        add("expenditure_end", _("The grant must be spent by 31 December {year}, the budget year of its last "
                                 "tranche (u.f.p. art. 221 ust. 3)."), year=last_year)
    if contract.expenditure_end < contract.expenditure_start or contract.expenditure_end < contract.task_start:
        add("expenditure_end", _("The grant cannot be spent only before the task starts."))
    if not contract.bank_account:
        add("bank_account", _("Give the organisation's bank account."))
    if not tranches:
        add("tranches", _("Plan at least one payment."))
    total = sum((t.amount for t in tranches), Decimal("0.00"))
    if tranches and total != contract.grant:
        add("tranches", _("The payments add up to {total}, not to the grant {grant} (difference {diff})."),
            total=fmt(total), grant=fmt(contract.grant), diff=fmt(abs(total - contract.grant)))
    for index, tranche in enumerate(tranches):
        if tranche.due_on > contract.expenditure_end:
            add(f"tranches.{index}.due_on", _("Payment {no} falls after the grant may be spent ({date})."),
                no=index + 1, date=_date(contract.expenditure_end))
    if contract.payment_mode == "one_sum" and len(tranches) > 1:
        add("payment_mode", _("Payment in one sum has one payment; choose tranches."))
    if contract.return_due < contract.expenditure_end:
        add("return_due", _("The unused grant cannot be due before the period of spending ends."))
    return errors


def sign_problems(contract) -> list[Refusal]:
    problems: list[Refusal] = []
    errors = terms_problems(contract)
    if errors:
        problems.append(Refusal("terms_incomplete", _("The contract's terms have {count} problem(s)."),
                                {"count": sum(len(v) for v in errors.values()), "errors": errors}))
    signed = set(contract.signatures.filter(annex__isnull=True).values_list("party_key", flat=True))
    missing = [p["name"] for p in required_parties(contract) if p["key"] not in signed]
    if missing:
        # art. 16: written form; every party, every co-offeror of a joint offer, signs
        problems.append(Refusal("signatures_missing", _("Not yet signed by: {names}."), {"names": ", ".join(missing)}))
    return problems


def activate_problems(contract) -> list[Refusal]:
    if not contract.tranches.filter(paid_on__isnull=False).exists():
        return [Refusal("nothing_paid", _("Performance starts with the first payment; record it first."))]
    return []


def end_problems(contract) -> list[Refusal]:
    if timezone.localdate() <= contract.task_end:
        return [Refusal("task_running", _("The task runs until {date}."), {"date": _date(contract.task_end)})]
    return []


def perform_problems(contract) -> list[Refusal]:
    from .models import ReportKind, ReportState, SettlementState

    problems = []
    final = contract.reports.filter(kind=ReportKind.FINAL).first()
    if final is None or final.state != ReportState.ACCEPTED:
        # the model contract: the contract is performed when the final report is accepted
        problems.append(Refusal("final_report_not_accepted", _("The final report has not been accepted.")))
    settlement = getattr(contract, "settlement", None)
    if settlement is None or settlement.state != SettlementState.CLOSED:
        problems.append(Refusal("settlement_open", _("The settlement is not closed.")))
    return problems


def annex_sign_problems(annex) -> list[Refusal]:
    from .models import ContractState

    if annex.contract.state not in (ContractState.SIGNED, ContractState.ACTIVE):
        return [Refusal("contract_not_running", _("An annex can change a contract only while it is in force."))]
    return []


def report_submit_problems(report) -> list[Refusal]:
    from .services import report_read

    # the page that just read the report for its form asks the guards on the same row: reuse that reading
    # (a transition locks a fresh row, which never carries one)
    view = getattr(report, "_read_view", None) or report_read(report)
    errors: dict[str, list[str]] = {}
    for finding in view.blocking:
        errors.setdefault(finding.key, []).append(finding.text())
    if errors:
        return [Refusal("report_incomplete", _("The report has {count} problem(s) to fix."),
                        {"count": sum(len(v) for v in errors.values()), "errors": errors})]
    return []


def report_answer_problems(report) -> list[Refusal]:
    problems = report_submit_problems(report)
    pending = report.clarifications.filter(answered_at__isnull=True).first()
    if pending is None or not pending.answer.strip():
        problems.append(Refusal("no_answer", _("Write the answer to the request for clarification."),
                                {"errors": {"answer": [str(_("Write the answer to the request for clarification."))]}}))
    return problems


def report_accept_problems(report) -> list[Refusal]:
    if report.clarifications.filter(answered_at__isnull=True).exists():
        return [Refusal("clarification_open", _("A request for clarification is still unanswered."))]
    return []


def partial_due_problem(requested_on: dt.date, due_on: dt.date) -> str | None:
    # art. 18 ust. 3: a partial report is due no earlier than 30 days from the call's delivery
    earliest = deadline_in_days(requested_on, 30)
    if due_on < earliest:
        return str(_("A partial report may be due on {date} at the earliest (30 days from the call, art. 18 ust. 3)."
                     )).format(date=_date(earliest))
    return None


def compute_problems(settlement) -> list[Refusal]:
    from .models import ContractState, ReportKind, ReportState

    contract = settlement.contract
    final = contract.reports.filter(kind=ReportKind.FINAL).first()
    if final is not None and final.state in (ReportState.SUBMITTED, ReportState.NEEDS_CLARIFICATION):
        return [Refusal("final_report_not_verified", _("The final report has not been accepted or rejected yet."))]
    if contract.state == ContractState.TERMINATED:
        return []
    if final is None or final.state not in (ReportState.ACCEPTED, ReportState.REJECTED):
        return [Refusal("final_report_not_verified", _("The final report has not been accepted or rejected yet."))]
    return []


def close_nothing_due_problems(settlement) -> list[Refusal]:
    if settlement.items.exists():
        return [Refusal("returns_due", _("{count} amount(s) are to be returned; send the notice of return."),
                        {"count": settlement.items.count()})]
    return []


def notify_return_problems(settlement) -> list[Refusal]:
    if not settlement.items.exists():
        return [Refusal("nothing_due", _("Nothing is to be returned; close the settlement."))]
    return []


def overdue_problems(settlement) -> list[Refusal]:
    from .selectors import item_balances

    today = timezone.localdate()
    late = [b for b in item_balances(settlement) if b.outstanding and b.item.due_on < today]
    if not late:
        return [Refusal("not_overdue", _("No return is past its deadline."))]
    return []


def paid_problems(settlement) -> list[Refusal]:
    from .selectors import item_balances

    left = [b for b in item_balances(settlement) if b.outstanding]
    if left:
        total = sum((b.outstanding for b in left), Decimal("0.00"))
        return [Refusal("returns_outstanding", _("{total} is still to be returned."), {"total": fmt(total)})]
    return []
