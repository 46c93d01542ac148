"""The report pages: the organisation's form (parts saved on their own as typed, a conflicting
save shown with both versions; the list of financial documents typed in or imported; the live
table of actual costs per cost line and source against the contract, each finding at its line)
and the authority's verification page (ineligible documents, clarifications, accept or reject,
the written call for an overdue report).

Thin: services.report_read gives the figures and the findings; every write is one service call.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from offers.form import money
from offers.views import ngo_login_required
from workflow.audit import audit_events_for
from workflow.calendar import format_local
from workflow.errors import EditConflict, InvalidData, NotFound, WrongState

from . import selectors, services
from .forms import (
    FIELD_LABELS,
    KIND_CHOICES,
    MAX_SHARES,
    PART_LABELS,
    SOURCE_CHOICES,
    AnswerForm,
    ClarificationForm,
    DecisionForm,
    ImportForm,
    IneligibleForm,
    WrittenCallForm,
    document_data,
    document_errors,
    document_initial,
    field_label,
    flatten,
    part_data,
)
from .models import ReportKind, Source
from .views import roles_of, shown_transitions

PARTS = services.REPORT_SECTIONS
EMPTY_SHARE = {"line": "", "source": "", "amount": ""}


def dom(key: str) -> str:
    return "f-" + str(key).replace(".", "-")


def _report(request: HttpRequest, pk):
    return selectors.report_get(user=request.user, pk=pk)


def _schedule(contract) -> tuple[list[dict], list[dict]]:
    sections = (contract.terms or {}).get("sections") or {}
    indicators = (sections.get("results") or {}).get("indicators") or []
    actions = (sections.get("schedule") or {}).get("actions") or []
    return ([i if isinstance(i, dict) else {} for i in indicators],
            [a if isinstance(a, dict) else {} for a in actions])


def _part_keys(key: str, indicators: int, actions: int) -> list[str]:
    """Every finding key a part can have (so an autosave can clear the ones that are solved)."""
    if key == "results":
        return ["results.description", *[f"results.indicators.{i}.achieved" for i in range(indicators)]]
    if key == "actions":
        return [f"actions.actions.{i}.performed" for i in range(actions)]
    if key == "revenue":
        return [f"revenue.{k}" for k in ("bank_interest_earned", "bank_interest_spent", "revenue_earned",
                                          "revenue_spent")]
    if key == "declarations":
        return [f"declarations.{k}" for k in services.DECLARATIONS]
    return []


# the parts whose findings do not name their field themselves ("The amount cannot be negative."):
# in the summary at the top they are prefixed with the part and the field's label
NAMELESS_PARTS = ("revenue", "declarations")


def _where(key: str) -> str:
    """ "revenue.bank_interest_earned" -> "Part II. Other revenue and interest – Bank interest earned on the
    grant" (empty for the keys whose messages say where they are)."""
    part, _dot, rest = str(key).partition(".")
    if part not in NAMELESS_PARTS or not rest:
        return ""
    return f"{PART_LABELS[part]} – {field_label(rest)}"


def _findings(view) -> tuple[dict[str, list], list[dict]]:
    by_key: dict[str, list] = {}
    summary = []
    for finding in view.findings:
        text = finding.text()
        by_key.setdefault(finding.key, []).append({"text": text, "blocking": finding.blocking})
        where = _where(finding.key)
        summary.append({"key": finding.key, "anchor": dom(finding.key), "blocking": finding.blocking,
                        "text": f"{where}: {text}" if where else text})
    return by_key, summary


def _estimate(view) -> list[dict]:
    """What the settlement is likely to return besides the flagged excesses, before verification: the
    grant not charged by the documents so far and unspent interest and revenue (art. 251 u.f.p.)."""
    from decimal import Decimal

    rows = []
    charged = view.totals.get(f"source_{Source.GRANT.value}") or Decimal("0")
    unused = (view.received or Decimal("0")) - charged
    if unused > 0:
        rows.append({"label": _("Grant not used so far (paid {received} − charged to the grant by the documents "
                                "{charged})").format(received=money(view.received), charged=money(charged)),
                     "amount": unused, "anchor": "costs"})
    revenue, _errors = services.revenue_of(view.sections)
    for kind, label in (("bank_interest", _("Bank interest not spent on the task (earned {earned} − spent {spent})")),
                        ("revenue", _("Other revenue not spent on the task (earned {earned} − spent {spent})"))):
        earned, spent = revenue.get(f"{kind}_earned") or Decimal("0"), revenue.get(f"{kind}_spent") or Decimal("0")
        if earned - spent > 0:
            rows.append({"label": label.format(earned=money(earned), spent=money(spent)), "amount": earned - spent,
                         "anchor": "part-revenue"})
    return rows


def _msg(by_key: dict, key: str) -> str:
    return " ".join(f["text"] for f in by_key.get(key, []))


def _document_rows(view, lines_by_id: dict) -> list[dict]:
    rows = []
    for document in view.documents:
        shares = [{"line": lines_by_id.get(s.line_id), "source": Source(s.source).label if s.source in Source.values
                   else s.source, "amount": s.amount} for s in document.shares.all()]
        rows.append({"document": document, "shares": shares, "anchor": dom(f"documents.{document.position}")})
    return rows


def _cost_rows(view, by_key: dict) -> list[dict]:
    rows = []
    for actual in view.actuals:
        key = f"lines.{actual.line.id}"
        rows.append({"actual": actual, "anchor": dom(key), "other": actual.total - actual.grant,
                     "findings": by_key.get(key, [])})
    return rows


def _cost_totals(rows: list[dict]) -> dict:
    """The total row of the cost-line table: every column added up."""
    from decimal import Decimal

    def total(pick):
        return sum((pick(row) for row in rows), Decimal("0"))

    return {"planned": total(lambda r: r["actual"].line.value),
            "grant_part": total(lambda r: r["actual"].line.grant_part),
            "limit": total(lambda r: r["actual"].limit), "grant": total(lambda r: r["actual"].grant),
            "other": total(lambda r: r["other"]), "total": total(lambda r: r["actual"].total),
            "excess": total(lambda r: r["actual"].excess)}


def _source_rows(contract, view) -> list[dict]:
    """Actual costs per source against the contract (Reg. 2057 Annex 5, Part II)."""
    totals = view.totals
    actual_total = totals.get("total") or 0

    def actual(*keys):
        return sum((totals.get(f"source_{k}", 0) for k in keys), 0)

    plan = [
        (_("Grant"), contract.grant, actual(Source.GRANT)),
        (_("Own financial resources and other public funds"), contract.own_financial,
         actual(Source.OWN_FINANCIAL, Source.OTHER_PUBLIC)),
        (_("Payments from beneficiaries"), contract.beneficiary_payments, actual(Source.BENEFICIARY)),
        (_("Non-financial contribution (personal and in-kind)"), contract.own_non_financial,
         actual(Source.PERSONAL, Source.IN_KIND)),
    ]
    rows = []
    for label, planned, done in plan:
        rows.append({"label": label, "planned": planned, "actual": done,
                     "planned_pct": (planned * 100 / contract.total_cost) if contract.total_cost else None,
                     "actual_pct": (done * 100 / actual_total) if actual_total else None})
    return rows


def _doc_form(report, lines, *, values: dict | None = None, errors: dict | None = None, rows: int = 0,
              document=None) -> dict[str, Any]:
    values = values or {"number": "", "kind": "", "issuer": "", "issued_on": "", "paid_on": "", "description": "",
                        "amount": "", "shares": []}
    errors = errors or {}
    shares = list(values.get("shares") or [])
    count = max(rows, len(shares) + 1 if document is None or shares else 1, 2 if document is None else 1)
    count = min(count, MAX_SHARES)
    share_rows = []
    for index in range(count):
        row = shares[index] if index < len(shares) else EMPTY_SHARE
        share_rows.append({**row, "index": index, "errors": {
            name: " ".join(errors.get(f"shares.{index}.{name}", [])) for name in ("line", "source", "amount")}})
    prefix = f"doc-{document.pk}" if document else "doc-new"
    return {
        "values": values, "share_rows": share_rows, "count": count, "document": document, "prefix": prefix,
        "errors": {k: " ".join(v) for k, v in errors.items()},
        "error_list": [(f"{prefix}-{k.replace('.', '-')}", m) for k, msgs in errors.items() for m in msgs],
        "action": (reverse("settlements:document_edit", args=[report.pk, document.pk]) if document
                   else reverse("settlements:document_new", args=[report.pk])),
        "lines": lines, "kinds": KIND_CHOICES, "sources": SOURCE_CHOICES,
    }


def report_context(request: HttpRequest, report, **extra) -> dict[str, Any]:
    user = request.user
    contract = report.contract
    roles = roles_of(user, contract)
    staff = roles["officer"] or roles["finance"] or roles["approver"]
    view = services.report_read(report)
    by_key, summary = _findings(view)
    indicators, actions = _schedule(contract)
    lines = [line for line in contract.lines.all() if line.is_active]
    lines_by_id = {line.pk: line for line in contract.lines.all()}
    typed = extra.pop("part_data", {})
    revisions = dict(view.revisions)
    revisions.update(extra.pop("part_revisions", {}))
    parts = {key: typed.get(key, view.sections.get(key) or {}) for key in PARTS}
    results = parts["results"]
    achieved = results.get("indicators") if isinstance(results.get("indicators"), list) else []
    indicator_rows = []
    for index, indicator in enumerate(indicators):
        row = achieved[index] if index < len(achieved) and isinstance(achieved[index], dict) else {}
        key = f"results.indicators.{index}.achieved"
        indicator_rows.append({"index": index, "name": indicator.get("name", ""), "target": indicator.get("target", ""),
                               "achieved": row.get("achieved", ""), "comment": row.get("comment", ""),
                               "anchor": dom(key), "msg_id": "msg-" + dom(key)[2:], "message": _msg(by_key, key)})
    done = parts["actions"].get("actions") if isinstance(parts["actions"].get("actions"), list) else []
    action_rows = []
    for index, action in enumerate(actions):
        row = done[index] if index < len(done) and isinstance(done[index], dict) else {}
        key = f"actions.actions.{index}.performed"
        action_rows.append({"index": index, "name": action.get("name", ""), "start": action.get("start", ""),
                            "end": action.get("end", ""), "description": action.get("description", ""),
                            "performed": row.get("performed", ""), "by_non_party": bool(row.get("by_non_party")),
                            "anchor": dom(key), "msg_id": "msg-" + dom(key)[2:], "message": _msg(by_key, key)})
    editable = roles["ngo_editor"] and report.state in services.REPORT_EDITABLE and not staff
    field_messages = {key: _msg(by_key, key) for key in by_key}
    part_messages = {}
    for key in PARTS:
        part_messages[key] = [{"key": k, "id": "msg-" + dom(k)[2:], "text": _msg(by_key, k)}
                              for k in _part_keys(key, len(indicators), len(actions))]
    clarifications = list(report.clarifications.select_related("asked_by", "answered_by"))
    pending = next((c for c in reversed(clarifications) if c.answered_at is None), None)
    documents = _document_rows(view, lines_by_id)
    assess_forms = extra.pop("assess_forms", {})
    for row in documents:
        document = row["document"]
        row["findings"] = by_key.get(f"documents.{document.position}", [])
        row["assess_form"] = assess_forms.get(document.pk) or IneligibleForm(
            prefix=f"assess-{document.pk}", initial={"reason": document.ineligible_reason})
    statuses, conflicts, errors = (extra.pop("part_status", {}), extra.pop("conflicts", {}),
                                   extra.pop("part_errors", {}))
    part_state = {key: {"status_class": statuses.get(key, ("", ""))[0], "status_text": statuses.get(key, ("", ""))[1],
                        "conflict": conflicts.get(key), "errors": errors.get(key) or []} for key in PARTS}
    cost_rows = _cost_rows(view, by_key)
    context = {
        "report": report, "contract": contract, "view": view, "part_state": part_state,
        "audit": list(audit_events_for(report)) if staff else [], "roles": roles, "is_staff": staff,
        "editable": editable, "parts": parts, "revisions": revisions, "part_labels": PART_LABELS,
        "field_labels": FIELD_LABELS, "indicator_rows": indicator_rows, "action_rows": action_rows,
        "field_messages": field_messages, "part_messages": part_messages,
        "summary": summary, "blocking": [s for s in summary if s["blocking"]],
        "flags": [s for s in summary if not s["blocking"]], "estimate": _estimate(view),
        "documents": documents, "cost_rows": cost_rows, "cost_totals": _cost_totals(cost_rows),
        "source_rows": _source_rows(contract, view),
        "totals_findings": [s for s in summary if s["key"].startswith("totals.") or s["key"] == "documents"],
        "doc_form": extra.pop("doc_form", None) or _doc_form(report, lines),
        "import_form": extra.pop("import_form", None) or ImportForm(),
        "import_errors": extra.pop("import_errors", []),
        "clarifications": clarifications, "pending": pending,
        "answer_form": extra.pop("answer_form", None) or AnswerForm(
            prefix="answer", initial={"answer": pending.answer if pending else ""}),
        "transitions": shown_transitions(report, user),
        "clarify_form": extra.pop("clarify_form", None) or ClarificationForm(prefix="clarify"),
        "decision_form": extra.pop("decision_form", None) or DecisionForm(prefix="decision"),
        "call_form": extra.pop("call_form", None) or WrittenCallForm(prefix="call"),
        "settlement": getattr(contract, "settlement", None) if report.kind == ReportKind.FINAL else None,
        "max_upload": settings.POZYTEK_MAX_UPLOAD_BYTES,
        "lines": lines, "declaration_names": services.DECLARATIONS,
        **extra,
    }
    return context


def render_report(request, report, status: int = 200, **extra) -> HttpResponse:
    context = report_context(request, report, **extra)
    template = "settlements/report_verify.html" if context["is_staff"] else "settlements/report.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk) -> HttpResponse:
    """settlements:report — the organisation's form, or the authority's verification page (with the
    reasons a file import was refused, once, after its redirect)."""
    report = _report(request, pk)
    refused = request.session.pop(f"import-refused-{report.pk}", None)
    return render_report(request, report, **({"import_errors": refused} if refused else {}))


# --- the parts, saved as typed -------------------------------------------------------------------------------


def _conflict_rows(mine: dict, theirs: dict) -> list[dict]:
    mine_flat, theirs_flat = flatten(mine), flatten(theirs)
    rows = []
    for key in sorted(set(mine_flat) | set(theirs_flat)):
        if mine_flat.get(key, "") != theirs_flat.get(key, ""):
            rows.append({"field": field_label(key), "mine": mine_flat.get(key, ""), "theirs": theirs_flat.get(key, "")})
    return rows


def _part_answer(request, report, key: str, status: int, *, data, revision, status_class: str, status_text: str,
                 conflict=None, error_list=()):
    """htmx: only out-of-band pieces (the field being typed in is never replaced); without JS the
    whole page with what was typed."""
    if request.htmx:
        context = report_context(request, report)
        context.update({"key": key, "revision": revision, "status_class": status_class, "status_text": status_text,
                        "conflict": conflict, "error_list": error_list})
        response = render(request, "settlements/_part_autosave.html", context, status=status)
        # only the out-of-band pieces land, whatever the status: a refused save (400, 409) never
        # replaces the page or the field being typed in, even where 4xx answers are swapped
        response["HX-Reswap"] = "none"
        return response
    extra = {"part_data": {key: data}, "part_revisions": {key: revision},
             "part_status": {key: (status_class, status_text)}, "conflicts": {key: conflict} if conflict else {},
             "part_errors": {key: list(error_list)}}
    return render_report(request, report, status=status, **extra)


@ngo_login_required
@require_POST
def part_save(request: HttpRequest, pk, key: str) -> HttpResponse:
    report = _report(request, pk)
    if key not in PARTS:
        raise NotFound(_("There is no such part of the report."))
    indicators, actions = _schedule(report.contract)
    data = part_data(key, request.POST, indicators=len(indicators), actions=len(actions))
    try:
        base = int(request.POST.get("_overwrite") or request.POST.get("base_revision"))
    except (TypeError, ValueError):
        base = -1  # unknown: never overwrite blindly, show the conflict instead
    current = report.sections.filter(key=key).first()
    if current is not None and current.data == data and current.revision == base:
        return _part_answer(request, report, key, 200, data=data, revision=base, status_class="saved",
                            status_text=_("No changes to save."))
    try:
        section = services.report_save_section(report=report, actor=request.user, key=key, data=data,
                                               base_revision=base)
    except EditConflict as conflict:
        theirs = conflict.theirs
        text = _("Not saved: {name} saved this part at {at}. Compare the two versions below.").format(
            name=theirs.get("saved_by") or _("someone else"), at=theirs.get("saved_at", ""))
        return _part_answer(request, report, key, 409, data=data, revision=base, status_class="failed",
                            status_text=text, conflict={"theirs": theirs,
                                                        "rows": _conflict_rows(data, theirs.get("data") or {})})
    except (WrongState, InvalidData) as error:
        msgs = [m for v in getattr(error, "errors", {}).values() for m in v] or [error.text()]
        return _part_answer(request, report, key, error.status_code, data=data, revision=base,
                            status_class="failed", status_text=_("Not saved: {reason}").format(reason=" ".join(msgs)),
                            error_list=msgs)
    saved_at = format_local(timezone.now())[-5:]
    if request.htmx:
        return _part_answer(request, report, key, 200, data=data, revision=section.revision, status_class="saved",
                            status_text=_("Saved at {time}").format(time=saved_at))
    messages.success(request, _("{part}: saved at {time}").format(part=PART_LABELS[key], time=saved_at))
    return HttpResponseRedirect(reverse("settlements:report", args=[report.pk]) + f"#part-{key}")


# --- the financial documents --------------------------------------------------------------------------------


def _part_ii(request, report, status: int = 200, **extra) -> HttpResponse:
    context = report_context(request, report, **extra)
    if request.htmx:
        return render(request, "settlements/_part_ii_answer.html", context, status=status)
    return render(request, "settlements/report.html", context, status=status)


@ngo_login_required
@require_POST
def document_new(request: HttpRequest, pk) -> HttpResponse:
    report = _report(request, pk)
    lines = [line for line in report.contract.lines.all() if line.is_active]
    data, count = document_data(request.POST)
    if request.POST.get("_more_rows") is not None:
        form = _doc_form(report, lines, values=data, rows=min(count + 3, MAX_SHARES))
        return _part_ii(request, report, doc_form=form)
    try:
        if document_errors(data):
            raise InvalidData(document_errors(data))
        document = services.document_save(report=report, actor=request.user, data=data)
    except InvalidData as error:
        form = _doc_form(report, lines, values=data, errors=error.errors, rows=count)
        return _part_ii(request, report, status=400, doc_form=form)
    except WrongState as error:
        form = _doc_form(report, lines, values=data, rows=count)
        return _part_ii(request, report, status=409, doc_form=form, error=error, error_at="documents")
    if request.htmx:
        return _part_ii(request, report, saved=_("Document {no} ({number}) is added.").format(
            no=document.position, number=document.number))
    messages.success(request, _("Document {no} ({number}) is added.").format(no=document.position,
                                                                             number=document.number))
    return HttpResponseRedirect(reverse("settlements:report", args=[report.pk]) + "#documents")


@ngo_login_required
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk, document_pk) -> HttpResponse:
    report = _report(request, pk)
    document = selectors.document_get(user=request.user, report=report, pk=document_pk)
    lines = [line for line in report.contract.lines.all() if line.is_active]
    status = 200
    if request.method == "GET":
        form = _doc_form(report, lines, values=document_initial(document), document=document)
    else:
        data, count = document_data(request.POST)
        form = _doc_form(report, lines, values=data, rows=count, document=document)
        if request.POST.get("_more_rows") is None:
            try:
                if document_errors(data):
                    raise InvalidData(document_errors(data))
                services.document_save(report=report, actor=request.user, data=data, document=document)
            except InvalidData as error:
                form = _doc_form(report, lines, values=data, errors=error.errors, rows=count, document=document)
                status = 400
            except WrongState as error:
                return render(request, "settlements/document_form.html",
                              {"report": report, "contract": report.contract, "form": form, "error": error},
                              status=409)
            else:
                messages.success(request, _("Document {no} ({number}) is saved.").format(
                    no=document.position, number=data["number"]))
                return HttpResponseRedirect(reverse("settlements:report", args=[report.pk])
                                            + f"#{dom(f'documents.{document.position}')}")
        else:
            form = _doc_form(report, lines, values=data, rows=min(count + 3, MAX_SHARES), document=document)
    return render(request, "settlements/document_form.html",
                  {"report": report, "contract": report.contract, "form": form}, status=status)


@ngo_login_required
@require_POST
def document_remove(request: HttpRequest, pk, document_pk) -> HttpResponse:
    report = _report(request, pk)
    document = selectors.document_get(user=request.user, report=report, pk=document_pk)
    try:
        services.document_remove(document=document, actor=request.user)
    except WrongState as error:
        return _part_ii(request, report, status=409, error=error, error_at="documents")
    text = _("Document {no} ({number}) is removed.").format(no=document.position, number=document.number)
    if request.htmx:
        return _part_ii(request, report, saved=text)
    messages.success(request, text)
    return HttpResponseRedirect(reverse("settlements:report", args=[report.pk]) + "#documents")


def _import_refused(request, report, errors: list[str]) -> HttpResponse:
    """A refused import is shown after a redirect (Post/Redirect/Get): reloading the page then
    never sends the file again."""
    request.session[f"import-refused-{report.pk}"] = [str(e) for e in errors]
    return HttpResponseRedirect(reverse("settlements:report", args=[report.pk]) + "#import")


@ngo_login_required
@require_POST
def documents_import(request: HttpRequest, pk) -> HttpResponse:
    report = _report(request, pk)
    post, files = request.POST, request.FILES
    too_large = _("The file is too large (at most {mb} MB).").format(mb=settings.POZYTEK_MAX_UPLOAD_BYTES // 1048576)
    if getattr(request, "upload_too_large", False):
        return _import_refused(request, report, [too_large])
    form = ImportForm(post, files)
    if not form.is_valid():
        return _import_refused(request, report, [m for msgs in form.errors.values() for m in msgs])
    upload = form.cleaned_data["file"]
    if upload.size > settings.POZYTEK_MAX_UPLOAD_BYTES:
        return _import_refused(request, report, [too_large])
    try:
        saved = services.documents_import(report=report, actor=request.user, data=upload.read(),
                                          filename=upload.name or "", replace=form.cleaned_data["replace"])
    except InvalidData as error:
        return _import_refused(request, report, [str(m) for msgs in error.errors.values() for m in msgs]
                               or [error.text()])
    except WrongState as error:
        return _import_refused(request, report, [r.text() for r in error.refusals] or [error.text()])
    messages.success(request, _("{n} documents are imported.").format(n=len(saved)))
    return HttpResponseRedirect(reverse("settlements:report", args=[report.pk]) + "#documents")


@login_required
@require_GET
def documents_template(request: HttpRequest, fmt: str) -> HttpResponse:
    from .imports import template_csv, template_xlsx

    if fmt == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(template_xlsx(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise NotFound()
    response["Content-Disposition"] = f'attachment; filename="zestawienie-dokumentow.{fmt}"'
    return response


# --- submit and answer -----------------------------------------------------------------------------------------


@login_required
@require_POST
def report_submit(request: HttpRequest, pk) -> HttpResponse:
    report = _report(request, pk)
    try:
        services.report_submit(report, actor=request.user)
    except (WrongState, InvalidData) as error:
        # the blocking findings come back keyed by their lines; the page shows each at its line
        return render_report(request, report, status=error.status_code, error=error, error_at="submit")
    messages.success(request, _("The report is submitted; the authority verifies it now."))
    return redirect("settlements:report", pk=report.pk)


@login_required
@require_POST
def report_answer(request: HttpRequest, pk) -> HttpResponse:
    report = _report(request, pk)
    form = AnswerForm(request.POST, prefix="answer")
    form.is_valid()
    try:
        services.report_answer(report, actor=request.user, answer=form.value("answer"))
    except (WrongState, InvalidData) as error:
        report.refresh_from_db()
        if "answer" in getattr(error, "errors", {}):
            form.add_error("answer", error.errors["answer"])
        return render_report(request, report, status=error.status_code, error=error, error_at="answer",
                             answer_form=form)
    messages.success(request, _("Your answer is sent; the authority continues the verification."))
    return redirect("settlements:report", pk=report.pk)


# --- verification (the authority) ------------------------------------------------------------------------------


@login_required
@require_POST
def document_assess(request: HttpRequest, pk, document_pk) -> HttpResponse:
    report = _report(request, pk)
    document = selectors.document_get(user=request.user, report=report, pk=document_pk)
    form = IneligibleForm(request.POST, prefix=f"assess-{document.pk}")
    form.is_valid()
    try:
        services.document_mark_ineligible(document=document, actor=request.user, reason=form.value("reason"))
    except WrongState as error:
        return render_report(request, report, status=409, error=error, error_at=dom(f"documents.{document.position}"),
                             assess_forms={document.pk: form})
    messages.success(request, _("Document {no} is assessed.").format(no=document.position))
    return HttpResponseRedirect(reverse("settlements:report", args=[report.pk])
                                + f"#{dom(f'documents.{document.position}')}")


@login_required
@require_POST
def report_clarify(request: HttpRequest, pk) -> HttpResponse:
    report = _report(request, pk)
    form = ClarificationForm(request.POST, prefix="clarify")
    form.is_valid()
    try:
        services.report_request_clarification(report, actor=request.user, question=form.value("question"),
                                              due_on=form.value("due_on"))
    except InvalidData as error:
        form.apply(error)
        return render_report(request, report, status=400, clarify_form=form)
    except WrongState as error:
        return render_report(request, report, status=409, error=error, error_at="clarify", clarify_form=form)
    messages.success(request, _("The organisation is asked for a clarification."))
    return redirect("settlements:report", pk=report.pk)


@login_required
@require_POST
def report_decide(request: HttpRequest, pk) -> HttpResponse:
    report = _report(request, pk)
    form = DecisionForm(request.POST, prefix="decision")
    form.is_valid()
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            services.report_accept(report, actor=request.user, note=form.value("note"))
        elif decision == "reject":
            services.report_reject(report, actor=request.user, note=form.value("note"))
        else:
            raise InvalidData({"note": [_("Choose to accept or to reject the report.")]})
    except InvalidData as error:
        form.apply(error)
        return render_report(request, report, status=400, decision_form=form)
    except WrongState as error:
        return render_report(request, report, status=409, error=error, error_at="decide", decision_form=form)
    messages.success(request, _("The report is accepted.") if decision == "accept" else _("The report is rejected."))
    return redirect("settlements:report", pk=report.pk)


@login_required
@require_POST
def report_call(request: HttpRequest, pk) -> HttpResponse:
    report = _report(request, pk)
    form = WrittenCallForm(request.POST, prefix="call")
    form.is_valid()
    try:
        services.report_call_in_writing(report, actor=request.user, due_on=form.value("due_on"))
    except InvalidData as error:
        form.apply(error)
        return render_report(request, report, status=400, call_form=form)
    except WrongState as error:
        return render_report(request, report, status=409, error=error, error_at="call", call_form=form)
    messages.success(request, _("The written call is sent."))
    return redirect("settlements:report", pk=report.pk)

