"""Organisations (NGOs), the people who represent them, and offers on the statutory form
(Reg. 2057 Annex 1, u.d.p.p. art. 14).

An offer's content is kept, while it is a draft, as one JSON document per section of
the form, exactly as typed (so nothing typed is ever lost to a validation error), with
every saved version kept in OfferRevision. The form itself — which sections, which
fields, which rules — is fixed by regulation and lives in code: offers/form.py. On
submission the content is frozen into `snapshot` with its SHA-256 and its cost lines
are written out as CostLine rows for the stages that follow.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from guardian.models import UserObjectPermissionBase

from competitions.models import MONEY, Competition, CompetitionState, TaskArea, deadline_open
from workflow.calendar import format_local
from workflow.errors import Refusal
from workflow.guards import guard
from workflow.permissions import has_object_perm
from workflow.rules import Rule

from .identifiers import validate_bank_account, validate_krs, validate_nip, validate_regon


class LegalForm(models.TextChoices):
    ASSOCIATION = "stowarzyszenie", _("association (stowarzyszenie)")
    ORDINARY_ASSOCIATION = "stowarzyszenie_zwykle", _("ordinary association (stowarzyszenie zwykłe)")
    FOUNDATION = "fundacja", _("foundation (fundacja)")
    CHURCH_ENTITY = "koscielna_osoba_prawna", _("church legal person (art. 3 ust. 3 pkt 1)")
    SOCIAL_COOPERATIVE = "spoldzielnia_socjalna", _("social cooperative (art. 3 ust. 3 pkt 4)")
    NONPROFIT_COMPANY = "spolka_non_profit", _("non-profit company or sports club (art. 3 ust. 3 pkt 4)")
    RURAL_WOMEN = "kgw", _("rural housewives' circle (KGW, art. 3 ust. 3 pkt 5)")
    SPORTS_CLUB = "uks", _("student sports club (UKS)")
    OTHER = "inna", _("other entity of art. 3 ust. 2–3")


class Organization(models.Model):
    """An NGO or art. 3 ust. 3 entity; its profile pre-fills section II of each new offer."""

    name = models.CharField(_("full name"), max_length=300)
    legal_form = models.CharField(_("legal form"), max_length=30, choices=LegalForm.choices)
    krs = models.CharField(_("KRS number"), max_length=10, blank=True, validators=[validate_krs])
    other_register = models.CharField(
        _("other register and number"), max_length=300, blank=True,
        help_text=_("For entities not in the KRS, e.g. the county's register of ordinary associations."))
    nip = models.CharField(_("NIP"), max_length=10, blank=True, validators=[validate_nip])
    regon = models.CharField(_("REGON"), max_length=14, blank=True, validators=[validate_regon])
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=6)
    city = models.CharField(_("town"), max_length=100)
    correspondence_address = models.CharField(_("address for correspondence, if different"), max_length=300,
                                              blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    bank_account = models.CharField(_("bank account"), max_length=34, blank=True, validators=[validate_bank_account])
    statutory_activity = models.TextField(
        _("statutory activity"), blank=True,
        help_text=_("The fields of public benefit the statute covers (art. 11 ust. 1)."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        permissions = [
            ("administer_organization", "Administer the organisation's profile and representatives"),
            ("submit_offers", "Submit and withdraw the organisation's offers"),
            ("edit_offers", "Draft the organisation's offers"),
        ]

    def __str__(self) -> str:
        return self.name

    def register_label(self) -> str:
        return f"KRS {self.krs}" if self.krs else self.other_register


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)


class RepresentationRole(models.TextChoices):
    ADMIN = "admin", _("administrator (profile, people, offers)")
    SIGNATORY = "signatory", _("authorised to sign and submit offers")
    EDITOR = "editor", _("drafts offers")


ROLE_PERMISSIONS = {
    RepresentationRole.ADMIN: ["view_organization", "edit_offers", "submit_offers", "administer_organization"],
    RepresentationRole.SIGNATORY: ["view_organization", "edit_offers", "submit_offers"],
    RepresentationRole.EDITOR: ["view_organization", "edit_offers"],
}


class Representation(models.Model):
    """A person acting for an organisation. The role's rights are object permissions on the
    organisation (offers.services.representation_set keeps them in step)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="representations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="representations")
    role = models.CharField(_("role"), max_length=20, choices=RepresentationRole.choices)
    function = models.CharField(_("function"), max_length=200, blank=True, help_text=_("e.g. President of the Board"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["organization", "user__last_name"]
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="one_representation_per_user")]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization}"


class Invitation(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=RepresentationRole.choices)
    function = models.CharField(_("function"), max_length=200, blank=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"


def _org_rule(role: str, codename: str) -> Rule:
    return Rule(role, lambda offer, user: has_object_perm(user, codename, offer.organization))


CAN_SUBMIT = _org_rule("ngo_signatory", "submit_offers")
CAN_EDIT = _org_rule("ngo_editor", "edit_offers")


class OfferState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    WITHDRAWN = "withdrawn", _("withdrawn")
    DISCARDED = "discarded", _("discarded draft")


def _deadline_guard(offer: Offer):
    competition = offer.competition
    if competition.state != "published":
        return Refusal("competition_not_open", _("The competition is not accepting offers ({state})."),
                       {"state": CompetitionState(competition.state).label})
    if not deadline_open(competition.submission_deadline):
        # hard rule 2: refused by the server clock, whatever the scheduler did
        return Refusal("deadline_passed", _("The deadline for offers passed at {deadline}."),
                       {"deadline": format_local(competition.submission_deadline)})
    return None


def _content_guard(offer: Offer):
    from .form import check_offer

    problems = check_offer(offer)
    if not problems:
        return None
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.key, []).append(problem.text())
    return Refusal("offer_incomplete", _("The offer has {count} problem(s) to fix before it can be submitted."),
                   {"count": len(problems), "errors": errors})


class Offer(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.PROTECT, related_name="offers",
                                    verbose_name=_("competition"))
    task_area = models.ForeignKey(TaskArea, on_delete=models.PROTECT, related_name="offers", verbose_name=_("task"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="offers",
                                     verbose_name=_("offeror"))
    state = FSMField(_("state"), default=OfferState.DRAFT, choices=OfferState.choices, protected=True)
    # Projections of the content, rewritten by each save of their section (offers.services).
    title = models.CharField(_("title of the task"), max_length=500, blank=True)
    grant_requested = models.DecimalField(_("grant requested"), **MONEY, null=True, blank=True)
    total_cost = models.DecimalField(_("total cost"), **MONEY, null=True, blank=True)
    last_revision = models.PositiveIntegerField(default=0)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    snapshot = models.JSONField(_("frozen content"), null=True, blank=True)
    snapshot_sha256 = models.CharField(_("SHA-256 of the frozen content"), max_length=64, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["competition", "state"], name="offer_competition_state"),
            models.Index(fields=["organization", "state"], name="offer_organization_state"),
        ]

    def __str__(self) -> str:
        return self.title or _("Offer no. {pk}").format(pk=self.pk)

    @property
    def number(self) -> str:
        return f"{self.competition.reference}/{self.pk}"

    @transition(field=state, source=OfferState.DRAFT, target=OfferState.SUBMITTED, permission=CAN_SUBMIT,
                conditions=[guard(_deadline_guard), guard(_content_guard)], custom={"label": _("Submit the offer")})
    def submit(self):
        self.submitted_at = timezone.now()
        return {}

    @transition(field=state, source=OfferState.SUBMITTED, target=OfferState.WITHDRAWN, permission=CAN_SUBMIT,
                custom={"label": _("Withdraw the offer")})
    def withdraw(self):
        # §14.2: possible until the contract is signed; contracts arrive with a later stage.
        self.withdrawn_at = timezone.now()
        return {"sha256": self.snapshot_sha256}

    @transition(field=state, source=OfferState.DRAFT, target=OfferState.DISCARDED, permission=CAN_EDIT,
                custom={"label": _("Discard the draft")})
    def discard(self):
        return {}


class OfferSection(models.Model):
    """The current content of one section of a draft, as typed, and the revision it was saved at."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=20)
    data = models.JSONField(default=dict)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["offer", "key"], name="one_section_per_key")]

    def __str__(self) -> str:
        return f"{self.offer_id}:{self.key}@{self.revision}"


class OfferRevision(models.Model):
    """Every saved version of a section, numbered per offer; nothing is overwritten."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    section = models.CharField(max_length=20)
    data = models.JSONField(default=dict)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["offer", "number"]
        constraints = [models.UniqueConstraint(fields=["offer", "number"], name="one_revision_number_per_offer")]

    def __str__(self) -> str:
        return f"{self.offer_id} r{self.number} {self.section}"


def attachment_path(instance: OfferAttachment, filename: str) -> str:
    return f"offers/{instance.offer_id}/{uuid.uuid4().hex}"


class OfferAttachment(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="attachments")
    requirement = models.ForeignKey("competitions.RequiredAttachment", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("required attachment"))
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["offer", "uploaded_at"]

    def __str__(self) -> str:
        return self.filename


class CostGroup(models.TextChoices):
    ACTION = "action", _("I. costs of actions")
    ADMIN = "admin", _("II. administrative costs")


class CostLine(models.Model):
    """A line of section V.A of a submitted offer, written out from its snapshot for the
    stages that follow (contract tolerance, reports). Drafts keep their lines in the JSON."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="cost_lines")
    position = models.PositiveIntegerField()
    label = models.CharField(_("no."), max_length=20)
    group = models.CharField(max_length=10, choices=CostGroup.choices)
    action_label = models.CharField(max_length=20, blank=True)
    name = models.CharField(_("type of cost"), max_length=500)
    unit = models.CharField(_("unit"), max_length=100)
    unit_cost = models.DecimalField(_("unit cost"), **MONEY)
    units = models.DecimalField(_("number of units"), max_digits=12, decimal_places=2)
    value = models.DecimalField(_("value"), **MONEY)
    grant_part = models.DecimalField(_("of which from the grant"), **MONEY, default=Decimal("0.00"))
    year_values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["offer", "position"]
        constraints = [models.UniqueConstraint(fields=["offer", "position"], name="one_cost_line_per_position")]

    def __str__(self) -> str:
        return f"{self.label} {self.name}"
