"""The verbs of contracts, reports and settlement. Each runs in one transaction; state changes go
through workflow.services.transition; every amount, signature, payment and computation is in
the audit trail with its inputs (hard rule 10)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from competitions.models import Authority, AuthorityRole, has_role
from evaluation.models import Award, AwardState
from offers.form import parse_date, parse_decimal, parse_index, without_nul
from offers.identifiers import clean_bank_account
from offers.models import Representation, RepresentationRole
from offers.services import snapshot_hash
from workflow.audit import audit_record, canonical
from workflow.calendar import deadline_in_days, format_local, next_working_day
from workflow.errors import EditConflict, Forbidden, InvalidData, NotFound, WrongState
from workflow.notifications import notify
from workflow.permissions import has_object_perm
from workflow.services import require_permission, transition

from . import calculation as calc
from .calculation import day as _date
from .guards import partial_due_problem, required_parties, terms_problems
from .models import (
    NON_FINANCIAL_SOURCES,
    Annex,
    AnnexState,
    Clarification,
    Contract,
    ContractLine,
    ContractState,
    DocumentKind,
    DocumentShare,
    FinancialDocument,
    InterestRate,
    InterestRule,
    Party,
    PaymentMode,
    Report,
    ReportKind,
    ReportSection,
    ReportState,
    ReturnItem,
    ReturnKind,
    ReturnPayment,
    Settlement,
    SettlementState,
    Signature,
    Source,
    TerminationGround,
    Tranche,
)

ZERO = Decimal("0.00")
REPORT_DAYS = 30  # art. 18 ust. 1: the final report within 30 days of the task's end
REMINDER_DAYS = 7
REPORT_SECTIONS = ("results", "actions", "revenue", "other", "declarations")
REPORT_EDITABLE = (ReportState.REQUESTED, ReportState.OVERDUE, ReportState.NEEDS_CLARIFICATION)
DECLARATIONS = ("status_unchanged", "information_true", "procurement_followed")
MAX_SECTION_BYTES = 200_000
MAX_DOCUMENTS = 5000
MAX_SHARES = 50



def _require(role_ok: bool) -> None:
    if not role_ok:
        raise Forbidden()


def _ngo_recipients(contract: Contract):
    reps = Representation.objects.filter(
        organization=contract.organization, is_active=True,
        role__in=[RepresentationRole.ADMIN, RepresentationRole.SIGNATORY, RepresentationRole.EDITOR],
    ).select_related("user")
    return [rep.user for rep in reps]


def _staff_recipients(contract: Contract, role: str):
    from django.contrib.auth import get_user_model

    group = contract.authority.role_group(role)
    return list(get_user_model().objects.filter(groups=group, is_active=True))


def _link(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except Exception:  # noqa: BLE001 — a link is a courtesy; the pages may be mounted elsewhere
        return ""


def _notify_ngo(contract: Contract, key: str, subject: str, body: str, link: str = "") -> None:
    notify(key=key, recipients=_ngo_recipients(contract), subject=subject, body=body,
           link=link or _link("settlements:contract", contract.pk))


def _money_field(errors: dict, key: str, value: Any, *, required: bool = True, positive: bool = False):
    amount, error = parse_decimal(value)
    if error:
        errors.setdefault(key, []).append(str(error))
    elif amount is None and required:
        errors.setdefault(key, []).append(_("Enter an amount."))
    elif amount is not None and (amount < 0 or (positive and amount == 0)):
        errors.setdefault(key, []).append(_("The amount must be more than zero.") if positive
                                          else _("The amount cannot be negative."))
    return amount


EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def _date_field(errors: dict, key: str, value: Any, *, required: bool = True):
    if isinstance(value, dt.date):
        day, error = value, None
    else:
        day, error = parse_date(value)
    if error:
        errors.setdefault(key, []).append(str(error))
    elif day is None and required:
        errors.setdefault(key, []).append(_("Give the date."))
    elif day is not None and not EARLIEST <= day <= LATEST:
        errors.setdefault(key, []).append(_("Give a date between {first} and {last}.").format(
            first=_date(EARLIEST), last=_date(LATEST)))
        return None
    return day


def same_bank_account(typed: str, kept: str) -> bool:
    """Whether what was typed is the account kept, however it is spaced or prefixed."""
    try:
        return clean_bank_account(typed) == clean_bank_account(kept)
    except ValueError:
        return False


def _bank_account_field(errors: dict, value: Any) -> str:
    """The account as the organisation's profile keeps it (offers.identifiers: compact PL IBAN)."""
    try:
        return clean_bank_account(str(value or ""))
    except ValueError as exc:
        errors.setdefault("bank_account", []).append(str(exc))
        return str(value or "")


# --- the contract --------------------------------------------------------------------------------------


def _next_number(authority, year: int) -> str:
    prefix = f"{authority.slug.upper()}/{year}/"
    taken = Contract.objects.filter(authority=authority, number__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


def _parties(contract_org, partners: list[dict], authority) -> list[dict]:
    signatories = (Representation.objects.filter(organization=contract_org, is_active=True,
                                                 role__in=[RepresentationRole.ADMIN, RepresentationRole.SIGNATORY])
                   .select_related("user").order_by("pk"))
    parties = [{"key": "organization", "party": Party.ORGANIZATION, "name": contract_org.name,
                "representatives": [{"name": r.user.get_full_name() or r.user.username, "function": r.function}
                                    for r in signatories]}]
    for index, partner in enumerate(partners, start=1):
        parties.append({"key": f"partner-{index}", "party": Party.PARTNER, "name": str(partner.get("name") or ""),
                        "representatives": []})
    parties.append({"key": "authority", "party": Party.AUTHORITY, "name": authority.name,
                    "representatives": [{"name": authority.organ, "function": ""}]})
    return parties


def contract_draft(*, award: Award, actor) -> Contract:
    """The contract generated from the offer and its update (DOMAIN.md §8, §14.4 AWARDED → DRAFTED)."""
    from evaluation.services import update_read

    offer = award.offer
    authority = offer.competition.authority
    _require(has_role(actor, authority, AuthorityRole.OFFICER))
    if award.state != AwardState.READY_FOR_CONTRACT:
        raise WrongState(_("A contract is drafted for an award ready for the contract (now: {state})."
                           ).format(state=award.get_state_display()), code="award_not_ready")
    if Contract.objects.filter(award=award).exists():
        raise WrongState(_("This award already has a contract."), code="contract_exists")
    read, extra = update_read(award)
    if extra:
        # the grant must equal the award and keep the offer's share (DOMAIN.md §6): the contract is built on it
        raise InvalidData({problem.key: [problem.text()] for problem in extra}, code="award_budget_inconsistent")
    budget = read.budget
    organization = offer.organization
    if not organization.bank_account:
        raise InvalidData({"bank_account": [_("The organisation has no bank account in its profile; it must add "
                                              "one before the contract is drafted.")]})
    split = offer.competition.per_line_grant_split
    start, end = read.start or offer.task_area.window_start, read.end or offer.task_area.window_end
    partners = read.data.get("partners", {}).get("partners") or [] if read.data.get("partners", {}).get("joint") else []
    terms = {"offer": {"number": offer.number, "sha256": offer.snapshot_sha256},
             "update_sha256": getattr(getattr(award, "update", None), "snapshot_sha256", ""),
             "sections": read.data, "years": read.years,
             "budget": {"total": budget.total, "grant": award.decided_amount, "sources": budget.sources}}
    with transaction.atomic():
        # the authority's row is the lock of its contract numbers: two drafts at once get two numbers
        Authority.objects.select_for_update().filter(pk=authority.pk).values_list("pk").first()
        locked = Award.objects.select_for_update().get(pk=award.pk)
        if Contract.objects.filter(award=locked).exists():
            raise WrongState(_("This award already has a contract."), code="contract_exists")
        contract = Contract(
            award=locked, authority=authority, organization=organization, number=_next_number(authority, start.year),
            title=offer.title or str(read.data["task"].get("title") or ""), form=offer.task_area.form,
            place=str(read.data["task"].get("place") or "")[:300], task_start=start, task_end=end,
            expenditure_start=start, expenditure_end=end, grant=award.decided_amount, total_cost=budget.total,
            own_financial=budget.own_financial, own_non_financial=budget.own_non_financial,
            beneficiary_payments=budget.sources.get("beneficiary_payments", ZERO), payment_mode=PaymentMode.ONE_SUM,
            bank_account=organization.bank_account,
            tolerance_pct=Decimal(str(getattr(settings, "POZYTEK_CONTRACT_TOLERANCE_PCT", "10"))),
            # the latest statutory deadline (art. 251 ust. 1); narrowed just below to the one that applies
            return_due=dt.date(end.year + 1, 1, 31), representatives=_parties(organization, partners, authority),
            terms=canonical(terms),
            created_by=actor,
        )
        contract.return_due = calc.unused_return_due(_terms(contract, lines=()))[0]
        contract.save()
        ContractLine.objects.bulk_create([
            ContractLine(contract=contract, position=i, label=line.label, group=line.group, name=line.name[:500],
                         value=line.value or ZERO,
                         grant_part=(line.grant_part or ZERO) if split else (line.value or ZERO))
            for i, line in enumerate(budget.lines, start=1)
        ])
        Tranche.objects.create(contract=contract, number=1, due_on=max(start, timezone.localdate()),
                               amount=contract.grant)
        audit_record(subject=contract, action="settlements.contract.draft", actor=actor,
                     actor_role=AuthorityRole.OFFICER, target_state=ContractState.DRAFTED,
                     payload={"award": award.pk, "offer_sha256": offer.snapshot_sha256, "grant": contract.grant,
                              "number": contract.number, "grant_split_per_line": split})
    return contract


EDITABLE_TERMS = ("title", "place", "task_start", "task_end", "expenditure_start", "expenditure_end",
                  "payment_mode", "bank_account", "tolerance_pct", "return_due", "countersigned_by",
                  "authority_signatories")


def _parse_tranches(raw: Any, errors: dict) -> list[tuple[dt.date, Decimal]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or len(raw) > 24:
        errors.setdefault("tranches", []).append(_("Plan between 1 and 24 payments."))
        return []
    result = []
    for index, item in enumerate(raw):
        item = item if isinstance(item, dict) else {}
        due = _date_field(errors, f"tranches.{index}.due_on", item.get("due_on"))
        amount = _money_field(errors, f"tranches.{index}.amount", item.get("amount"), positive=True)
        if due and amount:
            result.append((due, amount))
    return result


def contract_update_terms(contract: Contract, *, actor, data: dict[str, Any]) -> Contract:
    """Set the draft's terms (dates, payments, tolerance, account…) — each change audited."""
    _require(has_role(actor, contract.authority, AuthorityRole.OFFICER))
    if contract.state != ContractState.DRAFTED:  # checked again under the lock below
        raise WrongState(_("A signed contract changes only by an annex."), code="contract_signed")
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for key in data:
        if key not in EDITABLE_TERMS and key != "tranches":
            errors.setdefault(key, []).append(_("This term cannot be changed here."))
    for key in ("task_start", "task_end", "expenditure_start", "expenditure_end", "return_due"):
        if key in data:
            changes[key] = _date_field(errors, key, data[key])
    if "tolerance_pct" in data:
        value = _money_field(errors, "tolerance_pct", data["tolerance_pct"])
        if value is not None and value > 100:
            errors.setdefault("tolerance_pct", []).append(_("At most 100%."))
        changes["tolerance_pct"] = value
    if "payment_mode" in data:
        if data["payment_mode"] not in PaymentMode.values:
            errors.setdefault("payment_mode", []).append(_("Choose one sum or tranches."))
        changes["payment_mode"] = data["payment_mode"]
    if "bank_account" in data:
        changes["bank_account"] = _bank_account_field(errors, data["bank_account"])
    for key in ("title", "place", "countersigned_by", "authority_signatories"):
        if key in data:
            changes[key] = str(data[key] or "").strip()[:Contract._meta.get_field(key).max_length]
    tranches = _parse_tranches(data.get("tranches"), errors)
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.state != ContractState.DRAFTED:
            raise WrongState(_("A signed contract changes only by an annex."), code="contract_signed")
        before = {key: getattr(locked, key) for key in changes}
        for key, value in changes.items():
            setattr(locked, key, value)
        if "expenditure_end" in changes and "return_due" not in changes:
            # the unused grant's deadline follows the period of spending (u.f.p. art. 251)
            locked.return_due = dt.date(locked.expenditure_end.year + 1, 1, 31)
            locked.return_due = calc.unused_return_due(_terms(locked, lines=()))[0]
            changes["return_due"] = locked.return_due
            before["return_due"] = contract.return_due
        planned = None
        if tranches is not None:
            planned = [Tranche(contract=locked, number=i, due_on=due, amount=amount)
                       for i, (due, amount) in enumerate(tranches, start=1)]
        problems = terms_problems(locked, planned)
        if problems:
            raise InvalidData(problems)
        if "countersigned_by" in changes:
            _set_treasurer_party(locked)
        locked.save()
        payload: dict[str, Any] = {"before": before, "after": changes}
        if planned is not None:
            payload["tranches_before"] = [{"due_on": t.due_on, "amount": t.amount} for t in locked.tranches.all()]
            locked.tranches.all().delete()
            Tranche.objects.bulk_create(planned)
            payload["tranches"] = [{"due_on": t.due_on, "amount": t.amount} for t in planned]
        audit_record(subject=locked, action="settlements.contract.terms", actor=actor,
                     actor_role=AuthorityRole.OFFICER, payload=payload, subject_locked=True)
    return locked


def _set_treasurer_party(contract: Contract) -> None:
    parties = [p for p in contract.representatives if p["key"] != "treasurer"]
    if contract.countersigned_by:
        parties.append({"key": "treasurer", "party": Party.TREASURER, "name": str(Party.TREASURER.label),
                        "representatives": [{"name": contract.countersigned_by, "function": ""}]})
    contract.representatives = parties


def _may_sign_for(contract: Contract, actor, party_key: str) -> str | None:
    if party_key in ("organization",) or party_key.startswith("partner-"):
        if has_object_perm(actor, "submit_offers", contract.organization):
            return "ngo_signatory"
        if has_role(actor, contract.authority, AuthorityRole.OFFICER):
            return AuthorityRole.OFFICER  # the officer records the paper signatures brought in
        return None
    if party_key == "authority" and has_role(actor, contract.authority, AuthorityRole.OFFICER):
        return AuthorityRole.OFFICER
    if party_key == "treasurer":
        for role in (AuthorityRole.FINANCE, AuthorityRole.OFFICER):
            if has_role(actor, contract.authority, role):
                return role
    return None


def signature_record(*, contract: Contract, actor, party_key: str, signer: str, signed_on: Any,
                     annex: Annex | None = None) -> Signature:
    """Record that a party signed the written contract (or an annex) on a date (art. 16: written form)."""
    if not any(_may_sign_for(contract, actor, key) for key in ("organization", "authority", "treasurer")):
        raise Forbidden()  # who may sign for no party hears no more than that
    errors: dict[str, list[str]] = {}
    day = _date_field(errors, "signed_on", signed_on)
    signer = str(signer or "").strip()[:300]
    if not signer:
        errors.setdefault("signer", []).append(_("Give the name of the person who signed."))
    if day and day > timezone.localdate():
        errors.setdefault("signed_on", []).append(_("A signature cannot be dated in the future."))
    parties = {p["key"]: p for p in required_parties(contract)}
    if party_key not in parties:
        errors.setdefault("party_key", []).append(_("This contract has no such party."))
    if errors:
        raise InvalidData(errors)
    role = _may_sign_for(contract, actor, party_key)
    _require(role is not None)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if annex is None and locked.state != ContractState.DRAFTED:
            raise WrongState(_("The contract is already concluded."), code="contract_signed")
        if annex is not None and Annex.objects.get(pk=annex.pk).state in (AnnexState.IN_FORCE, AnnexState.WITHDRAWN):
            raise WrongState(_("This annex is closed."), code="annex_closed")
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    contract=locked, annex=annex, party=parties[party_key]["party"], party_key=party_key,
                    party_name=parties[party_key]["name"][:300], signer=signer, signed_on=day, recorded_by=actor)
        except IntegrityError as exc:
            raise WrongState(_("{party} has already signed.").format(party=parties[party_key]["name"]),
                             code="already_signed") from exc
        audit_record(subject=locked, action="settlements.contract.signature", actor=actor, actor_role=role,
                     payload={"party": party_key, "signer": signer, "signed_on": day,
                              "annex": annex.number if annex else None}, subject_locked=True)
    return signature


def contract_snapshot(contract: Contract) -> dict[str, Any]:
    return canonical({
        "number": contract.number, "version": contract.version, "authority": contract.authority.name,
        "organization": {"name": contract.organization.name, "krs": contract.organization.krs,
                         "nip": contract.organization.nip},
        "parties": contract.representatives,
        **{key: getattr(contract, key) for key in (
            "title", "form", "place", "task_start", "task_end", "expenditure_start", "expenditure_end", "grant",
            "total_cost", "own_financial", "own_non_financial", "beneficiary_payments", "payment_mode",
            "bank_account", "tolerance_pct", "return_due", "countersigned_by")},
        "lines": [{"label": line.label, "name": line.name, "value": line.value, "grant_part": line.grant_part}
                  for line in contract.lines.filter(is_active=True)],
        "tranches": [{"number": t.number, "due_on": t.due_on, "amount": t.amount} for t in contract.tranches.all()],
        "terms_offer_sha256": contract.terms.get("offer", {}).get("sha256", ""),
    })


def contract_sign(contract: Contract, *, actor, signed_on: Any = None) -> Contract:
    """Concluded: every party has signed; the contract as signed is frozen with its hash."""
    errors: dict[str, list[str]] = {}
    day = _date_field(errors, "signed_on", signed_on, required=False) if signed_on else None
    if errors:
        raise InvalidData(errors)
    last = contract.signatures.filter(annex__isnull=True).aggregate(last=Max("signed_on"))["last"]
    if day is None:
        day = last or timezone.localdate()
    elif day > timezone.localdate():
        raise InvalidData({"signed_on": [_("A contract cannot be concluded on a day still to come.")]})
    elif last and day < last:
        # concluded when the last party signs (art. 16: written form)
        raise InvalidData({"signed_on": [_("The contract is concluded on the day of its last signature ({date}) or "
                                           "later.").format(date=_date(last))]})

    def freeze(locked: Contract) -> dict[str, Any]:
        locked.snapshot = contract_snapshot(locked)
        locked.snapshot_sha256 = snapshot_hash(locked.snapshot)
        return {"sha256": locked.snapshot_sha256, "grant": locked.grant}

    with transaction.atomic():
        signed = transition(contract, "sign", actor=actor, effect=freeze, signed_on=day)
        _notify_ngo(signed, f"contract.{signed.pk}.signed", _("Contract {number} concluded").format(
            number=signed.number), _("The contract {number} was concluded on {date}. The grant of {grant} will be "
                                     "paid to the account given in the contract.").format(
            number=signed.number, date=_date(day), grant=calc.fmt(signed.grant)))
    return signed


def contract_send_for_signature(contract: Contract, *, actor) -> None:
    """Tell the organisation the contract is ready to print and sign (an e-mail, once per version)."""
    _require(has_role(actor, contract.authority, AuthorityRole.OFFICER))
    if contract.state != ContractState.DRAFTED:
        raise WrongState(_("The contract is already concluded."), code="contract_signed")
    with transaction.atomic():
        _notify_ngo(contract, f"contract.{contract.pk}.to_sign.{contract.updated_at:%Y%m%d%H%M%S}",
                    _("Contract {number} to sign").format(number=contract.number),
                    _("The contract {number} for “{title}” is ready. Print it, sign it and bring or send it to the "
                      "authority.").format(number=contract.number, title=contract.title))
        audit_record(subject=contract, action="settlements.contract.sent_for_signature", actor=actor,
                     actor_role=AuthorityRole.OFFICER)


def tranche_record_payment(tranche: Tranche, *, actor, paid_on: Any, amount: Any, reference: str = "") -> Tranche:
    """The finance officer records a payment of the grant; the first one starts performance."""
    contract = tranche.contract
    _require(has_role(actor, contract.authority, AuthorityRole.FINANCE))
    errors: dict[str, list[str]] = {}
    day = _date_field(errors, "paid_on", paid_on)
    value = _money_field(errors, "amount", amount, positive=True)
    if day and day > timezone.localdate():
        errors.setdefault("paid_on", []).append(_("A payment cannot be dated in the future."))
    if value is not None and value != tranche.amount:
        errors.setdefault("amount", []).append(_("Tranche {no} is {amount}; record it as paid in full, or change the "
                                                 "schedule by an annex.").format(no=tranche.number,
                                                                                  amount=calc.fmt(tranche.amount)))
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        locked_contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked_contract.state not in (ContractState.SIGNED, ContractState.ACTIVE,
                                         ContractState.IMPLEMENTATION_ENDED):
            raise WrongState(_("The grant is paid on a concluded contract in force (now: {state}).").format(
                state=locked_contract.get_state_display()), code="contract_not_in_force")
        locked = Tranche.objects.select_for_update().get(pk=tranche.pk)
        if locked.paid_on is not None:
            raise WrongState(_("Tranche {no} was already recorded as paid on {date}.").format(
                no=locked.number, date=_date(locked.paid_on)), code="already_paid")
        if locked_contract.tranches.filter(number__lt=locked.number, paid_on__isnull=True).exists():
            raise WrongState(_("Record the earlier tranches first: the grant is paid in the order of the schedule."),
                             code="tranche_order")
        if day and day < (locked_contract.signed_on or day):
            raise InvalidData({"paid_on": [_("The grant cannot be paid before the contract was concluded ({date})."
                                             ).format(date=_date(locked_contract.signed_on))]})
        locked.paid_on, locked.paid_amount, locked.payment_reference = day, value, str(reference or "")[:100]
        locked.recorded_by = actor
        locked.save()
        audit_record(subject=locked_contract, action="settlements.contract.tranche_paid", actor=actor,
                     actor_role=AuthorityRole.FINANCE, subject_locked=True,
                     payload={"tranche": locked.number, "paid_on": day, "amount": value, "reference": reference})
        if locked_contract.state == ContractState.SIGNED:
            transition(locked_contract, "activate", actor=actor)
    return locked


def contract_end(contract: Contract, *, actor=None) -> Contract:
    """At the task's end: ACTIVE → IMPLEMENTATION_ENDED and the final report is requested, due 30
    days later (art. 18 ust. 1), moved off weekends and holidays."""

    def request_final(locked: Contract) -> dict[str, Any]:
        due = deadline_in_days(locked.task_end, REPORT_DAYS)
        report = Report.objects.create(contract=locked, kind=ReportKind.FINAL, period_start=locked.task_start,
                                       period_end=locked.task_end, requested_on=timezone.localdate(), due_on=due)
        audit_record(subject=report, action="settlements.report.request", actor=actor,
                     actor_role="system" if actor is None else "", target_state=ReportState.REQUESTED,
                     payload={"kind": ReportKind.FINAL, "due_on": due, "basis": "art. 18 ust. 1"})
        return {"final_report": report.pk, "due_on": due}

    with transaction.atomic():
        ended = transition(contract, "end_implementation", actor=actor, effect=request_final)
        report = ended.reports.get(kind=ReportKind.FINAL)
        _notify_ngo(ended, f"report.{report.pk}.requested", _("Final report due by {date}").format(
            date=_date(report.due_on)), _("The task of contract {number} ended on {end}. File the final report by "
                                          "{date} (art. 18 ust. 1 of the act).").format(
            number=ended.number, end=_date(ended.task_end), date=_date(report.due_on)),
            _link("settlements:report", report.pk))
    return ended


def contract_terminate(contract: Contract, *, actor, ground: str, reason: str, terminated_on: Any) -> Contract:
    require_permission(contract, "terminate", actor)
    errors: dict[str, list[str]] = {}
    if ground not in TerminationGround.values:
        errors.setdefault("ground", []).append(_("Choose the ground of termination."))
    if not str(reason or "").strip():
        errors.setdefault("reason", []).append(_("Give the reason."))
    day = _date_field(errors, "terminated_on", terminated_on)
    if errors:
        raise InvalidData(errors)

    def open_settlement(locked: Contract) -> dict[str, Any]:
        paid = sum((t.paid_amount or ZERO for t in locked.tranches.all()), ZERO)
        if paid:
            settlement, _c = Settlement.objects.get_or_create(contract=locked)
            audit_record(subject=settlement, action="settlements.settlement.open", actor=actor,
                         target_state=SettlementState.OPEN, payload={"because": "termination", "paid": paid})
        return {"paid": paid}

    with transaction.atomic():
        ended = transition(contract, "terminate", actor=actor, reason=reason, effect=open_settlement, ground=ground,
                           termination_reason=str(reason).strip(), terminated_on=day)
        _notify_ngo(ended, f"contract.{ended.pk}.terminated", _("Contract {number} terminated").format(
            number=ended.number), _("The contract {number} was terminated on {date}: {reason}").format(
            number=ended.number, date=_date(day), reason=reason))
    return ended


# --- annexes ----------------------------------------------------------------------------------------------

ANNEX_KEYS = ("task_start", "task_end", "expenditure_start", "expenditure_end", "bank_account", "lines",
              "tranches", "title", "place")


def _contract_state_for_annex(contract: Contract) -> dict[str, Any]:
    return canonical({
        **{key: getattr(contract, key) for key in ANNEX_KEYS if key not in ("lines", "tranches")},
        "lines": [{"position": line.position, "label": line.label, "name": line.name, "value": line.value,
                   "grant_part": line.grant_part, "is_active": line.is_active} for line in contract.lines.all()],
        "tranches": [{"number": t.number, "due_on": t.due_on, "amount": t.amount, "paid_on": t.paid_on}
                     for t in contract.tranches.all()],
    })


def _validate_annex(contract: Contract, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if not isinstance(changes, dict) or not changes:
        return {}, {"changes": [_("Say what the annex changes.")]}
    for key in changes:
        if key not in ANNEX_KEYS:
            errors.setdefault(key, []).append(_("An annex cannot change this here."))
    for key in ("task_start", "task_end", "expenditure_start", "expenditure_end"):
        if key in changes:
            clean[key] = _date_field(errors, key, changes[key])
    for key in ("title", "place"):
        if key in changes:
            clean[key] = str(changes[key] or "").strip()
    if "bank_account" in changes:
        clean["bank_account"] = _bank_account_field(errors, changes["bank_account"])
    if "lines" in changes:
        existing = {line.position: line for line in contract.lines.all()}
        lines = changes["lines"] if isinstance(changes["lines"], list) else None
        if not lines:
            errors.setdefault("lines", []).append(_("Give the cost lines as changed."))
            lines = []
        parsed = []
        for index, item in enumerate(lines):
            item = item if isinstance(item, dict) else {}
            prefix = f"lines.{index}"
            position = parse_index(item.get("position"))
            if item.get("position") not in (None, "") and position not in existing:
                errors.setdefault(f"{prefix}.position", []).append(_("No such cost line in the contract."))
            value = _money_field(errors, f"{prefix}.value", item.get("value"))
            grant_part = _money_field(errors, f"{prefix}.grant_part", item.get("grant_part"))
            name = str(item.get("name") or (existing[position].name if position in existing else "")).strip()
            if not name:
                errors.setdefault(f"{prefix}.name", []).append(_("Name the type of cost."))
            if value is not None and grant_part is not None and grant_part > value:
                errors.setdefault(f"{prefix}.grant_part", []).append(
                    _("The grant part ({part}) exceeds the line's value ({value}).").format(
                        part=calc.fmt(grant_part), value=calc.fmt(value)))
            parsed.append({"position": position if position in existing else None,
                           "label": str(item.get("label") or "").strip()[:20], "name": name[:500],
                           "value": value, "grant_part": grant_part})
        if parsed and not errors:
            # an annex moves money between cost lines; the totals and the sources stay as agreed
            split = sum((line.grant_part for line in existing.values() if line.is_active), ZERO) == contract.grant
            values = sum((line["value"] for line in parsed), ZERO)
            if values != contract.total_cost:
                errors.setdefault("lines", []).append(_("The lines add up to {sum}; the total cost stays {total} "
                                                        "(difference {diff}).").format(
                    sum=calc.fmt(values), total=calc.fmt(contract.total_cost),
                    diff=calc.fmt(abs(values - contract.total_cost))))
            grants = sum((line["grant_part"] for line in parsed), ZERO)
            if split and grants != contract.grant:
                errors.setdefault("lines", []).append(_("The grant parts add up to {sum}; the grant stays {grant} "
                                                        "(difference {diff}).").format(
                    sum=calc.fmt(grants), grant=calc.fmt(contract.grant), diff=calc.fmt(abs(grants - contract.grant))))
            if not split:
                for index, line in enumerate(parsed):
                    if line["grant_part"] != line["value"]:
                        errors.setdefault(f"lines.{index}.grant_part", []).append(
                            _("This contract does not split the grant per line: the grant part is the line's value."))
        clean["lines"] = parsed
    if "tranches" in changes:
        tranches = _parse_tranches(changes["tranches"], errors) or []
        paid = [t for t in contract.tranches.all() if t.paid_on]
        if len(tranches) < len(paid):
            errors.setdefault("tranches", []).append(_("A paid tranche cannot be removed."))
        for index, tranche in enumerate(paid):
            if index < len(tranches) and tranches[index] != (tranche.due_on, tranche.amount):
                errors.setdefault(f"tranches.{index}", []).append(_("Tranche {no} is paid; it cannot change.").format(
                    no=tranche.number))
        if sum((amount for _d, amount in tranches), ZERO) != contract.grant:
            errors.setdefault("tranches", []).append(_("The payments must add up to the grant {grant}.").format(
                grant=calc.fmt(contract.grant)))
        clean["tranches"] = [{"due_on": d, "amount": a} for d, a in tranches]
    if not errors:
        end = clean.get("expenditure_end", contract.expenditure_end)
        last_due = max((t["due_on"] for t in clean.get("tranches", [])),
                       default=max((t.due_on for t in contract.tranches.all()), default=end))
        if end > dt.date(last_due.year, 12, 31):
            # u.f.p. art. 221 ust. 3 pkt 3: the grant term stays within the budget year
            errors.setdefault("expenditure_end", []).append(
                _("The grant must be spent by 31 December {year} (u.f.p. art. 221 ust. 3).").format(year=last_due.year))
        if clean.get("task_start", contract.task_start) > clean.get("task_end", contract.task_end):
            errors.setdefault("task_end", []).append(_("The task ends before it starts."))
    if not errors:
        proposed = copy.copy(contract)
        for key in ("task_start", "task_end", "expenditure_start", "expenditure_end", "bank_account"):
            if key in clean:
                setattr(proposed, key, clean[key])
        if "expenditure_end" in clean:
            # the unused grant's deadline follows the period of spending (u.f.p. art. 251 ust. 3)
            proposed.return_due = dt.date(proposed.expenditure_end.year + 1, 1, 31)
            proposed.return_due = clean["return_due"] = calc.unused_return_due(_terms(proposed, lines=()))[0]
        planned = None
        if "tranches" in clean:
            planned = [Tranche(number=i, due_on=t["due_on"], amount=t["amount"])
                       for i, t in enumerate(clean["tranches"], start=1)]
        for key, messages in terms_problems(proposed, planned).items():
            errors.setdefault(key, []).extend(messages)
    return clean, errors


def annex_propose(*, contract: Contract, actor, reason: str, changes: dict[str, Any]) -> Annex:
    role = ("ngo_signatory" if has_object_perm(actor, "submit_offers", contract.organization)
            else AuthorityRole.OFFICER if has_role(actor, contract.authority, AuthorityRole.OFFICER) else None)
    _require(role is not None)
    clean, errors = _validate_annex(contract, changes)
    if not str(reason or "").strip():
        errors.setdefault("reason", []).append(_("Say why the contract changes."))
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.state not in (ContractState.SIGNED, ContractState.ACTIVE):
            raise WrongState(_("An annex can change a contract only while it is in force."),
                             code="contract_not_running")
        if locked.annexes.exclude(state__in=[AnnexState.IN_FORCE, AnnexState.WITHDRAWN]).exists():
            raise WrongState(_("Another annex is awaiting signatures; sign or withdraw it first."),
                             code="annex_pending")
        number = (locked.annexes.aggregate(n=Max("number"))["n"] or 0) + 1
        changes_canonical = canonical(clean)
        annex = Annex.objects.create(contract=locked, number=number, reason=str(reason).strip(),
                                     changes=changes_canonical, before=_contract_state_for_annex(locked),
                                     sha256=snapshot_hash(changes_canonical), proposed_by=actor)
        audit_record(subject=annex, action="settlements.annex.propose", actor=actor, actor_role=role,
                     target_state=AnnexState.PROPOSED, reason=annex.reason,
                     payload={"changes": changes_canonical, "sha256": annex.sha256})
        audit_record(subject=locked, action="settlements.contract.annex_proposed", actor=actor, actor_role=role,
                     payload={"annex": number}, subject_locked=True)
        if role == AuthorityRole.OFFICER:
            _notify_ngo(locked, f"annex.{annex.pk}.proposed", _("Annex {no} to contract {number} to sign").format(
                no=number, number=locked.number), annex.reason)
    return annex


def _apply_annex(annex: Annex, actor) -> dict[str, Any]:
    contract = Contract.objects.select_for_update().get(pk=annex.contract_id)
    changes = annex.changes
    for key in ("task_start", "task_end", "expenditure_start", "expenditure_end", "return_due"):
        if key in changes:
            setattr(contract, key, dt.date.fromisoformat(changes[key]))
    for key in ("title", "place", "bank_account"):
        if key in changes:
            setattr(contract, key, changes[key])
    if "lines" in changes:
        existing = {line.position: line for line in contract.lines.all()}
        kept = set()
        next_position = max(existing, default=0) + 1
        for item in changes["lines"]:
            if item["position"] in existing:
                line = existing[item["position"]]
                kept.add(line.position)
                line.name, line.value = item["name"], Decimal(item["value"])
                line.grant_part = Decimal(item["grant_part"])
                line.is_active = True
                line.save()
            else:
                ContractLine.objects.create(contract=contract, position=next_position,
                                            label=item["label"] or f"A{annex.number}.{next_position}",
                                            group="action", name=item["name"], value=Decimal(item["value"]),
                                            grant_part=Decimal(item["grant_part"]))
                next_position += 1
        for position, line in existing.items():
            if position not in kept and line.is_active:
                line.is_active = False
                line.save(update_fields=["is_active"])
    if "tranches" in changes:
        paid = {t.number: t for t in contract.tranches.all() if t.paid_on}
        contract.tranches.filter(paid_on__isnull=True).delete()
        for number, item in enumerate(changes["tranches"], start=1):
            if number not in paid:
                Tranche.objects.create(contract=contract, number=number, due_on=dt.date.fromisoformat(item["due_on"]),
                                       amount=Decimal(item["amount"]))
        contract.payment_mode = PaymentMode.TRANCHES if len(changes["tranches"]) > 1 else contract.payment_mode
    contract.version += 1
    contract.save()
    # the contract as it now binds the parties, frozen again (the signed version's hash is in the trail)
    contract.snapshot = contract_snapshot(contract)
    before_sha256, contract.snapshot_sha256 = contract.snapshot_sha256, snapshot_hash(contract.snapshot)
    contract.save(update_fields=["snapshot", "snapshot_sha256"])
    audit_record(subject=contract, action="settlements.contract.annex_in_force", actor=actor,
                 payload={"annex": annex.number, "sha256": annex.sha256, "version": contract.version,
                          "contract_sha256": contract.snapshot_sha256, "contract_sha256_before": before_sha256,
                          "before": annex.before, "changes": changes}, subject_locked=True)
    return {"version": contract.version}


def annex_sign(annex: Annex, *, actor, signer: str, signed_on: Any) -> Annex:
    """One side signs; when both have, the annex is in force and the contract changes."""
    contract = annex.contract
    ngo = has_object_perm(actor, "submit_offers", contract.organization)
    officer = has_role(actor, contract.authority, AuthorityRole.OFFICER)
    _require(ngo or officer)
    with transaction.atomic():
        current = Annex.objects.select_for_update().get(pk=annex.pk)
        if ngo and current.state in (AnnexState.PROPOSED, AnnexState.SIGNED_BY_AUTHORITY):
            party, name = "organization", ("sign_organization" if current.state == AnnexState.PROPOSED
                                            else "complete_by_organization")
        elif officer and current.state in (AnnexState.PROPOSED, AnnexState.SIGNED_BY_ORGANIZATION):
            party, name = "authority", ("sign_authority" if current.state == AnnexState.PROPOSED
                                         else "complete_by_authority")
        else:
            raise WrongState(_("Your side has already signed this annex, or it is closed."), code="annex_signed")
        signature = signature_record(contract=contract, actor=actor, party_key=party, signer=signer,
                                     signed_on=signed_on, annex=current)
        kwargs = {"in_force_on": signature.signed_on} if name.startswith("complete") else {}
        effect = (lambda locked: _apply_annex(locked, actor)) if name.startswith("complete") else None
        signed = transition(current, name, actor=actor, effect=effect, **kwargs)
        if signed.state == AnnexState.IN_FORCE:
            _notify_ngo(contract, f"annex.{annex.pk}.in_force", _("Annex {no} to contract {number} in force").format(
                no=signed.number, number=contract.number), signed.reason)
    return signed


def annex_withdraw(annex: Annex, *, actor, reason: str = "") -> Annex:
    return transition(annex, "withdraw", actor=actor, reason=reason)


# --- reports ----------------------------------------------------------------------------------------------


def report_request_partial(*, contract: Contract, actor, period_start: Any, period_end: Any, due_on: Any,
                           note: str = "") -> Report:
    """The authority calls for a partial report, due at least 30 days from the call (art. 18 ust. 3)."""
    role = next((r for r in (AuthorityRole.OFFICER, AuthorityRole.FINANCE) if has_role(actor, contract.authority, r)),
                None)
    _require(role is not None)
    errors: dict[str, list[str]] = {}
    start = _date_field(errors, "period_start", period_start)
    end = _date_field(errors, "period_end", period_end)
    due = _date_field(errors, "due_on", due_on)
    today = timezone.localdate()
    if start and end and start > end:
        errors.setdefault("period_end", []).append(_("The period ends before it starts."))
    if due:
        due = next_working_day(due)  # a deadline on a Saturday, Sunday or holiday moves to the next working day
        problem = partial_due_problem(today, due)
        if problem:
            errors.setdefault("due_on", []).append(problem)
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.state != ContractState.ACTIVE:
            raise WrongState(_("A partial report is called for while the task is being performed."),
                             code="contract_not_active")
        report = Report.objects.create(contract=locked, kind=ReportKind.PARTIAL, period_start=start, period_end=end,
                                       requested_on=today, due_on=due, call_note=str(note or ""))
        audit_record(subject=report, action="settlements.report.request", actor=actor, actor_role=role,
                     target_state=ReportState.REQUESTED,
                     payload={"kind": ReportKind.PARTIAL, "period": [start, end], "due_on": due,
                              "basis": "art. 18 ust. 3"})
        _notify_ngo(locked, f"report.{report.pk}.requested", _("Partial report due by {date}").format(
            date=_date(due)), _("The authority calls for a partial report on contract {number} for {start}–{end}, due "
                                "by {date}. {note}").format(number=locked.number, start=_date(start), end=_date(end),
                                                           date=_date(due), note=note),
            _link("settlements:report", report.pk))
    return report



def _require_report_editor(report: Report, actor) -> None:
    if not has_object_perm(actor, "edit_offers", report.contract.organization):
        raise Forbidden()
    if report.state not in REPORT_EDITABLE:
        raise WrongState(_("The report is {state}; it can no longer be changed.").format(
            state=report.get_state_display()), code="report_not_editable")


def report_save_section(*, report: Report, actor, key: str, data: Any, base_revision: int | None) -> ReportSection:
    """Save one part as typed (never validated here). A stale save is refused with both versions."""
    if key not in REPORT_SECTIONS:
        raise NotFound(_("There is no part “{key}”.").format(key=key))
    if not isinstance(data, dict):
        raise InvalidData({key: [_("A part is a set of fields.")]})
    encoded = json.dumps(data, ensure_ascii=False, default=str)
    if len(encoded.encode("utf-8")) > MAX_SECTION_BYTES:
        raise InvalidData({key: [_("This part is too long to save ({size} kB, at most {limit} kB).").format(
            size=len(encoded) // 1000, limit=MAX_SECTION_BYTES // 1000)]})
    data = without_nul(json.loads(encoded))
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("contract__organization").get(pk=report.pk)
        _require_report_editor(locked, actor)
        section, _created = ReportSection.objects.select_for_update().get_or_create(report=locked, key=key)
        if base_revision is not None and section.revision != base_revision:
            raise EditConflict(theirs={
                "revision": section.revision, "data": section.data,
                "saved_by": section.updated_by.get_full_name() if section.updated_by else "",
                "saved_at": format_local(section.updated_at),
            })
        section.data, section.revision, section.updated_by = data, section.revision + 1, actor
        section.save()
        _audit_change_after_submission(locked, actor, "part_saved", {"part": key, "revision": section.revision})
    return section


def _parse_document(report: Report, data: dict[str, Any], lines: dict[int, ContractLine]
                    ) -> tuple[dict[str, Any], list[dict], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    for name, limit in (("number", 100), ("issuer", 300), ("description", 500)):
        # refused, not cut: what is typed is never silently shortened
        fields[name] = str(data.get(name) or "").strip()
        if len(fields[name]) > limit:
            errors.setdefault(name, []).append(_("At most {limit} characters (you typed {n}).").format(
                limit=limit, n=len(fields[name])))
    if not fields["number"]:
        errors.setdefault("number", []).append(_("Give the document's number."))
    kind = data.get("kind")
    if kind not in DocumentKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of document."))
    fields["kind"] = kind
    fields["issued_on"] = _date_field(errors, "issued_on", data.get("issued_on"))
    fields["paid_on"] = _date_field(errors, "paid_on", data.get("paid_on"), required=False)
    fields["amount"] = _money_field(errors, "amount", data.get("amount"), positive=True)
    shares = []
    raw = data.get("shares") if isinstance(data.get("shares"), list) else []
    if not raw:
        errors.setdefault("shares", []).append(_("Charge the document to at least one cost line."))
    if len(raw) > MAX_SHARES:
        errors.setdefault("shares", []).append(_("A document can be split into at most {n} parts.").format(
            n=MAX_SHARES))
    for index, item in enumerate(raw[:MAX_SHARES]):
        item = item if isinstance(item, dict) else {}
        prefix = f"shares.{index}"
        try:
            line = lines.get(int(item.get("line")))
        except (TypeError, ValueError):
            line = None
        if line is None:
            errors.setdefault(f"{prefix}.line", []).append(_("Choose a cost line of the contract."))
        source = item.get("source")
        if source not in Source.values:
            errors.setdefault(f"{prefix}.source", []).append(_("Choose the source of financing."))
        amount = _money_field(errors, f"{prefix}.amount", item.get("amount"), positive=True)
        if line is not None and source in Source.values and amount:
            shares.append({"line": line, "source": source, "amount": amount})
    if fields["amount"] and shares:
        total = sum((s["amount"] for s in shares), ZERO)
        if total > fields["amount"]:
            errors.setdefault("shares", []).append(_("The parts add up to {total}, more than the document's {amount} "
                                                     "by {excess}.").format(total=calc.fmt(total),
                                                                            amount=calc.fmt(fields["amount"]),
                                                                            excess=calc.fmt(total - fields["amount"])))
    non_financial = kind in (DocumentKind.IN_KIND, DocumentKind.VOLUNTEER)
    if non_financial and any(s["source"] not in NON_FINANCIAL_SOURCES for s in shares):
        errors.setdefault("shares", []).append(_("A statement of in-kind or volunteer work is a non-financial "
                                                 "contribution, not a payment."))
    if kind and not non_financial and any(s["source"] in NON_FINANCIAL_SOURCES for s in shares):
        errors.setdefault("shares", []).append(_("A paid document is not a non-financial contribution."))
    if kind and not non_financial and fields["paid_on"] is None and "paid_on" not in errors:
        errors.setdefault("paid_on", []).append(_("Give the date it was paid (costs count when paid)."))
    return fields, shares, errors


def document_save(*, report: Report, actor, data: dict[str, Any], document: FinancialDocument | None = None
                  ) -> FinancialDocument:
    """Add or change one document of the list, with its split across cost lines and sources."""
    _require_report_editor(report, actor)  # who may not edit hears no more than that (checked again under the lock)
    if not isinstance(data, dict):
        raise InvalidData({"document": [_("A document is a set of fields.")]})
    lines = {line.pk: line for line in report.contract.lines.filter(is_active=True)}
    fields, shares, errors = _parse_document(report, without_nul(data), lines)
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("contract__organization").get(pk=report.pk)
        _require_report_editor(locked, actor)
        if document is None:
            if locked.documents.count() >= MAX_DOCUMENTS:
                raise InvalidData({"document": [_("A report lists at most {n} documents.").format(n=MAX_DOCUMENTS)]})
            position = (locked.documents.aggregate(n=Max("position"))["n"] or 0) + 1
            document = FinancialDocument.objects.create(report=locked, position=position, created_by=actor, **fields)
        else:
            try:
                document = FinancialDocument.objects.select_for_update().get(pk=document.pk, report=locked)
            except FinancialDocument.DoesNotExist as exc:  # a document of another report
                raise NotFound() from exc
            for key, value in fields.items():
                setattr(document, key, value)
            document.save()
            document.shares.all().delete()
        DocumentShare.objects.bulk_create([DocumentShare(document=document, line=s["line"], source=s["source"],
                                                         amount=s["amount"]) for s in shares])
        _audit_change_after_submission(locked, actor, "document_saved", {
            "document": document.position, "number": document.number, "amount": document.amount,
            "shares": [{"line": s["line"].label, "source": s["source"], "amount": s["amount"]} for s in shares]})
    return document


def _audit_change_after_submission(report: Report, actor, verb: str, payload: dict[str, Any]) -> None:
    """A report once submitted changes only in answer to a call for clarification; each change is in its
    audit trail (the drafts before submission are the organisation's own working)."""
    if report.submitted_at is not None:
        audit_record(subject=report, action=f"settlements.report.{verb}", actor=actor, actor_role="ngo_editor",
                     payload=payload, subject_locked=True)


def document_remove(*, document: FinancialDocument, actor) -> None:
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("contract__organization").get(
            pk=document.report_id)
        _require_report_editor(locked, actor)
        DocumentShare.objects.filter(document=document).delete()
        FinancialDocument.objects.filter(pk=document.pk, report=locked).delete()
        _audit_change_after_submission(locked, actor, "document_removed", {
            "document": document.position, "number": document.number, "amount": document.amount})


def documents_import(*, report: Report, actor, data: bytes, filename: str, replace: bool = False
                     ) -> list[FinancialDocument]:
    """The list of documents from a CSV or .xlsx file: all rows or none, with an error per bad row."""
    from .imports import parse_documents

    _require_report_editor(report, actor)
    lines = {line.label: line.pk for line in report.contract.lines.filter(is_active=True)}
    rows, errors = parse_documents(data, filename, lines=lines, max_rows=MAX_DOCUMENTS)
    if errors:
        raise InvalidData(errors)
    by_id = {line.pk: line for line in report.contract.lines.filter(is_active=True)}
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("contract__organization").get(pk=report.pk)
        _require_report_editor(locked, actor)
        if replace:
            DocumentShare.objects.filter(document__report=locked).delete()
            locked.documents.all().delete()
        position = locked.documents.aggregate(n=Max("position"))["n"] or 0
        if position + len(rows) > MAX_DOCUMENTS:
            raise InvalidData({"file": [_("A report lists at most {n} documents.").format(n=MAX_DOCUMENTS)]})
        documents = []
        for row in rows:
            position += 1
            documents.append(FinancialDocument(
                report=locked, position=position, number=row["number"][:100], kind=row["kind"],
                issuer=row.get("issuer", "")[:300], issued_on=row["issued_on"], paid_on=row.get("paid_on"),
                description=row.get("description", "")[:500], amount=row["amount"], created_by=actor))
        FinancialDocument.objects.bulk_create(documents)
        saved = list(locked.documents.filter(position__in=[d.position for d in documents]).order_by("position"))
        DocumentShare.objects.bulk_create([
            DocumentShare(document=doc, line=by_id[share["line"]], source=share["source"], amount=share["amount"])
            for doc, row in zip(saved, rows, strict=True) for share in row["shares"]
        ])
        _audit_change_after_submission(locked, actor, "documents_imported", {
            "filename": str(filename)[:200], "replace": replace, "documents": len(saved),
            "amount": sum((d.amount for d in saved), ZERO)})
    return saved


# the report as read: its parts, documents, figures and findings


@dataclass
class ReportView:
    report: Report
    sections: dict[str, dict]
    revisions: dict[str, int]
    documents: list[FinancialDocument]
    actuals: list[calc.LineActual]
    findings: list[calc.Finding]
    totals: dict[str, Decimal]
    received: Decimal

    @property
    def blocking(self) -> list[calc.Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def flags(self) -> list[calc.Finding]:
        return [f for f in self.findings if not f.blocking]

    def findings_at(self, key: str) -> list[calc.Finding]:
        return [f for f in self.findings if f.key == key]


def terms_of(contract: Contract) -> calc.Terms:
    return _terms(contract, lines=[calc.PlannedLine(line.pk, line.label, line.name, line.value, line.grant_part)
                                   for line in contract.lines.all() if line.is_active])


def _terms(contract: Contract, *, lines) -> calc.Terms:
    return calc.Terms(grant=contract.grant, total_cost=contract.total_cost, tolerance_pct=contract.tolerance_pct,
                      expenditure_start=contract.expenditure_start, expenditure_end=contract.expenditure_end,
                      return_due=contract.return_due, lines=tuple(lines))


def documents_of(report: Report, documents=None) -> list[calc.Document]:
    documents = documents if documents is not None else list(report.documents.prefetch_related("shares"))
    return [calc.Document(
        d.pk, d.position, d.number, d.amount, d.issued_on, d.paid_on,
        tuple(calc.Share(s.line_id, s.source, s.amount) for s in d.shares.all()), d.ineligible_reason,
        financial=d.kind not in (DocumentKind.IN_KIND, DocumentKind.VOLUNTEER)) for d in documents]


def revenue_of(sections: dict[str, dict]) -> tuple[dict[str, Decimal], dict[str, list[str]]]:
    data = sections.get("revenue") or {}
    revenue: dict[str, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for key in ("bank_interest_earned", "bank_interest_spent", "revenue_earned", "revenue_spent"):
        amount = _money_field(errors, f"revenue.{key}", data.get(key), required=False)
        revenue[key] = amount or ZERO
    return revenue, errors


def report_read(report: Report) -> ReportView:
    """Everything the form, the API and the checks show: the parts, the documents, the actual
    costs per line against the contract, and every finding at its line (a fixed number of queries)."""
    contract = report.contract
    sections_rows = list(report.sections.all())
    sections = {s.key: s.data for s in sections_rows}
    revisions = {s.key: s.revision for s in sections_rows}
    documents = list(report.documents.prefetch_related("shares").order_by("position"))
    terms = terms_of(contract)
    docs = documents_of(report, documents)
    received = sum((t.paid_amount or ZERO for t in contract.tranches.all()), ZERO)
    revenue, revenue_errors = revenue_of(sections)
    findings = calc.report_findings(terms, docs, received=received, revenue=revenue)
    for key, messages in revenue_errors.items():
        findings.extend(calc.Finding(key, message) for message in messages)
    findings.extend(_part_findings(report, sections))
    actuals = calc.line_actuals(terms, docs)
    by_source: dict[str, Decimal] = {}
    for actual in actuals:
        for source, amount in actual.by_source.items():
            by_source[source] = by_source.get(source, ZERO) + amount
    totals = {"total": sum((a.total for a in actuals), ZERO), "planned": sum((a.line.value for a in actuals), ZERO),
              **{f"source_{k}": v for k, v in by_source.items()}}
    view = ReportView(report, sections, revisions, documents, actuals, findings, totals, received)
    report._read_view = view  # for the guards asked next about this same row (guards.report_submit_problems)
    return view


def _part_findings(report: Report, sections: dict[str, dict]) -> list[calc.Finding]:
    """Parts I and III and the declarations: complete (Reg. 2057 Annex 5)."""
    findings = []
    snapshot_sections = report.contract.terms.get("sections", {})
    indicators = (snapshot_sections.get("results") or {}).get("indicators") or []
    results = (sections.get("results") or {})
    achieved = results.get("indicators") if isinstance(results.get("indicators"), list) else []
    if not str(results.get("description") or "").strip():
        findings.append(calc.Finding("results.description", _("Part I: describe how the task was performed.")))
    for index, indicator in enumerate(indicators):
        row = achieved[index] if index < len(achieved) and isinstance(achieved[index], dict) else {}
        if not str(row.get("achieved") or "").strip():
            findings.append(calc.Finding(f"results.indicators.{index}.achieved",
                                         _("Part I result {no} “{name}”: give the level achieved."),
                                         {"no": index + 1, "name": str(indicator.get("name") or "")}))
    actions = (snapshot_sections.get("schedule") or {}).get("actions") or []
    done = (sections.get("actions") or {}).get("actions")
    done = done if isinstance(done, list) else []
    for index, action in enumerate(actions):
        row = done[index] if index < len(done) and isinstance(done[index], dict) else {}
        if not str(row.get("performed") or "").strip():
            findings.append(calc.Finding(f"actions.actions.{index}.performed",
                                         _("Part I action {no} “{name}”: say what was done and when."),
                                         {"no": index + 1, "name": str(action.get("name") or "")}))
    declarations = sections.get("declarations") or {}
    for key in DECLARATIONS:
        if declarations.get(key) is not True:
            findings.append(calc.Finding(f"declarations.{key}", _("Confirm this declaration.")))
    if report.kind == ReportKind.FINAL and not report.documents.exists():
        findings.append(calc.Finding("documents", _("List the financial documents behind the costs.")))
    return findings


def _freeze_report(locked: Report, **extra: Any) -> ReportView:
    """The report as submitted (or as answered): every part, document, line and flag, with its hash."""
    view = report_read(locked)
    locked.snapshot = canonical({
        "sections": view.sections,
        "documents": [{"position": d.position, "number": d.number, "kind": d.kind, "issued_on": d.issued_on,
                       "paid_on": d.paid_on, "amount": d.amount,
                       "shares": [{"line": s.line_id, "source": s.source, "amount": s.amount}
                                  for s in d.shares.all()]} for d in view.documents],
        "lines": [{"line": a.line.label, "total": a.total, "by_source": a.by_source, "limit": a.limit,
                   "excess": a.excess} for a in view.actuals],
        "flags": [{"key": f.key, "text": f.text()} for f in view.flags],
        "totals": view.totals,
        **extra,
    })
    locked.snapshot_sha256 = snapshot_hash(locked.snapshot)
    return view


def report_submit(report: Report, *, actor) -> Report:
    """Submit: the checks pass (figures reconcile; parts complete); the report is frozen with its
    hash; a final report moves the contract to settling."""

    def freeze(locked: Report) -> dict[str, Any]:
        view = _freeze_report(locked)
        locked.submitted_by = actor
        return {"sha256": locked.snapshot_sha256, "totals": view.totals,
                "flags": [f.key for f in view.flags]}

    with transaction.atomic():
        submitted = transition(report, "submit", actor=actor, effect=freeze)
        contract = submitted.contract
        if submitted.kind == ReportKind.FINAL and contract.state == ContractState.IMPLEMENTATION_ENDED:
            transition(contract, "start_settling", actor=actor)
        notify(key=f"report.{submitted.pk}.submitted.{submitted.snapshot_sha256[:12]}",
               recipients=_staff_recipients(contract, AuthorityRole.FINANCE),
               subject=_("Report to verify: {number}").format(number=contract.number),
               body=_("{organization} submitted the {kind} on contract {number}.").format(
                   organization=contract.organization.name, kind=submitted.get_kind_display(), number=contract.number),
               link=_link("settlements:report", submitted.pk))
    return submitted


def report_request_clarification(report: Report, *, actor, question: str, due_on: Any) -> Report:
    require_permission(report, "request_clarification", actor)
    errors: dict[str, list[str]] = {}
    if not str(question or "").strip():
        errors.setdefault("question", []).append(_("Say what is to be explained or supplied."))
    due = _date_field(errors, "due_on", due_on)
    if due and due <= timezone.localdate():
        errors.setdefault("due_on", []).append(_("Give a date in the future."))
    if errors:
        raise InvalidData(errors)

    def ask(locked: Report) -> dict[str, Any]:
        Clarification.objects.create(report=locked, question=str(question).strip(), due_on=due, asked_by=actor)
        return {"question": str(question).strip(), "due_on": due}

    with transaction.atomic():
        asked = transition(report, "request_clarification", actor=actor, effect=ask)
        _notify_ngo(asked.contract, f"report.{asked.pk}.clarification.{asked.clarifications.count()}",
                    _("Clarification requested by {date}").format(date=_date(due)),
                    _("The authority asks about the {kind} on contract {number}: {question}").format(
                        kind=asked.get_kind_display(), number=asked.contract.number, question=question),
                    _link("settlements:report", asked.pk))
    return asked


def clarification_save_answer(*, report: Report, actor, answer: str) -> Clarification:
    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("contract__organization").get(pk=report.pk)
        if not has_object_perm(actor, "edit_offers", locked.contract.organization):
            raise Forbidden()
        pending = locked.clarifications.filter(answered_at__isnull=True).order_by("-pk").first()
        if locked.state != ReportState.NEEDS_CLARIFICATION or pending is None:
            raise WrongState(_("No clarification is requested."), code="no_clarification")
        pending.answer = str(answer or "")[:20000]
        pending.save(update_fields=["answer"])
    return pending


def report_answer(report: Report, *, actor, answer: str | None = None) -> Report:
    if answer is not None:
        clarification_save_answer(report=report, actor=actor, answer=answer)

    def close(locked: Report) -> dict[str, Any]:
        pending = locked.clarifications.filter(answered_at__isnull=True).order_by("-pk").first()
        pending.answered_by, pending.answered_at = actor, timezone.now()
        pending.save(update_fields=["answered_by", "answered_at"])
        # frozen again as it now stands: the answer may come with corrected documents
        view = _freeze_report(locked, answer=pending.answer)
        return {"answer": pending.answer, "sha256": locked.snapshot_sha256, "totals": view.totals}

    return transition(report, "answer", actor=actor, effect=close)


def report_accept(report: Report, *, actor, note: str = "") -> Report:
    """Accepted; a final report opens the settlement (DOMAIN.md §14.5)."""

    def decide(locked: Report) -> dict[str, Any]:
        locked.decision_note = str(note or "")
        if locked.kind == ReportKind.FINAL:
            _open_settlement(locked.contract, actor)
        return {"note": locked.decision_note}

    with transaction.atomic():
        accepted = transition(report, "accept", actor=actor, effect=decide)
        _notify_ngo(accepted.contract, f"report.{accepted.pk}.accepted", _("Report accepted"),
                    _("The {kind} on contract {number} was accepted.").format(
                        kind=accepted.get_kind_display(), number=accepted.contract.number),
                    _link("settlements:report", accepted.pk))
    return accepted


def report_reject(report: Report, *, actor, note: str) -> Report:
    """Rejected: a final report's grant is settled as not accounted for (misuse, art. 252)."""
    require_permission(report, "reject", actor)
    if not str(note or "").strip():
        raise InvalidData({"note": [_("Give the reason for rejecting the report.")]})

    def decide(locked: Report) -> dict[str, Any]:
        if locked.kind == ReportKind.FINAL:
            _open_settlement(locked.contract, actor)
        return {}

    with transaction.atomic():
        rejected = transition(report, "reject", actor=actor, effect=decide, note=str(note).strip())
        _notify_ngo(rejected.contract, f"report.{rejected.pk}.rejected", _("Report rejected"),
                    _("The {kind} on contract {number} was rejected: {note}").format(
                        kind=rejected.get_kind_display(), number=rejected.contract.number, note=note),
                    _link("settlements:report", rejected.pk))
    return rejected


def document_mark_ineligible(*, document: FinancialDocument, actor, reason: str) -> FinancialDocument:
    """During verification the officer finds a cost ineligible (no document, outside the scope…)."""
    report = document.report
    role = next((r for r in (AuthorityRole.FINANCE, AuthorityRole.OFFICER)
                 if has_role(actor, report.contract.authority, r)), None)
    _require(role is not None)
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.state not in (ReportState.SUBMITTED, ReportState.NEEDS_CLARIFICATION):
            raise WrongState(_("Costs are assessed while the report is being verified."), code="not_verifying")
        document = FinancialDocument.objects.select_for_update().get(pk=document.pk, report=locked)
        document.ineligible_reason = str(reason or "").strip()[:2000]
        document.save(update_fields=["ineligible_reason", "updated_at"])
        audit_record(subject=locked, action="settlements.report.document_assessed", actor=actor, actor_role=role,
                     subject_locked=True, payload={"document": document.position, "number": document.number,
                                                   "ineligible": bool(document.ineligible_reason),
                                                   "reason": document.ineligible_reason})
    return document


def report_call_in_writing(report: Report, *, actor, due_on: Any) -> Report:
    require_permission(report, "call_in_writing", actor)
    errors: dict[str, list[str]] = {}
    due = _date_field(errors, "due_on", due_on)
    if due and due <= timezone.localdate():
        errors.setdefault("due_on", []).append(_("Give a date in the future."))
    if errors:
        raise InvalidData(errors)
    with transaction.atomic():
        called = transition(report, "call_in_writing", actor=actor, due_on=due)
        _notify_ngo(called.contract, f"report.{called.pk}.written_call.{due:%Y%m%d}",
                    _("Call to file the overdue report by {date}").format(date=_date(due)),
                    _("The {kind} on contract {number} was due on {was}. The authority calls you in writing to file "
                      "it by {date}; failing that, the contract may be terminated.").format(
                        kind=called.get_kind_display(), number=called.contract.number, was=_date(called.due_on),
                        date=_date(due)), _link("settlements:report", called.pk))
    return called


# --- settlement --------------------------------------------------------------------------------------------


def _open_settlement(contract: Contract, actor) -> Settlement:
    settlement, created = Settlement.objects.get_or_create(contract=contract)
    if created:
        audit_record(subject=settlement, action="settlements.settlement.open", actor=actor,
                     target_state=SettlementState.OPEN, payload={"contract": contract.number})
    return settlement


def rates_and_rules(on: dt.date) -> tuple[list[calc.Rate], calc.RuleSet]:
    rates = [calc.Rate(r.effective_from, r.rate) for r in InterestRate.objects.order_by("effective_from")]
    rule = InterestRule.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
    rules = (calc.RuleSet(rule.rounding, rule.threshold, rule.allocation, rule.days_in_year) if rule
             else calc.RuleSet())
    return rates, rules


def settlement_compute(settlement: Settlement, *, actor) -> Settlement:
    """§10 from the accepted final report and the recorded payments; every figure to the audit."""
    contract = settlement.contract
    final = contract.reports.filter(kind=ReportKind.FINAL).first()
    established_on = timezone.localdate()

    def compute(locked: Settlement) -> dict[str, Any]:
        terms = terms_of(contract)
        terminated = contract.state == ContractState.TERMINATED
        if terminated and contract.terminated_on and contract.terminated_on < terms.expenditure_end:
            # the term of use ended with the contract: the unused grant is due 15 days later (art. 251 ust. 3)
            end = max(contract.terminated_on, terms.expenditure_start)
            terms = dataclasses.replace(terms, expenditure_end=end, return_due=deadline_in_days(end, 15))
        documents = documents_of(final) if final else []
        rejected = final is not None and final.state == ReportState.REJECTED
        if terminated and (final is None or final.state != ReportState.ACCEPTED):
            # a terminated contract's report that was never accepted accounts for no costs: what was paid is
            # unused; costs the officer finds misused go through a report's verification, not a draft
            documents = []
        elif rejected:
            # a rejected (or missing) final report accounts for nothing: all grant charged is ineligible
            note = final.decision_note if final else str(TerminationGround(contract.termination_ground).label
                                                         if contract.termination_ground else "")
            documents = [calc.Document(d.id, d.position, d.number, d.amount, d.issued_on, d.paid_on, d.shares,
                                       d.ineligible_reason or f"report rejected: {note}", d.financial)
                         for d in documents]
        payments = [(t.paid_on, t.paid_amount) for t in contract.tranches.all() if t.paid_on]
        revenue, _errors = revenue_of({s.key: s.data for s in final.sections.all()} if final else {})
        items, computation = calc.compute_settlement(terms, documents, payments=payments, revenue=revenue,
                                                     established_on=established_on)
        if ReturnPayment.objects.filter(item__settlement=locked).exists():
            raise WrongState(_("Returns are already recorded; the settlement cannot be recomputed."),
                             code="returns_recorded")
        locked.items.all().delete()
        ReturnItem.objects.bulk_create([
            ReturnItem(settlement=locked, kind=item.kind, line_id=item.line_id, basis=item.basis, amount=item.amount,
                       due_on=item.due_on, interest_from=item.interest_from, explanation=canonical(item.explanation))
            for item in items])
        locked.computation = canonical({**computation, "report": final.pk if final else None,
                                        "report_sha256": final.snapshot_sha256 if final else "",
                                        "report_rejected": rejected})
        return {"computation": locked.computation,
                "items": [{"kind": i.kind, "amount": i.amount, "basis": i.basis, "due_on": i.due_on,
                           "interest_from": i.interest_from} for i in items]}

    return transition(settlement, "compute", actor=actor, effect=compute)


MISUSE_KINDS = (ReturnKind.INELIGIBLE, ReturnKind.LINE_EXCESS, ReturnKind.SHARE_EXCESS)


def _misuse_deadlines_from_notice(locked: Settlement) -> dict[str, Any]:
    """Art. 252 ust. 1: misused or excessive grant is returned within 15 days of the day the circumstance
    is established — for the organisation, the day it is told. Excess bears interest from the day after
    that deadline; misuse keeps its interest from the transfer."""
    today = timezone.localdate()
    due = deadline_in_days(today, 15)
    moved = []
    for item in locked.items.filter(kind__in=MISUSE_KINDS):
        item.due_on = due
        if item.kind != ReturnKind.INELIGIBLE:
            item.interest_from = due + dt.timedelta(days=1)
        item.save(update_fields=["due_on", "interest_from"])
        moved.append({"item": item.pk, "kind": item.kind, "due_on": due, "interest_from": item.interest_from})
    return {"notice_on": today, "misuse_deadlines": moved}


def settlement_conclude(settlement: Settlement, *, actor) -> Settlement:
    """After computing: nothing due → closed and the contract performed; otherwise the notice of
    return goes to the organisation with each amount, basis and deadline."""
    with transaction.atomic():
        if not settlement.items.exists():
            closed = transition(settlement, "close_nothing_due", actor=actor)
            _perform_if_done(closed.contract, actor)
            return closed
        due = transition(settlement, "notify_return", actor=actor, effect=_misuse_deadlines_from_notice)
        lines = "\n".join(f"- {item.get_kind_display()}: {calc.fmt(item.amount)} ({item.basis}), "
                          f"{_('by')} {_date(item.due_on)}" for item in due.items.all())
        _notify_ngo(due.contract, f"settlement.{due.pk}.return_due", _("Return due on contract {number}").format(
            number=due.contract.number), _("Please return to the authority's account:\n{lines}\nInterest as for tax "
                                           "arrears runs on late returns.").format(lines=lines),
            _link("settlements:settlement", due.pk))
    return due


def _perform_if_done(contract: Contract, actor) -> None:
    """The contract is performed when its final report is accepted and the settlement closed; a
    contract whose final report was rejected stays settling once the money is back (its further
    fate — termination, a new report — is the authority's decision, not a side effect)."""
    from .guards import perform_problems

    contract.refresh_from_db()
    if contract.state == ContractState.SETTLING and not perform_problems(contract):
        transition(contract, "perform", actor=actor)


def return_record(*, item: ReturnItem, actor, paid_on: Any, amount: Any, reference: str = "") -> ReturnPayment:
    """The finance officer records a return: interest to the day of payment on what is still due,
    the payment booked to the amount and the interest; once everything is settled the settlement
    closes and the contract is performed."""
    settlement = item.settlement
    contract = settlement.contract
    _require(has_role(actor, contract.authority, AuthorityRole.FINANCE))
    errors: dict[str, list[str]] = {}
    day = _date_field(errors, "paid_on", paid_on)
    value = _money_field(errors, "amount", amount, positive=True)
    if day and day > timezone.localdate():
        errors.setdefault("paid_on", []).append(_("A payment cannot be dated in the future."))
    if errors:
        raise InvalidData(errors)
    from .selectors import item_balance

    with transaction.atomic():
        locked_settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if locked_settlement.state not in (SettlementState.RETURN_DUE, SettlementState.OVERDUE,
                                           SettlementState.DECISION_ISSUED):
            raise WrongState(_("Returns are recorded after the notice of return (now: {state}).").format(
                state=locked_settlement.get_state_display()), code="no_return_due")
        locked = ReturnItem.objects.select_for_update().get(pk=item.pk, settlement=locked_settlement)
        balance = item_balance(locked)
        if day < balance.last_payment_on if balance.last_payment_on else False:
            raise InvalidData({"paid_on": [_("A later payment ({date}) is already recorded.").format(
                date=_date(balance.last_payment_on))]})
        rates, rules = rates_and_rules(day)
        start = max(locked.interest_from, balance.last_payment_on + dt.timedelta(days=1)
                    if balance.last_payment_on else locked.interest_from)
        interest, working = calc.interest(balance.principal_outstanding, start, day, rates, rules)
        interest_due = balance.interest_outstanding + interest
        if value > balance.principal_outstanding + interest_due:
            raise InvalidData({"amount": [_("Only {due} is due on this item ({principal} and {interest} interest); "
                                            "record the rest against another item.").format(
                due=calc.fmt(balance.principal_outstanding + interest_due),
                principal=calc.fmt(balance.principal_outstanding), interest=calc.fmt(interest_due))]})
        to_principal, to_interest = calc.book_payment(paid=value, principal_due=balance.principal_outstanding,
                                                      interest_due=interest_due, allocation=rules.allocation)
        payment = ReturnPayment.objects.create(
            item=locked, paid_on=day, amount=value, to_principal=to_principal, to_interest=to_interest,
            interest_charged=interest, explanation=canonical({"interest": working, "allocation": rules.allocation,
                                                              "rounding": rules.rounding}),
            reference=str(reference or "")[:100], recorded_by=actor)
        audit_record(subject=locked_settlement, action="settlements.settlement.return_recorded", actor=actor,
                     actor_role=AuthorityRole.FINANCE, subject_locked=True,
                     payload={"item": locked.pk, "kind": locked.kind, "paid_on": day, "amount": value,
                              "to_principal": to_principal, "to_interest": to_interest, "interest_charged": interest,
                              "interest_working": working})
        if interest:
            _notify_ngo(contract, f"return.{payment.pk}.interest", _("Interest charged on a late return"),
                        _("Interest of {interest} was charged on the return of {date} ({kind}); {left} of interest "
                          "remains to be paid.").format(interest=calc.fmt(interest), date=_date(day),
                                                         kind=locked.get_kind_display(),
                                                         left=calc.fmt(interest_due - to_interest)),
                        _link("settlements:settlement", locked_settlement.pk))
        from .guards import paid_problems

        if not paid_problems(locked_settlement):
            transition(locked_settlement, "mark_paid", actor=actor)
            transition(locked_settlement, "close", actor=actor)
            _perform_if_done(contract, actor)
    return payment


def settlement_issue_decision(settlement: Settlement, *, actor, decision_reference: str, decision_on: Any
                              ) -> Settlement:
    require_permission(settlement, "issue_decision", actor)
    errors: dict[str, list[str]] = {}
    if not str(decision_reference or "").strip():
        errors.setdefault("decision_reference", []).append(_("Give the decision's reference."))
    day = _date_field(errors, "decision_on", decision_on)
    if errors:
        raise InvalidData(errors)
    return transition(settlement, "issue_decision", actor=actor, decision_reference=str(decision_reference).strip(),
                      decision_on=day)


# --- the schedule (beat) -------------------------------------------------------------------------------------


def check_deadlines(today: dt.date | None = None) -> dict[str, int]:
    """Beat: contracts whose task ended, reports due in 7 days, overdue reports and returns. Each
    check looks at everything past its date, so a missed run is caught up by the next one."""
    today = today or timezone.localdate()
    counts = {"ended": 0, "reminded": 0, "overdue_reports": 0, "overdue_returns": 0}
    for contract in Contract.objects.filter(state=ContractState.ACTIVE, task_end__lt=today):
        try:
            contract_end(contract, actor=None)
            counts["ended"] += 1
        except WrongState:
            continue
    soon = today + dt.timedelta(days=REMINDER_DAYS)
    running = Report.objects.exclude(contract__state=ContractState.TERMINATED)  # a terminated contract owes none
    for report in running.filter(state=ReportState.REQUESTED, due_on__lte=soon, due_on__gte=today
                                 ).select_related("contract__organization"):
        with transaction.atomic():
            _notify_ngo(report.contract, f"report.{report.pk}.reminder.{report.due_on:%Y%m%d}",
                        _("Report due by {date}").format(date=_date(report.due_on)),
                        _("The {kind} on contract {number} is due by {date}.").format(
                            kind=report.get_kind_display(), number=report.contract.number, date=_date(report.due_on)),
                        _link("settlements:report", report.pk))
        counts["reminded"] += 1
    for report in running.filter(state=ReportState.REQUESTED, due_on__lt=today):
        try:
            with transaction.atomic():
                overdue = transition(report, "mark_overdue", actor=None)
                _notify_ngo(overdue.contract, f"report.{overdue.pk}.overdue", _("Report overdue"),
                            _("The {kind} on contract {number} was due on {date} and has not been filed.").format(
                                kind=overdue.get_kind_display(), number=overdue.contract.number,
                                date=_date(overdue.due_on)), _link("settlements:report", overdue.pk))
                for user in _staff_recipients(overdue.contract, AuthorityRole.FINANCE):
                    notify(key=f"report.{overdue.pk}.overdue.staff", recipients=[user],
                           subject=_("Report overdue: {number}").format(number=overdue.contract.number),
                           body=_("Consider a written call."), link=_link("settlements:report", overdue.pk))
            counts["overdue_reports"] += 1
        except WrongState:
            continue
    for settlement in Settlement.objects.filter(state=SettlementState.RETURN_DUE, items__due_on__lt=today).distinct():
        try:
            transition(settlement, "mark_overdue", actor=None)
            counts["overdue_returns"] += 1
        except WrongState:
            continue
    return counts
