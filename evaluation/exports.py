"""Exports of the evaluation: the committee's protocol (.xlsx) and the results list for BIP
(.xlsx and CSV).

Exporters are classes whose sheets are generators of rows (pretix's exporter style), written
by the streaming writer workflow.xlsx (openpyxl's write-only mode was the limit of a large
export): rows go to disk as they are made, so a national competition
with tens of thousands of offers exports in flat memory. Every query iterates with
`.iterator()` and none depends on the number of offers (sheets that need rows of two tables
merge two ordered streams instead of prefetching per chunk). The ranking must be sorted before
it is written: its rows are computed in one pass, parked in a temporary file, and read back in
rank order, so memory holds only a small sort key per offer.

The protocol and the results list are official Polish documents (art. 15 ust. 2a–2h), so their
headers and their vocabulary are fixed Polish here, not translated.

Small exports are made directly (`protocol_xlsx`, `results_xlsx`, `results_csv` return bytes);
a protocol of more than POZYTEK_EXPORT_ASYNC_OFFERS offers (default 2 000) is written by the
Celery task `evaluation.tasks.export_protocol` into private storage (`export_job_start`), with
its progress on an ExportJob, and the requester is notified when it is ready.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import pickle
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import transaction
from django.db.models import Case, CharField, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from competitions.models import AuthorityRole, Criterion, TaskArea, has_role
from offers.models import Offer
from workflow.audit import audit_record
from workflow.calendar import WARSAW
from workflow.errors import Forbidden, NotFound, WrongState
from workflow.models import AuditEvent
from workflow.notifications import notify
from workflow.xlsx import Workbook, clean_text

from .guards import required_scores
from .models import (
    Award,
    CheckItemResult,
    ChecklistItem,
    Committee,
    Declaration,
    Evaluation,
    EvaluationState,
    ExportJob,
    ExportKind,
    ExportState,
    FormalCheck,
    FormalCheckState,
    Score,
    ScoreSheet,
    Seat,
    SeatRole,
)
from .selectors import counting_sheets, seat_of

CHUNK = 200  # rows per fetch of an iterator: the memory a sheet needs, whatever the size
PROGRESS_EVERY = 1000  # rows between two progress updates of an ExportJob
CENT = Decimal("0.01")

# --- cell kinds and formats ---------------------------------------------------------------------------

TEXT, MONEY, POINTS, INT, DATETIME, DATE = "text", "money", "points", "int", "datetime", "date"
# a whole number reads the same in Excel's General format: an INT column's cells carry no style
FORMATS = {MONEY: '#,##0.00 "zł"', POINTS: "0.00", DATETIME: "dd.mm.yyyy hh:mm", DATE: "dd.mm.yyyy"}


@dataclass(frozen=True)
class Col:
    """A column of a table in a sheet: its Polish header, the kind of its cells, its width."""

    header: str
    kind: str = TEXT
    width: int = 16


class Columns(tuple):
    """The columns (and so the formats) of the rows that follow; writes nothing."""


class Header(Columns):
    """A bold header row; the columns it names give the formats of the rows that follow."""


class Caption(str):
    """A bold one-cell row that titles the table under it."""


BLANK: tuple = ()

# --- the documents' vocabulary (Polish, fixed) ----------------------------------------------------------

SEAT_ROLE = {"chair": "przewodniczący", "secretary": "sekretarz", "member": "członek",
             "expert": "ekspert (głos doradczy)"}
SEAT_KIND = {"authority": "przedstawiciel organu", "ngo_nominee": "wskazany przez organizacje (art. 15 ust. 2a)",
             "expert": "ekspert (art. 15 ust. 2e)"}
NGO_ABSENCE = {"none_nominated": "organizacje nikogo nie wskazały (art. 15 ust. 2da pkt 1)",
               "nominees_absent": "wskazane osoby nie wzięły udziału (art. 15 ust. 2da pkt 2)",
               "all_excluded": "wszystkie wskazane osoby podlegają wyłączeniu (art. 15 ust. 2da pkt 3)"}
DECLARATION = {"pending": "nie złożono", "impartial": "bezstronny",
               "conflict": "konflikt interesów — wyłączony",
               "excluded": "wyłączony z mocy prawa (reprezentuje oferenta)"}
OUTCOME = {"met": "spełnia", "defect": "brak", "na": "nie dotyczy"}
CHECK = {"open": "w ocenie", "remedy_requested": "wezwano do uzupełnienia", "remedied": "uzupełniona",
         "accepted": "przyjęta formalnie", "rejected": "odrzucona formalnie"}
SHEET = {"draft": "w trakcie", "submitted": "złożona"}
AWARD = {"pending": "bez propozycji", "proposed": "zaproponowana", "selected": "wybrana",
         "not_selected": "niewybrana", "awaiting_update": "wybrana — oczekuje na aktualizację",
         "ready_for_contract": "wybrana — do umowy", "declined": "oferent zrezygnował"}
EVALUATION = {"formal_review": "ocena formalna", "merit_review": "ocena merytoryczna",
              "awaiting_decision": "oczekuje na decyzję", "resolved": "rozstrzygnięty"}
COMMITTEE = {"forming": "w tworzeniu", "appointed": "powołana"}
STATES = {"evaluation": EVALUATION, "committee": COMMITTEE, "formalcheck": CHECK, "declaration": DECLARATION,
          "scoresheet": SHEET, "award": AWARD}
SUBJECTS = {"evaluation": "Ocena konkursu", "committee": "Komisja", "formalcheck": "Ocena formalna",
            "declaration": "Oświadczenie", "scoresheet": "Karta oceny", "award": "Dotacja"}
VERBS = {"start": "rozpoczęcie oceny", "start_merit_review": "przekazanie ofert komisji",
         "close_scoring": "zamknięcie oceny", "resolve": "rozstrzygnięcie i ogłoszenie wyników",
         "record": "zapis listy kontrolnej", "request_remedy": "wezwanie do uzupełnienia",
         "remedy": "uzupełnienie oferty", "expire": "odrzucenie — brak uzupełnienia w terminie",
         "accept": "przyjęcie", "reject": "odrzucenie", "seat": "skład: członek", "remove_seat": "skład: odwołanie",
         "configure": "ustawienia", "appoint": "powołanie", "reform": "zmiana składu",
         "declare_impartial": "oświadczenie o bezstronności", "declare_conflict": "konflikt interesów",
         "exclude": "wyłączenie", "score": "zapis ocen", "submit": "złożenie karty",
         "reopen": "ponowne otwarcie karty", "propose": "propozycja kwoty", "select": "wybór oferty",
         "request_update": "wezwanie do aktualizacji", "confirm": "do umowy",
         "accept_with_update": "przyjęcie aktualizacji", "decline": "rezygnacja",
         "justification_request": "wniosek o uzasadnienie (art. 15 ust. 2j)",
         "justification_answer": "odpowiedź na wniosek o uzasadnienie"}
ROLES = {"officer": "urzędnik", "approver": "organ zatwierdzający", "finance": "finanse",
         "committee_chair": "przewodniczący komisji", "committee_member": "członek komisji",
         "ngo_signatory": "oferent", "system": "system", "admin": "administrator", "public": "wnioskodawca"}
EXPORT_ACTION = "evaluation.evaluation.export"


def _role_order(prefix: str) -> Case:
    key = f"{prefix}role"
    return Case(When(**{key: SeatRole.CHAIR}, then=Value(0)), When(**{key: SeatRole.SECRETARY}, then=Value(1)),
                When(**{key: SeatRole.MEMBER}, then=Value(2)), default=Value(3), output_field=IntegerField())


def _person(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _local(value: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: times are written as Warsaw wall-clock time
    return timezone.localtime(value, WARSAW).replace(tzinfo=None) if value else None


def _q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _text(value: Any) -> str:
    return clean_text(str(value))


def _number(reference: str, offer_id: int) -> str:
    return f"{reference}/{offer_id}"  # Offer.number, without loading the offer


class _Peek:
    """An ordered stream of rows read alongside another (a merge join without a prefetch)."""

    def __init__(self, rows: Iterable):
        self._rows = iter(rows)
        self._next = next(self._rows, None)

    def take(self, key_of: Callable[[Any], Any], key: Any) -> list:
        taken = []
        while self._next is not None and key_of(self._next) == key:
            taken.append(self._next)
            self._next = next(self._rows, None)
        return taken


# --- the workbook writer ----------------------------------------------------------------------------------


class Exporter:
    """A workbook of sheets. `sheets` names (title, method); each method yields rows: Header,
    Caption, BLANK, or a list of values in the columns of the last Header."""

    sheets: tuple[tuple[str, str], ...] = ()
    widths: dict[str, tuple[int, ...]] = {}

    def __init__(self, evaluation: Evaluation, *, progress: Callable[[int], None] | None = None):
        self.evaluation = evaluation
        self.competition = evaluation.competition
        self.progress = progress
        self.written = 0

    def write(self, out: IO[bytes] | str) -> None:
        """The workbook into `out` (a path or a binary file). Text is always text (never a formula,
        whatever an offeror typed: "=HYPERLINK(…)"), a text of several lines wraps, times are
        Warsaw wall-clock time (Excel has no time zones)."""
        about = f"{self.competition.reference} {self.competition.title}"[:250]
        with Workbook(out, creator="Pożytek", title=about, timezone=WARSAW) as book:
            styles = {kind: book.style(number_format=number_format) for kind, number_format in FORMATS.items()}
            bold = book.style(bold=True)
            for title, method in self.sheets:
                sheet = book.sheet(title, widths=self.widths.get(title, ()))
                append = sheet.append
                formatted: tuple = ()  # per column, the style of its values (0: none, General)
                for row in getattr(self, method)():
                    if type(row) is list:
                        append(row, formatted)
                        self._tick()
                    elif isinstance(row, Columns):
                        formatted = tuple(styles.get(column.kind, 0) for column in row)
                        if isinstance(row, Header):
                            append([column.header for column in row], (bold,) * len(row))
                    elif isinstance(row, Caption):
                        append([str(row)], (bold,))
                    elif not row:
                        append(())
                    else:
                        append(row, formatted)
                        self._tick()

    def _tick(self) -> None:
        self.written += 1
        if self.progress is not None and self.written % PROGRESS_EVERY == 0:
            self.progress(self.written)

    def to_bytes(self) -> bytes:
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
            self.write(out)
            out.seek(0)
            return out.read()


# --- the ranking, in flat memory ---------------------------------------------------------------------------


@dataclass
class AreaInfo:
    pk: int
    number: int
    name: str
    budget: Decimal
    criteria: tuple[tuple[int, str, Decimal], ...]  # (pk, name, max points), in the announcement's order
    max_points: Decimal
    threshold: Decimal
    tie_break_criterion_id: int | None


@dataclass
class RankedOffer:
    """One row of the ranking: what selectors.ranking computes, as plain values."""

    offer_id: int
    number: str
    area: int  # task area pk
    organization: str
    krs: str
    title: str
    requested: Decimal | None
    submitted_at: dt.datetime | None
    sheets: int
    mean: Decimal | None
    criteria: tuple[Decimal | None, ...]
    passed: bool
    spread: Decimal | None
    flagged: bool
    rank: int | None
    award_state: str | None
    proposed: Decimal | None
    decided: Decimal | None
    justification: str
    cut_reason: str
    decision_reason: str


# The sort key of selectors.ranking packed into 42 bytes, so that tens of thousands of offers
# sort in little memory: task number; mean descending (unscored last); the tie-break criterion's
# mean descending; earlier submission; lower offer number; then where the row waits in the file.
KEY = struct.Struct(">HQQQQQ")
_BIAS = 1 << 62


def _sort_key(area_number: int, mean: Decimal | None, tie: Decimal, submitted_at: dt.datetime | None, pk: int,
              offset: int) -> bytes:
    mean_key = -int(mean * 100) if mean is not None else 100  # as -(mean or -1) in selectors.ranking
    at = int(submitted_at.timestamp() * 1_000_000) if submitted_at else _BIAS - 1
    return KEY.pack(area_number, _BIAS + mean_key, _BIAS - int(tie * 100), _BIAS + at, pk, offset)


class Ranking:
    """The ranking per task area from the raw scores of the counting sheets (selectors.ranking's
    rule: mean of members' totals, per-criterion means, pass/fail against the threshold, spread;
    ordered by mean, then the tie-break criterion's mean, then the earlier submission, then the
    offer number). Built in one pass over two ordered streams; the rows wait in a temporary
    file and only a small sort key per offer stays in memory."""

    def __init__(self, evaluation: Evaluation):
        self.evaluation = evaluation
        competition = evaluation.competition
        committee = Committee.objects.filter(competition=competition).first()
        self.spread_pct = committee.spread_flag_pct if committee else Decimal("25")
        criteria: dict[int, list[tuple[int, str, Decimal]]] = {}
        for pk, area_id, name, max_points in (Criterion.objects.filter(task_area__competition=competition)
                                              .order_by("task_area_id", "order", "pk")
                                              .values_list("pk", "task_area_id", "name", "max_points")):
            criteria.setdefault(area_id, []).append((pk, name, max_points))
        self.areas: dict[int, AreaInfo] = {}
        for area in TaskArea.objects.filter(competition=competition).order_by("number"):
            items = tuple(criteria.get(area.pk, ()))
            max_points = sum((c[2] for c in items), Decimal("0"))
            self.areas[area.pk] = AreaInfo(area.pk, area.number, area.name, area.budget, items, max_points,
                                           max_points * area.pass_threshold_pct / Decimal(100),
                                           area.tie_break_criterion_id)
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the ranking; close() ends it
        self._keys: list[bytes] = []
        self._build()

    def _build(self) -> None:
        competition = self.evaluation.competition
        offers = (Offer.objects.filter(competition=competition, formal_check__state=FormalCheckState.ACCEPTED)
                  .order_by("pk").values_list(
            "pk", "task_area_id", "organization__name", "organization__krs", "title", "grant_requested",
            "submitted_at", "award__state", "award__proposed_amount", "award__decided_amount",
            "award__justification", "award__cut_reason", "award__decision_reason"))
        scores = _Peek(Score.objects.filter(sheet__in=counting_sheets(evaluation=self.evaluation))
                       .order_by("sheet__offer_id", "sheet_id")
                       .values_list("sheet__offer_id", "sheet_id", "criterion_id", "points").iterator(CHUNK))
        for (pk, area_id, organization, krs, title, requested, submitted_at, award_state, proposed, decided,
             justification, cut_reason, decision_reason) in offers.iterator(CHUNK):
            area = self.areas[area_id]
            totals: dict[int, Decimal] = {}
            sums: dict[int, Decimal] = {}
            for _offer, sheet_id, criterion_id, points in scores.take(lambda r: r[0], pk):
                totals[sheet_id] = totals.get(sheet_id, Decimal("0")) + points
                sums[criterion_id] = sums.get(criterion_id, Decimal("0")) + points
            count = len(totals)
            mean = _q2(sum(totals.values(), Decimal("0")) / count) if count else None
            means = {c: _q2(sums.get(c, Decimal("0")) / count) for c, _n, _m in area.criteria} if count else {}
            spread = (max(totals.values()) - min(totals.values())) if count else None
            flagged = bool(spread is not None and area.max_points and
                           spread > area.max_points * self.spread_pct / Decimal(100))
            row = RankedOffer(
                pk, _number(competition.reference, pk), area_id, organization, krs or "", title, requested,
                submitted_at, count, mean, tuple(means.get(c) for c, _n, _m in area.criteria),
                mean is not None and mean >= area.threshold, spread, flagged, None, award_state, proposed, decided,
                justification or "", cut_reason or "", decision_reason or "")
            offset = self._file.tell()
            pickle.dump(row, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            tie = means.get(area.tie_break_criterion_id, Decimal("0")) if area.tie_break_criterion_id else Decimal(0)
            self._keys.append(_sort_key(area.number, mean, tie, submitted_at, pk, offset))
        self._keys.sort()

    def __iter__(self) -> Iterator[RankedOffer]:
        position, area_number = 0, None
        for key in self._keys:
            fields = KEY.unpack(key)
            number, offset = fields[0], fields[-1]
            if number != area_number:
                position, area_number = 0, number
            position += 1
            self._file.seek(offset)
            row: RankedOffer = pickle.load(self._file)  # noqa: S301 - our own temporary file
            row.rank = position if row.mean is not None else None
            yield row

    def close(self) -> None:
        self._file.close()


# --- the committee's protocol ---------------------------------------------------------------------------------


class ProtocolExporter(Exporter):
    """Protokół komisji konkursowej: the committee, the formal check, every score, the ranking,
    the amounts and the audit trail's summary."""

    sheets = (("Komisja", "committee_rows"), ("Ocena formalna", "formal_rows"), ("Oceny", "score_rows"),
              ("Ranking", "ranking_rows"), ("Kwoty", "amount_rows"), ("Audyt", "audit_rows"))
    widths = {"Komisja": (22, 34, 18, 30, 30, 28, 18), "Ocena formalna": (22, 34, 10, 40),
              "Oceny": (22, 34, 10, 28, 16, 40, 10, 10, 40, 12, 18, 12, 40),
              "Ranking": (10, 22, 34, 40, 10, 10), "Kwoty": (10, 10, 22, 34, 40, 10, 16, 16, 16, 40, 40, 40, 24),
              "Audyt": (18, 26, 22, 16, 40, 34, 24, 24, 40)}

    def write(self, out) -> None:
        self.ranking = Ranking(self.evaluation)
        try:
            super().write(out)
        finally:
            self.ranking.close()

    def committee_rows(self):
        evaluation, competition = self.evaluation, self.competition
        committee = Committee.objects.filter(competition=competition).first()
        text, when, count, share = (Columns((Col(""), Col("", kind))) for kind in (TEXT, DATETIME, INT, POINTS))
        yield Caption("Komisja konkursowa")
        yield text
        yield ["Konkurs", f"{competition.reference} {competition.title}"]
        if committee is not None:
            yield ["Powołana", committee.appointment_reference]
            yield when
            yield ["Data powołania", committee.appointed_at]
            yield count
            yield ["Kworum (ocen na ofertę)", required_scores(committee)]
            yield share
            yield ["Komentarz wymagany przy ocenie poniżej (% maksimum)", committee.comment_below_pct]
            yield ["Duży rozrzut ocen powyżej (% maksimum)", committee.spread_flag_pct]
            yield text
            if committee.ngo_absence:
                absence = NGO_ABSENCE.get(committee.ngo_absence, committee.ngo_absence)
                yield ["Bez członków wskazanych przez organizacje, ponieważ",
                       f"{absence}: {committee.ngo_absence_note}"]
        yield ["Protokół podpisali", evaluation.protocol_signed_by]
        yield BLANK
        yield Caption("Skład komisji")
        yield Header((Col("Imię i nazwisko"), Col("Funkcja"), Col("Rodzaj miejsca"), Col("Wskazany przez"),
                      Col("Głos"), Col("Czynny")))
        seats = (Seat.objects.filter(committee__competition=competition)
                 .annotate(order=_role_order("")).select_related("user", "nominated_by")
                 .order_by("order", "user__last_name", "user__first_name", "pk"))
        for seat in seats.iterator(CHUNK):
            nominated = seat.nominated_by.name if seat.nominated_by_id else seat.nominated_by_name
            yield [_person(seat.user.first_name, seat.user.last_name, seat.user.username),
                   SEAT_ROLE.get(seat.role, seat.role), SEAT_KIND.get(seat.kind, seat.kind), nominated,
                   "doradczy" if seat.role == SeatRole.EXPERT else "stanowiący",
                   "tak" if seat.is_active else "odwołany"]
        yield BLANK
        yield Caption("Oświadczenia o bezstronności i wyłączenia (art. 15 ust. 2d i 2f)")
        yield Header((Col("Nr oferty"), Col("Oferent"), Col("Zadanie", INT), Col("Członek komisji"),
                      Col("Oświadczenie"), Col("Podstawa wyłączenia"), Col("Data", DATETIME)))
        declarations = (Declaration.objects.filter(offer__competition=competition)
                        .annotate(order=_role_order("seat__"))
                        .order_by("offer__task_area__number", "offer_id", "order", "seat__user__last_name",
                                  "seat_id")
                        .values_list("offer_id", "offer__organization__name", "offer__task_area__number",
                                     "seat__user__first_name", "seat__user__last_name", "seat__user__username",
                                     "state", "ground", "declared_at"))
        for offer_id, organization, area, first, last, username, state, ground, at in declarations.iterator(CHUNK):
            yield [_number(competition.reference, offer_id), organization, area, _person(first, last, username),
                   DECLARATION.get(state, state), ground, at]

    def formal_rows(self):
        competition = self.competition
        items = list(ChecklistItem.objects.filter(competition=competition).order_by("order", "pk")
                     .values_list("pk", "order", "text"))
        columns = [Col("Nr oferty"), Col("Oferent"), Col("Zadanie", INT), Col("Tytuł")]
        for _pk, order, text in items:
            columns += [Col(f"{order}. {text}"), Col(f"{order}. uwagi")]
        columns += [Col("Wezwanie do uzupełnienia"), Col("Zakres uzupełnienia"), Col("Termin uzupełnienia", DATETIME),
                    Col("Uzupełniono", DATETIME), Col("Wynik"), Col("Uzasadnienie"), Col("Data decyzji", DATETIME)]
        yield Header(columns)
        order = ("offer__task_area__number", "offer_id")
        results = _Peek(CheckItemResult.objects.filter(formal_check__offer__competition=competition)
                        .order_by(*(f"formal_check__{o}" for o in order), "item__order", "item_id")
                        .values_list("formal_check_id", "item_id", "outcome", "note").iterator(CHUNK))
        checks = (FormalCheck.objects.filter(offer__competition=competition).order_by(*order)
                  .values_list("pk", "offer_id", "offer__organization__name", "offer__task_area__number",
                               "offer__title", "remedy_message", "remedy_sections", "remedy_deadline",
                               "remedied_at", "state", "reasons", "decided_at"))
        for (pk, offer_id, organization, area, title, message, sections, deadline, remedied, state, reasons,
             decided) in checks.iterator(CHUNK):
            recorded = {item_id: (outcome, note) for _c, item_id, outcome, note in results.take(lambda r: r[0], pk)}
            row = [_number(competition.reference, offer_id), organization, area, title]
            for item_pk, _order, _text in items:
                outcome, note = recorded.get(item_pk, ("", ""))
                row += [OUTCOME.get(outcome, outcome), note]
            row += [message, ", ".join(sections or []), deadline, remedied, CHECK.get(state, state), reasons, decided]
            yield row

    def score_rows(self):
        competition = self.competition
        yield Header((Col("Nr oferty"), Col("Oferent"), Col("Zadanie", INT), Col("Członek komisji"), Col("Funkcja"),
                      Col("Kryterium"), Col("Punkty", POINTS), Col("Maks.", POINTS), Col("Komentarz"),
                      Col("Karta"), Col("Złożona", DATETIME), Col("Liczona"), Col("Uwagi do karty")))
        counted = counting_sheets(evaluation=self.evaluation).filter(pk=OuterRef("sheet_id"))
        scores = (Score.objects.filter(sheet__offer__competition=competition)
                  .annotate(counted=Exists(counted), order=_role_order("sheet__seat__"))
                  .order_by("sheet__offer__task_area__number", "sheet__offer_id", "order",
                            "sheet__seat__user__last_name", "sheet__seat_id", "criterion__order", "criterion_id")
                  .values_list("sheet__offer_id", "sheet__offer__organization__name",
                               "sheet__offer__task_area__number", "sheet__seat__user__first_name",
                               "sheet__seat__user__last_name", "sheet__seat__user__username", "sheet__seat__role",
                               "criterion__name", "points", "criterion__max_points", "comment", "sheet__state",
                               "sheet__submitted_at", "counted", "sheet_id", "sheet__comment"))
        previous = None
        for (offer_id, organization, area, first, last, username, role, criterion, points, max_points, comment,
             state, submitted, is_counted, sheet_id, sheet_comment) in scores.iterator(CHUNK):
            yield [_number(competition.reference, offer_id), organization, area, _person(first, last, username),
                   SEAT_ROLE.get(role, role), criterion, points, max_points, comment, SHEET.get(state, state),
                   submitted, "tak" if is_counted else "nie", sheet_comment if sheet_id != previous else ""]
            previous = sheet_id

    def ranking_rows(self):
        area_pk = None
        for row in self.ranking:
            if row.area != area_pk:
                if area_pk is not None:
                    yield BLANK
                area_pk = row.area
                area = self.ranking.areas[area_pk]
                yield Caption(f"Zadanie {area.number}. {area.name}")
                yield Header((Col("Miejsce", INT), Col("Nr oferty"), Col("Oferent"), Col("Tytuł"),
                              Col("Liczba ocen", INT), Col("Średnia", POINTS),
                              *(Col(name, POINTS) for _pk, name, _max in area.criteria),
                              Col("Maks.", POINTS), Col("Próg", POINTS), Col("Wynik"), Col("Rozrzut", POINTS),
                              Col("Duży rozrzut")))
            yield [row.rank, row.number, row.organization, row.title, row.sheets, row.mean, *row.criteria,
                   area.max_points, _q2(area.threshold), "pozytywna" if row.passed else "negatywna", row.spread,
                   "tak" if row.flagged else ""]

    def amount_rows(self):
        yield Header((Col("Zadanie", INT), Col("Miejsce", INT), Col("Nr oferty"), Col("Oferent"), Col("Tytuł"),
                      Col("Średnia", POINTS), Col("Wnioskowana", MONEY), Col("Proponowana", MONEY),
                      Col("Przyznana", MONEY), Col("Uzasadnienie komisji"), Col("Powód obniżenia"),
                      Col("Powód odstąpienia od propozycji"), Col("Stan")))
        sums: dict[int, list[Decimal]] = {}
        for row in self.ranking:
            area = self.ranking.areas[row.area]
            proposed = sums.setdefault(row.area, [Decimal("0"), Decimal("0")])
            proposed[0] += row.proposed or Decimal("0")
            proposed[1] += row.decided or Decimal("0")
            yield [area.number, row.rank, row.number, row.organization, row.title, row.mean, row.requested,
                   row.proposed, row.decided, row.justification, row.cut_reason, row.decision_reason,
                   AWARD.get(row.award_state, "") if row.award_state else "bez propozycji"]
        yield BLANK
        yield Caption("Podsumowanie zadań")
        yield Header((Col("Zadanie", INT), Col("Nazwa"), Col("Budżet", MONEY), Col("Suma proponowanych", MONEY),
                      Col("Suma przyznanych", MONEY), Col("Pozostaje", MONEY)))
        for area in self.ranking.areas.values():
            proposed, decided = sums.get(area.pk, [Decimal("0"), Decimal("0")])
            yield [area.number, area.name, area.budget, proposed, decided, area.budget - decided]

    def audit_rows(self):
        yield Header((Col("Czas (Europe/Warsaw)", DATETIME), Col("Kto"), Col("Rola"), Col("Obiekt"),
                      Col("Czynność"), Col("Kod czynności"), Col("Ze stanu"), Col("Do stanu"), Col("Powód")))
        types = ContentType.objects.get_for_models(Evaluation, Committee, FormalCheck, Declaration, ScoreSheet,
                                                   Award)
        models = {ct.pk: ct.model for ct in types.values()}
        events = (self.audit_events(types).order_by("at", "pk")
                  .values_list("at", "actor__first_name", "actor__last_name", "actor__username", "actor_role",
                               "subject_type_id", "subject_id", "action", "source_state", "target_state", "reason"))
        for at, first, last, username, role, type_id, subject_id, action, source, target, reason in events.iterator(
                CHUNK):
            model = models.get(type_id, "")
            states = STATES.get(model, {})
            verb = action.rsplit(".", 1)[-1]
            yield [at, _person(first or "", last or "", username or "") if username else "system",
                   ROLES.get(role, role), f"{SUBJECTS.get(model, model)} nr {subject_id}",
                   f"{SUBJECTS.get(model, model)}: {VERBS.get(verb, verb)}", action,
                   states.get(source, source), states.get(target, target), reason]

    def audit_events(self, types=None):
        """The audit events of the evaluation's machines (the round, the committee, the checks,
        declarations, sheets and awards of this competition), without the exports themselves."""
        types = types or ContentType.objects.get_for_models(Evaluation, Committee, FormalCheck, Declaration,
                                                            ScoreSheet, Award)
        competition = self.competition

        def ids(queryset):
            return queryset.annotate(sid=Cast("pk", CharField())).values("sid")

        subjects = (
            Q(subject_type=types[Evaluation], subject_id=str(self.evaluation.pk))
            | Q(subject_type=types[Committee], subject_id__in=ids(Committee.objects.filter(competition=competition)))
            | Q(subject_type=types[FormalCheck],
                subject_id__in=ids(FormalCheck.objects.filter(offer__competition=competition)))
            | Q(subject_type=types[Declaration],
                subject_id__in=ids(Declaration.objects.filter(offer__competition=competition)))
            | Q(subject_type=types[ScoreSheet],
                subject_id__in=ids(ScoreSheet.objects.filter(offer__competition=competition)))
            | Q(subject_type=types[Award], subject_id__in=ids(Award.objects.filter(offer__competition=competition)))
        )
        return AuditEvent.objects.filter(subjects).exclude(action=EXPORT_ACTION)

    def estimate_rows(self) -> int:
        """Rows the protocol will have, for the progress of a large export (a few COUNTs)."""
        competition = self.competition
        offers = FormalCheck.objects.filter(offer__competition=competition).count()
        accepted = FormalCheck.objects.filter(offer__competition=competition,
                                              state=FormalCheckState.ACCEPTED).count()
        return (Seat.objects.filter(committee__competition=competition).count()
                + Declaration.objects.filter(offer__competition=competition).count()
                + offers + Score.objects.filter(sheet__offer__competition=competition).count()
                + 2 * accepted + self.audit_events().count() + 30)  # 30: the headers and captions


# --- the results for publication (BIP) -------------------------------------------------------------------------

RESULT_COLUMNS = (Col("Oferent"), Col("KRS"), Col("Zadanie"), Col("Tytuł oferty"), Col("Punkty", POINTS),
                  Col("Kwota dotacji", MONEY), Col("Data rozstrzygnięcia", DATE), Col("Wynik"))
SELECTED = ("selected", "awaiting_update", "ready_for_contract", "declined")
# what the public reads: the decision, not the steps after it (the update is between the authority and the NGO)
RESULT = {"selected": "wybrana", "awaiting_update": "wybrana", "ready_for_contract": "wybrana",
          "declined": "wybrana — oferent zrezygnował", "not_selected": "niewybrana"}


class ResultsExporter(Exporter):
    """Wyniki konkursu (art. 15 ust. 2h): offeror, KRS, task, title, points, amount, date, in
    the order of the ranking of each task."""

    sheets = (("Wyniki", "result_rows"),)
    widths = {"Wyniki": (40, 12, 40, 50, 10, 16, 14, 24)}

    def __init__(self, evaluation: Evaluation, **kwargs):
        if evaluation.state != EvaluationState.RESOLVED:
            raise WrongState(_("The results are not published yet."), code="not_resolved")
        super().__init__(evaluation, **kwargs)

    def rows(self) -> Iterator[list]:
        ranking = Ranking(self.evaluation)
        date = timezone.localtime(self.evaluation.resolved_at, WARSAW).date()
        try:
            for row in ranking:
                area = ranking.areas[row.area]
                selected = row.award_state in SELECTED
                yield [row.organization, row.krs, f"{area.number}. {area.name}", row.title, row.mean,
                       row.decided if selected else Decimal("0.00"), date, RESULT.get(row.award_state, "niewybrana")]
        finally:
            ranking.close()

    def result_rows(self):
        yield Header(RESULT_COLUMNS)
        yield from self.rows()

    def write_csv(self, out: IO[str]) -> None:
        """CSV for Excel in Polish: UTF-8 with BOM, semicolons, decimal commas, dates ISO 8601."""
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow([c.header for c in RESULT_COLUMNS])
        for row in self.rows():
            writer.writerow([_csv_value(value) for value in row])


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    # a cell that Excel would run as a formula is written as text (CSV injection)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- who may export, and the exports themselves ------------------------------------------------------------


def protocol_check(evaluation: Evaluation, *, user) -> str:
    """The role in which `user` may export the protocol: the authority's officer or approver, or
    the committee's chair or secretary; once scoring is closed, because the protocol shows
    every member's scores, which members do not see before that. Returns the role."""
    competition = evaluation.competition
    role = next((r for r in (AuthorityRole.OFFICER, AuthorityRole.APPROVER)
                 if has_role(user, competition.authority, r)), None)
    if role is None:
        seat = seat_of(user=user, competition=competition)
        staff = has_role(user, competition.authority, AuthorityRole.FINANCE)
        if seat is None and not staff:
            raise NotFound()
        if seat is None or seat.role not in (SeatRole.CHAIR, SeatRole.SECRETARY):
            raise Forbidden(_("The protocol is exported by the officer, the approver, the chair or the secretary."))
        role = "committee_chair" if seat.role == SeatRole.CHAIR else "committee_secretary"
    if evaluation.state not in (EvaluationState.AWAITING_DECISION, EvaluationState.RESOLVED):
        raise WrongState(_("The protocol is drawn up once scoring is closed."), code="scoring_open")
    return role


def protocol_offer_count(evaluation: Evaluation) -> int:
    return FormalCheck.objects.filter(offer__competition=evaluation.competition).count()


def protocol_is_large(evaluation: Evaluation) -> bool:
    """Whether the protocol is written by a Celery task rather than in the request."""
    return protocol_offer_count(evaluation) > getattr(settings, "POZYTEK_EXPORT_ASYNC_OFFERS", 2000)


def _audit_export(evaluation: Evaluation, *, actor, role: str, kind: str, job: ExportJob | None = None) -> None:
    # who took the members' scores and the offerors' data out of the system, and when
    with transaction.atomic():
        audit_record(subject=evaluation, action=EXPORT_ACTION, actor=actor, actor_role=role,
                     payload={"kind": kind, "job": job.pk if job else None})


def protocol_filename(evaluation: Evaluation) -> str:
    return f"protokol-{slugify(evaluation.competition.reference)}.xlsx"


def results_filename(evaluation: Evaluation, extension: str) -> str:
    return f"wyniki-{slugify(evaluation.competition.reference)}.{extension}"


def protocol_xlsx(evaluation: Evaluation, *, user) -> bytes:
    """The protocol, made in the request (for competitions below the asynchronous threshold)."""
    role = protocol_check(evaluation, user=user)
    _audit_export(evaluation, actor=user, role=role, kind=ExportKind.PROTOCOL)
    return ProtocolExporter(evaluation).to_bytes()


def results_xlsx(evaluation: Evaluation) -> bytes:
    """The results list for BIP (public once the results are published)."""
    return ResultsExporter(evaluation).to_bytes()


def results_csv(evaluation: Evaluation) -> bytes:
    out = io.StringIO()
    ResultsExporter(evaluation).write_csv(out)
    return out.getvalue().encode("utf-8")


# --- large exports: a job, a task, a notification ---------------------------------------------------------


def export_job_start(evaluation: Evaluation, *, user) -> ExportJob:
    """Queue the protocol's export as a Celery task (after this transaction commits)."""
    from .tasks import export_protocol

    role = protocol_check(evaluation, user=user)
    with transaction.atomic():
        job = ExportJob.objects.create(kind=ExportKind.PROTOCOL, evaluation=evaluation, requested_by=user)
        _audit_export(evaluation, actor=user, role=role, kind=ExportKind.PROTOCOL, job=job)
        transaction.on_commit(lambda: export_protocol.delay(evaluation.pk, user.pk, job.pk))
    return job


def export_job_get(*, user, pk) -> ExportJob:
    """A job, for the one who asked for it (404 for anyone else)."""
    try:
        job = ExportJob.objects.select_related("evaluation__competition__authority").get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    if user is None or job.requested_by_id != getattr(user, "pk", None):
        raise NotFound()
    return job


def export_job_run(*, evaluation_id: int, requested_by_id: int, job_id: int | None = None) -> ExportJob:
    """Write the protocol into private storage, recording progress; idempotent (a job already
    done is returned as it is). The requester's right is checked again when the task runs."""
    from django.contrib.auth import get_user_model

    evaluation = Evaluation.objects.select_related("competition__authority").get(pk=evaluation_id)
    user = get_user_model().objects.get(pk=requested_by_id)
    job = ExportJob.objects.get(pk=job_id) if job_id is not None else _job_for_task(evaluation, user)
    if job.state == ExportState.DONE:
        return job
    try:
        protocol_check(evaluation, user=user)
    except (NotFound, Forbidden, WrongState) as refusal:
        _finish(job, ExportState.FAILED, error=refusal.text())
        return job
    exporter = ProtocolExporter(evaluation, progress=lambda n: ExportJob.objects.filter(pk=job.pk).update(
        progress=n))
    job.total, job.progress, job.state = exporter.estimate_rows(), 0, ExportState.RUNNING
    job.save(update_fields=["total", "progress", "state"])
    try:
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:
            exporter.write(out)
            out.flush()
            out.seek(0)
            job.file.save(protocol_filename(evaluation), File(out), save=False)
    except Exception as exc:
        _finish(job, ExportState.FAILED, error=str(exc)[:2000])
        raise
    job.progress = max(exporter.written, job.progress)
    job.total = max(job.total, job.progress)
    _finish(job, ExportState.DONE)
    with transaction.atomic():
        notify(key=f"export.{job.pk}.done", recipients=[user],
               subject=_("The protocol is ready: {title}").format(title=evaluation.competition.title),
               body=_("The committee's protocol of “{title}” ({rows} rows) is ready to download from the "
                      "competition's evaluation pages.").format(title=evaluation.competition.title,
                                                                rows=job.progress))
    return job


def _job_for_task(evaluation: Evaluation, user) -> ExportJob:
    """A task queued without a job (e.g. from the shell): the requester's waiting job, or a new one."""
    job = (ExportJob.objects.filter(evaluation=evaluation, requested_by=user, kind=ExportKind.PROTOCOL,
                                    state__in=[ExportState.QUEUED, ExportState.RUNNING]).order_by("pk").first())
    if job is None:
        role = protocol_check(evaluation, user=user)
        with transaction.atomic():
            job = ExportJob.objects.create(kind=ExportKind.PROTOCOL, evaluation=evaluation, requested_by=user)
            _audit_export(evaluation, actor=user, role=role, kind=ExportKind.PROTOCOL, job=job)
    return job


def _finish(job: ExportJob, state: str, *, error: str = "") -> None:
    job.state, job.error, job.finished_at = state, error, timezone.now()
    fields = ["state", "error", "finished_at", "progress", "total"]
    if job.file:
        fields.append("file")
    job.save(update_fields=fields)
