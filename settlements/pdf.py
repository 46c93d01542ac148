"""The contract as PDF (reportlab): the document the parties print and sign (art. 16: written form).

It follows the structure of the model contract of the Regulation of 24 October 2018 (Reg. 2057,
Annex 3): the parties and their representatives, the subject, the dates, the grant and how it is
paid, the own contribution, the tolerance of shifts between cost lines, reports, the return of
the unused grant and interest, termination, annexes, the signatures (every co-offeror and the
treasurer's countersignature) and the cost estimate as an annex.

The contract is a legal text in Polish whatever the language of the screen, so its wording is
plain Polish literals here, not gettext msgids (as the protocol in evaluation/exports.py). The
font is DejaVu Sans, registered by offers.receipt, for the Polish letters.

Every page has a footer with the contract's number, its version and "strona x z y"; the SHA-256
of the contract as signed is printed there when there is one, so that a printed copy can be
matched with what the system holds.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from offers.form import money
from offers.receipt import FONT_DIR, _escape, register_fonts
from workflow.calendar import deadline_in_days

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
FORMS = {
    "wspieranie": ("o wsparcie realizacji zadania publicznego", "wsparcia"),
    "powierzenie": ("o powierzenie realizacji zadania publicznego", "powierzenia"),
}
PAGE_MARGIN = 20 * mm
# the other party's name in the cases the text needs: one organisation, or a joint offer (art. 14 ust. 2)
SINGULAR = {"nom": "Zleceniobiorca", "dat": "Zleceniobiorcy", "ins": "Zleceniobiorcą", "called": "zwaną",
            "oblige": "zobowiązuje się", "may": "może", "got": "uzyskał"}
PLURAL = {"nom": "Zleceniobiorcy", "dat": "Zleceniobiorcom", "ins": "Zleceniobiorcami", "called": "zwanymi",
          "oblige": "zobowiązują się", "may": "mogą", "got": "uzyskali"}


def _date(value: dt.date | None) -> str:
    return f"{value:%d.%m.%Y} r." if value else "……………… r."


def _pct(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP)}".replace(".", ",")


def _account(value: str) -> str:
    from offers.identifiers import format_bank_account

    try:
        return format_bank_account(value)
    except ValueError:
        return value


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName="PozytekSans", fontSize=10, leading=13.5, alignment=TA_JUSTIFY)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName="PozytekSans-Bold", fontSize=14, leading=18,
                                alignment=TA_CENTER, spaceAfter=1 * mm),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=15, alignment=TA_CENTER,
                                   spaceAfter=5 * mm),
        "paragraph": ParagraphStyle("paragraph", parent=base, fontName="PozytekSans-Bold", alignment=TA_CENTER,
                                    spaceBefore=4 * mm, spaceAfter=2 * mm, keepWithNext=True),
        "clause": ParagraphStyle("clause", parent=base, leftIndent=6 * mm, firstLineIndent=-6 * mm,
                                 spaceAfter=1.5 * mm),
        "body": ParagraphStyle("body", parent=base, spaceAfter=2 * mm),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11, alignment=0),
        "cell_right": ParagraphStyle("cell_right", parent=base, fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "cell_head": ParagraphStyle("cell_head", parent=base, fontName="PozytekSans-Bold", fontSize=8.5, leading=11,
                                    alignment=0),
        "sign": ParagraphStyle("sign", parent=base, fontSize=9, leading=12, alignment=0),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444")),
    }


def _get(data: Any, *path: str) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


# --- the parties -----------------------------------------------------------------------------------------


def _parties(contract) -> list[dict[str, Any]]:
    """contract.representatives as parties: [{"key", "name", "people": [{"name", "function"}]}].

    services.contract_draft writes one entry per party ({"key": "organization" | "partner-<n>" |
    "authority" | "treasurer", "name", "representatives": [{"name", "function"}]}); a flat list of
    people ({"party", "name", "function"}) is read too, grouped by party."""
    parties: dict[str, dict[str, Any]] = {}
    for entry in contract.representatives or []:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("representatives"), list):
            key = str(entry.get("key") or entry.get("party") or "")
            party = parties.setdefault(key, {"key": key, "name": "", "people": []})
            party["name"] = str(entry.get("name") or "").strip()
            people = entry["representatives"]
        else:
            key = str(entry.get("party") or entry.get("key") or "")
            party = parties.setdefault(key, {"key": key, "name": str(entry.get("party_name") or "").strip(),
                                             "people": []})
            people = [entry]
        for person in people:
            if isinstance(person, dict) and str(person.get("name") or "").strip():
                party["people"].append({"name": str(person["name"]).strip(),
                                        "function": str(person.get("function") or "").strip()})
    return list(parties.values())


def _people(contract, key: str) -> list[dict[str, str]]:
    return next((p["people"] for p in _parties(contract) if p["key"] == key), [])


def _partners(contract) -> list[dict[str, str]]:
    """The co-offerors of a joint offer: the partner parties, with their address and KRS from the
    offer as agreed (contract.terms["sections"]["partners"]) where it has them."""
    listed = _get(contract.terms or {}, "sections", "partners", "partners")
    listed = listed if isinstance(listed, list) else []
    partners = []
    for party in _parties(contract):
        if not party["key"].startswith("partner"):
            continue
        index = party["key"].removeprefix("partner-")
        details = listed[int(index) - 1] if index.isdigit() and 0 < int(index) <= len(listed) else {}
        details = details if isinstance(details, dict) else {}
        partners.append({"key": party["key"], "name": party["name"] or str(details.get("name") or "").strip(),
                         "address": str(details.get("address") or "").strip(),
                         "krs": str(details.get("krs") or "").strip()})
    for number, partner in enumerate(partners, start=1):
        partner["name"] = partner["name"] or f"Współoferent {number}"
    return partners


def _represented_by(people: list[dict[str, str]]) -> str:
    if not people:
        return "……………………………………………"
    return ", ".join(_escape(f"{p['name']} – {p['function']}" if p["function"] else p["name"]) for p in people)


def _authority_people(contract) -> list[dict[str, str]]:
    # the officer's own entry (EDITABLE_TERMS) names the signatories better than the organ's name
    if contract.authority_signatories.strip():
        names = contract.authority_signatories.replace("\n", ";").split(";")
        return [{"name": name.strip(), "function": ""} for name in names if name.strip()]
    return _people(contract, "authority")


def _town(address: str) -> str:
    """The town of an address: what follows the postal code ("ul. Graniczna 27, 41-300 Dąbrowa
    Górnicza" -> "Dąbrowa Górnicza"); without a postal code, the last part after a comma."""
    text = " ".join(str(address or "").split())
    found = re.search(r"\b\d{2}-\d{3}\s+([^,;]+)", text)
    if found:
        return found.group(1).strip()
    last = text.rsplit(",", 1)[-1].strip()
    return "" if not last or any(ch.isdigit() for ch in last) else last


def _organization_line(organization) -> str:
    parts = [f"<b>{_escape(organization.name)}</b>"]
    address = ", ".join(x for x in (organization.street, f"{organization.postal_code} {organization.city}".strip())
                        if x)
    if address:
        parts.append(f"z siedzibą: {_escape(address)}")
    registers = []
    if organization.krs:
        registers.append(f"KRS {_escape(organization.krs)}")
    if organization.nip:
        registers.append(f"NIP {_escape(organization.nip)}")
    if organization.regon:
        registers.append(f"REGON {_escape(organization.regon)}")
    if registers:
        parts.append(", ".join(registers))
    return ", ".join(parts)


# --- the story ---------------------------------------------------------------------------------------------


class _Story:
    def __init__(self, styles):
        self.styles = styles
        self.items: list = []
        self.number = 0

    def add(self, flowable) -> None:
        self.items.append(flowable)

    def text(self, text: str, style: str = "body") -> None:
        self.items.append(Paragraph(text, self.styles[style]))

    def section(self, title: str, clauses: list[str]) -> None:
        self.number += 1
        self.text(f"§ {self.number}<br/>{title}", "paragraph")
        numbered = len(clauses) > 1
        for index, clause in enumerate(clauses, start=1):
            self.text(f"{index}.&nbsp;&nbsp;{clause}" if numbered else clause, "clause" if numbered else "body")


def _table(rows: list[list], widths: list, *, header_rows: int = 1, total_row: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa1ab")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eef0f3")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total_row:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef0f3")))
    table.setStyle(TableStyle(style))
    return table


def _tranches_table(styles, tranches) -> Table:
    cell, right, head = styles["cell"], styles["cell_right"], styles["cell_head"]
    rows = [[Paragraph("Transza", head), Paragraph("Termin przekazania", head), Paragraph("Kwota", head)]]
    for tranche in tranches:
        rows.append([Paragraph(str(tranche.number), cell), Paragraph(_date(tranche.due_on), cell),
                     Paragraph(_escape(money(tranche.amount)), right)])
    total = sum((t.amount for t in tranches), Decimal("0.00"))
    rows.append([Paragraph("Razem", head), "", Paragraph(_escape(money(total)), right)])
    return _table(rows, [25 * mm, 50 * mm, 45 * mm], total_row=True)


def _lines_table(styles, contract, lines) -> Table:
    cell, right, head = styles["cell"], styles["cell_right"], styles["cell_head"]
    tolerance = contract.tolerance_pct or Decimal("0")
    rows = [[Paragraph("Lp.", head), Paragraph("Rodzaj kosztu", head), Paragraph("Wartość", head),
             Paragraph("z dotacji", head), Paragraph(f"z dotacji + {_pct(tolerance)}%", head)]]
    for line in lines:
        limit = (line.grant_part * (1 + tolerance / HUNDRED)).quantize(CENT, rounding=ROUND_HALF_UP)
        rows.append([Paragraph(_escape(line.label), cell), Paragraph(_escape(line.name), cell),
                     Paragraph(_escape(money(line.value)), right), Paragraph(_escape(money(line.grant_part)), right),
                     Paragraph(_escape(money(limit)), right)])
    value = sum((line.value for line in lines), Decimal("0.00"))
    grant = sum((line.grant_part for line in lines), Decimal("0.00"))
    rows.append([Paragraph("", cell), Paragraph("Razem", head), Paragraph(_escape(money(value)), right),
                 Paragraph(_escape(money(grant)), right), ""])
    return _table(rows, [14 * mm, None, 30 * mm, 30 * mm, 32 * mm], total_row=True)


def _signature_block(styles, title: str, party_name: str, people: list[dict[str, str]], slots: int = 1):
    rows = [[Paragraph(f"<b>{_escape(title)}</b>", styles["sign"])],
            [Paragraph(_escape(party_name), styles["sign"])]]
    people = people or [{"name": "", "function": ""}] * slots
    for person in people:
        who = ", ".join(x for x in (person["name"], person["function"]) if x) or " "
        rows.append([Spacer(1, 12 * mm)])
        rows.append([Paragraph("……………………………………………………", styles["sign"])])
        rows.append([Paragraph(_escape(who) + "<br/><font size=7>(data i podpis)</font>", styles["sign"])])
    table = Table(rows, colWidths=[80 * mm])
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return KeepTogether([Spacer(1, 6 * mm), table])


def _story(contract, styles) -> list:
    offer = contract.award.offer
    organization, authority = contract.organization, contract.authority
    form_title, form_name = FORMS.get(contract.form, FORMS["wspieranie"])
    partners = _partners(contract)
    lines = list(contract.lines.filter(is_active=True).order_by("position"))
    tranches = list(contract.tranches.order_by("number"))
    story = _Story(styles)

    story.text(f"UMOWA NR {_escape(contract.number)}", "title")
    story.text(f"{form_title},<br/>pod tytułem: „{_escape(contract.title)}”", "subtitle")
    # the town, not the street: "w miejscowości Dąbrowa Górnicza" (the name is not inflected, so it
    # reads right for every town); the parties are named without a grammatical gender ("Gmina",
    # "Stowarzyszenie", "Fundacja" alike): "(dalej: „Zleceniodawca”), w imieniu którego działa" would
    # not agree with "Gmina", "w imieniu Zleceniodawcy działa" agrees with every name
    town = _town(authority.address)
    place = f" w miejscowości {_escape(town)}" if town else ""
    story.text(f"zawarta w dniu {_date(contract.signed_on)}{place}, między:")
    story.text(f"<b>{_escape(authority.name)}</b>" + (f", {_escape(authority.address)}" if authority.address else "")
               + " (dalej: „Zleceniodawca”), w imieniu Zleceniodawcy działa: "
               + f"{_represented_by(_authority_people(contract))},")
    story.text("a")
    g = PLURAL if partners else SINGULAR
    story.text(f"{_organization_line(organization)}"
               + (" (dalej: „Zleceniobiorca”), w imieniu Zleceniobiorcy działa: " if not partners
                  else ", w imieniu tego współoferenta działa: ")
               + f"{_represented_by(_people(contract, 'organization'))}" + ("," if partners else "."))
    for partner in partners:
        details = ", ".join(_escape(x) for x in (partner["address"], partner["krs"] and f"KRS {partner['krs']}") if x)
        story.text(f"<b>{_escape(partner['name'])}</b>" + (f", {details}" if details else "")
                   + f", w imieniu tego współoferenta działa: {_represented_by(_people(contract, partner['key']))},")
    if partners:
        story.text("(dalej łącznie: „Zleceniobiorcy”), działający wspólnie (art. 14 ust. 2 ustawy).")

    story.section("Przedmiot umowy", [
        f"Zleceniodawca zleca {g['dat']}, zgodnie z ustawą z dnia 24 kwietnia 2003 r. o działalności pożytku "
        "publicznego i o wolontariacie, zwaną dalej „ustawą”, realizację zadania publicznego pod tytułem "
        f"„{_escape(contract.title)}”, określonego szczegółowo w ofercie{' wspólnej' if partners else ''} nr "
        f"{_escape(offer.number)} złożonej w otwartym konkursie ofert {_escape(offer.competition.reference)}, "
        f"zwanego dalej „zadaniem publicznym”, a {g['nom']} {g['oblige']} wykonać zadanie publiczne w zakresie i na "
        "warunkach określonych w niniejszej umowie.",
        f"Zleceniodawca przyznaje dotację na realizację zadania publicznego w formie {form_name} "
        "(art. 5 ust. 4 pkt 2 ustawy).",
        "Oferta wraz z jej aktualizacją stanowi załącznik do umowy; wykonanie umowy nastąpi z dniem zaakceptowania "
        "przez Zleceniodawcę sprawozdania końcowego.",
    ])
    dates = [
        f"Termin realizacji zadania publicznego ustala się od dnia {_date(contract.task_start)} do dnia "
        f"{_date(contract.task_end)}",
        f"Termin poniesienia wydatków ze środków pochodzących z dotacji ustala się od dnia "
        f"{_date(contract.expenditure_start)} do dnia {_date(contract.expenditure_end)}; wydatek jest poniesiony w "
        "dniu jego zapłaty.",
        f"{g['nom']} {g['oblige']} wykorzystać dotację zgodnie z celem, na jaki ją {g['got']}, i na "
        "warunkach określonych w umowie.",
    ]
    if contract.place:
        dates.insert(2, f"Miejsce realizacji zadania publicznego: {_escape(contract.place)}.")
    story.section("Sposób wykonania zadania publicznego", dates)

    first_due = tranches[0].due_on if tranches else None
    if contract.payment_mode == "tranches" and len(tranches) > 1:
        payment = "Dotacja zostanie przekazana w transzach, w terminach i kwotach określonych w tabeli poniżej."
    else:
        payment = (f"Dotacja zostanie przekazana jednorazowo, w terminie do dnia {_date(first_due)}"
                   if first_due else "Dotacja zostanie przekazana jednorazowo, w terminie 30 dni od dnia zawarcia "
                                     "umowy.")
    story.section("Wysokość dotacji", [
        f"Zleceniodawca zobowiązuje się do przekazania na realizację zadania publicznego dotacji w kwocie "
        f"<b>{_escape(money(contract.grant))}</b>.",
        f"Dotacja zostanie przekazana na rachunek bankowy nr <b>{_escape(_account(contract.bank_account))}</b>; "
        f"{_escape(organization.name)} oświadcza, że jest jedynym posiadaczem wskazanego rachunku bankowego i "
        "zobowiązuje się do utrzymania go nie krócej niż do chwili dokonania ostatecznych rozliczeń ze "
        "Zleceniodawcą.",
        payment,
        f"Całkowity koszt zadania publicznego wynosi {_escape(money(contract.total_cost))}.",
    ])
    if contract.payment_mode == "tranches" and len(tranches) > 1:
        story.add(_tranches_table(styles, tranches))
        story.add(Spacer(1, 2 * mm))

    other = contract.total_cost - contract.grant
    own_pct = (other / contract.total_cost * HUNDRED) if contract.total_cost else Decimal("0")
    contribution = [
        f"{g['nom']} {g['oblige']} do przekazania na realizację zadania publicznego wkładu własnego finansowego w "
        f"wysokości {_escape(money(contract.own_financial))} oraz wkładu własnego niefinansowego (osobowego i "
        f"rzeczowego) o wartości {_escape(money(contract.own_non_financial))}.",
    ]
    if contract.beneficiary_payments:
        contribution.append(f"Świadczenia pieniężne od odbiorców zadania publicznego przewiduje się w wysokości "
                            f"{_escape(money(contract.beneficiary_payments))}.")
    contribution.append(f"Udział środków innych niż dotacja w całkowitym koszcie zadania publicznego wynosi "
                        f"{_pct(own_pct)}%; {g['nom']} {g['oblige']} utrzymać ten procentowy udział.")
    contribution.append(f"Naruszenie zobowiązania, o którym mowa w ust. {len(contribution)}, uważa się za pobranie "
                        "części dotacji w nadmiernej wysokości.")
    story.section("Wkład własny", contribution)

    story.section("Dokonywanie przesunięć w zakresie ponoszonych wydatków", [
        "Jeżeli dany koszt finansowany z dotacji wykazany w sprawozdaniu z realizacji zadania publicznego nie "
        "jest równy odpowiedniemu kosztowi określonemu w kalkulacji przewidywanych kosztów (załącznik nr 1 do "
        "umowy), to uznaje się go za zgodny z kalkulacją przewidywanych kosztów wtedy, gdy nie nastąpiło jego "
        f"zwiększenie o więcej niż <b>{_pct(contract.tolerance_pct or Decimal('0'))}%</b>.",
        "Naruszenie postanowienia, o którym mowa w ust. 1, uważa się za pobranie części dotacji w nadmiernej "
        "wysokości.",
        "Zmiana kalkulacji przewidywanych kosztów w większym zakresie wymaga aneksu do umowy.",
    ])
    story.section("Dokumentacja i obowiązki informacyjne", [
        f"{g['nom']} {g['oblige']} do prowadzenia wyodrębnionej dokumentacji "
        "finansowo-księgowej i ewidencji księgowej zadania publicznego, zgodnie z ustawą z dnia 29 września 1994 r. "
        "o rachunkowości, w sposób umożliwiający identyfikację poszczególnych operacji księgowych.",
        "Dokumentację związaną z realizacją zadania publicznego przechowuje się przez 5 lat, licząc od początku roku "
        "następującego po roku, w którym realizowano zadanie publiczne.",
        "We wszystkich materiałach dotyczących zadania publicznego umieszcza się informację, że zadanie jest "
        "współfinansowane (albo finansowane) ze środków otrzymanych od Zleceniodawcy.",
    ])
    story.section("Kontrola zadania publicznego", [
        "Zleceniodawca sprawuje kontrolę prawidłowości wykonywania zadania publicznego, w tym wydatkowania "
        "przekazanej dotacji (art. 17 ustawy). Kontrola może być przeprowadzona w toku realizacji zadania oraz po "
        "jego zakończeniu, do końca okresu przechowywania dokumentacji.",
        "W ramach kontroli osoby upoważnione przez Zleceniodawcę mogą badać dokumenty i inne nośniki informacji "
        "oraz żądać udzielenia ustnie lub na piśmie informacji dotyczących wykonania zadania publicznego, w "
        "siedzibie Zleceniobiorcy oraz w miejscu realizacji zadania.",
        "O wynikach kontroli Zleceniodawca informuje Zleceniobiorcę, a w przypadku stwierdzenia nieprawidłowości "
        "przekazuje wnioski i zalecenia, które Zleceniobiorca wykonuje w terminie 14 dni od dnia ich otrzymania i "
        "powiadamia o tym Zleceniodawcę.",
    ])
    # art. 18 ust. 1: 30 days from the task's end, counted as KPA art. 57 counts them (a term ending on a
    # Saturday or a holiday ends on the next working day), the same rule the app chases the report by
    report_due = deadline_in_days(contract.task_end, 30)
    story.section("Obowiązki sprawozdawcze", [
        "Zleceniodawca może wezwać do złożenia sprawozdania częściowego z wykonania zadania publicznego w terminie "
        "nie krótszym niż 30 dni od dnia doręczenia wezwania (art. 18 ust. 3 ustawy).",
        "Sprawozdanie końcowe z wykonania zadania publicznego, sporządzone według wzoru stanowiącego załącznik nr 5 "
        "do rozporządzenia w sprawie wzorów ofert i ramowych wzorów umów, składa się w terminie 30 dni od dnia "
        f"zakończenia realizacji zadania publicznego (art. 18 ust. 1 ustawy), tj. do dnia {_date(report_due)}",
        "Zleceniodawca ma prawo żądać, aby w wyznaczonym terminie przedstawiono dodatkowe informacje, wyjaśnienia "
        "oraz dowody do sprawozdań; w przypadku niezłożenia sprawozdania w terminie Zleceniodawca wzywa pisemnie do "
        "jego złożenia w terminie 7 dni od dnia otrzymania wezwania.",
        "Niezastosowanie się do wezwania może stanowić podstawę do rozwiązania umowy przez Zleceniodawcę.",
    ])
    story.section("Zwrot środków finansowych", [
        f"Przekazaną dotację należy wykorzystać w terminie do dnia {_date(contract.expenditure_end)}",
        f"Niewykorzystaną kwotę dotacji należy zwrócić w terminie do dnia <b>{_date(contract.return_due)}</b> "
        "(art. 251 ustawy z dnia 27 sierpnia 2009 r. o finansach publicznych) na rachunek bankowy Zleceniodawcy "
        "wskazany w piśmie.",
        "Odsetki bankowe od przekazanej dotacji oraz przychody uzyskane przy realizacji zadania publicznego, "
        "niewykorzystane na realizację zadania, podlegają zwrotowi na zasadach określonych w ust. 2.",
        "Od kwoty dotacji zwróconej po terminie naliczane są odsetki w wysokości określonej jak dla zaległości "
        "podatkowych, od dnia następującego po dniu, w którym upłynął termin zwrotu (art. 251 ust. 5 ustawy o "
        "finansach publicznych).",
        "Dotacja wykorzystana niezgodnie z przeznaczeniem, pobrana nienależnie lub w nadmiernej wysokości podlega "
        "zwrotowi wraz z odsetkami w wysokości określonej jak dla zaległości podatkowych, w terminie 15 dni od dnia "
        "stwierdzenia tych okoliczności (art. 252 ustawy o finansach publicznych).",
    ])
    story.section("Rozwiązanie umowy za porozumieniem Stron", [
        "Umowa może być rozwiązana na mocy porozumienia Stron w przypadku wystąpienia okoliczności, za które "
        "Strony nie ponoszą odpowiedzialności, a które uniemożliwiają wykonanie umowy. Skutki finansowe i "
        "ewentualny zwrot środków Strony określają w protokole.",
    ])
    story.section("Odstąpienie od umowy przez Zleceniobiorcę", [
        f"{g['nom']} {g['may']} odstąpić od umowy do dnia przekazania dotacji, w przypadku "
        "wystąpienia okoliczności uniemożliwiających wykonanie umowy.",
    ])
    story.section("Rozwiązanie umowy przez Zleceniodawcę", [
        "Umowa może być rozwiązana przez Zleceniodawcę ze skutkiem natychmiastowym w przypadku: wykorzystywania "
        "udzielonej dotacji niezgodnie z przeznaczeniem lub pobrania jej w nadmiernej wysokości lub nienależnie; "
        "nieterminowego lub nienależytego wykonywania umowy, w szczególności zmniejszenia zakresu rzeczowego "
        "realizowanego zadania; przekazania części lub całości dotacji osobie trzeciej w sposób niezgodny z "
        "umową; nieprzedłożenia sprawozdania w terminie i na zasadach określonych w umowie; odmowy poddania się "
        "kontroli albo niedoprowadzenia do usunięcia stwierdzonych nieprawidłowości.",
        "Zleceniodawca, rozwiązując umowę, określa kwotę dotacji podlegającą zwrotowi wraz z odsetkami w wysokości "
        "określonej jak dla zaległości podatkowych, naliczanymi od dnia przekazania dotacji, termin jej zwrotu oraz "
        "nazwę i numer rachunku bankowego, na który należy dokonać zwrotu.",
    ])
    story.section("Zakaz zbywania rzeczy zakupionych za środki pochodzące z dotacji", [
        "Rzeczy zakupione za środki pochodzące z dotacji nie mogą być zbywane przez 5 lat od dnia dokonania ich "
        "zakupu.",
    ])
    story.section("Zmiany umowy", [
        "Wszelkie zmiany, uzupełnienia i oświadczenia składane w związku z niniejszą umową wymagają formy "
        "pisemnej pod rygorem nieważności; zmiany umowy następują w formie pisemnego aneksu, który wchodzi w życie "
        "z dniem podpisania go przez obie Strony.",
    ])
    copies = 2 + len(partners)
    story.section("Postanowienia końcowe", [
        "W zakresie nieuregulowanym umową stosuje się przepisy ustawy, ustawy z dnia 23 kwietnia 1964 r. – Kodeks "
        "cywilny oraz ustawy z dnia 27 sierpnia 2009 r. o finansach publicznych.",
        "Spory wynikłe z realizacji umowy rozstrzyga sąd powszechny właściwy dla siedziby Zleceniodawcy.",
        f"Umowę sporządzono w {copies} jednobrzmiących egzemplarzach, po jednym dla każdej ze Stron.",
    ])

    signatures = [_signature_block(styles, "Zleceniobiorca", organization.name, _people(contract, "organization"),
                                   slots=2)]
    signatures += [_signature_block(styles, "Zleceniobiorca (współoferent)", partner["name"],
                                    _people(contract, partner["key"])) for partner in partners]
    signatures.append(_signature_block(styles, "Zleceniodawca", authority.name, _authority_people(contract)))
    treasurer = _people(contract, "treasurer") or (
        [{"name": contract.countersigned_by.strip(), "function": "Skarbnik"}] if contract.countersigned_by.strip()
        else [])
    signatures.append(_signature_block(styles, "Kontrasygnata Skarbnika", authority.name, treasurer))
    # the signatures stay together (a page is not left with a lone signature line); the
    # calculation of costs (Załącznik nr 1) starts on a page of its own
    story.add(KeepTogether(signatures))
    story.add(PageBreak())

    story.text("Załącznik nr 1 do umowy<br/>Kalkulacja przewidywanych kosztów realizacji zadania publicznego",
               "paragraph")
    story.text(f"Pozycje kosztorysu finansowane z dotacji; ostatnia kolumna: najwyższa kwota z dotacji zgodna z "
               f"kalkulacją przy tolerancji {_pct(contract.tolerance_pct or Decimal('0'))}% (§ 5).", "small")
    story.add(Spacer(1, 2 * mm))
    story.add(_lines_table(styles, contract, lines) if lines else Paragraph("—", styles["body"]))
    return story.items


def _footer_canvas(contract):
    """A canvas that learns the number of pages before it writes "strona x z y"."""
    left = f"Umowa nr {contract.number} · wersja {contract.version}"
    sha = contract.snapshot_sha256

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width = A4[0]
            self.saveState()
            self.setStrokeColor(colors.HexColor("#9aa1ab"))
            self.setLineWidth(0.4)
            self.line(PAGE_MARGIN, 14 * mm, width - PAGE_MARGIN, 14 * mm)
            self.setFont("PozytekSans", 8)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawString(PAGE_MARGIN, 10.5 * mm, left)
            self.drawRightString(width - PAGE_MARGIN, 10.5 * mm, f"strona {self._pageNumber} z {total}")
            if sha:
                self.setFont("PozytekMono", 6.5)
                self.drawString(PAGE_MARGIN, 7 * mm, f"SHA-256 umowy: {sha}")
            self.restoreState()

    return FooterCanvas


def contract_pdf(contract) -> bytes:
    """The contract as PDF bytes, in Polish, ready to print and sign."""
    register_fonts(FONT_DIR)
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=PAGE_MARGIN, rightMargin=PAGE_MARGIN, topMargin=18 * mm,
        bottomMargin=22 * mm, title=f"Umowa nr {contract.number}", author=contract.authority.name,
        subject=contract.title, lang="pl",
    )
    document.build(_story(contract, styles), canvasmaker=_footer_canvas(contract))
    return buffer.getvalue()
