"""The money of a grant: report checks, the settlement and interest, as pure functions of plain
data (DOMAIN.md §10). Nothing here reads the database or the clock; services.py gathers the
inputs, calls these and writes their full explanation to the audit trail, so that a settlement
can be recomputed and explained line by line.

Every amount is a Decimal quantized to the grosz; no float is ever involved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from workflow.calendar import deadline_in_days, next_working_day

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
ONE = Decimal("1")
HUNDRED = Decimal("100")


def q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def day(value: dt.date) -> str:
    """23.11.2026 — a date as people read it in messages."""
    return value.strftime("%d.%m.%Y")


def pct(value: Decimal) -> str:
    """A percentage as the reader writes numbers: 10 and 12,5 in Polish, 10 and 12.5 in English."""
    from django.utils.formats import number_format

    value = Decimal(value)
    places = max(0, -value.normalize().as_tuple().exponent) if value != value.to_integral() else 0
    return number_format(value, min(places, 2))


def fmt(value: Decimal) -> str:
    """1 234,56 zł — the amount as people read it in messages."""
    from offers.form import money

    return money(value)


# --- inputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedLine:
    id: int
    label: str
    name: str
    value: Decimal
    grant_part: Decimal


@dataclass(frozen=True)
class Share:
    line_id: int
    source: str
    amount: Decimal


@dataclass(frozen=True)
class Document:
    id: int
    position: int
    number: str
    amount: Decimal
    issued_on: dt.date
    paid_on: dt.date | None
    shares: tuple[Share, ...]
    ineligible_reason: str = ""
    financial: bool = True  # False for in-kind and volunteer statements: no payment date


@dataclass(frozen=True)
class Terms:
    grant: Decimal
    total_cost: Decimal
    tolerance_pct: Decimal
    expenditure_start: dt.date
    expenditure_end: dt.date
    return_due: dt.date
    lines: tuple[PlannedLine, ...]


@dataclass
class Finding:
    """A problem or a flag found in a report, at its exact place ("documents.3", "lines.12")."""

    key: str
    message: Any
    params: dict[str, Any] = field(default_factory=dict)
    blocking: bool = True

    def text(self) -> str:
        return str(self.message).format(**self.params) if self.params else str(self.message)


# --- the report's figures ------------------------------------------------------------------------------


@dataclass
class LineActual:
    line: PlannedLine
    total: Decimal
    by_source: dict[str, Decimal]
    limit: Decimal
    excess: Decimal

    @property
    def grant(self) -> Decimal:
        return self.by_source.get("grant", ZERO)


def grant_limit(line: PlannedLine, tolerance_pct: Decimal) -> Decimal:
    """The most a line may take from the grant without an annex: planned × (1 + tolerance)."""
    return q(line.grant_part * (ONE + tolerance_pct / HUNDRED))


def line_actuals(terms: Terms, documents: list[Document], *, eligible_only: bool = False) -> list[LineActual]:
    by_line: dict[int, dict[str, Decimal]] = {line.id: {} for line in terms.lines}
    for document in documents:
        if eligible_only and not is_eligible(terms, document):
            continue
        for share in document.shares:
            sources = by_line.setdefault(share.line_id, {})
            sources[share.source] = sources.get(share.source, ZERO) + share.amount
    result = []
    for line in terms.lines:
        sources = by_line.get(line.id, {})
        limit = grant_limit(line, terms.tolerance_pct)
        grant = sources.get("grant", ZERO)
        result.append(LineActual(line, sum(sources.values(), ZERO), sources, limit, max(ZERO, grant - limit)))
    return result


def outside_period(terms: Terms, document: Document) -> bool:
    # cash basis (u.f.p. art. 251 ust. 4): a cost counts when it was paid within the period
    if not document.financial:
        return not (terms.expenditure_start <= document.issued_on <= terms.expenditure_end)
    if document.paid_on is None:
        return True
    return not (terms.expenditure_start <= document.paid_on <= terms.expenditure_end)


def is_eligible(terms: Terms, document: Document) -> bool:
    return not document.ineligible_reason and not outside_period(terms, document)


def grant_of(document: Document) -> Decimal:
    return sum((s.amount for s in document.shares if s.source == "grant"), ZERO)


def total_of(document: Document) -> Decimal:
    return sum((s.amount for s in document.shares), ZERO)


@dataclass
class Excesses:
    """The tolerance and the share, measured on the eligible documents only (misuse is taken out
    first), the same for the report's findings and for the settlement."""

    actuals: list[LineActual]
    eligible_grant: Decimal
    line_excess: Decimal
    grant_after_lines: Decimal
    eligible_total: Decimal
    share_agreed: Decimal
    allowed: Decimal
    share_excess: Decimal


def excesses(terms: Terms, documents: list[Document]) -> Excesses:
    actuals = line_actuals(terms, documents, eligible_only=True)
    eligible_grant = sum((grant_of(d) for d in documents if is_eligible(terms, d)), ZERO)
    line_excess = sum((a.excess for a in actuals), ZERO)
    eligible_total = sum((a.total for a in actuals), ZERO)
    share_agreed = terms.grant / terms.total_cost if terms.total_cost else ONE
    grant_after_lines = eligible_grant - line_excess
    allowed = q(eligible_total * share_agreed)
    # share_excess: the own contribution fell, so more of the costs came from the grant than agreed
    share_excess = max(ZERO, grant_after_lines - allowed) if eligible_total else ZERO
    return Excesses(actuals, eligible_grant, line_excess, grant_after_lines, eligible_total, share_agreed, allowed,
                    share_excess)


def report_findings(terms: Terms, documents: list[Document], *, received: Decimal,
                    revenue: dict[str, Decimal]) -> list[Finding]:
    """What the report's submission checks say, each at its exact line. Blocking findings are
    inconsistencies (the figures do not add up); the others flag what the settlement will return."""
    findings: list[Finding] = []
    line_ids = {line.id for line in terms.lines}
    for document in documents:
        key = f"documents.{document.position}"
        label = {"no": document.position, "number": document.number}
        allocated = total_of(document)
        if not document.shares:
            findings.append(Finding(key, _("Document {no} ({number}): charge it to at least one cost line."), label))
        if allocated > document.amount:
            findings.append(Finding(key, _("Document {no} ({number}): {allocated} charged to the cost lines, more "
                                           "than the document's {amount} by {excess}."),
                                    {**label, "allocated": fmt(allocated), "amount": fmt(document.amount),
                                     "excess": fmt(allocated - document.amount)}))
        if any(share.line_id not in line_ids for share in document.shares):
            findings.append(Finding(key, _("Document {no} ({number}): a cost line is not in the contract."), label))
        if document.financial and document.paid_on is None:
            findings.append(Finding(key, _("Document {no} ({number}): give the date it was paid."), label))
        if not document.financial and any(s.source not in ("personal", "in_kind") for s in document.shares):
            findings.append(Finding(key, _("Document {no} ({number}): a statement of in-kind or volunteer work can "
                                           "only be a non-financial contribution."), label))
        if document.financial and any(s.source in ("personal", "in_kind") for s in document.shares):
            findings.append(Finding(key, _("Document {no} ({number}): a paid document cannot be a non-financial "
                                           "contribution."), label))
        if outside_period(terms, document) and document.paid_on is not None:
            findings.append(Finding(key, _("Document {no} ({number}): paid on {date}, outside the period "
                                           "{start}–{end}; its {grant} from the grant is not eligible."),
                                    {**label, "date": day(document.paid_on),
                                     "start": day(terms.expenditure_start),
                                     "end": day(terms.expenditure_end),
                                     "grant": fmt(grant_of(document))}, blocking=False))
        elif not document.financial and outside_period(terms, document):
            findings.append(Finding(key, _("Document {no} ({number}): dated {date}, outside the period {start}–{end}; "
                                           "it does not count as the own contribution."),
                                    {**label, "date": day(document.issued_on),
                                     "start": day(terms.expenditure_start),
                                     "end": day(terms.expenditure_end)}, blocking=False))
    # the tolerance and the share as the settlement measures them: on eligible documents only, so a
    # document paid outside the period is not returned twice (as ineligible and as an excess)
    measured = excesses(terms, documents)
    for actual in measured.actuals:
        if actual.excess:
            findings.append(Finding(
                f"lines.{actual.line.id}",
                _("Line {label} “{name}”: {grant} from the grant, planned {planned} + {tolerance}% = {limit}; "
                  "{excess} above the tolerance is grant taken in excessive amount."),
                {"label": actual.line.label, "name": actual.line.name, "grant": fmt(actual.grant),
                 "planned": fmt(actual.line.grant_part), "tolerance": pct(terms.tolerance_pct),
                 "limit": fmt(actual.limit),
                 "excess": fmt(actual.excess)}, blocking=False))
    grant_claimed = sum((a.grant for a in line_actuals(terms, documents)), ZERO)
    if grant_claimed > terms.grant:
        findings.append(Finding("totals.grant", _("The documents charge {claimed} to the grant; the grant is "
                                                  "{grant} ({excess} too much)."),
                                {"claimed": fmt(grant_claimed), "grant": fmt(terms.grant),
                                 "excess": fmt(grant_claimed - terms.grant)}))
    if measured.share_excess:
        findings.append(Finding("totals.share", _("The grant is {now}% of the costs, above the agreed {agreed}%: "
                                                  "the own contribution fell ({excess} of the grant)."),
                                {"now": pct(q(measured.grant_after_lines / measured.eligible_total * HUNDRED)),
                                 "agreed": pct(q(measured.share_agreed * HUNDRED)),
                                 "excess": fmt(measured.share_excess)},
                                blocking=False))
    for kind in ("bank_interest", "revenue"):
        earned, spent = revenue.get(f"{kind}_earned", ZERO), revenue.get(f"{kind}_spent", ZERO)
        if spent > earned:
            findings.append(Finding(f"revenue.{kind}_spent", _("More spent ({spent}) than earned ({earned})."),
                                    {"spent": fmt(spent), "earned": fmt(earned)}))
    if received and grant_claimed > received:
        findings.append(Finding("totals.received", _("The documents charge {claimed} to the grant; {received} has "
                                                     "been paid so far."),
                                {"claimed": fmt(grant_claimed), "received": fmt(received)}, blocking=False))
    return findings


# --- the settlement -------------------------------------------------------------------------------------


@dataclass
class Item:
    kind: str
    amount: Decimal
    basis: str
    due_on: dt.date
    interest_from: dt.date
    line_id: int | None = None
    explanation: dict[str, Any] = field(default_factory=dict)


def unused_return_due(terms: Terms, statutory_january: dt.date | None = None) -> tuple[dt.date, str]:
    """u.f.p. art. 251: within 15 days after the term of use when it is shorter than the budget year
    (ust. 3), otherwise by 31 January of the next year (ust. 1); never later than the contract says."""
    end = terms.expenditure_end
    if end < dt.date(end.year, 12, 31):
        statutory = deadline_in_days(end, 15)
        basis = "u.f.p. art. 251 ust. 3"
    else:
        statutory = next_working_day(statutory_january or dt.date(end.year + 1, 1, 31))
        basis = "u.f.p. art. 251 ust. 1"
    return min(statutory, next_working_day(terms.return_due)), basis


def _not_paid_out(found: Decimal, uncovered: Decimal, explanation: dict[str, Any]) -> Decimal:
    """The part of an amount found that falls on grant charged beyond what was paid, and so was
    never financed by the grant; noted in the explanation."""
    cut = min(found, uncovered)
    if cut:
        explanation.update({"found": found, "not_paid_out": cut,
                            "not_paid_out_rule": "charged to the grant beyond what was paid: not financed by it"})
    return cut


def financing_transfer(document: Document, payments: list[tuple[dt.date, Decimal]], first: dt.date) -> dt.date:
    """The transfer of the grant that financed a cost: the last one on or before the day it was paid."""
    if document.paid_on is None:
        return first
    before = [day for day, _amount in payments if day <= document.paid_on]
    return max(before) if before else first


def compute_settlement(terms: Terms, documents: list[Document], *, payments: list[tuple[dt.date, Decimal]],
                       revenue: dict[str, Decimal], established_on: dt.date) -> tuple[list[Item], dict[str, Any]]:
    """DOMAIN.md §10's algorithm. Returns the return items and every figure that led to them.

    The parts never overlap, so together they never exceed what was paid: ineligible grant
    (misuse) is taken out first; the tolerance and the share are measured on what is left;
    unused = paid − everything charged to the grant. What the documents charge to the grant beyond
    what was paid (a tranche not transferred) was not financed by the grant: it reduces the
    misuse and the excesses, in that order, so only money actually paid is ever asked back.
    """
    received = sum((amount for _day, amount in payments), ZERO)
    first_transfer = min((day for day, _amount in payments), default=established_on)
    misuse_due = deadline_in_days(established_on, 15)  # art. 252 ust. 1: 15 days from establishing it
    items: list[Item] = []

    claimed = sum((grant_of(d) for d in documents), ZERO)
    not_paid_out = uncovered = max(ZERO, claimed - received)

    ineligible_docs = [d for d in documents if not is_eligible(terms, d) and grant_of(d)]
    ineligible = sum((grant_of(d) for d in ineligible_docs), ZERO)
    # art. 252 ust. 5 pkt 1: interest on misused grant runs from the day the grant was transferred —
    # for each document, the transfer that financed it (the last one on or before its payment; the
    # first one for a cost paid before any transfer or never paid). One item per such transfer.
    groups: dict[dt.date, list[Document]] = {}
    for document in ineligible_docs:
        groups.setdefault(financing_transfer(document, payments, first_transfer), []).append(document)
    # grant charged beyond what was paid falls on the latest transfers first (a tranche not yet paid)
    for transfer_day in sorted(groups, reverse=True):
        group = groups[transfer_day]
        found = sum((grant_of(d) for d in group), ZERO)
        explanation = {"documents": [{"no": d.position, "number": d.number, "grant": grant_of(d),
                                      "paid_on": d.paid_on, "reason": d.ineligible_reason or "outside_period"}
                                     for d in group],
                       "transfer": transfer_day,
                       "rule": "grant used contrary to purpose; interest from the day of the transfer that "
                               "financed it"}
        cut = _not_paid_out(found, uncovered, explanation)
        uncovered -= cut
        if found - cut:
            items.append(Item("ineligible", found - cut, "u.f.p. art. 252 ust. 1 pkt 1", misuse_due, transfer_day,
                              explanation=explanation))
    items.sort(key=lambda item: item.interest_from)

    measured = excesses(terms, documents)
    actuals, excess_total, share_excess = measured.actuals, measured.line_excess, measured.share_excess
    for actual in actuals:
        if actual.excess:
            explanation = {"line": actual.line.label, "planned": actual.line.grant_part,
                           "tolerance_pct": terms.tolerance_pct, "limit": actual.limit, "actual": actual.grant,
                           "rule": "max(0, actual − planned × (1 + tolerance))"}
            cut = _not_paid_out(actual.excess, uncovered, explanation)
            uncovered, excess_due = uncovered - cut, actual.excess - cut
            if excess_due:
                items.append(Item("line_excess", excess_due, "u.f.p. art. 252 ust. 1 pkt 2", misuse_due,
                                  misuse_due + dt.timedelta(days=1), line_id=actual.line.id, explanation=explanation))

    eligible_total, share_agreed = measured.eligible_total, measured.share_agreed
    if share_excess:
        explanation = {"grant_used": measured.grant_after_lines, "actual_total": eligible_total,
                       "agreed_share": q(share_agreed * HUNDRED), "allowed": measured.allowed,
                       "rule": "grant used − actual total × agreed share"}
        cut = _not_paid_out(share_excess, uncovered, explanation)
        uncovered, share_due = uncovered - cut, share_excess - cut
        if share_due:
            items.append(Item("share_excess", share_due, "u.f.p. art. 252 ust. 1 pkt 2", misuse_due,
                              misuse_due + dt.timedelta(days=1), explanation=explanation))

    unused = max(ZERO, received - claimed)
    unused_due, unused_basis = unused_return_due(terms)
    if unused:
        items.append(Item("unused", unused, unused_basis, unused_due, unused_due + dt.timedelta(days=1),
                          explanation={"received": received, "charged_to_grant": claimed,
                                       "rule": "paid − charged to the grant"}))
    for kind, basis in (("bank_interest", "umowa; u.f.p. art. 251"), ("revenue", "umowa; u.f.p. art. 251")):
        left = revenue.get(f"{kind}_earned", ZERO) - revenue.get(f"{kind}_spent", ZERO)
        if left > ZERO:
            items.append(Item(kind, left, basis, unused_due, unused_due + dt.timedelta(days=1),
                              explanation={"earned": revenue.get(f"{kind}_earned", ZERO),
                                           "spent": revenue.get(f"{kind}_spent", ZERO)}))
    computation = {
        "received": received, "payments": [{"on": day, "amount": amount} for day, amount in payments],
        "charged_to_grant": claimed, "not_paid_out": not_paid_out, "ineligible": ineligible,
        "line_excess": excess_total, "share_excess": share_excess, "unused": unused, "eligible_total": eligible_total,
        "agreed_share_pct": q(share_agreed * HUNDRED), "tolerance_pct": terms.tolerance_pct,
        "expenditure_period": [terms.expenditure_start, terms.expenditure_end], "established_on": established_on,
        "lines": [{"line": a.line.label, "planned_grant": a.line.grant_part, "limit": a.limit, "actual_grant": a.grant,
                   "actual_total": a.total, "excess": a.excess} for a in actuals],
        "total_to_return": sum((item.amount for item in items), ZERO),
    }
    return items, computation


# --- interest as for tax arrears -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    effective_from: dt.date
    rate: Decimal  # % per year


@dataclass(frozen=True)
class RuleSet:
    rounding: str = "zloty"
    threshold: Decimal = Decimal("8.70")
    allocation: str = "proportional"
    days_in_year: int = 365


def round_interest(value: Decimal, rounding: str) -> Decimal:
    if rounding == "zloty":
        # Ordynacja podatkowa art. 63 § 1: below 50 grosz dropped, 50 grosz and more up to a złoty
        return value.quantize(ONE, rounding=ROUND_HALF_UP).quantize(CENT)
    return q(value)


def interest(amount: Decimal, first_day: dt.date, last_day: dt.date, rates: list[Rate], rules: RuleSet
             ) -> tuple[Decimal, dict[str, Any]]:
    """Interest on `amount` for each day from `first_day` to `last_day` inclusive:
    Σ amount × rate_d / days_in_year, rounded as configured, and nothing if it does not exceed
    the threshold (Ordynacja podatkowa art. 54 § 1 pkt 5). Returns the interest and its working."""
    if amount <= ZERO or last_day < first_day:
        return ZERO, {"amount": amount, "days": 0, "periods": [], "exact": ZERO, "rounded": ZERO,
                      "threshold": rules.threshold, "charged": ZERO}
    ordered = sorted(rates, key=lambda r: r.effective_from)
    if not ordered or ordered[0].effective_from > first_day:
        from workflow.errors import InvalidData

        raise InvalidData({"interest": [_("No interest rate is in force on {date}; add it in the rate table.").format(
            date=day(first_day))]}, code="no_rate")
    periods = []
    exact = Decimal("0")
    for index, rate in enumerate(ordered):
        start = max(first_day, rate.effective_from)
        end = last_day
        if index + 1 < len(ordered):
            end = min(end, ordered[index + 1].effective_from - dt.timedelta(days=1))
        if start > end:
            continue
        days = (end - start).days + 1
        part = amount * rate.rate / HUNDRED * days / rules.days_in_year
        exact += part
        periods.append({"from": start, "to": end, "days": days, "rate": rate.rate, "interest": q(part)})
    # an amount in złoty exists to the grosz: round to the grosz, then as configured, so that the
    # working shows one rounding from the figure it prints (7.495 is 7.50 and so 8 zł, never 7 zł)
    exact = q(exact)
    rounded = round_interest(exact, rules.rounding)
    charged = rounded if rounded > rules.threshold else ZERO
    return charged, {"amount": amount, "days": (last_day - first_day).days + 1, "periods": periods,
                     "exact": exact, "rounded": rounded, "threshold": rules.threshold, "charged": charged}


def book_payment(*, paid: Decimal, principal_due: Decimal, interest_due: Decimal, allocation: str
                 ) -> tuple[Decimal, Decimal]:
    """Split a payment between the amount due and the interest. Ordynacja podatkowa art. 55 § 2:
    proportionally, in the ratio the arrear bears to the interest on the day of payment."""
    if principal_due + interest_due <= ZERO:
        return ZERO, ZERO
    if allocation == "principal_first":
        to_principal = min(paid, principal_due)
        return to_principal, min(paid - to_principal, interest_due)
    if paid >= principal_due + interest_due:
        return principal_due, interest_due
    to_interest = q(paid * interest_due / (principal_due + interest_due))
    return paid - to_interest, to_interest
