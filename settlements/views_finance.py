"""The finance officer's pages: the dashboard of an authority (contracts by state and money,
tranches due, reports due, overdue and to verify, settlements and returns outstanding with
interest), the ledger (.xlsx), and the settlement page (compute, each return item with its legal
basis, deadline and interest start, balances with interest to date, the notice, returns
recorded with the interest charged and the split, the administrative decision)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_POST

from competitions.models import Authority, AuthorityRole, has_role
from offers.form import parse_index
from workflow.audit import audit_events_for
from workflow.errors import InvalidData, NotFound, WrongState

from . import selectors, services
from .forms import DecisionIssueForm, ReturnForm
from .models import ContractState, SettlementState
from .views import amount_input, roles_of, shown_transitions


def _staff_authority(request: HttpRequest, pk) -> Authority:
    return selectors.staff_authority_get(user=request.user, pk=pk)


@login_required
@require_GET
def dashboard(request: HttpRequest, authority_pk) -> HttpResponse:
    authority = _staff_authority(request, authority_pk)
    data = selectors.finance_dashboard(user=request.user, authority=authority)
    today = data["today"]
    states = [(value, label, data["by_state"].get(value, 0)) for value, label in ContractState.choices]
    return render(request, "settlements/dashboard.html", {
        "authority": authority, "data": data, "states": states, "today": today,
        "contracts_total": sum(data["by_state"].values()),
        "is_finance": has_role(request.user, authority, AuthorityRole.FINANCE),
    })


@login_required
@require_GET
def ledger(request: HttpRequest, authority_pk) -> HttpResponse:
    authority = _staff_authority(request, authority_pk)
    from .exports import ledger_xlsx  # openpyxl is loaded only when the ledger is asked for

    competition = None
    if parse_index(request.GET.get("competition")) is not None:
        competition = authority.competitions.filter(pk=parse_index(request.GET["competition"])).first()
    response = HttpResponse(ledger_xlsx(authority=authority, competition=competition),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"rejestr-dotacji-{authority.slug}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the settlement -----------------------------------------------------------------------------------------
#
# The computation and each item's explanation are stored as canonical JSON (amounts as "23400.00",
# days as "2027-12-31", English keys and rules for the audit trail). People read them as a table with
# translated labels, amounts in złoty and days as dd.mm.yyyy; a key not known here is listed plainly.

MONEY_KEYS = {
    "received": _l("Grant received (paid)"), "charged_to_grant": _l("Charged to the grant by the documents"),
    "not_paid_out": _l("Charged to the grant beyond what was paid"), "ineligible": _l("Ineligible (misused)"),
    "line_excess": _l("Above the tolerance of the cost lines"), "share_excess": _l("Own contribution share fell by"),
    "unused": _l("Unused grant"), "eligible_total": _l("Eligible costs in total"),
    "total_to_return": _l("To return in total"), "found": _l("Found"),
    "planned": _l("Planned from the grant"), "limit": _l("Limit from the grant"), "actual": _l("Actual from the grant"),
    "grant_used": _l("Grant used"), "actual_total": _l("Actual costs in total"),
    "allowed": _l("Grant allowed at the agreed share"), "earned": _l("Earned"), "spent": _l("Spent on the task"),
}
PCT_KEYS = {"agreed_share_pct": _l("Agreed share of the grant"), "agreed_share": _l("Agreed share of the grant"),
            "tolerance_pct": _l("Tolerance of a cost line")}
DATE_KEYS = {"established_on": _l("Established on"), "transfer": _l("Transfer of the grant that financed it")}
TEXT_KEYS = {"line": _l("Cost line"), "report_sha256": _l("SHA-256 of the report")}
RULES = {
    "paid − charged to the grant": _l("paid minus charged to the grant"),
    "max(0, actual − planned × (1 + tolerance))": _l("actual minus the planned grant part increased by the tolerance"),
    "grant used − actual total × agreed share": _l("grant used minus the actual total times the agreed share"),
    "grant used contrary to purpose; interest from the day of the transfer that financed it":
        _l("grant used contrary to purpose; interest from the day of the transfer that financed it"),
    "charged to the grant beyond what was paid: not financed by it":
        _l("charged to the grant beyond what was paid: not financed by the grant"),
}
REASONS = {"outside_period": _l("paid outside the period the grant may be spent")}
LINE_COLUMNS = (("line", _l("Cost line"), "text"), ("planned_grant", _l("Planned from the grant"), "money"),
                ("limit", _l("Limit from the grant"), "money"), ("actual_grant", _l("Actual from the grant"), "money"),
                ("actual_total", _l("Actual total"), "money"), ("excess", _l("Above the limit"), "money"))
DOCUMENT_COLUMNS = (("no", _l("No."), "text"), ("number", _l("Document"), "text"),
                    ("grant", _l("From the grant"), "money"), ("paid_on", _l("Paid on"), "date"),
                    ("reason", _l("Why ineligible"), "reason"))
PAYMENT_COLUMNS = (("on", _l("Paid on"), "date"), ("amount", _l("Amount"), "money"))
TABLES = {"lines": (_l("Cost lines"), LINE_COLUMNS), "documents": (_l("Documents"), DOCUMENT_COLUMNS),
          "payments": (_l("Payments of the grant"), PAYMENT_COLUMNS)}
SKIPPED = {"report"}  # the report's id: the page links to the report itself


def _show(value, kind: str = "text") -> str:
    """One stored value as people read it."""
    from offers.form import money, parse_date, parse_decimal

    if value is None or value == "":
        return "—"
    if kind == "money":
        number, error = parse_decimal(str(value))
        return money(number) if number is not None and not error else str(value)
    if kind == "pct":
        number, error = parse_decimal(str(value))
        return f"{number:.2f}".replace(".", ",") + " %" if number is not None and not error else str(value)
    if kind == "date":
        day, error = parse_date(str(value))
        return day.strftime("%d.%m.%Y") if day and not error else str(value)
    if kind == "rule":
        return str(RULES.get(str(value), value))
    if kind == "reason":
        text = str(value)
        if text.startswith("report rejected: "):
            return _("the report was rejected: {note}").format(note=text.removeprefix("report rejected: "))
        return str(REASONS.get(text, text))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    return str(value)


def explain(data: dict) -> dict:
    """A stored computation or explanation as {"rows": [(label, text)], "tables": [{caption, head, rows}]}."""
    rows: list[tuple[str, str]] = []
    tables: list[dict] = []
    for key, value in (data or {}).items():
        if key in SKIPPED:
            continue
        if key in TABLES and isinstance(value, list):
            caption, columns = TABLES[key]
            tables.append({"caption": caption, "head": [(label, kind) for _name, label, kind in columns],
                           "rows": [[(_show(item.get(name), kind), kind) for name, _label, kind in columns]
                                    for item in value if isinstance(item, dict)]})
        elif key in MONEY_KEYS:
            rows.append((str(MONEY_KEYS[key]), _show(value, "money")))
        elif key in PCT_KEYS:
            rows.append((str(PCT_KEYS[key]), _show(value, "pct")))
        elif key in DATE_KEYS:
            rows.append((str(DATE_KEYS[key]), _show(value, "date")))
        elif key in TEXT_KEYS:
            rows.append((str(TEXT_KEYS[key]), _show(value)))
        elif key == "expenditure_period" and isinstance(value, list) and len(value) == 2:
            rows.append((_("Period the grant may be spent"), f"{_show(value[0], 'date')} – {_show(value[1], 'date')}"))
        elif key in ("rule", "not_paid_out_rule"):
            rows.append((_("Rule") if key == "rule" else _("Rule for the part not paid out"), _show(value, "rule")))
        elif key == "report_rejected":
            if value:
                rows.append((_("Final report"), _("rejected: everything charged to the grant is ineligible")))
        else:
            rows.append((str(key).replace("_", " "), _show(value)))
    return {"rows": rows, "tables": tables}




def _settlement(request, pk):
    return selectors.settlement_get(user=request.user, pk=pk)


def settlement_context(request: HttpRequest, settlement, **extra) -> dict:
    contract = settlement.contract
    roles = roles_of(request.user, contract)
    staff = roles["officer"] or roles["finance"] or roles["approver"]
    today = timezone.localdate()
    balances = selectors.item_balances(settlement, as_of=today)
    return_forms = extra.pop("return_forms", {})
    for balance in balances:
        item = balance.item
        due_now = balance.outstanding + balance.interest_to_date
        balance.due_now = due_now
        balance.key = f"item-{item.pk}"
        balance.form = return_forms.get(item.pk) or ReturnForm(
            prefix=f"ret-{item.pk}", initial={"paid_on": today.isoformat(), "amount": amount_input(due_now)})
        balance.late = bool(balance.principal_outstanding) and item.due_on < today
        balance.payments = list(item.payments.all())
        balance.explained = explain(item.explanation or {})
    totals = {
        "amount": sum((b.item.amount for b in balances), 0),
        "principal_outstanding": sum((b.principal_outstanding for b in balances), 0),
        "interest_charged": sum((b.interest_charged for b in balances), 0),
        "interest_outstanding": sum((b.interest_outstanding for b in balances), 0),
        "interest_to_date": sum((b.interest_to_date for b in balances), 0),
    }
    totals["due_now"] = totals["principal_outstanding"] + totals["interest_outstanding"] + totals["interest_to_date"]
    return {
        "settlement": settlement, "contract": contract, "roles": roles, "is_staff": staff, "balances": balances,
        "totals": totals, "today": today, "transitions": shown_transitions(settlement, request.user),
        "may_record": roles["finance"] and settlement.state in (SettlementState.RETURN_DUE, SettlementState.OVERDUE,
                                                                SettlementState.DECISION_ISSUED),
        "decision_form": extra.pop("decision_form", None) or DecisionIssueForm(prefix="decision"),
        "computation": explain(settlement.computation) if settlement.computation else None,
        "audit": list(audit_events_for(settlement)) if staff else [],
        "final_report": contract.reports.filter(kind="final").first(),
        **extra,
    }


def render_settlement(request, settlement, status: int = 200, **extra) -> HttpResponse:
    return render(request, "settlements/settlement.html", settlement_context(request, settlement, **extra),
                  status=status)


@login_required
@require_GET
def settlement_detail(request: HttpRequest, pk) -> HttpResponse:
    return render_settlement(request, _settlement(request, pk))


def _back(settlement, anchor: str = "") -> HttpResponse:
    return redirect(reverse("settlements:settlement", args=[settlement.pk]) + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def settlement_compute(request: HttpRequest, pk) -> HttpResponse:
    settlement = _settlement(request, pk)
    try:
        services.settlement_compute(settlement, actor=request.user)
    except WrongState as error:
        return render_settlement(request, settlement, status=409, error=error, error_at="compute")
    messages.success(request, _("The settlement is computed; check each amount before concluding."))
    return _back(settlement, "items")


@login_required
@require_POST
def settlement_conclude(request: HttpRequest, pk) -> HttpResponse:
    settlement = _settlement(request, pk)
    try:
        concluded = services.settlement_conclude(settlement, actor=request.user)
    except WrongState as error:
        return render_settlement(request, settlement, status=409, error=error, error_at="conclude")
    if concluded.state == SettlementState.CLOSED:
        messages.success(request, _("Nothing is to be returned: the settlement is closed."))
    else:
        messages.success(request, _("The notice of return is sent to the organisation."))
    return _back(settlement)


@login_required
@require_POST
def return_record(request: HttpRequest, pk, item_pk) -> HttpResponse:
    settlement = _settlement(request, pk)
    item = selectors.return_item_get(user=request.user, pk=item_pk)
    if item.settlement_id != settlement.pk:
        raise NotFound()
    form = ReturnForm(request.POST, prefix=f"ret-{item.pk}")
    form.is_valid()
    try:
        payment = services.return_record(item=item, actor=request.user, paid_on=form.value("paid_on"),
                                         amount=form.value("amount"), reference=form.value("reference"))
    except InvalidData as error:
        form.apply(error)
        return render_settlement(request, settlement, status=400, return_forms={item.pk: form})
    except WrongState as error:
        return render_settlement(request, settlement, status=409, error=error, error_at=f"item-{item.pk}",
                                 return_forms={item.pk: form})
    from offers.form import money

    text = _("The return of {amount} is recorded: {principal} to the amount due, {interest} to interest "
             "(interest charged {charged}).").format(
        amount=money(payment.amount), principal=money(payment.to_principal), interest=money(payment.to_interest),
        charged=money(payment.interest_charged))
    messages.success(request, text)
    settlement.refresh_from_db()
    if settlement.state == SettlementState.CLOSED:
        messages.success(request, _("Everything is returned: the settlement is closed."))
    return _back(settlement, f"item-{item.pk}")


@login_required
@require_POST
def settlement_decision(request: HttpRequest, pk) -> HttpResponse:
    settlement = _settlement(request, pk)
    form = DecisionIssueForm(request.POST, prefix="decision")
    form.is_valid()
    try:
        services.settlement_issue_decision(settlement, actor=request.user,
                                           decision_reference=form.value("decision_reference"),
                                           decision_on=form.value("decision_on"))
    except InvalidData as error:
        form.apply(error)
        return render_settlement(request, settlement, status=400, decision_form=form)
    except WrongState as error:
        return render_settlement(request, settlement, status=409, error=error, error_at="decision",
                                 decision_form=form)
    messages.success(request, _("The administrative decision is recorded."))
    return _back(settlement)
