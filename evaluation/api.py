"""REST API for evaluation and award (thin: it calls services and selectors).

    POST  /competitions/{id}/evaluation/             the officer opens the formal review
    GET   /evaluations/                              the rounds you run (staff) or sit on (members)
    GET   /evaluations/{id}/                         state and counts; POST …/start-merit-review/,
                                                     …/close-scoring/ (signed_by), …/resolve/
    GET   /evaluations/{id}/ranking/                 per task area, from the raw scores: the chair at any
                                                     time, the authority and members once scoring is closed
    GET   /evaluations/{id}/progress/ | leniency/    the chair and the authority (leniency: the authority
                                                     once scoring is closed)
    GET   /evaluations/{id}/formal-checks/ | score-sheets/ | my-declarations/
    GET   /formal-checks/{id}/                       the authority, and the offeror (to read a call to
                                                     remedy); PUT …/items/; POST …/request-remedy/ | remedy/
                                                     | accept/ | reject/
    GET|PATCH /committees/{id}/                      members and settings; POST …/seats/,
                                                     DELETE …/seats/{id}/; POST …/appoint/ | reform/
    GET   /declarations/{id}/; POST …/declare/       a member's impartiality, per offer
    GET   /member-offers/{offer_id}/; PUT …/scores/  an offer's content and the member's sheet: only after
                                                     declaring impartiality for it
    GET   /score-sheets/{id}/; POST …/submit/ | reopen/
    GET   /awards/{id}/; POST …/propose/ | decide/ | accept-with-update/ | decline/; PUT …/update/{key}/
    GET   /offers/{id}/evaluation-card/              the offeror, once the results are published
    GET   /competitions/{id}/results/                anyone, once the results are published
    POST  /competitions/{id}/justification-requests/ anyone, within 30 days (art. 15 ust. 2j); GET:
                                                     the authority's queue; POST …/{request id}/answer/
    Every stateful object also has GET …/transitions/ and …/audit/.

Visibility (hard rule 1): whatever the user may not see is 404 — a member of another committee
sees nothing of this evaluation, a member who declared a conflict cannot open that offer, an
NGO never sees scores, rankings or other offers. What the user may see but not do is 403, and
what the state does not allow yet is 409 with its reasons.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from competitions.api import ApiViewSet, object_id, path_id, responses
from competitions.selectors import authorities_for_user, competition_get
from offers.api import (
    OfferOrganizationSerializer,
    OfferTaskAreaSerializer,
    ProblemOutputSerializer,
    SectionOutputSerializer,
)
from offers.form import DATA_SECTION_KEYS, SECTIONS
from offers.models import Offer, OfferState, Organization
from offers.selectors import offer_get, offer_sections
from workflow.api import WorkflowViewSetMixin, transition_action
from workflow.calendar import local
from workflow.errors import Forbidden, InvalidData, NotFound, WrongState
from workflow.permissions import has_object_perm

from . import selectors, services
from .guards import required_scores
from .models import (
    Award,
    AwardState,
    Committee,
    Declaration,
    DeclarationState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    ItemOutcome,
    JustificationRequest,
    NgoAbsence,
    ScoreSheet,
    SeatKind,
    SeatRole,
)

SCORING_CLOSED = (EvaluationState.AWAITING_DECISION, EvaluationState.RESOLVED)
SELECTED = (
    AwardState.SELECTED,
    AwardState.AWAITING_UPDATE,
    AwardState.READY_FOR_CONTRACT,
    AwardState.DECLINED,
)
COMPETITION_PK = path_id("competition_pk", "The competition.")
OFFER_PK = path_id("offer_pk", "The offer.")


@extend_schema_field(OpenApiTypes.STR)
class SeatRoleField(serializers.ChoiceField):
    """A seat's role. Described as a string with its values in the text: other resources have
    fields named "role" with other choices, and one enum name cannot serve both."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "One of: " + ", ".join(SeatRole.values) + ".")
        super().__init__(choices=SeatRole.choices, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class SeatKindField(serializers.ChoiceField):
    """A seat's kind, described like SeatRoleField (other resources have a "kind" too)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "One of: " + ", ".join(SeatKind.values) + ".")
        super().__init__(choices=SeatKind.choices, **kwargs)


def _keyed_entries(raw: Any, field: str) -> dict[str, dict]:
    """{"<id>": {…}, …} as sent; anything else is refused at its own key, never a 500."""
    if not isinstance(raw, dict):
        raise InvalidData({field: [_("Send an object keyed by id.")]})
    errors = {
        f"{field}.{key}": [_("Send an object with the fields of this entry.")]
        for key, value in raw.items()
        if not isinstance(value, dict)
    }
    if errors:
        raise InvalidData(errors)
    return raw


# --- output ---------------------------------------------------------------------------------------


class CompetitionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


class SeatBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = SeatRoleField()


class EvaluationCountsSerializer(serializers.Serializer):
    offers = serializers.IntegerField(help_text="Offers submitted in the competition.")
    formal_checks = serializers.DictField(
        child=serializers.IntegerField(), help_text="Formal checks by state."
    )
    awards = serializers.DictField(child=serializers.IntegerField(), help_text="Awards by state.")
    justification_requests = serializers.IntegerField()


class EvaluationListSerializer(serializers.ModelSerializer):
    competition = CompetitionBriefSerializer(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "competition", "state", "state_label", "started_at", "resolved_at"]


class EvaluationDetailSerializer(EvaluationListSerializer):
    committee = serializers.SerializerMethodField()
    my_seat = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()

    class Meta(EvaluationListSerializer.Meta):
        fields = [
            *EvaluationListSerializer.Meta.fields,
            "merit_started_at",
            "scoring_closed_at",
            "decision_reference",
            "protocol_signed_by",
            "committee",
            "my_seat",
            "counts",
        ]

    def get_committee(self, evaluation) -> int | None:
        return (
            Committee.objects.filter(competition_id=evaluation.competition_id)
            .values_list("pk", flat=True)
            .first()
        )

    @extend_schema_field(SeatBriefSerializer(allow_null=True))
    def get_my_seat(self, evaluation):
        seat = selectors.seat_of(user=self.context["request"].user, competition=evaluation.competition)
        return SeatBriefSerializer(seat).data if seat else None

    @extend_schema_field(EvaluationCountsSerializer)
    def get_counts(self, evaluation):
        competition = evaluation.competition
        checks = dict(
            FormalCheck.objects.filter(offer__competition=competition)
            .values_list("state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        awards = dict(
            Award.objects.filter(offer__competition=competition)
            .values_list("state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {
            "offers": Offer.objects.filter(competition=competition, state=OfferState.SUBMITTED).count(),
            "formal_checks": checks,
            "awards": awards,
            "justification_requests": evaluation.justification_requests.count(),
        }


class CheckItemOutputSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item_id")
    text = serializers.CharField(source="item.text")
    remediable = serializers.BooleanField(source="item.remediable")
    outcome = serializers.ChoiceField(choices=ItemOutcome.choices)
    note = serializers.CharField()


class FormalCheckOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organization = OfferOrganizationSerializer()
    task_area = OfferTaskAreaSerializer()


class FormalCheckOutputSerializer(serializers.ModelSerializer):
    offer = FormalCheckOfferSerializer(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    items = CheckItemOutputSerializer(many=True, read_only=True)

    class Meta:
        model = FormalCheck
        fields = [
            "id",
            "offer",
            "state",
            "state_label",
            "items",
            "remedy_deadline",
            "remedy_message",
            "remedy_sections",
            "remedied_at",
            "reasons",
            "decided_at",
        ]


class NominatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SeatOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    name = serializers.SerializerMethodField()
    role = SeatRoleField()
    kind = SeatKindField()
    votes = serializers.BooleanField(help_text="False for an expert (advisory voice, art. 15 ust. 2e).")
    nominated_by = NominatorSerializer(allow_null=True)
    nominated_by_name = serializers.CharField()

    def get_name(self, seat) -> str:
        return seat.user.get_full_name() or seat.user.username


class CommitteeOutputSerializer(serializers.ModelSerializer):
    competition = CompetitionBriefSerializer(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    seats = serializers.SerializerMethodField()

    class Meta:
        model = Committee
        fields = [
            "id",
            "competition",
            "state",
            "state_label",
            "appointment_reference",
            "appointed_at",
            "ngo_absence",
            "ngo_absence_note",
            "quorum",
            "comment_below_pct",
            "spread_flag_pct",
            "seats",
        ]

    @extend_schema_field(SeatOutputSerializer(many=True))
    def get_seats(self, committee) -> list:
        seats = committee.seats.filter(is_active=True).select_related("user", "nominated_by")
        return SeatOutputSerializer(seats, many=True).data


class DeclarationOutputSerializer(serializers.ModelSerializer):
    """Names only: a member declares after seeing the list of offerors, before any content."""

    offer = serializers.IntegerField(source="offer_id", read_only=True)
    organization = OfferOrganizationSerializer(source="offer.organization", read_only=True)
    task_area = OfferTaskAreaSerializer(source="offer.task_area", read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Declaration
        fields = ["id", "offer", "organization", "task_area", "state", "state_label", "ground", "declared_at"]


class ScoreOutputSerializer(serializers.Serializer):
    points = serializers.DecimalField(max_digits=5, decimal_places=2)
    comment = serializers.CharField()


class ScoreSheetOutputSerializer(serializers.ModelSerializer):
    """Scores are shown to the sheet's holder only: members do not see each other's scores,
    and the chair sees the sheet's state (to reopen it), not its points."""

    offer = serializers.IntegerField(source="offer_id", read_only=True)
    seat = serializers.IntegerField(source="seat_id", read_only=True)
    member = serializers.SerializerMethodField()
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    scores = serializers.SerializerMethodField()

    class Meta:
        model = ScoreSheet
        fields = [
            "id",
            "offer",
            "seat",
            "member",
            "state",
            "state_label",
            "comment",
            "scores",
            "submitted_at",
            "updated_at",
        ]

    def get_member(self, sheet) -> str:
        return sheet.seat.user.get_full_name() or sheet.seat.user.username

    def _holder(self, sheet) -> bool:
        request = self.context.get("request")
        return request is not None and sheet.seat.user_id == request.user.pk

    @extend_schema_field(serializers.DictField(child=ScoreOutputSerializer(), allow_null=True))
    def get_scores(self, sheet):
        if not self._holder(sheet):
            return None
        return {str(s.criterion_id): ScoreOutputSerializer(s).data for s in sheet.scores.all()}

    def to_representation(self, sheet):
        data = super().to_representation(sheet)
        if not self._holder(sheet):
            data["comment"] = None
        return data


class CriterionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    max_points = serializers.DecimalField(max_digits=5, decimal_places=2)
    step = serializers.DecimalField(max_digits=5, decimal_places=2)


class MemberOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    organization = OfferOrganizationSerializer()
    task_area = OfferTaskAreaSerializer()
    grant_requested = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    total_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    submitted_at = serializers.DateTimeField()
    snapshot_sha256 = serializers.CharField()
    sections = SectionOutputSerializer(many=True)
    criteria = CriterionBriefSerializer(many=True)
    comment_below_pct = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        help_text="A score below this share of a criterion's maximum needs a comment.",
    )
    declaration = DeclarationOutputSerializer()
    sheet = ScoreSheetOutputSerializer(allow_null=True)


class AwardBriefSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Award
        fields = ["id", "state", "proposed_amount", "decided_amount"]


class RankingRowSerializer(serializers.Serializer):
    offer = serializers.IntegerField(source="offer.pk")
    organization = OfferOrganizationSerializer(source="offer.organization")
    title = serializers.CharField(source="offer.title")
    grant_requested = serializers.DecimalField(
        source="offer.grant_requested", max_digits=14, decimal_places=2, allow_null=True
    )
    sheets = serializers.IntegerField(help_text="Submitted sheets that count.")
    mean = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="Mean of the members' totals."
    )
    criteria = serializers.DictField(
        child=serializers.DecimalField(max_digits=8, decimal_places=2), help_text="Mean per criterion id."
    )
    passed = serializers.BooleanField(help_text="At or above the task's threshold.")
    rank = serializers.IntegerField(allow_null=True)
    spread = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="Highest minus lowest member's total."
    )
    flagged = serializers.BooleanField(help_text="The spread is above the committee's limit.")
    award = AwardBriefSerializer(allow_null=True)


class RankingTaskAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    pass_threshold_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    tie_break = serializers.CharField()


class RankingAreaSerializer(serializers.Serializer):
    task_area = RankingTaskAreaSerializer()
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    criteria = CriterionBriefSerializer(many=True)
    rows = RankingRowSerializer(many=True)


class ProgressMemberSerializer(serializers.Serializer):
    seat = serializers.IntegerField(source="seat.pk")
    name = serializers.SerializerMethodField()
    role = serializers.CharField(source="seat.role")
    votes = serializers.BooleanField()
    pending = serializers.IntegerField(help_text="Declarations not yet made.")
    impartial = serializers.IntegerField()
    excluded = serializers.IntegerField(help_text="Conflicts declared and automatic exclusions.")
    submitted = serializers.IntegerField(help_text="Sheets submitted.")

    def get_name(self, row) -> str:
        return row["seat"].user.get_full_name() or row["seat"].user.username


class ProgressOfferSerializer(serializers.Serializer):
    offer = serializers.IntegerField(source="pk")
    submitted = serializers.IntegerField(help_text="Sheets that count towards the quorum.")


class ProgressSerializer(serializers.Serializer):
    needed = serializers.IntegerField(help_text="Sheets each offer needs before scoring can close.")
    members = ProgressMemberSerializer(many=True)
    offers = ProgressOfferSerializer(many=True)


class LeniencySerializer(serializers.Serializer):
    seat = serializers.IntegerField(source="seat.pk")
    name = serializers.SerializerMethodField()
    offers = serializers.IntegerField()
    deviation = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        help_text="Mean of (this member's total − the others' mean) per offer.",
    )

    def get_name(self, row) -> str:
        return row["seat"].user.get_full_name() or row["seat"].user.username


class AwardUpdateOutputSerializer(serializers.Serializer):
    revision = serializers.IntegerField(help_text="Send this as base_revision when you save a section.")
    sections = serializers.JSONField()
    snapshot_sha256 = serializers.CharField()
    updated_at = serializers.DateTimeField()


class AwardOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organization = OfferOrganizationSerializer()
    task_area = OfferTaskAreaSerializer()
    grant_requested = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    total_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class AwardOutputSerializer(serializers.ModelSerializer):
    offer = AwardOfferSerializer(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    update = serializers.SerializerMethodField()

    class Meta:
        model = Award
        fields = [
            "id",
            "offer",
            "state",
            "state_label",
            "proposed_amount",
            "justification",
            "cut_reason",
            "decided_amount",
            "decision_reason",
            "decided_at",
            "update_deadline",
            "update",
        ]

    @extend_schema_field(AwardUpdateOutputSerializer(allow_null=True))
    def get_update(self, award):
        update = getattr(award, "update", None)
        return AwardUpdateOutputSerializer(update).data if update is not None else None


class UpdateSavedSerializer(serializers.Serializer):
    key = serializers.CharField()
    revision = serializers.IntegerField()
    problems = ProblemOutputSerializer(many=True, help_text="The update's problems after this save.")


class CardCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    max_points = serializers.DecimalField(max_digits=5, decimal_places=2)
    mean = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)


class CardAwardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    decided_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    justification = serializers.CharField(help_text="The committee's justification.")
    cut_reason = serializers.CharField(help_text="Why less than requested.")
    decision_reason = serializers.CharField()
    update_deadline = serializers.DateTimeField(allow_null=True)


class EvaluationCardSerializer(serializers.Serializer):
    """The consolidated card: means, never an individual member's score."""

    offer = serializers.IntegerField()
    title = serializers.CharField()
    formally_rejected = serializers.BooleanField()
    reasons = serializers.CharField(help_text="Why the offer was rejected formally.")
    criteria = CardCriterionSerializer(many=True)
    mean = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    award = CardAwardSerializer(allow_null=True)


class PublicResultRowSerializer(serializers.Serializer):
    offeror = serializers.CharField()
    task = serializers.CharField()
    title = serializers.CharField()
    points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    selected = serializers.BooleanField()
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="The grant decided (art. 15 ust. 2h)."
    )


class PublicResultsSerializer(serializers.Serializer):
    competition = CompetitionBriefSerializer()
    authority = serializers.CharField()
    date = serializers.DateField(help_text="Publication of the results (Europe/Warsaw).")
    decision_reference = serializers.CharField()
    rows = PublicResultRowSerializer(many=True)


class JustificationReceivedSerializer(serializers.ModelSerializer):
    class Meta:
        model = JustificationRequest
        fields = ["id", "offer", "received_at", "answer_due"]


class JustificationRequestOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = JustificationRequest
        fields = [
            "id",
            "offer",
            "name",
            "email",
            "text",
            "received_at",
            "answer_due",
            "answered_at",
            "answer",
        ]


# --- input ----------------------------------------------------------------------------------------


class CloseScoringInputSerializer(serializers.Serializer):
    signed_by = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        default="",
        help_text="The members present who sign the protocol.",
    )


class ResolveInputSerializer(serializers.Serializer):
    decision_reference = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The zarządzenie or uchwała of the decision.",
    )


class ItemResultInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ItemOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class ItemsInputSerializer(serializers.Serializer):
    items = serializers.DictField(
        child=ItemResultInputSerializer(),
        help_text="{checklist item id: {outcome, note}}; a defect needs a note. Errors come at items.<id>.",
    )

    def to_internal_value(self, data):
        # Validated entry by entry in the service, so that errors come at "items.<id>".
        return {"items": _keyed_entries(data.get("items") if isinstance(data, dict) else None, "items")}


class RemedyRequestInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=10000, allow_blank=True)
    sections = serializers.ListField(
        child=serializers.CharField(max_length=40),
        help_text=f"Of: {', '.join(services.REMEDIABLE_SECTIONS)}.",
    )


class RejectInputSerializer(serializers.Serializer):
    reasons = serializers.CharField(max_length=10000, allow_blank=True)


class CommitteeInputSerializer(serializers.ModelSerializer):
    ngo_absence = serializers.ChoiceField(choices=NgoAbsence.choices, required=False, allow_blank=True)

    class Meta:
        model = Committee
        fields = ["ngo_absence", "ngo_absence_note", "quorum", "comment_below_pct", "spread_flag_pct"]


class SeatInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, help_text="The person's user id.")
    role = SeatRoleField(default=SeatRole.MEMBER)
    kind = SeatKindField(default=SeatKind.AUTHORITY)
    nominated_by = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The nominating organisation, if registered here.",
    )
    nominated_by_name = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="Or its name."
    )


class AppointInputSerializer(serializers.Serializer):
    appointment_reference = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The zarządzenie appointing the committee.",
    )


class DeclareInputSerializer(serializers.Serializer):
    impartial = serializers.BooleanField(help_text="False declares a conflict of interest (KPA art. 24).")
    ground = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ScoreInputSerializer(serializers.Serializer):
    points = serializers.CharField(help_text="0 up to the criterion's maximum, in its step.")
    comment = serializers.CharField(required=False, allow_blank=True)


class ScoresInputSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=ScoreInputSerializer(),
        help_text="{criterion id: {points, comment}}; errors come at scores.<id>.",
    )
    comment = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        # The service reads each entry, saves the good ones and reports the rest at "scores.<id>".
        if not isinstance(data, dict):
            raise InvalidData({"scores": [_("Send an object keyed by id.")]})
        comment = data.get("comment", "")
        if not isinstance(comment, str) or len(comment) > 8000:
            raise InvalidData({"comment": [_("A comment is a text of at most 8000 characters.")]})
        return {"scores": _keyed_entries(data.get("scores"), "scores"), "comment": comment}


class ReopenInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, allow_blank=True)


class ProposeInputSerializer(serializers.Serializer):
    amount = serializers.CharField(max_length=40, allow_blank=True, help_text="PLN, e.g. 25000.00.")
    justification = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    cut_reason = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when proposing less than requested.",
    )


class DecideInputSerializer(serializers.Serializer):
    select = serializers.BooleanField()
    amount = serializers.CharField(
        max_length=40, required=False, allow_blank=True, allow_null=True, default=None
    )
    reason = serializers.CharField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when departing from the committee's proposal.",
    )


class UpdateSectionInputSerializer(serializers.Serializer):
    data = serializers.JSONField(help_text="The section as typed, like the offer's.")
    base_revision = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)


class JustificationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    email = serializers.CharField(max_length=254, allow_blank=True)
    text = serializers.CharField(max_length=10000, allow_blank=True)
    offer = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The offer the request is about, if one.",
    )


class AnswerInputSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=20000, allow_blank=True)


class SheetQuerySerializer(serializers.Serializer):
    offer = serializers.IntegerField(min_value=1, required=False)
    seat = serializers.IntegerField(min_value=1, required=False)


# --- the round --------------------------------------------------------------------------------------


class EvaluationFilter(django_filters.FilterSet):
    competition = django_filters.NumberFilter(field_name="competition_id")
    state = django_filters.ChoiceFilter(choices=EvaluationState.choices)

    class Meta:
        model = Evaluation
        fields = ["competition", "state"]


# A paginated list action of a viewset whose filters are for another list: no filters here.
PAGED = {"filter_backends": []}


class EvaluationViewSet(WorkflowViewSetMixin, ApiViewSet):
    """The evaluation round of a competition: formal review, merit review, decision."""

    queryset = Evaluation.objects.none()  # for the schema only; get_queryset/get_object apply visibility
    filterset_class = EvaluationFilter

    def get_queryset(self):
        user = self.request.user
        return (
            Evaluation.objects.filter(
                Q(competition__authority__in=authorities_for_user(user=user))
                | Q(competition__in=selectors.competitions_for_member(user=user))
            )
            .select_related("competition")
            .order_by("-started_at", "-pk")
        )

    def get_object(self):
        found = (
            Evaluation.objects.filter(pk=object_id(self.kwargs["pk"])).select_related("competition").first()
        )
        if found is None:
            raise NotFound()
        return selectors.evaluation_get(user=self.request.user, competition=found.competition)

    def get_serializer_class(self):
        return EvaluationListSerializer if self.action == "list" else EvaluationDetailSerializer

    @extend_schema(summary="The evaluations you run (authority staff) or sit on (committee members)")
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(EvaluationListSerializer(page, many=True).data)

    @extend_schema(
        responses=responses({200: EvaluationDetailSerializer}, 404),
        summary="An evaluation: state, dates and counts",
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def _scores_visible(self, evaluation: Evaluation, *, members_after_close: bool) -> None:
        """Scores' aggregates: the chair at any time; the authority once scoring is closed;
        other members never before (they do not see each other's scores)."""
        user, competition = self.request.user, evaluation.competition
        if selectors.is_chair(user, competition):
            return
        closed = evaluation.state in SCORING_CLOSED
        if selectors.is_staff(user, competition):
            if closed:
                return
            raise WrongState(
                _("The authority sees the scores once the chair closes scoring."), code="scoring_open"
            )
        if members_after_close and closed:
            return
        raise Forbidden(_("Committee members do not see each other's scores; the chair does."))

    @extend_schema(
        responses=responses({200: RankingAreaSerializer(many=True)}, 403, 404, 409),
        summary="The ranking per task area, computed from the raw scores",
    )
    @action(detail=True, methods=["get"], url_path="ranking", pagination_class=None, filter_backends=[])
    def ranking(self, request, *args, **kwargs):
        evaluation = self.get_object()
        self._scores_visible(evaluation, members_after_close=True)
        areas: dict[int, dict] = {}
        for row in selectors.ranking(evaluation=evaluation):
            area = row.offer.task_area
            if area.pk not in areas:
                criteria = list(area.criteria.all())
                areas[area.pk] = {
                    "task_area": area,
                    "criteria": criteria,
                    "rows": [],
                    "max_points": sum((c.max_points for c in criteria), 0),
                }
            areas[area.pk]["rows"].append(row)
        return Response(RankingAreaSerializer(list(areas.values()), many=True).data)

    @extend_schema(
        responses=responses({200: ProgressSerializer}, 403, 404),
        summary="Who has declared and scored what (the chair and the authority)",
    )
    @action(detail=True, methods=["get"], url_path="progress", pagination_class=None, filter_backends=[])
    def progress(self, request, *args, **kwargs):
        evaluation = self.get_object()
        if not (
            selectors.is_chair(request.user, evaluation.competition)
            or selectors.is_staff(request.user, evaluation.competition)
        ):
            raise Forbidden(_("The progress of scoring is for the chair and the authority."))
        data = {
            "needed": required_scores(evaluation.competition.committee),
            "members": selectors.progress(evaluation=evaluation),
            "offers": selectors.scores_per_offer(evaluation=evaluation),
        }
        return Response(ProgressSerializer(data).data)

    @extend_schema(
        responses=responses({200: LeniencySerializer(many=True)}, 403, 404, 409),
        summary="Each member's mean deviation from the others (the chair; the authority after scoring)",
    )
    @action(detail=True, methods=["get"], url_path="leniency", pagination_class=None, filter_backends=[])
    def leniency(self, request, *args, **kwargs):
        evaluation = self.get_object()
        self._scores_visible(evaluation, members_after_close=False)
        return Response(LeniencySerializer(selectors.leniency(evaluation=evaluation), many=True).data)

    @extend_schema(
        responses=responses({200: FormalCheckOutputSerializer(many=True)}, 404),
        summary="The formal check of every offer (the authority)",
    )
    @action(detail=True, methods=["get"], url_path="formal-checks", **PAGED)
    def formal_checks(self, request, *args, **kwargs):
        checks = selectors.formal_checks(user=request.user, evaluation=self.get_object())
        page = self.paginate_queryset(checks.prefetch_related("items__item"))
        return self.get_paginated_response(FormalCheckOutputSerializer(page, many=True).data)

    @extend_schema(
        responses=responses({200: DeclarationOutputSerializer(many=True)}, 404),
        summary="Your impartiality declarations: the offerors' names and tasks, no content",
    )
    @action(detail=True, methods=["get"], url_path="my-declarations", **PAGED)
    def my_declarations(self, request, *args, **kwargs):
        evaluation = self.get_object()
        declarations = selectors.declarations_for_member(
            user=request.user, competition=evaluation.competition
        )
        page = self.paginate_queryset(declarations)
        return self.get_paginated_response(DeclarationOutputSerializer(page, many=True).data)

    @extend_schema(
        parameters=[SheetQuerySerializer],
        responses=responses({200: ScoreSheetOutputSerializer(many=True)}, 400, 403, 404),
        summary="The score sheets and their states, without the points (the chair and the authority)",
    )
    @action(detail=True, methods=["get"], url_path="score-sheets", **PAGED)
    def score_sheets(self, request, *args, **kwargs):
        evaluation = self.get_object()
        competition = evaluation.competition
        if not (selectors.is_chair(request.user, competition) or selectors.is_staff(request.user, competition)):
            raise Forbidden(_("The list of score sheets is for the chair and the authority."))
        query = SheetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sheets = (
            ScoreSheet.objects.filter(offer__competition=competition)
            .select_related("seat__user")
            .order_by("offer_id", "seat_id")
        )
        if "offer" in query.validated_data:
            sheets = sheets.filter(offer_id=query.validated_data["offer"])
        if "seat" in query.validated_data:
            sheets = sheets.filter(seat_id=query.validated_data["seat"])
        page = self.paginate_queryset(sheets)
        return self.get_paginated_response(
            ScoreSheetOutputSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    start_merit_review = transition_action(
        "start_merit_review",
        service=services.evaluation_start_merit_review,
        summary="Hand the accepted offers to the appointed committee (the officer)",
    )
    close_scoring = transition_action(
        "close_scoring",
        input_serializer=CloseScoringInputSerializer,
        service=services.evaluation_close_scoring,
        summary="Close scoring once every offer has the quorum (the chair); the protocol is signed",
    )
    resolve = transition_action(
        "resolve",
        input_serializer=ResolveInputSerializer,
        service=services.evaluation_resolve,
        summary="Decide (art. 15 ust. 2g) and publish the results (ust. 2h) (the approver)",
    )


class CompetitionEvaluationViewSet(ApiViewSet):
    """What of the evaluation hangs on the competition: starting it, the public results and the
    public's requests for justification."""

    queryset = Evaluation.objects.none()  # for the schema only

    def get_permissions(self):
        # The results and the request form are public (art. 15 ust. 2h, 2j); the queue is not.
        if self.action == "results" or (
            self.action == "justification_requests" and self.request.method == "POST"
        ):
            return [AllowAny()]
        return [IsAuthenticated()]

    def _competition(self):
        return competition_get(user=self.request.user, pk=self.kwargs["competition_pk"])

    @extend_schema(
        request=None,
        parameters=[COMPETITION_PK],
        responses=responses({201: EvaluationDetailSerializer}, 403, 404, 409),
        summary="Open the formal review of a competition whose submissions have closed (the officer)",
    )
    @action(detail=False, methods=["post"], url_path="evaluation")
    def evaluation(self, request, *args, **kwargs):
        evaluation = services.evaluation_start(competition=self._competition(), actor=request.user)
        return Response(
            EvaluationDetailSerializer(evaluation, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[COMPETITION_PK],
        responses=responses({200: PublicResultsSerializer}, 404),
        summary="The published results: offeror, task, title, points, amount, date",
    )
    @action(detail=False, methods=["get"], url_path="results", pagination_class=None, filter_backends=[])
    def results(self, request, *args, **kwargs):
        competition = self._competition()
        rows = selectors.public_results(competition=competition)
        evaluation = competition.evaluation
        data = {
            "competition": competition,
            "authority": competition.authority.name,
            "date": local(evaluation.resolved_at).date(),
            "decision_reference": evaluation.decision_reference,
            "rows": [
                {
                    "offeror": row.offer.organization.name,
                    "task": f"{row.offer.task_area.number}. {row.offer.task_area.name}",
                    "title": row.offer.title,
                    "points": row.mean,
                    "rank": row.rank,
                    "selected": bool(row.award and row.award.state in SELECTED),
                    "amount": row.award.decided_amount if row.award and row.award.state in SELECTED else None,
                }
                for row in rows
            ],
        }
        return Response(PublicResultsSerializer(data).data)

    @extend_schema(
        methods=["POST"],
        request=JustificationInputSerializer,
        parameters=[COMPETITION_PK],
        responses=responses({201: JustificationReceivedSerializer}, 400, 404, 409),
        summary="Ask for the justification of a selection or rejection (anyone, 30 days, art. 15 ust. 2j)",
    )
    @extend_schema(
        methods=["GET"],
        parameters=[COMPETITION_PK],
        responses=responses({200: JustificationRequestOutputSerializer(many=True)}, 404),
        summary="The requests for justification and their deadlines (the authority)",
    )
    @action(detail=False, methods=["get", "post"], url_path="justification-requests", filter_backends=[])
    def justification_requests(self, request, *args, **kwargs):
        competition = self._competition()
        evaluation = getattr(competition, "evaluation", None)
        if evaluation is None:
            raise NotFound()
        if request.method == "GET":
            page = self.paginate_queryset(
                selectors.justification_queue(user=request.user, evaluation=evaluation)
            )
            return self.get_paginated_response(JustificationRequestOutputSerializer(page, many=True).data)
        serializer = JustificationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        offer_id, offer = fields.pop("offer"), None
        if offer_id is not None:
            offer = competition.offers.filter(pk=offer_id).first()
            if offer is None:
                raise InvalidData({"offer": [_("Choose an offer of this competition.")]})
        received = services.justification_request_create(evaluation=evaluation, offer=offer, **fields)
        return Response(JustificationReceivedSerializer(received).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AnswerInputSerializer,
        parameters=[COMPETITION_PK, path_id("request_id", "The request for justification.")],
        responses=responses({200: JustificationRequestOutputSerializer}, 400, 403, 404),
        summary="Answer a request for justification; the answer goes by e-mail (the officer)",
    )
    @action(detail=False, methods=["post"], url_path=r"justification-requests/(?P<request_id>[^/.]+)/answer")
    def answer(self, request, *args, request_id=None, **kwargs):
        evaluation = getattr(self._competition(), "evaluation", None)
        if evaluation is None:
            raise NotFound()
        found = (
            selectors.justification_queue(user=request.user, evaluation=evaluation)
            .filter(pk=object_id(request_id))
            .first()
        )
        if found is None:
            raise NotFound()
        serializer = AnswerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answered = services.justification_answer(
            request=found, actor=request.user, **serializer.validated_data
        )
        return Response(JustificationRequestOutputSerializer(answered).data)


# --- the formal check -------------------------------------------------------------------------------


class FormalCheckViewSet(WorkflowViewSetMixin, ApiViewSet):
    """The formal check of one offer: checklist, call to remedy, acceptance or rejection."""

    queryset = FormalCheck.objects.none()  # for the schema only
    serializer_class = FormalCheckOutputSerializer

    def get_object(self):
        return selectors.formal_check_get(user=self.request.user, pk=object_id(self.kwargs["pk"]))

    @extend_schema(
        responses=responses({200: FormalCheckOutputSerializer}, 404),
        summary="A formal check (the authority, and the offeror to read a call to remedy)",
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(FormalCheckOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=ItemsInputSerializer,
        responses=responses({200: FormalCheckOutputSerializer}, 400, 403, 404, 409),
        summary="Record checklist items: met, defect (with a note) or not applicable (the officer)",
    )
    @action(detail=True, methods=["put"], url_path="items")
    def items(self, request, *args, **kwargs):
        check = self.get_object()
        serializer = ItemsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results: dict[int, tuple[str, str]] = {}
        errors: dict[str, list[str]] = {}
        for key, value in serializer.validated_data["items"].items():
            try:
                item_id = object_id(key)
            except NotFound:
                errors[f"items.{key}"] = [_("Not an item of this competition's checklist.")]
                continue
            results[item_id] = (str(value.get("outcome") or ""), str(value.get("note") or ""))
        if errors:
            raise InvalidData(errors)
        services.formal_check_record(check=check, actor=request.user, results=results)
        return Response(FormalCheckOutputSerializer(self.get_object()).data)

    request_remedy = transition_action(
        "request_remedy",
        input_serializer=RemedyRequestInputSerializer,
        service=services.formal_check_request_remedy,
        summary="Call the offeror to remedy the defects by the deadline (the officer)",
    )
    remedy = transition_action(
        "remedy",
        input_serializer=serializers.Serializer,
        service=services.formal_check_remedy,
        summary="Send the remedied offer; it is frozen again (the offeror's signatory)",
    )
    accept = transition_action(
        "accept",
        input_serializer=serializers.Serializer,
        service=services.formal_check_accept,
        summary="Accept formally (the officer)",
    )
    reject = transition_action(
        "reject",
        input_serializer=RejectInputSerializer,
        service=services.formal_check_reject,
        summary="Reject formally, with the reasons the offeror will read (the officer)",
    )


# --- the committee ----------------------------------------------------------------------------------


class CommitteeViewSet(WorkflowViewSetMixin, ApiViewSet):
    """The competition committee (art. 15 ust. 2a–2f): its members and settings."""

    queryset = Committee.objects.none()  # for the schema only
    serializer_class = CommitteeOutputSerializer

    def get_object(self):
        committee = (
            Committee.objects.filter(pk=object_id(self.kwargs["pk"]))
            .select_related("competition__authority")
            .first()
        )
        user = self.request.user
        if committee is None or not (
            selectors.is_staff(user, committee.competition)
            or selectors.seat_of(user=user, competition=committee.competition)
        ):
            raise NotFound()
        return committee

    @extend_schema(
        responses=responses({200: CommitteeOutputSerializer}, 404),
        summary="The committee: members, roles and settings",
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(CommitteeOutputSerializer(self.get_object()).data)

    @extend_schema(
        request=CommitteeInputSerializer,
        responses=responses({200: CommitteeOutputSerializer}, 400, 403, 404, 409),
        summary="Set the quorum, the comment and spread limits, or why no NGO member sits (art. 15 ust. 2da)",
    )
    def partial_update(self, request, *args, **kwargs):
        committee = self.get_object()
        serializer = CommitteeInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        committee = services.committee_configure(
            committee=committee, actor=request.user, **serializer.validated_data
        )
        return Response(CommitteeOutputSerializer(committee).data)

    @extend_schema(
        request=SeatInputSerializer,
        responses=responses({201: SeatOutputSerializer}, 400, 403, 404, 409),
        summary="Seat a person: chair, secretary, member or expert (the officer, while the committee forms)",
    )
    @action(detail=True, methods=["post"], url_path="seats")
    def seats(self, request, *args, **kwargs):
        committee = self.get_object()
        serializer = SeatInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        user = get_user_model().objects.filter(pk=fields.pop("user"), is_active=True).first()
        if user is None:
            raise InvalidData({"user": [_("There is no such person.")]})
        nominated_by = fields.pop("nominated_by")
        organization = None
        if nominated_by is not None:
            organization = Organization.objects.filter(pk=nominated_by).first()
            if organization is None:
                raise InvalidData({"nominated_by": [_("There is no such organisation.")]})
        seat = services.seat_add(
            committee=committee, actor=request.user, user=user, nominated_by=organization, **fields
        )
        return Response(SeatOutputSerializer(seat).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        parameters=[path_id("seat_id", "The seat.")],
        responses=responses({204: None}, 403, 404, 409),
        summary="Remove a person from the committee (the officer, while the committee forms)",
    )
    @action(detail=True, methods=["delete"], url_path=r"seats/(?P<seat_id>[^/.]+)")
    def remove_seat(self, request, *args, seat_id=None, **kwargs):
        committee = self.get_object()
        seat = committee.seats.filter(pk=object_id(seat_id), is_active=True).first()
        if seat is None:
            raise NotFound()
        services.seat_remove(seat=seat, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    appoint = transition_action(
        "appoint",
        input_serializer=AppointInputSerializer,
        service=services.committee_appoint,
        summary="Appoint the committee (the officer)",
    )
    reform = transition_action(
        "reform", summary="Change the committee before the offers reach it (the officer)"
    )


# --- the member's work ------------------------------------------------------------------------------


class DeclarationViewSet(WorkflowViewSetMixin, ApiViewSet):
    """A member's impartiality declaration for one offer (art. 15 ust. 2f, KPA art. 24)."""

    queryset = Declaration.objects.none()  # for the schema only
    serializer_class = DeclarationOutputSerializer

    def get_object(self):
        declaration = (
            Declaration.objects.filter(pk=object_id(self.kwargs["pk"]))
            .select_related("seat", "offer__organization", "offer__task_area", "offer__competition")
            .first()
        )
        user = self.request.user
        if declaration is None or declaration.seat.user_id != user.pk or not declaration.seat.is_active:
            raise NotFound()
        return declaration

    @extend_schema(responses=responses({200: DeclarationOutputSerializer}, 404), summary="Your declaration")
    def retrieve(self, request, *args, **kwargs):
        return Response(DeclarationOutputSerializer(self.get_object()).data)

    declare = transition_action(
        "declare",
        input_serializer=DeclareInputSerializer,
        service=services.declaration_make,
        summary="Declare impartiality, or a conflict of interest that excludes you from this offer",
    )


class MemberOfferViewSet(ApiViewSet):
    """An offer as a committee member reads and scores it: only after declaring impartiality."""

    queryset = Offer.objects.none()  # for the schema only

    def get_object(self):
        return selectors.offer_for_member(user=self.request.user, pk=object_id(self.kwargs["pk"]))

    @extend_schema(
        responses=responses({200: MemberOfferSerializer}, 404),
        summary="The offer's content, the criteria and your score sheet",
    )
    def retrieve(self, request, *args, **kwargs):
        offer, seat, declaration = self.get_object()
        stored = offer_sections(offer=offer)
        sheet = (
            ScoreSheet.objects.filter(seat=seat, offer=offer)
            .select_related("seat__user")
            .prefetch_related("scores")
            .first()
        )
        data = {
            "id": offer.pk,
            "number": offer.number,
            "title": offer.title,
            "organization": offer.organization,
            "task_area": offer.task_area,
            "grant_requested": offer.grant_requested,
            "total_cost": offer.total_cost,
            "submitted_at": offer.submitted_at,
            "snapshot_sha256": offer.snapshot_sha256,
            "sections": [
                {
                    "key": s.key,
                    "number": s.number,
                    "title": str(s.title),
                    "revision": stored.get(s.key, {}).get("revision", 0),
                    "data": stored.get(s.key, {}).get("data", {}),
                }
                for s in SECTIONS
                if s.key in DATA_SECTION_KEYS
            ],
            "criteria": list(offer.task_area.criteria.all()),
            "comment_below_pct": seat.committee.comment_below_pct,
            "declaration": declaration,
            "sheet": sheet,
        }
        return Response(MemberOfferSerializer(data, context=self.get_serializer_context()).data)

    @extend_schema(
        request=ScoresInputSerializer,
        responses=responses({200: ScoreSheetOutputSerializer}, 400, 403, 404, 409),
        summary="Save your draft scores; the valid ones are kept even when others are refused",
    )
    @action(detail=True, methods=["put"], url_path="scores")
    def scores(self, request, *args, **kwargs):
        offer, seat, _declaration = self.get_object()
        serializer = ScoresInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sheet = services.scores_save(seat=seat, offer=offer, actor=request.user, **serializer.validated_data)
        sheet = ScoreSheet.objects.select_related("seat__user").prefetch_related("scores").get(pk=sheet.pk)
        return Response(ScoreSheetOutputSerializer(sheet, context=self.get_serializer_context()).data)


class ScoreSheetViewSet(WorkflowViewSetMixin, ApiViewSet):
    """A member's score sheet for one offer: submitted by the member, reopened by the chair."""

    queryset = ScoreSheet.objects.none()  # for the schema only
    serializer_class = ScoreSheetOutputSerializer

    def get_object(self):
        sheet = (
            ScoreSheet.objects.filter(pk=object_id(self.kwargs["pk"]))
            .select_related("seat__user", "offer__competition")
            .prefetch_related("scores")
            .first()
        )
        if sheet is None:
            raise NotFound()
        user = self.request.user
        holder = (
            sheet.seat.user_id == user.pk
            and sheet.seat.is_active
            and Declaration.objects.filter(
                seat=sheet.seat, offer=sheet.offer, state=DeclarationState.IMPARTIAL
            ).exists()
        )
        if holder:
            return sheet
        if selectors.is_chair(user, sheet.offer.competition):
            if self.action == "audit":
                # the trail carries the points: the chair sees aggregates, not a member's scores
                raise Forbidden(_("A member's scores are theirs until scoring is closed."))
            return sheet
        raise NotFound()

    @extend_schema(
        responses=responses({200: ScoreSheetOutputSerializer}, 404),
        summary="A score sheet (its holder; the chair sees its state)",
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    submit = transition_action(
        "submit",
        input_serializer=serializers.Serializer,
        service=services.sheet_submit,
        summary="Submit your scores: every criterion scored, low scores explained; the sheet locks",
    )
    reopen = transition_action(
        "reopen",
        input_serializer=ReopenInputSerializer,
        service=services.sheet_reopen,
        summary="Reopen a submitted sheet, with a reason (the chair)",
    )


# --- award and update --------------------------------------------------------------------------------


class AwardViewSet(WorkflowViewSetMixin, ApiViewSet):
    """The award of one offer: the committee's proposal, the approver's decision, the offeror's
    update (aktualizacja) or refusal."""

    queryset = Award.objects.none()  # for the schema only
    serializer_class = AwardOutputSerializer

    def get_object(self):
        award = (
            Award.objects.filter(pk=object_id(self.kwargs["pk"]))
            .select_related(
                "offer__competition__authority",
                "offer__organization",
                "offer__task_area",
                "offer__competition__evaluation",
            )
            .first()
        )
        if award is None:
            raise NotFound()
        user, competition = self.request.user, award.offer.competition
        if selectors.is_staff(user, competition) or selectors.is_chair(user, competition):
            return award
        evaluation = getattr(competition, "evaluation", None)
        published = evaluation is not None and evaluation.state == EvaluationState.RESOLVED
        if published and has_object_perm(user, "view_organization", award.offer.organization):
            if self.action == "audit":
                raise Forbidden(
                    _("The award's trail names the officials; your evaluation card has the reasons.")
                )
            return award
        raise NotFound()

    @extend_schema(
        responses=responses({200: AwardOutputSerializer}, 404),
        summary="An award: proposal, decision, and the offeror's update",
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(AwardOutputSerializer(self.get_object()).data)

    propose = transition_action(
        "propose",
        input_serializer=ProposeInputSerializer,
        service=services.award_propose,
        summary="Propose the amount: ≤ requested, within the task's limits and budget (the chair)",
    )
    decide = transition_action(
        "decide",
        input_serializer=DecideInputSerializer,
        service=services.award_decide,
        summary="Select with an amount, or not (the approver, art. 15 ust. 2g)",
    )

    @extend_schema(
        request=UpdateSectionInputSerializer,
        parameters=[
            OpenApiParameter(
                "key",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(services.UPDATE_SECTIONS),
                description="The section.",
            )
        ],
        responses=responses({200: UpdateSavedSerializer}, 400, 403, 404, 409),
        summary="Save a section of the update (costs, sources, schedule, results) as typed",
    )
    @action(detail=True, methods=["put"], url_path=r"update/(?P<key>[^/.]+)")
    def update_section(self, request, *args, key=None, **kwargs):
        award = self.get_object()
        serializer = UpdateSectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = services.update_save(award=award, actor=request.user, key=key, **serializer.validated_data)
        award = Award.objects.select_related("offer__competition", "offer__task_area", "update").get(
            pk=award.pk
        )
        read, extra = services.update_read(award)
        return Response(
            UpdateSavedSerializer(
                {"key": key, "revision": update.revision, "problems": [*read.problems, *extra]}
            ).data
        )

    accept_with_update = transition_action(
        "accept_with_update",
        input_serializer=serializers.Serializer,
        service=services.award_accept_with_update,
        summary="Accept the grant with the update (the offeror's signatory)",
    )
    decline = transition_action(
        "decline",
        service=services.award_decline,
        summary="Decline the grant (the offeror's signatory); silence past the deadline is declining",
    )


class OfferEvaluationCardViewSet(ApiViewSet):
    """The offeror's view of how its offer was evaluated."""

    queryset = Offer.objects.none()  # for the schema only

    @extend_schema(
        parameters=[OFFER_PK],
        responses=responses({200: EvaluationCardSerializer}, 403, 404, 409),
        summary="Your offer's evaluation card once the results are published: means, never members' scores",
    )
    @action(
        detail=False, methods=["get"], url_path="evaluation-card", pagination_class=None, filter_backends=[]
    )
    def evaluation_card(self, request, *args, **kwargs):
        offer = offer_get(user=request.user, pk=object_id(self.kwargs["offer_pk"]))
        if not has_object_perm(request.user, "view_organization", offer.organization):
            raise Forbidden(_("The evaluation card is for the offeror."))
        card = selectors.evaluation_card(offer=offer)
        if card is None:
            raise WrongState(_("The results are not published yet."), code="not_resolved")
        if card["formally_rejected"]:
            data = {
                "offer": offer.pk,
                "title": offer.title,
                "formally_rejected": True,
                "reasons": card["reasons"],
                "criteria": [],
                "mean": None,
                "max_points": None,
                "passed": None,
                "rank": None,
                "award": None,
            }
        else:
            row, award = card["row"], card["award"]
            data = {
                "offer": offer.pk,
                "title": offer.title,
                "formally_rejected": False,
                "reasons": "",
                "criteria": [
                    {"id": c.pk, "name": c.name, "max_points": c.max_points, "mean": mean}
                    for c, mean in card["criteria"]
                ],
                "mean": row.mean,
                "max_points": card["max_points"],
                "passed": row.passed,
                "rank": row.rank,
                "award": None
                if award is None
                else {
                    "id": award.pk,
                    "state": award.state,
                    "state_label": award.get_state_display(),
                    "decided_amount": award.decided_amount,
                    "justification": award.justification,
                    "cut_reason": award.cut_reason,
                    "decision_reason": award.decision_reason,
                    "update_deadline": award.update_deadline,
                },
            }
        return Response(EvaluationCardSerializer(data).data)


def register(router) -> None:
    """Register this app's viewsets on the API router."""
    router.register("evaluations", EvaluationViewSet, basename="evaluation")
    router.register(
        r"competitions/(?P<competition_pk>[^/.]+)",
        CompetitionEvaluationViewSet,
        basename="competition-evaluation",
    )
    router.register("formal-checks", FormalCheckViewSet, basename="formal-check")
    router.register("committees", CommitteeViewSet, basename="committee")
    router.register("declarations", DeclarationViewSet, basename="declaration")
    router.register("member-offers", MemberOfferViewSet, basename="member-offer")
    router.register("score-sheets", ScoreSheetViewSet, basename="score-sheet")
    router.register("awards", AwardViewSet, basename="award")
    router.register(
        r"offers/(?P<offer_pk>[^/.]+)", OfferEvaluationCardViewSet, basename="offer-evaluation-card"
    )
