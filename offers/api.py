"""REST API for organisations and offers (thin: it calls services and selectors).

    GET|POST  /organizations/                     the user's organisations; POST registers a new one
    GET|PATCH /organizations/{id}/                the profile (PATCH: administrators)
    POST      /organizations/{id}/invitations/    invite a representative (the token goes by e-mail)
    POST      /invitations/{token}/accept/        become a representative
    GET|POST  /offers/                            the user's offers; POST starts a draft
    GET       /offers/{id}/                       state, projections, sections with their revisions
    PUT       /offers/{id}/sections/{key}/        save a section as typed; 409 with "theirs" on conflict
    GET       /offers/{id}/problems/ | revisions/ | compare/?older=&newer= | receipt/
    POST      /offers/{id}/attachments/           multipart upload; DELETE …/attachments/{aid}/;
    GET       /offers/{id}/attachments/{aid}/download/
    POST      /offers/{id}/submit/ | withdraw/ | discard/;  GET …/transitions/ and …/audit/
    GET       /competitions/{id}/offers/          the authority's staff, after the deadline

An offer the user may not see is 404 on every one of these, whatever the verb.
"""

from __future__ import annotations

import uuid

import django_filters
from django.core.files.uploadhandler import StopUpload
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from competitions.api import ApiViewSet, path_id, responses
from competitions.models import TaskArea
from competitions.selectors import competition_get
from workflow.api import WorkflowViewSetMixin, transition_action
from workflow.calendar import WARSAW, format_local, local
from workflow.errors import InvalidData, NotFound, WrongState

from . import selectors, services
from .form import DATA_SECTION_KEYS, SECTIONS, read_offer_from_db
from .models import (
    Invitation,
    LegalForm,
    Offer,
    OfferAttachment,
    OfferRevision,
    OfferState,
    Organization,
    RepresentationRole,
)

# --- organisations ----------------------------------------------------------------------------------

PROFILE_FIELDS = [
    "name",
    "legal_form",
    "krs",
    "other_register",
    "nip",
    "regon",
    "street",
    "postal_code",
    "city",
    "correspondence_address",
    "email",
    "phone",
    "website",
    "bank_account",
    "statutory_activity",
]


class OrganizationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", *PROFILE_FIELDS, "created_at", "updated_at"]


class RepresentativeOutputSerializer(serializers.Serializer):
    name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=RepresentationRole.choices)
    function = serializers.CharField()

    def get_name(self, representation) -> str:
        return representation.user.get_full_name() or representation.user.username


class OrganizationDetailSerializer(OrganizationOutputSerializer):
    representatives = serializers.SerializerMethodField()

    class Meta(OrganizationOutputSerializer.Meta):
        fields = [*OrganizationOutputSerializer.Meta.fields, "representatives"]

    @extend_schema_field(RepresentativeOutputSerializer(many=True))
    def get_representatives(self, organization) -> list:
        return RepresentativeOutputSerializer(
            selectors.representatives_of(organization=organization), many=True
        ).data


class OrganizationInputSerializer(serializers.Serializer):
    """The profile as typed; identifiers (KRS, NIP, REGON, IBAN) are checked by the model and the service."""

    name = serializers.CharField(max_length=300)
    legal_form = serializers.ChoiceField(choices=LegalForm.choices)
    krs = serializers.CharField(max_length=20, required=False, allow_blank=True)
    other_register = serializers.CharField(max_length=300, required=False, allow_blank=True)
    nip = serializers.CharField(max_length=20, required=False, allow_blank=True)
    regon = serializers.CharField(max_length=20, required=False, allow_blank=True)
    street = serializers.CharField(max_length=200)
    postal_code = serializers.CharField(max_length=10)
    city = serializers.CharField(max_length=100)
    correspondence_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    bank_account = serializers.CharField(max_length=40, required=False, allow_blank=True)
    statutory_activity = serializers.CharField(max_length=10000, required=False, allow_blank=True)


class OrganizationRegisterInputSerializer(OrganizationInputSerializer):
    function = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Your function in the organisation, e.g. President of the Board.",
    )


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=RepresentationRole.choices)
    function = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InvitationOutputSerializer(serializers.ModelSerializer):
    """The token is not shown: it goes to the invited address, which it proves."""

    class Meta:
        model = Invitation
        fields = ["id", "organization", "email", "role", "function", "created_at", "accepted_at"]


class RepresentationOutputSerializer(serializers.Serializer):
    organization = OrganizationOutputSerializer()
    role = serializers.ChoiceField(choices=RepresentationRole.choices)
    function = serializers.CharField()


class OrganizationViewSet(ApiViewSet):
    """Organisations (NGOs) and the people who represent them."""

    queryset = Organization.objects.none()  # for the schema only; the selectors apply visibility

    def get_queryset(self):
        return selectors.organizations_for_user(user=self.request.user)

    def get_object(self):
        return selectors.organization_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_class(self):
        return OrganizationOutputSerializer if self.action == "list" else OrganizationDetailSerializer

    @extend_schema(summary="The organisations you represent")
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OrganizationOutputSerializer(page, many=True).data)

    @extend_schema(
        responses=responses({200: OrganizationDetailSerializer}, 404), summary="An organisation's profile"
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(OrganizationDetailSerializer(self.get_object()).data)

    @extend_schema(
        request=OrganizationRegisterInputSerializer,
        responses=responses({201: OrganizationDetailSerializer}, 400),
        summary="Register an organisation; you become its administrator",
    )
    def create(self, request, *args, **kwargs):
        serializer = OrganizationRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = services.organization_register(user=request.user, **serializer.validated_data)
        return Response(OrganizationDetailSerializer(organization).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=OrganizationInputSerializer,
        responses=responses({200: OrganizationDetailSerializer}, 400, 403, 404),
        summary="Change the profile (administrators)",
    )
    def partial_update(self, request, *args, **kwargs):
        organization = self.get_object()
        serializer = OrganizationInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        organization = services.organization_update(
            organization=organization, actor=request.user, **serializer.validated_data
        )
        return Response(OrganizationDetailSerializer(organization).data)

    @extend_schema(
        request=InvitationInputSerializer,
        responses=responses({201: InvitationOutputSerializer}, 400, 403, 404),
        summary="Invite a person to represent the organisation (administrators)",
    )
    @action(detail=True, methods=["post"], url_path="invitations")
    def invitations(self, request, *args, **kwargs):
        organization = self.get_object()
        serializer = InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            organization=organization, actor=request.user, **serializer.validated_data
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationViewSet(ApiViewSet):
    """Invitations to represent an organisation."""

    queryset = Invitation.objects.none()  # for the schema only
    lookup_field = "token"
    lookup_value_regex = "[^/]+"

    @extend_schema(
        request=None,
        responses=responses({200: RepresentationOutputSerializer}, 404, 409),
        parameters=[OpenApiParameter("token", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        summary="Accept an invitation: you now represent the organisation",
    )
    @action(detail=True, methods=["post"], url_path="accept")
    def accept(self, request, *args, token=None, **kwargs):
        try:
            token = uuid.UUID(str(token))
        except ValueError as exc:
            raise NotFound(_("This invitation does not exist.")) from exc
        representation = services.invitation_accept(token=token, user=request.user)
        return Response(RepresentationOutputSerializer(representation).data)


# --- offers ---------------------------------------------------------------------------------------


class OfferCompetitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    submission_deadline = serializers.DateTimeField()


class OfferTaskAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()


class OfferOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OfferListSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, help_text="Competition reference / offer id.")
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    competition = OfferCompetitionSerializer(read_only=True)
    task_area = OfferTaskAreaSerializer(read_only=True)
    organization = OfferOrganizationSerializer(read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "number",
            "title",
            "state",
            "state_label",
            "competition",
            "task_area",
            "organization",
            "grant_requested",
            "total_cost",
            "last_revision",
            "created_at",
            "updated_at",
            "submitted_at",
        ]


class SectionOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    number = serializers.CharField(help_text="Where it is on the statutory form, e.g. III.4.")
    title = serializers.CharField()
    revision = serializers.IntegerField(help_text="Send this as base_revision when you save the section.")
    data = serializers.JSONField()


class AttachmentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfferAttachment
        fields = [
            "id",
            "filename",
            "content_type",
            "size",
            "sha256",
            "requirement",
            "description",
            "uploaded_at",
        ]


class OfferDetailSerializer(OfferListSerializer):
    sections = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta(OfferListSerializer.Meta):
        fields = [*OfferListSerializer.Meta.fields, "snapshot_sha256", "sections", "attachments"]

    @extend_schema_field(SectionOutputSerializer(many=True))
    def get_sections(self, offer: Offer) -> list:
        stored = selectors.offer_sections(offer=offer)
        return [
            {
                "key": section.key,
                "number": section.number,
                "title": str(section.title),
                "revision": stored.get(section.key, {}).get("revision", 0),
                "data": stored.get(section.key, {}).get("data", {}),
            }
            for section in SECTIONS
            if section.key in DATA_SECTION_KEYS
        ]

    @extend_schema_field(AttachmentOutputSerializer(many=True))
    def get_attachments(self, offer: Offer) -> list:
        return AttachmentOutputSerializer(offer.attachments.filter(removed_at__isnull=True), many=True).data


class ProblemOutputSerializer(serializers.Serializer):
    section = serializers.CharField()
    key = serializers.CharField(help_text="The exact field or budget line, e.g. costs.lines.0.unit_cost.")
    label = serializers.CharField(help_text="Where it is on the form, e.g. “V.A line I.1.2”.")
    message = serializers.SerializerMethodField()
    text = serializers.CharField(help_text="Label and message together.")
    warning = serializers.BooleanField(help_text="Shown, but does not block submission.")

    def get_message(self, problem) -> str:
        return str(problem.message).format(**problem.params) if problem.params else str(problem.message)


class OfferCreateInputSerializer(serializers.Serializer):
    task_area = serializers.IntegerField(min_value=1, help_text="A task of a competition accepting offers.")
    organization = serializers.IntegerField(min_value=1, help_text="One of your organisations.")


class SectionInputSerializer(serializers.Serializer):
    data = serializers.JSONField(help_text="The section's fields as typed; see the statutory form.")
    base_revision = serializers.IntegerField(
        min_value=0,
        help_text="The section's revision you started from; a later save by someone else is a 409.",
    )


class OfferProjectionSerializer(serializers.Serializer):
    title = serializers.CharField()
    total_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    grant_requested = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    last_revision = serializers.IntegerField()


class SectionSavedSerializer(serializers.Serializer):
    key = serializers.CharField()
    revision = serializers.IntegerField()
    offer = OfferProjectionSerializer()
    problems = ProblemOutputSerializer(many=True, help_text="The whole offer's problems after this save.")


class RevisionOutputSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = OfferRevision
        fields = ["number", "section", "author", "at"]

    def get_author(self, revision) -> str | None:
        if revision.author is None:
            return None
        return revision.author.get_full_name() or revision.author.username


class CompareQuerySerializer(serializers.Serializer):
    older = serializers.IntegerField(min_value=0)
    newer = serializers.IntegerField(min_value=0)


class ChangeOutputSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    requirement = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Which of the announcement's required attachments this is.",
    )
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReceiptOutputSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    organization = serializers.CharField()
    competition = serializers.CharField()
    authority = serializers.CharField()
    submitted_at = serializers.DateTimeField(help_text="Server time of submission, in Europe/Warsaw.")
    submitted_at_display = serializers.CharField()
    timezone = serializers.CharField()
    sha256 = serializers.CharField(help_text="SHA-256 of the frozen content of the offer.")


def upload_too_large_error() -> InvalidData:
    from django.conf import settings

    return InvalidData(
        {
            "file": [
                _("The file is too large: at most {limit} MB.").format(
                    limit=settings.POZYTEK_MAX_UPLOAD_BYTES // 1048576 or 1
                )
            ]
        }
    )


class OfferFilter(django_filters.FilterSet):
    competition = django_filters.NumberFilter(field_name="competition_id")
    task_area = django_filters.NumberFilter(field_name="task_area_id")
    organization = django_filters.NumberFilter(field_name="organization_id")
    state = django_filters.ChoiceFilter(choices=OfferState.choices)

    class Meta:
        model = Offer
        fields = ["competition", "task_area", "organization", "state"]


ATTACHMENT_ID = path_id("attachment_id", "The attachment.")


class OfferViewSet(WorkflowViewSetMixin, ApiViewSet):
    """Offers on the statutory form (Reg. 2057 Annex 1), as drafts and once submitted."""

    queryset = Offer.objects.none()  # for the schema only; get_queryset/get_object apply visibility
    filterset_class = OfferFilter

    def get_queryset(self):
        return selectors.offer_list_for_user(user=self.request.user)

    def get_object(self):
        return selectors.offer_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_serializer_class(self):
        return OfferListSerializer if self.action == "list" else OfferDetailSerializer

    def handle_exception(self, exc):
        # workflow.uploads stops an oversized body wherever it is first read (even by the CSRF check).
        if isinstance(exc, StopUpload):
            exc = upload_too_large_error()
        return super().handle_exception(exc)

    def _detail(self, offer: Offer, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.offer_get(user=self.request.user, pk=offer.pk)
        return Response(OfferDetailSerializer(fresh).data, status=status_code)

    @extend_schema(summary="The offers of the organisations you represent")
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(OfferListSerializer(page, many=True).data)

    @extend_schema(
        responses=responses({200: OfferDetailSerializer}, 404),
        summary="An offer: state, sums, and every section with its revision",
    )
    def retrieve(self, request, *args, **kwargs):
        return Response(OfferDetailSerializer(self.get_object()).data)

    @extend_schema(
        request=OfferCreateInputSerializer,
        responses=responses({201: OfferDetailSerializer}, 400, 403, 409),
        summary="Start a draft offer (pre-filled from the organisation's profile)",
    )
    def create(self, request, *args, **kwargs):
        serializer = OfferCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            organization = selectors.organization_get(
                user=request.user, pk=serializer.validated_data["organization"]
            )
        except NotFound as exc:
            raise InvalidData(
                {"organization": [_("Choose one of the organisations you represent.")]}
            ) from exc
        area = TaskArea.objects.filter(pk=serializer.validated_data["task_area"]).first()
        try:
            if area is None:
                raise NotFound()
            competition_get(user=request.user, pk=area.competition_id)
        except NotFound as exc:
            raise InvalidData({"task_area": [_("Choose a task of a published competition.")]}) from exc
        offer = services.offer_create(task_area=area, organization=organization, actor=request.user)
        return self._detail(offer, status.HTTP_201_CREATED)

    @extend_schema(
        request=SectionInputSerializer,
        responses=responses({200: SectionSavedSerializer}, 400, 403, 404, 409),
        parameters=[
            OpenApiParameter(
                "key",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=[*DATA_SECTION_KEYS],
                description="The section.",
            )
        ],
        summary="Save one section as typed (autosave); never blocked by its problems",
    )
    @action(detail=True, methods=["put"], url_path=r"sections/(?P<key>[^/.]+)")
    def sections(self, request, *args, key=None, **kwargs):
        offer = self.get_object()
        serializer = SectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        section = services.offer_save_section(
            offer=offer,
            actor=request.user,
            key=key,
            data=serializer.validated_data["data"],
            base_revision=serializer.validated_data["base_revision"],
        )
        offer.refresh_from_db()
        problems = read_offer_from_db(offer).problems
        return Response(
            SectionSavedSerializer(
                {"key": section.key, "revision": section.revision, "offer": offer, "problems": problems}
            ).data
        )

    @extend_schema(
        responses=responses({200: ProblemOutputSerializer(many=True)}, 404),
        summary="What still stands in the way of submission, each at its field or budget line",
    )
    @action(detail=True, methods=["get"], url_path="problems", pagination_class=None, filter_backends=[])
    def problems(self, request, *args, **kwargs):
        problems = read_offer_from_db(self.get_object()).problems
        return Response(ProblemOutputSerializer(problems, many=True).data)

    @extend_schema(
        responses=responses({200: RevisionOutputSerializer(many=True)}, 404),
        summary="Every saved version, newest first",
    )
    @action(detail=True, methods=["get"], url_path="revisions", filter_backends=[])
    def revisions(self, request, *args, **kwargs):
        page = self.paginate_queryset(selectors.offer_revisions(offer=self.get_object()))
        return self.get_paginated_response(RevisionOutputSerializer(page, many=True).data)

    @extend_schema(
        parameters=[CompareQuerySerializer],
        responses=responses({200: ChangeOutputSerializer(many=True)}, 400, 404),
        summary="What changed between two saved versions",
    )
    @action(detail=True, methods=["get"], url_path="compare", pagination_class=None, filter_backends=[])
    def compare(self, request, *args, **kwargs):
        offer = self.get_object()
        query = CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        changes = selectors.offer_compare(offer=offer, **query.validated_data)
        return Response(ChangeOutputSerializer(changes, many=True).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentInputSerializer},
        responses=responses({201: AttachmentOutputSerializer}, 400, 403, 404, 409),
        summary="Attach a file to a draft (size and type are checked)",
    )
    @action(
        detail=True, methods=["post"], url_path="attachments", parser_classes=[MultiPartParser, FormParser]
    )
    def attachments(self, request, *args, **kwargs):
        offer = self.get_object()
        try:
            data = request.data
        except StopUpload as exc:
            raise upload_too_large_error() from exc
        if getattr(request, "upload_too_large", False):
            raise upload_too_large_error()
        serializer = AttachmentInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            offer=offer,
            actor=request.user,
            upload=serializer.validated_data["file"],
            requirement_id=serializer.validated_data.get("requirement"),
            description=serializer.validated_data["description"],
        )
        return Response(AttachmentOutputSerializer(attachment).data, status=status.HTTP_201_CREATED)

    def _attachment(self, offer: Offer, attachment_id) -> OfferAttachment:
        from competitions.api import object_id

        attachment = offer.attachments.filter(pk=object_id(attachment_id), removed_at__isnull=True).first()
        if attachment is None:
            raise NotFound()
        return attachment

    @extend_schema(
        request=None,
        responses=responses({204: None}, 403, 404, 409),
        parameters=[ATTACHMENT_ID],
        summary="Remove an attachment from a draft",
    )
    @action(detail=True, methods=["delete"], url_path=r"attachments/(?P<attachment_id>[^/.]+)")
    def remove_attachment(self, request, *args, attachment_id=None, **kwargs):
        offer = self.get_object()
        services.attachment_remove(attachment=self._attachment(offer, attachment_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses=responses({(200, "application/octet-stream"): OpenApiTypes.BINARY}, 404),
        parameters=[ATTACHMENT_ID],
        summary="Download an attachment (only who may see the offer)",
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[^/.]+)/download")
    def download(self, request, *args, attachment_id=None, **kwargs):
        attachment = self._attachment(self.get_object(), attachment_id)
        try:
            handle = attachment.file.open("rb")
        except OSError as exc:
            raise NotFound(_("The file is missing from storage.")) from exc
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        responses=responses({200: ReceiptOutputSerializer}, 404, 409),
        summary="The receipt of a submitted offer: server time (Europe/Warsaw) and SHA-256",
    )
    @action(detail=True, methods=["get"], url_path="receipt")
    def receipt(self, request, *args, **kwargs):
        offer = self.get_object()
        if offer.submitted_at is None or not offer.snapshot_sha256:
            raise WrongState(
                _("The offer has not been submitted; there is no receipt yet."), code="not_submitted"
            )
        return Response(
            ReceiptOutputSerializer(
                {
                    "number": offer.number,
                    "title": offer.title,
                    "organization": offer.organization.name,
                    "competition": f"{offer.competition.reference} {offer.competition.title}",
                    "authority": offer.competition.authority.name,
                    "submitted_at": local(offer.submitted_at),
                    "submitted_at_display": format_local(offer.submitted_at),
                    "timezone": str(WARSAW),
                    "sha256": offer.snapshot_sha256,
                }
            ).data
        )

    submit = transition_action(
        "submit",
        service=services.offer_submit,
        summary="Submit the offer (before the deadline, with no problems left)",
    )
    withdraw = transition_action(
        "withdraw", service=services.offer_withdraw, summary="Withdraw a submitted offer"
    )
    discard = transition_action("discard", service=services.offer_discard, summary="Discard a draft")


@extend_schema_view(
    list=extend_schema(
        parameters=[path_id("competition_pk", "The competition.")],
        summary="The offers of a competition, for its authority's staff once submissions have closed",
    )
)
class CompetitionOffersViewSet(ApiViewSet):
    """The offers filed in one competition, for its authority."""

    queryset = Offer.objects.none()  # for the schema only
    filterset_class = OfferFilter
    serializer_class = OfferListSerializer

    def get_queryset(self):
        competition = competition_get(user=self.request.user, pk=self.kwargs["competition_pk"])
        return selectors.offer_list_for_competition(user=self.request.user, competition=competition)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(OfferListSerializer(page, many=True).data)


def register(router) -> None:
    """Register this app's viewsets on the API router."""
    router.register("organizations", OrganizationViewSet, basename="organization")
    router.register("invitations", InvitationViewSet, basename="invitation")
    router.register("offers", OfferViewSet, basename="offer")
    router.register(
        r"competitions/(?P<competition_pk>[^/.]+)/offers",
        CompetitionOffersViewSet,
        basename="competition-offers",
    )
