"""The list of financial documents imported from CSV and .xlsx (settlements/imports.py)."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from settlements.imports import parse_amount, parse_date, parse_documents, template_csv, template_xlsx

LINES = {"I.1": 11, "I.2": 12, "II.1": 21}
HEADER_PL = ["numer dokumentu", "rodzaj", "wystawca", "data wystawienia", "data zapłaty", "opis", "kwota brutto",
             "pozycja kosztorysu", "źródło", "kwota przypisana"]
HEADER_EN = ["number", "kind", "issuer", "issued_on", "paid_on", "description", "amount", "line", "source", "share"]


def csv_bytes(rows: list[list[str]], *, delimiter: str = ";", bom: bool = False) -> bytes:
    text = "\r\n".join(delimiter.join(cell for cell in row) for row in rows) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def messages(errors: dict, key: str) -> list[str]:
    return [str(m) for m in errors[key]]


# --- good files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True])
def test_semicolon_csv_with_decimal_comma(bom):
    data = csv_bytes([HEADER_PL,
                      ["FV/1/2027", "faktura", "Drukarnia Sp. z o.o.", "15.03.2027", "20.03.2027", "Druk ulotek",
                       "1 230,50", "I.1", "dotacja", "1 230,50"]], bom=bom)
    documents, errors = parse_documents(data, "lista.csv", lines=LINES)
    assert errors == {}
    assert documents == [{
        "number": "FV/1/2027", "kind": "invoice", "issuer": "Drukarnia Sp. z o.o.",
        "issued_on": dt.date(2027, 3, 15), "paid_on": dt.date(2027, 3, 20), "description": "Druk ulotek",
        "amount": Decimal("1230.50"), "shares": [{"line": 11, "source": "grant", "amount": Decimal("1230.50")}],
        "row": 2,
    }]
    assert isinstance(documents[0]["amount"], Decimal)


def test_comma_csv_with_english_headers_iso_dates_and_quoted_amounts():
    data = csv_bytes([HEADER_EN,
                      ["R/7", "bill", "Jan Kowalski", "2027-04-01", "2027-04-02", "Szkolenie, dzień 1", "800.00",
                       "II.1", "own_financial", "800"],
                      ["LP/04", "lista płac", "", "2027-04-30", "2027-05-05", "", '"2 500,00"', "I.2", "Dotacja",
                       '"2 500,00"']], delimiter=",")
    # a field with a comma must be quoted in a comma-separated file
    data = data.replace(b"Szkolenie, dzie\xc5\x84 1", b'"Szkolenie, dzie\xc5\x84 1"')
    documents, errors = parse_documents(data, "lista.csv", lines=LINES)
    assert errors == {}
    assert [(d["number"], d["kind"], d["amount"], d["description"]) for d in documents] == [
        ("R/7", "bill", Decimal("800.00"), "Szkolenie, dzień 1"),
        ("LP/04", "payroll", Decimal("2500.00"), ""),
    ]
    assert documents[1]["shares"] == [{"line": 12, "source": "grant", "amount": Decimal("2500.00")}]


def test_good_xlsx_with_date_and_number_cells():
    data = xlsx_bytes([
        ["Lp.", "Numer dokumentu", "Rodzaj", "Data wystawienia", "Data zapłaty", "Kwota brutto (zł)",
         "Pozycja kosztorysu", "Źródło finansowania", "Kwota przypisana"],
        [1, 123, "Faktura VAT", dt.datetime(2027, 5, 4), dt.date(2027, 5, 6), 1000.1, "I.1", "Środki własne",
         1000.1],
        [2, "OŚW/1", "oświadczenie o pracy wolontariusza", "12.06.2027", None, 0.1 + 0.2, "II.1", "wkład osobowy",
         None],
    ])
    documents, errors = parse_documents(data, "lista.xlsx", lines=LINES)
    assert errors == {}
    first, second = documents
    assert first["number"] == "123" and first["kind"] == "invoice"
    assert first["issued_on"] == dt.date(2027, 5, 4) and first["paid_on"] == dt.date(2027, 5, 6)
    assert first["amount"] == Decimal("1000.10")
    assert first["shares"] == [{"line": 11, "source": "own_financial", "amount": Decimal("1000.10")}]
    assert second["kind"] == "volunteer" and second["paid_on"] is None
    assert second["amount"] == Decimal("0.30")  # 0.30000000000000004 in the cell
    assert second["shares"] == [{"line": 21, "source": "personal", "amount": Decimal("0.30")}]


def test_split_document_over_lines_and_sources():
    data = csv_bytes([
        HEADER_PL,
        ["FV/9", "faktura", "Hotel", "01.07.2027", "10.07.2027", "Noclegi", "3 000,00", "I.1", "dotacja", "2 000,00"],
        ["FV/9", "", "", "", "", "", "", "I.2", "dotacja", "500,00"],
        ["FV/9", "faktura", "Hotel", "01.07.2027", "10.07.2027", "Noclegi", "3 000,00", "II.1", "środki własne",
         "500,00"],
        ["FV/10", "faktura", "Hotel", "02.07.2027", "10.07.2027", "Sala", "100,00", "I.1", "dotacja", ""],
    ])
    documents, errors = parse_documents(data, "split.csv", lines=LINES)
    assert errors == {}
    assert len(documents) == 2
    assert documents[0]["shares"] == [
        {"line": 11, "source": "grant", "amount": Decimal("2000.00")},
        {"line": 12, "source": "grant", "amount": Decimal("500.00")},
        {"line": 21, "source": "own_financial", "amount": Decimal("500.00")},
    ]
    assert documents[0]["amount"] == Decimal("3000.00") and documents[0]["row"] == 2
    assert documents[1]["row"] == 5
    assert documents[1]["shares"] == [{"line": 11, "source": "grant", "amount": Decimal("100.00")}]


def test_templates_parse_back():
    lines = {"I.1": 1}
    for data, name in ((template_csv(), "t.csv"), (template_xlsx(), "t.xlsx")):
        documents, errors = parse_documents(data, name, lines=lines)
        assert errors == {}, name
        assert documents[0]["amount"] == Decimal("1230.00")
        assert documents[0]["shares"] == [{"line": 1, "source": "grant", "amount": Decimal("1230.00")}]
    assert template_csv().startswith("\ufeff".encode())
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    assert workbook.worksheets[0]["A1"].value == "numer dokumentu"
    assert workbook.worksheets[0]["G2"].number_format == '#,##0.00 "zł"'


@pytest.mark.parametrize(("text", "expected"), [
    ("1 234,56", "1234.56"), ("1234.56", "1234.56"), ("1.234,56", "1234.56"), ("1,234.56", "1234.56"),
    ("12", "12.00"), ("12,5", "12.50"), ("1\u00a0234,56 zł", "1234.56"), ("99 PLN", "99.00"),
    ("12,3,4", None), ("1,234", None), ("abc", None), ("", None), ("1e5", None), ("NaN", None), ("12.345", None),
])
def test_amounts(text, expected):
    assert parse_amount(text) == (Decimal(expected) if expected else None)


def test_amounts_from_cells_are_never_floats_with_noise():
    assert parse_amount(1000.1) == Decimal("1000.10")
    assert parse_amount(100 / 3) is None  # a formula's third of an amount is not an amount in grosz
    assert parse_amount(float("nan")) is None
    assert parse_amount(True) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("15.03.2027", dt.date(2027, 3, 15)), ("5.3.2027", dt.date(2027, 3, 5)), ("2027-03-15", dt.date(2027, 3, 15)),
    ("2027-03-15 00:00:00", dt.date(2027, 3, 15)), ("31.02.2027", None), ("03/15/2027", None), ("2027", None),
])
def test_dates(text, expected):
    assert parse_date(text) == expected


# --- bad rows -----------------------------------------------------------------------------------------------


GOOD = ["FV/1", "faktura", "Firma", "15.03.2027", "20.03.2027", "Opis", "100,00", "I.1", "dotacja", "100,00"]


def with_cell(column: str, value: str) -> list[str]:
    row = list(GOOD)
    row[HEADER_EN.index(column)] = value
    return row


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("amount", "12,3,4", "row 3, column amount: “12,3,4” is not an amount"),
    ("amount", "-5,00", "row 3, column amount: “-5,00” is not more than zero"),
    ("share", "abc", "row 3, column share: “abc” is not an amount"),
    ("issued_on", "32.01.2027", "row 3, column issued_on: “32.01.2027” is not a date"),
    ("paid_on", "wczoraj", "row 3, column paid_on: “wczoraj” is not a date"),
    ("kind", "paragon fiskalny 2", "row 3, column kind: “paragon fiskalny 2” is not a kind of document"),
    ("source", "sponsor", "row 3, column source: “sponsor” is not a source of financing"),
    ("line", "I.9", "row 3, column line: “I.9” is not a line of the contract's cost estimate; its lines are: "
                    "I.1, I.2, II.1."),
    ("line", "", "row 3, column line: give the line of the cost estimate (I.1, I.2, II.1)."),
    ("amount", "", "row 3, column amount: give the gross amount of the document."),
    ("issuer", "x" * 301, "row 3, column issuer: “xxxxxxxx"),
])
def test_each_bad_cell_names_its_row_column_and_value(column, value, expected):
    good = ["FV/0", "faktura", "Firma", "15.03.2027", "20.03.2027", "Opis", "50,00", "I.1", "dotacja", "50,00"]
    data = csv_bytes([HEADER_EN, good, with_cell(column, value)])
    documents, errors = parse_documents(data, "bad.csv", lines=LINES)
    assert documents == []
    assert list(errors) == ["rows.3"]
    assert any(m.startswith(expected) for m in messages(errors, "rows.3")), messages(errors, "rows.3")


def test_a_document_without_a_number():
    data = csv_bytes([HEADER_EN, with_cell("number", "")])
    _documents, errors = parse_documents(data, "bad.csv", lines=LINES)
    assert messages(errors, "rows.2") == ["row 2, column number: give the number of the document."]


def test_a_row_without_a_number_continues_the_document_above():
    data = csv_bytes([HEADER_EN, with_cell("share", "60,00"),
                      ["", "", "", "", "", "", "", "II.1", "środki własne", "40,00"]])
    documents, errors = parse_documents(data, "ok.csv", lines=LINES)
    assert errors == {}
    assert [s["amount"] for s in documents[0]["shares"]] == [Decimal("60.00"), Decimal("40.00")]


def test_errors_use_the_header_as_written_in_the_file():
    data = csv_bytes([HEADER_PL, ["FV/1", "faktura", "Firma", "15.03.2027", "", "", "12,3,4", "I.1", "dotacja", ""]])
    _documents, errors = parse_documents(data, "bad.csv", lines=LINES)
    assert messages(errors, "rows.2") == [
        "row 2, column kwota brutto: “12,3,4” is not an amount; write it as 1234,56 or 1 234,56."]


def test_line_labels_are_matched_loosely():
    data = csv_bytes([HEADER_EN, with_cell("line", " i.2. ")])
    documents, errors = parse_documents(data, "ok.csv", lines=LINES)
    assert errors == {}
    assert documents[0]["shares"][0]["line"] == 12


def test_shares_above_the_document_amount_are_refused_at_its_first_row():
    data = csv_bytes([
        HEADER_EN,
        ["FV/1", "faktura", "Firma", "15.03.2027", "20.03.2027", "", "100,00", "I.1", "dotacja", "80,00"],
        ["FV/1", "", "", "", "", "", "", "II.1", "środki własne", "20,01"],
    ])
    documents, errors = parse_documents(data, "sum.csv", lines=LINES)
    assert documents == []
    assert messages(errors, "rows.2") == [
        "row 2, column share: the parts charged to the cost lines add up to 100,01 zł, more than the document's "
        "amount 100,00 zł."]


def test_a_split_document_needs_the_share_on_every_row():
    data = csv_bytes([
        HEADER_EN,
        ["FV/1", "faktura", "Firma", "15.03.2027", "20.03.2027", "", "100,00", "I.1", "dotacja", "80,00"],
        ["FV/1", "", "", "", "", "", "", "II.1", "środki własne", ""],
    ])
    _documents, errors = parse_documents(data, "split.csv", lines=LINES)
    assert messages(errors, "rows.3")[0].startswith("row 3, column share: give the part of the document")


def test_continuation_rows_may_not_contradict_the_first_row():
    data = csv_bytes([
        HEADER_EN,
        ["FV/1", "faktura", "Firma", "15.03.2027", "20.03.2027", "", "100,00", "I.1", "dotacja", "80,00"],
        ["FV/1", "faktura", "Firma", "15.03.2027", "20.03.2027", "", "120,00", "II.1", "dotacja", "20,00"],
    ])
    _documents, errors = parse_documents(data, "split.csv", lines=LINES)
    assert messages(errors, "rows.3") == [
        "row 3, column amount: “120,00” differs from row 2, where the document begins; a document split over "
        "several rows repeats its data there or leaves it empty."]


def test_the_same_document_twice_apart_is_refused():
    other = ["FV/2", "faktura", "Firma", "16.03.2027", "20.03.2027", "", "10,00", "I.1", "dotacja", "10,00"]
    data = csv_bytes([HEADER_EN, GOOD, other, GOOD])
    _documents, errors = parse_documents(data, "dup.csv", lines=LINES)
    assert messages(errors, "rows.4")[0].startswith("row 4, column number: document “FV/1” is already listed in row 2")


def test_several_errors_in_several_rows_are_all_reported():
    rows = [with_cell("amount", "x"), with_cell("kind", "y"), GOOD, with_cell("source", "z")]
    data = csv_bytes([HEADER_EN] + [[f"FV/{i}", *row[1:]] for i, row in enumerate(rows)])
    _documents, errors = parse_documents(data, "bad.csv", lines=LINES)
    assert sorted(errors) == ["rows.2", "rows.3", "rows.5"]


# --- bad files ----------------------------------------------------------------------------------------------


def test_missing_and_unknown_columns():
    data = csv_bytes([["numer", "rodzaj", "kolor", "kwota"], ["1", "faktura", "zielony", "5"]])
    documents, errors = parse_documents(data, "bad.csv", lines=LINES)
    assert documents == []
    (message,) = messages(errors, "file")
    assert "unknown columns: “kolor”" in message
    assert "missing columns: issued_on, line, source" in message


def test_the_same_column_twice():
    data = csv_bytes([HEADER_EN + ["kwota"], GOOD + ["1"]])
    _documents, errors = parse_documents(data, "bad.csv", lines=LINES)
    assert messages(errors, "file") == ["The columns “amount” and “kwota” both mean amount; keep one."]


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", "\ufeff".encode()])
def test_empty_file(data):
    assert parse_documents(data, "empty.csv", lines=LINES) == ([], {"file": ["The file is empty."]})


def test_header_without_rows():
    documents, errors = parse_documents(csv_bytes([HEADER_EN]), "h.csv", lines=LINES)
    assert documents == [] and messages(errors, "file") == ["The file has a header row but no documents."]


def test_more_rows_than_allowed():
    rows = [HEADER_EN] + [with_cell("number", f"FV/{i}") for i in range(51)]
    documents, errors = parse_documents(csv_bytes(rows), "big.csv", lines=LINES, max_rows=50)
    assert documents == []
    assert messages(errors, "file") == ["The file has more than 50 rows; split it into smaller files."]
    documents, errors = parse_documents(csv_bytes(rows[:51]), "big.csv", lines=LINES, max_rows=50)
    assert errors == {} and len(documents) == 50


def test_a_big_file_over_the_default_limit():
    rows = [HEADER_EN] + [with_cell("number", f"FV/{i}") for i in range(5001)]
    documents, errors = parse_documents(csv_bytes(rows), "big.csv", lines=LINES)
    assert documents == [] and "more than 5000 rows" in messages(errors, "file")[0]


def test_many_bad_rows_are_summarised():
    rows = [HEADER_EN] + [with_cell("amount", "x") for _ in range(150)]
    rows = [HEADER_EN] + [[f"FV/{i}", *row[1:]] for i, row in enumerate(rows[1:])]
    _documents, errors = parse_documents(csv_bytes(rows), "bad.csv", lines=LINES)
    assert len([k for k in errors if k.startswith("rows.")]) == 100
    assert messages(errors, "file") == ["50 more rows have errors; correct the ones shown and import again."]


@pytest.mark.parametrize("seed", range(5))
def test_garbage_bytes_never_raise(seed):
    rng = __import__("random").Random(seed)
    garbage = bytes(rng.randrange(256) for _ in range(4000))
    for prefix, name in ((b"", "x.csv"), (b"PK\x03\x04", "x.xlsx"), (b"\xd0\xcf\x11\xe0", "x.xls"), (b"", "x.xlsx")):
        documents, errors = parse_documents(prefix + garbage, name, lines=LINES)
        assert documents == [] and list(errors) == ["file"]


def test_not_a_workbook_zip_and_old_xls():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    _documents, errors = parse_documents(buffer.getvalue(), "x.xlsx", lines=LINES)
    assert messages(errors, "file")[0].startswith("The file is not a readable .xlsx spreadsheet.")
    _documents, errors = parse_documents(b"\xd0\xcf\x11\xe0" + os.urandom(100), "x.xls", lines=LINES)
    assert messages(errors, "file")[0].startswith("The old .xls format cannot be read")


def test_not_utf8_csv():
    data = "numer;rodzaj\r\nFV/1;oświadczenie\r\n".encode("cp1250")
    _documents, errors = parse_documents(data, "x.csv", lines=LINES)
    assert messages(errors, "file")[0].startswith("The file is neither an .xlsx spreadsheet nor a CSV text file")


def test_broken_csv_quoting():
    data = csv_bytes([HEADER_EN, ['"FV/1"x', *GOOD[1:]]])
    _documents, errors = parse_documents(data, "x.csv", lines=LINES)
    assert messages(errors, "file")[0].startswith("The CSV file cannot be read")


def test_messages_are_lazy_so_each_reader_gets_their_language():
    from django.utils.functional import Promise

    data = csv_bytes([HEADER_EN, with_cell("amount", "12,3,4")])
    _documents, errors = parse_documents(data, "bad.csv", lines=LINES)
    assert isinstance(errors["rows.2"][0], Promise)


def test_xlsx_row_numbers_count_blank_rows_as_the_spreadsheet_shows_them():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER_EN)
    sheet["A4"], sheet["B4"], sheet["D4"], sheet["G4"], sheet["H4"], sheet["I4"] = (
        "FV/1", "faktura", "15.03.2027", "12,3,4", "I.1", "dotacja")
    out = io.BytesIO()
    workbook.save(out)
    _documents, errors = parse_documents(out.getvalue(), "gaps.xlsx", lines=LINES)
    assert list(errors) == ["rows.4"]
    assert messages(errors, "rows.4")[0].startswith("row 4, column amount: “12,3,4” is not an amount")


def test_the_summary_counts_rows_not_errors():
    rows = [HEADER_EN] + [[f"FV/{i}", "?", "", "x", "", "", "x", "I.9", "?", ""] for i in range(120)]
    _documents, errors = parse_documents(csv_bytes(rows), "bad.csv", lines=LINES)
    assert len([k for k in errors if k.startswith("rows.")]) == 100
    assert len(errors["rows.2"]) == 5  # kind, issued_on, amount, line, source
    assert messages(errors, "file") == ["20 more rows have errors; correct the ones shown and import again."]
