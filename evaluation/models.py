"""Evaluation and award: the formal check, the committee and its members' impartiality,
scoring, the award decision and the offer's update (DOMAIN.md §4–7, §14.1–14.3).

Each lifecycle is its own state machine here; the Offer keeps its own (submitted,
withdrawn) and the phase shown to people is derived (selectors.offer_phase).
Aggregates — means, ranks, sums — are never stored: selectors compute them from the
raw scores every time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from competitions.models import MONEY, AuthorityRole, ChecklistItem, Competition, Criterion, has_role
from offers.models import CAN_SUBMIT, Offer, Organization
from workflow.calendar import format_local
from workflow.errors import Refusal
from workflow.guards import guard
from workflow.rules import SYSTEM, Rule

PCT = {"max_digits": 5, "decimal_places": 2,
       "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}


def _authority_rule(role: str, attr: str) -> Rule:
    def check(obj, user) -> bool:
        return has_role(user, _competition_of(obj, attr).authority, role)

    return Rule(role, check)


def _chair_rule(attr: str) -> Rule:
    """The chair of the committee of the competition reached by `attr` (e.g. "offer.competition")."""

    def check(obj, user) -> bool:
        return user is not None and Seat.objects.filter(
            committee__competition=_competition_of(obj, attr), user=user, role=SeatRole.CHAIR, is_active=True
        ).exists()

    return Rule("committee_chair", check)


def _competition_of(obj, attr: str) -> Competition:
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


# --- the evaluation round of a competition ------------------------------------------------------------


class EvaluationState(models.TextChoices):
    FORMAL_REVIEW = "formal_review", _("formal review")
    MERIT_REVIEW = "merit_review", _("merit review by the committee")
    AWAITING_DECISION = "awaiting_decision", _("awaiting the decision")
    RESOLVED = "resolved", _("resolved, results published")


IS_CHAIR = _chair_rule("competition")
EVAL_OFFICER = _authority_rule(AuthorityRole.OFFICER, "competition")
EVAL_APPROVER = _authority_rule(AuthorityRole.APPROVER, "competition")


def _guard_call(name: str):
    """A guard that asks evaluation/guards.py (where the guards' queries live)."""

    def check(evaluation):
        from . import guards

        return getattr(guards, name)(evaluation) or None

    check.__name__ = name
    check.__doc__ = f"see evaluation.guards.{name}"
    return guard(check)


class Evaluation(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    competition = models.OneToOneField(Competition, on_delete=models.PROTECT, related_name="evaluation")
    state = FSMField(_("state"), default=EvaluationState.FORMAL_REVIEW, choices=EvaluationState.choices,
                     protected=True)
    started_at = models.DateTimeField(default=timezone.now)
    merit_started_at = models.DateTimeField(null=True, blank=True)
    scoring_closed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    decision_reference = models.CharField(_("decision (zarządzenie/uchwała)"), max_length=200, blank=True)
    protocol_signed_by = models.TextField(_("protocol signed by"), blank=True,
                                          help_text=_("The members present who signed the protocol."))

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{self.competition} — {self.get_state_display()}"

    @transition(field=state, source=EvaluationState.FORMAL_REVIEW, target=EvaluationState.MERIT_REVIEW,
                permission=EVAL_OFFICER, conditions=[_guard_call("merit_review_problems")],
                custom={"label": _("Hand the offers to the committee")})
    def start_merit_review(self):
        self.merit_started_at = timezone.now()
        return {}

    @transition(field=state, source=EvaluationState.MERIT_REVIEW, target=EvaluationState.AWAITING_DECISION,
                permission=IS_CHAIR, conditions=[_guard_call("close_scoring_problems")],
                custom={"label": _("Close scoring")})
    def close_scoring(self, signed_by: str = ""):
        self.scoring_closed_at = timezone.now()
        self.protocol_signed_by = signed_by
        return {"signed_by": signed_by}

    @transition(field=state, source=EvaluationState.AWAITING_DECISION, target=EvaluationState.RESOLVED,
                permission=EVAL_APPROVER, conditions=[_guard_call("resolve_problems")],
                custom={"label": _("Decide and publish the results")})
    def resolve(self, decision_reference: str = ""):
        self.decision_reference = decision_reference
        self.resolved_at = timezone.now()
        return {"decision_reference": decision_reference}


# --- the formal check of an offer -------------------------------------------------------------------


class FormalCheckState(models.TextChoices):
    OPEN = "open", _("being checked")
    REMEDY_REQUESTED = "remedy_requested", _("called to remedy defects")
    REMEDIED = "remedied", _("defects remedied, to be re-checked")
    ACCEPTED = "accepted", _("formally accepted")
    REJECTED = "rejected", _("formally rejected")


CHECK_OFFICER = _authority_rule(AuthorityRole.OFFICER, "offer.competition")
CHECK_NGO = Rule("ngo_signatory", lambda check, user: CAN_SUBMIT(check.offer, user))


class FormalCheck(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="formal_check")
    state = FSMField(_("state"), default=FormalCheckState.OPEN, choices=FormalCheckState.choices, protected=True)
    remedy_deadline = models.DateTimeField(_("remedy deadline"), null=True, blank=True)
    remedy_message = models.TextField(_("what to remedy"), blank=True)
    remedy_sections = models.JSONField(default=list, blank=True)
    remedied_at = models.DateTimeField(null=True, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("formal check")
        verbose_name_plural = _("formal checks")

    def __str__(self) -> str:
        return f"{self.offer} — {self.get_state_display()}"

    @transition(field=state, source=[FormalCheckState.OPEN, FormalCheckState.REMEDIED],
                target=FormalCheckState.REMEDY_REQUESTED, permission=CHECK_OFFICER,
                conditions=[_guard_call("remedy_request_problems")], custom={"label": _("Call to remedy")})
    def request_remedy(self, deadline: dt.datetime, message: str, sections: list[str]):
        self.remedy_deadline, self.remedy_message, self.remedy_sections = deadline, message, sections
        return {"deadline": deadline, "sections": sections}

    @transition(field=state, source=FormalCheckState.REMEDY_REQUESTED, target=FormalCheckState.REMEDIED,
                permission=CHECK_NGO, conditions=[guard(lambda c: c.remedy_deadline_problem())],
                custom={"label": _("Send the remedied offer")})
    def remedy(self):
        self.remedied_at = timezone.now()
        return {}

    def remedy_deadline_problem(self) -> Refusal | None:
        if self.remedy_deadline and timezone.now() > self.remedy_deadline:
            return Refusal("remedy_deadline_passed", _("The deadline to remedy passed at {deadline}."),
                           {"deadline": format_local(self.remedy_deadline)})
        return None

    @transition(field=state, source=FormalCheckState.REMEDY_REQUESTED, target=FormalCheckState.REJECTED,
                permission=SYSTEM | CHECK_OFFICER, custom={"label": _("Reject: not remedied in time")},
                conditions=[guard(lambda c: None if c.remedy_deadline_problem() else Refusal(
                    "remedy_deadline_open", _("The offeror may remedy until {deadline}."),
                    {"deadline": format_local(c.remedy_deadline)}))])
    def expire(self):
        self.decided_at = timezone.now()
        self.reasons = str(_("The defects were not remedied by the deadline."))
        return {"deadline": self.remedy_deadline}

    @transition(field=state, source=[FormalCheckState.OPEN, FormalCheckState.REMEDIED],
                target=FormalCheckState.ACCEPTED, permission=CHECK_OFFICER,
                conditions=[_guard_call("accept_problems")], custom={"label": _("Accept formally")})
    def accept(self):
        self.decided_at = timezone.now()
        return {}

    @transition(field=state, source=[FormalCheckState.OPEN, FormalCheckState.REMEDIED],
                target=FormalCheckState.REJECTED, permission=CHECK_OFFICER,
                conditions=[_guard_call("reject_problems")], custom={"label": _("Reject formally")})
    def reject(self, reasons: str):
        self.decided_at, self.reasons = timezone.now(), reasons
        return {"reasons": reasons}


class ItemOutcome(models.TextChoices):
    MET = "met", _("met")
    DEFECT = "defect", _("defect")
    NOT_APPLICABLE = "na", _("not applicable")


class CheckItemResult(models.Model):
    formal_check = models.ForeignKey(FormalCheck, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=ItemOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["formal_check", "item"], name="one_result_per_item")]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_outcome_display()}"


# --- the committee ---------------------------------------------------------------------------------


class NgoAbsence(models.TextChoices):
    # art. 15 ust. 2da: the committee may act without NGO-nominated members when…
    NONE_NOMINATED = "none_nominated", _("no organisation nominated anyone (art. 15 ust. 2da pkt 1)")
    NOMINEES_ABSENT = "nominees_absent", _("the nominees did not take part (art. 15 ust. 2da pkt 2)")
    ALL_EXCLUDED = "all_excluded", _("all nominees are excluded (art. 15 ust. 2da pkt 3)")


class CommitteeState(models.TextChoices):
    FORMING = "forming", _("being formed")
    APPOINTED = "appointed", _("appointed")


class Committee(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """The competition committee (art. 15 ust. 2a–2f): advisory; the authority decides."""

    competition = models.OneToOneField(Competition, on_delete=models.PROTECT, related_name="committee")
    state = FSMField(_("state"), default=CommitteeState.FORMING, choices=CommitteeState.choices, protected=True)
    appointment_reference = models.CharField(_("appointed by (zarządzenie)"), max_length=200, blank=True)
    ngo_absence = models.CharField(_("acting without NGO members because"), max_length=20,
                                   choices=NgoAbsence.choices, blank=True)
    ngo_absence_note = models.TextField(_("details"), blank=True)
    quorum = models.PositiveSmallIntegerField(
        _("quorum (scores per offer)"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Empty: at least half of the voting members (the local rules may say otherwise)."))
    comment_below_pct = models.DecimalField(
        _("comment required below (% of a criterion's maximum)"), default=Decimal("50.00"), **PCT)
    spread_flag_pct = models.DecimalField(
        _("flag an offer whose members' totals differ by more than (% of maximum)"), default=Decimal("25.00"), **PCT)
    appointed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")

    def __str__(self) -> str:
        return str(_("Committee of {competition}")).format(competition=self.competition)

    @transition(field=state, source=CommitteeState.FORMING, target=CommitteeState.APPOINTED,
                permission=_authority_rule(AuthorityRole.OFFICER, "competition"),
                conditions=[_guard_call("appointment_problems")], custom={"label": _("Appoint the committee")})
    def appoint(self, appointment_reference: str = ""):
        self.appointment_reference = appointment_reference
        self.appointed_at = timezone.now()
        return {"appointment_reference": appointment_reference}

    @transition(field=state, source=CommitteeState.APPOINTED, target=CommitteeState.FORMING,
                permission=_authority_rule(AuthorityRole.OFFICER, "competition"),
                conditions=[_guard_call("reform_problems")], custom={"label": _("Change the committee")})
    def reform(self):
        self.appointed_at = None
        return {}


class SeatRole(models.TextChoices):
    CHAIR = "chair", _("chair")
    SECRETARY = "secretary", _("secretary")
    MEMBER = "member", _("member")
    EXPERT = "expert", _("expert (advisory voice, no score — art. 15 ust. 2e)")


class SeatKind(models.TextChoices):
    AUTHORITY = "authority", _("representative of the authority")
    NGO_NOMINEE = "ngo_nominee", _("nominated by an organisation (art. 15 ust. 2a)")
    EXPERT = "expert", _("expert")


class Seat(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="seats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="seats")
    role = models.CharField(_("role"), max_length=20, choices=SeatRole.choices, default=SeatRole.MEMBER)
    kind = models.CharField(_("seat"), max_length=20, choices=SeatKind.choices, default=SeatKind.AUTHORITY)
    nominated_by = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("nominated by"))
    nominated_by_name = models.CharField(_("nominated by (name)"), max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("committee seat")
        verbose_name_plural = _("committee seats")
        ordering = ["committee", "role", "user__last_name"]
        constraints = [models.UniqueConstraint(fields=["committee", "user"], name="one_seat_per_user")]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user} ({self.get_role_display()})"

    @property
    def votes(self) -> bool:
        return self.role != SeatRole.EXPERT


# --- impartiality ----------------------------------------------------------------------------------


class DeclarationState(models.TextChoices):
    PENDING = "pending", _("not yet declared")
    IMPARTIAL = "impartial", _("declared impartial")
    CONFLICT = "conflict", _("declared a conflict of interest — excluded")
    EXCLUDED = "excluded", _("excluded automatically (represents the offeror)")


IS_SEAT_HOLDER = Rule("committee_member", lambda declaration, user: user is not None and
                      declaration.seat.user_id == user.pk and declaration.seat.is_active)


class Declaration(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """A member's impartiality declaration for one offer (art. 15 ust. 2f with KPA art. 24),
    made after seeing the list of offerors and before seeing any offer's content."""

    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="declarations")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="declarations")
    state = FSMField(_("state"), default=DeclarationState.PENDING, choices=DeclarationState.choices,
                     protected=True)
    ground = models.TextField(_("ground of the conflict"), blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("impartiality declaration")
        verbose_name_plural = _("impartiality declarations")
        constraints = [models.UniqueConstraint(fields=["seat", "offer"], name="one_declaration_per_seat_offer")]

    def __str__(self) -> str:
        return f"{self.seat} / {self.offer_id}: {self.get_state_display()}"

    @transition(field=state, source=DeclarationState.PENDING, target=DeclarationState.IMPARTIAL,
                permission=IS_SEAT_HOLDER, conditions=[_guard_call("declaration_problems")],
                custom={"label": _("I declare I am impartial")})
    def declare_impartial(self):
        self.declared_at = timezone.now()
        return {}

    @transition(field=state, source=DeclarationState.PENDING, target=DeclarationState.CONFLICT,
                permission=IS_SEAT_HOLDER, conditions=[_guard_call("declaration_problems")],
                custom={"label": _("I declare a conflict of interest")})
    def declare_conflict(self, ground: str = ""):
        self.declared_at, self.ground = timezone.now(), ground
        return {"ground": ground}

    @transition(field=state, source=[DeclarationState.PENDING, DeclarationState.IMPARTIAL],
                target=DeclarationState.EXCLUDED, permission=SYSTEM,
                custom={"label": _("Exclude automatically")})
    def exclude(self, ground: str = ""):
        self.declared_at, self.ground = timezone.now(), ground
        return {"ground": ground}


# --- scoring -----------------------------------------------------------------------------------------


class SheetState(models.TextChoices):
    DRAFT = "draft", _("being scored")
    SUBMITTED = "submitted", _("submitted")


IS_SHEET_HOLDER = Rule("committee_member", lambda sheet, user: user is not None and
                       sheet.seat.user_id == user.pk and sheet.seat.is_active)
SHEET_CHAIR = _chair_rule("offer.competition")


class ScoreSheet(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="sheets")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="score_sheets")
    state = FSMField(_("state"), default=SheetState.DRAFT, choices=SheetState.choices, protected=True)
    comment = models.TextField(_("overall comment"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [models.UniqueConstraint(fields=["seat", "offer"], name="one_sheet_per_seat_offer")]
        indexes = [models.Index(fields=["offer", "state"], name="sheet_offer_state")]

    def __str__(self) -> str:
        return f"{self.seat} / {self.offer_id}"

    @transition(field=state, source=SheetState.DRAFT, target=SheetState.SUBMITTED, permission=IS_SHEET_HOLDER,
                conditions=[_guard_call("sheet_submit_problems")], custom={"label": _("Submit my scores")})
    def submit(self):
        self.submitted_at = timezone.now()
        return {"scores": {str(s.criterion_id): s.points for s in self.scores.all()}}

    @transition(field=state, source=SheetState.SUBMITTED, target=SheetState.DRAFT, permission=SHEET_CHAIR,
                conditions=[_guard_call("sheet_reopen_problems")], custom={"label": _("Reopen the sheet")})
    def reopen(self):
        self.submitted_at = None
        return {}


class Score(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "criterion"], name="one_score_per_criterion")]
        indexes = [models.Index(fields=["criterion"], name="score_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.points}"


# --- award and update ------------------------------------------------------------------------------


class AwardState(models.TextChoices):
    PENDING = "pending", _("not yet proposed")
    PROPOSED = "proposed", _("proposed by the committee")
    SELECTED = "selected", _("selected")
    NOT_SELECTED = "not_selected", _("not selected")
    AWAITING_UPDATE = "awaiting_update", _("awaiting the offeror's update")
    READY_FOR_CONTRACT = "ready_for_contract", _("ready for the contract")
    DECLINED = "declined", _("declined by the offeror")


AWARD_CHAIR = _chair_rule("offer.competition")
AWARD_APPROVER = _authority_rule(AuthorityRole.APPROVER, "offer.competition")
AWARD_NGO = Rule("ngo_signatory", lambda award, user: CAN_SUBMIT(award.offer, user))


class Award(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="award")
    state = FSMField(_("state"), default=AwardState.PENDING, choices=AwardState.choices, protected=True)
    proposed_amount = models.DecimalField(_("proposed grant"), **MONEY, null=True, blank=True)
    justification = models.TextField(_("the committee's justification"), blank=True)
    cut_reason = models.TextField(_("reason for the lower amount"), blank=True)
    decided_amount = models.DecimalField(_("decided grant"), **MONEY, null=True, blank=True)
    decision_reason = models.TextField(_("reason for departing from the proposal"), blank=True)
    update_deadline = models.DateTimeField(_("update due by"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"{self.offer} — {self.get_state_display()}"

    @transition(field=state, source=[AwardState.PENDING, AwardState.PROPOSED], target=AwardState.PROPOSED,
                permission=AWARD_CHAIR, conditions=[_guard_call("proposal_problems")],
                custom={"label": _("Propose the amount")})
    def propose(self, amount: Decimal, justification: str = "", cut_reason: str = ""):
        self.proposed_amount, self.justification, self.cut_reason = amount, justification, cut_reason
        return {"amount": amount, "cut_reason": cut_reason}

    @transition(field=state, source=[AwardState.PENDING, AwardState.PROPOSED], target=AwardState.SELECTED,
                permission=AWARD_APPROVER, conditions=[_guard_call("decision_problems")],
                custom={"label": _("Select with this amount")})
    def select(self, amount: Decimal, decision_reason: str = ""):
        # not `reason`: that name is the transition service's own (the audit event's reason)
        self.decided_amount, self.decision_reason, self.decided_at = amount, decision_reason, timezone.now()
        return {"amount": amount, "proposed": self.proposed_amount, "reason": decision_reason}

    @transition(field=state, source=[AwardState.PENDING, AwardState.PROPOSED], target=AwardState.NOT_SELECTED,
                permission=AWARD_APPROVER, conditions=[_guard_call("decision_problems")],
                custom={"label": _("Do not select")})
    def reject(self, decision_reason: str = ""):
        self.decided_amount, self.decision_reason, self.decided_at = Decimal("0.00"), decision_reason, timezone.now()
        return {"reason": decision_reason}

    @transition(field=state, source=AwardState.SELECTED, target=AwardState.AWAITING_UPDATE, permission=SYSTEM,
                custom={"label": _("Ask for the update")})
    def request_update(self, deadline: dt.datetime):
        self.update_deadline = deadline
        return {"deadline": deadline, "amount": self.decided_amount, "requested": self.offer.grant_requested}

    @transition(field=state, source=AwardState.SELECTED, target=AwardState.READY_FOR_CONTRACT, permission=SYSTEM,
                custom={"label": _("Ready for the contract")})
    def confirm(self):
        return {"amount": self.decided_amount}

    @transition(field=state, source=AwardState.AWAITING_UPDATE, target=AwardState.READY_FOR_CONTRACT,
                permission=AWARD_NGO, conditions=[_guard_call("update_problems")],
                custom={"label": _("Submit the update")})
    def accept_with_update(self):
        return {"amount": self.decided_amount}

    @transition(field=state, source=AwardState.AWAITING_UPDATE, target=AwardState.DECLINED,
                permission=AWARD_NGO | SYSTEM, custom={"label": _("Decline the grant")})
    def decline(self):
        return {"amount": self.decided_amount}


class AwardUpdate(models.Model):
    """The offeror's update (aktualizacja) of the cost estimate, schedule and results after a
    lower award: sections as typed, validated like an offer; it becomes part of the contract."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="update")
    sections = models.JSONField(default=dict)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"update of {self.award}"


class JustificationRequest(models.Model):
    """Anyone may ask, within 30 days of the results, for the justification of a selection or
    rejection (art. 15 ust. 2j [GK])."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="justification_requests")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    text = models.TextField(_("request"))
    received_at = models.DateTimeField(default=timezone.now)
    answer_due = models.DateField(_("answer due"))
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("request for justification")
        verbose_name_plural = _("requests for justification")
        ordering = ["answer_due", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.received_at:%Y-%m-%d})"


# --- exports -----------------------------------------------------------------------------------------


class ExportKind(models.TextChoices):
    PROTOCOL = "protocol", _("committee protocol (.xlsx)")
    RESULTS_XLSX = "results_xlsx", _("results for publication (.xlsx)")
    RESULTS_CSV = "results_csv", _("results for publication (.csv)")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("being written")
    DONE = "done", _("ready to download")
    FAILED = "failed", _("failed")


def _export_path(job: ExportJob, filename: str) -> str:
    return f"exports/{job.evaluation_id}/{job.pk or 'new'}-{filename}"


class ExportJob(models.Model):
    """A large export written by a Celery task into private storage (evaluation.tasks):
    its progress for the page that waits for it, and the file when it is done. A technical
    record, not a step of the procedure: asking for it is audited on the evaluation."""

    kind = models.CharField(_("export"), max_length=20, choices=ExportKind.choices)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="export_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    progress = models.PositiveIntegerField(_("rows written"), default=0)
    total = models.PositiveIntegerField(_("rows to write"), default=0)
    file = models.FileField(_("file"), upload_to=_export_path, blank=True, max_length=300)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_state_display()}"

    @property
    def percent(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        return min(99, int(100 * self.progress / self.total)) if self.total else 0
