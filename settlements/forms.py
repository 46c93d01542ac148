"""The forms of the contract, report and settlement pages.

The services validate (they take what was typed and answer with InvalidData keyed by field,
"tranches.1.amount", "shares.0.line"); the forms here only carry the input, label it and put
the service's messages back at their fields, so that what the user typed is never lost. Every
field is text: a letter in an amount or an impossible date reaches the service and comes back
as a message at the field, not as a silently emptied box.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from offers.form import parse_index
from workflow.errors import InvalidData

from .models import DocumentKind, Source, TerminationGround

MAX_TEXT = 20000
# a part is not cut short here: the service refuses an oversized part with a message, and what was
# typed stays in the form (cutting it would lose it silently)
PART_TEXT = 250_000


def _text(label, *, required: bool = False, help_text: str = "", max_length: int = 300, **attrs) -> forms.CharField:
    return forms.CharField(label=label, required=required, help_text=help_text, max_length=max_length,
                           widget=forms.TextInput(attrs=attrs))


def _date(label, *, help_text: str = "") -> forms.CharField:
    # type=date gives a date picker; the value goes to the service as typed (it reads 31.12.2027 too)
    return forms.CharField(label=label, required=False, max_length=20, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}))


def _money(label, *, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=30, help_text=help_text,
                           widget=forms.TextInput(attrs={"class": "money", "inputmode": "decimal",
                                                         "autocomplete": "off"}))


def _area(label, *, help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=MAX_TEXT, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


class ServiceForm(forms.Form):
    """A form whose rules live in a service: `apply(error)` puts InvalidData's messages at the fields
    (anything without a field goes to the top of the form)."""

    def apply(self, error: InvalidData) -> None:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        for key, messages in error.errors.items():
            field = key if key in self.fields else None
            for message in messages:
                self.add_error(field, message)
        if not error.errors:
            self.add_error(None, error.text())

    def value(self, name: str) -> Any:
        """What was typed (the raw input), for the service."""
        if self.is_bound:
            return self.data.get(self.add_prefix(name), "")
        return self.initial.get(name, "")


class SignatureForm(ServiceForm):
    signer = _text(_("Signed by (name and function)"), autocomplete="name")
    signed_on = _date(_("Signed on"))


class ConcludeForm(ServiceForm):
    signed_on = _date(_("Concluded on"), help_text=_("Leave empty to take the date of the last signature."))


class TranchePaymentForm(ServiceForm):
    paid_on = _date(_("Paid on"))
    amount = _money(_("Amount paid (zł)"))
    reference = _text(_("Payment reference"), max_length=100)


class PartialReportForm(ServiceForm):
    period_start = _date(_("Period from"))
    period_end = _date(_("Period to"))
    due_on = _date(_("Due by"), help_text=_("At least 30 days from the call (art. 18 ust. 3)."))
    note = _area(_("The call"), help_text=_("What the partial report should cover."))


class TerminateForm(ServiceForm):
    ground = forms.ChoiceField(label=_("Ground"), required=False,
                               choices=[("", _("— choose —")), *TerminationGround.choices])
    reason = _area(_("Reason"))
    terminated_on = _date(_("Terminated on"))


class AnnexSignForm(SignatureForm):
    pass


class WithdrawForm(ServiceForm):
    reason = _area(_("Why it is withdrawn"), rows=2)


class ClarificationForm(ServiceForm):
    question = _area(_("What is to be explained or supplied"), rows=4)
    due_on = _date(_("Answer by"))


class AnswerForm(ServiceForm):
    answer = _area(_("Your answer"), rows=6)


class DecisionForm(ServiceForm):
    note = _area(_("Verification note"), help_text=_("Required when the report is rejected; the organisation "
                                                      "reads it."), rows=3)


class WrittenCallForm(ServiceForm):
    due_on = _date(_("File the report by"))


class IneligibleForm(ServiceForm):
    reason = _area(_("Found ineligible because"), help_text=_("Leave empty to count the document again."), rows=2)


class ReturnForm(ServiceForm):
    paid_on = _date(_("Paid on"))
    amount = _money(_("Amount paid (zł)"))
    reference = _text(_("Payment reference"), max_length=100)


class DecisionIssueForm(ServiceForm):
    decision_reference = _text(_("Reference of the administrative decision"), max_length=200)
    decision_on = _date(_("Decision of"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or .xlsx file"), required=True)
    replace = forms.BooleanField(label=_("Replace the documents listed so far"), required=False)


# --- the parts of the report -------------------------------------------------------------------------


def _rows(post, prefix: str, count: int, names: tuple[str, ...], checks: tuple[str, ...] = ()) -> list[dict]:
    rows = []
    for index in range(count):
        row = {name: str(post.get(f"{prefix}.{index}.{name}", ""))[:PART_TEXT] for name in names}
        for name in checks:
            row[name] = post.get(f"{prefix}.{index}.{name}") in ("1", "on", "true")
        rows.append(row)
    return rows


def part_data(key: str, post, *, indicators: int, actions: int) -> dict[str, Any]:
    """A part of the report as typed (Reg. 2057 Annex 5), from the posted form."""
    text = lambda name: str(post.get(name, ""))[:PART_TEXT]  # noqa: E731
    if key == "results":
        return {"description": text("description"),
                "indicators": _rows(post, "indicators", indicators, ("achieved", "comment"))}
    if key == "actions":
        return {"actions": _rows(post, "actions", actions, ("performed",), ("by_non_party",))}
    if key == "revenue":
        return {name: text(name) for name in ("bank_interest_earned", "bank_interest_spent", "revenue_earned",
                                              "revenue_spent", "note")}
    if key == "other":
        return {"information": text("information")}
    if key == "declarations":
        return {name: post.get(name) in ("1", "on", "true") for name in
                ("status_unchanged", "information_true", "procurement_followed")}
    return {}


PART_LABELS = {
    "results": _("Part I. Results"),
    "actions": _("Part I. Actions against the schedule"),
    "revenue": _("Part II. Other revenue and interest"),
    "other": _("Part III. Other information"),
    "declarations": _("Declarations"),
}

FIELD_LABELS = {
    # the same words as the form's label (report.html), so the conflict table names the field the same way
    "description": _("How the task was performed: the objectives achieved and the actions done"),
    "achieved": _("level achieved"),
    "comment": _("comment"),
    "performed": _("what was done and when"),
    "by_non_party": _("done by a non-party"),
    "bank_interest_earned": _("Bank interest earned on the grant"),
    "bank_interest_spent": _("of which spent on the task"),
    "revenue_earned": _("Other revenue earned"),
    "revenue_spent": _("of which spent on the task"),
    "note": _("Explanation"),
    "information": _("Other information"),
    "status_unchanged": _("The organisation's legal status has not changed"),
    "information_true": _("The information given is true"),
    "procurement_followed": _("The public procurement rules were followed where they applied"),
}


def flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        out: dict[str, str] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list):
        out = {}
        for index, value in enumerate(data):
            out.update(flatten(value, f"{prefix}.{index}"))
        return out
    if isinstance(data, bool):
        return {prefix: str(_("yes") if data else _("no"))}
    return {prefix: "" if data is None else str(data)}


def field_label(key: str) -> str:
    """"indicators.0.achieved" -> "2. level achieved" for the comparison of two versions."""
    parts = key.split(".")
    label = str(FIELD_LABELS.get(parts[-1], parts[-1]))
    numbers = [str(parse_index(p) + 1) for p in parts[:-1] if parse_index(p) is not None]
    return f"{'.'.join(numbers)}. {label}" if numbers else label


# --- one financial document ------------------------------------------------------------------------------

KIND_CHOICES = DocumentKind.choices
SOURCE_CHOICES = Source.choices
MAX_SHARES = 50
# the model's limits (FinancialDocument): longer input is refused at its field, never cut short
DOCUMENT_MAX_LENGTH = {"number": 100, "issuer": 300, "description": 500, "kind": 20, "issued_on": 30,
                       "paid_on": 30, "amount": 30}
SHARE_MAX_LENGTH = 40
# how many rows of a split are read at most (a forged count must not make the page loop for ever)
MAX_POSTED_SHARES = 1000


def document_data(post) -> tuple[dict[str, Any], int]:
    """The document as typed, with its split rows (blank rows dropped); and how many rows to show.
    Nothing is cut: document_errors says what is too long or too many."""
    data: dict[str, Any] = {name: str(post.get(name, "")) for name in DOCUMENT_MAX_LENGTH}
    try:
        count = max(min(int(post.get("share_rows") or 0), MAX_POSTED_SHARES), 0)
    except (TypeError, ValueError):
        count = 0
    shares = []
    for index in range(count):
        row = {name: str(post.get(f"shares.{index}.{name}", "")) for name in ("line", "source", "amount")}
        if any(v.strip() for v in (row["line"], row["amount"])):
            shares.append(row)
    data["shares"] = shares
    return data, min(count, MAX_SHARES)


def document_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """The input the form refuses before the service reads it: a field longer than it can be stored,
    a split into more parts than a document may have."""
    errors: dict[str, list[str]] = {}
    for name, limit in DOCUMENT_MAX_LENGTH.items():
        if len(str(data.get(name) or "")) > limit:
            errors[name] = [str(_("At most {limit} characters (you typed {n}).")).format(
                limit=limit, n=len(str(data.get(name))))]
    shares = data.get("shares") or []
    if len(shares) > MAX_SHARES:
        errors["shares"] = [str(_("A document can be split into at most {n} parts.")).format(n=MAX_SHARES)]
    for index, row in enumerate(shares[:MAX_SHARES]):
        for name in ("line", "source", "amount"):
            if len(str(row.get(name) or "")) > SHARE_MAX_LENGTH:
                errors[f"shares.{index}.{name}"] = [str(_("At most {limit} characters (you typed {n}).")).format(
                    limit=SHARE_MAX_LENGTH, n=len(str(row.get(name))))]
    return errors


def document_initial(document) -> dict[str, Any]:
    from offers.form import money

    def amount(value):
        return money(value).removesuffix(" zł") if value is not None else ""

    return {"number": document.number, "kind": document.kind, "issuer": document.issuer,
            "issued_on": document.issued_on.isoformat() if document.issued_on else "",
            "paid_on": document.paid_on.isoformat() if document.paid_on else "",
            "description": document.description, "amount": amount(document.amount),
            "shares": [{"line": str(s.line_id), "source": s.source, "amount": amount(s.amount)}
                       for s in document.shares.all()]}
