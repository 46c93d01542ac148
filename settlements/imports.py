"""The list of financial documents (zestawienie dokumentów) of a report, imported from a
spreadsheet: CSV (UTF-8 with or without BOM, comma or semicolon) or .xlsx.

One row is one part of a document charged to one cost line from one source. A document split
over several lines or sources is several consecutive rows with the same number; its own fields
(kind, issuer, dates, description, amount) are repeated or left empty on the continuation rows.

The parser only reads: it returns plain dicts for services.py to write, or errors keyed
"rows.<n>" (n = the row as numbered in the spreadsheet, the header being row 1) or "file",
each naming the column as headed in the file and the value found. It is all or nothing: when
there is any error, no row is returned. Whether the figures make sense for the contract
(payment dates within the period, sources that suit the kind of document, the tolerance) is
checked by settlements.calculation.report_findings on the imported report, as for a typed one.

Amounts are parsed to Decimal from text ("1 234,56", "1234.56", "1.234,56 zł"); a number cell of
a spreadsheet, which openpyxl hands over as a float, is turned into a Decimal from its shortest
repr and must have at most two decimal places. Garbage never raises: it is a "file" error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import DocumentKind, Source

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # MONEY: 14 digits, 2 after the point
MAX_ERRORS = 100  # rows with errors reported one by one; the rest are counted
MAX_BLANK_RUN = 1000  # a spreadsheet's formatted empty rows at the end are not data
MAX_UNZIPPED = 100 * 1024 * 1024  # an .xlsx that unpacks to more than this is refused (zip bomb)
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls

REQUIRED = ("number", "kind", "issued_on", "amount", "line", "source")
DOCUMENT_FIELDS = ("kind", "issuer", "issued_on", "paid_on", "description", "amount")
MAX_LENGTH = {"number": 100, "issuer": 300, "description": 500}


def _fold(text: Any) -> str:
    """Lower case, no Polish diacritics, punctuation as spaces: "Kwota brutto (zł)" -> "kwota brutto zl"."""
    text = str(text).replace("ł", "l").replace("Ł", "L")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


# The names a column may have (folded); Polish and English, the way people head them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "document number", "document no", "numer", "numer dokumentu", "nr dokumentu",
               "numer dokumentu ksiegowego", "nr dokumentu ksiegowego"),
    "kind": ("kind", "document kind", "type", "document type", "rodzaj", "rodzaj dokumentu", "typ dokumentu"),
    "issuer": ("issuer", "issued by", "wystawca", "wystawca dokumentu", "kontrahent"),
    "issued_on": ("issued on", "issued", "issue date", "date of issue", "data wystawienia",
                  "data wystawienia dokumentu", "data dokumentu"),
    "paid_on": ("paid on", "paid", "payment date", "date of payment", "data zaplaty", "data platnosci"),
    "description": ("description", "what for", "opis", "opis wydatku", "nazwa wydatku", "przedmiot"),
    "amount": ("amount", "gross amount", "document amount", "kwota", "kwota brutto", "kwota dokumentu",
               "wartosc brutto", "kwota brutto dokumentu"),
    "line": ("line", "cost line", "budget line", "pozycja", "pozycja kosztorysu", "nr pozycji",
             "nr pozycji kosztorysu", "numer pozycji kosztorysu", "pozycja w kosztorysie"),
    "source": ("source", "source of financing", "zrodlo", "zrodlo finansowania"),
    "share": ("share", "charged", "amount charged", "share amount", "kwota przypisana", "kwota przypisana pozycji",
              "kwota przypisana do pozycji", "kwota z dokumentu", "kwota z dokumentu przypisana pozycji",
              "kwota pozycji", "czesc kwoty", "udzial"),
}
IGNORED_COLUMNS = ("lp", "l p", "no", "nr")  # the running number of a row, not data


def _by_alias(names: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {alias: str(value) for value, aliases in names.items() for alias in aliases}


HEADER_TO_FIELD = _by_alias(COLUMNS)
KINDS = _by_alias({
    DocumentKind.INVOICE: ("invoice", "faktura", "faktura vat", "fv", "fa"),
    DocumentKind.BILL: ("bill", "rachunek", "rachunek do umowy", "rachunek umowa cywilnoprawna", "umowa zlecenia",
                        "umowa o dzielo", "bill civil law contract"),
    DocumentKind.PAYROLL: ("payroll", "lista plac", "lista wynagrodzen"),
    DocumentKind.RECEIPT: ("receipt", "other", "inny", "inny dowod ksiegowy", "dowod ksiegowy", "paragon",
                           "nota ksiegowa", "receipt or other accounting document"),
    DocumentKind.IN_KIND: ("in kind", "oswiadczenie o wkladzie rzeczowym", "wklad rzeczowy",
                           "statement of in kind contribution"),
    DocumentKind.VOLUNTEER: ("volunteer", "oswiadczenie o pracy wolontariusza", "praca wolontariusza", "wolontariusz",
                             "wolontariat", "statement of volunteer work"),
})
SOURCES = _by_alias({
    Source.GRANT: ("grant", "dotacja", "z dotacji", "srodki z dotacji"),
    Source.OWN_FINANCIAL: ("own financial", "own financial resources", "own", "srodki wlasne", "wlasne",
                           "srodki finansowe wlasne", "wklad wlasny finansowy", "wklad finansowy"),
    Source.OTHER_PUBLIC: ("other public", "other public funds", "inne srodki publiczne", "srodki publiczne",
                          "inne zrodla publiczne"),
    Source.BENEFICIARY: ("beneficiary", "payments from beneficiaries", "wplaty odbiorcow", "wplaty i oplaty odbiorcow",
                         "wplaty i oplaty odbiorcow zadania", "swiadczenia pieniezne od odbiorcow zadania"),
    Source.PERSONAL: ("personal", "personal contribution", "wklad osobowy", "personal contribution volunteers work",
                      "praca wolontariuszy"),
    Source.IN_KIND: ("in kind", "in kind contribution", "wklad rzeczowy"),
})

# for the error messages: the names to type, as in the template
KIND_NAMES = "faktura, rachunek, lista płac, inny dowód księgowy, oświadczenie o wkładzie rzeczowym, " \
             "oświadczenie o pracy wolontariusza (invoice, bill, payroll, receipt, in_kind, volunteer)"
SOURCE_NAMES = "dotacja, środki własne, inne środki publiczne, wpłaty odbiorców, wkład osobowy, wkład rzeczowy " \
               "(grant, own_financial, other_public, beneficiary, personal, in_kind)"

TEMPLATE_HEADER = ["numer dokumentu", "rodzaj", "wystawca", "data wystawienia", "data zapłaty", "opis",
                   "kwota brutto", "pozycja kosztorysu", "źródło", "kwota przypisana"]
TEMPLATE_ROW = ["FV/12/2027", "faktura", "Drukarnia Przykładowa sp. z o.o.", "15.03.2027", "20.03.2027",
                "Druk ulotek informacyjnych", "1 230,00", "I.1", "dotacja", "1 230,00"]


class _FileError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- reading the bytes into rows of cells ---------------------------------------------------------------


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    not_text = _("The file is neither an .xlsx spreadsheet nor a CSV text file in UTF-8. Save it as .xlsx or as "
                 "“CSV UTF-8”.")
    if b"\x00" in data[:65536]:
        raise _FileError(not_text)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _FileError(not_text) from error
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.lower().startswith("sep=") and len(first.strip()) == 5:
        # Excel's own hint line; Excel does not show it as a row
        delimiter = first.strip()[4]
        text = text[text.index(first) + len(first):].lstrip("\r\n")
    else:
        delimiter = max((";", ",", "\t"), key=first.count) if first else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    except csv.Error as error:
        raise _FileError(format_lazy(_("The CSV file cannot be read: {error}."), error=error)) from error


def _xlsx_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        if unzipped > MAX_UNZIPPED:
            raise _FileError(_("The spreadsheet is too large."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _FileError:
        raise
    except Exception as error:  # openpyxl raises many kinds on a zip that is not a workbook
        raise _FileError(_("The file is not a readable .xlsx spreadsheet. Save it as .xlsx (Excel, "
                           "LibreOffice) or as CSV UTF-8.")) from error
    try:
        if not workbook.worksheets:
            return
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    except _FileError:
        raise
    except Exception as error:
        raise _FileError(_("The file is not a readable .xlsx spreadsheet. Save it as .xlsx (Excel, "
                           "LibreOffice) or as CSV UTF-8.")) from error
    finally:
        workbook.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- one cell --------------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    return text if len(text) <= 40 else text[:39] + "…"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return " ".join(str(value).split())


AMOUNT_PLAIN = re.compile(r"-?\d+(?:[.,]\d{1,2})?")
# grouped thousands only with the other decimal mark after them: "1.234" or "1,234" alone is ambiguous
AMOUNT_DOT_GROUPS = re.compile(r"-?\d{1,3}(?:\.\d{3})+,\d{1,2}")  # 1.234,56
AMOUNT_COMMA_GROUPS = re.compile(r"-?\d{1,3}(?:,\d{3})+\.\d{1,2}")  # 1,234.56
CURRENCY = re.compile(r"\s*(zł|zl|pln)\.?\s*$", re.IGNORECASE)


def parse_amount(value: Any) -> Decimal | None:
    """A money amount from a cell, or None if it is not one (never through float arithmetic)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value).quantize(CENT)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        exact = Decimal(repr(value))
        rounded = exact.quantize(CENT)
        # a spreadsheet stores 0.1 + 0.2 as 0.30000000000000004: noise, not a third decimal
        return rounded if abs(exact - rounded) < Decimal("0.000001") else None
    if isinstance(value, Decimal):
        return value.quantize(CENT) if value == value.quantize(CENT) else None
    text = CURRENCY.sub("", str(value).strip())
    for space in (" ", "\u00a0", "\u202f", "\u2009", "'"):
        text = text.replace(space, "")
    try:
        if AMOUNT_PLAIN.fullmatch(text):
            return Decimal(text.replace(",", ".")).quantize(CENT)
        if AMOUNT_DOT_GROUPS.fullmatch(text):
            return Decimal(text.replace(".", "").replace(",", ".")).quantize(CENT)
        if AMOUNT_COMMA_GROUPS.fullmatch(text):
            return Decimal(text.replace(",", "")).quantize(CENT)
    except InvalidOperation:
        return None
    return None


DATE_PL = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(value: Any) -> dt.date | None:
    """DD.MM.YYYY or YYYY-MM-DD text, or a date cell of a spreadsheet; None if it is neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    text = re.sub(r"[ T]00:00(:00)?$", "", text)  # a date exported with a midnight time
    try:
        if match := DATE_PL.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := DATE_ISO.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def _label_key(label: Any) -> str:
    return re.sub(r"\s+", "", str(label)).rstrip(".").upper()


# --- the parser -------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, lines: dict[str, int], max_rows: int):
        self.lines = {_label_key(label): pk for label, pk in lines.items()}
        self.labels = ", ".join(lines) or "—"
        self.max_rows = max_rows
        self.errors: dict[str, list] = {}
        self.rows_with_errors: set[int] = set()
        self.bad: set[tuple[int, str]] = set()  # (row, column) with an error already
        self.columns: dict[str, int] = {}
        self.headers: dict[str, str] = {}

    def error(self, row: int, column: str, message, **params) -> None:
        self.bad.add((row, column))
        self.rows_with_errors.add(row)
        key = f"rows.{row}"
        if key not in self.errors and len(self.errors) >= MAX_ERRORS:
            return
        text = format_lazy(_("row {row}, column {column}: {problem}"), row=row, column=self.headers[column],
                           problem=format_lazy(message, **params))
        self.errors.setdefault(key, []).append(text)

    def read_header(self, cells) -> None:
        unknown, seen = [], {}
        for index, cell in enumerate(cells):
            if _blank(cell):
                continue
            folded = re.sub(r"\s+(zl|pln)$", "", _fold(cell))
            name = HEADER_TO_FIELD.get(folded)
            if name is None:
                if folded not in IGNORED_COLUMNS:
                    unknown.append(_show(cell))
                continue
            if name in seen:
                raise _FileError(format_lazy(_("The columns “{first}” and “{second}” both mean {field}; keep one."),
                                             first=seen[name], second=_show(cell), field=name))
            seen[name] = _show(cell)
            self.columns[name] = index
            self.headers[name] = _show(cell)
        missing = [name for name in REQUIRED if name not in self.columns]
        if unknown or missing:
            parts = []
            if unknown:
                parts.append(format_lazy(_("unknown columns: {columns}"), columns=", ".join(f"“{u}”" for u in unknown)))
            if missing:
                parts.append(format_lazy(_("missing columns: {columns}"), columns=", ".join(missing)))
            raise _FileError(format_lazy(
                _("The header row does not fit the list of documents ({problems}). The columns are: number, kind, "
                  "issuer, issued_on, paid_on, description, amount, line, source, share (or their Polish names, "
                  "as in the template)."), problems=format_lazy("; ".join(["{}"] * len(parts)), *parts)))

    def cell(self, cells, name: str) -> Any:
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        return None if _blank(value) else value

    def read_row(self, number: int, cells) -> dict[str, Any]:
        """The fields of one row, parsed; None for the parts that are empty or wrong (errors noted)."""
        row: dict[str, Any] = {"row": number, "raw": {name: self.cell(cells, name) for name in DOCUMENT_FIELDS}}
        for name in ("number", "issuer", "description"):
            text = _text(self.cell(cells, name))
            if len(text) > MAX_LENGTH[name]:
                self.error(number, name, _("“{value}” is longer than {max} characters."), value=_show(text),
                           max=MAX_LENGTH[name])
            row[name] = text or None
        row["kind"] = self.choice(number, cells, "kind", KINDS,
                                  _("“{value}” is not a kind of document; use one of: {names}."), KIND_NAMES)
        for name in ("issued_on", "paid_on"):
            value = self.cell(cells, name)
            row[name] = None if value is None else parse_date(value)
            if value is not None and row[name] is None:
                self.error(number, name, _("“{value}” is not a date; write it as DD.MM.YYYY or YYYY-MM-DD."),
                           value=_show(value))
        for name in ("amount", "share"):
            value = self.cell(cells, name)
            amount = None if value is None else parse_amount(value)
            row[name] = None
            if value is None:
                pass
            elif amount is None:
                self.error(number, name, _("“{value}” is not an amount; write it as 1234,56 or 1 234,56."),
                           value=_show(value))
            elif amount < CENT:
                self.error(number, name, _("“{value}” is not more than zero."), value=_show(value))
            elif amount > MAX_AMOUNT:
                self.error(number, name, _("“{value}” is too large."), value=_show(value))
            else:
                row[name] = amount
        line = self.cell(cells, "line")
        row["line"] = None if line is None else self.lines.get(_label_key(_text(line)))
        if line is None:
            self.error(number, "line", _("give the line of the cost estimate ({labels})."), labels=self.labels)
        elif row["line"] is None:
            self.error(number, "line", _("“{value}” is not a line of the contract's cost estimate; its lines are: "
                                         "{labels}."), value=_show(line), labels=self.labels)
        row["source"] = self.choice(number, cells, "source", SOURCES,
                                    _("“{value}” is not a source of financing; use one of: {names}."), SOURCE_NAMES)
        if self.cell(cells, "source") is None:
            self.error(number, "source", _("give the source of financing ({names})."), names=SOURCE_NAMES)
        return row

    def choice(self, number: int, cells, name: str, aliases: dict[str, str], message, names: str) -> str | None:
        value = self.cell(cells, name)
        if value is None:
            return None
        chosen = aliases.get(_fold(value))
        if chosen is None:
            self.error(number, name, message, value=_show(value), names=names)
        return chosen

    def start_document(self, row: dict[str, Any]) -> dict[str, Any]:
        number = row["row"]
        for name, message in (("number", _("give the number of the document.")),
                              ("kind", _("give the kind of the document.")),
                              ("issued_on", _("give the date the document was issued.")),
                              ("amount", _("give the gross amount of the document."))):
            # a value that was there but wrong has its own message already
            if row[name] is None and (number, name) not in self.bad:
                self.error(number, name, message)
        return {"first_row": number, "rows": [row], "fields": {name: row[name] for name in DOCUMENT_FIELDS}}

    def continue_document(self, document: dict[str, Any], row: dict[str, Any]) -> None:
        for name in DOCUMENT_FIELDS:
            value, first = row[name], document["fields"][name]
            if value is not None and value != first:
                self.error(row["row"], name, _("“{value}” differs from row {first_row}, where the document begins; "
                                               "a document split over several rows repeats its data there or "
                                               "leaves it empty."),
                           value=_show(row["raw"][name]), first_row=document["first_row"])
        document["rows"].append(row)

    def finish_document(self, document: dict[str, Any]) -> dict[str, Any]:
        fields, rows, first = document["fields"], document["rows"], document["first_row"]
        amount = fields["amount"]
        shares, complete = [], True
        for row in rows:
            share = row["share"]
            if share is None and (row["row"], "share") not in self.bad:
                if len(rows) == 1:
                    share = amount  # a document charged whole to one line and source
                else:
                    self.error(row["row"], "share" if "share" in self.columns else "line",
                               _("give the part of the document charged to this line and source: the document is "
                                 "split over several rows."))
            if share is None or row["line"] is None or row["source"] is None:
                complete = False
                continue
            shares.append({"line": row["line"], "source": row["source"], "amount": share})
        if complete and amount is not None:
            total = sum((s["amount"] for s in shares), Decimal("0.00"))
            if total > amount:
                self.error(first, "share" if "share" in self.columns else "amount",
                           _("the parts charged to the cost lines add up to {total}, more than the document's "
                             "amount {amount}."), total=_money(total), amount=_money(amount))
        return {"number": rows[0]["number"], "kind": fields["kind"], "issuer": fields["issuer"] or "",
                "issued_on": fields["issued_on"], "paid_on": fields["paid_on"],
                "description": fields["description"] or "", "amount": amount, "shares": shares, "row": first}

    def parse(self, rows: Iterator) -> list[dict[str, Any]]:
        header_seen = False
        documents: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        seen: dict[tuple, int] = {}
        data_rows = blank_run = 0
        for number, cells in enumerate(rows, start=1):
            cells = list(cells or ())
            if all(_blank(c) for c in cells):
                blank_run += 1
                if header_seen and blank_run >= MAX_BLANK_RUN:
                    break
                continue
            blank_run = 0
            if not header_seen:
                self.read_header(cells)
                header_seen = True
                continue
            data_rows += 1
            if data_rows > self.max_rows:
                raise _FileError(format_lazy(_("The file has more than {max} rows; split it into smaller files."),
                                             max=self.max_rows))
            row = self.read_row(number, cells)
            same = current is not None and (row["number"] is None or row["number"] == current["rows"][0]["number"])
            if same:
                self.continue_document(current, row)
            else:
                if current is not None:
                    documents.append(self.finish_document(current))
                current = self.start_document(row)
                key = (row["number"], _fold(row["issuer"] or ""), row["issued_on"])
                if row["number"] is not None and key in seen:
                    self.error(number, "number", _("document “{value}” is already listed in row {first_row}; put the "
                                                   "rows of a split document one under another."),
                               value=_show(row["number"]), first_row=seen[key])
                elif row["number"] is not None:
                    seen[key] = number
        if not header_seen:
            raise _FileError(_("The file is empty."))
        if current is not None:
            documents.append(self.finish_document(current))
        if not documents:
            raise _FileError(_("The file has a header row but no documents."))
        return documents


def _money(value: Decimal) -> str:
    from offers.form import money

    return money(value)


def parse_documents(data: bytes, filename: str, *, lines: dict[str, int], max_rows: int = 5000
                    ) -> tuple[list[dict], dict[str, list[str]]]:
    """Read the list of documents from CSV or .xlsx bytes.

    `lines` maps the label of each cost line of the contract ("I.1", "II.1") to its id. Returns
    (documents, errors): documents as dicts {number, kind, issuer, issued_on, paid_on, description,
    amount, shares: [{line, source, amount}], row} in the order of the file, `row` being the
    document's first row; errors as {"file": [...]} or {"rows.<n>": [...]} with lazy messages.
    When there is any error, the list of documents is empty.
    """
    parser = _Parser(lines, max_rows)
    try:
        if not data or not data.strip(b" \t\r\n\xef\xbb\xbf"):
            raise _FileError(_("The file is empty."))
        if data.startswith(ZIP_MAGIC):
            rows: Iterator = _xlsx_rows(data)
        elif data.startswith(OLE_MAGIC):
            raise _FileError(_("The old .xls format cannot be read; save the spreadsheet as .xlsx or as CSV UTF-8."))
        elif filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
            raise _FileError(_("The file is named like a spreadsheet but is not an .xlsx spreadsheet."))
        else:
            rows = _csv_rows(data)
        documents = parser.parse(rows)
    except _FileError as error:
        return [], {"file": [error.message]}
    if parser.errors:
        errors = dict(parser.errors)
        if len(parser.rows_with_errors) > len(parser.errors):
            errors.setdefault("file", []).append(format_lazy(
                _("{count} more rows have errors; correct the ones shown and import again."),
                count=len(parser.rows_with_errors) - len(parser.errors)))
        return [], errors
    return documents, {}


# --- the templates to download ----------------------------------------------------------------------------


def template_csv() -> bytes:
    """The header and an example row as CSV: UTF-8 with a BOM and semicolons, which Excel in a
    Polish locale opens in columns."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(TEMPLATE_ROW)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """The header and an example row as .xlsx (dates as dates, amounts as numbers), and a second
    sheet with the accepted kinds of documents and sources."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "dokumenty"
    sheet.append(TEMPLATE_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    values: list[Any] = list(TEMPLATE_ROW)
    values[3], values[4] = dt.date(2027, 3, 15), dt.date(2027, 3, 20)
    values[6] = values[9] = Decimal("1230.00")
    sheet.append(values)
    for column in ("D", "E"):
        sheet[f"{column}2"].number_format = "dd.mm.yyyy"
    for column in ("G", "J"):
        sheet[f"{column}2"].number_format = '#,##0.00 "zł"'
    for column, width in zip("ABCDEFGHIJ", (18, 22, 32, 15, 15, 32, 14, 18, 22, 16), strict=True):
        sheet.column_dimensions[column].width = width
    help_sheet = workbook.create_sheet("objaśnienia")
    help_sheet.append(["rodzaj", "źródło"])
    kinds = ["faktura", "rachunek", "lista płac", "inny dowód księgowy", "oświadczenie o wkładzie rzeczowym",
             "oświadczenie o pracy wolontariusza"]
    sources = ["dotacja", "środki własne", "inne środki publiczne", "wpłaty odbiorców", "wkład osobowy",
               "wkład rzeczowy"]
    for kind, source in zip(kinds, sources, strict=True):
        help_sheet.append([kind, source])
    help_sheet.append([])
    help_sheet.append(["Dokument rozliczany w kilku pozycjach lub z kilku źródeł: kilka kolejnych wierszy z tym "
                       "samym numerem dokumentu; w kolumnie „kwota przypisana” część kwoty dokumentu."])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
