"""The settlement stage's part of the demo (offers/demo.py, `manage.py load_demo`).

A third competition of Gmina Miejska Dąbrowa Górnicza, announced about ten months ago,
decided with five grants, and the five contracts that came of it, each at a different point
of its life, so that every page of contracts, reports and settlement has something to show:

(a) Uniwersytet Trzeciego Wieku's contract is drafted and sent for signature; its task starts
    in two weeks (login urzednik: record the signatures and conclude it);
(b) „W świecie ciszy”'s contract is in performance, paid in two tranches, the first paid and the
    second due (skarbnik records it); its task runs for another five weeks;
(c) CIS Mysłowice's task ended twelve days ago: the final report is requested and half filled —
    part I, some documents, one cost line above the 10% tolerance (flagged at that line); the
    actions and the declarations are left for the organisation (cis, or redaktor who may not
    submit) to finish and submit;
(d) Zielone Zagłębie's final report is submitted (by sekretarz) and awaits verification by the
    finance officer (skarbnik);
(e) Klub Abstynentów „STER”'s report was accepted and the settlement computed: a notice of
    return went out for the unused grant and for a cost line above the tolerance. The unused
    grant was due fifteen days after the period of spending ended (u.f.p. art. 251 ust. 3), so
    a return recorded today is late and carries interest; the line's excess is due in about a
    week. skarbnik records the returns; the last one closes the settlement and the contract is
    performed. (The schedule, `check_deadlines`, would mark this settlement overdue; `make run`
    starts no scheduler, so it stays as loaded.)

The interest rates for tax arrears (DOMAIN.md §10; tests/settlements/builders.interest_table) and
the interest rule are added too, as the finance officer would enter them in the back office.

Everything goes through the services, as in the base demo and the evaluation's part: the
announcement, the offers, the formal check, the committee's scores, the award, the contract
drafted, its terms, signatures and payments, the task's end (the scheduler's `contract_end`), the
report's parts and documents, its submission and acceptance, the settlement's computation and
notice. The past is real, not back-dated: each step runs with `django.utils.timezone.now`
patched to its moment (evaluation.demo._clock, as the tests patch it), because the services
refuse what a person could not do on the real day — an announcement whose 21 days have passed,
a signature or a payment dated in the future, a task ended before its last day — and every audit
event then carries the time it would have had.

Dates follow the day the demo is loaded: the tasks end 95, 45 and 12 days ago and in five weeks,
each within one calendar year where the calendar allows (a task crossing the new year gets its
cost lines split by year and one tranche per year, as the offer form and u.f.p. art. 221 ust. 3
require).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model

from competitions.models import (
    Channel,
    ChecklistItem,
    Competition,
    Criterion,
    PriorFunding,
    PublicTaskSphere,
    TaskArea,
    TaskForm,
)
from competitions.services import competition_create, competition_item_save, publication_record
from evaluation import services as evaluation_services
from evaluation.demo import _at, _clock
from evaluation.models import AwardState, SeatKind, SeatRole
from offers.demo import (
    CHECKLIST,
    CRITERIA,
    DABROWA,
    DemoContext,
    DemoSummary,
    DemoUser,
    _action,
    _file,
    _indicator,
    _line,
    demo_user_create,
)
from offers.models import Offer
from offers.services import offer_submit
from workflow.calendar import is_working_day, next_working_day
from workflow.services import transition

from . import services
from .models import (
    Contract,
    ContractState,
    InterestRate,
    InterestRule,
    Report,
    ReportKind,
    ReportState,
    SettlementState,
)

TITLE_SUFFIX = "przeciwdziałanie uzależnieniom i rozwój wolontariatu"
COUNCIL = "Rada Działalności Pożytku Publicznego Miasta Dąbrowy Górniczej"
AUTHORITY_SIGNATORY = "Marek Kowalczyk — Prezydent Miasta Dąbrowy Górniczej"
TREASURER = "Barbara Lewandowska — Skarbnik Miasta"
COMMITTEE = "komisja-2026"

# The committee of this (decided) competition: people without a published demo login.
MEMBERS = (
    ("a.sikora", "Alicja", "Sikora", SeatRole.CHAIR, SeatKind.AUTHORITY),
    ("w.pawlak", "Wojciech", "Pawlak", SeatRole.MEMBER, SeatKind.AUTHORITY),
    ("t.michalak", "Teresa", "Michalak", SeatRole.MEMBER, SeatKind.NGO_NOMINEE),
)

# The interest rate for tax arrears (Ordynacja podatkowa art. 56 § 1), DOMAIN.md §10: the 2023 rate
# published, the 2025 ones computed from the NBP lombard cuts [GK] — examples, to be confirmed.
INTEREST_RATES = (
    (dt.date(2023, 10, 5), "14.50", "Obwieszczenie Ministra Finansów (stopa od 5.10.2023 r.)"),
    (dt.date(2025, 5, 8), "13.50", "200% stopy lombardowej NBP + 2 pkt (obniżka z 8.05.2025 r.)"),
    (dt.date(2025, 7, 3), "13.00", "200% stopy lombardowej NBP + 2 pkt (obniżka z 3.07.2025 r.)"),
    (dt.date(2025, 9, 4), "12.50", "200% stopy lombardowej NBP + 2 pkt (obniżka z 4.09.2025 r.)"),
    (dt.date(2025, 10, 9), "12.00", "200% stopy lombardowej NBP + 2 pkt (obniżka z 9.10.2025 r.)"),
    (dt.date(2025, 11, 6), "11.50", "200% stopy lombardowej NBP + 2 pkt (obniżka z 6.11.2025 r.)"),
    (dt.date(2025, 12, 4), "11.00", "200% stopy lombardowej NBP + 2 pkt (obniżka z 4.12.2025 r.)"),
)
INTEREST_RULE_FROM = dt.date(2014, 2, 1)  # the threshold of 8.70 zł: three times the registered-letter fee

# --- the grants ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """An awarded task: the offer as its authors typed it (without dates) and where its contract is."""

    key: str  # the organisation's key in offers.demo.ORGANIZATIONS (and its administrator's login)
    stage: str  # drafted, active, report_requested, settling, return_due
    area: int
    title: str
    synthesis: str
    actions: tuple[tuple[str, str, str], ...]  # name, description, target group
    lines: tuple[tuple, ...]  # key, group, action, name, unit, unit_cost, units, grant_part
    sources: dict[str, str]
    expected: str
    indicators: tuple[tuple[str, str, str], ...]
    capacity: tuple[str, str]
    place: str = "Dąbrowa Górnicza"


GRANTS: tuple[Grant, ...] = (
    Grant(
        "utw", "drafted", 1, "Akademia wolontariatu seniorów",
        "Słuchacze UTW przygotowują się do wolontariatu i prowadzą akcje na rzecz sąsiadów.",
        (("Szkolenie wolontariuszy-seniorów", "Dziesięć spotkań szkoleniowych.", "seniorzy"),
         ("Akcje wolontariackie", "Cztery akcje sąsiedzkie prowadzone przez wolontariuszy.", "mieszkańcy osiedli")),
        (("c1", "action", "a1", "Trener wolontariatu", "godz.", "120.00", "30", "3600.00"),
         ("c2", "action", "a1", "Materiały szkoleniowe", "komplet", "40.00", "40", "1600.00"),
         ("c3", "action", "a2", "Koordynator akcji wolontariackich", "godz.", "60.00", "80", "4800.00"),
         ("c4", "action", "a2", "Praca wolontariuszy (wkład osobowy)", "godz.", "35.00", "40", "0"),
         ("c5", "admin", "", "Obsługa księgowa", "usługa", "800.00", "1", "800.00")),
        {"personal": "1400.00"},
        "40 przeszkolonych wolontariuszy-seniorów i 4 akcje sąsiedzkie.",
        (("Przeszkoleni wolontariusze", "40", "listy obecności"), ("Akcje sąsiedzkie", "4", "dokumentacja")),
        ("UTW działa od 2006 r.; prowadzi zajęcia dla 300 słuchaczy.", "Sala UTW, trener, koordynator.")),
    Grant(
        "cisza", "active", 1, "Centrum wolontariatu tłumaczy PJM",
        "Wolontariusze uczą się polskiego języka migowego i dyżurują jako tłumacze dla osób głuchych.",
        (("Kurs PJM dla wolontariuszy", "Osiemdziesiąt godzin kursu dla 25 wolontariuszy.", "młodzież i dorośli"),
         ("Dyżury wolontariuszy-tłumaczy", "Dyżury w urzędach, przychodniach i na wydarzeniach.", "osoby głuche")),
        (("c1", "action", "a1", "Lektor PJM", "godz.", "100.00", "80", "8000.00"),
         ("c2", "action", "a1", "Podręczniki i materiały", "komplet", "60.00", "25", "1500.00"),
         ("c3", "action", "a2", "Koordynator wolontariatu", "mies.", "1000.00", "8", "8000.00"),
         ("c4", "action", "a2", "Praca wolontariuszy (wkład osobowy)", "godz.", "35.00", "60", "0"),
         ("c5", "admin", "", "Obsługa księgowa", "mies.", "250.00", "8", "1500.00")),
        {"own_financial": "500.00", "personal": "2100.00"},
        "25 wolontariuszy po kursie PJM, 120 dyżurów tłumaczy.",
        (("Wolontariusze po kursie", "25", "zaświadczenia"), ("Dyżury tłumaczy", "120", "karty dyżurów")),
        ("Prowadzimy grupy wsparcia i kursy PJM.", "Lektor PJM, koordynator, sala stowarzyszenia.")),
    Grant(
        "cis", "report_requested", 1, "Punkt doradczy dla organizacji pozarządowych w Dąbrowie Górniczej",
        "Cotygodniowe dyżury doradcze, cztery szkolenia i serwis informacyjny dla organizacji.",
        (("Dyżury doradcze", "Dyżury doradcy NGO dwa razy w tygodniu.", "organizacje pozarządowe"),
         ("Szkolenia dla organizacji", "Cztery szkolenia po sześć godzin.", "członkowie organizacji"),
         ("Serwis informacyjny", "Aktualizacja serwisu i miesięczny biuletyn.", "organizacje pozarządowe")),
        (("c1", "action", "a1", "Doradca NGO — dyżury", "godz.", "90.00", "150", "13500.00"),
         ("c2", "action", "a1", "Lokal punktu — czynsz i media", "mies.", "600.00", "8", "3600.00"),
         ("c3", "action", "a2", "Trener — 4 szkolenia po 6 godzin", "godz.", "150.00", "24", "3600.00"),
         ("c4", "action", "a2", "Catering na szkoleniach", "osoba", "30.00", "80", "2400.00"),
         ("c5", "action", "a3", "Aktualizacja serwisu i biuletyn", "usługa", "2500.00", "1", "2500.00"),
         ("c6", "action", "a1", "Praca wolontariuszy (wkład osobowy)", "godz.", "40.00", "50", "0"),
         ("c7", "admin", "", "Koordynacja i księgowość", "mies.", "300.00", "8", "2400.00")),
        {"own_financial": "1200.00", "personal": "2000.00"},
        "Porady dla 35 organizacji, 4 szkolenia dla 80 osób, 8 biuletynów.",
        (("Organizacje objęte doradztwem", "35", "karty porad"), ("Uczestnicy szkoleń", "80", "listy obecności"),
         ("Biuletyny", "8", "archiwum serwisu")),
        ("Od lat wspieramy organizacje i inicjatywy obywatelskie.", "Doradca, trener, lokal punktu.")),
    Grant(
        "zielone", "settling", 1, "Inkubator inicjatyw sąsiedzkich na Gołonogu",
        "Pomagamy grupom sąsiedzkim zacząć działać: nabór, doradztwo i warsztaty dla liderów.",
        (("Nabór i diagnoza grup sąsiedzkich", "Spotkania na osiedlach, diagnoza potrzeb.", "grupy sąsiedzkie"),
         ("Doradztwo i warsztaty dla liderów", "Konsultacje i sześć warsztatów.", "liderzy sąsiedzcy")),
        (("c1", "action", "a1", "Animator — nabór i diagnoza", "mies.", "2000.00", "3", "6000.00"),
         ("c2", "action", "a2", "Doradca — konsultacje dla grup", "godz.", "120.00", "80", "9600.00"),
         ("c3", "action", "a2", "Warsztaty dla liderów sąsiedzkich", "warsztat", "900.00", "6", "5400.00"),
         ("c4", "action", "a2", "Lokal inkubatora (wkład rzeczowy)", "mies.", "300.00", "6", "0"),
         ("c5", "admin", "", "Koordynacja projektu", "mies.", "400.00", "6", "2400.00")),
        {"in_kind": "1800.00"},
        "12 grup sąsiedzkich objętych wsparciem, 6 warsztatów.",
        (("Grupy objęte wsparciem", "12", "karty konsultacji"), ("Warsztaty", "6", "listy obecności")),
        ("Od 2008 r. prowadzimy inkubator III sektora.", "Lokal inkubatora, animator, doradca.")),
    Grant(
        "ster", "return_due", 2, "Klub rodzinny — grupy wsparcia i profilaktyka uzależnień",
        "Grupy wsparcia dla rodzin osób uzależnionych i warsztaty profilaktyczne w szkołach.",
        (("Grupy wsparcia dla rodzin", "Trzydzieści spotkań z terapeutą uzależnień.", "rodziny osób uzależnionych"),
         ("Warsztaty profilaktyczne", "Warsztaty w szkołach ponadpodstawowych.", "młodzież")),
        (("c1", "action", "a1", "Terapeuta uzależnień — grupy wsparcia", "godz.", "150.00", "60", "9000.00"),
         ("c2", "action", "a1", "Wynajem sali na spotkania", "spotkanie", "120.00", "30", "3000.00"),
         ("c3", "action", "a2", "Trener profilaktyki — warsztaty w szkołach", "godz.", "130.00", "30", "3900.00"),
         ("c4", "action", "a2", "Materiały profilaktyczne", "komplet", "15.00", "100", "1500.00"),
         ("c5", "action", "a2", "Praca wolontariuszy (wkład osobowy)", "godz.", "35.00", "40", "0"),
         ("c6", "admin", "", "Koordynacja i obsługa księgowa", "mies.", "100.00", "6", "600.00")),
        {"own_financial": "600.00", "personal": "1400.00"},
        "30 spotkań grupy wsparcia, warsztaty dla 100 uczniów.",
        (("Spotkania grupy wsparcia", "30", "listy obecności"), ("Uczniowie na warsztatach", "100", "listy")),
        ("Grupy wsparcia i profilaktyka od wielu lat.", "Terapeuta, trener, sala klubu.")),
)

# The documents behind each report: number, kind, issuer, what for, amount, paid (days after the task's
# start, or "end-N": N days before its end), and the shares (line key, source, amount).
DOCUMENTS: dict[str, tuple[tuple, ...]] = {
    "cis": (
        ("RACH 1/{y}", "bill", "Doradca NGO", "Dyżury doradcze — 50 godz.", "4500.00", 40,
         (("c1", "grant", "4500.00"),)),
        ("RACH 2/{y}", "bill", "Doradca NGO", "Dyżury doradcze — 50 godz.", "4500.00", 100,
         (("c1", "grant", "4500.00"),)),
        ("FV 112/{y}", "invoice", "Spółdzielnia Mieszkaniowa „Gołonóg”", "Czynsz i media lokalu punktu",
         "4800.00", 60, (("c2", "grant", "3600.00"), ("c2", "own_financial", "1200.00"))),
        ("RACH 3/{y}", "bill", "Trener", "Szkolenia 1–4 — 24 godz.", "3600.00", 120,
         (("c3", "grant", "3600.00"),)),
        # catering for 96 people instead of 80: 2 880 zł from the grant, 240 zł above the tolerance's 2 640 zł
        ("FV 57/{y}/K", "invoice", "Catering „Smaczna Przerwa”", "Catering — 4 szkolenia, 96 osób",
         "2880.00", 125, (("c4", "grant", "2880.00"),)),
        ("OŚW 1/{y}", "volunteer", "Stowarzyszenie CIS Mysłowice", "Praca wolontariuszy przy dyżurach — 50 godz.",
         "2000.00", 130, (("c6", "personal", "2000.00"),)),
    ),
    "zielone": (
        ("RACH 4/{y}", "bill", "Animatorka", "Nabór i diagnoza — 3 mies.", "6000.00", 90,
         (("c1", "grant", "6000.00"),)),
        ("RACH 9/{y}", "bill", "Doradca", "Konsultacje dla grup — 80 godz.", "9600.00", "end-10",
         (("c2", "grant", "9600.00"),)),
        ("FV 31/{y}", "invoice", "Fundacja Warsztat", "Warsztaty dla liderów — 5 warsztatów", "4500.00", "end-20",
         (("c3", "grant", "4500.00"),)),
        ("OŚW 1/{y}", "in_kind", "Stowarzyszenie Zielone Zagłębie", "Udostępnienie lokalu inkubatora — 6 mies.",
         "1800.00", "end-1", (("c4", "in_kind", "1800.00"),)),
        ("LP 6/{y}", "payroll", "Stowarzyszenie Zielone Zagłębie", "Koordynacja projektu — 6 mies.", "2400.00",
         "end-3", (("c5", "grant", "2400.00"),)),
    ),
    "ster": (
        ("RACH 2/{y}", "bill", "Terapeuta uzależnień", "Grupy wsparcia — 60 godz.", "9000.00", "end-5",
         (("c1", "grant", "9000.00"),)),
        # thirty meetings at the new price: 3 600 zł, 300 zł above the tolerance's 3 300 zł
        ("FV 88/{y}", "invoice", "Dom Kultury „Ster”", "Wynajem sali — 30 spotkań", "3600.00", "end-8",
         (("c2", "grant", "3600.00"),)),
        # 18 of the 30 hours of workshops took place: 1 560 zł of that line's grant is unused
        ("RACH 3/{y}", "bill", "Trener profilaktyki", "Warsztaty w szkołach — 18 godz.", "2340.00", "end-12",
         (("c3", "grant", "2340.00"),)),
        ("FV 14/{y}", "invoice", "Drukarnia „Zagłębie”", "Materiały profilaktyczne — 100 kompletów", "1500.00", 30,
         (("c4", "grant", "1380.00"), ("c4", "own_financial", "120.00"))),
        ("OŚW 2/{y}", "volunteer", "Klub Abstynentów „STER”", "Praca wolontariuszy — 50 godz.", "1750.00", "end-1",
         (("c5", "personal", "1750.00"),)),
        ("FV 7/{y}/KS", "invoice", "Biuro rachunkowe", "Obsługa księgowa — 6 mies.", "600.00", "end-2",
         (("c6", "grant", "600.00"),)),
    ),
}

ACHIEVED: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # part I as typed: how the task went, the level of each result, what was done in each action
    "cis": ("Punkt działał przez cały okres zadania; szkolenia cieszyły się większym zainteresowaniem, niż "
            "zakładaliśmy (96 zamiast 80 uczestników).", ("38", "96", "8"),
            ("Dyżury dwa razy w tygodniu, 152 godziny porad.", "Cztery szkolenia, 96 uczestników.")),
    "zielone": ("Zadanie wykonano; zamiast sześciu warsztatów odbyło się pięć, bo dwie grupy połączyły się.",
                ("12", "5"), ("Nabór i diagnoza na czterech osiedlach.", "80 godzin konsultacji, 5 warsztatów.")),
    "ster": ("Grupa wsparcia spotykała się co tydzień; w dwóch szkołach warsztaty odwołano.", ("30", "62"),
             ("30 spotkań grupy wsparcia.", "Warsztaty w trzech szkołach, 18 godzin.")),
}


# --- the calendar ---------------------------------------------------------------------------------------


def _previous_working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _task(end: dt.date, length: int, latest_start: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """A task of about `length` days ending on `end`, within end's calendar year when it can be
    (starting no earlier than the 8th of January), else reaching back into the year before."""
    start = max(end - dt.timedelta(days=length), dt.date(end.year, 1, 8))
    if latest_start:
        start = min(start, latest_start)
    if (end - start).days < 30:
        start = end - dt.timedelta(days=length)
    return next_working_day(start), end


@dataclass
class Timeline:
    today: dt.date
    tasks: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t = self.today
        self.tasks["return_due"] = _task(t - dt.timedelta(days=95), 150)
        self.tasks["settling"] = _task(t - dt.timedelta(days=45), 180)
        self.tasks["report_requested"] = _task(t - dt.timedelta(days=12), 200)
        # still running: started well before today (the first tranche is paid), ends in five weeks
        self.tasks["active"] = _task(t + dt.timedelta(days=38), 230, latest_start=t - dt.timedelta(days=20))
        start = next_working_day(t + dt.timedelta(days=14))
        end = min(start + dt.timedelta(days=40), dt.date(start.year, 12, 31))
        self.tasks["drafted"] = (start, end if (end - start).days >= 10 else start + dt.timedelta(days=40))
        first = min(start for start, _end in self.tasks.values())
        # decided three weeks before the first task starts; offers three weeks before that
        self.resolved = _previous_working_day(min(first - dt.timedelta(days=21), t - dt.timedelta(days=150)))
        self.deadline = _at(_previous_working_day(self.resolved - dt.timedelta(days=21)), 15, 30)
        self.announced = _previous_working_day(self.deadline.date() - dt.timedelta(days=27))
        self.window = (min(s for s, _e in self.tasks.values()), max(e for _s, e in self.tasks.values()))

    def after(self, day: dt.date, days: int, hour: int = 10) -> dt.datetime:
        """A moment on the first working day `days` after `day` (never today or later)."""
        moment = next_working_day(day + dt.timedelta(days=days))
        moment = min(moment, _previous_working_day(self.today - dt.timedelta(days=1)))
        return _at(moment, hour)


# --- the offers ------------------------------------------------------------------------------------------


def _split_years(value: Decimal, start: dt.date, end: dt.date) -> list[str]:
    """A line's value per budget year, in proportion to the task's days in each year."""
    days = (end - start).days + 1
    parts, left = [], value
    for year in range(start.year, end.year):
        in_year = (min(end, dt.date(year, 12, 31)) - max(start, dt.date(year, 1, 1))).days + 1
        part = (value * in_year / days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        parts.append(part)
        left -= part
    return [str(p) for p in [*parts, left]]


def _content(grant: Grant, start: dt.date, end: dt.date) -> dict[str, dict]:
    actions = []
    second = start + (end - start) / 3
    for index, (name, description, group) in enumerate(grant.actions, start=1):
        begins = start if index == 1 else min(second, end)
        actions.append(_action(f"a{index}", name, description, group, begins.isoformat(), end.isoformat()))
    lines = []
    for key, group, action, name, unit, unit_cost, units, grant_part in grant.lines:
        line = _line(key, group, action, name, unit, unit_cost, units, grant_part)
        if start.year != end.year:
            line["years"] = _split_years(Decimal(unit_cost) * Decimal(units), start, end)
        lines.append(line)
    return {
        "task": {"title": grant.title, "start": start.isoformat(), "end": end.isoformat(), "place": grant.place,
                 "synthesis": grant.synthesis},
        "schedule": {"actions": actions},
        "results": {"expected_results": grant.expected,
                    "indicators": [_indicator(*indicator) for indicator in grant.indicators]},
        "capacity": {"prior_activity": grant.capacity[0], "resources": grant.capacity[1]},
        "costs": {"lines": lines},
        "sources": dict(grant.sources),
        "other": {"paid_activity": "unpaid"},
    }


def _requested(grant: Grant) -> Decimal:
    return sum((Decimal(line[7]) for line in grant.lines), Decimal("0.00"))


# --- the part ----------------------------------------------------------------------------------------------


class SettlementDemo:
    key = "settlements"
    users: tuple[DemoUser, ...] = ()  # every step is done by the base demo's logins

    def competition(self) -> Competition | None:
        return Competition.objects.filter(authority__slug=DABROWA, title__endswith=TITLE_SUFFIX).first()

    def contracts(self) -> dict[str, Contract]:
        competition = self.competition()
        if competition is None:
            return {}
        found = Contract.objects.filter(award__offer__competition=competition).select_related("organization")
        names = {grant.key: grant.stage for grant in GRANTS}
        from offers.demo import ORGANIZATIONS

        stage_of = {ORGANIZATIONS[key]["name"]: stage for key, stage in names.items()}
        return {stage_of[c.organization.name]: c for c in found if c.organization.name in stage_of}

    def status(self) -> str:
        names = [member[0] for member in MEMBERS]
        found = get_user_model().objects.filter(username__in=names).count() + (1 if self.competition() else 0)
        return "absent" if not found else "loaded" if found == len(names) + 1 else "partial"

    def describe(self) -> list[str]:
        contracts = self.contracts()
        if len(contracts) != len(GRANTS):
            return []
        lines = [f"“{self.competition().title}” is decided; its five contracts show each stage of settlement:"]
        notes = {
            "drafted": "drafted and sent for signature (urzednik records the signatures)",
            "active": "in performance, the second tranche due (skarbnik records the payment)",
            "report_requested": "task ended, the final report half filled (cis finishes and submits it)",
            "settling": "final report submitted, awaiting verification (skarbnik)",
            "return_due": "settled with returns due, one late with interest (skarbnik records them)",
        }
        for grant in GRANTS:
            contract = contracts[grant.stage]
            lines.append(f"  {contract.number} {contract.organization.name}: {notes[grant.stage]}")
        return lines

    # --- loading ---------------------------------------------------------------------------------------

    def load(self, context: DemoContext) -> DemoSummary:
        users = context.users
        officer, approver = users["urzednik"], users["prezydent"]
        timeline = Timeline(context.today)
        people = {}
        for username, first, last, _role, _kind in MEMBERS:
            people[username] = demo_user_create(DemoUser(username, first, last, COMMITTEE, "", ""), password=None)
        _interest_table()
        with _clock(_at(timeline.announced, 9)):
            competition = _announce(context.authorities[DABROWA], officer, approver, timeline)
        with _clock(_at(next_working_day(timeline.announced + dt.timedelta(days=1)), 10)):
            for channel, url in ((Channel.BIP, "https://dabrowa-gornicza.example.org/bip/konkursy/2026-4"),
                                 (Channel.WEBSITE, "https://dabrowa-gornicza.example.org/ngo/konkursy/2026-4"),
                                 (Channel.NOTICEBOARD, "")):
                publication_record(competition=competition, actor=officer, channel=channel,
                                   published_on=timeline.announced, url=url)
            competition = transition(competition, "publish", actor=officer)
        areas = {area.number: area for area in competition.task_areas.all()}
        offers: dict[str, Offer] = {}
        filed = _previous_working_day(timeline.deadline.date() - dt.timedelta(days=3))
        for index, grant in enumerate(GRANTS):
            start, end = timeline.tasks[grant.stage]
            admin = users[grant.key]  # each organisation's administrator logs in under its key
            with _clock(_at(filed, 9 + index)):
                offer = _file(area=areas[grant.area], organization=context.organizations[grant.key], actor=admin,
                              content=_content(grant, start, end))
                offers[grant.key] = offer_submit(offer, actor=admin)
        with _clock(timeline.deadline + dt.timedelta(minutes=1)):
            competition = transition(competition, "close_submissions", actor=None)  # the scheduler
        self._evaluate(competition, officer, approver, people, offers, timeline)
        contracts = {}
        for grant in GRANTS:
            contracts[grant.stage] = self._contract(grant, offers[grant.key], users, timeline)
        return DemoSummary(competitions=[competition], offers=list(offers.values()))

    def _evaluate(self, competition, officer, approver, people, offers, timeline: Timeline) -> None:
        day = timeline.deadline.date()
        items = list(competition.checklist.order_by("order"))
        with _clock(timeline.after(day, 1, 9)):
            evaluation = evaluation_services.evaluation_start(competition=competition, actor=officer)
            for offer in offers.values():
                check = offer.formal_check
                evaluation_services.formal_check_record(check=check, actor=officer,
                                                        results={i.pk: ("met", "") for i in items})
                evaluation_services.formal_check_accept(check, actor=officer)
        committee = competition.committee
        with _clock(timeline.after(day, 4, 10)):
            for username, _first, _last, role, kind in MEMBERS:
                extra = {"nominated_by_name": COUNCIL} if kind == SeatKind.NGO_NOMINEE else {}
                evaluation_services.seat_add(committee=committee, actor=officer, user=people[username], role=role,
                                             kind=kind, **extra)
            evaluation_services.committee_appoint(
                committee, actor=officer,
                appointment_reference=f"Zarządzenie nr 402/{day.year} Prezydenta Miasta Dąbrowy Górniczej")
        with _clock(timeline.after(day, 5, 9)):
            evaluation = evaluation_services.evaluation_start_merit_review(evaluation, actor=officer)
        points = {"a.sikora": (8, 8, 9, 4, 4, 4), "w.pawlak": (7, 8, 8, 4, 4, 5), "t.michalak": (9, 7, 8, 3, 5, 4)}
        for step, (username, scores) in enumerate(points.items()):
            member = people[username]
            seat = member.seats.get()
            with _clock(timeline.after(day, 6 + step, 11)):
                for offer in offers.values():
                    evaluation_services.declaration_make(seat.declarations.get(offer=offer), actor=member,
                                                         impartial=True)
                    criteria = list(Criterion.objects.filter(task_area_id=offer.task_area_id).order_by("order"))
                    sheet = evaluation_services.scores_save(
                        seat=seat, offer=offer, actor=member,
                        scores={c.pk: {"points": str(p), "comment": ""} for c, p in zip(criteria, scores, strict=True)},
                        comment="Oferta realna, koszty uzasadnione.")
                    evaluation_services.sheet_submit(sheet, actor=member)
        chair = people["a.sikora"]
        with _clock(timeline.after(day, 10, 14)):
            evaluation = evaluation_services.evaluation_close_scoring(evaluation, actor=chair,
                                                                      signed_by="Sikora, Pawlak, Michalak")
            for offer in offers.values():
                evaluation_services.award_propose(offer.award, actor=chair, amount=str(offer.grant_requested),
                                                  justification="Oferta spełnia kryteria; kwota zgodna z kalkulacją.")
        with _clock(_at(timeline.resolved, 11)):
            for offer in offers.values():
                offer.award.refresh_from_db()
                evaluation_services.award_decide(offer.award, actor=approver, select=True,
                                                 amount=str(offer.grant_requested))
            evaluation_services.evaluation_resolve(
                evaluation, actor=approver,
                decision_reference=f"Zarządzenie nr 655/{timeline.resolved.year} Prezydenta Miasta Dąbrowy Górniczej")

    # --- one contract's life -----------------------------------------------------------------------------

    def _contract(self, grant: Grant, offer: Offer, users, timeline: Timeline) -> Contract:
        officer, finance = users["urzednik"], users["skarbnik"]
        start, end = timeline.tasks[grant.stage]
        award = offer.award
        award.refresh_from_db()
        assert award.state == AwardState.READY_FOR_CONTRACT, award.state
        drafted = (timeline.after(timeline.today, -5, 9) if grant.stage == "drafted"
                   else _at(_previous_working_day(start - dt.timedelta(days=12)), 9))
        with _clock(drafted):
            contract = services.contract_draft(award=award, actor=officer)
            contract = services.contract_update_terms(contract, actor=officer, data={
                "authority_signatories": AUTHORITY_SIGNATORY, "countersigned_by": TREASURER,
                **_tranches(grant, contract, start, end, timeline.today)})
            services.contract_send_for_signature(contract, actor=officer)
        if grant.stage == "drafted":
            return contract
        signed_on = _previous_working_day(start - dt.timedelta(days=5))
        with _clock(_at(signed_on, 13)):
            signers = ", ".join(r["name"] for r in contract.representatives[0]["representatives"])
            for party in contract.representatives:
                actor = finance if party["key"] == "treasurer" else officer  # the paper contract, signed
                signer = {"organization": signers, "authority": AUTHORITY_SIGNATORY, "treasurer": TREASURER}
                services.signature_record(contract=contract, actor=actor, party_key=party["key"],
                                          signer=signer[party["key"]], signed_on=signed_on)
            contract = services.contract_sign(contract, actor=officer, signed_on=signed_on)
        tranches = list(contract.tranches.order_by("number"))
        for index, tranche in enumerate(tranches):
            if grant.stage == "active" and index == len(tranches) - 1:
                break  # the second tranche is due: the finance officer records it
            if tranche.due_on >= timeline.today:
                break
            with _clock(_at(tranche.due_on, 12)):
                services.tranche_record_payment(tranche, actor=finance, paid_on=tranche.due_on,
                                                amount=str(tranche.amount),
                                                reference=f"WB/{tranche.due_on:%Y/%m}/{contract.pk:04d}-{tranche.number}")
        if grant.stage == "active":
            return contract
        with _clock(_at(end + dt.timedelta(days=1), 6)):
            contract = services.contract_end(contract, actor=None)  # the scheduler, the day after the task
        report = contract.reports.get(kind=ReportKind.FINAL)
        self._report(grant, contract, report, users, start, end, timeline)
        return Contract.objects.get(pk=contract.pk)

    def _report(self, grant: Grant, contract: Contract, report: Report, users, start, end, timeline) -> None:
        finance = users["skarbnik"]
        ngo = users[grant.key]
        writer = users["redaktor"] if grant.key == "cis" else ngo
        lines = {spec[0]: line for spec, line in zip(grant.lines, contract.lines.order_by("position"), strict=True)}
        description, achieved, performed = ACHIEVED[grant.key]
        filled = {"report_requested": 8, "settling": 14, "return_due": 15}[grant.stage]
        with _clock(timeline.after(end, filled, 10)):
            services.report_save_section(report=report, actor=writer, key="results", base_revision=0, data={
                "description": description, "indicators": [{"achieved": value} for value in achieved]})
            done = list(performed)
            if grant.stage != "report_requested":
                done += ["Zrealizowano zgodnie z harmonogramem."] * (len(grant.actions) - len(done))
            services.report_save_section(report=report, actor=writer, key="actions", base_revision=0, data={
                "actions": [{"performed": text} for text in done]})
            for number, kind, issuer, what, amount, paid, shares in DOCUMENTS[grant.key]:
                day = (end - dt.timedelta(days=int(paid[4:]))) if isinstance(paid, str) else (
                    start + dt.timedelta(days=paid))
                day = min(max(day, start), end)
                services.document_save(report=report, actor=writer, data={
                    "number": number.format(y=day.year), "kind": kind, "issuer": issuer, "description": what,
                    "issued_on": day.isoformat(), "paid_on": day.isoformat() if kind not in ("in_kind", "volunteer")
                    else "", "amount": amount,
                    "shares": [{"line": lines[key].pk, "source": source, "amount": share}
                               for key, source, share in shares]})
        if grant.stage == "report_requested":
            return  # the declarations and part of the actions are the organisation's to finish
        submitter = users["sekretarz"] if grant.key == "zielone" else ngo
        with _clock(timeline.after(end, filled + 2, 12)):
            services.report_save_section(report=report, actor=submitter, key="declarations", base_revision=0,
                                         data={"status_unchanged": True, "information_true": True,
                                               "procurement_followed": True})
            report = services.report_submit(report, actor=submitter)
        if grant.stage == "settling":
            return
        with _clock(timeline.after(timeline.today, -12, 10)):
            report = services.report_accept(report, actor=finance,
                                            note="Sprawozdanie przyjęte; rozliczenie dotacji w załączeniu.")
        with _clock(timeline.after(timeline.today, -10, 10)):
            settlement = services.settlement_compute(contract.settlement, actor=finance)
            services.settlement_conclude(settlement, actor=finance)


def _tranches(grant: Grant, contract: Contract, start: dt.date, end: dt.date, today: dt.date) -> dict[str, Any]:
    """One sum paid at the start; the active contract in two tranches (the second due now); a task
    crossing the new year gets one tranche per budget year (u.f.p. art. 221 ust. 3)."""
    amount = contract.grant
    if grant.stage != "active" and start.year == end.year:
        return {"payment_mode": "one_sum", "tranches": [{"due_on": start.isoformat(), "amount": str(amount)}]}
    first = (amount * Decimal("0.6")).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if start.year == end.year:
        second_due = max(start + dt.timedelta(days=1), _previous_working_day(today - dt.timedelta(days=1)))
    else:
        second_due = next_working_day(dt.date(end.year, 1, 2))
    return {"payment_mode": "tranches", "tranches": [
        {"due_on": start.isoformat(), "amount": str(first)},
        {"due_on": second_due.isoformat(), "amount": str(amount - first)}]}


def _interest_table() -> None:
    """The rate table and the rule, as the finance officer enters them in the back office (rows
    without a service of their own, each audited here as the authorities are in the base demo)."""
    from workflow.audit import audit_record

    for day, rate, source in INTEREST_RATES:
        row, created = InterestRate.objects.get_or_create(effective_from=day,
                                                          defaults={"rate": Decimal(rate), "source": source})
        if created:
            audit_record(subject=row, action="settlements.interest_rate.create", actor=None, actor_role="system",
                         payload={"effective_from": day, "rate": row.rate, "source": source, "by": "demo"})
    rule, created = InterestRule.objects.get_or_create(effective_from=INTEREST_RULE_FROM)
    if created:
        audit_record(subject=rule, action="settlements.interest_rule.create", actor=None, actor_role="system",
                     payload={"effective_from": INTEREST_RULE_FROM, "rounding": rule.rounding,
                              "threshold": rule.threshold, "allocation": rule.allocation, "by": "demo"})


def _announce(authority, officer, approver, timeline: Timeline) -> Competition:
    start, end = timeline.window
    year = timeline.tasks["return_due"][0].year
    competition = competition_create(
        authority=authority, actor=officer, reference=f"BOP.524.4.{timeline.announced.year}",
        title=f"Otwarty konkurs ofert na realizację zadań publicznych w {year} r. — {TITLE_SUFFIX}", year=year,
        task_type="Działalność wspomagająca organizacje pozarządowe i promocja wolontariatu; przeciwdziałanie "
                  "uzależnieniom i patologiom społecznym (art. 4 ust. 1 ustawy), w formie wspierania wykonania "
                  "zadania wraz z udzieleniem dotacji.",
        award_rules="Dotacje przyznaje Prezydent Miasta Dąbrowy Górniczej w drodze zarządzenia, po zapoznaniu się "
                    "z opinią komisji konkursowej (art. 15 ust. 2g). Wymagany wkład własny: co najmniej 5% "
                    "całkowitego kosztu zadania; koszty administracyjne do 10%. Pozycja kosztorysu finansowana "
                    "z dotacji może wzrosnąć bez aneksu o 10%.",
        performance_terms="Zadania realizowane w terminach podanych w ofertach, w oknie określonym przy każdym "
                          "zadaniu, na podstawie umowy według wzoru z rozporządzenia (Dz.U. 2018 poz. 2057). "
                          "Sprawozdanie końcowe w terminie 30 dni od zakończenia zadania (art. 18 ust. 1).",
        submission_deadline=timeline.deadline,
        selection_procedure="Oferty sprawdza pod względem formalnym Biuro Organizacji Pozarządowych; oferty "
                            "poprawne formalnie opiniuje komisja konkursowa z udziałem osoby wskazanej przez "
                            "Radę Działalności Pożytku Publicznego (art. 15 ust. 2a–2d), według kryteriów "
                            "z art. 15 ust. 1. Do dotacji mogą być rekomendowane oferty, które uzyskają co "
                            "najmniej 60% maksymalnej liczby punktów.",
        selection_date=timeline.resolved, remedy_days=7,
    )
    areas = [
        competition_item_save(
            competition=competition, actor=officer, model=TaskArea, competition_id=competition.pk, number=1,
            name="Wspieranie organizacji pozarządowych i wolontariatu", sphere=PublicTaskSphere.NGO_SUPPORT,
            form=TaskForm.SUPPORT, budget=Decimal("100000.00"), max_grant=Decimal("30000.00"),
            min_own_contribution_pct=Decimal("5.00"), max_admin_costs_pct=Decimal("10.00"),
            window_start=start, window_end=end, pass_threshold_pct=Decimal("60.00")),
        competition_item_save(
            competition=competition, actor=officer, model=TaskArea, competition_id=competition.pk, number=2,
            name="Grupy wsparcia i profilaktyka uzależnień", sphere=PublicTaskSphere.ADDICTIONS,
            form=TaskForm.SUPPORT, budget=Decimal("40000.00"), max_grant=Decimal("25000.00"),
            min_own_contribution_pct=Decimal("5.00"), max_admin_costs_pct=Decimal("10.00"),
            window_start=start, window_end=end, pass_threshold_pct=Decimal("60.00")),
    ]
    for area in areas:
        for order, (name, description, points, basis) in enumerate(CRITERIA, start=1):
            competition_item_save(competition=competition, actor=officer, model=Criterion, task_area=area,
                                  order=order, name=name, description=description, max_points=Decimal(points),
                                  statutory_basis=basis)
    for order, (text, remediable) in enumerate(CHECKLIST, start=1):
        competition_item_save(competition=competition, actor=officer, model=ChecklistItem,
                              competition_id=competition.pk, order=order, text=text, remediable=remediable)
    # art. 13 ust. 2 pkt 7: same-type tasks of this and the previous year, with their costs
    for year, cost in ((timeline.announced.year - 1, "126000.00"), (timeline.announced.year, "131000.00")):
        competition_item_save(competition=competition, actor=officer, model=PriorFunding,
                              competition_id=competition.pk, year=year,
                              description="Wspieranie organizacji pozarządowych, wolontariat i profilaktyka "
                                          "uzależnień", total_cost=Decimal(cost), grants_to_ngos=Decimal(cost))
    return transition(competition, "approve", actor=approver,
                      approval_reference=f"Zarządzenie nr 118/{timeline.announced.year} Prezydenta Miasta "
                                         "Dąbrowy Górniczej")


def demo_states() -> dict[str, tuple[str, str | None, str | None]]:
    """The stage of each demo contract: (contract state, final report state, settlement state)."""
    result = {}
    for stage, contract in SettlementDemo().contracts().items():
        report = contract.reports.filter(kind=ReportKind.FINAL).first()
        settlement = getattr(contract, "settlement", None)
        result[stage] = (contract.state, report.state if report else None, settlement.state if settlement else None)
    return result


EXPECTED_STATES = {
    "drafted": (ContractState.DRAFTED, None, None),
    "active": (ContractState.ACTIVE, None, None),
    "report_requested": (ContractState.IMPLEMENTATION_ENDED, ReportState.REQUESTED, None),
    "settling": (ContractState.SETTLING, ReportState.SUBMITTED, None),
    "return_due": (ContractState.SETTLING, ReportState.ACCEPTED, SettlementState.RETURN_DUE),
}
