"""Contracts, reports and settlement: from an awarded offer to a closed grant (DOMAIN.md §8–10,
§14.4–14.6).

Each lifecycle is its own state machine: Contract (umowa), Annex (aneks), Report (sprawozdanie)
and Settlement (rozliczenie). Every amount is a Decimal; what the parties agreed is frozen as a
snapshot with its hash (the contract at signing, each annex); what is computed from it — sums,
deviations, returns, interest — is computed from raw rows (settlements/calculation.py) and the
inputs of every computation are written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from competitions.models import MONEY, Authority, AuthorityRole, has_role
from evaluation.models import Award
from offers.models import Organization
from workflow.errors import Refusal
from workflow.guards import guard
from workflow.permissions import has_object_perm
from workflow.rules import SYSTEM, Rule

ZERO = Decimal("0.00")
PCT = {"max_digits": 5, "decimal_places": 2,
       "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]}


def _authority_of(obj) -> Authority:
    contract = obj if isinstance(obj, Contract) else obj.contract
    return contract.authority


def _role_rule(*roles: str) -> Rule:
    rule = None
    for role in roles:
        one = Rule(role, lambda obj, user, role=role: has_role(user, _authority_of(obj), role))
        rule = one if rule is None else rule | one
    return rule


def _ngo_rule(role: str, codename: str) -> Rule:
    def check(obj, user) -> bool:
        contract = obj if isinstance(obj, Contract) else obj.contract
        return has_object_perm(user, codename, contract.organization)

    return Rule(role, check)


FINANCE = _role_rule(AuthorityRole.FINANCE)
OFFICER = _role_rule(AuthorityRole.OFFICER)
STAFF = _role_rule(AuthorityRole.OFFICER, AuthorityRole.FINANCE)
APPROVER = _role_rule(AuthorityRole.APPROVER)
NGO_SIGNATORY = _ngo_rule("ngo_signatory", "submit_offers")
NGO_EDITOR = _ngo_rule("ngo_editor", "edit_offers")


def _guard_call(name: str):
    """A guard that asks settlements/guards.py (where the guards' queries live)."""

    def check(obj):
        from . import guards

        return getattr(guards, name)(obj) or None

    check.__name__ = name
    check.__doc__ = f"see settlements.guards.{name}"
    return guard(check)


# --- dated settings maintained in the admin ---------------------------------------------------------


class InterestRate(models.Model):
    """The rate of interest on tax arrears (Ordynacja podatkowa art. 56 § 1: 200% of the NBP lombard
    rate + 2 points, at least 8%), in force from a date; interest on late returns of grants is
    charged "as for tax arrears" (u.f.p. art. 251 ust. 5, art. 252 ust. 1)."""

    effective_from = models.DateField(_("in force from"), unique=True)
    rate = models.DecimalField(_("rate per year (%)"), max_digits=6, decimal_places=2,
                               validators=[MinValueValidator(Decimal("0.01"))])
    source = models.CharField(_("source"), max_length=300, blank=True,
                              help_text=_("e.g. the Minister of Finance's announcement (obwieszczenie)"))

    class Meta:
        verbose_name = _("interest rate for tax arrears")
        verbose_name_plural = _("interest rates for tax arrears")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.rate}% {_('from')} {self.effective_from:%d.%m.%Y}"


class Rounding(models.TextChoices):
    WHOLE_ZLOTY = "zloty", _("to whole złoty, 50 grosz and more up (Ordynacja podatkowa art. 63 § 1)")
    GROSZ = "grosz", _("to the grosz, half up")


class Allocation(models.TextChoices):
    PROPORTIONAL = "proportional", _("proportionally to the arrear and the interest (Ordynacja podatkowa art. 55 § 2)")
    PRINCIPAL_FIRST = "principal_first", _("the amount due first, then the interest")


class InterestRule(models.Model):
    """How interest is rounded, the threshold below which it is not charged (Ordynacja podatkowa
    art. 54 § 1 pkt 5: three times the fee for a registered letter) and how a payment is split
    between the amount due and the interest — each in force from a date."""

    effective_from = models.DateField(_("in force from"), unique=True)
    rounding = models.CharField(_("rounding"), max_length=20, choices=Rounding.choices, default=Rounding.WHOLE_ZLOTY)
    threshold = models.DecimalField(_("no interest up to"), **MONEY, default=Decimal("8.70"))
    allocation = models.CharField(_("a payment is booked"), max_length=20, choices=Allocation.choices,
                                  default=Allocation.PROPORTIONAL)
    days_in_year = models.PositiveSmallIntegerField(_("days in a year"), default=365)

    class Meta:
        verbose_name = _("interest rule")
        verbose_name_plural = _("interest rules")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.get_rounding_display()}, ≤ {self.threshold} — {self.effective_from:%d.%m.%Y}"


# --- the contract ------------------------------------------------------------------------------------


class ContractState(models.TextChoices):
    DRAFTED = "drafted", _("drafted")
    SIGNED = "signed", _("signed by both sides")
    ACTIVE = "active", _("in performance")
    IMPLEMENTATION_ENDED = "implementation_ended", _("task ended, final report due")
    SETTLING = "settling", _("being settled")
    PERFORMED = "performed", _("performed and settled")
    TERMINATED = "terminated", _("terminated")


class PaymentMode(models.TextChoices):
    ONE_SUM = "one_sum", _("in one sum")
    TRANCHES = "tranches", _("in tranches")


class TerminationGround(models.TextChoices):
    AGREEMENT = "agreement", _("by agreement of the parties")
    WITHDRAWAL = "withdrawal", _("withdrawal by the organisation")
    FOR_CAUSE = "for_cause", _("by the authority with immediate effect (misuse, delay, refusal of control)")


class Contract(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """The contract (art. 16; u.f.p. art. 221 ust. 3) generated from the offer and its update."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="contracts")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("contract number"), max_length=60)
    state = FSMField(_("state"), default=ContractState.DRAFTED, choices=ContractState.choices, protected=True)
    version = models.PositiveIntegerField(_("version"), default=1, help_text=_("1 + the annexes in force"))
    title = models.CharField(_("title of the task"), max_length=500)
    form = models.CharField(_("form of the task"), max_length=20)
    place = models.CharField(_("place"), max_length=300, blank=True)
    task_start = models.DateField(_("task starts"))
    task_end = models.DateField(_("task ends"))
    expenditure_start = models.DateField(_("grant may be spent from"))
    expenditure_end = models.DateField(_("grant may be spent until"),
                                       help_text=_("No later than 31 December of the budget year (u.f.p. art. 221)."))
    grant = models.DecimalField(_("grant"), **MONEY)
    total_cost = models.DecimalField(_("total cost"), **MONEY)
    own_financial = models.DecimalField(_("own financial contribution"), **MONEY, default=ZERO)
    own_non_financial = models.DecimalField(_("own non-financial contribution"), **MONEY, default=ZERO)
    beneficiary_payments = models.DecimalField(_("payments from beneficiaries"), **MONEY, default=ZERO)
    payment_mode = models.CharField(_("payment"), max_length=20, choices=PaymentMode.choices,
                                    default=PaymentMode.ONE_SUM)
    bank_account = models.CharField(_("the organisation's bank account"), max_length=34)
    tolerance_pct = models.DecimalField(
        _("a grant-financed cost line may grow without an annex by (%)"), **PCT,
        help_text=_("The model contract leaves the percentage to the authority; a line that grows more is grant "
                    "taken in excessive amount."))
    return_due = models.DateField(_("unused grant to be returned by"))
    representatives = models.JSONField(_("parties and their representatives"), default=list)
    authority_signatories = models.CharField(_("for the authority"), max_length=300, blank=True)
    countersigned_by = models.CharField(_("countersignature of the treasurer (kontrasygnata)"), max_length=200,
                                        blank=True)
    terms = models.JSONField(_("terms as agreed"), default=dict,
                             help_text=_("The offer and its update as they became part of the contract."))
    snapshot = models.JSONField(_("the contract as signed"), null=True, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    signed_on = models.DateField(_("concluded on"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    termination_ground = models.CharField(_("terminated"), max_length=20, choices=TerminationGround.choices,
                                          blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    terminated_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["authority", "number"], name="contract_number_per_authority")]
        indexes = [models.Index(fields=["authority", "state"], name="contract_authority_state")]

    def __str__(self) -> str:
        return f"{self.number} — {self.organization}"

    @property
    def grant_share(self) -> Decimal:
        """The grant's share of the total cost as agreed (the own contribution may not fall)."""
        return (self.grant / self.total_cost) if self.total_cost else Decimal("0")

    @transition(field=state, source=ContractState.DRAFTED, target=ContractState.SIGNED, permission=OFFICER,
                conditions=[_guard_call("sign_problems")], custom={"label": _("Record the contract as concluded")})
    def sign(self, signed_on: dt.date):
        self.signed_on = signed_on
        return {"signed_on": signed_on}

    @transition(field=state, source=ContractState.SIGNED, target=ContractState.ACTIVE, permission=FINANCE | SYSTEM,
                conditions=[_guard_call("activate_problems")], custom={"label": _("Start performance")})
    def activate(self):
        return {}

    @transition(field=state, source=ContractState.ACTIVE, target=ContractState.IMPLEMENTATION_ENDED,
                permission=SYSTEM | STAFF, conditions=[_guard_call("end_problems")],
                custom={"label": _("End the task and call for the final report")})
    def end_implementation(self):
        self.ended_at = timezone.now()
        return {"task_end": self.task_end}

    @transition(field=state, source=ContractState.IMPLEMENTATION_ENDED, target=ContractState.SETTLING,
                permission=SYSTEM | NGO_SIGNATORY, custom={"label": _("Settle on the final report")})
    def start_settling(self):
        return {}

    @transition(field=state, source=ContractState.SETTLING, target=ContractState.PERFORMED,
                permission=SYSTEM | FINANCE, conditions=[_guard_call("perform_problems")],
                custom={"label": _("Performed: final report accepted, settlement closed")})
    def perform(self):
        return {}

    @transition(field=state, source=[ContractState.DRAFTED, ContractState.SIGNED, ContractState.ACTIVE,
                                     ContractState.IMPLEMENTATION_ENDED, ContractState.SETTLING],
                target=ContractState.TERMINATED, permission=OFFICER | APPROVER,
                custom={"label": _("Terminate the contract")})
    def terminate(self, ground: str, termination_reason: str, terminated_on: dt.date):
        # not `reason`: that name is the transition service's own (the audit event's reason)
        self.termination_ground, self.termination_reason = ground, termination_reason
        self.terminated_on = terminated_on
        return {"ground": ground, "terminated_on": terminated_on}


class ContractLine(models.Model):
    """A line of the cost estimate as agreed (the offer, its update, then each annex), against which
    the report's actual costs and the tolerance are measured."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    label = models.CharField(_("no."), max_length=20)
    group = models.CharField(_("group"), max_length=10)
    name = models.CharField(_("type of cost"), max_length=500)
    value = models.DecimalField(_("planned value"), **MONEY)
    grant_part = models.DecimalField(_("planned from the grant"), **MONEY)
    is_active = models.BooleanField(default=True, help_text=_("False once an annex removes the line."))

    class Meta:
        ordering = ["contract", "position"]
        constraints = [models.UniqueConstraint(fields=["contract", "position"], name="one_contract_line_per_position")]

    def __str__(self) -> str:
        return f"{self.label} {self.name}"


class Party(models.TextChoices):
    ORGANIZATION = "organization", _("the organisation")
    PARTNER = "partner", _("co-offeror")
    AUTHORITY = "authority", _("the authority")
    TREASURER = "treasurer", _("treasurer's countersignature")


class Signature(models.Model):
    """A signature of the written contract or an annex (art. 16: written form), recorded with its date."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="signatures")
    annex = models.ForeignKey("Annex", on_delete=models.PROTECT, null=True, blank=True, related_name="signatures")
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    party_key = models.CharField(max_length=40, help_text=_("which party: 'organization', 'authority', "
                                                           "'treasurer' or 'partner-<n>'"))
    party_name = models.CharField(_("party"), max_length=300)
    signer = models.CharField(_("signed by"), max_length=300)
    signed_on = models.DateField(_("signed on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract", "annex", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "party_key"], condition=models.Q(annex__isnull=True),
                                    name="one_contract_signature_per_party"),
            models.UniqueConstraint(fields=["annex", "party_key"], condition=models.Q(annex__isnull=False),
                                    name="one_annex_signature_per_party"),
        ]

    def __str__(self) -> str:
        return f"{self.party_name}: {self.signer} ({self.signed_on:%d.%m.%Y})"


class Tranche(models.Model):
    """A payment of the grant as scheduled in the contract, and when it was paid (recorded by finance)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="tranches")
    number = models.PositiveSmallIntegerField(_("no."))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_amount = models.DecimalField(_("paid"), **MONEY, null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["contract", "number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="one_tranche_per_number")]
        indexes = [models.Index(fields=["paid_on", "due_on"], name="tranche_due")]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount}"


# --- annexes -----------------------------------------------------------------------------------------


class AnnexState(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    SIGNED_BY_ORGANIZATION = "signed_by_organization", _("signed by the organisation")
    SIGNED_BY_AUTHORITY = "signed_by_authority", _("signed by the authority")
    IN_FORCE = "in_force", _("in force")
    WITHDRAWN = "withdrawn", pgettext_lazy("annex state", "withdrawn")  # aneks: wycofany


ANNEX_PROPOSER = OFFICER | NGO_SIGNATORY


class Annex(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """A written change of the contract (aneks): the changed data as a versioned snapshot, in force
    once both sides have signed (DOMAIN.md §8)."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="annexes")
    number = models.PositiveSmallIntegerField(_("annex no."))
    state = FSMField(_("state"), default=AnnexState.PROPOSED, choices=AnnexState.choices, protected=True)
    reason = models.TextField(_("reason for the change"))
    changes = models.JSONField(_("changes"), default=dict)
    before = models.JSONField(_("the contract before"), default=dict)
    sha256 = models.CharField(max_length=64)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    in_force_on = models.DateField(_("in force from"), null=True, blank=True)

    class Meta:
        verbose_name = _("annex")
        verbose_name_plural = _("annexes")
        ordering = ["contract", "number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="one_annex_per_number")]

    def __str__(self) -> str:
        return f"{_('Annex')} {self.number} — {self.contract.number}"

    @transition(field=state, source=AnnexState.PROPOSED, target=AnnexState.SIGNED_BY_ORGANIZATION,
                permission=NGO_SIGNATORY, conditions=[_guard_call("annex_sign_problems")],
                custom={"label": _("Sign for the organisation")})
    def sign_organization(self):
        return {}

    @transition(field=state, source=AnnexState.PROPOSED, target=AnnexState.SIGNED_BY_AUTHORITY,
                permission=OFFICER, conditions=[_guard_call("annex_sign_problems")],
                custom={"label": _("Sign for the authority")})
    def sign_authority(self):
        return {}

    @transition(field=state, source=AnnexState.SIGNED_BY_AUTHORITY, target=AnnexState.IN_FORCE,
                permission=NGO_SIGNATORY, conditions=[_guard_call("annex_sign_problems")],
                custom={"label": _("Countersign for the organisation: in force")})
    def complete_by_organization(self, in_force_on: dt.date):
        self.in_force_on = in_force_on
        return {"in_force_on": in_force_on}

    @transition(field=state, source=AnnexState.SIGNED_BY_ORGANIZATION, target=AnnexState.IN_FORCE,
                permission=OFFICER, conditions=[_guard_call("annex_sign_problems")],
                custom={"label": _("Countersign for the authority: in force")})
    def complete_by_authority(self, in_force_on: dt.date):
        self.in_force_on = in_force_on
        return {"in_force_on": in_force_on}

    @transition(field=state, source=[AnnexState.PROPOSED, AnnexState.SIGNED_BY_ORGANIZATION,
                                     AnnexState.SIGNED_BY_AUTHORITY],
                target=AnnexState.WITHDRAWN, permission=ANNEX_PROPOSER, custom={"label": _("Withdraw the annex")})
    def withdraw(self):
        return {}


# --- reports -----------------------------------------------------------------------------------------


class ReportKind(models.TextChoices):
    PARTIAL = "partial", _("partial report")
    FINAL = "final", _("final report")


class ReportState(models.TextChoices):
    REQUESTED = "requested", _("requested")
    OVERDUE = "overdue", _("overdue")
    SUBMITTED = "submitted", _("submitted, being verified")
    NEEDS_CLARIFICATION = "needs_clarification", _("clarification requested")
    # sprawozdanie is neuter in Polish: przyjęte, odrzucone
    ACCEPTED = "accepted", pgettext_lazy("report state", "accepted")
    REJECTED = "rejected", pgettext_lazy("report state", "rejected")


class Report(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """A partial or final report (art. 18; Reg. 2057 Annex 5): parts saved as typed, frozen on
    submission; the financial documents behind it in FinancialDocument."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    state = FSMField(_("state"), default=ReportState.REQUESTED, choices=ReportState.choices, protected=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    requested_on = models.DateField(_("requested on"), help_text=_("the day the call was delivered"))
    due_on = models.DateField(_("due by"))
    call_note = models.TextField(_("the authority's call"), blank=True)
    written_call_on = models.DateField(_("written call sent on"), null=True, blank=True)
    written_call_due = models.DateField(_("written call: due by"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    snapshot = models.JSONField(null=True, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("verification note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["contract", "due_on", "pk"]
        indexes = [models.Index(fields=["state", "due_on"], name="report_state_due")]
        constraints = [models.UniqueConstraint(fields=["contract"], condition=models.Q(kind="final"),
                                               name="one_final_report_per_contract")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.contract.number}"

    @property
    def effective_due(self) -> dt.date:
        return self.written_call_due or self.due_on

    @transition(field=state, source=[ReportState.REQUESTED, ReportState.OVERDUE], target=ReportState.SUBMITTED,
                permission=NGO_SIGNATORY, conditions=[_guard_call("report_submit_problems")],
                custom={"label": _("Submit the report")})
    def submit(self):
        self.submitted_at = timezone.now()
        return {}

    @transition(field=state, source=ReportState.REQUESTED, target=ReportState.OVERDUE, permission=SYSTEM,
                conditions=[guard(lambda r: None if timezone.localdate() > r.due_on else Refusal(
                    "not_overdue", _("The report is due by {date}."), {"date": r.due_on.strftime("%d.%m.%Y")}))],
                custom={"label": _("Mark overdue")})
    def mark_overdue(self):
        return {"due_on": self.due_on}

    @transition(field=state, source=ReportState.OVERDUE, target=ReportState.OVERDUE, permission=STAFF,
                custom={"label": _("Call in writing")})
    def call_in_writing(self, due_on: dt.date):
        self.written_call_on, self.written_call_due = timezone.localdate(), due_on
        return {"due_on": due_on}

    @transition(field=state, source=ReportState.SUBMITTED, target=ReportState.NEEDS_CLARIFICATION,
                permission=STAFF, custom={"label": _("Ask for clarification")})
    def request_clarification(self):
        return {}

    @transition(field=state, source=ReportState.NEEDS_CLARIFICATION, target=ReportState.SUBMITTED,
                permission=NGO_SIGNATORY, conditions=[_guard_call("report_answer_problems")],
                custom={"label": _("Send the clarification")})
    def answer(self):
        # submitted_at stays the first submission's: a timely report does not become late by being clarified
        return {}

    @transition(field=state, source=ReportState.SUBMITTED, target=ReportState.ACCEPTED, permission=STAFF,
                conditions=[_guard_call("report_accept_problems")], custom={"label": _("Accept the report")})
    def accept(self):
        self.decided_at = timezone.now()
        return {}

    @transition(field=state, source=ReportState.SUBMITTED, target=ReportState.REJECTED, permission=STAFF,
                custom={"label": _("Reject the report")})
    def reject(self, note: str):
        self.decided_at, self.decision_note = timezone.now(), note
        return {"note": note}


class ReportSection(models.Model):
    """A part of a report as typed; several representatives can work on different parts at once,
    and a stale save of the same part is refused with both versions (workflow.errors.EditConflict)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=20)
    data = models.JSONField(default=dict)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "key"], name="one_report_section_per_key")]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.key}"


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("invoice")
    BILL = "bill", _("bill (civil-law contract)")
    PAYROLL = "payroll", _("payroll")
    RECEIPT = "receipt", _("receipt or other accounting document")
    IN_KIND = "in_kind", _("statement of in-kind contribution")
    VOLUNTEER = "volunteer", _("statement of volunteer work")


class Source(models.TextChoices):
    GRANT = "grant", _("grant")
    OWN_FINANCIAL = "own_financial", _("own financial resources")
    OTHER_PUBLIC = "other_public", _("other public funds")
    BENEFICIARY = "beneficiary", _("payments from beneficiaries")
    PERSONAL = "personal", _("personal contribution (volunteers, work)")
    IN_KIND = "in_kind", _("in-kind contribution")


NON_FINANCIAL_SOURCES = (Source.PERSONAL, Source.IN_KIND)


class FinancialDocument(models.Model):
    """A line of the list of financial documents (zestawienie dokumentów) behind a report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveIntegerField(_("no."))
    number = models.CharField(_("document number"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    issuer = models.CharField(_("issued by"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    description = models.CharField(_("what for"), max_length=500, blank=True)
    amount = models.DecimalField(_("gross amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    ineligible_reason = models.TextField(_("found ineligible because"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("financial document")
        verbose_name_plural = _("financial documents")
        ordering = ["report", "position"]
        constraints = [models.UniqueConstraint(fields=["report", "position"], name="one_document_per_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.number}"


class DocumentShare(models.Model):
    """The part of a document charged to one cost line from one source (a document may be split)."""

    document = models.ForeignKey(FinancialDocument, on_delete=models.CASCADE, related_name="shares")
    line = models.ForeignKey(ContractLine, on_delete=models.PROTECT, related_name="shares")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        ordering = ["document", "pk"]
        indexes = [models.Index(fields=["line", "source"], name="share_line_source")]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.line_id} {self.source}: {self.amount}"


class Clarification(models.Model):
    """The officer's request for explanations or documents with a deadline, and the NGO's answer."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="clarifications")
    question = models.TextField(_("what is to be explained or supplied"))
    due_on = models.DateField(_("answer by"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report", "asked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.question[:40]}"


# --- settlement --------------------------------------------------------------------------------------


class SettlementState(models.TextChoices):
    OPEN = "open", _("open")
    COMPUTED = "computed", _("computed")
    RETURN_DUE = "return_due", _("return due")
    OVERDUE = "overdue", _("return overdue")
    DECISION_ISSUED = "decision_issued", _("administrative decision issued")
    PAID = "paid", _("returned in full")
    CLOSED = "closed", _("closed")


class Settlement(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """The settlement of a grant (DOMAIN.md §10): computed from the accepted report and the recorded
    payments into return items, each with its legal basis, deadline and interest start."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="settlement")
    state = FSMField(_("state"), default=SettlementState.OPEN, choices=SettlementState.choices, protected=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    computation = models.JSONField(_("computation"), default=dict,
                                   help_text=_("The inputs and every step, as written to the audit trail."))
    notice_sent_on = models.DateField(_("notice of return sent on"), null=True, blank=True)
    decision_reference = models.CharField(_("administrative decision"), max_length=200, blank=True)
    decision_on = models.DateField(_("decision of"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")

    def __str__(self) -> str:
        return f"{_('Settlement')} {self.contract.number}"

    @transition(field=state, source=[SettlementState.OPEN, SettlementState.COMPUTED], target=SettlementState.COMPUTED,
                permission=FINANCE, conditions=[_guard_call("compute_problems")],
                custom={"label": _("Compute the settlement")})
    def compute(self):
        self.computed_at = timezone.now()
        return {}

    @transition(field=state, source=SettlementState.COMPUTED, target=SettlementState.CLOSED,
                permission=FINANCE | SYSTEM, conditions=[_guard_call("close_nothing_due_problems")],
                custom={"label": _("Close: nothing to return")})
    def close_nothing_due(self):
        self.closed_at = timezone.now()
        return {}

    @transition(field=state, source=SettlementState.COMPUTED, target=SettlementState.RETURN_DUE,
                permission=FINANCE, conditions=[_guard_call("notify_return_problems")],
                custom={"label": _("Send the notice of return")})
    def notify_return(self):
        self.notice_sent_on = timezone.localdate()
        return {}

    @transition(field=state, source=SettlementState.RETURN_DUE, target=SettlementState.OVERDUE, permission=SYSTEM,
                conditions=[_guard_call("overdue_problems")], custom={"label": _("Mark the return overdue")})
    def mark_overdue(self):
        return {}

    @transition(field=state, source=SettlementState.OVERDUE, target=SettlementState.DECISION_ISSUED,
                permission=FINANCE | APPROVER, custom={"label": _("Record the administrative decision")})
    def issue_decision(self, decision_reference: str, decision_on: dt.date):
        self.decision_reference, self.decision_on = decision_reference, decision_on
        return {"decision_reference": decision_reference, "decision_on": decision_on}

    @transition(field=state, source=[SettlementState.RETURN_DUE, SettlementState.OVERDUE,
                                     SettlementState.DECISION_ISSUED],
                target=SettlementState.PAID, permission=FINANCE | SYSTEM, conditions=[_guard_call("paid_problems")],
                custom={"label": _("Returned in full")})
    def mark_paid(self):
        return {}

    @transition(field=state, source=SettlementState.PAID, target=SettlementState.CLOSED, permission=FINANCE | SYSTEM,
                custom={"label": _("Close the settlement")})
    def close(self):
        self.closed_at = timezone.now()
        return {}


class ReturnKind(models.TextChoices):
    UNUSED = "unused", _("unused grant")
    LINE_EXCESS = "line_excess", _("cost line above the tolerance")
    SHARE_EXCESS = "share_excess", _("own contribution share fell")
    INELIGIBLE = "ineligible", _("ineligible costs (used contrary to purpose)")
    BANK_INTEREST = "bank_interest", _("unspent bank interest on the grant")
    REVENUE = "revenue", _("unspent other revenue")


class ReturnItem(models.Model):
    """One amount to be returned, with its legal basis, deadline and the day interest runs from."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("kind"), max_length=20, choices=ReturnKind.choices)
    line = models.ForeignKey(ContractLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    basis = models.CharField(_("legal basis"), max_length=300)
    amount = models.DecimalField(_("amount to return"), **MONEY)
    due_on = models.DateField(_("return by"))
    interest_from = models.DateField(_("interest from"))
    explanation = models.JSONField(_("how it was computed"), default=dict)

    class Meta:
        verbose_name = _("return item")
        verbose_name_plural = _("return items")
        ordering = ["settlement", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.amount}"


class ReturnPayment(models.Model):
    """A return recorded by the finance officer, booked to the amount due and to the interest."""

    item = models.ForeignKey(ReturnItem, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount paid"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    to_principal = models.DecimalField(_("booked to the amount due"), **MONEY)
    to_interest = models.DecimalField(_("booked to interest"), **MONEY)
    interest_charged = models.DecimalField(_("interest charged to the day of payment"), **MONEY)
    explanation = models.JSONField(default=dict)
    reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("return payment")
        verbose_name_plural = _("return payments")
        ordering = ["item", "paid_on", "pk"]

    def __str__(self) -> str:
        return f"{self.paid_on}: {self.amount}"
