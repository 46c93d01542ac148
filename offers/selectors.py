"""Reads of organisations and offers, always restricted to what the user may see.

An NGO user sees the offers of the organisations they represent, drafts included;
authority staff see the offers of their authority's competitions once submissions
have closed, never drafts; nobody else sees an offer. Anything else is 404.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Max, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from competitions.models import AuthorityRole, Competition, CompetitionState, has_role
from workflow.errors import NotFound
from workflow.permissions import has_object_perm

from .models import Offer, OfferRevision, OfferState, Organization, Representation

HIDDEN_FROM_STAFF = (OfferState.DRAFT, OfferState.DISCARDED)
# Before the deadline the authority sees how many offers came in, not what they say.
STAFF_SEES_OFFERS_FROM = (CompetitionState.SUBMISSION_CLOSED, CompetitionState.CANCELLED)


def organizations_for_user(*, user, perm: str = "view_organization") -> QuerySet[Organization]:
    if not getattr(user, "is_authenticated", False):
        return Organization.objects.none()
    return get_objects_for_user(user, f"offers.{perm}", Organization.objects.filter(is_active=True),
                                with_superuser=False, accept_global_perms=False)


def organization_get(*, user, pk, perm: str = "view_organization") -> Organization:
    try:
        organization = Organization.objects.get(pk=pk, is_active=True)
    except (Organization.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    if not has_object_perm(user, perm, organization):
        raise NotFound()
    return organization


def representatives_of(*, organization: Organization) -> QuerySet[Representation]:
    return organization.representations.filter(is_active=True).select_related("user").order_by("user__last_name")


def _offer_base() -> QuerySet[Offer]:
    return Offer.objects.select_related("competition__authority", "task_area", "organization")


def offer_list_for_user(*, user) -> QuerySet[Offer]:
    """The offers of the organisations this user represents."""
    return _offer_base().filter(organization__in=organizations_for_user(user=user)).exclude(
        state=OfferState.DISCARDED)


def offer_list_for_competition(*, user, competition: Competition) -> QuerySet[Offer]:
    """The offers of a competition, for its authority's staff, after the deadline."""
    if not any(has_role(user, competition.authority, role) for role in AuthorityRole.values):
        raise NotFound()
    if competition.state not in STAFF_SEES_OFFERS_FROM:
        return Offer.objects.none()
    return _offer_base().filter(competition=competition).exclude(state__in=HIDDEN_FROM_STAFF).order_by(
        "task_area__number", "submitted_at", "pk")


def offer_summary(*, competition: Competition) -> dict[str, dict]:
    """Per state: how many offers, and the grant requested and total cost they add up to (one query)."""
    from django.db.models import Count, Sum

    rows = competition.offers.order_by().values("state").annotate(n=Count("pk"), grant=Sum("grant_requested"),
                                                                  cost=Sum("total_cost"))
    return {row["state"]: row for row in rows}


def offer_counts(*, competition: Competition) -> dict[str, int]:
    from django.db.models import Count

    rows = competition.offers.values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def offer_is_visible(*, user, offer: Offer) -> bool:
    if has_object_perm(user, "view_organization", offer.organization):
        return True
    if offer.state in HIDDEN_FROM_STAFF:
        return False
    competition = offer.competition
    if competition.state not in STAFF_SEES_OFFERS_FROM:
        return False
    return any(has_role(user, competition.authority, role) for role in AuthorityRole.values)


def offer_get(*, user, pk) -> Offer:
    try:
        offer = _offer_base().get(pk=pk)
    except (Offer.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    if not offer_is_visible(user=user, offer=offer):
        raise NotFound()
    return offer


def offer_sections(*, offer: Offer) -> dict[str, dict]:
    return {s.key: {"data": s.data, "revision": s.revision} for s in offer.sections.all()}


def offer_revisions(*, offer: Offer) -> QuerySet[OfferRevision]:
    return offer.revisions.select_related("author").order_by("-number")


def _state_at(offer: Offer, number: int) -> dict[str, dict]:
    latest = (offer.revisions.filter(number__lte=number).values("section").annotate(last=Max("number"))
              .values_list("last", flat=True))
    return {r.section: r.data for r in OfferRevision.objects.filter(offer=offer, number__in=list(latest))}


def _flatten(value, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        items: dict[str, str] = {}
        for key, inner in value.items():
            items.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return items
    if isinstance(value, list):
        items = {}
        for index, inner in enumerate(value):
            items.update(_flatten(inner, f"{prefix}.{index + 1}"))
        return items
    return {prefix: "" if value is None else str(value)}


def offer_compare(*, offer: Offer, older: int, newer: int) -> list[dict[str, str]]:
    """What changed between two saved versions of an offer: one row per changed field."""
    before, after = _flatten(_state_at(offer, older)), _flatten(_state_at(offer, newer))
    rows = []
    for key in sorted(set(before) | set(after)):
        if before.get(key, "") != after.get(key, ""):
            rows.append({"field": key, "before": before.get(key, ""), "after": after.get(key, "")})
    return rows


def draft_holders_for_competition(*, competition: Competition):
    """Everyone drafting an unsubmitted offer in the competition (to be told of a change)."""
    organizations = Offer.objects.filter(competition=competition, state=OfferState.DRAFT).values("organization")
    return get_user_model().objects.filter(
        Q(representations__organization__in=organizations) & Q(representations__is_active=True), is_active=True
    ).distinct()


def public_offerors_count(*, competition: Competition) -> int:
    return competition.offers.exclude(state__in=HIDDEN_FROM_STAFF).count()


