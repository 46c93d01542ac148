"""The contract as PDF (settlements/pdf.py).

pypdf is not installed, so the text is not extracted from the file: the tests read the
flowables the document is built from (their plain text is what is printed), count the pages in
the PDF's page objects, and record what the footer canvas draws."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from unittest import mock

import pytest
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table

from settlements import pdf
from settlements.models import PaymentMode

from .factories_docs import contract_row

pytestmark = pytest.mark.django_db


def pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", data))


def texts(flowables) -> list[str]:
    """The plain text of every paragraph, inside tables and kept-together groups too."""
    found: list[str] = []

    def walk(item):
        if isinstance(item, Paragraph):
            found.append(item.getPlainText())
        elif isinstance(item, Table):
            for row in item._cellvalues:
                for cell in row:
                    for inner in cell if isinstance(cell, list | tuple) else [cell]:
                        walk(inner)
        elif hasattr(item, "_content"):
            for inner in item._content:
                walk(inner)

    for flowable in flowables:
        walk(flowable)
    return found


def story_text(contract) -> str:
    pdf.register_fonts(pdf.FONT_DIR)
    return "\n".join(texts(pdf._story(contract, pdf._styles())))


def test_a_valid_pdf_with_the_terms_of_the_contract(authority):
    contract = contract_row(authority, grant="40000.00", total_cost="50000.00", tolerance_pct=Decimal("15.00"),
                            return_due=dt.date(2027, 12, 30), countersigned_by="Ewa Skarbnik",
                            snapshot_sha256="ab" * 32)
    data = pdf.contract_pdf(contract)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pages(data) >= 2
    text = story_text(contract)
    assert f"UMOWA NR {contract.number}" in text
    assert "o wsparcie realizacji zadania publicznego" in text
    assert contract.award.offer.number in text
    assert "od dnia 01.03.2027 r. do dnia 15.12.2027 r." in text
    assert "40 000,00 zł" in text
    assert "zwiększenie o więcej niż 15,00%" in text
    assert "do dnia 30.12.2027 r." in text  # the return of the unused grant
    assert "do dnia 14.01.2028 r." in text  # the final report: 30 days after the end (art. 18 ust. 1)
    assert "art. 251 ust. 5" in text and "art. 252" in text
    assert "Udział środków innych niż dotacja w całkowitym koszcie zadania publicznego wynosi 20,00%" in text
    assert "Dotacja zostanie przekazana jednorazowo, w terminie do dnia 10.03.2027 r." in text
    assert "pisemnej pod rygorem nieważności" in text
    assert "Kontrasygnata Skarbnika" in text and "Ewa Skarbnik, Skarbnik" in text
    assert "Anna Nowak, Prezes Zarządu" in text
    assert "I.1" in text and "Wynagrodzenie doradcy" in text and "43 700,00 zł" in text  # 38 000 + 15%


def test_the_footer_numbers_the_pages_and_prints_the_hash(authority):
    contract = contract_row(authority, snapshot_sha256="0123456789abcdef" * 4, version=2)
    drawn: list[str] = []
    original, original_right = Canvas.drawString, Canvas.drawRightString

    def record(self, x, y, text, *args, **kwargs):
        drawn.append(text)
        return original(self, x, y, text, *args, **kwargs)

    def record_right(self, x, y, text, *args, **kwargs):
        drawn.append(text)
        return original_right(self, x, y, text, *args, **kwargs)

    with mock.patch.object(Canvas, "drawString", record), mock.patch.object(Canvas, "drawRightString", record_right):
        data = pdf.contract_pdf(contract)
    total = pages(data)
    assert [t for t in drawn if t.startswith("strona")] == [f"strona {n} z {total}" for n in range(1, total + 1)]
    assert drawn.count(f"Umowa nr {contract.number} · wersja 2") == total
    assert drawn.count(f"SHA-256 umowy: {contract.snapshot_sha256}") == total


def test_no_hash_before_signing(authority):
    contract = contract_row(authority, snapshot_sha256="")
    drawn: list[str] = []
    original = Canvas.drawString

    def record(self, x, y, text, *args, **kwargs):
        drawn.append(text)
        return original(self, x, y, text, *args, **kwargs)

    with mock.patch.object(Canvas, "drawString", record):
        pdf.contract_pdf(contract)
    assert drawn and not any("SHA-256" in t for t in drawn)


def test_many_lines_make_more_pages(authority):
    few = contract_row(authority)
    many = contract_row(authority, lines=[(f"I.{i}", f"Koszt numer {i}", "100.00", "90.00") for i in range(1, 181)])
    assert pages(pdf.contract_pdf(many)) > pages(pdf.contract_pdf(few)) + 2
    text = story_text(many)
    assert "I.180" in text and "18 000,00 zł" in text and "16 200,00 zł" in text  # the totals row


def test_tranches_joint_offer_and_powierzenie(authority):
    contract = contract_row(
        authority, payment_mode=PaymentMode.TRANCHES, form="powierzenie", grant="30000.00", total_cost="30000.00",
        tranches=[(dt.date(2027, 3, 10), "20000.00", None, None), (dt.date(2027, 7, 1), "10000.00", None, None)],
        representatives=[
            {"key": "organization", "party": "organization", "name": "Fundacja Alfa",
             "representatives": [{"name": "Jan Kowalski", "function": "Prezes"},
                                 {"name": "Ewa Nowak", "function": "Skarbnik fundacji"}]},
            {"key": "partner-1", "party": "partner", "name": "Stowarzyszenie Beta", "representatives": []},
            {"key": "authority", "party": "authority", "name": "Gmina", "representatives": [
                {"name": "Wójt Gminy", "function": ""}]},
            {"key": "treasurer", "party": "treasurer", "name": "Skarbnik", "representatives": [
                {"name": "Maria Liczyrzepa", "function": "Skarbnik Gminy"}]},
        ],
        terms={"sections": {"partners": {"joint": True, "partners": [
            {"name": "Stowarzyszenie Beta", "address": "ul. Długa 1, 00-001 Warszawa", "krs": "0000123456"}]}}},
    )
    data = pdf.contract_pdf(contract)
    assert data.startswith(b"%PDF-")
    text = story_text(contract)
    assert "o powierzenie realizacji zadania publicznego" in text
    assert "(dalej łącznie: „Zleceniobiorcy”), działający wspólnie" in text
    assert "Stowarzyszenie Beta, ul. Długa 1, 00-001 Warszawa, KRS 0000123456" in text
    assert "Zleceniobiorca (współoferent)" in text
    assert "Dotacja zostanie przekazana w transzach" in text
    assert "20 000,00 zł" in text and "10 000,00 zł" in text and "01.07.2027 r." in text
    assert "Jan Kowalski, Prezes" in text and "Ewa Nowak, Skarbnik fundacji" in text
    assert "Maria Liczyrzepa, Skarbnik Gminy" in text
    assert "Wójt Gminy" in text
    assert "Umowę sporządzono w 3 jednobrzmiących egzemplarzach" in text


def test_long_texts_polish_letters_and_markup_do_not_break_it(authority):
    long_name = "Zażółć gęślą jaźń — " * 24
    unbroken = "Ą" * 480
    contract = contract_row(
        authority, title=("Źdźbło <b>trawy</b> & „cudzysłów” " * 14)[:500], place="Łódź, ul. Żeromskiego 5 & 7",
        lines=[("I.1", long_name[:500], "1000.00", "900.00"), ("I.2", unbroken, "10.00", "0.00"),
               ("II.1", "<script>alert(1)</script>", "5.00", "5.00")],
        representatives=[{"party": "organization", "name": "Łucja Ęą <i>", "function": "Prezes & Skarbnik"}],
        authority_signatories="Jan Żółw – Wójt; Anna Ćma – Zastępca Wójta")
    data = pdf.contract_pdf(contract)
    assert data.startswith(b"%PDF-")
    text = story_text(contract)
    assert "Źdźbło <b>trawy</b> & „cudzysłów”" in text  # printed as typed, not as markup
    assert "<script>alert(1)</script>" in text
    assert "Łucja Ęą <i>, Prezes & Skarbnik" in text  # a flat list of people is read too
    assert "Jan Żółw – Wójt" in text and "Anna Ćma – Zastępca Wójta" in text


def test_deadline_town_neutral_parties_full_stops_and_page_layout(authority):
    """The final report is due 30 days after the task, moved past a holiday and a weekend (art. 18
    ust. 1, KPA art. 57 § 4) — 02.12.2027 + 30 days is Saturday 1 January 2028, so Monday 3 January;
    the contract is concluded in a town, not at a street; "Gmina" is not called "reprezentowanym";
    a date ending a sentence keeps one full stop; the signatures are kept together and the
    calculation of costs starts on a new page."""
    from reportlab.platypus import KeepTogether, PageBreak

    authority.name, authority.address = "Gmina Dąbrowa Górnicza", "ul. Graniczna 27, 41-300 Dąbrowa Górnicza"
    authority.save()
    contract = contract_row(authority, task_end=dt.date(2027, 12, 2), expenditure_end=dt.date(2027, 12, 2),
                            countersigned_by="Ewa Skarbnik")
    text = story_text(contract)
    assert "tj. do dnia 03.01.2028 r." in text and "01.01.2028" not in text
    assert "w miejscowości Dąbrowa Górnicza, między:" in text and "w ul. Graniczna" not in text
    assert "(dalej: „Zleceniodawca”), w imieniu Zleceniodawcy działa: " in text
    assert "(dalej: „Zleceniobiorca”), w imieniu Zleceniobiorcy działa: Anna Nowak – Prezes Zarządu.\n" in text
    for gendered in ("reprezentowanym", "zwanym dalej", "zwaną dalej „Zleceniobiorcą"):
        assert gendered not in text
    assert "r.." not in text
    assert "do dnia 02.12.2027 r.\n" in text  # § 2 ust. 1 ends with the date: one full stop
    pdf.register_fonts(pdf.FONT_DIR)
    story = pdf._story(contract, pdf._styles())
    kept = [item for item in story if isinstance(item, KeepTogether) and
            sum("(data i podpis)" in t for t in texts([item])) >= 3]
    assert len(kept) == 1  # one group: the organisation, the authority and the treasurer sign together
    annex = next(i for i, item in enumerate(story) if "Załącznik nr 1" in "".join(texts([item])))
    assert isinstance(story[annex - 1], PageBreak)
    assert pages(pdf.contract_pdf(contract)) >= 3


def test_the_town_of_an_address():
    assert pdf._town("ul. Graniczna 27, 41-300 Dąbrowa Górnicza") == "Dąbrowa Górnicza"
    assert pdf._town("Rynek 1, 00-950 Warszawa, woj. mazowieckie") == "Warszawa"
    assert pdf._town("Plac Wolności 1, Sosnowiec") == "Sosnowiec"
    assert pdf._town("ul. Długa 5") == "" and pdf._town("") == ""
