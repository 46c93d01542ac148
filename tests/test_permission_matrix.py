"""Role × endpoint × object: who gets what from the API.

One table: each row is an endpoint on one object (a draft, published or closed competition; a draft
offer in an open competition; a submitted offer in a closed one; the organisation) with the status
each role gets. Where no rule grants access, access is denied; an object a role may not see is 404
whatever the verb (hard rule 1); a refused request writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pytest
from django.utils import timezone

from competitions.models import AuthorityRole, Competition
from offers.models import Offer, OfferAttachment, Organization
from workflow.models import AuditEvent

from .api.support import (
    API,
    ORGANIZATION,
    TASK_AREA,
    act_as,
    client,
    competition_body,
    in_days,
    pdf_upload,
    stored_attachment,
)
from .factories import AuthorityFactory, CompetitionFactory, OfferFactory, staff

ROLES = (
    "anonymous",
    "stranger",
    "ngo_admin",
    "ngo_editor",
    "other_ngo_user",
    "officer",
    "approver",
    "other_officer",
    "finance",
)
NGO = ("ngo_admin", "ngo_editor")
STAFF = ("officer", "approver", "finance")


def row(default: int, *, anonymous: int = 401, **overrides: int) -> dict[str, int]:
    """Expected status per role: `default` for every role not named (anonymous: 401 unless named)."""
    expected = dict.fromkeys(ROLES, default)
    expected["anonymous"] = anonymous
    for role, code in overrides.items():
        assert role in ROLES, role
        expected[role] = code
    return expected


def for_roles(roles: tuple[str, ...], code: int) -> dict[str, int]:
    return dict.fromkeys(roles, code)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with the world's ids
    expected: dict[str, int]
    body: Callable[[World], dict] | None = field(default=None, compare=False)
    multipart: bool = False


def section_body(world) -> dict:
    return {
        "data": {**world.draft_offer.sections.get(key="task").data, "place": "Będzin"},
        "base_revision": world.ids["task_rev"],
    }


def submitted_section_body(world) -> dict:
    return {"data": {"title": "Zmiana po terminie"}, "base_revision": world.ids["submitted_task_rev"]}


def upload(world) -> dict:
    return {"file": pdf_upload()}


ENDPOINTS = (
    # --- competitions ----------------------------------------------------------------------------------
    Endpoint("competition list", "get", "/competitions/", row(200, anonymous=200)),
    Endpoint("published competition", "get", "/competitions/{published}/", row(200, anonymous=200)),
    Endpoint("published competition transitions", "get", "/competitions/{published}/transitions/", row(200)),
    Endpoint(
        "published competition audit",
        "get",
        "/competitions/{published}/audit/",
        row(403, **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "draft competition",
        "get",
        "/competitions/{draft_competition}/",
        row(404, anonymous=404, **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "draft competition transitions",
        "get",
        "/competitions/{draft_competition}/transitions/",
        row(404, **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "draft competition audit",
        "get",
        "/competitions/{draft_competition}/audit/",
        row(404, **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "create a competition",
        "post",
        "/competitions/",
        row(403, officer=201),
        body=lambda w: competition_body(w.authority),
    ),
    Endpoint(
        "change a draft competition",
        "patch",
        "/competitions/{draft_competition}/",
        row(404, officer=200, approver=403, finance=403),
        body=lambda w: {"title": "Zmieniony tytuł"},
    ),
    Endpoint(
        "change a published competition",
        "patch",
        "/competitions/{published}/",
        row(403, officer=409),
        body=lambda w: {"title": "Zmieniony tytuł"},
    ),
    Endpoint(
        "add a task area to a draft",
        "post",
        "/competitions/{draft_competition}/task-areas/",
        row(404, officer=201, approver=403, finance=403),
        body=lambda w: {**TASK_AREA, "number": 2},
    ),
    Endpoint(
        "remove a task area of a draft",
        "delete",
        "/competitions/{draft_competition}/task-areas/{draft_area}/",
        row(404, officer=204, approver=403, finance=403),
    ),
    Endpoint(
        "approve a draft",
        "post",
        "/competitions/{draft_competition}/approve/",
        row(404, officer=403, approver=200, finance=403),
        body=lambda w: {"approval_reference": "Zarządzenie 1/2027"},
    ),
    Endpoint(
        "publish a draft",
        "post",
        "/competitions/{draft_competition}/publish/",
        row(404, **for_roles(STAFF, 409)),
        body=lambda w: {},
    ),
    Endpoint(
        "record a publication",
        "post",
        "/competitions/{published}/publications/",
        row(403, officer=201),
        body=lambda w: {"channel": "press", "published_on": timezone.localdate().isoformat()},
    ),
    Endpoint(
        "extend the deadline",
        "post",
        "/competitions/{published}/extend-deadline/",
        row(403, officer=200),
        body=lambda w: {"new_deadline": in_days(45).isoformat(), "reason": "Awaria systemu"},
    ),
    Endpoint(
        "close submissions before the deadline",
        "post",
        "/competitions/{published}/close-submissions/",
        row(403, officer=409),
        body=lambda w: {},
    ),
    Endpoint(
        "cancel a published competition",
        "post",
        "/competitions/{published}/cancel/",
        row(403, approver=409),
        body=lambda w: {"reason": "Zmiana planów"},
    ),
    Endpoint(
        "offers of a closed competition",
        "get",
        "/competitions/{closed}/offers/",
        row(404, **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "offers of a draft competition",
        "get",
        "/competitions/{draft_competition}/offers/",
        row(404, **for_roles(STAFF, 200)),
    ),
    # --- organisations ---------------------------------------------------------------------------------
    Endpoint("organisation list", "get", "/organizations/", row(200)),
    Endpoint("register an organisation", "post", "/organizations/", row(201), body=lambda w: ORGANIZATION),
    Endpoint("organisation", "get", "/organizations/{organization}/", row(404, **for_roles(NGO, 200))),
    Endpoint(
        "change the organisation",
        "patch",
        "/organizations/{organization}/",
        row(404, ngo_admin=200, ngo_editor=403),
        body=lambda w: {"phone": "+48 32 262 00 00"},
    ),
    Endpoint(
        "invite a representative",
        "post",
        "/organizations/{organization}/invitations/",
        row(404, ngo_admin=201, ngo_editor=403),
        body=lambda w: {"email": "nowy@example.org", "role": "editor"},
    ),
    # --- a draft offer ---------------------------------------------------------------------------------
    Endpoint("offer list", "get", "/offers/", row(200)),
    Endpoint(
        "start an offer",
        "post",
        "/offers/",
        row(400, **for_roles(NGO, 201)),
        body=lambda w: {"task_area": w.ids["published_area"], "organization": w.ids["organization"]},
    ),
    Endpoint("draft offer", "get", "/offers/{draft_offer}/", row(404, **for_roles(NGO, 200))),
    Endpoint(
        "save a draft's section",
        "put",
        "/offers/{draft_offer}/sections/task/",
        row(404, **for_roles(NGO, 200)),
        body=section_body,
    ),
    Endpoint(
        "draft offer problems", "get", "/offers/{draft_offer}/problems/", row(404, **for_roles(NGO, 200))
    ),
    Endpoint(
        "draft offer revisions", "get", "/offers/{draft_offer}/revisions/", row(404, **for_roles(NGO, 200))
    ),
    Endpoint(
        "draft offer compare",
        "get",
        "/offers/{draft_offer}/compare/?older=1&newer=4",
        row(404, **for_roles(NGO, 200)),
    ),
    Endpoint(
        "draft offer transitions",
        "get",
        "/offers/{draft_offer}/transitions/",
        row(404, **for_roles(NGO, 200)),
    ),
    Endpoint("draft offer audit", "get", "/offers/{draft_offer}/audit/", row(404, **for_roles(NGO, 200))),
    Endpoint("draft offer receipt", "get", "/offers/{draft_offer}/receipt/", row(404, **for_roles(NGO, 409))),
    Endpoint(
        "attach to a draft",
        "post",
        "/offers/{draft_offer}/attachments/",
        row(404, **for_roles(NGO, 201)),
        body=upload,
        multipart=True,
    ),
    Endpoint(
        "download a draft's attachment",
        "get",
        "/offers/{draft_offer}/attachments/{draft_attachment}/download/",
        row(404, **for_roles(NGO, 200)),
    ),
    Endpoint(
        "remove a draft's attachment",
        "delete",
        "/offers/{draft_offer}/attachments/{draft_attachment}/",
        row(404, **for_roles(NGO, 204)),
    ),
    Endpoint(
        "submit a draft",
        "post",
        "/offers/{draft_offer}/submit/",
        row(404, ngo_admin=200, ngo_editor=403),
        body=lambda w: {},
    ),
    Endpoint(
        "withdraw a draft",
        "post",
        "/offers/{draft_offer}/withdraw/",
        row(404, **for_roles(NGO, 409)),
        body=lambda w: {},
    ),
    Endpoint(
        "discard a draft",
        "post",
        "/offers/{draft_offer}/discard/",
        row(404, **for_roles(NGO, 200)),
        body=lambda w: {},
    ),
    # --- a submitted offer, after the deadline ---------------------------------------------------------
    Endpoint(
        "submitted offer",
        "get",
        "/offers/{submitted_offer}/",
        row(404, **for_roles(NGO, 200), **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "submitted offer transitions",
        "get",
        "/offers/{submitted_offer}/transitions/",
        row(404, **for_roles(NGO, 200), **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "submitted offer audit",
        "get",
        "/offers/{submitted_offer}/audit/",
        row(404, **for_roles(NGO, 200), **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "submitted offer receipt",
        "get",
        "/offers/{submitted_offer}/receipt/",
        row(404, **for_roles(NGO, 200), **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "download a submitted offer's attachment",
        "get",
        "/offers/{submitted_offer}/attachments/{submitted_attachment}/download/",
        row(404, **for_roles(NGO, 200), **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "save a submitted offer's section",
        "put",
        "/offers/{submitted_offer}/sections/task/",
        row(404, **for_roles(NGO, 409), **for_roles(STAFF, 403)),
        body=submitted_section_body,
    ),
    Endpoint(
        "attach to a submitted offer",
        "post",
        "/offers/{submitted_offer}/attachments/",
        row(404, **for_roles(NGO, 409), **for_roles(STAFF, 403)),
        body=upload,
        multipart=True,
    ),
    Endpoint(
        "remove a submitted offer's attachment",
        "delete",
        "/offers/{submitted_offer}/attachments/{submitted_attachment}/",
        row(404, **for_roles(NGO, 409), **for_roles(STAFF, 403)),
    ),
    Endpoint(
        "submit twice",
        "post",
        "/offers/{submitted_offer}/submit/",
        row(404, **for_roles(NGO, 409), **for_roles(STAFF, 409)),
        body=lambda w: {},
    ),
    Endpoint(
        "withdraw a submitted offer",
        "post",
        "/offers/{submitted_offer}/withdraw/",
        row(404, ngo_admin=200, ngo_editor=403, **for_roles(STAFF, 403)),
        body=lambda w: {},
    ),
    Endpoint(
        "discard a submitted offer",
        "post",
        "/offers/{submitted_offer}/discard/",
        row(404, **for_roles(NGO, 409), **for_roles(STAFF, 409)),
        body=lambda w: {},
    ),
)


class World:
    """The objects of the table, each made only when a row or a role needs it (the matrix is large)."""

    def __init__(self, request):
        self.request = request
        self.ids = LazyIds(self)

    @cached_property
    def authority(self):
        return self.request.getfixturevalue("authority")

    @cached_property
    def organization(self):
        return self.request.getfixturevalue("organization")

    def user(self, role: str):
        if role == "anonymous":
            return None
        if role == "other_officer":
            return staff(AuthorityFactory(), AuthorityRole.OFFICER)
        return self.request.getfixturevalue(role)

    @cached_property
    def draft_competition(self):
        return CompetitionFactory(authority=self.authority)

    @cached_property
    def published(self):
        return CompetitionFactory(authority=self.authority, published=True)

    @cached_property
    def closed(self):
        return CompetitionFactory(authority=self.authority, closed=True)

    @cached_property
    def draft_offer(self):
        return OfferFactory(task_area=self.published.task_areas.get(), organization=self.organization)

    @cached_property
    def submitted_offer(self):
        return OfferFactory(
            task_area=self.closed.task_areas.get(),
            organization=self.organization,
            submitted=True,
            submitted_at=timezone.now() - dt.timedelta(hours=2),
        )

    def id_of(self, key: str):
        derived = {
            "draft_area": lambda: self.draft_competition.task_areas.get().pk,
            "published_area": lambda: self.published.task_areas.get().pk,
            "draft_attachment": lambda: stored_attachment(self.draft_offer, self.draft_offer.created_by).pk,
            "submitted_attachment": lambda: (
                stored_attachment(self.submitted_offer, self.submitted_offer.created_by).pk
            ),
            "task_rev": lambda: self.draft_offer.sections.get(key="task").revision,
            "submitted_task_rev": lambda: self.submitted_offer.sections.get(key="task").revision,
        }
        if key in derived:
            return derived[key]()
        return getattr(self, key).pk


class LazyIds(Mapping):
    def __init__(self, world: World):
        self.world = world
        self.known: dict[str, int] = {}

    def __getitem__(self, key: str) -> int:
        if key not in self.known:
            self.known[key] = self.world.id_of(key)
        return self.known[key]

    def __iter__(self):
        return iter(self.known)

    def __len__(self) -> int:
        return len(self.known)


@pytest.fixture
def world(request):
    return World(request)


def written_state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        sorted(Competition.objects.values_list("pk", "state", "title", "submission_deadline")),
        sorted(Offer.objects.values_list("pk", "state", "last_revision")),
        sorted(OfferAttachment.objects.values_list("pk", "removed_at")),
        sorted(Organization.objects.values_list("pk", "phone")),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("endpoint", "role"),
    [
        pytest.param(endpoint, role, id=f"{endpoint.name} | {role}")
        for endpoint in ENDPOINTS
        for role in ROLES
    ],
)
def test_permission_matrix(world, endpoint, role):
    url = API + endpoint.path.format_map(world.ids)
    body = endpoint.body(world) if endpoint.body else None
    api = act_as(client(), world.user(role))
    before = written_state()
    if endpoint.method == "get":
        response = api.get(url)
    else:
        encoding = "multipart" if endpoint.multipart else "json"
        response = getattr(api, endpoint.method)(url, body, format=encoding)
    expected = endpoint.expected[role]
    assert response.status_code == expected, (response.status_code, getattr(response, "content", b"")[:400])
    if expected >= 400:
        assert written_state() == before, "a refused request changed something"


# --- what each role finds in the lists -------------------------------------------------------------

LIST_VISIBILITY = {
    # role: (sees the draft competition, sees the draft offer, sees the submitted offer in /offers/)
    "anonymous": (False, None, None),
    "stranger": (False, False, False),
    "ngo_admin": (False, True, True),
    "ngo_editor": (False, True, True),
    "other_ngo_user": (False, False, False),
    "officer": (True, False, False),
    "approver": (True, False, False),
    "other_officer": (False, False, False),
    "finance": (True, False, False),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_lists_show_only_what_the_role_may_see(world, role):
    sees_draft_competition, sees_draft_offer, sees_submitted_offer = LIST_VISIBILITY[role]
    for key in ("draft_competition", "published", "closed", "draft_offer", "submitted_offer"):
        world.ids[key]  # noqa: B018 (made before the role looks)
    api = act_as(client(), world.user(role))
    competitions = {row["id"] for row in api.get(f"{API}/competitions/").json()["results"]}
    assert (world.ids["draft_competition"] in competitions) is sees_draft_competition
    assert world.ids["published"] in competitions
    if sees_draft_offer is None:
        assert api.get(f"{API}/offers/").status_code == 401
        return
    offers = {row["id"] for row in api.get(f"{API}/offers/").json()["results"]}
    assert (world.ids["draft_offer"] in offers) is sees_draft_offer
    assert (world.ids["submitted_offer"] in offers) is sees_submitted_offer
    staff_list = api.get(f"{API}/competitions/{world.ids['closed']}/offers/")
    if role in STAFF:
        assert [row["id"] for row in staff_list.json()["results"]] == [world.ids["submitted_offer"]]
    else:
        assert staff_list.status_code == 404
