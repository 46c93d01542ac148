"""REST API for competitions (thin: it calls services and selectors).

    GET   /competitions/                     published ones for everyone (anonymous too); staff also see
                                             their authority's in every state; ?authority= &state= &year=
    POST  /competitions/                     an officer announces a draft (competition_create)
    GET   /competitions/{id}/                404 unless published or staff of its authority
    PATCH /competitions/{id}/                the officer edits the draft (competition_update)
    POST|PATCH|DELETE /competitions/{id}/<items>/[{item_id}/]   the configuration of a draft: task areas,
                                             criteria, checklist, required attachments, extra questions,
                                             prior funding (competition_item_save/remove)
    POST  /competitions/{id}/publications/   a notice appeared on a channel (publication_record)
    POST  /competitions/{id}/<transition>/   approve, reopen, publish, extend-deadline, close-submissions,
                                             cancel
    GET   /competitions/{id}/transitions/ and /audit/

The offers of a competition (/competitions/{id}/offers/) belong to a later stage and live in offers/api.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from workflow.api import ReasonInputSerializer, WorkflowViewSetMixin, transition_action
from workflow.errors import Forbidden, InvalidData, NotFound

from . import selectors, services
from .models import (
    Authority,
    CancellationGround,
    Channel,
    ChecklistItem,
    Competition,
    CompetitionState,
    Criterion,
    ExtraQuestion,
    PriorFunding,
    PublicationKind,
    PublicationRecord,
    RequiredAttachment,
    TaskArea,
)

# --- shared by every viewset of the API -------------------------------------------------------------

# Token first: an anonymous API client then gets 401 with "WWW-Authenticate: Token", not a bare 403.
API_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]

ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid data, with field- or line-level errors."),
    403: OpenApiResponse(description="You may not do this."),
    404: OpenApiResponse(description="No such object for you."),
    409: OpenApiResponse(description="Not possible in the current state; the reasons are given."),
}


def responses(ok: dict[int, Any], *codes: int) -> dict[int, Any]:
    return {**ok, **{code: ERROR_RESPONSES[code] for code in codes}}


def path_id(name: str, description: str = "") -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=description)


def object_id(value: Any) -> int:
    """An id from a URL: anything that is not a positive integer names nothing (404, never 500)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError) as exc:
        raise NotFound() from exc
    if number < 1 or number > 2**63 - 1:
        raise NotFound()
    return number


# The configurable fields of a task area, read and written alike.
TASK_AREA_FIELDS = (
    "number", "name", "description", "sphere", "form", "budget", "min_grant", "max_grant",
    "min_own_contribution_pct", "min_own_financial_pct", "max_admin_costs_pct", "window_start", "window_end",
    "pass_threshold_pct", "tie_break_criterion", "tie_break",
)


class ApiViewSet(viewsets.GenericViewSet):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]


# --- output ---------------------------------------------------------------------------------------


class AuthorityBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["id", "slug", "name"]


class TaskAreaBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskArea
        fields = ["id", "number", "name", "form", "budget"]


class CriterionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "task_area", "order", "name", "description", "max_points", "step", "statutory_basis"]


class TaskAreaOutputSerializer(serializers.ModelSerializer):
    criteria = CriterionOutputSerializer(many=True, read_only=True)

    class Meta:
        model = TaskArea
        fields = ["id", *TASK_AREA_FIELDS, "criteria"]


class ChecklistItemOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "order", "text", "remediable"]


class RequiredAttachmentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequiredAttachment
        fields = ["id", "order", "name", "description", "required_for"]


class ExtraQuestionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtraQuestion
        fields = ["id", "order", "text", "help_text", "required", "max_length"]


class PriorFundingOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriorFunding
        fields = ["id", "year", "description", "total_cost", "grants_to_ngos"]


class PublicationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicationRecord
        fields = ["id", "kind", "version", "channel", "published_on", "url"]


class CompetitionListSerializer(serializers.ModelSerializer):
    authority = AuthorityBriefSerializer(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    funds = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="Sum of the task areas' budgets (art. 13 ust. 2 pkt 2).",
    )
    task_areas = TaskAreaBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Competition
        fields = [
            "id",
            "authority",
            "reference",
            "title",
            "year",
            "state",
            "state_label",
            "submission_deadline",
            "funds",
            "task_areas",
        ]


class CompetitionDetailSerializer(serializers.ModelSerializer):
    authority = AuthorityBriefSerializer(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    funds = serializers.DecimalField(
        source="total_funds",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="Sum of the task areas' budgets (art. 13 ust. 2 pkt 2).",
    )
    cancellation_ground = serializers.CharField(
        read_only=True, help_text="One of the cancel input's grounds."
    )
    accepting_offers = serializers.BooleanField(
        read_only=True, help_text="Published and the deadline has not passed."
    )
    task_areas = TaskAreaOutputSerializer(many=True, read_only=True)
    checklist = ChecklistItemOutputSerializer(many=True, read_only=True)
    required_attachments = RequiredAttachmentOutputSerializer(many=True, read_only=True)
    extra_questions = ExtraQuestionOutputSerializer(many=True, read_only=True)
    prior_funding = PriorFundingOutputSerializer(many=True, read_only=True)
    publications = PublicationOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Competition
        fields = [
            "id",
            "authority",
            "reference",
            "title",
            "year",
            "state",
            "state_label",
            "version",
            "task_type",
            "award_rules",
            "performance_terms",
            "submission_deadline",
            "selection_procedure",
            "selection_date",
            "remedy_days",
            "per_line_grant_split",
            "allow_joint_offers",
            "cancellation_reservation",
            "approval_reference",
            "approved_at",
            "published_at",
            "closed_at",
            "cancellation_ground",
            "funds",
            "accepting_offers",
            "task_areas",
            "checklist",
            "required_attachments",
            "extra_questions",
            "prior_funding",
            "publications",
        ]


# --- input ----------------------------------------------------------------------------------------

COMPETITION_FIELDS = [
    "reference",
    "title",
    "year",
    "task_type",
    "award_rules",
    "performance_terms",
    "submission_deadline",
    "selection_procedure",
    "selection_date",
    "remedy_days",
    "per_line_grant_split",
    "allow_joint_offers",
    "cancellation_reservation",
]


class CompetitionInputSerializer(serializers.ModelSerializer):
    """The announcement's fields; the rules (completeness, dates) are the model's and the service's."""

    class Meta:
        model = Competition
        fields = COMPETITION_FIELDS


class CompetitionCreateInputSerializer(CompetitionInputSerializer):
    authority = serializers.IntegerField(min_value=1, help_text="The authority announcing the competition.")

    class Meta(CompetitionInputSerializer.Meta):
        fields = ["authority", *COMPETITION_FIELDS]


class TaskAreaInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskArea
        fields = list(TASK_AREA_FIELDS)


class CriterionInputSerializer(serializers.ModelSerializer):
    task_area = serializers.IntegerField(min_value=1, help_text="A task area of this competition.")

    class Meta:
        model = Criterion
        fields = ["task_area", "order", "name", "description", "max_points", "step", "statutory_basis"]


class ChecklistItemInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["order", "text", "remediable"]


class RequiredAttachmentInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequiredAttachment
        fields = ["order", "name", "description", "required_for"]


class ExtraQuestionInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtraQuestion
        fields = ["order", "text", "help_text", "required", "max_length"]


class PriorFundingInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriorFunding
        fields = ["year", "description", "total_cost", "grants_to_ngos"]


class PublicationInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    published_on = serializers.DateField()
    url = serializers.URLField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=PublicationKind.choices, required=False, default=PublicationKind.ANNOUNCEMENT
    )


class ApproveInputSerializer(ReasonInputSerializer):
    approval_reference = serializers.CharField(
        max_length=200, help_text="The zarządzenie or uchwała that approves it."
    )


class ExtendDeadlineInputSerializer(serializers.Serializer):
    new_deadline = serializers.DateTimeField(help_text="Europe/Warsaw unless an offset is given.")
    reason = serializers.CharField(max_length=4000, allow_blank=True)


class CancelInputSerializer(serializers.Serializer):
    ground = serializers.ChoiceField(
        choices=CancellationGround.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="art. 18a ground; derived from the state if empty.",
    )
    reason = serializers.CharField(max_length=4000, allow_blank=True)


# --- the configuration of a draft, as data (hard rule 5) ---------------------------------------------


@dataclass(frozen=True)
class ItemKind:
    """One kind of configured item of a competition, written through competition_item_save/remove."""

    path: str
    model: type[models.Model]
    input: type[serializers.Serializer]
    output: type[serializers.Serializer]
    parent: str  # the item's link to the competition: "competition" or "task_area"

    def items(self, competition: Competition) -> models.QuerySet:
        if self.parent == "task_area":
            return self.model._default_manager.filter(task_area__competition=competition)
        return self.model._default_manager.filter(competition=competition)

    def get(self, competition: Competition, item_id: Any) -> models.Model:
        item = self.items(competition).filter(pk=object_id(item_id)).first()
        if item is None:
            raise NotFound()
        return item

    def fields(self, competition: Competition, validated: dict[str, Any]) -> dict[str, Any]:
        fields = dict(validated)
        if "task_area" in fields:
            area = competition.task_areas.filter(pk=fields["task_area"]).first()
            if area is None:
                raise InvalidData({"task_area": [_("Choose a task area of this competition.")]})
            fields["task_area"] = area
        return fields

    def new(self, competition: Competition) -> models.Model:
        return self.model(competition=competition) if self.parent == "competition" else self.model()


ITEM_KINDS = (
    ItemKind("task-areas", TaskArea, TaskAreaInputSerializer, TaskAreaOutputSerializer, "competition"),
    ItemKind("criteria", Criterion, CriterionInputSerializer, CriterionOutputSerializer, "task_area"),
    ItemKind(
        "checklist", ChecklistItem, ChecklistItemInputSerializer, ChecklistItemOutputSerializer, "competition"
    ),
    ItemKind(
        "required-attachments",
        RequiredAttachment,
        RequiredAttachmentInputSerializer,
        RequiredAttachmentOutputSerializer,
        "competition",
    ),
    ItemKind(
        "extra-questions",
        ExtraQuestion,
        ExtraQuestionInputSerializer,
        ExtraQuestionOutputSerializer,
        "competition",
    ),
    ItemKind(
        "prior-funding",
        PriorFunding,
        PriorFundingInputSerializer,
        PriorFundingOutputSerializer,
        "competition",
    ),
)


def _item_actions(kind: ItemKind):
    """POST /competitions/{id}/<kind>/ and PATCH|DELETE /competitions/{id}/<kind>/{item_id}/."""
    label = kind.model.__name__

    def add(self, request, *args, **kwargs):
        competition = self.get_object()
        serializer = kind.input(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.competition_item_save(
            competition=competition,
            actor=request.user,
            model=kind.model,
            instance=kind.new(competition),
            **kind.fields(competition, serializer.validated_data),
        )
        return Response(kind.output(item).data, status=status.HTTP_201_CREATED)

    def change(self, request, *args, item_id=None, **kwargs):
        competition = self.get_object()
        item = kind.get(competition, item_id)
        if request.method == "DELETE":
            services.competition_item_remove(competition=competition, actor=request.user, instance=item)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = kind.input(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = services.competition_item_save(
            competition=competition,
            actor=request.user,
            model=kind.model,
            instance=item,
            **kind.fields(competition, serializer.validated_data),
        )
        return Response(kind.output(item).data)

    name = kind.path.replace("-", "_")
    add.__name__ = f"add_{name}"
    change.__name__ = f"change_{name}"
    add = extend_schema(
        request=kind.input,
        responses=responses({201: kind.output}, 400, 403, 404, 409),
        summary=f"Add a {label} to a draft competition",
    )(action(detail=True, methods=["post"], url_path=kind.path)(add))
    change = extend_schema(
        methods=["PATCH"],
        request=kind.input,
        responses=responses({200: kind.output}, 400, 403, 404, 409),
        parameters=[path_id("item_id", f"The {label}.")],
        summary=f"Change a {label} of a draft competition",
    )(
        extend_schema(
            methods=["DELETE"],
            request=None,
            responses=responses({204: None}, 403, 404, 409),
            parameters=[path_id("item_id", f"The {label}.")],
            summary=f"Remove a {label} from a draft competition",
        )(
            action(detail=True, methods=["patch", "delete"], url_path=kind.path + r"/(?P<item_id>[^/.]+)")(
                change
            )
        )
    )
    return add, change


# --- the viewset ----------------------------------------------------------------------------------


class CompetitionFilter(django_filters.FilterSet):
    authority = django_filters.NumberFilter(field_name="authority_id", help_text="Authority id.")
    authority_slug = django_filters.CharFilter(
        field_name="authority__slug", help_text="Authority short name."
    )
    state = django_filters.ChoiceFilter(choices=CompetitionState.choices)
    year = django_filters.NumberFilter(field_name="year", help_text="Budget year.")

    class Meta:
        model = Competition
        fields = ["authority", "authority_slug", "state", "year"]


class CompetitionViewSet(WorkflowViewSetMixin, ApiViewSet):
    """Open competitions for offers (art. 13) and their configuration."""

    queryset = Competition.objects.none()  # for the schema only; get_queryset/get_object apply visibility
    filterset_class = CompetitionFilter

    def get_permissions(self):
        # The public reads published announcements without logging in (art. 13 ust. 3).
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        user = self.request.user
        public = selectors.competition_list_public()
        if not user.is_authenticated:
            return public
        return public | selectors.competition_list_for_staff(user=user)

    def get_object(self):
        competition = selectors.competition_get(user=self.request.user, pk=self.kwargs["pk"])
        if self.action == "audit" and not selectors.competition_is_staff(
            user=self.request.user, competition=competition
        ):
            # The trail names the officials who acted; the public has the announcement itself.
            raise Forbidden(_("Only the authority's staff may read a competition's audit trail."))
        self.check_object_permissions(self.request, competition)
        return competition

    def get_serializer_class(self):
        if self.action == "list":
            return CompetitionListSerializer
        return CompetitionDetailSerializer

    def _detail(self, competition: Competition, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.competition_get(user=self.request.user, pk=competition.pk)
        return Response(CompetitionDetailSerializer(fresh).data, status=status_code)

    @extend_schema(summary="Competitions: published ones, and every state of your authority's")
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CompetitionListSerializer(page, many=True).data)

    @extend_schema(
        summary="One competition's announcement and configuration",
        responses=responses({200: CompetitionDetailSerializer}, 404),
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(CompetitionDetailSerializer(self.get_object()).data)

    @extend_schema(
        request=CompetitionCreateInputSerializer,
        responses=responses({201: CompetitionDetailSerializer}, 400, 403),
        summary="Announce a new competition (a draft)",
    )
    def create(self, request, *args, **kwargs):
        serializer = CompetitionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        authority = Authority.objects.filter(pk=fields.pop("authority"), is_active=True).first()
        if authority is None:
            raise InvalidData({"authority": [_("There is no such authority.")]})
        competition = services.competition_create(authority=authority, actor=request.user, **fields)
        return self._detail(competition, status.HTTP_201_CREATED)

    @extend_schema(
        request=CompetitionInputSerializer,
        responses=responses({200: CompetitionDetailSerializer}, 400, 403, 404, 409),
        summary="Change the draft announcement",
    )
    def partial_update(self, request, *args, **kwargs):
        competition = self.get_object()
        serializer = CompetitionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        competition = services.competition_update(
            competition=competition, actor=request.user, **serializer.validated_data
        )
        return self._detail(competition)

    @extend_schema(
        request=PublicationInputSerializer,
        responses=responses({201: PublicationOutputSerializer}, 400, 403, 404, 409),
        summary="Record that a notice appeared on a channel (art. 13 ust. 3)",
    )
    @action(detail=True, methods=["post"], url_path="publications")
    def publications(self, request, *args, **kwargs):
        competition = self.get_object()
        serializer = PublicationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.publication_record(
            competition=competition, actor=request.user, **serializer.validated_data
        )
        return Response(PublicationOutputSerializer(record).data, status=status.HTTP_201_CREATED)

    add_task_areas, change_task_areas = _item_actions(ITEM_KINDS[0])
    add_criteria, change_criteria = _item_actions(ITEM_KINDS[1])
    add_checklist, change_checklist = _item_actions(ITEM_KINDS[2])
    add_required_attachments, change_required_attachments = _item_actions(ITEM_KINDS[3])
    add_extra_questions, change_extra_questions = _item_actions(ITEM_KINDS[4])
    add_prior_funding, change_prior_funding = _item_actions(ITEM_KINDS[5])

    approve = transition_action(
        "approve", input_serializer=ApproveInputSerializer, summary="Approve the announcement (approver)"
    )
    reopen = transition_action("reopen", summary="Return the approved announcement to draft")
    publish = transition_action("publish", summary="Publish (all three channels recorded, 21 days, art. 13)")
    extend_deadline = transition_action(
        "extend_deadline",
        input_serializer=ExtendDeadlineInputSerializer,
        service=services.competition_extend_deadline,
        summary="Extend the deadline, with a reason; drafts' holders are told",
    )
    close_submissions = transition_action("close_submissions", summary="Close submissions after the deadline")
    cancel = transition_action(
        "cancel",
        input_serializer=CancelInputSerializer,
        service=services.competition_cancel,
        summary="Cancel the competition (art. 18a)",
    )


def register(router) -> None:
    """Register this app's viewsets on the API router."""
    router.register("competitions", CompetitionViewSet, basename="competition")
