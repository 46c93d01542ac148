"""The streaming .xlsx writer (workflow/xlsx.py), read back with openpyxl: every kind of value and
style, escaping, characters XML forbids, sheet titles, widths and panes, and flat memory."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from workflow.xlsx import MAX_TEXT, Workbook, column_letter

WARSAW = ZoneInfo("Europe/Warsaw")
MONEY = '#,##0.00 "zł"'


def _read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _book(build) -> openpyxl.Workbook:
    out = io.BytesIO()
    with Workbook(out, creator="Pożytek", title="Protokół & <wyniki>", timezone=WARSAW) as book:
        build(book)
    return _read(out.getvalue())


def test_every_kind_of_value_and_style_reads_back():
    def build(book):
        bold, money, points = book.style(bold=True), book.style(number_format=MONEY), book.style(number_format="0.00")
        date, when, wrap = (book.style(number_format="dd.mm.yyyy"), book.style(number_format="dd.mm.yyyy hh:mm"),
                            book.style(wrap=True))
        both = book.style(bold=True, wrap=True)
        assert book.style(bold=True) == bold and book.style() == 0  # the same style, the same index
        sheet = book.sheet("Dane", widths=(12, 30, 0, 16))
        sheet.append(["Tekst", "Kwota", "Punkty", "Data", "Czas", "Liczba", "Ułamek", "Tak", "Zawinięty", "Oba"],
                     (bold,) * 10)
        sheet.append(["zwykły", Decimal("1234567.89"), Decimal("18.67"), dt.date(2027, 3, 1),
                      dt.datetime(2027, 3, 1, 14, 30, 15), 42, 2.5, True, "krótki", "nagłówek"],
                     (0, money, points, date, when, 0, 0, 0, wrap, both))
        sheet.append([None, "", Decimal("0.1"), None, None, -7, Decimal("-0.05"), False])

    workbook = _book(build)
    assert workbook.sheetnames == ["Dane"]
    assert workbook.properties.creator == "Pożytek" and workbook.properties.title == "Protokół & <wyniki>"
    ws = workbook["Dane"]
    assert [c.value for c in ws[1]] == ["Tekst", "Kwota", "Punkty", "Data", "Czas", "Liczba", "Ułamek", "Tak",
                                        "Zawinięty", "Oba"]
    assert all(c.font.b for c in ws[1])
    assert ws["A2"].value == "zwykły" and not ws["A2"].font.b and ws["A2"].number_format == "General"
    assert ws["B2"].value == 1234567.89 and ws["B2"].number_format == MONEY
    assert ws["C2"].value == 18.67 and ws["C2"].number_format == "0.00"
    assert ws["D2"].value == dt.datetime(2027, 3, 1) and ws["D2"].number_format == "dd.mm.yyyy"
    assert ws["E2"].value == dt.datetime(2027, 3, 1, 14, 30, 15) and ws["E2"].number_format == "dd.mm.yyyy hh:mm"
    assert ws["F2"].value == 42 and isinstance(ws["F2"].value, int) and ws["F2"].number_format == "General"
    assert ws["G2"].value == 2.5 and ws["H2"].value is True and ws["H2"].data_type == "b"
    assert ws["I2"].alignment.wrap_text and ws["I2"].alignment.vertical == "top" and not ws["I2"].font.b
    assert ws["J2"].alignment.wrap_text and ws["J2"].font.b
    # None and "" are empty cells, nothing written for them
    assert ws["A3"].value is None and ws["B3"].value is None
    assert ws["C3"].value == 0.1 and ws["F3"].value == -7 and ws["G3"].value == -0.05 and ws["H3"].value is False
    assert [d.width for d in (ws.column_dimensions["A"], ws.column_dimensions["B"], ws.column_dimensions["D"])] == [
        12, 30, 16]


def test_a_decimal_is_written_exactly_as_it_is():
    out = io.BytesIO()
    values = [Decimal("20.00"), Decimal("0.10"), Decimal("123456789012.34"), Decimal("1E+3"), Decimal("-0")]
    with Workbook(out) as book:
        book.sheet("A").append(values)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>20.00</v><" in xml and "<v>0.10</v>" in xml and "<v>123456789012.34</v>" in xml
    assert "<v>1E+3</v>" in xml and "<v>-0</v>" in xml
    assert [c.value for c in _read(out.getvalue())["A"][1]] == [20, 0.1, 123456789012.34, 1000, 0]


def test_text_is_escaped_never_a_formula_and_loses_the_characters_xml_forbids():
    texts = ['=HYPERLINK("http://example.org","kliknij")', "<b>A & B</b> > C", "Pionowy\x0btabulator\x00\x1f",
             "  spacje na brzegach  ", "wiersz 1\nwiersz 2", "tab\tdalej", "\x01\x02", 'cudzysłów "x" i \'y\'',
             "emoji 🎉 i ąęłńóśźż", "Windows\r\nlinie"]

    def build(book):
        book.sheet("Tekst").append(texts)

    ws = _book(build)["Tekst"]
    cells = ws[1]
    assert cells[0].value == texts[0] and cells[0].data_type == "s"  # text, not a formula
    assert cells[1].value == "<b>A & B</b> > C"
    assert cells[2].value == "Pionowytabulator"
    assert cells[3].value == "  spacje na brzegach  "  # xml:space="preserve"
    assert cells[4].value == "wiersz 1\nwiersz 2" and cells[4].alignment.wrap_text  # several lines wrap
    assert cells[5].value == "tab\tdalej" and not cells[5].alignment.wrap_text
    assert cells[6].value is None  # nothing left of it: an empty cell
    assert cells[7].value == texts[7] and cells[8].value == texts[8]
    assert cells[9].value == "Windows\r\nlinie"  # a CR is kept (XML would read a bare one as a LF)


def test_a_long_text_is_cut_at_excels_limit_and_subclasses_are_plain_values():
    class Label(str):
        pass

    def build(book):
        book.sheet("Długie").append(["&" * (MAX_TEXT + 10), Label("etykieta <x>")])

    ws = _book(build)["Długie"]
    assert ws["A1"].value == "&" * MAX_TEXT and ws["B1"].value == "etykieta <x>"


def test_times_are_wall_clock_in_the_workbooks_timezone():
    aware = dt.datetime(2027, 6, 30, 21, 59, 59, tzinfo=dt.UTC)  # 23:59:59 in Warsaw (summer time)

    def build(book):
        book.sheet("Czas").append([aware, dt.datetime(1900, 1, 1, 12), dt.date(1900, 3, 1), dt.time(8, 15)])

    ws = _book(build)["Czas"]
    assert ws["A1"].value == dt.datetime(2027, 6, 30, 23, 59, 59)
    assert ws["A1"].number_format == "dd.mm.yyyy hh:mm"  # a date without a style of its own gets one
    assert ws["B1"].value == dt.datetime(1900, 1, 1, 12)  # before Excel's 29 February 1900
    assert ws["C1"].value == dt.datetime(1900, 3, 1) and ws["C1"].number_format == "dd.mm.yyyy"
    assert ws["D1"].value == dt.time(8, 15)
    with pytest.raises(TypeError), Workbook(io.BytesIO()) as book:  # no timezone: Excel has none
        book.sheet("A").append([aware])
    with pytest.raises(TypeError), Workbook(io.BytesIO()) as book:
        book.sheet("A").append([object()])


def test_sheet_titles_are_made_valid_unique_and_at_most_31_characters():
    long = "Oświadczenia o bezstronności i wyłączenia członków"

    def build(book):
        for title in (long, long, "Kwoty [zł]: 2027/2028?", "'Ranking'", "", "R&D <1>"):
            book.sheet(title).append([title or "pusty"])

    workbook = _book(build)
    first = long[:31].rstrip()  # "Oświadczenia o bezstronności i": cut, without the trailing space
    assert workbook.sheetnames == [first, first[:27] + " (2)", "Kwoty _zł__ 2027_2028_", "Ranking", "Sheet5",
                                   "R&D <1>"]
    assert all(len(name) <= 31 for name in workbook.sheetnames)
    assert workbook["R&D <1>"]["A1"].value == "R&D <1>"


def test_rows_skip_gaps_and_a_frozen_header_stays():
    def build(book):
        sheet = book.sheet("Arkusz", freeze="A2")
        sheet.append(["Nagłówek"], (book.style(bold=True),))
        sheet.append([])
        sheet.append([None, None, "C3"])
        sheet.append(["A4"])

    ws = _book(build)["Arkusz"]
    assert ws.freeze_panes == "A2"
    assert [tuple(r) for r in ws.iter_rows(values_only=True)] == [
        ("Nagłówek", None, None), (None, None, None), (None, None, "C3"), ("A4", None, None)]


def test_an_empty_workbook_has_a_sheet_and_sheets_are_written_one_after_another():
    out = io.BytesIO()
    Workbook(out).close()
    assert _read(out.getvalue()).sheetnames == ["Sheet1"]
    out = io.BytesIO()
    with Workbook(out) as book:
        first = book.sheet("Pierwszy")
        first.append([1])
        book.sheet("Drugi").append([2])
        with pytest.raises(ValueError):
            first.append([3])  # the next sheet closed it
    workbook = _read(out.getvalue())
    assert workbook["Pierwszy"]["A1"].value == 1 and workbook["Drugi"]["A1"].value == 2


def test_column_letters():
    assert [column_letter(i) for i in (1, 26, 27, 52, 53, 702, 703, 16384)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]
    with pytest.raises(ValueError):
        column_letter(0)


def test_a_path_is_written_too_and_the_package_is_complete(tmp_path):
    path = tmp_path / "plik.xlsx"
    with Workbook(str(path)) as book:
        book.sheet("A").append(["x"])
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) >= {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                           "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                           "xl/worksheets/sheet1.xml"}
    assert openpyxl.load_workbook(path)["A"]["A1"].value == "x"


def _peak(rows: int) -> int:
    tracemalloc.start()
    try:
        with Workbook(_Sink()) as book:
            money = book.style(number_format=MONEY)
            sheet = book.sheet("Duży")
            for i in range(rows):
                sheet.append([f"BOP.524.1.2027/{i}", "Stowarzyszenie <Alfa> & partnerzy", i, Decimal("1234.50"),
                              dt.datetime(2027, 1, 1, 12, i % 60)], (0, 0, 0, money))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class _Sink(io.RawIOBase):
    """A file that forgets what it is given (so that only the writer's memory is measured)."""

    def __init__(self):
        self.position = 0

    def writable(self):
        return True

    def seekable(self):
        return False

    def write(self, data):
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position

    def flush(self):
        pass


def test_memory_does_not_grow_with_the_rows():
    _peak(1000)
    small, large = _peak(2000), _peak(40000)
    assert large < 1.5 * small + 200_000, (small, large)
