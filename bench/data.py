"""Building the data of a scenario fast, through the real models (their tables, their
constraints), so that what is measured afterwards runs the application's own code paths.

Small sets use bulk_create; large ones reserve a block of ids from the table's sequence and
write the rows with PostgreSQL's COPY. Offers are genuinely ready: the sections of a complete,
valid statutory form (the same content the tests use), so offer_submit passes its validation.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from competitions.models import (
    Authority,
    AuthorityKind,
    AuthorityRole,
    ChecklistItem,
    Competition,
    CompetitionState,
    Criterion,
    TaskArea,
)
from competitions.services import authority_grant_role
from evaluation.models import (
    Award,
    Committee,
    CommitteeState,
    Declaration,
    DeclarationState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    Score,
    ScoreSheet,
    Seat,
    SeatRole,
    SheetState,
)
from offers.identifiers import generate_bank_account, generate_krs, generate_nip, generate_regon
from offers.models import (
    ROLE_PERMISSIONS,
    Offer,
    OfferSection,
    OfferState,
    Organization,
    OrganizationUserObjectPermission,
    Representation,
    RepresentationRole,
)

from .common import say

User = get_user_model()
NO_PASSWORD = "!bench"  # noqa: S105 - an unusable password: nobody logs in with a form, clients use tokens or sessions
CRITERIA_NAMES = ("Możliwość realizacji zadania", "Kalkulacja kosztów", "Jakość i kwalifikacje",
                  "Udział środków własnych", "Wkład osobowy i rzeczowy", "Dotychczasowa współpraca")


# --- low-level: ids from the sequence, COPY ------------------------------------------------------------------


def reserve_ids(model, count: int) -> range:
    """A block of `count` primary keys that no other insert will take."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
    return range(first, first + count)


def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows into the model's table; columns are database column names. `rows` must not
    query the database (the connection is busy with the COPY: a query would wait forever)."""
    table = model._meta.db_table
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy_:
        for row in rows:
            copy_.write_row(row)
            count += 1
    return count


# --- authorities, competitions ----------------------------------------------------------------------------


def authority_with_staff(slug: str = "bench") -> tuple[Authority, object]:
    authority = Authority.objects.create(name=f"Gmina {slug.title()}", organ=f"Wójt Gminy {slug.title()}", slug=slug,
                                         kind=AuthorityKind.GMINA)
    officer = User.objects.create(username=f"officer-{slug}", first_name="Ewa", last_name="Zielińska",
                                  email=f"officer-{slug}@example.org", password=NO_PASSWORD)
    authority_grant_role(authority=authority, user=officer, role=AuthorityRole.OFFICER)
    return authority, officer


def competition(authority: Authority, *, state: str, reference: str, areas: int = 1, criteria: int = 3,
                points: Sequence[int] = (5, 10, 10)) -> tuple[Competition, list[TaskArea], dict[int, list[Criterion]]]:
    now = timezone.now()
    if state == CompetitionState.PUBLISHED:
        deadline = (now + dt.timedelta(days=30)).replace(second=0, microsecond=0)
    else:
        deadline = (now - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    item = Competition.objects.create(
        authority=authority, reference=reference, state=state, year=2027,
        title="Otwarty konkurs ofert — wspieranie rozwoju społeczeństwa obywatelskiego",
        task_type="Wspieranie rozwoju społeczeństwa obywatelskiego",
        award_rules="Dotacje przyznaje organ po zaopiniowaniu ofert przez komisję konkursową.",
        performance_terms="Zadanie realizowane od 1 marca do 15 grudnia 2027 r.",
        selection_procedure="Oceny dokonuje komisja według kryteriów z art. 15 ust. 1 ustawy.",
        submission_deadline=deadline, selection_date=(deadline + dt.timedelta(days=30)).date(),
        approved_at=now, published_at=now, closed_at=None if state == CompetitionState.PUBLISHED else now)
    task_areas, by_area = [], {}
    for number in range(1, areas + 1):
        area = TaskArea.objects.create(
            competition=item, number=number, name=f"Prowadzenie centrum wsparcia organizacji {number}",
            sphere="wspieranie_ngo", form="wspieranie", budget=Decimal("99000000.00"), min_grant=Decimal("20000.00"),
            max_grant=Decimal("60000.00"), min_own_contribution_pct=Decimal("10.00"),
            max_admin_costs_pct=Decimal("15.00"), window_start=dt.date(2027, 3, 1), window_end=dt.date(2027, 12, 15))
        by_area[area.pk] = [
            Criterion.objects.create(task_area=area, order=i, name=CRITERIA_NAMES[(i - 1) % len(CRITERIA_NAMES)],
                                     max_points=Decimal(points[(i - 1) % len(points)]))
            for i in range(1, criteria + 1)]
        area.tie_break_criterion = by_area[area.pk][1 % criteria]
        area.save(update_fields=["tie_break_criterion"])
        task_areas.append(area)
    ChecklistItem.objects.bulk_create([
        ChecklistItem(competition=item, order=1, remediable=True, text="Podpisana przez osoby upoważnione"),
        ChecklistItem(competition=item, order=2, remediable=False, text="Złożona w terminie")])
    return item, task_areas, by_area


# --- organisations and the people who act for them ------------------------------------------------------


def organizations(count: int, *, tag: str, with_users: bool = True, tokens: bool = False, seed: int = 1):
    """`count` organisations, each with one administrator (object permissions as
    offers.services grants them) and, if asked, an API token. Returns (orgs, users, tokens)."""
    rng = random.Random(seed)
    orgs = Organization.objects.bulk_create([
        Organization(name=f"Stowarzyszenie {tag} {i}", legal_form="stowarzyszenie", krs=generate_krs(rng),
                     nip=generate_nip(rng), regon=generate_regon(rng), street="ul. Graniczna 27", postal_code="41-300",
                     city="Dąbrowa Górnicza", email=f"biuro-{tag}-{i}@ngo.example.org",
                     bank_account=generate_bank_account(rng), statutory_activity="Wspieranie organizacji, wolontariat.")
        for i in range(count)], batch_size=2000)
    if not with_users:
        return orgs, [], []
    users = User.objects.bulk_create([
        User(username=f"ngo-{tag}-{i}", first_name="Anna", last_name=f"Nowak {i}", email=f"ngo-{tag}-{i}@example.org",
             password=NO_PASSWORD) for i in range(count)], batch_size=2000)
    Representation.objects.bulk_create([
        Representation(organization=o, user=u, role=RepresentationRole.ADMIN, function="Prezes Zarządu")
        for o, u in zip(orgs, users, strict=True)], batch_size=2000)
    permissions = list(Permission.objects.filter(content_type__app_label="offers",
                                                 codename__in=ROLE_PERMISSIONS[RepresentationRole.ADMIN]))
    OrganizationUserObjectPermission.objects.bulk_create([
        OrganizationUserObjectPermission(user=u, permission=p, content_object=o)
        for o, u in zip(orgs, users, strict=True) for p in permissions], batch_size=5000)
    keys = []
    if tokens:
        made = Token.objects.bulk_create([Token(key=Token.generate_key(), user=u) for u in users], batch_size=2000)
        keys = [t.key for t in made]
    return orgs, users, keys


def complete_sections(area_id: int, organization: Organization, *, grant: str = "30000.00",
                      own: str = "4000.00", admin: str = "2000.00") -> dict[str, dict]:
    """A complete, valid offer: one action with one line, one admin line, sources that add up
    (the content tests/factories.py gives its ready offers)."""
    grant_d, own_d, admin_d = Decimal(grant), Decimal(own), Decimal(admin)
    action_value = grant_d + own_d - admin_d
    return {
        "basic": {"task_area": area_id},
        "offeror": {
            "name": organization.name, "legal_form": organization.legal_form, "krs": organization.krs,
            "nip": organization.nip, "regon": organization.regon, "street": organization.street,
            "postal_code": organization.postal_code, "city": organization.city, "email": organization.email,
            "contact_name": "Anna Nowak", "contact_phone": "+48 600 100 200", "contact_email": "anna@example.org",
        },
        "partners": {"joint": False},
        "task": {"title": "Centrum wsparcia organizacji pozarządowych", "start": "2027-03-01", "end": "2027-12-15",
                 "place": "Dąbrowa Górnicza, ul. Graniczna 27",
                 "synthesis": "Centrum doradza organizacjom.\n\n- szkolenia\n- dyżury"},
        "schedule": {"actions": [{"key": "a1", "name": "Doradztwo", "description": "Dyżury doradcze co tydzień",
                                  "target_group": "organizacje", "start": "2027-03-01", "end": "2027-12-15"}]},
        "results": {"expected_results": "40 osób i 16 organizacji otrzyma wsparcie.",
                    "indicators": [{"name": "Liczba organizacji", "target": "16", "monitoring": "listy obecności"}]},
        "capacity": {"prior_activity": "Prowadzimy centrum od 2009 r.", "resources": "5 osób kadry, lokal."},
        "costs": {"lines": [
            {"key": "c1", "group": "action", "action": "a1", "name": "Wynagrodzenie doradcy", "unit": "godz.",
             "unit_cost": "1", "units": str(action_value), "grant_part": str(grant_d - admin_d)},
            {"key": "c2", "group": "admin", "name": "Koordynacja", "unit": "mies.", "unit_cost": str(admin_d),
             "units": "1", "grant_part": str(admin_d)},
        ]},
        "sources": {"own_financial": str(own_d)},
        "other": {"paid_activity": "unpaid"},
        "questions": {"answers": {}},
        "declarations": {"public_benefit_scope": True, "payments_within_paid_activity": True,
                         "register_data_true": True, "information_true": True, "personal_data_consents": True,
                         "tax_arrears": "no", "social_insurance_arrears": "no",
                         "signatories": [{"name": "Anna Nowak", "function": "Prezes Zarządu"}]},
    }


def draft_offers(comp: Competition, area: TaskArea, orgs: Sequence[Organization], users: Sequence) -> list[Offer]:
    """One complete draft per organisation, created by its administrator."""
    offers = Offer.objects.bulk_create([
        Offer(competition=comp, task_area=area, organization=o, created_by=u, state=OfferState.DRAFT,
              title="Centrum wsparcia organizacji pozarządowych", grant_requested=Decimal("30000.00"),
              total_cost=Decimal("34000.00"), last_revision=13)
        for o, u in zip(orgs, users, strict=True)], batch_size=2000)
    OfferSection.objects.bulk_create([
        OfferSection(offer=offer, key=key, data=value, revision=number, updated_by=offer.created_by)
        for offer in offers
        for number, (key, value) in enumerate(complete_sections(area.pk, offer.organization).items(), start=1)],
        batch_size=5000)
    return offers


def submit_for_real(offer: Offer, actor) -> Offer:
    """The template of the frozen content: one offer submitted through the service."""
    from offers.services import offer_submit

    return offer_submit(offer, actor=actor)


def submitted_offers(comp: Competition, areas: Sequence[TaskArea], orgs: Sequence[Organization], creator,
                     *, snapshot: dict | None = None) -> list[Offer]:
    """Submitted offers written straight, each with a frozen content shaped like a real one
    (a copy of `snapshot`, with its own number and offeror) when one is given."""
    now = timezone.now() - dt.timedelta(days=1)
    ids = reserve_ids(Offer, len(orgs))
    rows = []
    for i, (pk, org) in enumerate(zip(ids, orgs, strict=True)):
        frozen = None
        if snapshot is not None:
            frozen = copy.deepcopy(snapshot)
            frozen["offer"], frozen["number"] = pk, f"{comp.reference}/{pk}"
            frozen["organization"].update({"id": org.pk, "name": org.name, "krs": org.krs, "nip": org.nip,
                                           "regon": org.regon, "email": org.email})
            frozen["sections"]["offeror"].update({"name": org.name, "krs": org.krs, "nip": org.nip})
        rows.append(Offer(pk=pk, competition=comp, task_area=areas[i % len(areas)], organization=org,
                          created_by=creator, state=OfferState.SUBMITTED, title=f"Zadanie publiczne nr {i + 1}",
                          grant_requested=Decimal("30000.00"), total_cost=Decimal("34000.00"),
                          submitted_at=now + dt.timedelta(seconds=i), submitted_by=creator, snapshot=frozen,
                          snapshot_sha256=f"{i:064x}", last_revision=13))
    return Offer.objects.bulk_create(rows, batch_size=1000)


# --- the evaluation ----------------------------------------------------------------------------------------


def evaluation(comp: Competition, offers: Sequence[Offer], criteria: dict[int, list[Criterion]], *, members: int,
               tag: str, state: str = EvaluationState.AWAITING_DECISION, seed: int = 7) -> tuple[Evaluation, list]:
    """Every offer formally accepted, every member impartial and every sheet submitted, scores
    varying deterministically; written with COPY, so that 100 000 sheets take seconds."""
    now = timezone.now() - dt.timedelta(hours=2)
    evaluation_ = Evaluation.objects.create(competition=comp, state=state, merit_started_at=now,
                                            scoring_closed_at=now if state != EvaluationState.MERIT_REVIEW else None,
                                            protocol_signed_by="Adamska, Borowski")
    committee = Committee.objects.create(competition=comp, state=CommitteeState.APPOINTED,
                                         appointment_reference="Zarządzenie 12/2027", appointed_at=now)
    users = User.objects.bulk_create([
        User(username=f"member-{tag}-{i}", first_name="Członek", last_name=f"Komisji {i}",
             email=f"member-{tag}-{i}@example.org", password=NO_PASSWORD) for i in range(members)])
    seats = Seat.objects.bulk_create([
        Seat(committee=committee, user=u, role=SeatRole.CHAIR if i == 0 else SeatRole.MEMBER)
        for i, u in enumerate(users)])
    offer_ids = [o.pk for o in offers]
    area_of = {o.pk: o.task_area_id for o in offers}
    say(f"  evaluation: {len(offers)} offers × {members} members")
    with transaction.atomic():
        copy_rows(FormalCheck, ["offer_id", "state", "remedy_sections", "remedy_message", "reasons", "decided_at"],
                  ((pk, FormalCheckState.ACCEPTED, "[]", "", "", now) for pk in offer_ids))
        copy_rows(Award, ["offer_id", "state", "justification", "cut_reason", "decision_reason"],
                  ((pk, "pending", "", "", "") for pk in offer_ids))
        copy_rows(Declaration, ["seat_id", "offer_id", "state", "ground", "declared_at"],
                  ((s.pk, pk, DeclarationState.IMPARTIAL, "", now) for s in seats for pk in offer_ids))
        sheet_ids = reserve_ids(ScoreSheet, len(seats) * len(offer_ids))
        pairs = [(s.pk, pk) for s in seats for pk in offer_ids]
        copy_rows(ScoreSheet, ["id", "seat_id", "offer_id", "state", "comment", "submitted_at", "updated_at"],
                  ((sid, seat, pk, SheetState.SUBMITTED, "", now, now)
                   for sid, (seat, pk) in zip(sheet_ids, pairs, strict=True)))

        def scores():
            for n, (sid, (_seat, pk)) in enumerate(zip(sheet_ids, pairs, strict=True)):
                for k, criterion in enumerate(criteria[area_of[pk]]):
                    points = (n * 7 + k * 3 + seed) % int(criterion.max_points + 1)
                    yield sid, criterion.pk, Decimal(points), "komentarz"

        copy_rows(Score, ["sheet_id", "criterion_id", "points", "comment"], scores())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return evaluation_, seats


# --- the data set the ranking and the protocol share ------------------------------------------------------

NATIONAL = {"full": {"offers": 20000, "members": 5, "criteria": 6, "areas": 4},
            "smoke": {"offers": 300, "members": 5, "criteria": 6, "areas": 2}}


NATIONAL_REFERENCE, NATIONAL_SMALL_REFERENCE = "DPP.524.1.2027", "DPP.524.2.2027"


def build_national(size: str) -> None:
    """A national competition: 20 000 offers in 4 tasks × 5 members × 6 criteria (600 000 scores),
    and one a tenth of its size (for the protocol's memory at N/10)."""
    spec = NATIONAL[size]
    authority, officer = authority_with_staff("kraj")
    authority.kind = AuthorityKind.NATIONAL
    authority.save(update_fields=["kind"])
    for reference, count, tag in ((NATIONAL_REFERENCE, spec["offers"], "kraj"),
                                  (NATIONAL_SMALL_REFERENCE, spec["offers"] // 10, "kraj10")):
        comp, areas, criteria = competition(authority, state=CompetitionState.SUBMISSION_CLOSED,
                                            reference=reference, areas=spec["areas"], criteria=spec["criteria"],
                                            points=(10, 10, 5, 5, 10, 10))
        say(f"  national {reference}: {count} organisations")
        orgs, _users, _keys = organizations(count, tag=tag, with_users=False)
        offers = submitted_offers(comp, areas, orgs, officer)
        evaluation(comp, offers, criteria, members=spec["members"], tag=tag)


def national() -> tuple[Evaluation, object]:
    """The national competition's evaluation and its officer, in a database where it is built."""
    item = Evaluation.objects.select_related("competition__authority").get(competition__reference=NATIONAL_REFERENCE)
    return item, User.objects.get(username="officer-kraj")


def json_size(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str))
