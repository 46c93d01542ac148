"""factory-boy factories: one trait per state. States are set at creation only (the FSM
field is protected); tests that need a transition call the services."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from competitions.models import (
    Authority,
    AuthorityKind,
    Channel,
    Competition,
    CompetitionState,
    Criterion,
    PriorFunding,
    PublicationRecord,
    TaskArea,
)
from competitions.services import authority_grant_role
from offers.identifiers import generate_bank_account, generate_krs, generate_nip, generate_regon
from offers.models import LegalForm, Offer, OfferSection, OfferState, Organization, RepresentationRole

_rng = random.Random(20270101)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="pl_PL")
    last_name = factory.Faker("last_name", locale="pl_PL")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority

    name = factory.Sequence(lambda n: f"Gmina Testowa {n}")
    organ = factory.LazyAttribute(lambda a: f"Wójt {a.name}")
    slug = factory.Sequence(lambda n: f"gmina-{n}")
    kind = AuthorityKind.GMINA


def staff(authority: Authority, role: str, **kwargs):
    user = UserFactory(**kwargs)
    authority_grant_role(authority=authority, user=user, role=role)
    return user


def _weeks_ago() -> dt.datetime:
    return timezone.now() - dt.timedelta(weeks=8)


class CompetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competition
        skip_postgeneration_save = True

    authority = factory.SubFactory(AuthorityFactory)
    reference = factory.Sequence(lambda n: f"BOP.524.{n}.2027")
    title = "Otwarty konkurs ofert — wspieranie rozwoju społeczeństwa obywatelskiego"
    year = 2027
    task_type = "Wspieranie rozwoju społeczeństwa obywatelskiego"
    award_rules = "Dotacje przyznaje Prezydent Miasta po zaopiniowaniu ofert przez komisję konkursową."
    performance_terms = "Zadanie realizowane od 1 marca do 15 grudnia 2027 r."
    selection_procedure = "Oceny dokonuje komisja według kryteriów z art. 15 ust. 1 ustawy."
    submission_deadline = factory.LazyFunction(lambda: (timezone.now() + dt.timedelta(days=30)).replace(second=0,
                                                                                                        microsecond=0))
    selection_date = factory.LazyAttribute(lambda c: (c.submission_deadline + dt.timedelta(days=30)).date())

    class Params:
        # approved some weeks ago, so that tests may record publications on any recent day
        approved = factory.Trait(state=CompetitionState.APPROVED, approved_at=factory.LazyFunction(_weeks_ago))
        published = factory.Trait(state=CompetitionState.PUBLISHED, approved_at=factory.LazyFunction(_weeks_ago),
                                  published_at=factory.LazyFunction(timezone.now))
        closed = factory.Trait(
            state=CompetitionState.SUBMISSION_CLOSED, published_at=factory.LazyFunction(timezone.now),
            submission_deadline=factory.LazyFunction(lambda: (timezone.now() - dt.timedelta(hours=1)).replace(
                second=0, microsecond=0)),
            closed_at=factory.LazyFunction(timezone.now))
        cancelled = factory.Trait(state=CompetitionState.CANCELLED)

    @factory.post_generation
    def with_areas(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        area = TaskAreaFactory(competition=obj)
        for order, (name, points) in enumerate(
            [("Możliwość realizacji zadania", 5), ("Kalkulacja kosztów", 10), ("Jakość i kwalifikacje", 10)], 1):
            Criterion.objects.create(task_area=area, order=order, name=name, max_points=Decimal(points))
        year = timezone.localdate().year
        for y in (year - 1, year):
            PriorFunding.objects.create(competition=obj, year=y, description="Zadania tego rodzaju",
                                        total_cost=Decimal("100000.00"), grants_to_ngos=Decimal("90000.00"))


class TaskAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskArea

    competition = factory.SubFactory(CompetitionFactory, with_areas=False)
    number = factory.LazyAttribute(lambda a: a.competition.task_areas.count() + 1)
    name = "Prowadzenie centrum wsparcia organizacji pozarządowych"
    sphere = "wspieranie_ngo"
    form = "wspieranie"
    budget = Decimal("120000.00")
    min_grant = Decimal("20000.00")
    max_grant = Decimal("60000.00")
    min_own_contribution_pct = Decimal("10.00")
    max_admin_costs_pct = Decimal("15.00")
    window_start = dt.date(2027, 3, 1)
    window_end = dt.date(2027, 12, 15)


def record_all_channels(competition: Competition, user, published_on: dt.date | None = None):
    for channel in (Channel.BIP, Channel.NOTICEBOARD, Channel.WEBSITE):
        PublicationRecord.objects.create(competition=competition, channel=channel, version=competition.version,
                                         published_on=published_on or timezone.localdate(), recorded_by=user)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Stowarzyszenie Testowe {n}")
    legal_form = LegalForm.ASSOCIATION
    krs = factory.LazyFunction(lambda: generate_krs(_rng))
    nip = factory.LazyFunction(lambda: generate_nip(_rng))
    regon = factory.LazyFunction(lambda: generate_regon(_rng))
    street = "ul. Graniczna 27"
    postal_code = "41-300"
    city = "Dąbrowa Górnicza"
    email = factory.Sequence(lambda n: f"biuro{n}@ngo.example.org")
    bank_account = factory.LazyFunction(lambda: generate_bank_account(_rng))
    statutory_activity = "Wspieranie organizacji pozarządowych, wolontariat."


def representative(organization: Organization, role: str = RepresentationRole.ADMIN, **kwargs):
    from offers.models import Representation
    from offers.services import _grant

    user = UserFactory(**kwargs)
    Representation.objects.create(organization=organization, user=user, role=role, function="Prezes Zarządu")
    _grant(organization, user, role)
    return user


def complete_sections(task_area: TaskArea, organization: Organization, *, grant: str = "30000.00",
                      own: str = "4000.00", admin: str = "2000.00") -> dict[str, dict]:
    """A complete, valid offer: one action with one line, one admin line, sources that add up."""
    grant_d, own_d, admin_d = Decimal(grant), Decimal(own), Decimal(admin)
    total = grant_d + own_d
    action_value = total - admin_d
    return {
        "basic": {"task_area": task_area.pk},
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


class OfferFactory(factory.django.DjangoModelFactory):
    """A draft offer with complete, valid content (trait `submitted` for a submitted one)."""

    class Meta:
        model = Offer
        skip_postgeneration_save = True

    task_area = factory.SubFactory(TaskAreaFactory, competition=factory.SubFactory(CompetitionFactory, published=True,
                                                                                   with_areas=False))
    competition = factory.LazyAttribute(lambda o: o.task_area.competition)
    organization = factory.SubFactory(OrganizationFactory)
    created_by = factory.SubFactory(UserFactory)
    title = "Centrum wsparcia organizacji pozarządowych"
    grant_requested = Decimal("30000.00")
    total_cost = factory.LazyAttribute(lambda o: o.grant_requested + Decimal("4000.00"))

    class Params:
        submitted = factory.Trait(state=OfferState.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now),
                                  snapshot_sha256="0" * 64)
        withdrawn = factory.Trait(state=OfferState.WITHDRAWN)

    @factory.post_generation
    def content(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        # the content asks for the grant the row says, so that what is read from it agrees with the row
        sections = extracted if isinstance(extracted, dict) else complete_sections(
            obj.task_area, obj.organization, grant=str(obj.grant_requested or Decimal("30000.00")),
            own=str((obj.total_cost or Decimal("0")) - (obj.grant_requested or Decimal("0")) or Decimal("4000.00")))
        for number, (key, data) in enumerate(sections.items(), start=1):
            OfferSection.objects.create(offer=obj, key=key, data=data, revision=number)
        Offer.objects.filter(pk=obj.pk).update(last_revision=len(sections))
        obj.last_revision = len(sections)
