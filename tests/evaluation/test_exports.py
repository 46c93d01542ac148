"""The committee's protocol and the results list: opened with openpyxl (and csv) and checked
cell by cell; the large export's task gives the same workbook; queries and memory stay flat."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation import exports, services
from evaluation.exports import ProtocolExporter, ResultsExporter
from evaluation.models import EvaluationState, ExportJob, ExportState, SeatRole
from evaluation.selectors import ranking
from workflow.audit import audit_events_for
from workflow.calendar import WARSAW
from workflow.errors import Forbidden, NotFound, WrongState

from ..factories import UserFactory
from .builders import bulk_competition, scored_competition

pytestmark = pytest.mark.django_db

MONEY = '#,##0.00 "zł"'


class When:
    """An expected time: equal to a cell's Warsaw wall-clock time within Excel's precision."""

    def __init__(self, value: dt.datetime):
        self.value = value.astimezone(WARSAW).replace(tzinfo=None)

    def __eq__(self, other) -> bool:
        return isinstance(other, dt.datetime) and abs((other - self.value).total_seconds()) < 0.01

    def __repr__(self) -> str:
        return f"When({self.value})"


def values(ws) -> list[tuple]:
    """Rows as tuples, numbers as Decimal, trailing empty cells dropped."""
    rows = []
    for row in ws.iter_rows(values_only=True):
        cells = [Decimal(str(v)) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(tuple(cells))
    return rows


def section(rows: list[tuple], caption: str) -> list[tuple]:
    """The rows under a caption, up to the next blank row (the header first)."""
    start = rows.index((caption,)) + 1
    end = next((i for i in range(start, len(rows)) if rows[i] == ()), len(rows))
    return rows[start:end]


def D(value) -> Decimal:  # noqa: N802
    return Decimal(str(value))


@pytest.fixture
def scored(authority, officer, approver):
    return scored_competition(authority, officer, approver)


@pytest.fixture
def protocol(scored, officer):
    data = exports.protocol_xlsx(scored.evaluation, user=officer)
    return openpyxl.load_workbook(io.BytesIO(data))


def test_the_protocol_has_its_six_sheets_with_bold_polish_headers(protocol):
    assert protocol.sheetnames == ["Komisja", "Ocena formalna", "Oceny", "Ranking", "Kwoty", "Audyt"]
    assert protocol["Oceny"]["A1"].value == "Nr oferty" and protocol["Oceny"]["A1"].font.b
    assert protocol["Komisja"]["A1"].value == "Komisja konkursowa" and protocol["Komisja"]["A1"].font.b
    assert not protocol["Komisja"]["A2"].font.b


def test_the_committee_sheet(protocol, scored):
    rows = values(protocol["Komisja"])
    committee = scored.competition.committee
    assert rows[:8] == [
        ("Komisja konkursowa",),
        ("Konkurs", f"BOP.524.9.2027 {scored.competition.title}"),
        ("Powołana", "Zarządzenie 12/2027"),
        ("Data powołania", When(committee.appointed_at)),
        ("Kworum (ocen na ofertę)", D(2)),  # half of the three voting members, rounded up
        ("Komentarz wymagany przy ocenie poniżej (% maksimum)", D(50)),
        ("Duży rozrzut ocen powyżej (% maksimum)", D(25)),
        ("Protokół podpisali", "Adamska, Borowski, Cichy"),
    ]
    assert protocol["Komisja"]["B4"].number_format == "dd.mm.yyyy hh:mm"
    assert section(rows, "Skład komisji") == [
        ("Imię i nazwisko", "Funkcja", "Rodzaj miejsca", "Wskazany przez", "Głos", "Czynny"),
        ("Anna Adamska", "przewodniczący", "przedstawiciel organu", None, "stanowiący", "tak"),
        ("Bartosz Borowski", "członek", "przedstawiciel organu", None, "stanowiący", "tak"),
        ("Celina Cichy", "członek", "wskazany przez organizacje (art. 15 ust. 2a)",
         "Rada Działalności Pożytku Publicznego", "stanowiący", "tak"),
        ("Dawid Dudek", "ekspert (głos doradczy)", "ekspert (art. 15 ust. 2e)", None, "doradczy", "tak"),
    ]
    declarations = section(rows, "Oświadczenia o bezstronności i wyłączenia (art. 15 ust. 2d i 2f)")
    assert declarations[0] == ("Nr oferty", "Oferent", "Zadanie", "Członek komisji", "Oświadczenie",
                               "Podstawa wyłączenia", "Data")
    alfa, beta, gamma = scored.offers[:3]
    assert [row[:5] for row in declarations[1:]] == [
        (f"BOP.524.9.2027/{offer.pk}", offer.organization.name, D(offer.task_area.number), member, state)
        for offer in (alfa, beta, gamma)
        for member, state in (("Anna Adamska", "bezstronny"), ("Bartosz Borowski", "bezstronny"),
                              ("Celina Cichy", "wyłączony z mocy prawa (reprezentuje oferenta)"
                               if offer == beta else "bezstronny"), ("Dawid Dudek", "nie złożono"))
    ]
    excluded = next(r for r in declarations if r[3] == "Celina Cichy" and r[0].endswith(f"/{beta.pk}"))
    assert excluded[5] == "The member represents the offering organisation or was nominated by it."
    declaration = scored.excluded[0].seats.get().declarations.get(offer=beta)
    assert excluded[6] == When(declaration.declared_at)


def test_a_formal_check_row(protocol, scored):
    rows = values(protocol["Ocena formalna"])
    assert rows[0] == ("Nr oferty", "Oferent", "Zadanie", "Tytuł", "1. Podpisana przez osoby upoważnione",
                       "1. uwagi", "2. Złożona w terminie", "2. uwagi", "Wezwanie do uzupełnienia",
                       "Zakres uzupełnienia", "Termin uzupełnienia", "Uzupełniono", "Wynik", "Uzasadnienie",
                       "Data decyzji")
    alfa, late = scored.offers[0], scored.offers[3]
    check = alfa.formal_check
    check.refresh_from_db()
    assert rows[1] == (f"BOP.524.9.2027/{alfa.pk}", "Stowarzyszenie Alfa", D(1), "Centrum Alfa", "spełnia",
                       "Uzupełniono", "spełnia", None, "Uzupełnij podpis", "declarations",
                       When(check.remedy_deadline), When(check.remedied_at), "przyjęta formalnie", None,
                       When(check.decided_at))
    assert check.remedy_deadline.astimezone(WARSAW).time() == dt.time(23, 59)
    rejected = rows[-1]
    assert rejected[:8] == (f"BOP.524.9.2027/{late.pk}", "Stowarzyszenie Delta", D(2), "Spóźniona Delta",
                            "spełnia", None, "brak", "Po terminie")
    assert rejected[12:14] == ("odrzucona formalnie", "Oferta złożona po terminie.")
    assert len(rows) == 5  # every offer that reached the formal check, the rejected one too


def test_every_score_is_a_number_with_its_member_criterion_and_comment(protocol, scored):
    ws = protocol["Oceny"]
    rows = values(ws)
    assert rows[0] == ("Nr oferty", "Oferent", "Zadanie", "Członek komisji", "Funkcja", "Kryterium", "Punkty",
                       "Maks.", "Komentarz", "Karta", "Złożona", "Liczona", "Uwagi do karty")
    alfa, beta, gamma = scored.offers[:3]
    expected = {
        (alfa.pk, "Anna Adamska"): (5, 8, 9), (alfa.pk, "Bartosz Borowski"): (4, 7, 8),
        (alfa.pk, "Celina Cichy"): (3, 6, 6), (beta.pk, "Anna Adamska"): (4, 9, 8),
        (beta.pk, "Bartosz Borowski"): (3, 9, 7), (gamma.pk, "Anna Adamska"): (2, 4, 3),
        (gamma.pk, "Bartosz Borowski"): (3, 5, 5), (gamma.pk, "Celina Cichy"): (4, 6, 7),
    }
    names = ("Możliwość realizacji zadania", "Kalkulacja kosztów", "Jakość i kwalifikacje")
    body = rows[1:]
    assert len(body) == 3 * len(expected)
    position = 0
    for (offer_pk, member), points in expected.items():
        for name, value, maximum in zip(names, points, (5, 10, 10), strict=True):
            row = body[position]
            assert row[0] == f"BOP.524.9.2027/{offer_pk}" and row[3] == member
            assert row[5:10] == (name, D(value), D(maximum),
                                 "słabe uzasadnienie" if (offer_pk, member) == (gamma.pk, "Anna Adamska")
                                 else "uzasadnienie", "złożona")
            assert row[11] == "tak"
            position += 1
    assert ws["G2"].number_format == "0.00" and isinstance(ws["G2"].value, int | float)


def test_the_ranking_sheet_has_means_ranks_and_spread_per_task(protocol, scored):
    rows = values(protocol["Ranking"])
    alfa, beta, gamma = scored.offers[:3]
    header = ("Miejsce", "Nr oferty", "Oferent", "Tytuł", "Liczba ocen", "Średnia", "Możliwość realizacji zadania",
              "Kalkulacja kosztów", "Jakość i kwalifikacje", "Maks.", "Próg", "Wynik", "Rozrzut", "Duży rozrzut")
    # Alfa: totals 22, 19, 15 -> 18.67; Beta: 21, 19 (the member of Beta excluded) -> 20.00
    assert section(rows, "Zadanie 1. Centrum wsparcia organizacji") == [
        header,
        (D(1), f"BOP.524.9.2027/{beta.pk}", "Fundacja Beta", "Centrum Beta", D(2), D(20), D("3.5"), D(9), D("7.5"),
         D(25), D(15), "pozytywna", D(2)),
        (D(2), f"BOP.524.9.2027/{alfa.pk}", "Stowarzyszenie Alfa", "Centrum Alfa", D(3), D("18.67"), D(4), D(7),
         D("7.67"), D(25), D(15), "pozytywna", D(7), "tak"),
    ]
    assert section(rows, "Zadanie 2. Wolontariat młodzieży") == [
        header,
        (D(1), f"BOP.524.9.2027/{gamma.pk}", "Klub Gamma", "Wolontariusze Gamma", D(3), D(13), D(3), D(5), D(5),
         D(25), D(15), "negatywna", D(8), "tak"),
    ]
    # the same numbers as the ranking the pages show
    selector = {row.offer.pk: row for row in ranking(evaluation=scored.evaluation)}
    for row in rows:
        if row and row[0] != "Miejsce" and isinstance(row[0], Decimal):
            offer_pk = int(row[1].rsplit("/", 1)[1])
            assert (row[0], row[5], row[12]) == (selector[offer_pk].rank, selector[offer_pk].mean,
                                                 selector[offer_pk].spread)


def test_the_amounts_sheet(protocol, scored):
    ws = protocol["Kwoty"]
    rows = values(ws)
    alfa, beta, gamma = scored.offers[:3]
    assert rows[:4] == [
        ("Zadanie", "Miejsce", "Nr oferty", "Oferent", "Tytuł", "Średnia", "Wnioskowana", "Proponowana", "Przyznana",
         "Uzasadnienie komisji", "Powód obniżenia", "Powód odstąpienia od propozycji", "Stan"),
        (D(1), D(1), f"BOP.524.9.2027/{beta.pk}", "Fundacja Beta", "Centrum Beta", D(20), D(40000), D(40000),
         D(40000), "Bardzo dobra oferta", None, None, "wybrana"),
        (D(1), D(2), f"BOP.524.9.2027/{alfa.pk}", "Stowarzyszenie Alfa", "Centrum Alfa", D("18.67"), D(30000),
         D(25000), D(24000), "Dobra oferta", "Zawyżone koszty lokalu", "Mniej środków w budżecie", "wybrana"),
        (D(2), D(1), f"BOP.524.9.2027/{gamma.pk}", "Klub Gamma", "Wolontariusze Gamma", D(13), D(30000), None, D(0),
         None, None, "Poniżej progu", "niewybrana"),
    ]
    assert ws["G2"].number_format == MONEY and ws["I3"].number_format == MONEY
    assert section(rows, "Podsumowanie zadań") == [
        ("Zadanie", "Nazwa", "Budżet", "Suma proponowanych", "Suma przyznanych", "Pozostaje"),
        (D(1), "Centrum wsparcia organizacji", D(120000), D(65000), D(64000), D(56000)),
        (D(2), "Wolontariat młodzieży", D(60000), D(0), D(0), D(60000)),
    ]


def test_the_audit_sheet_summarises_the_evaluations_trail(protocol, scored, officer):
    rows = values(protocol["Audyt"])
    assert rows[0] == ("Czas (Europe/Warsaw)", "Kto", "Rola", "Obiekt", "Czynność", "Kod czynności", "Ze stanu",
                       "Do stanu", "Powód")
    start = audit_events_for(scored.evaluation).first()
    assert rows[1] == (When(start.at), officer.get_full_name(), "urzędnik", f"Ocena konkursu nr {scored.evaluation.pk}",
                       "Ocena konkursu: rozpoczęcie oceny", "evaluation.evaluation.start", None, "ocena formalna")
    actions = [row[5] for row in rows[1:]]
    assert actions.count("evaluation.scoresheet.submit") == 8
    assert "evaluation.declaration.exclude" in actions and "evaluation.award.select" in actions
    exclusion = rows[1 + actions.index("evaluation.declaration.exclude")]
    assert exclusion[1:3] == ("system", "system") and exclusion[6:8] == (
        "nie złożono", "wyłączony z mocy prawa (reprezentuje oferenta)")
    times = [row[0] for row in rows[1:]]
    assert times == sorted(times)
    # the export itself is audited on the evaluation, but it is not part of the protocol's summary
    assert audit_events_for(scored.evaluation).last().action == "evaluation.evaluation.export"
    assert "evaluation.evaluation.export" not in actions


def test_text_an_offeror_typed_never_becomes_a_formula(authority, officer, approver):
    scored = scored_competition(authority, officer, approver)
    organization = scored.offers[0].organization
    organization.name = '=HYPERLINK("http://example.org","kliknij")'
    organization.save(update_fields=["name"])
    type(scored.offers[0]).objects.filter(pk=scored.offers[0].pk).update(title="Pionowy\x0btabulator")
    workbook = openpyxl.load_workbook(io.BytesIO(exports.protocol_xlsx(scored.evaluation, user=officer)))
    cell = workbook["Ocena formalna"]["B2"]
    assert cell.value == organization.name and cell.data_type == "s"
    assert workbook["Ocena formalna"]["D2"].value == "Pionowytabulator"  # a control character Excel refuses
    services.evaluation_resolve(scored.evaluation, actor=approver, decision_reference="Zarządzenie 20/2027")
    scored.evaluation.refresh_from_db()
    text = exports.results_csv(scored.evaluation).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_the_results_list_for_bip_as_csv_and_xlsx(scored, approver):
    evaluation = services.evaluation_resolve(scored.evaluation, actor=approver,
                                             decision_reference="Zarządzenie 20/2027")
    evaluation.refresh_from_db()
    data = exports.results_csv(evaluation)
    assert data.startswith("\ufeff".encode())  # the BOM that makes Excel read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    day = evaluation.resolved_at.astimezone(WARSAW).date().isoformat()
    alfa, beta, gamma = scored.offers[:3]
    assert rows == [
        ["Oferent", "KRS", "Zadanie", "Tytuł oferty", "Punkty", "Kwota dotacji", "Data rozstrzygnięcia", "Wynik"],
        ["Fundacja Beta", beta.organization.krs, "1. Centrum wsparcia organizacji", "Centrum Beta", "20,00",
         "40000,00", day, "wybrana"],
        ["Stowarzyszenie Alfa", alfa.organization.krs, "1. Centrum wsparcia organizacji", "Centrum Alfa", "18,67",
         "24000,00", day, "wybrana"],
        ["Klub Gamma", gamma.organization.krs, "2. Wolontariat młodzieży", "Wolontariusze Gamma", "13,00", "0,00",
         day, "niewybrana"],
    ]
    ws = openpyxl.load_workbook(io.BytesIO(exports.results_xlsx(evaluation)))["Wyniki"]
    sheet = values(ws)
    assert sheet[0] == tuple(rows[0])
    for xlsx_row, csv_row in zip(sheet[1:], rows[1:], strict=True):
        assert xlsx_row[:4] == tuple(csv_row[:4])
        assert xlsx_row[4] == Decimal(csv_row[4].replace(",", ".")) and xlsx_row[5] == Decimal(
            csv_row[5].replace(",", "."))
        assert xlsx_row[6].date().isoformat() == csv_row[6] and xlsx_row[7] == csv_row[7]
    assert ws["F2"].number_format == MONEY and ws["E2"].number_format == "0.00"
    assert ws["G2"].number_format == "dd.mm.yyyy"


def test_the_results_are_exported_only_once_published(scored):
    with pytest.raises(WrongState):
        exports.results_csv(scored.evaluation)
    with pytest.raises(WrongState):
        ResultsExporter(scored.evaluation)


def test_who_may_export_the_protocol_and_when(authority, officer, approver, finance, stranger):
    scored = scored_competition(authority, officer, approver, close=False)
    with pytest.raises(WrongState):  # members' scores stay hidden until scoring is closed
        exports.protocol_xlsx(scored.evaluation, user=officer)
    evaluation = services.evaluation_close_scoring(scored.evaluation, actor=scored.members["chair"],
                                                   signed_by="Adamska, Borowski")
    assert exports.protocol_check(evaluation, user=officer) == "officer"
    assert exports.protocol_check(evaluation, user=approver) == "approver"
    assert exports.protocol_check(evaluation, user=scored.members["chair"]) == "committee_chair"
    with pytest.raises(Forbidden):
        exports.protocol_check(evaluation, user=scored.members["member"])
    with pytest.raises(Forbidden):
        exports.protocol_check(evaluation, user=finance)
    with pytest.raises(NotFound):
        exports.protocol_check(evaluation, user=stranger)
    with pytest.raises(NotFound):
        exports.protocol_check(evaluation, user=scored.members["ngo_alfa"])
    secretary = UserFactory()
    from evaluation.models import Seat

    Seat.objects.create(committee=scored.competition.committee, user=secretary, role=SeatRole.SECRETARY)
    assert exports.protocol_check(evaluation, user=secretary) == "committee_secretary"


def test_the_large_export_runs_as_a_task_and_writes_the_same_workbook(
        scored, officer, settings, django_capture_on_commit_callbacks):
    settings.POZYTEK_EXPORT_ASYNC_OFFERS = 3
    assert exports.protocol_is_large(scored.evaluation)  # four offers reached the formal check
    direct = openpyxl.load_workbook(io.BytesIO(exports.protocol_xlsx(scored.evaluation, user=officer)))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.export_job_start(scored.evaluation, user=officer)
    job.refresh_from_db()
    assert job.state == ExportState.DONE and job.finished_at and job.percent == 100
    assert job.progress > 0 and job.total >= job.progress
    assert job.file.name.endswith(".xlsx") and f"exports/{scored.evaluation.pk}/" in job.file.name
    with job.file.open("rb") as stored:
        from_task = openpyxl.load_workbook(io.BytesIO(stored.read()))
    assert from_task.sheetnames == direct.sheetnames
    for name in direct.sheetnames:
        assert values(from_task[name]) == values(direct[name]), name
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert "protocol is ready" in mail.outbox[0].subject
    assert exports.export_job_get(user=officer, pk=job.pk) == job
    with pytest.raises(NotFound):
        exports.export_job_get(user=scored.members["chair"], pk=job.pk)
    # the task is idempotent: a job already done is returned untouched
    from evaluation.tasks import export_protocol

    name = job.file.name
    assert export_protocol(scored.evaluation.pk, officer.pk, job.pk) == job.pk
    job.refresh_from_db()
    assert job.file.name == name and ExportJob.objects.count() == 1


def test_a_task_queued_without_a_job_makes_one_and_a_lost_right_fails_it(scored, officer, authority):
    from competitions.services import authority_revoke_role
    from evaluation.tasks import export_protocol

    pk = export_protocol(scored.evaluation.pk, officer.pk)
    job = ExportJob.objects.get(pk=pk)
    assert job.state == ExportState.DONE and job.requested_by == officer
    assert [e.payload["job"] for e in audit_events_for(scored.evaluation)
            if e.action == "evaluation.evaluation.export"] == [job.pk]
    waiting = ExportJob.objects.create(kind="protocol", evaluation=scored.evaluation, requested_by=officer)
    authority_revoke_role(authority=authority, user=officer, role="officer")
    export_protocol(scored.evaluation.pk, officer.pk, waiting.pk)
    waiting.refresh_from_db()
    assert waiting.state == ExportState.FAILED and waiting.error and not waiting.file


def test_progress_is_reported_as_rows_are_written(scored, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 10)
    calls: list[int] = []
    exporter = ProtocolExporter(scored.evaluation, progress=calls.append)
    exporter.write(io.BytesIO())
    assert calls == list(range(10, exporter.written + 1, 10))
    assert exporter.written <= exporter.estimate_rows() <= exporter.written + 40  # a close estimate


def _export_queries(evaluation) -> int:
    with CaptureQueriesContext(connection) as queries:
        ProtocolExporter(evaluation).write(io.BytesIO())
    return len(queries)


def test_the_exports_make_the_same_number_of_queries_for_1_and_50_offers(authority):
    small, _seats = bulk_competition(authority, 1, seed=1)
    large, _seats = bulk_competition(authority, 50, seed=2)
    _export_queries(small)  # warm the content-type cache
    assert _export_queries(small) == _export_queries(large)
    for evaluation in (small, large):
        type(evaluation).objects.filter(pk=evaluation.pk).update(state=EvaluationState.RESOLVED,
                                                                  resolved_at=dt.datetime.now(dt.UTC))
        evaluation.refresh_from_db()
    counts = []
    for evaluation in (small, large):
        with CaptureQueriesContext(connection) as queries:
            exports.results_csv(evaluation)
            exports.results_xlsx(evaluation)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _peak(evaluation, path) -> int:
    tracemalloc.start()
    try:
        ProtocolExporter(evaluation).write(str(path))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_of_the_protocol_stays_flat_from_200_to_2000_offers(authority, tmp_path):
    # one member and two criteria keep the test quick; the sizes that grow with the offers are the same
    small, _seats = bulk_competition(authority, 200, members=1, points=(5, 10), seed=3)
    large, _seats = bulk_competition(authority, 2000, members=1, points=(5, 10), seed=4)
    _peak(small, tmp_path / "warm.xlsx")
    peak_small = _peak(small, tmp_path / "small.xlsx")
    peak_large = _peak(large, tmp_path / "large.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "large.xlsx", read_only=True)
    assert sum(1 for _row in workbook["Oceny"].iter_rows()) == 1 + 2000 * 2  # every score is written
    assert sum(1 for _row in workbook["Ranking"].iter_rows()) == 2 + 2000
    assert peak_large / peak_small < 2, (peak_small, peak_large)
