"""The evaluation's part of the demo (offers/demo.py, `manage.py load_demo`).

A second competition of Gmina Miejska Dąbrowa Górnicza that was announced, published and
closed in the past: its offers were filed, formally checked (one after a call to remedy), a
committee of three officials and two NGO delegates of the Public Benefit Council (art. 15
ust. 2a; ../shared/DEMO.md) was appointed, declared impartiality (one conflict) and has scored
part of the offers. It is left in merit review, so the committee member's login has offers to
declare for and score, and the chair's login sees a progress that does not yet reach the quorum.

Everything goes through the services, as in the base demo. The past is real, not back-dated:
each step runs with the clock set to its day (`_clock`), so the 21 days of art. 13 ust. 1, the
deadline cut by the clock, the call to remedy counted on the KPA calendar and every audit
event's time hold as they would have when it happened.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone, translation

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
from offers.demo import (
    CHECKLIST,
    CRITERIA,
    DABROWA,
    YEAR,
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
from offers.services import offer_save_section, offer_submit
from workflow.calendar import WARSAW, next_working_day
from workflow.clock import frozen_at
from workflow.services import transition

from . import services
from .models import DeclarationState, Evaluation, SeatKind, SeatRole

TITLE = (f"Otwarty konkurs ofert na realizację zadań publicznych w {YEAR} r. — aktywność seniorów i integracja "
         "osób z niepełnosprawnościami")
COUNCIL = "Rada Działalności Pożytku Publicznego Miasta Dąbrowy Górniczej"
COMMITTEE = "komisja"

COMMITTEE_USERS: tuple[DemoUser, ...] = (
    DemoUser("przewodniczacy", "Andrzej", "Wróbel", COMMITTEE, "committee_chair",
             "chairs the committee of the second (closed) competition: sees who has scored what, the spread "
             "and leniency, reopens sheets; closes scoring once the quorum is reached", "Naczelnik BOP"),
    DemoUser("komisja1", "Beata", "Michalska", COMMITTEE, "committee_member",
             "NGO delegate of the Public Benefit Council on that committee (art. 15 ust. 2a): has still to "
             "declare impartiality for the five offers and score them", "Delegatka RDPP"),
)
# The other members: people without a published demo login.
MEMBERS = (
    ("k.dudek", "Katarzyna", "Dudek", SeatRole.SECRETARY, SeatKind.AUTHORITY),
    ("p.zajac", "Paweł", "Zając", SeatRole.MEMBER, SeatKind.AUTHORITY),
    ("r.kaczmarek", "Robert", "Kaczmarek", SeatRole.MEMBER, SeatKind.NGO_NOMINEE),
)

# --- the clock --------------------------------------------------------------------------------------

def _clock(moment: dt.datetime):
    """Run a step of the demo's past at `moment` (workflow.clock.frozen_at)."""
    return frozen_at(moment)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WARSAW)


# --- the offers as their authors typed them ------------------------------------------------------------


def _content(title: str, synthesis: str, actions: list, results: tuple, capacity: tuple, lines: list,
             sources: dict) -> dict[str, dict]:
    return {
        "task": {"title": title, "start": f"{YEAR}-03-01", "end": f"{YEAR}-11-30", "place": "Dąbrowa Górnicza",
                 "synthesis": synthesis},
        "schedule": {"actions": actions},
        "results": {"expected_results": results[0], "indicators": list(results[1:])},
        "capacity": {"prior_activity": capacity[0], "resources": capacity[1]},
        "costs": {"lines": lines},
        "sources": sources,
        "other": {"paid_activity": "unpaid"},
    }


def _two_actions(first: tuple[str, str, str], second: tuple[str, str, str]) -> list:
    return [_action("a1", first[0], first[1], first[2], f"{YEAR}-03-01", f"{YEAR}-06-30"),
            _action("a2", second[0], second[1], second[2], f"{YEAR}-07-01", f"{YEAR}-11-30")]


OFFERS: tuple[tuple[str, int, dict[str, dict]], ...] = (
    ("utw", 1, _content(
        "Senior i junior — wolontariat międzypokoleniowy",
        "Studenci UTW i licealiści wspólnie prowadzą warsztaty i akcje sąsiedzkie.",
        _two_actions(("Warsztaty międzypokoleniowe", "Dwanaście warsztatów prowadzonych wspólnie.",
                      "seniorzy i młodzież"),
                     ("Akcje sąsiedzkie", "Osiem akcji na osiedlach.", "mieszkańcy osiedli")),
        ("40 seniorów i 30 uczniów w 12 warsztatach i 8 akcjach.", _indicator("Warsztaty", "12", "listy obecności"),
         _indicator("Akcje sąsiedzkie", "8", "dokumentacja zdjęciowa")),
        ("UTW działa od 2006 r.; prowadzi zajęcia dla 300 słuchaczy.", "Sala UTW, 6 wolontariuszy."),
        [_line("c1", "action", "a1", "Prowadzący warsztaty", "godz.", "120.00", "48", "5760.00"),
         _line("c2", "action", "a1", "Materiały warsztatowe", "komplet", "30.00", "40", "1200.00"),
         _line("c3", "action", "a2", "Wynajem sali na akcje sąsiedzkie", "wydarzenie", "200.00", "8", "1200.00"),
         _line("c4", "action", "a2", "Praca wolontariuszy (wkład osobowy)", "godz.", "35.00", "60", "0"),
         _line("c5", "admin", "", "Koordynacja", "mies.", "140.00", "8", "1120.00")],
        {"own_financial": "400.00", "personal": "2100.00"})),
    ("cis", 1, _content(
        "Seniorzy w sieci — wolontariusze cyfrowi dla seniorów",
        "Wolontariusze uczą seniorów bezpiecznego korzystania z internetu, bankowości i e-usług.",
        _two_actions(("Kursy kompetencji cyfrowych", "Sześćdziesiąt godzin zajęć w sali komputerowej.",
                      "seniorzy"),
                     ("Dyżury wolontariuszy cyfrowych", "Pomoc indywidualna w bibliotekach.", "seniorzy")),
        ("60 seniorów po kursie, 120 porad.", _indicator("Uczestnicy kursu", "60", "listy obecności"),
         _indicator("Porady indywidualne", "120", "rejestr dyżurów")),
        ("Od lat prowadzimy centrum wolontariatu.", "Trener, koordynator, 15 wolontariuszy."),
        [_line("c1", "action", "a1", "Trener kompetencji cyfrowych", "godz.", "120.00", "60", "7200.00"),
         _line("c2", "action", "a1", "Wynajem sali komputerowej", "godz.", "50.00", "60", "2500.00"),
         _line("c3", "action", "a2", "Koordynator wolontariuszy cyfrowych", "mies.", "800.00", "6", "4800.00"),
         _line("c4", "action", "a2", "Praca wolontariuszy (wkład osobowy)", "godz.", "40.00", "80", "0"),
         _line("c5", "admin", "", "Obsługa księgowa", "mies.", "250.00", "6", "1500.00")],
        {"own_financial": "500.00", "personal": "3200.00"})),
    ("zielone", 1, _content(
        "Ogród społeczny seniorów na Gołonogu",
        "Seniorzy z sąsiadami zakładają i prowadzą ogród społeczny; warsztaty zdrowego żywienia.",
        _two_actions(("Założenie ogrodu", "Skrzynie, sadzonki i prace z ogrodnikiem-animatorem.", "seniorzy"),
                     ("Warsztaty zdrowego żywienia", "Sześć warsztatów w ogrodzie.", "seniorzy i sąsiedzi")),
        ("Ogród dla 35 seniorów, 6 warsztatów.", _indicator("Uczestnicy", "35", "listy obecności"),
         _indicator("Warsztaty", "6", "listy obecności")),
        ("Prowadzimy inkubator organizacji i projekty ekologiczne.", "Ogrodnik-animator, lokal z wodą."),
        [_line("c1", "action", "a1", "Ogrodnik-animator", "godz.", "90.00", "100", "9000.00"),
         _line("c2", "action", "a1", "Sadzonki, narzędzia i skrzynie", "komplet", "3500.00", "1", "3000.00"),
         _line("c3", "action", "a2", "Warsztaty zdrowego żywienia", "warsztat", "400.00", "6", "2400.00"),
         _line("c4", "action", "a2", "Lokal i woda (wkład rzeczowy)", "mies.", "200.00", "7", "0"),
         _line("c5", "admin", "", "Koordynacja", "mies.", "250.00", "7", "1750.00")],
        {"own_financial": "500.00", "in_kind": "1400.00"})),
    ("cisza", 2, _content(
        "Tłumacz PJM na telefon — dyżury wideo dla osób głuchych",
        "Tłumacz polskiego języka migowego dyżuruje przez wideopołączenie; spotkania w szkołach.",
        _two_actions(("Dyżury wideotłumacza PJM", "150 godzin dyżurów.", "osoby głuche"),
                     ("Spotkania informacyjne", "Osiem spotkań w szkołach.", "uczniowie i nauczyciele")),
        ("150 godzin tłumaczeń, 8 spotkań.", _indicator("Godziny dyżurów", "150", "rejestr połączeń"),
         _indicator("Spotkania", "8", "listy obecności")),
        ("Prowadzimy grupy wsparcia i kursy PJM.", "Tłumacz PJM, sprzęt do wideopołączeń."),
        [_line("c1", "action", "a1", "Tłumacz PJM — dyżury wideo", "godz.", "110.00", "150", "16500.00"),
         _line("c2", "action", "a1", "Sprzęt i łącze do wideotłumaczeń", "usługa", "1800.00", "1", "1500.00"),
         _line("c3", "action", "a2", "Spotkania informacyjne w szkołach", "spotkanie", "250.00", "8", "2000.00"),
         _line("c4", "action", "a2", "Praca wolontariuszy (wkład osobowy)", "godz.", "35.00", "40", "0"),
         _line("c5", "admin", "", "Obsługa księgowa", "mies.", "200.00", "9", "1800.00")],
        {"own_financial": "300.00", "personal": "1400.00"})),
    ("ster", 2, _content(
        "Razem bez barier — grupa wsparcia dla osób z niepełnosprawnościami i ich bliskich",
        "Spotkania grupy wsparcia z psychologiem i wyjazd integracyjny.",
        _two_actions(("Grupa wsparcia", "Dwadzieścia spotkań z psychologiem.", "osoby z niepełnosprawnościami"),
                     ("Wyjazd integracyjny", "Jednodniowy wyjazd z bliskimi.", "uczestnicy grupy i rodziny")),
        ("20 spotkań, 25 uczestników, wyjazd integracyjny.", _indicator("Spotkania", "20", "listy obecności"),
         _indicator("Uczestnicy", "25", "listy obecności")),
        ("Prowadzimy grupy wsparcia od wielu lat.", "Psycholog, sala klubu."),
        [_line("c1", "action", "a1", "Psycholog — spotkania grupy wsparcia", "godz.", "150.00", "40", "6000.00"),
         _line("c2", "action", "a1", "Wynajem sali", "spotkanie", "100.00", "20", "1600.00"),
         _line("c3", "action", "a2", "Wyjazd integracyjny — transport", "usługa", "2500.00", "1", "2500.00"),
         _line("c4", "action", "a2", "Praca wolontariuszy (wkład osobowy)", "godz.", "35.00", "30", "0"),
         _line("c5", "admin", "", "Koordynacja", "mies.", "120.00", "10", "1200.00")],
        {"own_financial": "400.00", "personal": "1050.00"})),
)

# Points per criterion (the six of art. 15 ust. 1: 10, 10, 10, 5, 5, 5) as each member gave them;
# "draft" sheets are saved and not submitted. The member not listed for an offer has not scored it.
SCORES: dict[str, dict[str, tuple[tuple[int, ...], bool]]] = {
    "przewodniczacy": {"utw": ((8, 8, 9, 4, 5, 4), True), "cis": ((9, 7, 8, 3, 5, 4), True),
                       "zielone": ((7, 8, 7, 3, 4, 3), True), "cisza": ((9, 9, 9, 4, 4, 5), True),
                       "ster": ((6, 7, 6, 3, 3, 3), True)},
    "k.dudek": {"utw": ((7, 8, 8, 4, 5, 4), True), "cis": ((8, 7, 8, 3, 4, 4), True),
                "zielone": ((7, 7, 7, 3, 4, 3), True), "cisza": ((9, 8, 9, 4, 4, 5), False)},
    "p.zajac": {"utw": ((8, 7, 8, 3, 5, 4), True), "cis": ((8, 6, 7, 3, 4, 4), False)},
    "r.kaczmarek": {"utw": ((9, 8, 9, 4, 5, 5), True)},
}
CONFLICT = ("p.zajac", "zielone", "Jest członkiem Stowarzyszenia Zielone Zagłębie.")


# --- the part -------------------------------------------------------------------------------------------


class EvaluationDemo:
    key = "evaluation"
    users = COMMITTEE_USERS

    def competition(self) -> Competition | None:
        return Competition.objects.filter(authority__slug=DABROWA, title=TITLE).first()

    def status(self) -> str:
        names = [u.username for u in COMMITTEE_USERS] + [m[0] for m in MEMBERS]
        found = get_user_model().objects.filter(username__in=names).count() + (1 if self.competition() else 0)
        return "absent" if not found else "loaded" if found == len(names) + 1 else "partial"

    def describe(self) -> list[str]:
        competition = self.competition()
        if competition is None or not hasattr(competition, "evaluation"):
            return []
        evaluation = competition.evaluation
        closed_on = timezone.localtime(competition.submission_deadline, WARSAW)
        with translation.override("en"):  # the console speaks English, as the rest of load_demo's output
            state = str(evaluation.get_state_display())
        return [f"“{competition.title}” closed on {closed_on:%d.%m.%Y}"
                f" and is in {state}: przewodniczacy chairs its committee, komisja1 has "
                "offers to declare for and score."]

    def load(self, context: DemoContext) -> DemoSummary:
        users = context.users
        officer, approver = users["urzednik"], users["prezydent"]
        authority = context.authorities[DABROWA]
        people = {spec.username: demo_user_create(spec) for spec in COMMITTEE_USERS}
        for username, first, last, _role, _kind in MEMBERS:
            people[username] = demo_user_create(DemoUser(username, first, last, COMMITTEE, "", ""), password=None)
        # the announcement two months ago, the deadline three weeks and more after its publication
        announced = context.today - dt.timedelta(days=60)
        deadline = _at(next_working_day(announced + dt.timedelta(days=26)), 15, 30)
        with _clock(_at(announced, 9)):
            competition = _announce(authority, officer, approver, announced, deadline)
        with _clock(_at(announced + dt.timedelta(days=1), 10)):
            for channel, day in ((Channel.BIP, 0), (Channel.WEBSITE, 0), (Channel.NOTICEBOARD, 1)):
                publication_record(competition=competition, actor=officer, channel=channel,
                                   published_on=announced + dt.timedelta(days=day),
                                   url=f"https://dabrowa-gornicza.example.org/bip/konkursy/{YEAR}-3"
                                   if channel != Channel.NOTICEBOARD else "")
            competition = transition(competition, "publish", actor=officer)
        areas = {area.number: area for area in competition.task_areas.all()}
        offers: dict[str, Offer] = {}
        filed = deadline.date() - dt.timedelta(days=3)
        for index, (key, area, content) in enumerate(OFFERS):
            admin = users[key]  # each organisation's administrator logs in under its key
            with _clock(_at(filed, 10 + index)):
                offer = _file(area=areas[area], organization=context.organizations[key], actor=admin,
                              content=content)
                offers[key] = offer_submit(offer, actor=admin)
        with _clock(deadline + dt.timedelta(minutes=1)):
            competition = transition(competition, "close_submissions", actor=None)  # the scheduler, at the deadline
        evaluation = self._formal_check(competition, officer, users["cis"], offers, deadline)
        evaluation = self._committee(competition, evaluation, officer, people, deadline)
        self._scores(people, offers, deadline)
        return DemoSummary(users=len(COMMITTEE_USERS), competitions=[competition], offers=list(offers.values()))

    def _formal_check(self, competition, officer, cis, offers, deadline) -> Evaluation:
        day = deadline.date()
        items = list(competition.checklist.order_by("order"))
        signatures = next(i for i in items if i.text.startswith("Oświadczenia z części VII"))
        with _clock(_at(day + dt.timedelta(days=1), 9)):
            evaluation = services.evaluation_start(competition=competition, actor=officer)
            for key, offer in offers.items():
                check = offer.formal_check
                results = {i.pk: ("met", "") for i in items}
                if key == "cis":  # one signature of the two the KRS requires is missing
                    results[signatures.pk] = ("defect", "Oświadczenia podpisała jedna osoba; zgodnie z KRS "
                                                        "stowarzyszenie reprezentują dwie osoby łącznie.")
                services.formal_check_record(check=check, actor=officer, results=results)
                if key != "cis":
                    services.formal_check_accept(check, actor=officer)
            check = services.formal_check_request_remedy(
                offers["cis"].formal_check, actor=officer, sections=["declarations"],
                message="Proszę o podpisanie oświadczeń w części VII oferty przez drugą osobę upoważnioną do "
                        "reprezentacji stowarzyszenia.")
        with _clock(_at(day + dt.timedelta(days=3), 14)):
            offer = offers["cis"]
            section = offer.sections.get(key="declarations")
            data = {**section.data, "signatories": [*section.data.get("signatories", []),
                                                    {"name": "Piotr Szymański", "function": "Wiceprezes Zarządu"}]}
            offer_save_section(offer=offer, actor=cis, key="declarations", data=data, base_revision=section.revision)
            check = services.formal_check_remedy(check, actor=cis)
        with _clock(_at(day + dt.timedelta(days=4), 9)):
            services.formal_check_record(check=check, actor=officer,
                                         results={signatures.pk: ("met", "Uzupełniono w terminie.")})
            services.formal_check_accept(check, actor=officer)
        return Evaluation.objects.get(pk=evaluation.pk)

    def _committee(self, competition, evaluation, officer, people, deadline) -> Evaluation:
        day = deadline.date()
        committee = competition.committee
        with _clock(_at(day + dt.timedelta(days=6), 10)):
            services.seat_add(committee=committee, actor=officer, user=people["przewodniczacy"], role=SeatRole.CHAIR)
            for username, _first, _last, role, kind in MEMBERS[:2]:
                services.seat_add(committee=committee, actor=officer, user=people[username], role=role, kind=kind)
            for username in ("komisja1", "r.kaczmarek"):
                # art. 15 ust. 2a, 2d: delegates of the Council, not nominated by any offeror
                services.seat_add(committee=committee, actor=officer, user=people[username],
                                  kind=SeatKind.NGO_NOMINEE, nominated_by_name=COUNCIL)
            services.committee_appoint(committee, actor=officer,
                                       appointment_reference=f"Zarządzenie nr 2214/{day.year} Prezydenta Miasta "
                                                             "Dąbrowy Górniczej")
        with _clock(_at(day + dt.timedelta(days=7), 9)):
            return services.evaluation_start_merit_review(evaluation, actor=officer)

    def _scores(self, people, offers, deadline) -> None:
        day = deadline.date()
        criteria_of = {offer.task_area_id: list(Criterion.objects.filter(task_area_id=offer.task_area_id)
                                                .order_by("order")) for offer in offers.values()}
        for step, (username, sheets) in enumerate(SCORES.items()):
            user = people[username]
            seat = user.seats.get()
            with _clock(_at(day + dt.timedelta(days=8 + step), 11)):
                for key, offer in offers.items():
                    declaration = seat.declarations.get(offer=offer)
                    if (username, key) == CONFLICT[:2]:
                        services.declaration_make(declaration, actor=user, impartial=False, ground=CONFLICT[2])
                    elif key in sheets or username == "r.kaczmarek" and offer.task_area.number == 1:
                        services.declaration_make(declaration, actor=user, impartial=True)
                for key, (points, submit) in sheets.items():
                    offer = offers[key]
                    scores = {c.pk: {"points": str(p), "comment": ""} for c, p in zip(
                        criteria_of[offer.task_area_id], points, strict=True)}
                    sheet = services.scores_save(seat=seat, offer=offer, actor=user, scores=scores,
                                                 comment="Oferta spójna; koszty adekwatne do zakresu działań.")
                    if submit:
                        services.sheet_submit(sheet, actor=user)
        assert not people["komisja1"].seats.get().declarations.exclude(state=DeclarationState.PENDING).exists()


def _announce(authority, officer, approver, announced: dt.date, deadline: dt.datetime) -> Competition:
    competition = competition_create(
        authority=authority, actor=officer, reference=f"BOP.524.3.{announced.year}", title=TITLE, year=YEAR,
        task_type="Działalność na rzecz osób w wieku emerytalnym oraz na rzecz osób z niepełnosprawnościami "
                  "(art. 4 ust. 1 ustawy), w formie wspierania wykonania zadania wraz z udzieleniem dotacji.",
        award_rules="Dotacje przyznaje Prezydent Miasta Dąbrowy Górniczej w drodze zarządzenia, po zapoznaniu "
                    "się z opinią komisji konkursowej (art. 15 ust. 2g). Wymagany wkład własny: co najmniej 5% "
                    "całkowitego kosztu zadania; koszty administracyjne do 10%.",
        performance_terms=f"Zadania realizowane od 1 marca do 30 listopada {YEAR} r. na rzecz mieszkańców "
                          "Dąbrowy Górniczej, na podstawie umowy według wzoru z rozporządzenia "
                          "(Dz.U. 2018 poz. 2057).",
        submission_deadline=deadline,
        selection_procedure="Oferty sprawdza pod względem formalnym Biuro Organizacji Pozarządowych; oferty "
                            "poprawne formalnie opiniuje komisja konkursowa: trzech przedstawicieli Prezydenta "
                            "Miasta i dwie osoby wskazane przez Radę Działalności Pożytku Publicznego "
                            "(art. 15 ust. 2a–2d), według kryteriów z art. 15 ust. 1. Do dotacji mogą być "
                            "rekomendowane oferty, które uzyskają co najmniej 60% maksymalnej liczby punktów.",
        selection_date=(deadline + dt.timedelta(days=45)).date(), remedy_days=7,
    )
    areas = [
        competition_item_save(
            competition=competition, actor=officer, model=TaskArea, competition_id=competition.pk, number=1,
            name="Aktywność społeczna seniorów i wolontariat międzypokoleniowy", sphere=PublicTaskSphere.SENIORS,
            form=TaskForm.SUPPORT, budget=Decimal("60000.00"), max_grant=Decimal("20000.00"),
            min_own_contribution_pct=Decimal("5.00"), max_admin_costs_pct=Decimal("10.00"),
            window_start=dt.date(YEAR, 2, 1), window_end=dt.date(YEAR, 12, 15), pass_threshold_pct=Decimal("60.00")),
        competition_item_save(
            competition=competition, actor=officer, model=TaskArea, competition_id=competition.pk, number=2,
            name="Integracja osób z niepełnosprawnościami i grupy samopomocowe",
            sphere=PublicTaskSphere.DISABILITY, form=TaskForm.SUPPORT, budget=Decimal("50000.00"),
            max_grant=Decimal("25000.00"), min_own_contribution_pct=Decimal("5.00"),
            max_admin_costs_pct=Decimal("10.00"), window_start=dt.date(YEAR, 2, 1),
            window_end=dt.date(YEAR, 12, 15), pass_threshold_pct=Decimal("60.00")),
    ]
    for area in areas:
        saved = [competition_item_save(competition=competition, actor=officer, model=Criterion, task_area=area,
                                       order=order, name=name, description=description, max_points=Decimal(points),
                                       statutory_basis=basis)
                 for order, (name, description, points, basis) in enumerate(CRITERIA, start=1)]
        # the tie-break rule of the announcement: the cost calculation first (art. 15 ust. 1 pkt 2)
        competition_item_save(competition=competition, actor=officer, model=TaskArea, instance=area,
                              tie_break_criterion=saved[1])
    for order, (text, remediable) in enumerate(CHECKLIST, start=1):
        competition_item_save(competition=competition, actor=officer, model=ChecklistItem,
                              competition_id=competition.pk, order=order, text=text, remediable=remediable)
    for year, cost in ((announced.year - 1, "104000.00"), (announced.year, "108000.00")):
        competition_item_save(competition=competition, actor=officer, model=PriorFunding,
                              competition_id=competition.pk, year=year,
                              description="Aktywność seniorów i integracja osób z niepełnosprawnościami",
                              total_cost=Decimal(cost), grants_to_ngos=Decimal(cost))
    return transition(competition, "approve", actor=approver,
                      approval_reference=f"Zarządzenie nr 1702/{announced.year} Prezydenta Miasta Dąbrowy "
                                         "Górniczej")

