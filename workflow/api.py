"""The API side of the workflow engine: one exception handler, and the transition,
`transitions/` and `audit/` endpoints that every stateful resource shares."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .audit import audit_events_for
from .errors import DomainError, InvalidData
from .services import available_transitions, transition


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(InvalidData(errors).as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"code": "not_found", "detail": str(exc) or "Not found."}, status=404)
    if isinstance(exc, PermissionDenied):
        return Response({"code": "forbidden", "detail": str(exc) or "Forbidden."}, status=403)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 400 and isinstance(response.data, dict):
        response.data = {"code": "invalid", "detail": "Invalid input.", "errors": response.data}
    return response


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    message_pl = serializers.CharField()
    message_en = serializers.CharField()


class TransitionInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField(allow_null=True)
    allowed = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)


class AuditEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    actor_role = serializers.CharField()
    action = serializers.CharField()
    source_state = serializers.CharField()
    target_state = serializers.CharField()
    reason = serializers.CharField()
    payload = serializers.JSONField()
    hash = serializers.CharField()
    prev_hash = serializers.CharField()

    def get_actor(self, event) -> str | None:
        if event.actor is None:
            return None
        return event.actor.get_full_name() or event.actor.username


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


def transitions_payload(instance, user) -> list[dict]:
    return [
        {"name": a.name, "label": a.label, "target": a.target, "allowed": a.allowed,
         "reasons": [r.as_dict() for r in a.reasons]}
        for a in available_transitions(instance, user)
    ]


class WorkflowViewSetMixin:
    """Adds GET transitions/ and GET audit/ to a viewset whose get_object() applies visibility."""

    @extend_schema(responses=TransitionInfoSerializer(many=True),
                   summary="What the current user may do now, and why not the rest")
    @action(detail=True, methods=["get"], url_path="transitions", pagination_class=None, filter_backends=[])
    def transitions(self, request, *args, **kwargs):
        return Response(transitions_payload(self.get_object(), request.user))

    @extend_schema(responses=AuditEventSerializer(many=True), summary="The object's audit trail")
    @action(detail=True, methods=["get"], url_path="audit", pagination_class=None, filter_backends=[])
    def audit(self, request, *args, **kwargs):
        events = audit_events_for(self.get_object())
        return Response(AuditEventSerializer(events, many=True).data)


def transition_action(name: str, *, input_serializer: type[serializers.Serializer] = ReasonInputSerializer,
                      service: Callable | None = None, summary: str = ""):
    """A POST /<things>/<id>/<name>/ endpoint that performs one transition.

    `service(obj, actor=…, **validated)` defaults to the bare transition service.
    The response is the object as the viewset's output serializer shows it.
    """

    def endpoint(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if service is None:
            result = transition(obj, name, actor=request.user, **data)
        else:
            result = service(obj, actor=request.user, **data)
        return Response(self.get_serializer(result).data)

    # DRF maps the HTTP method to the function's __name__ when @action is applied, and the router
    # drops a route whose name is not an attribute of the viewset: name it first, then decorate.
    endpoint.__name__ = name
    endpoint = action(detail=True, methods=["post"], url_path=name.replace("_", "-"),
                      url_name=name.replace("_", "-"))(endpoint)
    return extend_schema(
        request=input_serializer,
        summary=summary or f"Transition: {name}",
        responses={
            200: OpenApiResponse(description="Done; the object after the transition."),
            400: OpenApiResponse(description="Invalid data, with field- or line-level errors."),
            403: OpenApiResponse(description="You may not do this."),
            404: OpenApiResponse(description="No such object for you."),
            409: OpenApiResponse(description="Not possible in the current state; the reasons are given."),
        },
    )(endpoint)
