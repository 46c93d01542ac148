"""The finance ledger of grants as .xlsx: one row per contract — the grant, what was paid, what
the report shows as used, what was returned, the interest charged and paid, what is still
outstanding — then totals per competition, per task and a grand total.

Every figure comes from one query: each sum is a correlated subquery annotated on the
contracts, so the number of queries does not depend on the number of contracts (checked in
tests/settlements/test_exports.py). Rows are written with openpyxl's write-only mode while the
contracts are iterated; only the totals (one per competition and per task) are kept in memory.
Money cells are numbers with a złoty format, never text, so that the sheet can be summed.

"Used" is the grant charged to the cost lines (DocumentShare, source "grant") by the accepted
final report; while there is none, by the latest submitted report that is not rejected — which
one is named in its own column, and the sheet says so above the table.

The function does not check permissions: its callers (the finance pages) allow it to the
authority's finance officers and approvers only.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from workflow.calendar import format_local

from .models import (
    Contract,
    ContractState,
    DocumentShare,
    ReportKind,
    ReportState,
    Source,
)
from .selectors import contracts_with_money

ZERO = Decimal("0.00")
MONEY_FORMAT = '#,##0.00 "zł"'
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
# the states of a report whose figures count while no final report is accepted
REPORTED = (ReportState.SUBMITTED, ReportState.NEEDS_CLARIFICATION, ReportState.ACCEPTED)
FIGURES = ("grant", "paid", "used", "returned", "interest_charged", "interest_paid", "outstanding")


def ledger_contracts(*, authority, competition=None) -> QuerySet[Contract]:
    """The authority's contracts with every figure of the ledger annotated (one query)."""
    from .models import Report

    basis = (Report.objects.filter(contract=OuterRef("pk"), state__in=REPORTED)
             .annotate(priority=Case(When(kind=ReportKind.FINAL, state=ReportState.ACCEPTED, then=Value(0)),
                                     default=Value(1), output_field=IntegerField()))
             .order_by("priority", F("submitted_at").desc(nulls_last=True), "-pk"))
    used = (DocumentShare.objects.filter(document__report=OuterRef("basis_id"), source=Source.GRANT).order_by()
            .values("document__report").annotate(total=Sum("amount")).values("total"))
    contracts = Contract.objects.filter(authority=authority)
    if competition is not None:
        contracts = contracts.filter(award__offer__competition=competition)
    # paid, returned, interest and outstanding as every list of contracts has them (selectors)
    return (contracts_with_money(contracts)
            .annotate(
                basis_id=Subquery(basis.values("pk")[:1]),
                basis_kind=Subquery(basis.values("kind")[:1]),
                basis_state=Subquery(basis.values("state")[:1]),
                used=Coalesce(Subquery(used, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD),
            )
            .order_by("award__offer__competition__reference", "award__offer__competition_id",
                      "award__offer__task_area__number", "award__offer__task_area_id", "number", "pk"))


@dataclass
class Totals:
    label: tuple[str, str] = ("", "")
    contracts: int = 0
    sums: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(FIGURES, ZERO))

    def add(self, figures: dict[str, Decimal]) -> None:
        self.contracts += 1
        for name in FIGURES:
            self.sums[name] += figures[name]


def _figures(contract: Contract) -> dict[str, Decimal]:
    return {
        "grant": contract.grant, "paid": contract.paid, "used": contract.used, "returned": contract.returned,
        "interest_charged": contract.interest_charged, "interest_paid": contract.interest_paid,
        "outstanding": contract.outstanding,
    }


def _competition_label(competition) -> str:
    return f"{competition.reference} — {competition.title}"


def _area_label(area) -> str:
    return f"{area.number}. {area.name}"


def _basis_label(contract: Contract) -> str:
    if contract.basis_id is None:
        return _("no report yet")
    return f"{ReportKind(contract.basis_kind).label}, {ReportState(contract.basis_state).label}"


def _text(value: Any) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32000]


class _Sheet:
    """Rows of a write-only sheet; a money column gets numbers in złoty format."""

    # number, organisation, competition, task, state, grant, paid, used, used per, returned, interest charged,
    # interest paid, outstanding
    MONEY_COLUMNS = {5: "grant", 6: "paid", 7: "used", 9: "returned", 10: "interest_charged", 11: "interest_paid",
                     12: "outstanding"}
    WIDTHS = (18, 34, 34, 30, 18, 15, 15, 15, 26, 15, 15, 15, 15)

    def __init__(self, workbook: Workbook, title: str):
        self.sheet = workbook.create_sheet(title[:31])
        for index, width in enumerate(self.WIDTHS, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width

    def cell(self, value: Any, *, bold: bool = False, money: bool = False):
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = _text(value)
        cell = WriteOnlyCell(self.sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever a name says ("=HYPERLINK(…)")
            if not bold:
                cell.alignment = WRAP
        if money:
            cell.number_format = MONEY_FORMAT
        if bold:
            cell.font = BOLD
        return cell

    def text_row(self, *values: str, bold: bool = False) -> None:
        self.sheet.append([self.cell(value, bold=bold) for value in values])

    def figures_row(self, texts: list[str], figures: dict[str, Decimal], *, bold: bool = False) -> None:
        row = [self.cell(text, bold=bold) for text in texts]
        row += [None] * (len(self.WIDTHS) - len(row))
        for column, name in self.MONEY_COLUMNS.items():
            row[column] = self.cell(figures[name], bold=bold, money=True)
        self.sheet.append(row)

    def blank(self) -> None:
        self.sheet.append([])


def _headers() -> list[str]:
    return [_("Contract no."), _("Organisation"), _("Competition"), _("Task"), _("State"), _("Grant"),
            _("Paid"), _("Used"), _("Used per"), _("Returned"), _("Interest charged"), _("Interest paid"),
            _("Outstanding")]


def _rows(contracts: Iterator[Contract], sheet: _Sheet) -> tuple[dict[int, Totals], dict[tuple[int, int], Totals],
                                                                 Totals]:
    by_competition: dict[int, Totals] = {}
    by_area: dict[tuple[int, int], Totals] = {}
    grand = Totals()
    for contract in contracts:
        offer = contract.award.offer
        competition, area = offer.competition, offer.task_area
        figures = _figures(contract)
        sheet.figures_row([contract.number, contract.organization.name, _competition_label(competition),
                           _area_label(area), str(ContractState(contract.state).label), None, None, None,
                           _basis_label(contract)], figures)
        by_competition.setdefault(competition.pk, Totals((_competition_label(competition), ""))).add(figures)
        by_area.setdefault((competition.pk, area.pk),
                           Totals((_competition_label(competition), _area_label(area)))).add(figures)
        grand.add(figures)
    return by_competition, by_area, grand


def write_ledger(out, *, authority, competition=None) -> None:
    """Write the ledger to a binary file-like object."""
    workbook = Workbook(write_only=True)
    sheet = _Sheet(workbook, _("Finance ledger"))
    title = _("Finance ledger of grants — {authority}").format(authority=authority.name)
    if competition is not None:
        title += f" — {_competition_label(competition)}"
    sheet.text_row(title, bold=True)
    sheet.text_row(_("Generated {at}. Amounts in złoty.").format(at=format_local(timezone.now())))
    sheet.text_row(_("Used: the grant charged to the cost lines by the accepted final report; while no final "
                     "report is accepted, by the latest submitted report that was not rejected (named in the column "
                     "“Used per”). Outstanding: the amounts to return − returned + interest charged − interest "
                     "paid."))
    sheet.blank()
    sheet.text_row(*_headers(), bold=True)
    by_competition, by_area, grand = _rows(
        ledger_contracts(authority=authority, competition=competition).iterator(chunk_size=500), sheet)
    sheet.blank()
    sheet.text_row(_("Totals per competition"), bold=True)
    for totals in by_competition.values():
        sheet.figures_row([_("contracts: {count}").format(count=totals.contracts), "", totals.label[0]],
                          totals.sums)
    sheet.blank()
    sheet.text_row(_("Totals per task"), bold=True)
    for totals in by_area.values():
        sheet.figures_row([_("contracts: {count}").format(count=totals.contracts), "", totals.label[0],
                           totals.label[1]], totals.sums)
    sheet.blank()
    sheet.figures_row([_("Grand total"), _("contracts: {count}").format(count=grand.contracts)], grand.sums,
                      bold=True)
    workbook.save(out)


def ledger_xlsx(*, authority, competition=None) -> bytes:
    """The finance ledger of the authority (of one competition, if given) as .xlsx bytes."""
    out = io.BytesIO()
    write_ledger(out, authority=authority, competition=competition)
    return out.getvalue()


def ledger_filename(*, authority, competition=None, today: dt.date | None = None) -> str:
    from django.utils.text import slugify

    day = today or timezone.localdate()
    scope = slugify(competition.reference) if competition is not None else authority.slug
    return f"ledger-{scope}-{day:%Y-%m-%d}.xlsx"
