"""REST API for contracts, reports and settlement (thin: it calls services and selectors).

    GET|POST  /contracts/                          ?state= &competition=; POST {award} drafts the contract
    GET|PATCH /contracts/{id}/                     terms, lines, tranches (paid), parties and signatures,
                                                   annexes, reports, money paid / returned / outstanding;
                                                   PATCH sets the draft's terms (tranches as a list)
    POST      /contracts/{id}/signatures/          a party signed the written contract on a date
    POST      /contracts/{id}/sign/ | send-for-signature/ | end-implementation/ | terminate/
              /contracts/{id}/request-partial-report/
    POST      /contracts/{id}/tranches/{tranche id}/pay/
    GET       /contracts/{id}/pdf/
    POST      /annexes/ {contract, reason, changes};  GET /annexes/{id}/;  POST …/sign/ | withdraw/
    GET       /reports/ (?contract= &state= &kind=), /reports/{id}/  parts with revisions, documents
                                                   with shares, actual costs per line against the limit,
                                                   findings at their place, totals
    PUT|PATCH /reports/{id}/parts/{key}/           save a part as typed; 409 with "theirs" on conflict
    POST      /reports/{id}/documents/ | documents/import/;  PUT|DELETE /reports/{id}/documents/{doc id}/
    POST      /reports/{id}/documents/{doc id}/ineligible/
    POST      /reports/{id}/submit/ | request-clarification/ | answer/ | accept/ | reject/ | call-in-writing/
    GET       /settlements/ (?state= &contract=), /settlements/{id}/  items with balances and interest
                                                   to date, the computation
    POST      /settlements/{id}/compute/ | conclude/ | issue-decision/ | items/{item id}/returns/
    GET       /finance/dashboard/?authority=       the finance officer's picture of one authority
    GET       /finance/ledger/?authority= &competition=   the ledger as .xlsx
    Every stateful object also has GET …/transitions/ and …/audit/.

Visibility (hard rule 1): a contract, annex, report or settlement the user may not see is 404
whatever the verb, and so is one named in a request body (an award, a contract); an NGO never
sees another's. What the user sees but may not do is 403, what the state does not allow is 409.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import django_filters
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from competitions.api import ApiViewSet, AuthorityBriefSerializer, object_id, path_id, responses
from competitions.models import Competition
from evaluation.models import Award
from offers.api import OfferOrganizationSerializer
from workflow.api import ReasonInputSerializer, WorkflowViewSetMixin
from workflow.errors import InvalidData, NotFound
from workflow.permissions import has_object_perm

from . import selectors, services
from .models import (
    Annex,
    Contract,
    ContractState,
    DocumentKind,
    FinancialDocument,
    Report,
    ReportKind,
    ReportState,
    ReturnPayment,
    Settlement,
    SettlementState,
    Source,
    TerminationGround,
)

MONEY = {"max_digits": 14, "decimal_places": 2}
DATE_HELP = "A date: 2027-12-31 or 31.12.2027."
AMOUNT_HELP = "PLN as text, e.g. 1234.56 or 1 234,56."


class Money(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(**MONEY, read_only=True, **kwargs)


class ComputedMoney(Money):
    """An amount computed from the object (money is a string in the API, never a float)."""

    def __init__(self, compute: Callable[[Any], Any], **kwargs):
        self.compute = compute
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(self.compute(value))


class PassThroughSerializer(serializers.Serializer):
    """Fields documented for the schema, values handed to the service as sent: the service parses
    amounts and dates the domain's way and reports errors at their exact place ("tranches.0.amount",
    "shares.1.line"), which a nested DRF validation would not."""

    keep_unknown = False

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise InvalidData({"non_field_errors": [_("Send an object of fields.")]})
        names = set(self.fields)
        values = {key: data[key] for key in data if key in names or self.keep_unknown}
        for name, field in self.fields.items():
            if name not in values and field.default is not serializers.empty:
                values[name] = field.get_default()
        return values


class TrancheInputSerializer(serializers.Serializer):
    due_on = serializers.CharField(help_text=DATE_HELP)
    amount = serializers.CharField(help_text=AMOUNT_HELP)


class ShareInputSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="A cost line of the contract (its id).")
    source = serializers.ChoiceField(choices=Source.choices)
    amount = serializers.CharField(help_text=AMOUNT_HELP)


@extend_schema_field(TrancheInputSerializer(many=True))
class TranchesField(serializers.JSONField):
    """The payment plan as sent; checked by the service at tranches.<n>.due_on / .amount."""


@extend_schema_field(ShareInputSerializer(many=True))
class SharesField(serializers.JSONField):
    """The split of a document as sent; checked by the service at shares.<n>.line / .source / .amount."""


# --- output: contracts ---------------------------------------------------------------------------------


class ContractCompetitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


class ContractTaskAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()


class ContractBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    organization = OfferOrganizationSerializer()


class ContractListSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True, help_text="One of: " + ", ".join(ContractState.values))
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    organization = OfferOrganizationSerializer(read_only=True)
    authority = AuthorityBriefSerializer(read_only=True)
    competition = ContractCompetitionSerializer(source="award.offer.competition", read_only=True)
    task_area = ContractTaskAreaSerializer(source="award.offer.task_area", read_only=True)
    award = serializers.IntegerField(source="award_id", read_only=True)
    paid = Money(help_text="The grant paid out (tranches recorded as paid).")
    to_return = Money(help_text="The amounts to return found by the settlement.")
    returned = Money(help_text="Returned so far (booked to the amounts due).")
    interest_charged = Money()
    interest_paid = Money()
    outstanding = Money(help_text="Still to return, with the interest charged and unpaid.")

    class Meta:
        model = Contract
        fields = ["id", "number", "state", "state_label", "version", "title", "organization", "authority",
                  "competition", "task_area", "award", "grant", "total_cost", "task_start", "task_end",
                  "signed_on", "paid", "to_return", "returned", "interest_charged", "interest_paid",
                  "outstanding", "created_at", "updated_at"]


class ContractLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    label = serializers.CharField()
    group = serializers.CharField()
    name = serializers.CharField()
    value = Money()
    grant_part = Money()
    is_active = serializers.BooleanField()


class TrancheOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    due_on = serializers.DateField()
    amount = Money()
    paid_on = serializers.DateField(allow_null=True)
    paid_amount = Money(allow_null=True)
    payment_reference = serializers.CharField()


class SignatureOutputSerializer(serializers.Serializer):
    party_key = serializers.CharField()
    party_name = serializers.CharField()
    signer = serializers.CharField()
    signed_on = serializers.DateField()
    recorded_at = serializers.DateTimeField()


class PartyRepresentativeSerializer(serializers.Serializer):
    name = serializers.CharField()
    function = serializers.CharField(allow_blank=True)


class PartyOutputSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="'organization', 'partner-<n>', 'authority' or 'treasurer': the party_key "
                                          "to sign with.")
    party = serializers.CharField()
    name = serializers.CharField()
    representatives = PartyRepresentativeSerializer(many=True)
    signature = SignatureOutputSerializer(allow_null=True)


class AnnexBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    reason = serializers.CharField()
    proposed_at = serializers.DateTimeField()
    in_force_on = serializers.DateField(allow_null=True)


class ReportBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    due_on = serializers.DateField()


class ContractDetailSerializer(ContractListSerializer):
    payment_mode = serializers.CharField(read_only=True, help_text="one_sum or tranches")
    termination_ground = serializers.CharField(read_only=True)
    lines = serializers.SerializerMethodField()
    tranches = TrancheOutputSerializer(many=True, read_only=True)
    parties = serializers.SerializerMethodField()
    annexes = AnnexBriefSerializer(many=True, read_only=True)
    reports = serializers.SerializerMethodField()
    settlement = serializers.SerializerMethodField()

    class Meta(ContractListSerializer.Meta):
        fields = [*ContractListSerializer.Meta.fields, "form", "place", "expenditure_start", "expenditure_end",
                  "own_financial", "own_non_financial", "beneficiary_payments", "payment_mode", "bank_account",
                  "tolerance_pct", "return_due", "authority_signatories", "countersigned_by", "snapshot_sha256",
                  "ended_at", "termination_ground", "termination_reason", "terminated_on", "terms", "lines",
                  "tranches", "parties", "annexes", "reports", "settlement"]

    @extend_schema_field(ContractLineSerializer(many=True))
    def get_lines(self, contract) -> list:
        return ContractLineSerializer(contract.lines.all(), many=True).data

    @extend_schema_field(PartyOutputSerializer(many=True))
    def get_parties(self, contract) -> list:
        signed = {s.party_key: s for s in contract.signatures.filter(annex__isnull=True)}
        return PartyOutputSerializer([{**party, "signature": signed.get(party["key"])}
                                      for party in contract.representatives], many=True).data

    @extend_schema_field(ReportBriefSerializer(many=True))
    def get_reports(self, contract) -> list:
        return ReportBriefSerializer(contract.reports.order_by("due_on", "pk"), many=True).data

    def get_settlement(self, contract) -> int | None:
        settlement = getattr(contract, "settlement", None)  # RelatedObjectDoesNotExist is an AttributeError
        return settlement.pk if settlement else None


# --- output: annexes -----------------------------------------------------------------------------------


class AnnexOutputSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    contract = ContractBriefSerializer(read_only=True)
    proposed_by = serializers.SerializerMethodField()
    signatures = SignatureOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Annex
        fields = ["id", "contract", "number", "state", "state_label", "reason", "changes", "before", "sha256",
                  "proposed_by", "proposed_at", "in_force_on", "signatures"]

    def get_proposed_by(self, annex) -> str:
        return annex.proposed_by.get_full_name() or annex.proposed_by.username


# --- output: reports -----------------------------------------------------------------------------------


class ReportListSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="partial or final")
    state = serializers.CharField(read_only=True, help_text="One of: " + ", ".join(ReportState.values))
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    contract = ContractBriefSerializer(read_only=True)
    effective_due = serializers.DateField(read_only=True, help_text="The due date, or the written call's.")

    class Meta:
        model = Report
        fields = ["id", "contract", "kind", "kind_label", "state", "state_label", "period_start", "period_end",
                  "requested_on", "due_on", "effective_due", "written_call_on", "written_call_due", "submitted_at",
                  "decided_at", "snapshot_sha256"]


class PartOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    revision = serializers.IntegerField(help_text="Send this as base_revision when you save the part.")
    data = serializers.JSONField()


class ShareOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line = serializers.IntegerField(source="line_id")
    source = serializers.CharField()
    amount = Money()


class DocumentOutputSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    shares = ShareOutputSerializer(many=True, read_only=True)

    class Meta:
        model = FinancialDocument
        fields = ["id", "position", "number", "kind", "kind_label", "issuer", "issued_on", "paid_on", "description",
                  "amount", "ineligible_reason", "shares"]


class LineActualSerializer(serializers.Serializer):
    line = serializers.IntegerField(source="line.id")
    label = serializers.CharField(source="line.label")
    name = serializers.CharField(source="line.name")
    planned_value = Money(source="line.value")
    planned_grant = Money(source="line.grant_part")
    total = Money()
    grant = Money()
    by_source = serializers.DictField(child=Money())
    limit = Money(help_text="The most this line may take from the grant: planned × (1 + tolerance).")
    excess = Money(help_text="Grant above the limit: taken in excessive amount.")


class FindingSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Where: e.g. documents.3, lines.<line id>, results.indicators.0.achieved.")
    message = serializers.CharField(source="text")
    blocking = serializers.BooleanField(help_text="True: blocks submission; False: a flag for the settlement.")


class ClarificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.CharField()
    due_on = serializers.DateField()
    asked_at = serializers.DateTimeField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class ReportDetailSerializer(ReportListSerializer):
    """A report as report_read sees it; built from services.ReportView (see ReportViewSet._detail)."""

    call_note = serializers.CharField(read_only=True)
    decision_note = serializers.CharField(read_only=True)
    parts = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    actuals = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    received = serializers.SerializerMethodField()
    clarifications = ClarificationSerializer(many=True, read_only=True)

    class Meta(ReportListSerializer.Meta):
        fields = [*ReportListSerializer.Meta.fields, "call_note", "decision_note", "parts", "documents", "actuals",
                  "findings", "totals", "received", "clarifications"]

    def _view(self, report) -> services.ReportView:
        views = self.context.setdefault("views", {})
        if report.pk not in views:
            views[report.pk] = services.report_read(report)
        return views[report.pk]

    @extend_schema_field(PartOutputSerializer(many=True))
    def get_parts(self, report) -> list:
        view = self._view(report)
        return PartOutputSerializer([{"key": key, "revision": view.revisions.get(key, 0),
                                      "data": view.sections.get(key, {})} for key in services.REPORT_SECTIONS],
                                    many=True).data

    @extend_schema_field(DocumentOutputSerializer(many=True))
    def get_documents(self, report) -> list:
        return DocumentOutputSerializer(self._view(report).documents, many=True).data

    @extend_schema_field(LineActualSerializer(many=True))
    def get_actuals(self, report) -> list:
        return LineActualSerializer(self._view(report).actuals, many=True).data

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, report) -> list:
        return FindingSerializer(self._view(report).findings, many=True).data

    @extend_schema_field(serializers.DictField(child=serializers.DecimalField(**MONEY)))
    def get_totals(self, report) -> dict:
        return serializers.DictField(child=Money()).to_representation(self._view(report).totals)

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_received(self, report) -> str:
        return Money().to_representation(self._view(report).received)


class PartSavedSerializer(serializers.Serializer):
    key = serializers.CharField()
    revision = serializers.IntegerField()
    findings = FindingSerializer(many=True, help_text="The whole report's findings after this save.")


# --- output: settlements -------------------------------------------------------------------------------


class SettlementListSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True, help_text="One of: " + ", ".join(SettlementState.values))
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    contract = ContractBriefSerializer(read_only=True)
    to_return = Money(help_text="The sum of the return items.")

    class Meta:
        model = Settlement
        fields = ["id", "contract", "state", "state_label", "computed_at", "notice_sent_on", "decision_reference",
                  "decision_on", "closed_at", "to_return"]


class ReturnPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReturnPayment
        fields = ["id", "item", "paid_on", "amount", "to_principal", "to_interest", "interest_charged", "reference",
                  "explanation", "recorded_at"]


class BalanceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.id")
    kind = serializers.CharField(source="item.kind")
    kind_label = serializers.CharField(source="item.get_kind_display")
    line = serializers.IntegerField(source="item.line_id", allow_null=True)
    line_label = serializers.SerializerMethodField()
    basis = serializers.CharField(source="item.basis")
    amount = Money(source="item.amount")
    due_on = serializers.DateField(source="item.due_on")
    interest_from = serializers.DateField(source="item.interest_from")
    explanation = serializers.JSONField(source="item.explanation")
    principal_paid = Money()
    principal_outstanding = Money()
    interest_charged = Money(help_text="Interest charged on the payments recorded.")
    interest_paid = Money()
    interest_outstanding = Money()
    outstanding = Money()
    interest_to_date = Money(help_text="The interest that would be charged if the rest were paid today.")
    last_payment_on = serializers.DateField(allow_null=True)
    payments = ReturnPaymentSerializer(source="item.payments.all", many=True)

    def get_line_label(self, balance) -> str:
        return balance.item.line.label if balance.item.line_id else ""


class SettlementDetailSerializer(serializers.ModelSerializer):
    """A settlement with its items' balances as of today (built in SettlementViewSet._detail)."""

    state = serializers.CharField(read_only=True, help_text="One of: " + ", ".join(SettlementState.values))
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    contract = ContractBriefSerializer(read_only=True)
    as_of = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()

    class Meta:
        model = Settlement
        fields = ["id", "contract", "state", "state_label", "computed_at", "computation", "notice_sent_on",
                  "decision_reference", "decision_on", "closed_at", "as_of", "items", "totals"]

    def _balances(self, settlement):
        cache = self.context.setdefault("balances", {})
        if settlement.pk not in cache:
            cache[settlement.pk] = selectors.item_balances(settlement, as_of=timezone.localdate())
        return cache[settlement.pk]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_as_of(self, settlement) -> Any:
        return serializers.DateField().to_representation(timezone.localdate())

    @extend_schema_field(BalanceSerializer(many=True))
    def get_items(self, settlement) -> list:
        return BalanceSerializer(self._balances(settlement), many=True).data

    @extend_schema_field(serializers.DictField(child=serializers.DecimalField(**MONEY)))
    def get_totals(self, settlement) -> dict:
        balances = self._balances(settlement)
        names = ("principal_paid", "principal_outstanding", "interest_charged", "interest_paid",
                 "interest_outstanding", "outstanding", "interest_to_date")
        totals = {"amount": sum((b.item.amount for b in balances), services.ZERO)}
        totals.update({name: sum((getattr(b, name) for b in balances), services.ZERO) for name in names})
        return serializers.DictField(child=Money()).to_representation(totals)


class ReturnRecordedSerializer(serializers.Serializer):
    payment = ReturnPaymentSerializer()
    settlement = SettlementDetailSerializer()


# --- output: the finance dashboard --------------------------------------------------------------------


class TrancheDueSerializer(TrancheOutputSerializer):
    contract = ContractBriefSerializer()


class SettlementBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    contract = ContractBriefSerializer()


class DashboardSerializer(serializers.Serializer):
    authority = AuthorityBriefSerializer()
    today = serializers.DateField()
    by_state = serializers.DictField(child=serializers.IntegerField(), help_text="Contracts per state.")
    money = serializers.DictField(child=Money(), help_text="grant, paid, to_return, returned, interest_charged, "
                                                          "interest_paid, outstanding.")
    tranches_due = TrancheDueSerializer(many=True)
    reports_due = ReportListSerializer(many=True)
    reports_overdue = ReportListSerializer(many=True)
    to_verify = ReportListSerializer(many=True)
    settlements = SettlementBriefSerializer(many=True)


# --- input -----------------------------------------------------------------------------------------------


class ContractCreateInputSerializer(serializers.Serializer):
    award = serializers.IntegerField(min_value=1, help_text="An award ready for the contract.")


class ContractTermsInputSerializer(PassThroughSerializer):
    """Any of the draft's terms; a term that cannot be changed here is an error at its key."""

    keep_unknown = True
    title = serializers.CharField(required=False)
    place = serializers.CharField(required=False)
    task_start = serializers.CharField(required=False, help_text=DATE_HELP)
    task_end = serializers.CharField(required=False, help_text=DATE_HELP)
    expenditure_start = serializers.CharField(required=False, help_text=DATE_HELP)
    expenditure_end = serializers.CharField(required=False, help_text=DATE_HELP + " At the latest 31 December of "
                                                                                  "the budget year.")
    payment_mode = serializers.ChoiceField(choices=services.PaymentMode.choices, required=False)
    bank_account = serializers.CharField(required=False)
    tolerance_pct = serializers.CharField(required=False, help_text="How much (%) a grant line may grow without "
                                                                    "an annex.")
    return_due = serializers.CharField(required=False, help_text=DATE_HELP)
    countersigned_by = serializers.CharField(required=False, help_text="The treasurer who countersigns; adds "
                                                                       "the 'treasurer' party.")
    authority_signatories = serializers.CharField(required=False)
    tranches = TranchesField(required=False, help_text="The whole payment plan; it must add up to the grant.")


class SignatureInputSerializer(serializers.Serializer):
    party_key = serializers.CharField(max_length=40, help_text="One of the contract's parties[].key.")
    signer = serializers.CharField(max_length=300, allow_blank=True)
    signed_on = serializers.CharField(max_length=40, allow_blank=True, help_text=DATE_HELP)


class SignInputSerializer(serializers.Serializer):
    signed_on = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                      help_text=DATE_HELP + " Default: the last signature's date.")


class PaymentInputSerializer(serializers.Serializer):
    paid_on = serializers.CharField(max_length=40, allow_blank=True, help_text=DATE_HELP)
    amount = serializers.CharField(max_length=40, allow_blank=True, help_text=AMOUNT_HELP)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class TerminateInputSerializer(serializers.Serializer):
    ground = serializers.CharField(max_length=20, help_text="One of: " + ", ".join(TerminationGround.values))
    reason = serializers.CharField(max_length=4000, allow_blank=True)
    terminated_on = serializers.CharField(max_length=40, allow_blank=True, help_text=DATE_HELP)


class PartialReportInputSerializer(serializers.Serializer):
    period_start = serializers.CharField(max_length=40, allow_blank=True, help_text=DATE_HELP)
    period_end = serializers.CharField(max_length=40, allow_blank=True, help_text=DATE_HELP)
    due_on = serializers.CharField(max_length=40, allow_blank=True,
                                   help_text=DATE_HELP + " At least 30 days from today (art. 18 ust. 3).")
    note = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class AnnexCreateInputSerializer(serializers.Serializer):
    contract = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=10000, allow_blank=True)
    changes = serializers.JSONField(help_text="What changes: any of task_start, task_end, expenditure_start, "
                                              "expenditure_end, bank_account, title, place, lines "
                                              "[{position, name, value, grant_part}], tranches [{due_on, amount}].")


class AnnexSignInputSerializer(serializers.Serializer):
    signer = serializers.CharField(max_length=300, allow_blank=True)
    signed_on = serializers.CharField(max_length=40, allow_blank=True, help_text=DATE_HELP)


class PartInputSerializer(serializers.Serializer):
    data = serializers.JSONField(help_text="The part's fields as typed.")
    base_revision = serializers.IntegerField(
        min_value=0, help_text="The part's revision you started from; a later save by someone else is a 409.")


class DocumentInputSerializer(PassThroughSerializer):
    number = serializers.CharField(max_length=100)
    kind = serializers.CharField(max_length=20, help_text="One of: " + ", ".join(DocumentKind.values))
    issuer = serializers.CharField(required=False, allow_blank=True)
    issued_on = serializers.CharField(help_text=DATE_HELP)
    paid_on = serializers.CharField(required=False, allow_blank=True, help_text=DATE_HELP + " Required for a "
                                                                                          "payment.")
    description = serializers.CharField(required=False, allow_blank=True)
    amount = serializers.CharField(help_text=AMOUNT_HELP)
    shares = SharesField(help_text="Its split across cost lines and sources; at most the document's amount.")


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8, comma or semicolon) or .xlsx: one row per share.")
    replace = serializers.BooleanField(required=False, default=False,
                                       help_text="Replace the documents listed so far.")


class ClarificationInputSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=20000, allow_blank=True)
    due_on = serializers.CharField(max_length=40, allow_blank=True, help_text=DATE_HELP)


class ClarificationAnswerInputSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=20000, required=False, allow_null=True, default=None,
                                   help_text="The answer; omit it to send the answer saved before.")


class AcceptInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class ReportRejectInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=10000, allow_blank=True)


class CallInWritingInputSerializer(serializers.Serializer):
    due_on = serializers.CharField(max_length=40, allow_blank=True, help_text=DATE_HELP)


class IneligibleInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True,
                                   help_text="Why the cost is ineligible; blank makes it eligible again.")


class DecisionInputSerializer(serializers.Serializer):
    decision_reference = serializers.CharField(max_length=200, allow_blank=True)
    decision_on = serializers.CharField(max_length=40, allow_blank=True, help_text=DATE_HELP)


class AuthorityQuerySerializer(serializers.Serializer):
    authority = serializers.IntegerField(min_value=1, required=False,
                                         help_text="Needed if you work for more than one authority.")


class LedgerQuerySerializer(AuthorityQuerySerializer):
    competition = serializers.IntegerField(min_value=1, required=False, help_text="Only this competition.")


class NoInputSerializer(serializers.Serializer):
    pass


# --- the verbs ---------------------------------------------------------------------------------------------


def verb(name: str, *, service: Callable, output: type[serializers.Serializer], summary: str,
         input_serializer: type[serializers.Serializer] = NoInputSerializer):
    """POST /<things>/<id>/<name>/: `service(obj, actor=…, **validated)`, then the object as it is now."""

    def endpoint(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():  # a refused verb writes nothing, even if its service saved a draft first
            service(obj, actor=request.user, **serializer.validated_data)
        return self._detail(obj.pk)

    # DRF maps the HTTP method to the function's __name__: name it first, then decorate (as workflow.api does)
    endpoint.__name__ = name
    endpoint = action(detail=True, methods=["post"], url_path=name.replace("_", "-"),
                      url_name=name.replace("_", "-"))(endpoint)
    return extend_schema(request=input_serializer, responses=responses({200: output}, 400, 403, 404, 409),
                         summary=summary)(endpoint)


DOCUMENT_ID = path_id("document_id", "The document.")


def _sub(queryset, value, **kwargs):
    found = queryset.filter(pk=object_id(value), **kwargs).first()
    if found is None:
        raise NotFound()
    return found


# --- contracts ---------------------------------------------------------------------------------------------


class ContractFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ContractState.choices)
    competition = django_filters.NumberFilter(field_name="award__offer__competition_id")

    class Meta:
        model = Contract
        fields = ["state", "competition"]


class ContractViewSet(WorkflowViewSetMixin, ApiViewSet):
    """Contracts (umowy) from the award to performance (DOMAIN.md §8, §14.4)."""

    queryset = Contract.objects.none()  # for the schema only; the selectors apply visibility
    filterset_class = ContractFilter

    def get_queryset(self):
        return selectors.contract_list(user=self.request.user)

    def get_object(self):
        return selectors.contract_get(user=self.request.user, pk=object_id(self.kwargs["pk"]))

    def get_serializer_class(self):
        return ContractListSerializer if self.action == "list" else ContractDetailSerializer

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        contract = selectors.contract_get(user=self.request.user, pk=pk)
        return Response(ContractDetailSerializer(contract).data, status=status_code)

    @extend_schema(summary="The contracts you may see (the authority's staff; the organisation's people)")
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ContractListSerializer(page, many=True).data)

    @extend_schema(responses=responses({200: ContractDetailSerializer}, 404),
                   summary="A contract: terms, lines, payments, parties and signatures, annexes, money")
    def retrieve(self, request, *args, **kwargs):
        return Response(ContractDetailSerializer(self.get_object()).data)

    @extend_schema(request=ContractCreateInputSerializer,
                   responses=responses({201: ContractDetailSerializer}, 400, 403, 404, 409),
                   summary="Draft the contract from an award ready for it (the officer)")
    def create(self, request, *args, **kwargs):
        serializer = ContractCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        award = (Award.objects.select_related("offer__competition__authority", "offer__organization",
                                              "offer__task_area")
                 .filter(pk=serializer.validated_data["award"]).first())
        user = request.user
        if award is None or not (
            selectors.staff_authorities(user).filter(pk=award.offer.competition.authority_id).exists()
            or has_object_perm(user, "view_organization", award.offer.organization)
        ):
            raise NotFound()
        contract = services.contract_draft(award=award, actor=user)
        return self._detail(contract.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ContractTermsInputSerializer,
                   responses=responses({200: ContractDetailSerializer}, 400, 403, 404, 409),
                   summary="Set the draft's terms: dates, payment plan, tolerance, account (the officer)")
    def partial_update(self, request, *args, **kwargs):
        contract = self.get_object()
        serializer = ContractTermsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise InvalidData({"non_field_errors": [_("Send at least one term to change.")]})
        services.contract_update_terms(contract, actor=request.user, data=dict(serializer.validated_data))
        return self._detail(contract.pk)

    @extend_schema(request=SignatureInputSerializer,
                   responses=responses({201: ContractDetailSerializer}, 400, 403, 404, 409),
                   summary="Record that a party signed the written contract on a date")
    @action(detail=True, methods=["post"], url_path="signatures")
    def signatures(self, request, *args, **kwargs):
        contract = self.get_object()
        serializer = SignatureInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.signature_record(contract=contract, actor=request.user, **serializer.validated_data)
        return self._detail(contract.pk, status.HTTP_201_CREATED)

    sign = verb("sign", service=lambda contract, *, actor, signed_on: services.contract_sign(
        contract, actor=actor, signed_on=signed_on or None), input_serializer=SignInputSerializer,
        output=ContractDetailSerializer, summary="Concluded: every party has signed; the contract is frozen")
    send_for_signature = verb("send_for_signature", service=services.contract_send_for_signature,
                              output=ContractDetailSerializer,
                              summary="Tell the organisation the contract is ready to print and sign")
    end_implementation = verb("end_implementation", service=services.contract_end, output=ContractDetailSerializer,
                              summary="The task's end date has passed: end it and call for the final report "
                                      "(the scheduler does this too)")
    terminate = verb("terminate", service=services.contract_terminate, input_serializer=TerminateInputSerializer,
                     output=ContractDetailSerializer, summary="Terminate the contract (the officer or the approver)")

    @extend_schema(request=PaymentInputSerializer,
                   parameters=[path_id("tranche_id", "The tranche.")],
                   responses=responses({200: ContractDetailSerializer}, 400, 403, 404, 409),
                   summary="Record a tranche as paid (finance); the first payment starts performance")
    @action(detail=True, methods=["post"], url_path=r"tranches/(?P<tranche_id>[0-9]+)/pay", url_name="tranche-pay")
    def pay(self, request, *args, tranche_id=None, **kwargs):
        contract = self.get_object()
        tranche = _sub(contract.tranches.all(), tranche_id)
        serializer = PaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.tranche_record_payment(tranche, actor=request.user, **serializer.validated_data)
        return self._detail(contract.pk)

    @extend_schema(request=PartialReportInputSerializer,
                   responses=responses({201: ReportDetailSerializer}, 400, 403, 404, 409),
                   summary="Call for a partial report, due at least 30 days from the call (art. 18 ust. 3)")
    @action(detail=True, methods=["post"], url_path="request-partial-report")
    def request_partial_report(self, request, *args, **kwargs):
        contract = self.get_object()
        serializer = PartialReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_request_partial(contract=contract, actor=request.user, **serializer.validated_data)
        return ReportViewSet.detail_response(request.user, report.pk, status.HTTP_201_CREATED)

    @extend_schema(responses=responses({(200, "application/pdf"): OpenApiTypes.BINARY}, 404),
                   summary="The contract as PDF, to print and sign")
    @action(detail=True, methods=["get"], url_path="pdf")
    def pdf(self, request, *args, **kwargs):
        from .pdf import contract_pdf

        contract = self.get_object()
        response = HttpResponse(contract_pdf(contract), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="umowa-{slugify(contract.number)}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


# --- annexes -----------------------------------------------------------------------------------------------


class AnnexViewSet(WorkflowViewSetMixin, ApiViewSet):
    """Annexes (aneksy): a written change of a contract in force, in force once both sides sign."""

    queryset = Annex.objects.none()  # for the schema only
    serializer_class = AnnexOutputSerializer

    def get_object(self):
        return selectors.annex_get(user=self.request.user, pk=object_id(self.kwargs["pk"]))

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(AnnexOutputSerializer(selectors.annex_get(user=self.request.user, pk=pk)).data,
                        status=status_code)

    @extend_schema(request=AnnexCreateInputSerializer,
                   responses=responses({201: AnnexOutputSerializer}, 400, 403, 404, 409),
                   summary="Propose an annex (the officer or the organisation's signatory)")
    def create(self, request, *args, **kwargs):
        serializer = AnnexCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contract = selectors.contract_get(user=request.user, pk=data["contract"])
        annex = services.annex_propose(contract=contract, actor=request.user, reason=data["reason"],
                                       changes=data["changes"])
        return self._detail(annex.pk, status.HTTP_201_CREATED)

    @extend_schema(responses=responses({200: AnnexOutputSerializer}, 404), summary="An annex: changes and signatures")
    def retrieve(self, request, *args, **kwargs):
        return Response(AnnexOutputSerializer(self.get_object()).data)

    sign = verb("sign", service=services.annex_sign, input_serializer=AnnexSignInputSerializer,
                output=AnnexOutputSerializer, summary="Sign for your side; once both have, the annex is in force")
    withdraw = verb("withdraw", service=services.annex_withdraw, input_serializer=ReasonInputSerializer,
                    output=AnnexOutputSerializer, summary="Withdraw the annex before it is in force")


# --- reports -----------------------------------------------------------------------------------------------


class ReportFilter(django_filters.FilterSet):
    contract = django_filters.NumberFilter(field_name="contract_id")
    state = django_filters.ChoiceFilter(choices=ReportState.choices)
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices)

    class Meta:
        model = Report
        fields = ["contract", "state", "kind"]


class ReportViewSet(WorkflowViewSetMixin, ApiViewSet):
    """Partial and final reports (art. 18; Reg. 2057 Annex 5) and their verification."""

    queryset = Report.objects.none()  # for the schema only
    filterset_class = ReportFilter

    def get_queryset(self):
        return selectors.report_list(user=self.request.user)

    def get_object(self):
        return selectors.report_get(user=self.request.user, pk=object_id(self.kwargs["pk"]))

    def get_serializer_class(self):
        return ReportListSerializer if self.action == "list" else ReportDetailSerializer

    @staticmethod
    def detail_response(user, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        report = selectors.report_get(user=user, pk=pk)
        return Response(ReportDetailSerializer(report, context={}).data, status=status_code)

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        return self.detail_response(self.request.user, pk, status_code)

    @extend_schema(summary="The reports you may see")
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ReportListSerializer(page, many=True).data)

    @extend_schema(responses=responses({200: ReportDetailSerializer}, 404),
                   summary="A report: parts, documents, actual costs per line, findings at their place")
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(request=PartInputSerializer,
                   parameters=[OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH,
                                                enum=[*services.REPORT_SECTIONS], description="The part.")],
                   responses=responses({200: PartSavedSerializer}, 400, 403, 404, 409),
                   summary="Save a part as typed (autosave); a stale base_revision is a 409 with theirs")
    @action(detail=True, methods=["put", "patch"], url_path=r"parts/(?P<key>[^/.]+)")
    def parts(self, request, *args, key=None, **kwargs):
        report = self.get_object()
        serializer = PartInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        section = services.report_save_section(report=report, actor=request.user, key=key,
                                               **serializer.validated_data)
        view = services.report_read(selectors.report_get(user=request.user, pk=report.pk))
        return Response(PartSavedSerializer({"key": section.key, "revision": section.revision,
                                             "findings": view.findings}).data)

    @extend_schema(request=DocumentInputSerializer,
                   responses=responses({201: DocumentOutputSerializer}, 400, 403, 404, 409),
                   summary="Add a financial document with its split across cost lines and sources")
    @action(detail=True, methods=["post"], url_path="documents")
    def documents(self, request, *args, **kwargs):
        report = self.get_object()
        serializer = DocumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_save(report=report, actor=request.user, data=dict(serializer.validated_data))
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["PUT"], request=DocumentInputSerializer, parameters=[DOCUMENT_ID],
                   responses=responses({200: DocumentOutputSerializer}, 400, 403, 404, 409),
                   summary="Change a document and its split")
    @extend_schema(methods=["DELETE"], request=None, parameters=[DOCUMENT_ID],
                   responses=responses({204: None}, 403, 404, 409), summary="Remove a document from the list")
    @action(detail=True, methods=["put", "delete"], url_path=r"documents/(?P<document_id>[0-9]+)",
            url_name="document")
    def document(self, request, *args, document_id=None, **kwargs):
        report = self.get_object()
        document = selectors.document_get(user=request.user, report=report, pk=object_id(document_id))
        if request.method == "DELETE":
            services.document_remove(document=document, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = DocumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_save(report=report, actor=request.user, data=dict(serializer.validated_data),
                                          document=document)
        return Response(DocumentOutputSerializer(document).data)

    @extend_schema(request={"multipart/form-data": ImportInputSerializer},
                   responses=responses({201: DocumentOutputSerializer(many=True)}, 400, 403, 404, 409),
                   summary="Import the list of documents from CSV or .xlsx: all rows or none (errors at rows.<n>)")
    @action(detail=True, methods=["post"], url_path="documents/import", url_name="documents-import",
            parser_classes=[MultiPartParser, FormParser])
    def documents_import(self, request, *args, **kwargs):
        report = self.get_object()
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        documents = services.documents_import(report=report, actor=request.user, data=upload.read(),
                                              filename=upload.name or "", replace=serializer.validated_data["replace"])
        return Response(DocumentOutputSerializer(documents, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IneligibleInputSerializer, parameters=[DOCUMENT_ID],
                   responses=responses({200: DocumentOutputSerializer}, 400, 403, 404, 409),
                   summary="Find a cost ineligible during verification (the authority)")
    @action(detail=True, methods=["post"], url_path=r"documents/(?P<document_id>[0-9]+)/ineligible",
            url_name="document-ineligible")
    def ineligible(self, request, *args, document_id=None, **kwargs):
        report = self.get_object()
        document = selectors.document_get(user=request.user, report=report, pk=object_id(document_id))
        serializer = IneligibleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_mark_ineligible(document=document, actor=request.user,
                                                     **serializer.validated_data)
        return Response(DocumentOutputSerializer(document).data)

    submit = verb("submit", service=services.report_submit, output=ReportDetailSerializer,
                  summary="Submit: parts complete and figures reconciled; the report is frozen")
    request_clarification = verb("request_clarification", service=services.report_request_clarification,
                                 input_serializer=ClarificationInputSerializer, output=ReportDetailSerializer,
                                 summary="Ask for explanations or documents by a date")
    answer = verb("answer", service=services.report_answer, input_serializer=ClarificationAnswerInputSerializer,
                  output=ReportDetailSerializer, summary="Send the clarification (the organisation's signatory)")
    accept = verb("accept", service=services.report_accept, input_serializer=AcceptInputSerializer,
                  output=ReportDetailSerializer, summary="Accept the report; a final one opens the settlement")
    reject = verb("reject", service=services.report_reject, input_serializer=ReportRejectInputSerializer,
                  output=ReportDetailSerializer, summary="Reject the report, with the reason")
    call_in_writing = verb("call_in_writing", service=services.report_call_in_writing,
                           input_serializer=CallInWritingInputSerializer, output=ReportDetailSerializer,
                           summary="Call in writing to file an overdue report by a date")


# --- settlements -------------------------------------------------------------------------------------------


class SettlementFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=SettlementState.choices)
    contract = django_filters.NumberFilter(field_name="contract_id")

    class Meta:
        model = Settlement
        fields = ["state", "contract"]


class SettlementViewSet(WorkflowViewSetMixin, ApiViewSet):
    """The settlement of a grant (DOMAIN.md §10): return items, returns and interest."""

    queryset = Settlement.objects.none()  # for the schema only
    filterset_class = SettlementFilter

    def get_queryset(self):
        from django.db.models import Sum
        from django.db.models.functions import Coalesce

        return selectors.settlement_list(user=self.request.user).annotate(
            to_return=Coalesce(Sum("items__amount"), services.ZERO, output_field=selectors.MONEY_FIELD))

    def get_object(self):
        return selectors.settlement_get(user=self.request.user, pk=object_id(self.kwargs["pk"]))

    def get_serializer_class(self):
        return SettlementListSerializer if self.action == "list" else SettlementDetailSerializer

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        settlement = selectors.settlement_get(user=self.request.user, pk=pk)
        return Response(SettlementDetailSerializer(settlement, context={}).data, status=status_code)

    @extend_schema(summary="The settlements you may see")
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SettlementListSerializer(page, many=True).data)

    @extend_schema(responses=responses({200: SettlementDetailSerializer}, 404),
                   summary="A settlement: each item with its basis, deadline, payments and interest to date")
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    compute = verb("compute", service=services.settlement_compute, output=SettlementDetailSerializer,
                   summary="Compute the settlement from the verified final report and the payments (finance)")
    conclude = verb("conclude", service=services.settlement_conclude, output=SettlementDetailSerializer,
                    summary="Nothing due: close; otherwise send the notice of return (finance)")
    issue_decision = verb("issue_decision", service=services.settlement_issue_decision,
                          input_serializer=DecisionInputSerializer, output=SettlementDetailSerializer,
                          summary="Record the administrative decision on an overdue return")

    @extend_schema(request=PaymentInputSerializer, parameters=[path_id("item_id", "The return item.")],
                   responses=responses({201: ReturnRecordedSerializer}, 400, 403, 404, 409),
                   summary="Record a return (finance): interest to the day of payment, booked to amount and interest")
    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_id>[0-9]+)/returns", url_name="item-returns")
    def returns(self, request, *args, item_id=None, **kwargs):
        settlement = self.get_object()
        item = _sub(settlement.items.all(), item_id)
        serializer = PaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = services.return_record(item=item, actor=request.user, **serializer.validated_data)
        fresh = selectors.settlement_get(user=request.user, pk=settlement.pk)
        return Response(ReturnRecordedSerializer({"payment": payment, "settlement": fresh}, context={}).data,
                        status=status.HTTP_201_CREATED)


# --- the finance officer's dashboard and ledger ---------------------------------------------------------------


class FinanceViewSet(ApiViewSet):
    """The authority's money: the dashboard and the ledger."""

    queryset = Contract.objects.none()  # for the schema only

    def _authority(self, query: serializers.Serializer):
        query.is_valid(raise_exception=True)
        authorities = selectors.staff_authorities(self.request.user)
        if "authority" in query.validated_data:
            return _sub(authorities, query.validated_data["authority"])
        mine = list(authorities[:2])
        if not mine:
            raise NotFound()
        if len(mine) > 1:
            raise InvalidData({"authority": [_("Choose the authority.")]})
        return mine[0]

    @extend_schema(parameters=[AuthorityQuerySerializer], responses=responses({200: DashboardSerializer}, 400, 404),
                   summary="Contracts, tranches due, reports to file and verify, returns outstanding")
    @action(detail=False, methods=["get"], url_path="dashboard", pagination_class=None, filter_backends=[])
    def dashboard(self, request, *args, **kwargs):
        authority = self._authority(AuthorityQuerySerializer(data=request.query_params))
        data = selectors.finance_dashboard(user=request.user, authority=authority)
        return Response(DashboardSerializer({**data, "authority": authority}).data)

    @extend_schema(parameters=[LedgerQuerySerializer],
                   responses=responses({(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                                        OpenApiTypes.BINARY}, 400, 404),
                   summary="The finance ledger as .xlsx (of one competition, if given)")
    @action(detail=False, methods=["get"], url_path="ledger", pagination_class=None, filter_backends=[])
    def ledger(self, request, *args, **kwargs):
        from .exports import ledger_filename, ledger_xlsx

        query = LedgerQuerySerializer(data=request.query_params)
        authority = self._authority(query)
        competition = None
        if "competition" in query.validated_data:
            competition = Competition.objects.filter(pk=query.validated_data["competition"],
                                                     authority=authority).first()
            if competition is None:
                raise InvalidData({"competition": [_("No such competition of this authority.")]})
        response = HttpResponse(ledger_xlsx(authority=authority, competition=competition),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        name = ledger_filename(authority=authority, competition=competition)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


def register(router) -> None:
    """Register this app's viewsets on the API router."""
    router.register("contracts", ContractViewSet, basename="contract")
    router.register("annexes", AnnexViewSet, basename="annex")
    router.register("reports", ReportViewSet, basename="report")
    router.register("settlements", SettlementViewSet, basename="settlement")
    router.register("finance", FinanceViewSet, basename="finance")

