"""Role × endpoint × stage for evaluation and award: who gets what from the API.

One table: each row is an endpoint on an evaluation round taken to a stage (see
tests/api/evaluation_support.py), with the status each role gets. Where no rule grants access,
access is denied; what a role may not see is 404 whatever the verb (hard rule 1) — a member of
another committee sees nothing of this evaluation, a member who declared a conflict cannot open
that offer or score it, an NGO never sees scores, rankings or another's offer, and the public
sees only published results; what a role sees but may not do is 403; what the state does not
allow yet is 409. A refused request writes nothing.

The round is built once per stage; each row, and each role within it, runs in a savepoint that is
rolled back, so that one row's or one role's success cannot change what the next one meets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction

from competitions.models import AuthorityRole
from evaluation import services
from evaluation.models import (
    Award,
    AwardUpdate,
    CheckItemResult,
    Committee,
    Declaration,
    Evaluation,
    FormalCheck,
    JustificationRequest,
    Score,
    ScoreSheet,
    Seat,
)
from workflow.models import AuditEvent

from .api.evaluation_support import STAGES, Round
from .api.support import API, act_as, client
from .factories import AuthorityFactory, CompetitionFactory, OfferFactory, UserFactory, staff

ROLES = (
    "anonymous",
    "stranger",
    "ngo_admin",  # the offeror of offer A
    "other_ngo",  # the offeror of offer B
    "officer",
    "approver",
    "other_officer",  # an officer of another authority
    "chair",
    "member",
    "conflicted",  # declared a conflict with offer A
    "expert",  # advisory voice, does not score
    "other_member",  # sits on another competition's committee
)
STAFF = ("officer", "approver")
SEATED = ("chair", "member", "conflicted", "expert")
MEMBERS = ("member", "conflicted", "expert")


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
    stage: str
    method: str
    path: str  # formatted with the world's ids
    expected: dict[str, int]
    body: Callable[[World], dict] | None = field(default=None, compare=False)
    setup: Callable[[World], None] | None = field(default=None, compare=False)


def all_met(world) -> None:
    world.rnd.record(world.rnd.offer_a)


def award_before_close(world) -> None:
    Award.objects.create(offer=world.rnd.offer_a)  # as closing scoring would


def another_closed_competition(world) -> None:
    competition = CompetitionFactory(authority=world.rnd.authority, closed=True)
    OfferFactory(task_area=competition.task_areas.get(), submitted=True)
    world.extra["fresh_competition"] = competition.pk


def a_request(world) -> None:
    request = services.justification_request_create(
        evaluation=world.rnd.evaluation, name="Jan Nowak", email="jan@example.org", text="Dlaczego?"
    )
    world.extra["request"] = request.pk


JUSTIFICATION = {"name": "Jan Nowak", "email": "jan@example.org", "text": "Proszę o uzasadnienie."}

ENDPOINTS = (
    # --- the formal review ----------------------------------------------------------------------------
    Endpoint("evaluation list", "formal", "get", "/evaluations/", row(200)),
    Endpoint(
        "evaluation",
        "formal",
        "get",
        "/evaluations/{ev}/",
        row(404, **for_roles(STAFF, 200), **for_roles(SEATED, 200)),
    ),
    Endpoint(
        "evaluation transitions",
        "formal",
        "get",
        "/evaluations/{ev}/transitions/",
        row(404, **for_roles(STAFF, 200), **for_roles(SEATED, 200)),
    ),
    Endpoint(
        "evaluation audit",
        "formal",
        "get",
        "/evaluations/{ev}/audit/",
        row(404, **for_roles(STAFF, 200), **for_roles(SEATED, 200)),
    ),
    Endpoint(
        "start the evaluation",
        "formal",
        "post",
        "/competitions/{fresh_competition}/evaluation/",
        row(403, officer=201),
        body=lambda w: {},
        setup=another_closed_competition,
    ),
    Endpoint(
        "formal checks of the round",
        "formal",
        "get",
        "/evaluations/{ev}/formal-checks/",
        row(404, **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "hand over with checks open",
        "formal",
        "post",
        "/evaluations/{ev}/start-merit-review/",
        row(404, officer=409, approver=403, **for_roles(SEATED, 403)),
        body=lambda w: {},
    ),
    Endpoint(
        "formal check",
        "formal",
        "get",
        "/formal-checks/{check_a}/",
        row(404, **for_roles(STAFF, 200), ngo_admin=200),
    ),
    Endpoint(
        "formal check transitions",
        "formal",
        "get",
        "/formal-checks/{check_a}/transitions/",
        row(404, **for_roles(STAFF, 200), ngo_admin=200),
    ),
    Endpoint(
        "formal check audit",
        "formal",
        "get",
        "/formal-checks/{check_a}/audit/",
        row(404, **for_roles(STAFF, 200), ngo_admin=200),
    ),
    Endpoint(
        "record the checklist",
        "formal",
        "put",
        "/formal-checks/{check_a}/items/",
        row(404, officer=200, approver=403, ngo_admin=403),
        body=lambda w: {
            "items": {str(w.rnd.signed.pk): {"outcome": "met"}, str(w.rnd.on_time.pk): {"outcome": "met"}}
        },
    ),
    Endpoint(
        "accept formally",
        "formal",
        "post",
        "/formal-checks/{check_a}/accept/",
        row(404, officer=200, approver=403, ngo_admin=403),
        body=lambda w: {},
        setup=all_met,
    ),
    Endpoint(
        "call to remedy",
        "defect",
        "post",
        "/formal-checks/{check_a}/request-remedy/",
        row(404, officer=200, approver=403, ngo_admin=403),
        body=lambda w: {"message": "Uzupełnij podpis", "sections": ["declarations"]},
    ),
    Endpoint(
        "reject formally",
        "defect",
        "post",
        "/formal-checks/{check_a}/reject/",
        row(404, officer=200, approver=403, ngo_admin=403),
        body=lambda w: {"reasons": "Brak podpisu"},
    ),
    Endpoint(
        "send the remedy",
        "remedy_requested",
        "post",
        "/formal-checks/{check_a}/remedy/",
        row(404, ngo_admin=200, officer=403, approver=403),
        body=lambda w: {},
    ),
    # --- the committee ----------------------------------------------------------------------------------
    Endpoint(
        "committee",
        "formal",
        "get",
        "/committees/{committee}/",
        row(404, **for_roles(STAFF, 200), **for_roles(SEATED, 200)),
    ),
    Endpoint(
        "configure the committee",
        "formal",
        "patch",
        "/committees/{committee}/",
        row(404, officer=200, approver=403, **for_roles(SEATED, 403)),
        body=lambda w: {"quorum": 2},
    ),
    Endpoint(
        "seat a person",
        "formal",
        "post",
        "/committees/{committee}/seats/",
        row(404, officer=201, approver=403, **for_roles(SEATED, 403)),
        body=lambda w: {"user": UserFactory().pk},
    ),
    Endpoint(
        "remove a seat",
        "formal",
        "delete",
        "/committees/{committee}/seats/{member_seat}/",
        row(404, officer=204, approver=403, **for_roles(SEATED, 403)),
    ),
    Endpoint(
        "appoint the committee",
        "formal",
        "post",
        "/committees/{committee}/appoint/",
        row(404, officer=200, approver=403, **for_roles(SEATED, 403)),
        body=lambda w: {"appointment_reference": "Zarządzenie 7/2027"},
    ),
    Endpoint(
        "declarations before the handover", "formal", "get", "/evaluations/{ev}/my-declarations/", row(404)
    ),
    # --- impartiality and scoring --------------------------------------------------------------------------
    Endpoint(
        "my declarations",
        "merit",
        "get",
        "/evaluations/{ev}/my-declarations/",
        row(404, **for_roles(SEATED, 200)),
    ),
    Endpoint(
        "a member's declaration", "merit", "get", "/declarations/{member_decl_b}/", row(404, member=200)
    ),
    Endpoint(
        "declare",
        "merit",
        "post",
        "/declarations/{member_decl_b}/declare/",
        row(404, member=200),
        body=lambda w: {"impartial": True},
    ),
    Endpoint(
        "a declaration's audit", "merit", "get", "/declarations/{member_decl_b}/audit/", row(404, member=200)
    ),
    Endpoint(
        "offer A's content",
        "merit",
        "get",
        "/member-offers/{offer_a}/",
        row(404, chair=200, member=200, expert=200),  # the conflicted member: 404
    ),
    Endpoint(
        "offer B's content",
        "merit",
        "get",
        "/member-offers/{offer_b}/",
        row(404, chair=200, conflicted=200),  # the member and the expert have not declared for B yet
    ),
    Endpoint(
        "score offer A",
        "merit",
        "put",
        "/member-offers/{offer_a}/scores/",
        row(404, chair=200, member=200, expert=403),
        body=lambda w: {"scores": w.rnd.scores(8)},
    ),
    Endpoint(
        "ranking during scoring",
        "merit",
        "get",
        "/evaluations/{ev}/ranking/",
        row(404, chair=200, **for_roles(STAFF, 409), **for_roles(MEMBERS, 403)),
    ),
    Endpoint(
        "progress",
        "merit",
        "get",
        "/evaluations/{ev}/progress/",
        row(404, chair=200, **for_roles(STAFF, 200), **for_roles(MEMBERS, 403)),
    ),
    Endpoint(
        "leniency during scoring",
        "merit",
        "get",
        "/evaluations/{ev}/leniency/",
        row(404, chair=200, **for_roles(STAFF, 409), **for_roles(MEMBERS, 403)),
    ),
    Endpoint(
        "score sheets of the round",
        "merit",
        "get",
        "/evaluations/{ev}/score-sheets/",
        row(404, chair=200, **for_roles(STAFF, 200), **for_roles(MEMBERS, 403)),
    ),
    Endpoint(
        "propose before scoring closes",
        "merit",
        "post",
        "/awards/{award_a}/propose/",
        row(404, chair=409, **for_roles(STAFF, 403)),
        body=lambda w: {"amount": "30000"},
        setup=award_before_close,
    ),
    Endpoint(
        "a score sheet", "drafted", "get", "/score-sheets/{member_sheet_a}/", row(404, member=200, chair=200)
    ),
    Endpoint(
        "a score sheet's audit",
        "drafted",
        "get",
        "/score-sheets/{member_sheet_a}/audit/",
        row(404, member=200, chair=403),
    ),
    Endpoint(
        "a score sheet's transitions",
        "drafted",
        "get",
        "/score-sheets/{member_sheet_a}/transitions/",
        row(404, member=200, chair=200),
    ),
    Endpoint(
        "submit a sheet",
        "drafted",
        "post",
        "/score-sheets/{member_sheet_a}/submit/",
        row(404, member=200, chair=403),
        body=lambda w: {},
    ),
    Endpoint(
        "reopen a sheet",
        "submitted",
        "post",
        "/score-sheets/{member_sheet_a}/reopen/",
        row(404, chair=200, member=403),
        body=lambda w: {"reason": "Pomyłka"},
    ),
    Endpoint(
        "close scoring",
        "scored",
        "post",
        "/evaluations/{ev}/close-scoring/",
        row(404, chair=200, **for_roles(STAFF, 403), **for_roles(MEMBERS, 403)),
        body=lambda w: {"signed_by": "A, B, C"},
    ),
    # --- after scoring: ranking, award, decision ----------------------------------------------------------
    Endpoint(
        "ranking after scoring",
        "closed",
        "get",
        "/evaluations/{ev}/ranking/",
        row(404, **for_roles(STAFF, 200), **for_roles(SEATED, 200)),
    ),
    Endpoint(
        "leniency after scoring",
        "closed",
        "get",
        "/evaluations/{ev}/leniency/",
        row(404, chair=200, **for_roles(STAFF, 200), **for_roles(MEMBERS, 403)),
    ),
    Endpoint(
        "score after closing",
        "closed",
        "put",
        "/member-offers/{offer_a}/scores/",
        row(404, chair=409, member=409, expert=403),
        body=lambda w: {"scores": w.rnd.scores(2)},
    ),
    Endpoint("award", "closed", "get", "/awards/{award_a}/", row(404, **for_roles(STAFF, 200), chair=200)),
    Endpoint(
        "award transitions",
        "closed",
        "get",
        "/awards/{award_a}/transitions/",
        row(404, **for_roles(STAFF, 200), chair=200),
    ),
    Endpoint(
        "propose",
        "closed",
        "post",
        "/awards/{award_a}/propose/",
        row(404, chair=200, **for_roles(STAFF, 403)),
        body=lambda w: {"amount": "25000", "cut_reason": "Zawyżone koszty"},
    ),
    Endpoint(
        "decide",
        "closed",
        "post",
        "/awards/{award_a}/decide/",
        row(404, approver=200, officer=403, chair=403),
        body=lambda w: {"select": True, "amount": "30000"},
    ),
    Endpoint(
        "resolve before every decision",
        "closed",
        "post",
        "/evaluations/{ev}/resolve/",
        row(404, approver=409, officer=403, **for_roles(SEATED, 403)),
        body=lambda w: {"decision_reference": "Zarządzenie 9/2027"},
    ),
    Endpoint(
        "results before publication",
        "closed",
        "get",
        "/competitions/{competition}/results/",
        row(404, anonymous=404),
    ),
    Endpoint(
        "evaluation card before the results",
        "closed",
        "get",
        "/offers/{offer_a}/evaluation-card/",
        row(404, ngo_admin=409, **for_roles(STAFF, 403)),
    ),
    Endpoint(
        "ask for justification before the results",
        "closed",
        "post",
        "/competitions/{competition}/justification-requests/",
        row(409, anonymous=409),
        body=lambda w: JUSTIFICATION,
    ),
    Endpoint(
        "resolve",
        "decided",
        "post",
        "/evaluations/{ev}/resolve/",
        row(404, approver=200, officer=403, **for_roles(SEATED, 403)),
        body=lambda w: {"decision_reference": "Zarządzenie 9/2027"},
    ),
    # --- the published results ---------------------------------------------------------------------------
    Endpoint("results", "resolved", "get", "/competitions/{competition}/results/", row(200, anonymous=200)),
    Endpoint(
        "evaluation card",
        "resolved",
        "get",
        "/offers/{offer_a}/evaluation-card/",
        row(404, ngo_admin=200, **for_roles(STAFF, 403)),
    ),
    Endpoint(
        "evaluation card of offer B",
        "resolved",
        "get",
        "/offers/{offer_b}/evaluation-card/",
        row(404, other_ngo=200, **for_roles(STAFF, 403)),
    ),
    Endpoint(
        "award after the results",
        "resolved",
        "get",
        "/awards/{award_a}/",
        row(404, **for_roles(STAFF, 200), chair=200, ngo_admin=200),
    ),
    Endpoint(
        "award audit after the results",
        "resolved",
        "get",
        "/awards/{award_a}/audit/",
        row(404, **for_roles(STAFF, 200), chair=200, ngo_admin=403),
    ),
    Endpoint(
        "update a section",
        "resolved",
        "put",
        "/awards/{award_a}/update/sources/",
        row(404, ngo_admin=200, **for_roles(STAFF, 403), chair=403),
        body=lambda w: {"data": {"own_financial": "4000.00"}, "base_revision": 0},
    ),
    Endpoint(
        "accept without an update",
        "resolved",
        "post",
        "/awards/{award_a}/accept-with-update/",
        row(404, ngo_admin=409, **for_roles(STAFF, 403), chair=403),
        body=lambda w: {},
    ),
    Endpoint(
        "decline",
        "resolved",
        "post",
        "/awards/{award_a}/decline/",
        row(404, ngo_admin=200, **for_roles(STAFF, 403), chair=403),
        body=lambda w: {},
    ),
    Endpoint(
        "ask for justification",
        "resolved",
        "post",
        "/competitions/{competition}/justification-requests/",
        row(201, anonymous=201),
        body=lambda w: JUSTIFICATION,
    ),
    Endpoint(
        "justification queue",
        "resolved",
        "get",
        "/competitions/{competition}/justification-requests/",
        row(404, **for_roles(STAFF, 200)),
    ),
    Endpoint(
        "answer a justification request",
        "resolved",
        "post",
        "/competitions/{competition}/justification-requests/{request}/answer/",
        row(404, officer=200, approver=403),
        body=lambda w: {"answer": "Oferta nie osiągnęła progu."},
        setup=a_request,
    ),
)


class World:
    """The round of one stage, built once through the services, and the people."""

    def __init__(self, request, stage: str):
        get = request.getfixturevalue
        self.rnd = Round(
            authority=get("authority"),
            officer=get("officer"),
            approver=get("approver"),
            organization=get("organization"),
            ngo_admin=get("ngo_admin"),
        ).to(stage)
        self.extra: dict[str, int] = {}
        rnd = self.rnd
        self.users = {
            "anonymous": None,
            "stranger": get("stranger"),
            "ngo_admin": rnd.ngo_admin,
            "other_ngo": rnd.other_ngo,
            "officer": rnd.officer,
            "approver": rnd.approver,
            "other_officer": staff(AuthorityFactory(), AuthorityRole.OFFICER),
            "chair": rnd.chair,
            "member": rnd.member,
            "conflicted": rnd.conflicted,
            "expert": rnd.expert,
            "other_member": rnd.other_member,
        }

    def ids(self) -> dict[str, int]:
        rnd = self.rnd
        ids = {
            "ev": rnd.evaluation.pk,
            "competition": rnd.competition.pk,
            "check_a": rnd.check(rnd.offer_a).pk,
            "committee": rnd.committee.pk,
            "member_seat": rnd.seat(rnd.member).pk,
            "offer_a": rnd.offer_a.pk,
            "offer_b": rnd.offer_b.pk,
            **self.extra,
        }
        declaration = Declaration.objects.filter(seat__user=rnd.member, offer=rnd.offer_b).first()
        sheet = ScoreSheet.objects.filter(seat__user=rnd.member, offer=rnd.offer_a).first()
        award = Award.objects.filter(offer=rnd.offer_a).first()
        for key, found in (("member_decl_b", declaration), ("member_sheet_a", sheet), ("award_a", award)):
            if found is not None:
                ids[key] = found.pk
        return ids


def written_state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        AuditEvent.objects.count(),
        sorted(Evaluation.objects.values_list("pk", "state")),
        sorted(FormalCheck.objects.values_list("pk", "state")),
        sorted(CheckItemResult.objects.values_list("pk", "outcome", "note")),
        sorted(Committee.objects.values_list("pk", "state", "quorum")),
        sorted(Seat.objects.values_list("pk", "is_active", "role")),
        sorted(Declaration.objects.values_list("pk", "state")),
        sorted(ScoreSheet.objects.values_list("pk", "state", "comment")),
        sorted(Score.objects.values_list("pk", "points")),
        sorted(Award.objects.values_list("pk", "state", "proposed_amount", "decided_amount")),
        sorted(AwardUpdate.objects.values_list("pk", "revision")),
        sorted(JustificationRequest.objects.values_list("pk", "answered_at")),
    )


def _request(endpoint: Endpoint, world: World, ids: dict[str, int], role: str):
    api = act_as(client(), world.users[role])
    url = API + endpoint.path.format_map(ids)
    if endpoint.method == "get":
        return api.get(url)
    body = endpoint.body(world) if endpoint.body else None
    return getattr(api, endpoint.method)(url, body, format="json")


def test_every_row_names_a_known_stage():
    assert {e.stage for e in ENDPOINTS} <= set(STAGES)
    assert len({e.name for e in ENDPOINTS}) == len(ENDPOINTS)


@pytest.mark.django_db
@pytest.mark.parametrize("stage", sorted({e.stage for e in ENDPOINTS}, key=STAGES.index))
def test_permission_matrix(request, stage):
    world = World(request, stage)
    wrong: dict[str, dict[str, tuple]] = {}
    wrote: dict[str, list[str]] = {}
    for endpoint in (e for e in ENDPOINTS if e.stage == stage):
        with transaction.atomic():
            world.extra = {}
            if endpoint.setup:
                endpoint.setup(world)
            ids = world.ids()
            for role in ROLES:
                with transaction.atomic():
                    before = written_state()
                    response = _request(endpoint, world, ids, role)
                    if endpoint.expected[role] >= 400 and written_state() != before:
                        wrote.setdefault(endpoint.name, []).append(role)
                    transaction.set_rollback(True)  # the next role meets the same round
                if response.status_code != endpoint.expected[role]:
                    wrong.setdefault(endpoint.name, {})[role] = (
                        endpoint.expected[role],
                        response.status_code,
                        getattr(response, "content", b"")[:200],
                    )
            transaction.set_rollback(True)  # and so does the next row
    assert wrong == {}, "row: {role: (expected, got, body)}"
    assert wrote == {}, "a refused request changed something"
