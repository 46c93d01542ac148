"""Who sees which offer (hard rule 1): an NGO sees its own organisations' offers, drafts
included; the authority's staff see submitted offers of their competitions only after the
deadline, never drafts; nobody else sees any. Invisible is 404, never 403."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from competitions.models import AuthorityRole
from offers.models import OfferState, RepresentationRole
from offers.selectors import (
    draft_holders_for_competition,
    offer_counts,
    offer_get,
    offer_is_visible,
    offer_list_for_competition,
    offer_list_for_user,
    offer_sections,
    organization_get,
    organizations_for_user,
    public_offerors_count,
)
from workflow.errors import NotFound

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    TaskAreaFactory,
    representative,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_competition(authority):
    return CompetitionFactory(authority=authority, published=True, with_areas=False)


@pytest.fixture
def closed_competition(authority):
    return CompetitionFactory(authority=authority, closed=True, with_areas=False)


def offer_in(competition, organization, state=OfferState.SUBMITTED):
    area = competition.task_areas.first() or TaskAreaFactory(competition=competition)
    return OfferFactory(task_area=area, organization=organization, state=state)


# --- offer_get ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [OfferState.DRAFT, OfferState.SUBMITTED, OfferState.WITHDRAWN])
def test_the_organisations_people_see_its_offers(
    state, open_competition, organization, ngo_admin, ngo_editor
):
    offer = offer_in(open_competition, organization, state)
    for user in (ngo_admin, ngo_editor):
        assert offer_get(user=user, pk=offer.pk) == offer


@pytest.mark.parametrize(
    "state", [OfferState.DRAFT, OfferState.SUBMITTED, OfferState.WITHDRAWN, OfferState.DISCARDED]
)
def test_another_ngo_gets_404(state, closed_competition, organization, other_ngo_user):
    offer = offer_in(closed_competition, organization, state)
    with pytest.raises(NotFound) as excinfo:
        offer_get(user=other_ngo_user, pk=offer.pk)
    assert excinfo.value.status_code == 404


@pytest.mark.parametrize("role", list(AuthorityRole))
def test_staff_get_404_before_the_deadline(role, authority, open_competition, organization):
    offer = offer_in(open_competition, organization, OfferState.SUBMITTED)
    with pytest.raises(NotFound):
        offer_get(user=staff(authority, role), pk=offer.pk)


@pytest.mark.parametrize("role", list(AuthorityRole))
def test_staff_see_submitted_offers_after_the_deadline(role, authority, closed_competition, organization):
    offer = offer_in(closed_competition, organization, OfferState.SUBMITTED)
    assert offer_get(user=staff(authority, role), pk=offer.pk) == offer


@pytest.mark.parametrize("state", [OfferState.DRAFT, OfferState.DISCARDED])
@pytest.mark.parametrize("competition_state", ["published", "submission_closed", "cancelled"])
def test_a_draft_is_never_visible_to_staff(
    state, competition_state, authority, organization, officer, approver
):
    competition = CompetitionFactory(authority=authority, state=competition_state, with_areas=False)
    offer = offer_in(competition, organization, state)
    for user in (officer, approver):
        with pytest.raises(NotFound):
            offer_get(user=user, pk=offer.pk)
        assert not offer_is_visible(user=user, offer=offer)


def test_staff_of_another_authority_get_404(closed_competition, organization):
    offer = offer_in(closed_competition, organization)
    with pytest.raises(NotFound):
        offer_get(user=staff(AuthorityFactory(), AuthorityRole.OFFICER), pk=offer.pk)


@pytest.mark.parametrize("pk", [999999, "abc", None, "1; DROP TABLE offers_offer"])
def test_a_missing_or_malformed_id_is_404(pk, ngo_admin):
    with pytest.raises(NotFound):
        offer_get(user=ngo_admin, pk=pk)


def test_strangers_and_anonymous_users_get_404(closed_competition, organization, stranger):
    offer = offer_in(closed_competition, organization)
    for user in (stranger, AnonymousUser(), None):
        with pytest.raises(NotFound):
            offer_get(user=user, pk=offer.pk)


def test_a_former_representative_loses_sight(open_competition, organization):
    from guardian.shortcuts import remove_perm

    from workflow.permissions import forget

    editor = representative(organization, RepresentationRole.EDITOR)
    offer = offer_in(open_competition, organization, OfferState.DRAFT)
    assert offer_get(user=editor, pk=offer.pk) == offer
    for codename in ("view_organization", "edit_offers"):
        remove_perm(f"offers.{codename}", editor, organization)
    forget(editor)
    with pytest.raises(NotFound):
        offer_get(user=editor, pk=offer.pk)


# --- lists ----------------------------------------------------------------------------------------------


def test_an_ngo_lists_only_its_organisations_offers(
    open_competition, organization, ngo_admin, other_ngo_user
):
    mine = [offer_in(open_competition, organization, s) for s in (OfferState.DRAFT, OfferState.SUBMITTED)]
    offer_in(open_competition, organization, OfferState.DISCARDED)
    offer_in(open_competition, OrganizationFactory(), OfferState.SUBMITTED)
    assert set(offer_list_for_user(user=ngo_admin)) == set(mine)
    assert not offer_list_for_user(user=other_ngo_user).exists()
    assert not offer_list_for_user(user=AnonymousUser()).exists()


def test_staff_list_submitted_offers_only_after_the_deadline(
    authority, officer, open_competition, closed_competition, organization
):
    offer_in(open_competition, organization, OfferState.SUBMITTED)
    assert not offer_list_for_competition(user=officer, competition=open_competition).exists()
    submitted = offer_in(closed_competition, organization, OfferState.SUBMITTED)
    withdrawn = offer_in(closed_competition, organization, OfferState.WITHDRAWN)
    offer_in(closed_competition, organization, OfferState.DRAFT)
    assert set(offer_list_for_competition(user=officer, competition=closed_competition)) == {
        submitted,
        withdrawn,
    }


@pytest.mark.parametrize("who", ["ngo", "other_officer", "stranger"])
def test_only_staff_list_a_competitions_offers(who, closed_competition, ngo_admin, stranger):
    user = {
        "ngo": ngo_admin,
        "stranger": stranger,
        "other_officer": staff(AuthorityFactory(), AuthorityRole.OFFICER),
    }[who]
    with pytest.raises(NotFound):
        offer_list_for_competition(user=user, competition=closed_competition)


def test_counts_before_the_deadline_show_numbers_not_content(open_competition, organization):
    for state in (OfferState.DRAFT, OfferState.DRAFT, OfferState.SUBMITTED, OfferState.DISCARDED):
        offer_in(open_competition, organization, state)
    assert offer_counts(competition=open_competition) == {"draft": 2, "submitted": 1, "discarded": 1}
    assert public_offerors_count(competition=open_competition) == 1


def _one_or_fifty(open_competition, organization, n):
    area = TaskAreaFactory(competition=open_competition)
    for _ in range(n):
        OfferFactory(task_area=area, organization=organization, content=False)


@pytest.mark.parametrize("n", [1, 50])
def test_the_ngo_list_is_one_query_set_for_1_or_50(
    n, open_competition, organization, ngo_admin, django_assert_num_queries
):
    _one_or_fifty(open_competition, organization, n)
    list(organizations_for_user(user=ngo_admin))  # warm the content-type cache
    with django_assert_num_queries(1):
        rows = [
            (o.competition.authority.name, o.task_area.name, o.organization.name)
            for o in offer_list_for_user(user=ngo_admin)
        ]
    assert len(rows) == n


@pytest.mark.parametrize("n", [1, 50])
def test_the_staff_list_makes_the_same_queries_for_1_or_50(
    n, authority, closed_competition, organization, django_assert_num_queries
):
    officer = staff(authority, AuthorityRole.OFFICER)
    area = TaskAreaFactory(competition=closed_competition)
    for _ in range(n):
        OfferFactory(task_area=area, organization=organization, content=False, state=OfferState.SUBMITTED)
    offer_list_for_competition(user=officer, competition=closed_competition)  # warm the permission cache
    with django_assert_num_queries(1):
        rows = [
            (o.organization.name, o.task_area.number, o.competition.authority.name)
            for o in offer_list_for_competition(user=officer, competition=closed_competition)
        ]
    assert len(rows) == n


# --- organisations, sections, draft holders --------------------------------------------------------------


def test_organization_get_is_404_for_outsiders(organization, ngo_editor, other_ngo_user):
    assert organization_get(user=ngo_editor, pk=organization.pk) == organization
    with pytest.raises(NotFound):
        organization_get(user=ngo_editor, pk=organization.pk, perm="administer_organization")
    with pytest.raises(NotFound):
        organization_get(user=other_ngo_user, pk=organization.pk)
    with pytest.raises(NotFound):
        organization_get(user=ngo_editor, pk="x")


def test_offer_sections_carry_their_revisions(open_competition, organization):
    offer = offer_in(open_competition, organization, OfferState.DRAFT)
    sections = offer_sections(offer=offer)
    assert sections["basic"]["revision"] == 1 and sections["task"]["data"]["title"]


def test_draft_holders_are_the_active_people_of_organisations_with_drafts(
    open_competition, organization, ngo_admin, ngo_editor
):
    offer_in(open_competition, organization, OfferState.DRAFT)
    offer_in(open_competition, organization, OfferState.DRAFT)
    done = OrganizationFactory()
    representative(done)
    offer_in(open_competition, done, OfferState.SUBMITTED)
    holders = list(draft_holders_for_competition(competition=open_competition))
    assert sorted(u.pk for u in holders) == sorted([ngo_admin.pk, ngo_editor.pk])
