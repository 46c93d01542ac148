"""Authorities and their open competitions (otwarty konkurs ofert, u.d.p.p. art. 11–13, 18a)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from workflow.calendar import format_local, local_date
from workflow.errors import Refusal
from workflow.guards import guard
from workflow.permissions import has_object_perm
from workflow.rules import SYSTEM, Rule

# art. 13 ust. 1: offers are accepted for at least 21 days from the last mandatory publication.
MIN_SUBMISSION_DAYS = 21
MONEY = {"max_digits": 14, "decimal_places": 2}


class AuthorityKind(models.TextChoices):
    GMINA = "gmina", _("municipality (gmina)")
    POWIAT = "powiat", _("county (powiat)")
    WOJEWODZTWO = "wojewodztwo", _("voivodeship (województwo)")
    NATIONAL = "national", _("national body")


class AuthorityRole(models.TextChoices):
    OFFICER = "officer", _("competition officer")
    APPROVER = "approver", _("approver")
    FINANCE = "finance", _("finance officer")


ROLE_PERMISSION = {
    AuthorityRole.OFFICER: "act_as_officer",
    AuthorityRole.APPROVER: "act_as_approver",
    AuthorityRole.FINANCE: "act_as_finance",
}


class Authority(models.Model):
    """A public authority (organ administracji publicznej); the tenant every row traces back to."""

    name = models.CharField(_("name"), max_length=200)
    organ = models.CharField(_("executive organ"), max_length=200, help_text=_("e.g. Prezydent Miasta …"))
    slug = models.SlugField(_("short name"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AuthorityKind.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    bip_url = models.URLField(_("BIP address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["name"]
        permissions = [
            ("act_as_officer", "Competition officer in the authority"),
            ("act_as_approver", "Approver in the authority"),
            ("act_as_finance", "Finance officer in the authority"),
        ]

    def __str__(self) -> str:
        return self.name

    def role_group(self, role: str) -> Group:
        group, _created = Group.objects.get_or_create(name=f"authority-{self.pk}-{role}")
        return group


class AuthorityUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Authority, on_delete=models.CASCADE)


class AuthorityGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Authority, on_delete=models.CASCADE)


def has_role(user, authority: Authority, role: str) -> bool:
    return has_object_perm(user, ROLE_PERMISSION[role], authority)


def _role_rule(role: str) -> Rule:
    return Rule(role, lambda competition, user: has_role(user, competition.authority, role))


IS_OFFICER = _role_rule(AuthorityRole.OFFICER)
IS_APPROVER = _role_rule(AuthorityRole.APPROVER)


class TaskForm(models.TextChoices):
    # art. 5 ust. 4 pkt 2: wspieranie is co-financing, powierzenie full financing
    SUPPORT = "wspieranie", _("support (wspieranie)")
    ENTRUST = "powierzenie", _("entrusting (powierzenie)")


class PublicTaskSphere(models.TextChoices):
    """Spheres of public tasks of art. 4 ust. 1 (a selection, [GK] numbering not relied on)."""

    SOCIAL_ASSISTANCE = "pomoc_spoleczna", _("social assistance")
    FAMILY = "rodzina", _("support for the family and foster care")
    CHARITY = "charytatywna", _("charitable activity")
    NATIONAL_TRADITION = "tradycja", _("national tradition and civic awareness")
    MINORITIES = "mniejszosci", _("national and ethnic minorities, regional language")
    HEALTH = "zdrowie", _("health protection and promotion")
    DISABILITY = "niepelnosprawnosc", _("people with disabilities")
    EMPLOYMENT = "zatrudnienie", _("employment and vocational activation")
    SENIORS = "seniorzy", _("people of retirement age")
    ENTERPRISE = "przedsiebiorczosc", _("entrepreneurship")
    LOCAL_COMMUNITIES = "wspolnoty_lokalne", _("development of local communities")
    EDUCATION = "edukacja", _("science, education and upbringing")
    CHILDREN_LEISURE = "wypoczynek", _("leisure of children and young people")
    CULTURE = "kultura", _("culture, art, heritage")
    SPORT = "sport", _("physical culture and sport")
    ECOLOGY = "ekologia", _("ecology, animals, natural heritage")
    TOURISM = "turystyka", _("tourism and sightseeing")
    PUBLIC_ORDER = "porzadek", _("public order and safety")
    HUMAN_RIGHTS = "prawa_czlowieka", _("freedoms, human rights, democracy")
    RESCUE = "ratownictwo", _("rescue and civil protection")
    ADDICTIONS = "uzaleznienia", _("prevention of addictions")
    VOLUNTEERING = "wolontariat", _("promotion of volunteering")
    NGO_SUPPORT = "wspieranie_ngo", _("support for non-governmental organisations")
    OTHER = "inne", _("other sphere of art. 4")


class CompetitionState(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    PUBLISHED = "published", _("accepting offers")
    SUBMISSION_CLOSED = "submission_closed", _("submissions closed")
    CANCELLED = "cancelled", _("cancelled")


class CancellationGround(models.TextChoices):
    # art. 18a ust. 1: the authority must cancel in these two cases
    NO_OFFERS = "no_offers", _("no offer was submitted (art. 18a ust. 1 pkt 1)")
    NO_VALID_OFFERS = "no_valid_offers", _("no offer met the requirements (art. 18a ust. 1 pkt 2)")
    RESERVATION = "reservation", _("a reservation in the announcement")
    NOT_PUBLISHED = "not_published", _("withdrawn before publication")


class Competition(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """An open competition for offers and its announcement (ogłoszenie, art. 13 ust. 2)."""

    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="competitions",
                                  verbose_name=_("authority"))
    reference = models.CharField(_("reference number"), max_length=60, help_text=_("e.g. BOP.524.1.2027"))
    title = models.CharField(_("title"), max_length=300)
    year = models.PositiveIntegerField(_("budget year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    state = FSMField(_("state"), default=CompetitionState.DRAFT, choices=CompetitionState.choices, protected=True)

    # art. 13 ust. 2 — each element of the announcement is a required field
    task_type = models.TextField(_("type of task (pkt 1)"), blank=True)
    award_rules = models.TextField(_("rules for awarding grants (pkt 3)"), blank=True)
    performance_terms = models.TextField(_("dates and conditions of performance (pkt 4)"), blank=True)
    submission_deadline = models.DateTimeField(_("deadline for offers (pkt 5)"), null=True, blank=True)
    selection_procedure = models.TextField(_("procedure and criteria of selection (pkt 6)"), blank=True)
    selection_date = models.DateField(_("date of the selection (pkt 6)"), null=True, blank=True)
    # pkt 2 (funds) is the sum of the task areas' budgets; pkt 7 is PriorFunding.

    remedy_days = models.PositiveSmallIntegerField(_("days to remedy formal defects"), default=7,
                                                   validators=[MinValueValidator(1), MaxValueValidator(60)])
    per_line_grant_split = models.BooleanField(
        _("grant part per cost line"), default=True,
        help_text=_("Offers state which part of each cost line the grant finances; the contract's tolerance "
                    "applies to that part."))
    allow_joint_offers = models.BooleanField(_("joint offers allowed (art. 14 ust. 2)"), default=True)
    cancellation_reservation = models.TextField(
        _("reservation of the right to cancel"), blank=True,
        help_text=_("A clause of the announcement; without it only the art. 18a grounds allow cancellation."))

    version = models.PositiveIntegerField(_("announcement version"), default=1)
    approval_reference = models.CharField(_("approved by (zarządzenie/uchwała)"), max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancellation_ground = models.CharField(max_length=30, choices=CancellationGround.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("Nothing is deleted: an inactive competition is hidden."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")
        ordering = ["-year", "-submission_deadline", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "reference"], name="competition_reference_unique"),
        ]
        indexes = [models.Index(fields=["state", "submission_deadline"], name="competition_state_deadline")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    # --- derived facts, computed from rows ------------------------------------------------------
    def total_funds(self) -> Decimal:
        return self.task_areas.aggregate(s=Sum("budget"))["s"] or Decimal("0.00")

    def accepting_offers(self, now: dt.datetime | None = None) -> bool:
        return self.state == CompetitionState.PUBLISHED and deadline_open(self.submission_deadline, now)

    def last_publication_date(self) -> dt.date | None:
        """The date the last of the three mandatory channels published the current version."""
        dates = dict(
            self.publications.filter(kind=PublicationKind.ANNOUNCEMENT, version=self.version)
            .values_list("channel").annotate(last=Max("published_on"))
        )
        if any(dates.get(channel) is None for channel in MANDATORY_CHANNELS):
            return None
        return max(dates[channel] for channel in MANDATORY_CHANNELS)

    def missing_channel_labels(self) -> list:
        """The mandatory channels not yet recorded for the current version, as lazy labels."""
        recorded = set(
            self.publications.filter(kind=PublicationKind.ANNOUNCEMENT, version=self.version)
            .values_list("channel", flat=True)
        )
        return [Channel(c).label for c in MANDATORY_CHANNELS if c not in recorded]

    def missing_channels(self) -> list[str]:
        return [str(label) for label in self.missing_channel_labels()]

    def announcement_problems(self) -> list[Refusal]:
        """What the announcement still lacks (art. 13 ust. 2), each as a human message."""
        problems = []
        required = [
            ("task_type", _("the type of task")),
            ("award_rules", _("the rules for awarding grants")),
            ("performance_terms", _("the dates and conditions of performance")),
            ("selection_procedure", _("the procedure and criteria of selection")),
        ]
        for field, label in required:
            if not getattr(self, field).strip():
                problems.append(Refusal("missing_" + field, _("The announcement lacks {what} (art. 13 ust. 2)."),
                                        {"what": label}))
        if self.submission_deadline is None:
            problems.append(Refusal("missing_deadline", _("The deadline for offers is not set.")))
        if self.selection_date is None:
            problems.append(Refusal("missing_selection_date", _("The date of the selection is not set.")))
        elif self.submission_deadline and self.selection_date < local_date(self.submission_deadline):
            problems.append(Refusal("selection_before_deadline",
                                    _("The selection date is before the deadline for offers.")))
        # art. 13 ust. 2 pkt 7: tasks of the same type in the announcement year and the previous one
        prior_years = set(self.prior_funding.values_list("year", flat=True))
        announced = local_date(self.published_at or timezone.now()).year
        for year in sorted({announced - 1, announced} - prior_years):
            problems.append(Refusal("missing_prior_funding",
                                    _("The announcement lacks the tasks of this type and their cost in {year} "
                                      "(art. 13 ust. 2 pkt 7); enter 0 if there were none."), {"year": year}))
        areas = list(self.task_areas.annotate(n_criteria=models.Count("criteria")))
        if not areas:
            problems.append(Refusal("no_task_areas", _("The competition has no task area.")))
        for area in areas:
            problems.extend(area.configuration_problems(n_criteria=area.n_criteria))
        return problems

    # --- the state machine ---------------------------------------------------------------------
    @transition(field=state, source=CompetitionState.DRAFT, target=CompetitionState.APPROVED,
                permission=IS_APPROVER, conditions=[guard(lambda c: c.announcement_problems() or None)],
                custom={"label": _("Approve the announcement")})
    def approve(self, approval_reference: str = ""):
        self.approval_reference = approval_reference
        self.approved_at = timezone.now()
        return {"approval_reference": approval_reference, "total_funds": self.total_funds()}

    @transition(field=state, source=CompetitionState.APPROVED, target=CompetitionState.DRAFT,
                permission=IS_OFFICER | IS_APPROVER, custom={"label": _("Return to draft")})
    def reopen(self):
        self.approved_at = None
        return {}

    @transition(field=state, source=CompetitionState.APPROVED, target=CompetitionState.PUBLISHED,
                permission=IS_OFFICER, custom={"label": _("Publish")},
                conditions=[guard(lambda c: c.announcement_problems() or None),
                            guard(lambda c: c.publication_problems() or None)])
    def publish(self):
        self.published_at = timezone.now()
        return {"version": self.version, "deadline": self.submission_deadline,
                "last_publication": self.last_publication_date()}

    def publication_problems(self) -> list[Refusal]:
        missing = self.missing_channel_labels()
        if missing:
            # art. 13 ust. 3: BIP, the noticeboard at the seat and the website, all three.
            # Joined lazily, so that the message reads in Polish and in English (Refusal.as_dict).
            return [Refusal("channels_missing", _("Publication not recorded on: {channels} (art. 13 ust. 3)."),
                            {"channels": format_lazy(", ".join(["{}"] * len(missing)), *missing)})]
        problems = []
        last = self.last_publication_date()
        if self.submission_deadline and last:
            earliest = last + dt.timedelta(days=MIN_SUBMISSION_DAYS)
            if local_date(self.submission_deadline) < earliest:
                problems.append(Refusal(
                    "deadline_too_early",
                    _("The deadline must be at least 21 days after the last publication ({last}): "
                      "{earliest} or later (art. 13 ust. 1)."),
                    {"last": last.strftime("%d.%m.%Y"), "earliest": earliest.strftime("%d.%m.%Y")}))
        if self.submission_deadline and self.submission_deadline <= timezone.now():
            problems.append(Refusal("deadline_past", _("The deadline for offers has already passed.")))
        return problems

    @transition(field=state, source=[CompetitionState.PUBLISHED, CompetitionState.SUBMISSION_CLOSED],
                target=CompetitionState.PUBLISHED, permission=IS_OFFICER,
                custom={"label": _("Extend the deadline")})
    def extend_deadline(self, new_deadline: dt.datetime):
        old = self.submission_deadline
        self.submission_deadline = new_deadline
        self.closed_at = None
        return {"old_deadline": old, "new_deadline": new_deadline}

    @transition(field=state, source=CompetitionState.PUBLISHED, target=CompetitionState.SUBMISSION_CLOSED,
                permission=SYSTEM | IS_OFFICER, custom={"label": _("Close submissions")},
                conditions=[guard(lambda c: None if not deadline_open(c.submission_deadline) else Refusal(
                    "deadline_not_reached", _("Offers are accepted until {deadline}."),
                    {"deadline": format_local(c.submission_deadline)}))])
    def close_submissions(self):
        self.closed_at = timezone.now()
        return {"deadline": self.submission_deadline, "offers_submitted": self.submitted_offer_count()}

    def submitted_offer_count(self) -> int:
        from .signals import counts_for

        return counts_for([self.pk])[self.pk]["submitted"]

    def statutory_cancellation_grounds(self) -> list[str]:
        """The art. 18a ust. 1 grounds that apply now, as the later stages report them
        (no offer submitted — offers; no offer formally valid — evaluation)."""
        from .signals import grounds_for

        if self.state in (CompetitionState.DRAFT, CompetitionState.APPROVED, CompetitionState.PUBLISHED):
            return []
        return grounds_for(self)

    def cancellation_problems(self) -> list[Refusal]:
        if self.state in (CompetitionState.DRAFT, CompetitionState.APPROVED):
            return []
        if self.cancellation_reservation.strip():
            return []
        if self.statutory_cancellation_grounds():
            return []
        return [Refusal("no_cancellation_ground",
                        _("Cancellation needs an art. 18a ground (no offers, or no valid offer) or a reservation "
                          "in the announcement; neither applies now."))]

    @transition(field=state,
                source=[CompetitionState.DRAFT, CompetitionState.APPROVED, CompetitionState.PUBLISHED,
                        CompetitionState.SUBMISSION_CLOSED],
                target=CompetitionState.CANCELLED, permission=IS_APPROVER,
                custom={"label": pgettext_lazy("competition transition", "Cancel")},
                conditions=[guard(lambda c: c.cancellation_problems() or None)])
    def cancel(self, ground: str = ""):
        if self.state in (CompetitionState.DRAFT, CompetitionState.APPROVED):
            ground = CancellationGround.NOT_PUBLISHED
        elif not ground:
            grounds = self.statutory_cancellation_grounds()
            ground = grounds[0] if grounds else CancellationGround.RESERVATION
        self.cancellation_ground = ground
        return {"ground": ground, "offers_submitted": self.submitted_offer_count()}


def deadline_open(deadline: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """Hard rule 2: the deadline cuts to the minute by the server clock.

    A deadline of 16:00 accepts an offer at 16:00:59 and refuses one at 16:01:00,
    whatever the scheduler has or has not done.
    """
    if deadline is None:
        return False
    now = now or timezone.now()
    return now.replace(second=0, microsecond=0) <= deadline.replace(second=0, microsecond=0)


class Channel(models.TextChoices):
    BIP = "bip", _("Public Information Bulletin (BIP)")
    NOTICEBOARD = "noticeboard", _("noticeboard at the authority's seat")
    WEBSITE = "website", _("authority's website")
    PRESS = "press", _("press (optional)")


MANDATORY_CHANNELS = (Channel.BIP, Channel.NOTICEBOARD, Channel.WEBSITE)


class PublicationKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("announcement")
    AMENDMENT = "amendment", _("change of the announcement")
    CANCELLATION = "cancellation", _("cancellation")
    RESULTS = "results", _("results (art. 15 ust. 2h)")


class PublicationRecord(models.Model):
    """Where and when a notice of the competition appeared (art. 13 ust. 3, art. 18a ust. 2)."""

    competition = models.ForeignKey(Competition, on_delete=models.PROTECT, related_name="publications")
    kind = models.CharField(_("notice"), max_length=20, choices=PublicationKind.choices,
                            default=PublicationKind.ANNOUNCEMENT)
    version = models.PositiveIntegerField(_("announcement version"), default=1)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    published_on = models.DateField(_("published on"))
    url = models.URLField(_("address"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("publication record")
        verbose_name_plural = _("publication records")
        ordering = ["published_on", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "kind", "version", "channel"],
                                    name="publication_once_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.published_on}"


class PriorFunding(models.Model):
    """art. 13 ust. 2 pkt 7: same-type tasks of this and the previous year, with their costs."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="prior_funding")
    year = models.PositiveIntegerField(_("year"))
    description = models.CharField(_("task"), max_length=300)
    total_cost = models.DecimalField(_("cost"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    grants_to_ngos = models.DecimalField(_("of which grants to NGOs"), **MONEY,
                                         validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        verbose_name = _("prior-year task")
        verbose_name_plural = _("prior-year tasks")
        ordering = ["year", "pk"]

    def __str__(self) -> str:
        return f"{self.year}: {self.description}"


class TaskArea(models.Model):
    """One task of the announcement, with its own budget, form and limits."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="task_areas")
    number = models.PositiveSmallIntegerField(_("no."))
    name = models.CharField(_("task"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    sphere = models.CharField(_("sphere of public tasks (art. 4)"), max_length=40, choices=PublicTaskSphere.choices)
    form = models.CharField(_("form of the task"), max_length=20, choices=TaskForm.choices, default=TaskForm.SUPPORT)
    budget = models.DecimalField(_("budget"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    min_grant = models.DecimalField(_("minimum grant"), **MONEY, null=True, blank=True,
                                    validators=[MinValueValidator(Decimal("0"))])
    max_grant = models.DecimalField(_("maximum grant"), **MONEY, null=True, blank=True,
                                    validators=[MinValueValidator(Decimal("0.01"))])
    min_own_contribution_pct = models.DecimalField(
        _("minimum own contribution (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Own financial and non-financial contribution, as a share of the total cost."))
    min_own_financial_pct = models.DecimalField(
        _("minimum own financial contribution (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    max_admin_costs_pct = models.DecimalField(
        _("maximum administrative costs (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    window_start = models.DateField(_("task may start on"))
    window_end = models.DateField(_("task must end by"))
    pass_threshold_pct = models.DecimalField(
        _("pass threshold (% of maximum points)"), max_digits=5, decimal_places=2, default=Decimal("60.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    tie_break_criterion = models.ForeignKey(
        "Criterion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("tie-break criterion"),
        help_text=_("With equal points, the higher mean of this criterion ranks first; then the earlier submission."))
    tie_break = models.TextField(_("tie-break rule"), blank=True,
                                 default="Przy równej liczbie punktów decyduje wyższa ocena kryterium kalkulacji "
                                         "kosztów, a następnie wcześniejsze złożenie oferty.")

    class Meta:
        verbose_name = _("task area")
        verbose_name_plural = _("task areas")
        ordering = ["competition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "number"], name="task_area_number_unique"),
            models.CheckConstraint(condition=Q(window_end__gte=models.F("window_start")),
                                   name="task_area_window_ordered"),
            models.CheckConstraint(
                condition=(Q(min_grant__isnull=True) | Q(max_grant__isnull=True)
                           | Q(max_grant__gte=models.F("min_grant"))),
                name="task_area_grant_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.tie_break_criterion_id and (self.pk is None or self.tie_break_criterion.task_area_id != self.pk):
            raise ValidationError({"tie_break_criterion": _("Choose one of this task's own criteria.")})

    def max_points(self) -> Decimal:
        return self.criteria.aggregate(s=Sum("max_points"))["s"] or Decimal("0")

    def configuration_problems(self, n_criteria: int | None = None) -> list[Refusal]:
        problems = []
        if n_criteria is None:
            n_criteria = self.criteria.count()
        if n_criteria == 0:
            problems.append(Refusal("no_criteria", _("Task {number}: no criteria are defined (art. 15 ust. 1)."),
                                    {"number": self.number}))
        if self.max_grant is not None and self.max_grant > self.budget:
            problems.append(Refusal("max_grant_over_budget",
                                    _("Task {number}: the maximum grant exceeds the task's budget."),
                                    {"number": self.number}))
        if self.window_end.year != self.window_start.year and (self.window_end - self.window_start).days > 3 * 366:
            problems.append(Refusal("window_too_long",
                                    _("Task {number}: the task window is longer than three years."),
                                    {"number": self.number}))
        return problems


class Criterion(models.Model):
    """A merit criterion with its maximum points (art. 15 ust. 1 and the announcement)."""

    task_area = models.ForeignKey(TaskArea, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("criterion"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    max_points = models.DecimalField(_("maximum points"), max_digits=5, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0.5"))])
    step = models.DecimalField(_("score step"), max_digits=4, decimal_places=2, default=Decimal("1.00"),
                               validators=[MinValueValidator(Decimal("0.01"))])
    statutory_basis = models.CharField(_("basis"), max_length=60, blank=True,
                                       help_text=_("e.g. art. 15 ust. 1 pkt 2"))

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["task_area", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One item of the formal check; remediable defects may be fixed after a call to remedy."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="checklist")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.CharField(_("requirement"), max_length=500)
    remediable = models.BooleanField(_("defect can be remedied"), default=True)

    class Meta:
        verbose_name = _("formal checklist item")
        verbose_name_plural = _("formal checklist")
        ordering = ["competition", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class AttachmentRequirement(models.TextChoices):
    ALL = "all", _("every offer")
    NO_KRS = "no_krs", _("offerors not entered in the KRS")
    JOINT = "joint", _("joint offers")


class RequiredAttachment(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="required_attachments")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("attachment"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    required_for = models.CharField(_("required of"), max_length=10, choices=AttachmentRequirement.choices,
                                    default=AttachmentRequirement.ALL)

    class Meta:
        verbose_name = _("required attachment")
        verbose_name_plural = _("required attachments")
        ordering = ["competition", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class ExtraQuestion(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="extra_questions")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.TextField(_("help"), blank=True)
    required = models.BooleanField(_("answer required"), default=True)
    max_length = models.PositiveIntegerField(_("maximum length (characters)"), default=2000,
                                             validators=[MinValueValidator(10), MaxValueValidator(20000)])

    class Meta:
        verbose_name = _("extra question")
        verbose_name_plural = _("extra questions")
        ordering = ["competition", "order", "pk"]

    def __str__(self) -> str:
        return self.text
