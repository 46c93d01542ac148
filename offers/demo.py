"""The demo that `make run` loads (`manage.py load_demo`).

Names, amounts and scale come from ../shared/DEMO.md: published descriptions of the
cooperation between Polish local governments and NGOs. Every identifier (KRS, NIP,
REGON, bank account) is generated with valid check digits from a fixed seed and is
not a real one; every e-mail address is at example.org.

Everything is built through the services, exactly as a person would build it through
the pages, so every demo row has its audit trail: roles granted with
`authority_grant_role`, the announcement written with `competition_create` and
`competition_item_save`, approved and published through `workflow.services.transition`,
organisations registered, offers drafted section by section and submitted. The only
rows written without a service are the users themselves and the two authorities,
which have no service of their own (they are set up in the back office); the demo
writes an audit event for each authority too.

Dates follow today's date: the announcement appeared on the three channels two and
three days ago and offers are accepted until a working day about 25 days ahead, so the
21 days of art. 13 ust. 1 hold and the demo competition is open whenever it is loaded.

Later stages add their own part (evaluation: a second competition, closed, in merit review)
through the `demo_parts` signal, so that this module never imports them (dependencies point
one way). Each part creates its own logins, tells whether it is loaded, and is added to a
database that already holds the base demo.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from competitions.models import (
    AttachmentRequirement,
    Authority,
    AuthorityKind,
    AuthorityRole,
    Channel,
    ChecklistItem,
    Competition,
    Criterion,
    ExtraQuestion,
    PriorFunding,
    PublicTaskSphere,
    RequiredAttachment,
    TaskArea,
    TaskForm,
)
from competitions.services import (
    authority_grant_role,
    competition_create,
    competition_item_save,
    publication_record,
)
from workflow.audit import audit_record
from workflow.calendar import WARSAW, next_working_day
from workflow.clock import frozen_at
from workflow.services import transition

from .identifiers import generate_bank_account, generate_krs, generate_nip, generate_regon
from .models import LegalForm, Offer, Organization, RepresentationRole
from .services import (
    offer_create,
    offer_save_section,
    offer_submit,
    offer_withdraw,
    organization_register,
    representation_set,
)

DEMO_PASSWORD = "demo-pozytek-2027"  # noqa: S105 - the published password of the demo's logins
SEED = 20270601
YEAR = 2027  # the budget year the demo competitions commission tasks for
DEADLINE_IN_DAYS = 25
DEADLINE_TIME = dt.time(15, 30)
MAIN_TITLE = ("Otwarty konkurs ofert na realizację zadań publicznych w 2027 r. — wspieranie rozwoju "
              "społeczeństwa obywatelskiego")

DABROWA, ZORY = "dabrowa-gornicza", "zory"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    where: str  # an authority slug or an organisation key
    role: str
    can: str
    function: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# One login per role. The table that `load_demo` prints and the README shows.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("urzednik", "Ewa", "Zielińska", DABROWA, AuthorityRole.OFFICER,
             "writes and publishes announcements, records publications, extends deadlines, sees the offers "
             "after the deadline (Dąbrowa Górnicza only)"),
    DemoUser("prezydent", "Marek", "Kowalczyk", DABROWA, AuthorityRole.APPROVER,
             "approves announcements (zarządzenie), cancels competitions (art. 18a)"),
    DemoUser("skarbnik", "Barbara", "Lewandowska", DABROWA, AuthorityRole.FINANCE,
             "finance officer: records grant payments, verifies reports, computes settlements and records returns "
             "(the decided competition's contracts; the dashboard under Finance)"),
    DemoUser("urzednik-zory", "Tomasz", "Mazur", ZORY, AuthorityRole.OFFICER,
             "officer of Miasto Żory: sees only Żory's draft competition, nothing of Dąbrowa Górnicza's"),
    DemoUser("cis", "Agnieszka", "Kamińska", "cis", RepresentationRole.ADMIN,
             "administers Stowarzyszenie CIS Mysłowice: profile, people, drafts and submits offers "
             "(one submitted, one draft; one more in the closed competition)", "Prezes Zarządu"),
    DemoUser("redaktor", "Piotr", "Szymański", "cis", RepresentationRole.EDITOR,
             "drafts CIS Mysłowice's offers but may not submit them", "Koordynator projektów"),
    DemoUser("zielone", "Michał", "Jankowski", "zielone", RepresentationRole.ADMIN,
             "administers Stowarzyszenie Zielone Zagłębie (one submitted offer in each competition)",
             "Prezes Zarządu"),
    DemoUser("sekretarz", "Magdalena", "Wojciechowska", "zielone", RepresentationRole.SIGNATORY,
             "signs and submits Zielone Zagłębie's offers; cannot change its profile or people",
             "Sekretarz Zarządu"),
    DemoUser("progress", "Joanna", "Wiśniewska", "progress", RepresentationRole.ADMIN,
             "administers Stowarzyszenie „Progress” (a draft with budget errors at their lines)",
             "Prezes Zarządu"),
    DemoUser("cisza", "Aleksandra", "Krawczyk", "cisza", RepresentationRole.ADMIN,
             "administers Stowarzyszenie „W świecie ciszy” (one submitted offer in each competition)",
             "Prezes Zarządu"),
    DemoUser("ster", "Krzysztof", "Piotrowski", "ster", RepresentationRole.ADMIN,
             "administers Klub Abstynentów „STER” (an offer submitted and withdrawn; one in the closed "
             "competition)", "Prezes Zarządu"),
    DemoUser("utw", "Halina", "Grabowska", "utw", RepresentationRole.ADMIN,
             "administers Uniwersytet Trzeciego Wieku, an ordinary association outside the KRS "
             "(a half-filled draft; an offer in the closed competition)", "Przedstawiciel"),
    DemoUser("admin", "Jan", "Administrator", "", "superuser", "the Django admin back office at /admin/"),
)
AUTHORITY_SLUGS = (DABROWA, ZORY)


@dataclass
class DemoSummary:
    users: int = 0
    authorities: int = 0
    competitions: list[Competition] = field(default_factory=list)
    organizations: int = 0
    offers: list[Offer] = field(default_factory=list)


@dataclass
class DemoContext:
    """What a later stage's part of the demo builds on: the base demo's rows."""

    today: dt.date
    users: dict[str, Any]
    authorities: dict[str, Authority]
    organizations: dict[str, Organization]


# A receiver returns a part of the demo: an object with `key`, `users` (DemoUser rows for the
# logins table), `status()` ("absent", "loaded" or "partial"), `load(context) -> DemoSummary`
# and `describe() -> list[str]` (lines for `load_demo` to print).
demo_parts = Signal()


def demo_extensions() -> list[Any]:
    return [part for _receiver, part in demo_parts.send(sender=DemoContext) if part is not None]


def all_demo_users() -> tuple[DemoUser, ...]:
    """Every login of the demo: the base's and the later stages' parts'."""
    return DEMO_USERS + tuple(user for part in demo_extensions() for user in part.users)


def demo_context(today: dt.date | None = None) -> DemoContext:
    """The base demo's rows, read back from a database where it is loaded."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[s.username for s in DEMO_USERS])}
    authorities = {a.slug: a for a in Authority.objects.filter(slug__in=AUTHORITY_SLUGS)}
    names = {spec["name"]: key for key, spec in ORGANIZATIONS.items()}
    organizations = {names[o.name]: o for o in Organization.objects.filter(name__in=names)}
    return DemoContext(today or timezone.localdate(), users, authorities, organizations)


def demo_user_create(spec: DemoUser, *, password: str | None = DEMO_PASSWORD):
    """A login of a later stage's part (password None: a person without a demo login)."""
    return get_user_model().objects.create(
        username=spec.username, first_name=spec.first_name, last_name=spec.last_name,
        email=f"{spec.username}@example.org", password=make_password(password))


def demo_collisions() -> list[str]:
    """The demo's logins and authority slugs that already exist."""
    usernames = [u.username for u in DEMO_USERS]
    found = list(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
    return found + list(Authority.objects.filter(slug__in=AUTHORITY_SLUGS).values_list("slug", flat=True))


def demo_status() -> str:
    """"absent", "loaded", or "partial" (some of the demo's logins or authorities exist, not all)."""
    existing = demo_collisions()
    if not existing:
        return "absent"
    if len(existing) == len(DEMO_USERS) + len(AUTHORITY_SLUGS):
        return "loaded"
    return "partial"


def main_competition() -> Competition | None:
    return Competition.objects.filter(authority__slug=DABROWA, title=MAIN_TITLE).first()


# --- the people ------------------------------------------------------------------------------------


def _create_users() -> dict[str, Any]:
    model = get_user_model()
    hashed = make_password(DEMO_PASSWORD)  # hashed once: the demo's logins share one password
    users = {}
    for spec in DEMO_USERS:
        superuser = spec.role == "superuser"
        users[spec.username] = model.objects.create(
            username=spec.username, first_name=spec.first_name, last_name=spec.last_name,
            email=f"{spec.username}@example.org", password=hashed, is_staff=superuser, is_superuser=superuser)
    return users


def _create_authority(**fields: Any) -> Authority:
    # Authorities are set up in the back office; no service exists for it, so the demo audits it here.
    authority = Authority.objects.create(**fields)
    audit_record(subject=authority, action="competitions.authority.create", actor=None, actor_role="system",
                 payload={"name": authority.name, "slug": authority.slug, "source": "demo"})
    return authority


# --- the announcement ------------------------------------------------------------------------------

CRITERIA = (
    # art. 15 ust. 1 pkt 1–6; pkt 4 applies to wspieranie only, which both demo tasks are
    ("Możliwość realizacji zadania przez oferenta", "Doświadczenie, zasoby i realność harmonogramu.",
     10, "art. 15 ust. 1 pkt 1"),
    ("Kalkulacja kosztów, w tym w odniesieniu do zakresu rzeczowego zadania",
     "Czy koszty są niezbędne, racjonalne i zgodne z cenami rynkowymi.", 10, "art. 15 ust. 1 pkt 2"),
    ("Jakość wykonania zadania i kwalifikacje osób realizujących zadanie", "", 10, "art. 15 ust. 1 pkt 3"),
    ("Udział środków finansowych własnych lub z innych źródeł", "", 5, "art. 15 ust. 1 pkt 4"),
    ("Wkład rzeczowy i osobowy, w tym świadczenia wolontariuszy i praca społeczna członków", "", 5,
     "art. 15 ust. 1 pkt 5"),
    ("Rzetelność, terminowość i sposób rozliczenia zadań zleconych w latach poprzednich", "", 5,
     "art. 15 ust. 1 pkt 6"),
)
CHECKLIST = (
    ("Oferta została złożona w terminie, w generatorze, na wzorze z rozporządzenia (Dz.U. 2018 poz. 2057).",
     False),
    ("Oferent jest organizacją pozarządową lub podmiotem z art. 3 ust. 3 ustawy.", False),
    ("Działalność statutowa oferenta obejmuje dziedzinę zadania (art. 11 ust. 1).", False),
    ("Oferta dotyczy zadania wskazanego w ogłoszeniu.", False),
    ("Kalkulacja kosztów jest poprawna rachunkowo.", True),
    ("Wnioskowana dotacja i wkład własny mieszczą się w limitach zadania.", True),
    ("Oświadczenia z części VII złożyły osoby upoważnione do reprezentacji oferenta.", True),
    ("Dołączono wymagane załączniki.", True),
)
ATTACHMENTS = (
    ("Statut oraz wyciąg z ewidencji lub innego rejestru",
     "Dotyczy oferentów niewpisanych do Krajowego Rejestru Sądowego (np. stowarzyszeń zwykłych, uczniowskich "
     "klubów sportowych, kół gospodyń wiejskich).", AttachmentRequirement.NO_KRS),
    ("Umowa partnerska lub porozumienie oferentów wspólnych",
     "Określa zakres działań każdego z oferentów i sposób ich reprezentacji (art. 14 ust. 2).",
     AttachmentRequirement.JOINT),
)
QUESTION = ("W jaki sposób zadanie odpowiada na priorytety Programu współpracy Gminy Miejskiej Dąbrowa "
            "Górnicza z organizacjami pozarządowymi na 2027 r.?")


def _deadline(today: dt.date) -> dt.datetime:
    day = next_working_day(today + dt.timedelta(days=DEADLINE_IN_DAYS))
    return dt.datetime.combine(day, DEADLINE_TIME, tzinfo=WARSAW)


def _main_competition(authority: Authority, officer, approver, today: dt.date) -> Competition:
    deadline = _deadline(today)
    competition = competition_create(
        authority=authority, actor=officer, reference=f"BOP.524.1.{today.year}", title=MAIN_TITLE, year=YEAR,
        task_type="Wspieranie rozwoju społeczeństwa obywatelskiego: działalność wspomagająca organizacje "
                  "pozarządowe oraz promocja i organizacja wolontariatu (art. 4 ust. 1 ustawy), w formie "
                  "wspierania wykonania zadania wraz z udzieleniem dotacji na dofinansowanie "
                  "jego realizacji.",
        award_rules="Dotacje przyznaje Prezydent Miasta Dąbrowy Górniczej w drodze zarządzenia, po "
                    "zapoznaniu się z opinią komisji konkursowej (art. 15 ust. 2g). Kwota dotacji może być "
                    "niższa od wnioskowanej; oferent może wówczas zaktualizować kosztorys i harmonogram albo "
                    "wycofać ofertę. Wymagany wkład własny: w zadaniu 1 co najmniej 10%, w zadaniu 2 co "
                    "najmniej 5% całkowitego kosztu zadania. Koszty administracyjne: do 15% (zadanie 1) i do "
                    "10% (zadanie 2).",
        performance_terms=f"Zadania realizowane w {YEAR} r., w terminach podanych przy każdym zadaniu, na "
                          "rzecz mieszkańców i organizacji pozarządowych Dąbrowy Górniczej, na podstawie "
                          "umowy według wzoru z rozporządzenia (Dz.U. 2018 poz. 2057). Wydatki z dotacji "
                          f"ponosi się do 31 grudnia {YEAR} r. (art. 221 ust. 3 pkt 3 ustawy o finansach "
                          "publicznych).",
        submission_deadline=deadline,
        selection_procedure="Oferty sprawdza pod względem formalnym Biuro Organizacji Pozarządowych. Oferty "
                            "poprawne formalnie opiniuje komisja konkursowa: trzech przedstawicieli "
                            "Prezydenta Miasta i dwie osoby wskazane przez organizacje pozarządowe z Rady "
                            "Działalności Pożytku Publicznego, niereprezentujące oferentów (art. 15 ust. "
                            "2a–2d), według kryteriów z art. 15 ust. 1 podanych przy każdym zadaniu. Do "
                            "dotacji mogą być rekomendowane oferty, które uzyskają co najmniej 60% "
                            "maksymalnej liczby punktów.",
        selection_date=(deadline + dt.timedelta(days=30)).date(),
        cancellation_reservation="Prezydent Miasta zastrzega sobie prawo odstąpienia od rozstrzygnięcia "
                                 "konkursu w razie zmniejszenia środków w budżecie Miasta na zadania "
                                 "objęte konkursem.",
    )
    areas = [
        competition_item_save(
            competition=competition, actor=officer, model=TaskArea, competition_id=competition.pk, number=1,
            name="Prowadzenie centrum wsparcia organizacji pozarządowych",
            description="Doradztwo, szkolenia i informacja dla organizacji pozarządowych i grup "
                        "nieformalnych; dyżury co najmniej raz w tygodniu; centrum wolontariatu.",
            sphere=PublicTaskSphere.NGO_SUPPORT, form=TaskForm.SUPPORT, budget=Decimal("120000.00"),
            min_grant=Decimal("20000.00"), max_grant=Decimal("60000.00"),
            min_own_contribution_pct=Decimal("10.00"), max_admin_costs_pct=Decimal("15.00"),
            window_start=dt.date(YEAR, 2, 1), window_end=dt.date(YEAR, 12, 31),
            pass_threshold_pct=Decimal("60.00")),
        competition_item_save(
            competition=competition, actor=officer, model=TaskArea, competition_id=competition.pk, number=2,
            name="Wolontariat i aktywność obywatelska młodzieży",
            description="Przygotowanie młodzieży do wolontariatu i działań na rzecz społeczności lokalnej; "
                        "współpraca ze szkołami i organizacjami.",
            sphere=PublicTaskSphere.VOLUNTEERING, form=TaskForm.SUPPORT, budget=Decimal("60000.00"),
            max_grant=Decimal("15000.00"), min_own_contribution_pct=Decimal("5.00"),
            max_admin_costs_pct=Decimal("10.00"), window_start=dt.date(YEAR, 3, 1),
            window_end=dt.date(YEAR, 12, 15), pass_threshold_pct=Decimal("60.00")),
    ]
    for area in areas:
        for order, (name, description, points, basis) in enumerate(CRITERIA, start=1):
            competition_item_save(competition=competition, actor=officer, model=Criterion, task_area=area,
                                  order=order, name=name, description=description, max_points=Decimal(points),
                                  statutory_basis=basis)
    for order, (text, remediable) in enumerate(CHECKLIST, start=1):
        competition_item_save(competition=competition, actor=officer, model=ChecklistItem,
                              competition_id=competition.pk, order=order, text=text, remediable=remediable)
    for order, (name, description, required_for) in enumerate(ATTACHMENTS, start=1):
        competition_item_save(competition=competition, actor=officer, model=RequiredAttachment,
                              competition_id=competition.pk, order=order, name=name, description=description,
                              required_for=required_for)
    competition_item_save(competition=competition, actor=officer, model=ExtraQuestion,
                          competition_id=competition.pk, order=1, text=QUESTION,
                          help_text="Wskaż priorytet programu i sposób, w jaki go realizujesz.",
                          required=True, max_length=2000)
    # art. 13 ust. 2 pkt 7: same-type tasks of this and the previous year, with their costs
    for year, centre, youth, everything in ((today.year - 1, "172000.00", "55000.00", "3180000.00"),
                                            (today.year, "178000.00", "58000.00", "3240000.00")):
        for description, cost in (
            ("Prowadzenie centrum wsparcia organizacji pozarządowych i inkubatora III sektora", centre),
            ("Wolontariat i aktywność obywatelska młodzieży", youth),
            ("Wszystkie zadania publiczne zlecone organizacjom w otwartych konkursach ofert (dla porównania)",
             everything),
        ):
            competition_item_save(competition=competition, actor=officer, model=PriorFunding,
                                  competition_id=competition.pk, year=year, description=description,
                                  total_cost=Decimal(cost), grants_to_ngos=Decimal(cost))
    # approved the day before its first publication, as an approver does
    with frozen_at(dt.datetime.combine(today - dt.timedelta(days=4), dt.time(9), tzinfo=WARSAW)):
        competition = transition(competition, "approve", actor=approver,
                                 approval_reference=f"Zarządzenie nr 1873/{today.year} Prezydenta Miasta "
                                                    "Dąbrowy Górniczej")
    for channel, days_ago, url in (
        (Channel.BIP, 3, "https://dabrowa-gornicza.example.org/bip/konkursy/2027-1"),
        (Channel.WEBSITE, 3, "https://dabrowa-gornicza.example.org/ngo/konkursy/2027-1"),
        (Channel.NOTICEBOARD, 2, ""),
    ):
        # recorded after the fact, as an officer does: a publication cannot be dated in the future
        publication_record(competition=competition, actor=officer, channel=channel,
                           published_on=today - dt.timedelta(days=days_ago), url=url)
    return transition(competition, "publish", actor=officer)


def _draft_competition(authority: Authority, officer, *, reference: str, title: str, task_type: str,
                       area: dict[str, Any]) -> Competition:
    """A competition still being written: enough to open it, not enough to approve it, so that the
    approver sees why not."""
    competition = competition_create(authority=authority, actor=officer, reference=reference, title=title,
                                     year=YEAR, task_type=task_type)
    task = competition_item_save(competition=competition, actor=officer, model=TaskArea,
                                 competition_id=competition.pk, number=1, form=TaskForm.SUPPORT,
                                 pass_threshold_pct=Decimal("60.00"), **area)
    for order, (name, description, points, basis) in enumerate(CRITERIA[:3], start=1):
        competition_item_save(competition=competition, actor=officer, model=Criterion, task_area=task,
                              order=order, name=name, description=description, max_points=Decimal(points),
                              statutory_basis=basis)
    return competition


# --- the organisations -----------------------------------------------------------------------------

ORGANIZATIONS: dict[str, dict[str, Any]] = {
    "cis": {"name": "Stowarzyszenie CIS Mysłowice", "legal_form": LegalForm.ASSOCIATION,
            "street": "ul. Powstańców 14", "postal_code": "41-400", "city": "Mysłowice",
            "statutory_activity": "Wspieranie organizacji pozarządowych i inicjatyw obywatelskich, "
                                  "przeciwdziałanie wykluczeniu społecznemu, promocja wolontariatu."},
    "zielone": {"name": "Stowarzyszenie Zielone Zagłębie", "legal_form": LegalForm.ASSOCIATION,
                "street": "ul. Kasprowicza 8", "postal_code": "41-300", "city": "Dąbrowa Górnicza",
                "statutory_activity": "Rozwój społeczeństwa obywatelskiego i wspólnot lokalnych, inkubator "
                                      "organizacji trzeciego sektora, ekologia."},
    "progress": {"name": "Stowarzyszenie „Progress”", "legal_form": LegalForm.ASSOCIATION,
                 "street": "ul. Rybnicka 10", "postal_code": "44-240", "city": "Żory",
                 "statutory_activity": "Działalność wspomagająca organizacje pozarządowe, edukacja "
                                       "obywatelska."},
    "cisza": {"name": "Stowarzyszenie „W świecie ciszy”", "legal_form": LegalForm.ASSOCIATION,
              "street": "ul. Dworcowa 3", "postal_code": "44-240", "city": "Żory",
              "statutory_activity": "Działalność na rzecz osób głuchych i słabosłyszących, integracja, "
                                    "wolontariat."},
    "ster": {"name": "Klub Abstynentów „STER”", "legal_form": LegalForm.ASSOCIATION,
             "street": "ul. Szeroka 21", "postal_code": "44-240", "city": "Żory",
             "statutory_activity": "Przeciwdziałanie uzależnieniom, grupy wsparcia, profilaktyka wśród "
                                   "młodzieży."},
    "utw": {"name": "Uniwersytet Trzeciego Wieku w Dąbrowie Górniczej",
            "legal_form": LegalForm.ORDINARY_ASSOCIATION,
            "street": "ul. Sienkiewicza 6", "postal_code": "41-300", "city": "Dąbrowa Górnicza",
            "other_register": "Ewidencja stowarzyszeń zwykłych prowadzona przez Prezydenta Miasta Dąbrowy "
                              "Górniczej, nr 12",
            "statutory_activity": "Aktywizacja osób w wieku emerytalnym, edukacja ustawiczna, wolontariat "
                                  "międzypokoleniowy."},
}


def _register_organizations(users: dict[str, Any], rng: random.Random) -> dict[str, Organization]:
    organizations = {}
    for index, (key, spec) in enumerate(ORGANIZATIONS.items(), start=1):
        admin = next(u for u in DEMO_USERS if u.where == key and u.role == RepresentationRole.ADMIN)
        fields = dict(spec)
        if "other_register" not in fields:  # an entity outside the KRS has no KRS number
            fields["krs"] = generate_krs(rng)
        organizations[key] = organization_register(
            user=users[admin.username], function=admin.function, nip=generate_nip(rng),
            regon=generate_regon(rng), bank_account=generate_bank_account(rng),
            email=f"biuro@{key}.example.org", phone=f"+48 32 555 01 {index:02d}",
            website=f"https://{key}.example.org", **fields)
    for spec in DEMO_USERS:
        if spec.role in (RepresentationRole.EDITOR, RepresentationRole.SIGNATORY):
            admin = next(u for u in DEMO_USERS
                         if u.where == spec.where and u.role == RepresentationRole.ADMIN)
            representation_set(organization=organizations[spec.where], user=users[spec.username],
                               role=spec.role, function=spec.function, actor=users[admin.username])
    return organizations


# --- the offers ------------------------------------------------------------------------------------


def _line(key, group, action, name, unit, unit_cost, units, grant_part) -> dict[str, str]:
    return {"key": key, "group": group, "action": action, "name": name, "unit": unit, "unit_cost": unit_cost,
            "units": units, "grant_part": grant_part}


def _action(key, name, description, target_group, start, end) -> dict[str, str]:
    return {"key": key, "name": name, "description": description, "target_group": target_group,
            "start": start, "end": end}


def _indicator(name, target, monitoring) -> dict[str, str]:
    return {"name": name, "target": target, "monitoring": monitoring}


DECLARATIONS = {"public_benefit_scope": True, "payments_within_paid_activity": True,
                "register_data_true": True, "information_true": True, "personal_data_consents": True,
                "tax_arrears": "no", "social_insurance_arrears": "no"}

# The offers as their authors typed them, section by section (the JSON shape of offers/form.py).
POMYSLOWICE = {
    "task": {
        "title": "POMYSłowice – uruchomienie Ośrodka wsparcia dla organizacji pozarządowych",
        "start": f"{YEAR}-06-01", "end": f"{YEAR}-12-31",
        "place": "Ośrodek wsparcia w lokalu stowarzyszenia oraz dyżury w Dąbrowie Górniczej",
        "synthesis": "Uruchomimy Ośrodek wsparcia dla organizacji pozarządowych, prowadzony we współpracy z "
                     "samorządem.\n\nOśrodek zapewni:\n\n"
                     "- cotygodniowe dyżury doradcze mentora NGO,\n"
                     "- trzy szkolenia: fundraising, zarządzanie organizacją, partnerstwa,\n"
                     "- centrum wolontariatu łączące wolontariuszy z organizacjami,\n"
                     "- serwis internetowy z bazą organizacji i bazą wiedzy.\n\n"
                     "Odbiorcami są osoby działające w organizacjach i grupach nieformalnych (40 osób) "
                     "oraz 16 organizacji, głównie młodych i bez stałej kadry.",
    },
    "schedule": {"actions": [
        _action("a1", "Ośrodek wsparcia: diagnoza potrzeb i dyżury doradcze",
                "Diagnoza potrzeb organizacji, dyżury doradcze mentora NGO raz w tygodniu, serwis "
                "internetowy ośrodka.", "organizacje pozarządowe i grupy nieformalne",
                f"{YEAR}-06-01", f"{YEAR}-12-31"),
        _action("a2", "Cykl trzech szkoleń", "Szkolenia: fundraising, zarządzanie organizacją, partnerstwa.",
                "członkowie i pracownicy organizacji", f"{YEAR}-09-01", f"{YEAR}-11-30"),
        _action("a3", "Centrum wolontariatu",
                "Nabór, przygotowanie i kierowanie wolontariuszy do organizacji.",
                "wolontariusze i organizacje", f"{YEAR}-06-01", f"{YEAR}-12-31"),
    ]},
    "results": {
        "expected_results": "Wsparcie otrzyma 40 osób i 16 organizacji; odbędą się 3 szkolenia; przez cały "
                            "okres działają cotygodniowe dyżury doradcze; powstanie centrum wolontariatu, "
                            "które będzie działać po zakończeniu zadania.",
        "indicators": [
            _indicator("Liczba osób objętych wsparciem", "40", "listy obecności, karty doradztwa"),
            _indicator("Liczba organizacji objętych wsparciem", "16", "karty doradztwa"),
            _indicator("Liczba szkoleń", "3", "programy i listy obecności szkoleń"),
            _indicator("Dyżury doradcze", "1 w tygodniu (30 dyżurów)", "rejestr dyżurów"),
            _indicator("Centrum wolontariatu", "1 działające centrum", "rejestr wolontariuszy i porozumień"),
        ],
    },
    "capacity": {
        "prior_activity": "Stowarzyszenie od lat wspiera organizacje i inicjatywy obywatelskie w "
                          "Mysłowicach; projekt przygotowaliśmy z Miastem Mysłowice.",
        "resources": "Kadra 5 osób: koordynator, analityk, mentor NGO, projektant oprogramowania, mentor "
                     "wolontariatu. Lokal stowarzyszenia, sprzęt komputerowy.",
    },
    "costs": {"lines": [
        _line("c1", "action", "a1", "Analityk — diagnoza potrzeb", "mies.", "1500.00", "3", "4500.00"),
        _line("c2", "action", "a1", "Mentor NGO — dyżury doradcze", "godz.", "80.00", "120", "9600.00"),
        _line("c3", "action", "a1", "Projektant oprogramowania — serwis ośrodka i baza wiedzy", "usługa",
              "4275.00", "1", "4275.00"),
        _line("c4", "action", "a1", "Lokal ośrodka — czynsz i media", "mies.", "650.00", "6", "1410.00"),
        _line("c5", "action", "a2", "Trener — 3 szkolenia po 6 godzin", "godz.", "150.00", "18", "2700.00"),
        _line("c6", "action", "a2", "Materiały szkoleniowe", "komplet", "25.00", "60", "1500.00"),
        _line("c7", "action", "a2", "Wyżywienie uczestników szkoleń", "osoba", "30.00", "60", "1800.00"),
        _line("c8", "action", "a3", "Mentor wolontariatu", "mies.", "1200.00", "7", "8400.00"),
        _line("c9", "action", "a3", "Praca wolontariuszy (wkład osobowy)", "godz.", "40.00", "50", "0"),
        _line("c10", "admin", "", "Koordynator projektu", "mies.", "500.00", "7", "3500.00"),
        _line("c11", "admin", "", "Obsługa księgowa", "mies.", "250.00", "7", "1750.00"),
    ]},
    "sources": {"own_financial": "2490.00", "personal": "2000.00"},
    "other": {"paid_activity": "unpaid"},
}

INKUBATOR = {
    "task": {
        "title": "Inkubator III sektora — wsparcie nowych organizacji w Dąbrowie Górniczej",
        "start": f"{YEAR}-03-01", "end": f"{YEAR}-11-30", "place": "Dąbrowa Górnicza, lokal inkubatora",
        "synthesis": "Inkubator pomaga grupom nieformalnym założyć organizację i przetrwać pierwszy rok."
                     "\n\n- nabór i diagnoza potrzeb\n- doradztwo prawne i księgowe"
                     "\n- szkolenia i wizyta studyjna",
    },
    "schedule": {"actions": [
        _action("a1", "Nabór i diagnoza potrzeb", "Rekrutacja grup i nowych organizacji, diagnoza potrzeb.",
                "grupy nieformalne", f"{YEAR}-03-01", f"{YEAR}-05-31"),
        _action("a2", "Inkubacja: doradztwo prawne i księgowe", "Indywidualne doradztwo w lokalu inkubatora.",
                "nowe organizacje", f"{YEAR}-04-01", f"{YEAR}-11-30"),
        _action("a3", "Szkolenia i wizyta studyjna",
                "Szkolenia z zarządzania i wizyta w dojrzałej organizacji.", "nowe organizacje",
                f"{YEAR}-05-01", f"{YEAR}-10-31"),
    ]},
    "results": {"expected_results": "12 nowych organizacji zarejestrowanych i działających po roku.",
                "indicators": [_indicator("Liczba zarejestrowanych organizacji", "12",
                                          "wpisy w KRS i ewidencji"),
                               _indicator("Godziny doradztwa", "220", "karty doradztwa")]},
    "capacity": {"prior_activity": "Od 2008 r. prowadzimy inkubator III sektora; przygotowaliśmy program "
                                   "rozwoju społeczeństwa obywatelskiego miasta na lata 2008–2013.",
                 "resources": "Lokal inkubatora udostępniany przez stowarzyszenie, dwóch doradców, "
                              "animator."},
    "costs": {"lines": [
        _line("c1", "action", "a1", "Animator — rekrutacja i diagnoza", "mies.", "2000.00", "3", "6000.00"),
        _line("c2", "action", "a2", "Doradca prawny", "godz.", "120.00", "110", "13200.00"),
        _line("c3", "action", "a2", "Doradca księgowy", "godz.", "120.00", "110", "13200.00"),
        _line("c4", "action", "a2", "Lokal inkubatora (wkład rzeczowy)", "mies.", "800.00", "9", "0"),
        _line("c5", "action", "a3", "Trener", "godz.", "150.00", "40", "6000.00"),
        _line("c6", "action", "a3", "Wizyta studyjna — transport", "usługa", "3000.00", "1", "3000.00"),
        _line("c7", "admin", "", "Koordynacja projektu", "mies.", "600.00", "9", "5400.00"),
        _line("c8", "admin", "", "Obsługa księgowa", "mies.", "300.00", "9", "1200.00"),
    ]},
    "sources": {"own_financial": "1500.00", "in_kind": "7200.00"},
    "other": {"paid_activity": "unpaid"},
}

MLODZI_TLUMACZE = {
    "task": {
        "title": "Młodzi tłumacze — wolontariat młodzieży na rzecz osób głuchych",
        "start": f"{YEAR}-04-01", "end": f"{YEAR}-10-31", "place": "Dąbrowa Górnicza, szkoły ponadpodstawowe",
        "synthesis": "Młodzież uczy się podstaw polskiego języka migowego i jako wolontariusze pomaga osobom "
                     "głuchym w urzędach i podczas wydarzeń miejskich.",
    },
    "schedule": {"actions": [
        _action("a1", "Kurs polskiego języka migowego", "60 godzin kursu dla 20 wolontariuszy.",
                "młodzież 15–19 lat", f"{YEAR}-04-01", f"{YEAR}-06-30"),
        _action("a2", "Asysta wolontariuszy", "Dyżury wolontariuszy w urzędach i na wydarzeniach.",
                "osoby głuche", f"{YEAR}-07-01", f"{YEAR}-10-31"),
    ]},
    "results": {"expected_results": "20 przeszkolonych wolontariuszy, 40 asyst.",
                "indicators": [_indicator("Wolontariusze po kursie", "20", "zaświadczenia"),
                               _indicator("Asysty", "40", "karty wolontariusza")]},
    "capacity": {"prior_activity": "Prowadzimy grupy wsparcia i kursy języka migowego.",
                 "resources": "Lektor PJM, koordynator wolontariatu, sala stowarzyszenia."},
    "costs": {"lines": [
        _line("c1", "action", "a1", "Lektor PJM", "godz.", "100.00", "60", "6000.00"),
        _line("c2", "action", "a1", "Podręczniki i materiały", "komplet", "60.00", "20", "1200.00"),
        _line("c3", "action", "a2", "Koordynator wolontariatu", "mies.", "900.00", "5", "4500.00"),
        _line("c4", "action", "a2", "Praca wolontariuszy (wkład osobowy)", "godz.", "35.00", "40", "0"),
        _line("c5", "admin", "", "Obsługa księgowa", "mies.", "200.00", "5", "800.00"),
    ]},
    "sources": {"own_financial": "200.00", "personal": "1400.00"},
    "other": {"paid_activity": "unpaid"},
}

TRZEZWY_WEEKEND = {
    "task": {
        "title": "Trzeźwy weekend — młodzieżowi liderzy profilaktyki",
        "start": f"{YEAR}-05-01", "end": f"{YEAR}-09-30", "place": "Dąbrowa Górnicza",
        "synthesis": "Młodzi liderzy po szkoleniu prowadzą weekendowe wydarzenia bez alkoholu.",
    },
    "schedule": {"actions": [
        _action("a1", "Szkolenie liderów", "24 godziny szkolenia dla 30 osób.", "młodzież", f"{YEAR}-05-01",
                f"{YEAR}-05-31"),
        _action("a2", "Trzeźwe weekendy", "Sześć wydarzeń prowadzonych przez wolontariuszy.", "młodzież",
                f"{YEAR}-06-01", f"{YEAR}-09-30"),
    ]},
    "results": {"expected_results": "30 liderów, 6 wydarzeń.",
                "indicators": [_indicator("Liderzy", "30", "listy obecności"),
                               _indicator("Wydarzenia", "6", "dokumentacja zdjęciowa")]},
    "capacity": {"prior_activity": "Grupy wsparcia i profilaktyka od wielu lat.",
                 "resources": "Trener, sala."},
    "costs": {"lines": [
        _line("c1", "action", "a1", "Trener", "godz.", "150.00", "24", "3600.00"),
        _line("c2", "action", "a1", "Materiały", "komplet", "40.00", "30", "1200.00"),
        _line("c3", "action", "a2", "Wynajem sali", "wydarzenie", "300.00", "6", "1500.00"),
        _line("c4", "action", "a2", "Praca wolontariuszy (wkład osobowy)", "godz.", "35.00", "40", "0"),
        _line("c5", "admin", "", "Koordynacja", "mies.", "400.00", "2", "700.00"),
    ]},
    "sources": {"own_financial": "400.00", "personal": "1400.00"},
    "other": {"paid_activity": "unpaid"},
}

# A draft whose budget is wrong in three places: each error is shown at its line.
PROGRESS_DRAFT = {
    "task": {
        "title": "Centrum wsparcia organizacji pozarządowych — filia w Dąbrowie Górniczej",
        "start": f"{YEAR}-03-01", "end": f"{YEAR}-12-31", "place": "Dąbrowa Górnicza",
        "synthesis": "Przeniesiemy do Dąbrowy Górniczej doświadczenia Żorskiego Centrum Organizacji "
                     "Pozarządowych.",
    },
    "schedule": {"actions": [
        _action("a1", "Doradztwo", "Dyżury doradcze dla organizacji.", "organizacje", f"{YEAR}-03-01",
                f"{YEAR}-12-31"),
        _action("a2", "Szkolenia", "Cykl szkoleń dla organizacji.", "organizacje", f"{YEAR}-04-01",
                f"{YEAR}-11-30"),
    ]},
    "costs": {"lines": [
        _line("c1", "action", "a1", "Doradca", "godz.", "100.00", "300", "30000.00"),
        _line("c2", "action", "a1", "Lokal", "mies.", "1000.00", "10", "12500.00"),  # grant part > the line
        _line("c3", "action", "a2", "Trenerzy", "godz.", "200.00", "100", "19500.00"),
        _line("c4", "admin", "", "Koordynacja", "mies.", "600.00", "10", "6000.00"),
    ]},
    "sources": {"own_financial": "3000.00"},
}

UTW_DRAFT = {
    "task": {
        "title": "Senior i junior — wolontariat międzypokoleniowy",
        "start": f"{YEAR}-04-01", "end": f"{YEAR}-11-30", "place": "Dąbrowa Górnicza",
        "synthesis": "Studenci UTW i licealiści wspólnie prowadzą zajęcia i akcje sąsiedzkie.",
    },
    "schedule": {"actions": [
        _action("a1", "Warsztaty międzypokoleniowe", "Osiem warsztatów prowadzonych wspólnie.",
                "seniorzy i młodzież", f"{YEAR}-04-01", f"{YEAR}-06-30"),
    ]},
}

CIS_SECOND_DRAFT = {
    "task": {"title": "Wolontariat młodzieżowy w Mysłowicach i Dąbrowie Górniczej", "start": f"{YEAR}-03-01",
             "end": f"{YEAR}-12-15", "place": "", "synthesis": ""},
}


def _answers(competition: Competition, text: str) -> dict[str, Any]:
    return {"answers": {str(q.pk): text for q in competition.extra_questions.all()}}


def _write(offer: Offer, actor, sections: dict[str, dict]) -> None:
    for key, data in sections.items():
        current = offer.sections.filter(key=key).values_list("revision", flat=True).first()
        if key in ("offeror", "declarations") and current is not None:
            data = {**offer.sections.get(key=key).data, **data}  # keep what offer_create pre-filled
        offer_save_section(offer=offer, actor=actor, key=key, data=data, base_revision=current or 0)


def _file(*, area: TaskArea, organization: Organization, actor, content: dict[str, dict], answer: str = "",
          complete: bool = True) -> Offer:
    offer = offer_create(task_area=area, organization=organization, actor=actor)
    sections = dict(content)
    if complete:
        sections["offeror"] = {"contact_phone": "+48 32 555 02 00"}
        sections["questions"] = _answers(area.competition, answer)
        sections["declarations"] = dict(DECLARATIONS)
    _write(offer, actor, sections)
    offer.refresh_from_db()
    return offer


def _offers(competition: Competition, organizations: dict[str, Organization],
            users: dict[str, Any]) -> list[Offer]:
    area1, area2 = competition.task_areas.order_by("number")
    offers = []
    pomyslowice = _file(area=area1, organization=organizations["cis"], actor=users["cis"],
                        content=POMYSLOWICE,
                        answer="Priorytet 1 programu: wzmocnienie potencjału organizacji pozarządowych.")
    offers.append(offer_submit(pomyslowice, actor=users["cis"]))
    # drafted by the administrator, submitted by the signatory: the roles of one organisation at work
    inkubator = _file(area=area1, organization=organizations["zielone"], actor=users["zielone"],
                      content=INKUBATOR,
                      answer="Priorytet 1: inkubacja nowych organizacji i grup nieformalnych.")
    offers.append(offer_submit(inkubator, actor=users["sekretarz"]))
    tlumacze = _file(area=area2, organization=organizations["cisza"], actor=users["cisza"],
                     content=MLODZI_TLUMACZE,
                     answer="Priorytet 3: wolontariat młodzieży i integracja osób z niepełnosprawnościami.")
    offers.append(offer_submit(tlumacze, actor=users["cisza"]))
    weekend = _file(area=area2, organization=organizations["ster"], actor=users["ster"],
                    content=TRZEZWY_WEEKEND, answer="Priorytet 3: aktywność obywatelska młodzieży.")
    weekend = offer_submit(weekend, actor=users["ster"])
    offers.append(offer_withdraw(weekend, actor=users["ster"],
                                 reason="Złożona omyłkowo, przed uzgodnieniem z partnerem."))
    offers.append(_file(area=area1, organization=organizations["progress"], actor=users["progress"],
                        content=PROGRESS_DRAFT, complete=False))
    offers.append(_file(area=area2, organization=organizations["utw"], actor=users["utw"], content=UTW_DRAFT,
                        complete=False))
    offers.append(_file(area=area2, organization=organizations["cis"], actor=users["redaktor"],
                        content=CIS_SECOND_DRAFT, complete=False))
    return offers


# --- the whole demo --------------------------------------------------------------------------------


def demo_load(*, today: dt.date | None = None, parts: bool = True) -> DemoSummary:
    """Load the demo into an empty database, in one transaction, with the later stages' parts
    (unless `parts` is False). Call `demo_status()` first: this refuses nothing by itself, so
    loading twice would fail on the unique logins."""
    today = today or timezone.localdate()
    rng = random.Random(SEED)  # noqa: S311 - generated demo identifiers, not secrets
    summary = DemoSummary()
    with transaction.atomic():
        users = _create_users()
        dabrowa = _create_authority(
            name="Gmina Miejska Dąbrowa Górnicza", organ="Prezydent Miasta Dąbrowy Górniczej", slug=DABROWA,
            kind=AuthorityKind.GMINA, address="ul. Graniczna 27, 41-300 Dąbrowa Górnicza",
            bip_url="https://dabrowa-gornicza.example.org/bip", website="https://dabrowa-gornicza.example.org")
        zory = _create_authority(
            name="Miasto Żory", organ="Prezydent Miasta Żory", slug=ZORY, kind=AuthorityKind.GMINA,
            address="al. Wojska Polskiego 25, 44-240 Żory", bip_url="https://zory.example.org/bip",
            website="https://zory.example.org")
        authorities = {DABROWA: dabrowa, ZORY: zory}
        for spec in DEMO_USERS:
            if spec.where in authorities:
                authority_grant_role(authority=authorities[spec.where], user=users[spec.username],
                                     role=spec.role)
        main = _main_competition(dabrowa, users["urzednik"], users["prezydent"], today)
        second = _draft_competition(
            dabrowa, users["urzednik"], reference=f"BOP.524.2.{today.year}",
            title=f"Otwarty konkurs ofert na realizację zadań publicznych w {YEAR} r. — przeciwdziałanie "
                  "uzależnieniom i patologiom społecznym",
            task_type="Przeciwdziałanie uzależnieniom i patologiom społecznym (art. 4 ust. 1 ustawy).",
            area={"name": "Grupy wsparcia i profilaktyka uzależnień", "sphere": PublicTaskSphere.ADDICTIONS,
                  "budget": Decimal("80000.00"), "max_grant": Decimal("20000.00"),
                  "min_own_contribution_pct": Decimal("5.00"), "window_start": dt.date(YEAR, 3, 1),
                  "window_end": dt.date(YEAR, 12, 15)})
        zory_draft = _draft_competition(
            zory, users["urzednik-zory"], reference=f"ZCOP.524.1.{today.year}",
            title=f"Otwarty konkurs ofert na realizację zadań publicznych w {YEAR} r. — działalność na rzecz "
                  "organizacji pozarządowych",
            task_type="Działalność wspomagająca organizacje pozarządowe (art. 4 ust. 1 ustawy).",
            area={"name": "Prowadzenie Żorskiego Centrum Organizacji Pozarządowych",
                  "sphere": PublicTaskSphere.NGO_SUPPORT, "budget": Decimal("90000.00"),
                  "min_grant": Decimal("40000.00"), "max_grant": Decimal("90000.00"),
                  "min_own_contribution_pct": Decimal("10.00"), "window_start": dt.date(YEAR, 1, 15),
                  "window_end": dt.date(YEAR, 12, 31)})
        organizations = _register_organizations(users, rng)
        summary.offers = _offers(main, organizations, users)
        summary.users, summary.authorities = len(users), len(authorities)
        summary.competitions = [main, second, zory_draft]
        summary.organizations = len(organizations)
        if parts:
            context = DemoContext(today, users, authorities, organizations)
            for part in demo_extensions():
                _add(summary, part.load(context))
    return summary


def demo_load_parts(*, today: dt.date | None = None) -> DemoSummary:
    """Add the later stages' parts that are absent to a database holding the base demo."""
    summary = DemoSummary()
    with transaction.atomic():
        context = demo_context(today)
        for part in demo_extensions():
            if part.status() == "absent":
                _add(summary, part.load(context))
    return summary


def _add(summary: DemoSummary, part: DemoSummary) -> None:
    summary.users += part.users
    summary.competitions += part.competitions
    summary.offers += part.offers
