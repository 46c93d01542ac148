"""A small streaming .xlsx writer (Office Open XML, SpreadsheetML) with the standard library only.

Why not openpyxl: its write-only mode builds every cell as an object and serialises it through
its XML layer, which makes it the limit of a large export. Here a row becomes one string of XML
and goes straight into the sheet's deflate stream, so writing costs little more than formatting
the values, and memory stays flat whatever the number of rows (nothing of a written row is kept).

    with Workbook(out, creator="Pożytek", title="…", timezone=WARSAW) as book:
        bold = book.style(bold=True)
        money = book.style(number_format='#,##0.00 "zł"')
        sheet = book.sheet("Kwoty", widths=(10, 40, 16))
        sheet.append(["Nr", "Oferent", "Kwota"], (bold, bold, bold))
        sheet.append([1, "Fundacja", Decimal("1200.50")], (0, 0, money))

What a value becomes:
- None and "" an empty cell (nothing is written);
- str an inline string, always text (never a formula, whatever it starts with), XML-escaped, with
  the characters XML 1.0 forbids (control characters other than tab, LF and CR) removed, cut at
  Excel's limit of 32 767 characters;
- bool a boolean; int and float a number; Decimal a number written exactly as str(Decimal);
  a non-finite Decimal or float is written as text;
- datetime, date and time an Excel serial number; without a style of its own the cell gets a
  date (dd.mm.yyyy), date-and-time (dd.mm.yyyy hh:mm) or time (hh:mm) format. Excel has no time
  zones: an aware datetime is written as wall-clock time in the workbook's `timezone` (an aware
  datetime in a workbook without one is refused, as openpyxl does).

Sheets are written one after another: opening the next sheet (or closing the workbook) closes
the one before. The workbook's parts that list the sheets are written when it is closed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

__all__ = ["Workbook", "Sheet", "column_letter", "MAX_TEXT"]

MAX_TEXT = 32767  # the most characters a cell holds in Excel
MAX_ROWS = 1048576
MAX_COLUMNS = 16384
FLUSH_AT = 1 << 16  # characters of XML gathered before a write into the deflate stream

# characters that may not appear in an XML 1.0 document (tab, LF and CR may), and lone surrogates
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# anything a text needs done to it: escaping (a CR too, which XML would read as a LF) or removal
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

_EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (the 1900 system, with Lotus's 29 February 1900)
_EPOCH_DATE = _EPOCH.date()

# the number formats Excel knows by number (ECMA-376 18.8.30); others are declared in styles.xml
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}
DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT = "dd.mm.yyyy", "dd.mm.yyyy hh:mm", "hh:mm"


def column_letter(index: int) -> str:
    """The letters of a column, 1-based: 1 → A, 27 → AA."""
    if not 1 <= index <= MAX_COLUMNS:
        raise ValueError(f"column {index} is outside 1..{MAX_COLUMNS}")
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


_LETTERS: list[str] = [""]  # _LETTERS[i] is column i's letters, grown on demand


def _letters(count: int) -> list[str]:
    while len(_LETTERS) <= count:
        _LETTERS.append(column_letter(len(_LETTERS)))
    return _LETTERS


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;") if "\r" in text else text


def _attribute(text: str) -> str:
    return _escape(_ILLEGAL.sub("", text)).replace('"', "&quot;")


def clean_text(value: str) -> str:
    """A text as a cell holds it: without the characters XML forbids, cut at Excel's limit."""
    return _ILLEGAL.sub("", value)[:MAX_TEXT]


def _serial(value: dt.date | dt.datetime | dt.time) -> str:
    if isinstance(value, dt.datetime):
        delta = value - _EPOCH
        days = delta.days
        if 0 < days <= 60:
            days -= 1  # before 1 March 1900 Excel counts a 29 February that never was
        return repr(days + (delta.seconds + delta.microseconds / 1_000_000) / 86400)
    if isinstance(value, dt.date):
        days = (value - _EPOCH_DATE).days
        return str(days - 1 if 0 < days <= 60 else days)
    return repr((value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000) / 86400)


class Sheet:
    """One worksheet, written row by row (see the module's docstring for the values)."""

    def __init__(self, book: Workbook, index: int, title: str, stream: IO[bytes], widths: Sequence[float],
                 freeze: str | None):
        self.book = book
        self.index = index
        self.title = title
        self.rows = 0  # rows taken so far (an empty row is taken, and written as nothing)
        self._stream = stream
        self._parts: list[str] = []
        self._size = 0
        self._closed = False
        head = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">']
        if freeze:
            head.append(_pane(freeze))
        if widths:
            head.append("<cols>")
            head.extend(f'<col min="{i}" max="{i}" width="{float(w):g}" customWidth="1"/>'
                        for i, w in enumerate(widths, start=1) if w)
            head.append("</cols>")
        head.append("<sheetData>")
        self._write("".join(head))

    def append(self, values: Iterable[Any], styles: Sequence[int] = ()) -> None:
        """Write the next row: `values` from column A on, `styles[i]` (from Workbook.style) the
        style of column i's cell (0, the default, where the sequence is shorter)."""
        if self._closed:
            raise ValueError(f"sheet {self.title!r} is closed: sheets are written one after another")
        self.rows += 1
        r = self.rows
        if r > MAX_ROWS:
            raise ValueError(f"a sheet holds at most {MAX_ROWS} rows")
        book = self.book
        parts = [f'<row r="{r}">']
        add = parts.append
        letters = _LETTERS
        width = len(styles)
        rs = str(r)
        column = 0
        for value in values:
            column += 1
            if value is None:
                continue
            if column >= len(letters):
                _letters(column)
            kind = type(value)
            if kind not in _PLAIN:
                value = _plain(value)
                kind = type(value)
            style = styles[column - 1] if column <= width else 0
            if kind is str:
                if not value:
                    continue
                if len(value) > MAX_TEXT or _SPECIAL.search(value) is not None:
                    value = _escape(clean_text(value))
                    if not value:
                        continue
                if style == 0 and "\n" in value:
                    style = book.multiline_style
                add(f'<c r="{letters[column]}{rs}" t="inlineStr"{_S[style] if style < _NS else _s(style)}>'
                    f'<is><t xml:space="preserve">{value}</t></is></c>')
            elif kind is Decimal or kind is int or kind is float:
                if kind is not int and not (value.is_finite() if kind is Decimal else math.isfinite(value)):
                    add(f'<c r="{letters[column]}{rs}" t="inlineStr"><is><t>{value}</t></is></c>')
                    continue
                text = str(value) if kind is not float else repr(value)
                add(f'<c r="{letters[column]}{rs}"{_S[style] if style < _NS else _s(style)}><v>{text}</v></c>')
            elif kind is bool:
                add(f'<c r="{letters[column]}{rs}" t="b"{_s(style)}><v>{int(value)}</v></c>')
            elif kind is dt.datetime:
                if value.tzinfo is not None:
                    if book.timezone is None:
                        raise TypeError("an aware datetime in a workbook without a timezone (Excel has none)")
                    value = value.astimezone(book.timezone).replace(tzinfo=None)
                add(f'<c r="{letters[column]}{rs}"{_s(style or book.datetime_style)}><v>{_serial(value)}</v></c>')
            elif kind is dt.date:
                add(f'<c r="{letters[column]}{rs}"{_s(style or book.date_style)}><v>{_serial(value)}</v></c>')
            elif kind is dt.time:
                add(f'<c r="{letters[column]}{rs}"{_s(style or book.time_style)}><v>{_serial(value)}</v></c>')
            else:
                raise TypeError(f"a cell cannot hold {kind.__name__}: {value!r}")
        if len(parts) == 1:
            return  # an empty row: nothing to write, the next row's number says where it is
        add("</row>")
        text = "".join(parts)
        self._parts.append(text)
        self._size += len(text)
        if self._size >= FLUSH_AT:
            self._flush()

    def _write(self, text: str) -> None:
        self._stream.write(text.encode("utf-8", "replace"))

    def _flush(self) -> None:
        if self._parts:
            self._write("".join(self._parts))
            self._parts.clear()
            self._size = 0

    def close(self) -> None:
        if self._closed:
            return
        self._flush()
        self._write('</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
                    'footer="0.5"/></worksheet>')
        self._stream.close()
        self._closed = True


_NS = 64
_PLAIN = frozenset((str, int, float, Decimal, bool, dt.datetime, dt.date, dt.time))


def _plain(value: Any) -> Any:
    """A value of a subclass (a str subclass, an IntEnum, a pendulum datetime) as its plain type."""
    for base in (bool, str, int, float, Decimal):
        if isinstance(value, base):
            return base(value) if base is not str else str.__str__(value)
    if isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                           value.microsecond, value.tzinfo)
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, dt.time):
        return dt.time(value.hour, value.minute, value.second, value.microsecond)
    return value
_S = ["" if i == 0 else f' s="{i}"' for i in range(_NS)]


def _s(style: int) -> str:
    return _S[style] if style < _NS else f' s="{style}"'


def _pane(cell: str) -> str:
    """A frozen pane above and left of `cell` ("A2": the first row stays in view)."""
    match = re.fullmatch(r"([A-Z]{1,3})([0-9]+)", cell)
    if match is None:
        raise ValueError(f"not a cell reference: {cell!r}")
    letters, row = match.groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    x, y = column - 1, int(row) - 1
    if x == 0 and y == 0:
        return ""
    pane = "bottomRight" if x and y else ("bottomLeft" if y else "topRight")
    split = (f' xSplit="{x}"' if x else "") + (f' ySplit="{y}"' if y else "")
    return (f'<sheetViews><sheetView workbookViewId="0"><pane{split} topLeftCell="{cell}" activePane="{pane}" '
            f'state="frozen"/><selection pane="{pane}" activeCell="{cell}" sqref="{cell}"/></sheetView></sheetViews>')


class Workbook:
    """An .xlsx written into `out` (a path or a binary file): sheets, then close() (or `with`)."""

    def __init__(self, out: str | IO[bytes], *, creator: str = "", title: str = "", timezone: dt.tzinfo | None = None,
                 compresslevel: int = 1, zip64: bool = False):
        self.timezone = timezone
        self.creator = creator
        self.title = title
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._zip64 = zip64  # for a sheet of more than 2 GiB of XML (Excel 2010 and later read it)
        self._sheets: list[Sheet] = []
        self._titles: set[str] = set()
        self._fonts: list[bool] = [False, True]  # bold or not
        self._formats: dict[str, int] = {}
        self._styles: list[tuple[int, int, bool]] = [(0, 0, False)]  # (numFmtId, fontId, wrap)
        self._style_ids: dict[tuple[bool, bool, str | None], int] = {(False, False, None): 0}
        self._closed = False
        self.date_style = self.style(number_format=DATE_FORMAT)
        self.datetime_style = self.style(number_format=DATETIME_FORMAT)
        self.time_style = self.style(number_format=TIME_FORMAT)
        self.multiline_style = self.style(wrap=True)  # a text of several lines, where no other style is given

    # --- styles -----------------------------------------------------------------------------------------

    def style(self, *, bold: bool = False, wrap: bool = False, number_format: str | None = None) -> int:
        """The index of a cell style (0 is the default); the same arguments give the same index.
        A wrapped cell is also aligned to the top."""
        if number_format == "General":
            number_format = None
        key = (bool(bold), bool(wrap), number_format)
        index = self._style_ids.get(key)
        if index is None:
            if self._closed:
                raise ValueError("the workbook is closed")
            if number_format is None:
                format_id = 0
            elif number_format in _BUILTIN_FORMATS:
                format_id = _BUILTIN_FORMATS[number_format]
            else:
                format_id = self._formats.setdefault(number_format, 164 + len(self._formats))
            index = len(self._styles)
            self._styles.append((format_id, 1 if bold else 0, bool(wrap)))
            self._style_ids[key] = index
        return index

    # --- sheets -----------------------------------------------------------------------------------------

    def sheet(self, title: str, *, widths: Sequence[float] = (), freeze: str | None = None) -> Sheet:
        """Start the next sheet (closing the one before). `title` is made valid: the characters
        Excel refuses replaced, cut at 31 characters, unique in the workbook. `widths` are the
        columns' widths from A on (in characters; 0 or None keeps the default); `freeze` a cell
        above and left of which the panes stay in view ("A2" keeps the first row)."""
        if self._closed:
            raise ValueError("the workbook is closed")
        if self._sheets:
            self._sheets[-1].close()
        index = len(self._sheets) + 1
        title = self._title(title, index)
        stream = self._zip.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=self._zip64)
        sheet = Sheet(self, index, title, stream, widths, freeze)
        self._sheets.append(sheet)
        return sheet

    def _title(self, title: str, index: int) -> str:
        title = _TITLE_FORBIDDEN.sub("_", _ILLEGAL.sub("", str(title))).strip().strip("'")[:31].strip()
        if not title or title.casefold() == "history":  # Excel reserves "History"
            title = f"Sheet{index}"
        candidate, n = title, 1
        while candidate.casefold() in self._titles:
            n += 1
            suffix = f" ({n})"
            candidate = title[:31 - len(suffix)] + suffix
        self._titles.add(candidate.casefold())
        return candidate

    # --- the closing parts ----------------------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        try:
            if self._sheets:
                self._sheets[-1].close()
            else:
                self.sheet("Sheet1").close()  # a workbook has at least one sheet
            self._write_parts()
        finally:
            self._closed = True
            self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
        else:  # do not dress a half-written file up as a workbook
            self._closed = True
            for sheet in self._sheets:
                if not sheet._closed:
                    sheet._closed = True
                    sheet._stream.close()
            self._zip.close()

    def _write_parts(self) -> None:
        count = len(self._sheets)
        write = self._zip.writestr
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                         f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                         for i in range(1, count + 1))
        write("[Content_Types].xml", _XML + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            f"{sheets}</Types>"))
        write("_rels/.rels", _XML + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'extended-properties" Target="docProps/app.xml"/></Relationships>'))
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        write("docProps/core.xml", _XML + (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_attribute(self.title)}</dc:title><dc:creator>{_attribute(self.creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>'))
        write("docProps/app.xml", _XML + (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>Microsoft Excel</Application></Properties>"))
        write("xl/workbook.xml", _XML + (
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(f'<sheet name="{_attribute(s.title)}" sheetId="{s.index}" r:id="rId{s.index}"/>'
                      for s in self._sheets)
            + "</sheets></workbook>"))
        write("xl/_rels/workbook.xml.rels", _XML + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, count + 1))
            + f'<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
              'relationships/styles" Target="styles.xml"/></Relationships>'))
        write("xl/styles.xml", _XML + self._styles_xml())

    def _styles_xml(self) -> str:
        formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attribute(code)}"/>'
                          for code, i in self._formats.items())
        fonts = "".join(f'<font>{"<b/>" if bold else ""}<sz val="11"/><name val="Calibri"/><family val="2"/>'
                        f'<scheme val="minor"/></font>' for bold in self._fonts)
        cells = []
        for format_id, font_id, wrap in self._styles:
            attributes = f'numFmtId="{format_id}" fontId="{font_id}" fillId="0" borderId="0" xfId="0"'
            if format_id:
                attributes += ' applyNumberFormat="1"'
            if font_id:
                attributes += ' applyFont="1"'
            if wrap:
                cells.append(f'<xf {attributes} applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>')
            else:
                cells.append(f"<xf {attributes}/>")
        return ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + (f'<numFmts count="{len(self._formats)}">{formats}</numFmts>' if self._formats else "")
                + f'<fonts count="{len(self._fonts)}">{fonts}</fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(self._styles)}">{"".join(cells)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                "</styleSheet>")


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
