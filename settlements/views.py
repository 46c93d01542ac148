"""Web pages of contracts: the list, the awards ready for a contract, the contract page (terms,
cost lines, signatures, tranches, annexes, the call for a partial report, termination, the
reports and the settlement, the audit trail) and its PDF.

Thin: reads through settlements.selectors, every write through one function of
settlements.services. A refused action comes back to the block it was sent from — at its
fields (400) or with the reasons (409) — with everything typed kept. NotFound, Forbidden and
a WrongState nobody can act on are turned into pages by workflow.middleware.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from competitions.models import AuthorityRole, has_role
from competitions.selectors import authorities_for_user
from offers.form import money, parse_date, parse_decimal, parse_index
from workflow.audit import audit_events_for
from workflow.errors import InvalidData, NotFound, WrongState
from workflow.permissions import has_object_perm
from workflow.services import available_transitions

from . import selectors, services
from .forms import (
    AnnexSignForm,
    ConcludeForm,
    PartialReportForm,
    SignatureForm,
    TerminateForm,
    TranchePaymentForm,
    WithdrawForm,
)
from .guards import required_parties
from .models import AnnexState, Contract, ContractState, Party, PaymentMode, ReportKind

MAX_ROWS = 24


# --- helpers shared by the pages -------------------------------------------------------------------------


def amount_input(value: Decimal | None) -> str:
    """An amount as a Polish user types it: "25 000,00"."""
    return money(value).removesuffix(" zł") if value is not None else ""


def date_input(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def shown_transitions(obj, user) -> dict:
    """The transitions worth showing: those the user may take now, and those refused for a reason
    other than the state or the user's role (the page says why they are not available)."""
    return {t.name: t for t in available_transitions(obj, user)
            if t.allowed or (t.reasons and t.reasons[0].code not in ("wrong_state", "forbidden"))}


def roles_of(user, contract: Contract) -> dict[str, bool]:
    authority, organization = contract.authority, contract.organization
    return {
        "officer": has_role(user, authority, AuthorityRole.OFFICER),
        "finance": has_role(user, authority, AuthorityRole.FINANCE),
        "approver": has_role(user, authority, AuthorityRole.APPROVER),
        "ngo": has_object_perm(user, "view_organization", organization),
        "ngo_signatory": has_object_perm(user, "submit_offers", organization),
        "ngo_editor": has_object_perm(user, "edit_offers", organization),
    }


def _contract(request: HttpRequest, pk) -> Contract:
    return selectors.contract_get(user=request.user, pk=pk)


def _back(contract: Contract, anchor: str = "") -> HttpResponse:
    return redirect(reverse("settlements:contract", args=[contract.pk]) + (f"#{anchor}" if anchor else ""))


# --- the list ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse:
    """My contracts (an organisation's people) or the authority's contracts (its staff), with the
    awards ready for a contract for the officer."""
    user = request.user
    state = request.GET.get("state", "")
    if state not in ContractState.values:
        state = ""
    competition = None
    if parse_index(request.GET.get("competition")) is not None:
        from competitions.selectors import competition_get

        try:
            competition = competition_get(user=user, pk=parse_index(request.GET["competition"]))
        except NotFound:
            competition = None
    contracts = list(selectors.contract_list(user=user, state=state, competition=competition))
    awards = list(selectors.awards_ready_for_contract(user=user, competition=competition))
    finance_of = list(authorities_for_user(user=user, role=AuthorityRole.FINANCE))
    return render(request, "settlements/contract_list.html", {
        "contracts": contracts, "awards": awards, "state": state, "states": ContractState.choices,
        "competition": competition, "is_staff": bool(authorities_for_user(user=user).exists()),
        "finance_of": finance_of,
    })


@login_required
@require_POST
def contract_draft(request: HttpRequest, award_pk) -> HttpResponse:
    """The officer drafts the contract from an award ready for it."""
    award = selectors.award_for_contract(user=request.user, pk=award_pk)
    try:
        contract = services.contract_draft(award=award, actor=request.user)
    except (InvalidData, WrongState) as error:
        messages.error(request, _("The contract was not drafted: {reason}").format(
            reason=" ".join(m for msgs in getattr(error, "errors", {}).values() for m in msgs) or error.text()))
        return redirect(reverse("settlements:contract_list") + f"?competition={award.offer.competition_id}")
    messages.success(request, _("Contract {number} drafted. Check the terms, then record the signatures.").format(
        number=contract.number))
    return redirect("settlements:contract", pk=contract.pk)


# --- the contract page ---------------------------------------------------------------------------------------


def _terms_values(contract: Contract) -> dict[str, Any]:
    return {
        "title": contract.title, "place": contract.place,
        **{key: date_input(getattr(contract, key)) for key in (
            "task_start", "task_end", "expenditure_start", "expenditure_end", "return_due")},
        "payment_mode": contract.payment_mode, "bank_account": contract.bank_account,
        "tolerance_pct": amount_input(contract.tolerance_pct), "countersigned_by": contract.countersigned_by,
        "authority_signatories": contract.authority_signatories,
    }


def _rows_with_errors(rows: list[dict], prefix: str, errors: dict[str, list[str]], names: tuple[str, ...]):
    out = []
    for index, row in enumerate(rows):
        out.append({**row, "index": index,
                    "errors": {name: " ".join(errors.get(f"{prefix}.{index}.{name}", [])) for name in names},
                    "row_error": " ".join(errors.get(f"{prefix}.{index}", []))})
    return out


def _posted_rows(post, prefix: str, names: tuple[str, ...], *, keep_blank: bool = False) -> list[dict]:
    try:
        count = min(int(post.get(f"{prefix}_rows") or 0), MAX_ROWS + 10)
    except (TypeError, ValueError):
        count = 0
    rows = []
    for index in range(count):
        row = {name: str(post.get(f"{prefix}.{index}.{name}", ""))[:100] for name in names}
        if keep_blank or any(row[n].strip() for n in names if n not in ("position", "label", "name")):
            rows.append(row)
    return rows


def _party_rows(contract: Contract, user, roles: dict, signatures: list, forms: dict) -> list[dict]:
    signed = {s.party_key: s for s in signatures if s.annex_id is None}
    rows = []
    for party in required_parties(contract):
        key = party["key"]
        if key == "organization" or key.startswith("partner-"):
            may = roles["ngo_signatory"] or roles["officer"]
        elif key == "authority":
            may = roles["officer"]
        else:
            may = roles["finance"] or roles["officer"]
        kind = str(party.get("party") or "")
        label = str(Party(kind).label) if kind in Party.values else ""
        rows.append({"party": party, "party_label": label if label != str(party.get("name") or "") else "",
                     "signature": signed.get(key), "may_sign": may and key not in signed
                     and contract.state == ContractState.DRAFTED,
                     "form": forms.get(key) or SignatureForm(prefix=f"sig-{key}")})
    return rows


def _annex_values(contract: Contract, lines, tranches) -> dict[str, Any]:
    return {
        **{key: date_input(getattr(contract, key)) for key in (
            "task_start", "task_end", "expenditure_start", "expenditure_end")},
        "bank_account": contract.bank_account, "reason": "",
        "lines": [{"position": str(line.position), "label": line.label, "name": line.name,
                   "value": amount_input(line.value), "grant_part": amount_input(line.grant_part)}
                  for line in lines if line.is_active],
        "tranches": [{"due_on": date_input(t.due_on), "amount": amount_input(t.amount),
                      "paid": bool(t.paid_on)} for t in tranches],
    }


def contract_context(request: HttpRequest, contract: Contract, **extra) -> dict[str, Any]:
    user = request.user
    roles = roles_of(user, contract)
    staff = roles["officer"] or roles["finance"] or roles["approver"]
    lines = list(contract.lines.all())
    tranches = list(contract.tranches.all())
    signatures = list(contract.signatures.all())
    annexes = list(contract.annexes.select_related("proposed_by"))
    for annex in annexes:
        annex.signed = [s for s in signatures if s.annex_id == annex.pk]
        annex.sides = {s.party_key for s in annex.signed}
        annex.ngo_may_sign = roles["ngo_signatory"] and annex.state in (AnnexState.PROPOSED,
                                                                         AnnexState.SIGNED_BY_AUTHORITY)
        annex.officer_may_sign = roles["officer"] and annex.state in (AnnexState.PROPOSED,
                                                                       AnnexState.SIGNED_BY_ORGANIZATION)
        annex.key = f"annex-{annex.pk}"
        annex.open = annex.state not in (AnnexState.IN_FORCE, AnnexState.WITHDRAWN)
        annex.sign_form = extra.get("annex_sign_forms", {}).get(annex.pk) or AnnexSignForm(prefix=f"annex-{annex.pk}")
        annex.withdraw_form = extra.get("annex_withdraw_forms", {}).get(annex.pk) or WithdrawForm(
            prefix=f"withdraw-{annex.pk}")
        annex.change_rows = _annex_change_rows(annex, lines)
    reports = list(contract.reports.all())
    settlement = getattr(contract, "settlement", None)
    pay_forms = extra.pop("pay_forms", {})
    for tranche in tranches:
        tranche.key = f"pay-{tranche.pk}-errors"
        tranche.form = pay_forms.get(tranche.pk) or TranchePaymentForm(
            prefix=f"pay-{tranche.pk}", initial={"amount": amount_input(tranche.amount)})
    errors = extra.pop("terms_errors", {})
    terms_values = extra.pop("terms_values", None) or _terms_values(contract)
    tranche_rows = extra.pop("tranche_rows", None)
    if tranche_rows is None:
        tranche_rows = [{"due_on": date_input(t.due_on), "amount": amount_input(t.amount)} for t in tranches]
    annex_errors = extra.pop("annex_errors", {})
    annex_values = extra.pop("annex_values", None) or _annex_values(contract, lines, tranches)
    pending_annex = any(a.open for a in annexes)
    can_propose_annex = ((roles["officer"] or roles["ngo_signatory"])
                         and contract.state in (ContractState.SIGNED, ContractState.ACTIVE) and not pending_annex)
    context = {
        "contract": contract, "roles": roles, "is_staff": staff, "lines": lines,
        "active_lines": [line for line in lines if line.is_active], "tranches": tranches,
        "grant_parts": sum((line.grant_part for line in lines if line.is_active), Decimal("0")),
        "planned_total": sum((line.value for line in lines if line.is_active), Decimal("0")),
        "parties": _party_rows(contract, user, roles, signatures, extra.pop("signature_forms", {})),
        "annexes": annexes, "reports": reports, "settlement": settlement,
        "transitions": shown_transitions(contract, user),
        "editable_terms": roles["officer"] and contract.state == ContractState.DRAFTED,
        # translated here, not with _() in the template: a template's _("… (%)") is looked up as "(%%)"
        "tolerance_label": _("A grant-financed cost line may grow without an annex by (%)"),
        "terms_values": terms_values, "terms_errors": {k: " ".join(v) for k, v in errors.items()},
        "terms_error_list": [(k, m) for k, msgs in errors.items() for m in msgs],
        "tranche_rows": _rows_with_errors(tranche_rows, "tranches", errors, ("due_on", "amount")),
        "tranches_error": " ".join(errors.get("tranches", [])),
        "payment_modes": PaymentMode.choices,
        "may_pay": roles["finance"] and contract.state in (ContractState.SIGNED, ContractState.ACTIVE,
                                                           ContractState.IMPLEMENTATION_ENDED),
        "may_call_partial": (roles["officer"] or roles["finance"]) and contract.state == ContractState.ACTIVE,
        "may_send": roles["officer"] and contract.state == ContractState.DRAFTED,
        "can_propose_annex": can_propose_annex, "pending_annex": pending_annex,
        "annex_values": annex_values, "annex_errors": {k: " ".join(v) for k, v in annex_errors.items()},
        "annex_error_list": [(k, m) for k, msgs in annex_errors.items() for m in msgs],
        "annex_line_rows": _rows_with_errors(annex_values["lines"], "lines", annex_errors,
                                             ("name", "value", "grant_part")),
        "annex_tranche_rows": _rows_with_errors(annex_values["tranches"], "tranches", annex_errors,
                                                ("due_on", "amount")),
        "conclude_form": extra.pop("conclude_form", None) or ConcludeForm(prefix="conclude"),
        "partial_form": extra.pop("partial_form", None) or PartialReportForm(prefix="partial"),
        "terminate_form": extra.pop("terminate_form", None) or TerminateForm(prefix="terminate"),
        "final_report": next((r for r in reports if r.kind == ReportKind.FINAL), None),
        "audit": list(audit_events_for(contract)) if staff else [],
        **extra,
    }
    return context


def _annex_change_rows(annex, lines) -> list[tuple[str, str, str]]:
    """What an annex changes, as (term, before, after) for people to read."""
    labels = {"task_start": _("Task starts"), "task_end": _("Task ends"),
              "expenditure_start": _("Grant may be spent from"), "expenditure_end": _("Grant may be spent until"),
              "bank_account": _("Bank account"), "title": _("Title"), "place": _("Place")}
    rows = []
    before = annex.before or {}
    for key, value in (annex.changes or {}).items():
        if key in labels:
            rows.append((labels[key], str(before.get(key, "")), str(value)))
        elif key == "lines":
            old = {item.get("position"): item for item in before.get("lines", [])}
            for item in value:
                was = old.get(item.get("position")) or {}
                new = f"{money(Decimal(item['value']))} / {money(Decimal(item['grant_part']))}"
                prev = (f"{money(Decimal(was['value']))} / {money(Decimal(was['grant_part']))}" if was else "—")
                if new != prev:
                    rows.append((f"{_('Cost line')} {item.get('label') or was.get('label', '')} {item['name']}",
                                 prev, new))
        elif key == "tranches":
            old = "; ".join(f"{t['due_on']}: {money(Decimal(t['amount']))}" for t in before.get("tranches", []))
            new = "; ".join(f"{t['due_on']}: {money(Decimal(t['amount']))}" for t in value)
            rows.append((_("Payments"), old, new))
    return rows


def render_contract(request, contract, status: int = 200, **extra) -> HttpResponse:
    return render(request, "settlements/contract.html", contract_context(request, contract, **extra), status=status)


@login_required
@require_GET
def contract_detail(request: HttpRequest, pk) -> HttpResponse:
    return render_contract(request, _contract(request, pk))


@login_required
@require_POST
def contract_terms(request: HttpRequest, pk) -> HttpResponse:
    """Save the draft's terms and its payment schedule (rows added and removed without losing input)."""
    contract = _contract(request, pk)
    if contract.state != ContractState.DRAFTED:
        # checked before the input, so that the answer is the state, not the fields
        return render_contract(request, contract, status=409, error_at="terms", error=WrongState(
            _("A signed contract changes only by an annex."), code="contract_signed"))
    post = request.POST
    values = {**_terms_values(contract), **{key: str(post[key])[:300] for key in services.EDITABLE_TERMS
                                            if key in post}}
    rows = _posted_rows(post, "tranches", ("due_on", "amount"))
    if post.get("_add_tranche") is not None:
        rows = [*rows, {"due_on": "", "amount": ""}][:MAX_ROWS]
        return render_contract(request, contract, terms_values=values, tranche_rows=rows, focus="terms")
    if parse_index(post.get("_remove_tranche")) is not None:
        index = parse_index(post["_remove_tranche"])
        rows = [row for i, row in enumerate(_posted_rows(post, "tranches", ("due_on", "amount"), keep_blank=True))
                if i != index]
        return render_contract(request, contract, terms_values=values, tranche_rows=rows, focus="terms")
    data: dict[str, Any] = {key: values[key] for key in services.EDITABLE_TERMS if key in post}
    data["tranches"] = [{"due_on": row["due_on"], "amount": row["amount"]} for row in rows]
    try:
        services.contract_update_terms(contract, actor=request.user, data=data)
    except InvalidData as error:
        return render_contract(request, contract, status=400, terms_values=values, tranche_rows=rows,
                               terms_errors=error.errors, focus="terms")
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at="terms")
    messages.success(request, _("The terms are saved."))
    return _back(contract, "terms")


@login_required
@require_POST
def contract_signature(request: HttpRequest, pk) -> HttpResponse:
    contract = _contract(request, pk)
    party_key = str(request.POST.get("party_key", ""))[:40]
    form = SignatureForm(request.POST, prefix=f"sig-{party_key}")
    form.is_valid()
    try:
        services.signature_record(contract=contract, actor=request.user, party_key=party_key,
                                  signer=form.value("signer"), signed_on=form.value("signed_on"))
    except InvalidData as error:
        form.apply(error)
        return render_contract(request, contract, status=400, signature_forms={party_key: form}, focus="parties")
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at="parties")
    messages.success(request, _("The signature is recorded."))
    return _back(contract, "parties")


@login_required
@require_POST
def contract_conclude(request: HttpRequest, pk) -> HttpResponse:
    contract = _contract(request, pk)
    form = ConcludeForm(request.POST, prefix="conclude")
    form.is_valid()
    try:
        services.contract_sign(contract, actor=request.user, signed_on=form.value("signed_on") or None)
    except InvalidData as error:
        form.apply(error)
        return render_contract(request, contract, status=400, conclude_form=form, focus="parties")
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at="conclude", conclude_form=form)
    messages.success(request, _("The contract is recorded as concluded; the grant can be paid."))
    return _back(contract)


@login_required
@require_POST
def contract_send(request: HttpRequest, pk) -> HttpResponse:
    contract = _contract(request, pk)
    try:
        services.contract_send_for_signature(contract, actor=request.user)
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at="parties")
    messages.success(request, _("The organisation is told the contract is ready to sign."))
    return _back(contract, "parties")


@login_required
@require_POST
def tranche_pay(request: HttpRequest, pk, tranche_pk) -> HttpResponse:
    contract = _contract(request, pk)
    tranche = selectors.tranche_get(user=request.user, pk=tranche_pk)
    if tranche.contract_id != contract.pk:
        raise NotFound()
    form = TranchePaymentForm(request.POST, prefix=f"pay-{tranche.pk}")
    form.is_valid()
    try:
        services.tranche_record_payment(tranche, actor=request.user, paid_on=form.value("paid_on"),
                                        amount=form.value("amount"), reference=form.value("reference"))
    except InvalidData as error:
        form.apply(error)
        return render_contract(request, contract, status=400, pay_forms={tranche.pk: form}, focus="tranches")
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at="tranches",
                               pay_forms={tranche.pk: form})
    messages.success(request, _("Payment of tranche {no} is recorded.").format(no=tranche.number))
    return _back(contract, "tranches")


@login_required
@require_POST
def partial_request(request: HttpRequest, pk) -> HttpResponse:
    contract = _contract(request, pk)
    form = PartialReportForm(request.POST, prefix="partial")
    form.is_valid()
    try:
        report = services.report_request_partial(
            contract=contract, actor=request.user, period_start=form.value("period_start"),
            period_end=form.value("period_end"), due_on=form.value("due_on"), note=form.value("note"))
    except InvalidData as error:
        form.apply(error)
        return render_contract(request, contract, status=400, partial_form=form, focus="reports")
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at="reports", partial_form=form)
    messages.success(request, _("The organisation is called for a partial report due by {date}.").format(
        date=report.due_on.strftime("%d.%m.%Y")))
    return _back(contract, "reports")


@login_required
@require_POST
def contract_terminate(request: HttpRequest, pk) -> HttpResponse:
    contract = _contract(request, pk)
    form = TerminateForm(request.POST, prefix="terminate")
    form.is_valid()
    try:
        services.contract_terminate(contract, actor=request.user, ground=form.value("ground"),
                                    reason=form.value("reason"), terminated_on=form.value("terminated_on"))
    except InvalidData as error:
        form.apply(error)
        return render_contract(request, contract, status=400, terminate_form=form, focus="terminate")
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at="terminate", terminate_form=form)
    messages.success(request, _("The contract is terminated."))
    return _back(contract)


# --- annexes -------------------------------------------------------------------------------------------------


def _same_date(typed: str, current: dt.date) -> bool:
    day, error = parse_date(typed)
    return error is None and (day is None or day == current)


def _same_amount(typed: str, current: Decimal) -> bool:
    amount, error = parse_decimal(typed)
    return error is None and amount is not None and amount == current


def _annex_changes(contract: Contract, post) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the proposed annex changes (only the terms that differ from the contract), and the
    form's values as typed."""
    lines = [line for line in contract.lines.all() if line.is_active]
    tranches = list(contract.tranches.all())
    values: dict[str, Any] = {key: str(post.get(key, ""))[:100] for key in (
        "task_start", "task_end", "expenditure_start", "expenditure_end", "bank_account")}
    values["reason"] = str(post.get("reason", ""))[:5000]
    changes: dict[str, Any] = {}
    for key in ("task_start", "task_end", "expenditure_start", "expenditure_end"):
        if not _same_date(values[key], getattr(contract, key)):
            changes[key] = values[key]
    if values["bank_account"].strip() and not services.same_bank_account(values["bank_account"],
                                                                          contract.bank_account):
        changes["bank_account"] = values["bank_account"]
    line_rows = []
    for index, line in enumerate(lines):
        line_rows.append({"position": str(line.position), "label": line.label, "name": line.name,
                          "value": str(post.get(f"lines.{index}.value", ""))[:30],
                          "grant_part": str(post.get(f"lines.{index}.grant_part", ""))[:30]})
    if any(not _same_amount(row["value"], line.value) or not _same_amount(row["grant_part"], line.grant_part)
           for row, line in zip(line_rows, lines, strict=True)):
        changes["lines"] = [{"position": row["position"], "value": row["value"], "grant_part": row["grant_part"]}
                            for row in line_rows]
    tranche_rows = _posted_rows(post, "tranches", ("due_on", "amount"))
    paid = {t.number for t in tranches if t.paid_on}
    for index, row in enumerate(tranche_rows):
        row["paid"] = (index + 1) in paid
    current = [(t.due_on, t.amount) for t in tranches]
    typed = [(parse_date(r["due_on"]), parse_decimal(r["amount"])) for r in tranche_rows]
    same = len(typed) == len(current) and all(
        d[1] is None and a[1] is None and (d[0], a[0]) == c for (d, a), c in zip(typed, current, strict=True))
    if not same:
        changes["tranches"] = [{"due_on": r["due_on"], "amount": r["amount"]} for r in tranche_rows]
    values["lines"], values["tranches"] = line_rows, tranche_rows
    return changes, values


@login_required
@require_POST
def annex_propose(request: HttpRequest, pk) -> HttpResponse:
    contract = _contract(request, pk)
    changes, values = _annex_changes(contract, request.POST)
    if request.POST.get("_add_tranche") is not None:
        values["tranches"] = [*values["tranches"], {"due_on": "", "amount": "", "paid": False}][:MAX_ROWS]
        return render_contract(request, contract, annex_values=values, focus="annex-new")
    if parse_index(request.POST.get("_remove_tranche")) is not None:
        index = parse_index(request.POST["_remove_tranche"])
        rows = _posted_rows(request.POST, "tranches", ("due_on", "amount"), keep_blank=True)
        values["tranches"] = [row for i, row in enumerate(rows) if i != index]
        return render_contract(request, contract, annex_values=values, focus="annex-new")
    try:
        annex = services.annex_propose(contract=contract, actor=request.user, reason=values["reason"],
                                       changes=changes)
    except InvalidData as error:
        return render_contract(request, contract, status=400, annex_values=values, annex_errors=error.errors,
                               focus="annex-new")
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at="annex-new",
                               annex_values=values)
    messages.success(request, _("Annex {no} is proposed; it is in force once both sides have signed.").format(
        no=annex.number))
    return _back(contract, f"annex-{annex.pk}")


def _annex(request, pk, annex_pk):
    contract = _contract(request, pk)
    annex = selectors.annex_get(user=request.user, pk=annex_pk)
    if annex.contract_id != contract.pk:
        raise NotFound()
    return contract, annex


@login_required
@require_POST
def annex_sign(request: HttpRequest, pk, annex_pk) -> HttpResponse:
    contract, annex = _annex(request, pk, annex_pk)
    form = AnnexSignForm(request.POST, prefix=f"annex-{annex.pk}")
    form.is_valid()
    try:
        signed = services.annex_sign(annex, actor=request.user, signer=form.value("signer"),
                                     signed_on=form.value("signed_on"))
    except InvalidData as error:
        form.apply(error)
        return render_contract(request, contract, status=400, annex_sign_forms={annex.pk: form},
                               focus=f"annex-{annex.pk}")
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at=f"annex-{annex.pk}",
                               annex_sign_forms={annex.pk: form})
    if signed.state == AnnexState.IN_FORCE:
        messages.success(request, _("Annex {no} is in force; the contract is changed.").format(no=signed.number))
    else:
        messages.success(request, _("Your side's signature of annex {no} is recorded.").format(no=signed.number))
    return _back(contract, f"annex-{annex.pk}")


@login_required
@require_POST
def annex_withdraw(request: HttpRequest, pk, annex_pk) -> HttpResponse:
    contract, annex = _annex(request, pk, annex_pk)
    form = WithdrawForm(request.POST, prefix=f"withdraw-{annex.pk}")
    form.is_valid()
    try:
        services.annex_withdraw(annex, actor=request.user, reason=form.value("reason"))
    except WrongState as error:
        return render_contract(request, contract, status=409, error=error, error_at=f"annex-{annex.pk}")
    messages.success(request, _("Annex {no} is withdrawn.").format(no=annex.number))
    return _back(contract, f"annex-{annex.pk}")


# --- the document --------------------------------------------------------------------------------------------


@login_required
@require_GET
def contract_pdf(request: HttpRequest, pk) -> HttpResponse:
    contract = _contract(request, pk)
    from .pdf import contract_pdf as build  # reportlab is loaded only when a PDF is asked for

    response = HttpResponse(build(contract), content_type="application/pdf")
    name = contract.number.replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="umowa-{name}.pdf"'
    return response


@login_required
@require_http_methods(["GET"])
def awards_ready(request: HttpRequest, competition_pk) -> HttpResponse:
    """The awards of one competition ready for a contract (the officer's way in from a competition)."""
    return redirect(reverse("settlements:contract_list") + f"?competition={int(competition_pk)}")
