"""Reads of authorities and competitions, always restricted to what the user may see."""

from __future__ import annotations

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from guardian.shortcuts import get_objects_for_user

from workflow.errors import NotFound

from .models import (
    ROLE_PERMISSION,
    Authority,
    AuthorityRole,
    CancellationGround,
    Competition,
    CompetitionState,
    TaskArea,
    has_role,
)

PUBLIC_STATES = (CompetitionState.PUBLISHED, CompetitionState.SUBMISSION_CLOSED, CompetitionState.CANCELLED)
# A draft withdrawn before publication is cancelled too, but was never announced: it stays private.
PUBLIC = Q(state__in=PUBLIC_STATES) & ~Q(cancellation_ground=CancellationGround.NOT_PUBLISHED)


def is_public(competition: Competition) -> bool:
    return (competition.is_active and competition.state in PUBLIC_STATES
            and competition.cancellation_ground != CancellationGround.NOT_PUBLISHED)


def authorities_for_user(*, user, role: str | None = None) -> QuerySet[Authority]:
    if not getattr(user, "is_authenticated", False):
        return Authority.objects.none()
    perms = [ROLE_PERMISSION[role]] if role else list(ROLE_PERMISSION.values())
    return get_objects_for_user(user, perms, Authority.objects.filter(is_active=True), any_perm=True,
                                with_superuser=False, accept_global_perms=False)


def _with_total_funds(queryset: QuerySet[Competition]) -> QuerySet[Competition]:
    funds = (
        TaskArea.objects.filter(competition=OuterRef("pk")).values("competition")
        .annotate(total=Sum("budget")).values("total")
    )
    return queryset.annotate(
        funds=Coalesce(Subquery(funds, output_field=DecimalField(max_digits=14, decimal_places=2)),
                       Value(0), output_field=DecimalField(max_digits=14, decimal_places=2))
    )


def competition_list_public(*, authority: Authority | None = None) -> QuerySet[Competition]:
    queryset = Competition.objects.filter(PUBLIC, is_active=True, authority__is_active=True)
    if authority is not None:
        queryset = queryset.filter(authority=authority)
    return _with_total_funds(queryset.select_related("authority").prefetch_related("task_areas"))


def competition_list_for_staff(*, user) -> QuerySet[Competition]:
    return _with_total_funds(
        Competition.objects.filter(authority__in=authorities_for_user(user=user), is_active=True)
        .select_related("authority").prefetch_related("task_areas")
    )


def competition_is_staff(*, user, competition: Competition) -> bool:
    return any(has_role(user, competition.authority, role) for role in AuthorityRole.values)


def competition_get(*, user, pk) -> Competition:
    """A competition this user may see: staff of its authority see it in any state;
    everyone else only once it is published. Anything else is 404."""
    try:
        competition = (
            Competition.objects.select_related("authority").prefetch_related("task_areas__criteria").get(pk=pk)
        )
    except (Competition.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    if competition_is_staff(user=user, competition=competition):
        return competition
    if is_public(competition):
        return competition
    raise NotFound()
