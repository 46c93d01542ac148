"""The evaluation and award API: every endpoint, with good and bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from competitions.models import AuthorityRole, Criterion
from evaluation.models import (
    Award,
    Declaration,
    DeclarationState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    Score,
    ScoreSheet,
    Seat,
    SheetState,
)
from offers.models import Offer, OfferState
from workflow.audit import audit_events_for

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OrganizationFactory,
    UserFactory,
    representative,
    staff,
)
from .evaluation_support import Round
from .support import API, act_as, client, clock, count_queries, errors_of

pytestmark = pytest.mark.django_db

BAD_IDS = ["abc", "0", "-1", "99999999999999999999", "1e5"]


@pytest.fixture
def api():
    return client()


@pytest.fixture
def rnd(authority, officer, approver, organization, ngo_admin):
    return Round(
        authority=authority,
        officer=officer,
        approver=approver,
        organization=organization,
        ngo_admin=ngo_admin,
    )


def ev_url(rnd, suffix=""):
    return f"{API}/evaluations/{rnd.evaluation.pk}/{suffix}"


def status_of(api, user, method, url, body=None):
    act_as(api, user)
    if method == "get":
        return api.get(url).status_code
    return getattr(api, method)(url, body, format="json").status_code


# --- starting the evaluation ---------------------------------------------------------------------


def test_the_officer_starts_the_formal_review(api, rnd, officer):
    response = act_as(api, officer).post(
        f"{API}/competitions/{rnd.competition.pk}/evaluation/", {}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "formal_review"
    assert body["counts"] == {
        "offers": 2,
        "formal_checks": {"open": 2},
        "awards": {},
        "justification_requests": 0,
    }
    assert body["committee"] == rnd.committee.pk
    assert body["my_seat"] is None
    again = api.post(f"{API}/competitions/{rnd.competition.pk}/evaluation/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_started"


def test_only_the_officer_starts_and_only_once_submissions_closed(
    api, authority, officer, approver, ngo_admin
):
    published = CompetitionFactory(authority=authority, published=True)
    url = f"{API}/competitions/{published.pk}/evaluation/"
    assert status_of(api, approver, "post", url, {}) == 403
    assert status_of(api, ngo_admin, "post", url, {}) == 403
    assert status_of(api, officer, "post", url, {}) == 409
    empty = CompetitionFactory(authority=authority, closed=True)
    refused = act_as(api, officer).post(f"{API}/competitions/{empty.pk}/evaluation/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "no_offers"
    draft = CompetitionFactory(authority=authority)
    assert (
        status_of(
            api,
            staff(AuthorityFactory(), AuthorityRole.OFFICER),
            "post",
            f"{API}/competitions/{draft.pk}/evaluation/",
            {},
        )
        == 404
    )
    assert Evaluation.objects.count() == 0


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_garbage_ids_are_404(api, rnd, officer, bad_id):
    rnd.to("formal")
    act_as(api, officer)
    for prefix in (
        "evaluations",
        "formal-checks",
        "committees",
        "declarations",
        "member-offers",
        "score-sheets",
        "awards",
    ):
        for suffix in ("", "transitions/", "audit/"):
            if prefix == "member-offers" and suffix:
                continue
            assert api.get(f"{API}/{prefix}/{bad_id}/{suffix}").status_code == 404, (prefix, suffix)
    for suffix in (
        "ranking/",
        "progress/",
        "leniency/",
        "formal-checks/",
        "my-declarations/",
        "score-sheets/",
    ):
        assert api.get(f"{API}/evaluations/{bad_id}/{suffix}").status_code == 404, suffix
    assert api.post(f"{API}/evaluations/{bad_id}/resolve/", {}, format="json").status_code == 404
    assert api.put(f"{API}/formal-checks/{bad_id}/items/", {"items": {}}, format="json").status_code == 404
    assert api.put(f"{API}/member-offers/{bad_id}/scores/", {"scores": {}}, format="json").status_code == 404
    assert api.put(f"{API}/awards/{bad_id}/update/costs/", {"data": {}}, format="json").status_code == 404
    assert api.post(f"{API}/competitions/{bad_id}/evaluation/", {}, format="json").status_code == 404
    assert api.get(f"{API}/competitions/{bad_id}/results/").status_code == 404
    assert api.get(f"{API}/offers/{bad_id}/evaluation-card/").status_code == 404
    committee = rnd.committee.pk
    assert api.delete(f"{API}/committees/{committee}/seats/{bad_id}/").status_code == 404
    assert (
        api.post(
            f"{API}/competitions/{rnd.competition.pk}/justification-requests/{bad_id}/answer/",
            {"answer": "x"},
            format="json",
        ).status_code
        == 404
    )


# --- the round ------------------------------------------------------------------------------------


def test_list_shows_the_rounds_you_run_or_sit_on(api, rnd, officer, stranger):
    rnd.to("formal")
    elsewhere = AuthorityFactory()
    other_organization = OrganizationFactory()
    Round(
        authority=elsewhere,
        officer=staff(elsewhere, "officer"),
        approver=staff(elsewhere, "approver"),
        organization=other_organization,
        ngo_admin=representative(other_organization),
    ).to("formal")
    ids = [row["id"] for row in act_as(api, officer).get(f"{API}/evaluations/").json()["results"]]
    assert ids == [rnd.evaluation.pk]
    assert [row["id"] for row in act_as(api, rnd.member).get(f"{API}/evaluations/").json()["results"]] == [
        rnd.evaluation.pk
    ]
    assert act_as(api, stranger).get(f"{API}/evaluations/").json()["results"] == []
    filtered = act_as(api, officer).get(f"{API}/evaluations/", {"competition": rnd.competition.pk + 1000})
    assert filtered.json()["results"] == []
    assert act_as(api, officer).get(f"{API}/evaluations/", {"state": "nonsense"}).status_code == 400


def test_detail_shows_state_counts_and_your_seat(api, rnd):
    rnd.to("defect")
    body = act_as(api, rnd.chair).get(ev_url(rnd)).json()
    assert body["state"] == "formal_review"
    assert body["my_seat"] == {"id": rnd.seat(rnd.chair).pk, "role": "chair"}
    assert body["counts"]["formal_checks"] == {"open": 2}
    assert body["competition"]["id"] == rnd.competition.pk


def test_start_merit_review_explains_why_not_then_hands_over(api, rnd, officer):
    rnd.to("formal")
    refused = act_as(api, officer).post(ev_url(rnd, "start-merit-review/"), {}, format="json")
    assert refused.status_code == 409
    assert {r["code"] for r in refused.json()["reasons"]} == {"formal_checks_open", "committee_not_appointed"}
    transitions = {t["name"]: t for t in api.get(ev_url(rnd, "transitions/")).json()}
    assert transitions["start_merit_review"]["allowed"] is False
    rnd.to("merit")
    assert rnd.refresh().evaluation.state == EvaluationState.MERIT_REVIEW
    events = api.get(ev_url(rnd, "audit/")).json()
    assert [e["target_state"] for e in events] == ["formal_review", "merit_review"]


def test_close_scoring_needs_the_signatures_the_quorum_and_the_chair(api, rnd):
    rnd.to("submitted")
    url = ev_url(rnd, "close-scoring/")
    unsigned = act_as(api, rnd.chair).post(url, {"signed_by": "  "}, format="json")
    assert unsigned.status_code == 400 and list(errors_of(unsigned)) == ["signed_by"]
    short = api.post(url, {"signed_by": "A, B"}, format="json")
    assert short.status_code == 409 and short.json()["reasons"][0]["code"] == "quorum_not_reached"
    rnd.to("scored")
    assert status_of(api, rnd.member, "post", url, {"signed_by": "A, B"}) == 403
    closed = act_as(api, rnd.chair).post(url, {"signed_by": "A, B"}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "awaiting_decision"
    assert closed.json()["protocol_signed_by"] == "A, B"
    assert Award.objects.filter(offer__competition=rnd.competition).count() == 2


def test_resolve_needs_a_decision_reference_and_every_decision(api, rnd, approver, officer):
    rnd.to("closed")
    url = ev_url(rnd, "resolve/")
    blank = act_as(api, approver).post(url, {"decision_reference": ""}, format="json")
    assert blank.status_code == 400 and list(errors_of(blank)) == ["decision_reference"]
    undecided = api.post(url, {"decision_reference": "Zarządzenie 9/2027"}, format="json")
    assert undecided.status_code == 409 and undecided.json()["reasons"][0]["code"] == "awards_undecided"
    rnd.to("decided")
    assert status_of(api, officer, "post", url, {"decision_reference": "Z 9"}) == 403
    resolved = act_as(api, approver).post(url, {"decision_reference": "Zarządzenie 9/2027"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    assert resolved.json()["counts"]["awards"] == {"awaiting_update": 1, "not_selected": 1}


# --- ranking, progress, leniency ---------------------------------------------------------------------


def test_ranking_for_the_chair_during_scoring_and_the_authority_after(api, rnd, officer, approver):
    rnd.to("scored")
    url = ev_url(rnd, "ranking/")
    response = act_as(api, rnd.chair).get(url)
    assert response.status_code == 200
    (area,) = response.json()
    assert area["task_area"]["id"] == rnd.area.pk and area["max_points"] == "25.00"
    assert [c["id"] for c in area["criteria"]] == [c.pk for c in rnd.criteria]
    first, second = area["rows"]
    assert (first["offer"], second["offer"]) == (rnd.offer_a.pk, rnd.offer_b.pk)
    assert first["organization"]["id"] == rnd.organization.pk and first["title"] == rnd.offer_a.title
    assert first["sheets"] == 3 and first["rank"] == 1 and first["passed"] is True
    assert first["criteria"] == {
        str(rnd.criteria[0].pk): "5.00",
        str(rnd.criteria[1].pk): "8.67",
        str(rnd.criteria[2].pk): "8.67",
    }
    assert first["mean"] == "22.33" and first["spread"] == "2.00" and first["flagged"] is False
    assert second["passed"] is False and second["award"] is None
    for user in (rnd.member, rnd.conflicted, rnd.expert):
        assert status_of(api, user, "get", url) == 403  # members do not see each other's scores
    for user in (officer, approver):
        refused = act_as(api, user).get(url)
        assert refused.status_code == 409 and refused.json()["code"] == "scoring_open"
    rnd.to("closed")
    for user in (officer, approver, rnd.member):
        assert status_of(api, user, "get", url) == 200
    rows = act_as(api, officer).get(url).json()[0]["rows"]
    assert rows[0]["award"]["state"] == "pending"
    for user in (rnd.ngo_admin, rnd.other_ngo, rnd.other_member, staff(AuthorityFactory(), "officer")):
        assert status_of(api, user, "get", url) == 404


def test_progress_for_the_chair_and_the_authority(api, rnd, officer):
    rnd.to("submitted")
    url = ev_url(rnd, "progress/")
    body = act_as(api, rnd.chair).get(url).json()
    assert body["needed"] == 2
    assert {row["offer"]: row["submitted"] for row in body["offers"]} == {
        rnd.offer_a.pk: 1,
        rnd.offer_b.pk: 0,
    }
    members = {row["seat"]: row for row in body["members"]}
    member = members[rnd.seat(rnd.member).pk]
    assert (member["pending"], member["impartial"], member["submitted"], member["votes"]) == (1, 1, 1, True)
    assert members[rnd.seat(rnd.conflicted).pk]["excluded"] == 1
    assert members[rnd.seat(rnd.expert).pk]["votes"] is False
    assert status_of(api, officer, "get", url) == 200
    assert status_of(api, rnd.member, "get", url) == 403
    assert status_of(api, rnd.ngo_admin, "get", url) == 404


def test_leniency_for_the_chair_and_the_authority_after_scoring(api, rnd, officer):
    rnd.to("scored")
    url = ev_url(rnd, "leniency/")
    rows = act_as(api, rnd.chair).get(url).json()
    deviations = {row["seat"]: row for row in rows}
    member = deviations[rnd.seat(rnd.member).pk]
    assert member["offers"] == 1 and Decimal(member["deviation"]) < 0  # stricter than the others on A
    assert status_of(api, officer, "get", url) == 409
    assert status_of(api, rnd.member, "get", url) == 403
    rnd.to("closed")
    assert status_of(api, officer, "get", url) == 200
    assert status_of(api, rnd.member, "get", url) == 403


def test_formal_checks_list_for_the_authority(api, rnd, officer):
    rnd.to("defect")
    body = act_as(api, officer).get(ev_url(rnd, "formal-checks/")).json()
    assert body["count"] == 2
    first = next(row for row in body["results"] if row["offer"]["id"] == rnd.offer_a.pk)
    assert [(i["item"], i["outcome"]) for i in first["items"]] == [
        (rnd.signed.pk, "defect"),
        (rnd.on_time.pk, "met"),
    ]
    for user in (rnd.chair, rnd.ngo_admin):
        assert status_of(api, user, "get", ev_url(rnd, "formal-checks/")) == 404


def test_score_sheets_list_shows_states_not_points(api, rnd, officer):
    rnd.to("submitted")
    url = ev_url(rnd, "score-sheets/")
    body = act_as(api, rnd.chair).get(url, {"offer": rnd.offer_a.pk}).json()
    assert [(row["seat"], row["state"], row["scores"], row["comment"]) for row in body["results"]] == [
        (rnd.seat(rnd.member).pk, "submitted", None, None)
    ]
    assert api.get(url, {"seat": rnd.seat(rnd.chair).pk}).json()["count"] == 0
    bad = api.get(url, {"offer": "abc"})
    assert bad.status_code == 400 and "offer" in errors_of(bad)
    assert status_of(api, officer, "get", url) == 200
    assert status_of(api, rnd.member, "get", url) == 403


# --- the formal check ------------------------------------------------------------------------------------


def check_url(rnd, offer, suffix=""):
    return f"{API}/formal-checks/{rnd.check(offer).pk}/{suffix}"


def items(rnd, signed=("met", ""), on_time=("met", "")):
    return {
        "items": {
            str(rnd.signed.pk): {"outcome": signed[0], "note": signed[1]},
            str(rnd.on_time.pk): {"outcome": on_time[0], "note": on_time[1]},
        }
    }


def test_the_officer_records_the_checklist(api, rnd, officer):
    rnd.to("formal")
    response = act_as(api, officer).put(
        check_url(rnd, rnd.offer_a, "items/"), items(rnd, signed=("defect", "Brak podpisu")), format="json"
    )
    assert response.status_code == 200, response.content
    assert [(i["outcome"], i["note"]) for i in response.json()["items"]] == [
        ("defect", "Brak podpisu"),
        ("met", ""),
    ]
    assert [e["action"] for e in api.get(check_url(rnd, rnd.offer_a, "audit/")).json()] == [
        "evaluation.formalcheck.record"
    ]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (lambda r: {"items": {"999999": {"outcome": "met"}}}, "items.999999"),
        (lambda r: {"items": {"abc": {"outcome": "met"}}}, "items.abc"),
        (lambda r: {"items": {str(r.signed.pk): "met"}}, "items.{signed}"),
        (lambda r: {"items": {str(r.signed.pk): {"outcome": "maybe"}}}, "items.{signed}"),
        (lambda r: {"items": {str(r.signed.pk): {"outcome": "defect", "note": " "}}}, "items.{signed}"),
        (lambda r: {"items": ["met"]}, "items"),
        (lambda r: {}, "items"),
    ],
)
def test_checklist_bad_input_is_400_at_the_item(api, rnd, officer, body, key):
    rnd.to("formal")
    response = act_as(api, officer).put(check_url(rnd, rnd.offer_a, "items/"), body(rnd), format="json")
    assert response.status_code == 400, response.content
    assert list(errors_of(response)) == [key.format(signed=rnd.signed.pk)]
    assert not rnd.check(rnd.offer_a).items.exists()


def test_only_the_officer_records_and_only_while_open(api, rnd, officer, approver):
    rnd.to("formal")
    url = check_url(rnd, rnd.offer_a, "items/")
    assert status_of(api, approver, "put", url, items(rnd)) == 403
    assert status_of(api, rnd.ngo_admin, "put", url, items(rnd)) == 403
    assert status_of(api, rnd.other_ngo, "put", url, items(rnd)) == 404
    assert status_of(api, officer, "put", url, items(rnd)) == 200
    assert (
        act_as(api, officer).post(check_url(rnd, rnd.offer_a, "accept/"), {}, format="json").status_code
        == 200
    )
    closed = act_as(api, officer).put(url, items(rnd), format="json")
    assert closed.status_code == 409 and closed.json()["code"] == "check_closed"


def test_call_to_remedy_and_the_offerors_answer(api, rnd, officer):
    rnd.to("defect")
    url = check_url(rnd, rnd.offer_a, "request-remedy/")
    bad = act_as(api, officer).post(url, {"message": " ", "sections": ["task"]}, format="json")
    assert bad.status_code == 400 and set(errors_of(bad)) == {"message", "sections"}
    wrong_type = api.post(url, {"message": "Uzupełnij", "sections": "declarations"}, format="json")
    assert wrong_type.status_code == 400 and "sections" in errors_of(wrong_type)
    called = api.post(url, {"message": "Uzupełnij podpis", "sections": ["declarations"]}, format="json")
    assert called.status_code == 200 and called.json()["state"] == "remedy_requested"
    assert called.json()["remedy_deadline"]
    seen = act_as(api, rnd.ngo_admin).get(check_url(rnd, rnd.offer_a))
    assert seen.status_code == 200 and seen.json()["remedy_message"] == "Uzupełnij podpis"
    assert status_of(api, rnd.other_ngo, "get", check_url(rnd, rnd.offer_a)) == 404
    assert status_of(api, officer, "post", check_url(rnd, rnd.offer_a, "remedy/"), {}) == 403
    remedied = act_as(api, rnd.ngo_admin).post(check_url(rnd, rnd.offer_a, "remedy/"), {}, format="json")
    assert remedied.status_code == 200 and remedied.json()["state"] == "remedied"
    assert rnd.offer_a.__class__.objects.get(pk=rnd.offer_a.pk).snapshot_sha256 != "0" * 64


def test_remedy_is_refused_after_its_deadline(api, rnd):
    rnd.to("remedy_requested")
    deadline = rnd.check(rnd.offer_a).remedy_deadline
    with clock(deadline + dt.timedelta(minutes=1)):
        late = act_as(api, rnd.ngo_admin).post(check_url(rnd, rnd.offer_a, "remedy/"), {}, format="json")
    assert late.status_code == 409 and late.json()["reasons"][0]["code"] == "remedy_deadline_passed"


def test_a_defect_that_cannot_be_remedied_is_refused(api, rnd, officer):
    rnd.to("formal")
    rnd.record(rnd.offer_b, on_time="defect")
    refused = act_as(api, officer).post(
        check_url(rnd, rnd.offer_b, "request-remedy/"),
        {"message": "Uzupełnij", "sections": ["attachments"]},
        format="json",
    )
    assert refused.status_code == 409 and refused.json()["reasons"][0]["code"] == "not_remediable"


def test_accept_and_reject(api, rnd, officer):
    rnd.to("defect")
    with_defect = act_as(api, officer).post(check_url(rnd, rnd.offer_a, "accept/"), {}, format="json")
    assert with_defect.status_code == 409 and "has_defects" in [
        r["code"] for r in with_defect.json()["reasons"]
    ]
    no_reasons = api.post(check_url(rnd, rnd.offer_a, "reject/"), {"reasons": ""}, format="json")
    assert no_reasons.status_code == 400 and list(errors_of(no_reasons)) == ["reasons"]
    missing = api.post(check_url(rnd, rnd.offer_a, "reject/"), {}, format="json")
    assert missing.status_code == 400 and "reasons" in errors_of(missing)
    rejected = api.post(check_url(rnd, rnd.offer_a, "reject/"), {"reasons": "Brak podpisu"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["reasons"] == "Brak podpisu"
    incomplete = api.post(check_url(rnd, rnd.offer_b, "accept/"), {}, format="json")
    assert incomplete.status_code == 409 and incomplete.json()["reasons"][0]["code"] == "checklist_incomplete"
    rnd.record(rnd.offer_b)
    assert api.post(check_url(rnd, rnd.offer_b, "accept/"), {}, format="json").json()["state"] == "accepted"
    transitions = {
        t["name"]: t["allowed"] for t in api.get(check_url(rnd, rnd.offer_b, "transitions/")).json()
    }
    assert transitions["accept"] is False


# --- the committee -------------------------------------------------------------------------------------


def committee_url(rnd, suffix=""):
    return f"{API}/committees/{rnd.committee.pk}/{suffix}"


def test_committee_detail_for_the_authority_and_its_members(api, rnd, officer):
    rnd.to("formal")
    body = act_as(api, officer).get(committee_url(rnd)).json()
    assert body["state"] == "forming"
    seats = {s["user"]: s for s in body["seats"]}
    assert seats[rnd.chair.pk]["role"] == "chair"
    assert seats[rnd.expert.pk]["votes"] is False
    assert seats[rnd.nominee.pk]["nominated_by_name"] == "Rada Działalności Pożytku Publicznego"
    assert status_of(api, rnd.member, "get", committee_url(rnd)) == 200
    for user in (rnd.ngo_admin, rnd.other_member, staff(AuthorityFactory(), "officer")):
        assert status_of(api, user, "get", committee_url(rnd)) == 404


def test_configure_the_committee(api, rnd, officer):
    rnd.to("formal")
    act_as(api, officer)
    changed = api.patch(committee_url(rnd), {"quorum": 3, "comment_below_pct": "40.00"}, format="json")
    assert changed.status_code == 200 and (changed.json()["quorum"], changed.json()["comment_below_pct"]) == (
        3,
        "40.00",
    )
    for body, key in (
        ({"quorum": 0}, "quorum"),
        ({"comment_below_pct": "150"}, "comment_below_pct"),
        ({"spread_flag_pct": "abc"}, "spread_flag_pct"),
        ({"ngo_absence": "nobody_cares"}, "ngo_absence"),
        ({"ngo_absence": "none_nominated"}, "ngo_absence_note"),
    ):
        response = api.patch(committee_url(rnd), body, format="json")
        assert response.status_code == 400 and list(errors_of(response)) == [key], (body, response.content)
    assert api.patch(committee_url(rnd), {"quorum": None}, format="json").json()["quorum"] is None
    assert status_of(api, rnd.chair, "patch", committee_url(rnd), {"quorum": 2}) == 403
    act_as(api, officer).post(committee_url(rnd, "appoint/"), {"appointment_reference": "Z 7"}, format="json")
    appointed = api.patch(committee_url(rnd), {"quorum": 2}, format="json")
    assert appointed.status_code == 409 and appointed.json()["code"] == "committee_appointed"


def test_seat_a_person_and_remove_them(api, rnd, officer):
    rnd.to("formal")
    person = UserFactory()
    act_as(api, officer)
    seated = api.post(committee_url(rnd, "seats/"), {"user": person.pk, "role": "secretary"}, format="json")
    assert seated.status_code == 201 and seated.json()["role"] == "secretary"
    nominee = api.post(
        committee_url(rnd, "seats/"),
        {"user": UserFactory().pk, "kind": "ngo_nominee", "nominated_by": OrganizationFactory().pk},
        format="json",
    )
    assert nominee.status_code == 201 and nominee.json()["nominated_by"]["id"]
    removed = api.delete(committee_url(rnd, f"seats/{seated.json()['id']}/"))
    assert removed.status_code == 204
    assert not Seat.objects.get(pk=seated.json()["id"]).is_active
    assert api.delete(committee_url(rnd, f"seats/{seated.json()['id']}/")).status_code == 404
    assert [e["action"] for e in api.get(committee_url(rnd, "audit/")).json()][-3:] == [
        "evaluation.committee.seat",
        "evaluation.committee.seat",
        "evaluation.committee.remove_seat",
    ]


def test_seat_bad_input(api, rnd, officer):
    rnd.to("formal")
    act_as(api, officer)
    cases = (
        ({"user": 99999999}, "user"),
        ({"user": "abc"}, "user"),
        ({"user": UserFactory().pk, "role": "king"}, "role"),
        ({"user": UserFactory().pk, "kind": "alien"}, "kind"),
        ({"user": UserFactory().pk, "kind": "ngo_nominee"}, "nominated_by"),
        ({"user": UserFactory().pk, "kind": "ngo_nominee", "nominated_by": 99999999}, "nominated_by"),
        # art. 15 ust. 2d: nobody nominated by an organisation that takes part
        (
            {"user": UserFactory().pk, "kind": "ngo_nominee", "nominated_by": rnd.organization.pk},
            "nominated_by",
        ),
        ({"user": UserFactory().pk, "role": "chair"}, "role"),
        ({"user": UserFactory().pk, "role": "expert", "kind": "authority"}, "role"),
    )
    seats = Seat.objects.count()
    for body, key in cases:
        response = api.post(committee_url(rnd, "seats/"), body, format="json")
        assert response.status_code == 400 and list(errors_of(response)) == [key], (body, response.content)
    assert Seat.objects.count() == seats
    assert status_of(api, rnd.chair, "post", committee_url(rnd, "seats/"), {"user": UserFactory().pk}) == 403


def test_appoint_and_reform(api, rnd, officer):
    rnd.to("formal")
    act_as(api, officer)
    blank = api.post(committee_url(rnd, "appoint/"), {"appointment_reference": ""}, format="json")
    assert blank.status_code == 400 and list(errors_of(blank)) == ["appointment_reference"]
    api.delete(committee_url(rnd, f"seats/{rnd.seat(rnd.chair).pk}/"))
    chairless = api.post(committee_url(rnd, "appoint/"), {"appointment_reference": "Z 7"}, format="json")
    assert chairless.status_code == 409 and chairless.json()["reasons"][0]["code"] == "one_chair"
    api.post(committee_url(rnd, "seats/"), {"user": rnd.chair.pk, "role": "chair"}, format="json")
    appointed = api.post(committee_url(rnd, "appoint/"), {"appointment_reference": "Z 7"}, format="json")
    assert appointed.status_code == 200 and appointed.json()["appointment_reference"] == "Z 7"
    reformed = api.post(committee_url(rnd, "reform/"), {"reason": "Zmiana składu"}, format="json")
    assert reformed.status_code == 200 and reformed.json()["state"] == "forming"
    api.post(committee_url(rnd, "appoint/"), {"appointment_reference": "Z 8"}, format="json")
    rnd.to("merit")
    late = api.post(committee_url(rnd, "reform/"), {}, format="json")
    assert late.status_code == 409 and late.json()["reasons"][0]["code"] == "scoring_started"


# --- impartiality -------------------------------------------------------------------------------------------


def test_my_declarations_show_names_not_content(api, rnd):
    rnd.to("formal")
    assert status_of(api, rnd.member, "get", ev_url(rnd, "my-declarations/")) == 404  # not handed over yet
    rnd.to("merit")
    body = act_as(api, rnd.member).get(ev_url(rnd, "my-declarations/")).json()
    assert [(row["offer"], row["organization"]["name"], row["state"]) for row in body["results"]] == [
        (rnd.offer_a.pk, rnd.organization.name, "impartial"),
        (rnd.offer_b.pk, rnd.other_organization.name, "pending"),
    ]
    assert set(body["results"][0]) == {
        "id",
        "offer",
        "organization",
        "task_area",
        "state",
        "state_label",
        "ground",
        "declared_at",
    }
    for user in (rnd.ngo_admin, rnd.officer, rnd.other_member):
        assert status_of(api, user, "get", ev_url(rnd, "my-declarations/")) == 404


def test_declare_impartiality_or_a_conflict(api, rnd):
    rnd.to("merit")
    declaration = rnd.declaration(rnd.member, rnd.offer_b)
    url = f"{API}/declarations/{declaration.pk}/"
    assert act_as(api, rnd.member).get(url).json()["state"] == "pending"
    missing = api.post(url + "declare/", {"ground": "x"}, format="json")
    assert missing.status_code == 400 and list(errors_of(missing)) == ["impartial"]
    garbage = api.post(url + "declare/", {"impartial": "perhaps"}, format="json")
    assert garbage.status_code == 400 and list(errors_of(garbage)) == ["impartial"]
    assert status_of(api, rnd.chair, "post", url + "declare/", {"impartial": True}) == 404
    assert act_as(api, rnd.member).get(f"{API}/member-offers/{rnd.offer_b.pk}/").status_code == 404
    conflict = api.post(url + "declare/", {"impartial": False, "ground": "Członek zarządu"}, format="json")
    assert conflict.status_code == 200 and conflict.json()["state"] == "conflict"
    assert conflict.json()["ground"] == "Członek zarządu"
    assert api.get(f"{API}/member-offers/{rnd.offer_b.pk}/").status_code == 404
    twice = api.post(url + "declare/", {"impartial": True}, format="json")
    assert twice.status_code == 409
    assert [e["target_state"] for e in api.get(url + "audit/").json()] == ["conflict"]


def test_a_member_representing_the_offeror_is_excluded_at_once(api, rnd, officer):
    rnd.to("formal")
    from offers.models import Representation, RepresentationRole

    Representation.objects.create(
        organization=rnd.other_organization, user=rnd.member, role=RepresentationRole.EDITOR
    )
    rnd.to("merit")
    rows = act_as(api, rnd.member).get(ev_url(rnd, "my-declarations/")).json()["results"]
    assert {row["offer"]: row["state"] for row in rows}[rnd.offer_b.pk] == "excluded"


# --- the member's reading and scoring ------------------------------------------------------------------


def member_offer_url(offer, suffix=""):
    return f"{API}/member-offers/{offer.pk}/{suffix}"


def test_the_offer_for_an_impartial_member(api, rnd):
    rnd.to("merit")
    body = act_as(api, rnd.member).get(member_offer_url(rnd.offer_a)).json()
    assert body["id"] == rnd.offer_a.pk and body["organization"]["id"] == rnd.organization.pk
    assert {s["key"] for s in body["sections"]} >= {"task", "costs", "sources"}
    assert [c["id"] for c in body["criteria"]] == [c.pk for c in rnd.criteria]
    assert body["declaration"]["state"] == "impartial" and body["sheet"] is None
    assert body["comment_below_pct"] == "50.00"
    assert status_of(api, rnd.conflicted, "get", member_offer_url(rnd.offer_a)) == 404
    assert status_of(api, rnd.member, "get", member_offer_url(rnd.offer_b)) == 404  # pending
    assert status_of(api, rnd.other_member, "get", member_offer_url(rnd.offer_a)) == 404
    assert status_of(api, rnd.officer, "get", member_offer_url(rnd.offer_a)) == 404


def test_scores_are_saved_and_the_bad_ones_refused_at_their_criterion(api, rnd):
    rnd.to("merit")
    first, second, third = rnd.criteria
    act_as(api, rnd.member)
    body = {
        "scores": {
            str(first.pk): {"points": "4", "comment": ""},
            str(second.pk): {"points": "11", "comment": ""},
            str(third.pk): {"points": "abc"},
        },
        "comment": "Dobra oferta",
    }
    response = api.put(member_offer_url(rnd.offer_a, "scores/"), body, format="json")
    assert response.status_code == 400
    assert set(errors_of(response)) == {f"scores.{second.pk}", f"scores.{third.pk}"}
    assert errors_of(response)[f"scores.{second.pk}"] == ["At most 10 points."]
    sheet = rnd.sheet(rnd.member, rnd.offer_a)
    assert {s.criterion_id: s.points for s in sheet.scores.all()} == {first.pk: Decimal("4.00")}  # kept
    for bad, key in (
        ({"scores": {"999999": {"points": "1"}}}, "scores.999999"),
        ({"scores": {"abc": {"points": "1"}}}, "scores.abc"),
        ({"scores": {str(first.pk): "4"}}, f"scores.{first.pk}"),
        ({"scores": [4, 5]}, "scores"),
        ({"scores": {str(first.pk): {"points": "-1"}}}, f"scores.{first.pk}"),
        ({"scores": {}, "comment": ["x"]}, "comment"),
    ):
        refused = api.put(member_offer_url(rnd.offer_a, "scores/"), bad, format="json")
        assert refused.status_code == 400 and list(errors_of(refused)) == [key], (bad, refused.content)
    saved = api.put(member_offer_url(rnd.offer_a, "scores/"), {"scores": rnd.scores(7)}, format="json")
    assert saved.status_code == 200
    assert saved.json()["scores"][str(second.pk)] == {"points": "7.00", "comment": "Uzasadnienie"}
    assert saved.json()["state"] == "draft"
    content = api.get(member_offer_url(rnd.offer_a)).json()
    assert content["sheet"]["id"] == sheet.pk


def test_an_expert_does_not_score(api, rnd):
    rnd.to("merit")
    response = act_as(api, rnd.expert).put(
        member_offer_url(rnd.offer_a, "scores/"), {"scores": rnd.scores(5)}, format="json"
    )
    assert response.status_code == 403
    assert not ScoreSheet.objects.filter(seat__user=rnd.expert).exists()


def test_submit_and_reopen_a_sheet(api, rnd):
    rnd.to("merit")
    first, second, third = rnd.criteria
    act_as(api, rnd.member)
    api.put(
        member_offer_url(rnd.offer_a, "scores/"),
        {"scores": {str(first.pk): {"points": "1", "comment": ""}, str(second.pk): {"points": "7"}}},
        format="json",
    )
    sheet = rnd.sheet(rnd.member, rnd.offer_a)
    url = f"{API}/score-sheets/{sheet.pk}/"
    incomplete = api.post(url + "submit/", {}, format="json")
    assert incomplete.status_code == 400
    assert set(errors_of(incomplete)) == {
        f"scores.{first.pk}",
        f"scores.{third.pk}",
    }  # low without comment; missing
    api.put(member_offer_url(rnd.offer_a, "scores/"), {"scores": rnd.scores(8)}, format="json")
    submitted = api.post(url + "submit/", {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    locked = api.put(member_offer_url(rnd.offer_a, "scores/"), {"scores": rnd.scores(2)}, format="json")
    assert locked.status_code == 409 and locked.json()["code"] == "sheet_submitted"
    assert status_of(api, rnd.member, "post", url + "reopen/", {"reason": "Pomyłka"}) == 403
    no_reason = act_as(api, rnd.chair).post(url + "reopen/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and list(errors_of(no_reason)) == ["reason"]
    reopened = api.post(url + "reopen/", {"reason": "Pomyłka w kryterium 2"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["state"] == "draft"
    assert reopened.json()["scores"] is None  # the chair does not see the points
    events = act_as(api, rnd.member).get(url + "audit/").json()
    assert [e["action"].rsplit(".", 1)[1] for e in events] == ["score", "score", "submit", "reopen"]
    assert act_as(api, rnd.chair).get(url + "audit/").status_code == 403


def test_score_sheet_visibility(api, rnd):
    rnd.to("submitted")
    url = f"{API}/score-sheets/{rnd.sheet(rnd.member, rnd.offer_a).pk}/"
    mine = act_as(api, rnd.member).get(url).json()
    assert mine["scores"] and mine["comment"] == ""
    assert act_as(api, rnd.chair).get(url).json()["scores"] is None
    for user in (rnd.conflicted, rnd.expert, rnd.nominee, rnd.officer, rnd.ngo_admin, rnd.other_member):
        assert status_of(api, user, "get", url) == 404


def test_no_scoring_after_close(api, rnd):
    rnd.to("scored")
    sheet = rnd.sheet(rnd.nominee, rnd.offer_a)
    act_as(api, rnd.chair).post(
        f"{API}/score-sheets/{sheet.pk}/reopen/", {"reason": "Korekta"}, format="json"
    )
    rnd.score(rnd.nominee, rnd.offer_a, 9)
    rnd.to("closed")
    late = act_as(api, rnd.nominee).put(
        member_offer_url(rnd.offer_a, "scores/"), {"scores": rnd.scores(1)}, format="json"
    )
    assert late.status_code == 409 and late.json()["code"] == "sheet_submitted"
    reopen = act_as(api, rnd.chair).post(
        f"{API}/score-sheets/{sheet.pk}/reopen/", {"reason": "x"}, format="json"
    )
    assert reopen.status_code == 409 and reopen.json()["reasons"][0]["code"] == "evaluation_state"


# --- award ----------------------------------------------------------------------------------------------


def award_url(rnd, offer, suffix=""):
    return f"{API}/awards/{rnd.award(offer).pk}/{suffix}"


def test_no_proposal_before_scoring_closes(api, rnd):
    rnd.to("scored")
    Award.objects.create(offer=rnd.offer_a)  # as closing scoring would
    refused = act_as(api, rnd.chair).post(
        award_url(rnd, rnd.offer_a, "propose/"), {"amount": "30000"}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["reasons"][0]["code"] == "evaluation_state"


def test_propose_bad_amounts_at_their_field(api, rnd, officer):
    rnd.to("closed")
    url = award_url(rnd, rnd.offer_a, "propose/")
    act_as(api, rnd.chair)
    for body, key in (
        ({"amount": "35000"}, "amount"),  # above the 30 000,00 zł requested
        ({"amount": "abc"}, "amount"),
        ({"amount": ""}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "15000"}, "amount"),  # below the task's minimum grant
        ({"amount": "25000"}, "cut_reason"),  # less than requested, without a reason
        ({}, "amount"),
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 400 and list(errors_of(response)) == [key], (body, response.content)
    assert status_of(api, officer, "post", url, {"amount": "30000"}) == 403
    assert status_of(api, rnd.member, "post", url, {"amount": "30000"}) == 404
    proposed = act_as(api, rnd.chair).post(
        url, {"amount": "25 000,00", "cut_reason": "Koszty", "justification": "Dobra"}, format="json"
    )
    assert proposed.status_code == 200 and proposed.json()["proposed_amount"] == "25000.00"


def test_proposals_and_decisions_stay_within_the_budget(api, rnd, approver):
    rnd.to("closed")
    rnd.area.__class__.objects.filter(pk=rnd.area.pk).update(budget=Decimal("45000.00"))
    act_as(api, rnd.chair)
    assert (
        api.post(award_url(rnd, rnd.offer_a, "propose/"), {"amount": "30000"}, format="json").status_code
        == 200
    )
    over = api.post(award_url(rnd, rnd.offer_b, "propose/"), {"amount": "30000"}, format="json")
    assert over.status_code == 400 and list(errors_of(over)) == ["amount"]
    assert "exceed its budget" in errors_of(over)["amount"][0]
    act_as(api, approver)
    assert (
        api.post(
            award_url(rnd, rnd.offer_a, "decide/"), {"select": True, "amount": "30000"}, format="json"
        ).status_code
        == 200
    )
    over = api.post(
        award_url(rnd, rnd.offer_b, "decide/"), {"select": True, "amount": "20000"}, format="json"
    )
    assert over.status_code == 400 and list(errors_of(over)) == ["amount"]


def test_decide_bad_input_and_roles(api, rnd, approver, officer):
    rnd.to("closed")
    act_as(api, rnd.chair).post(award_url(rnd, rnd.offer_a, "propose/"), {"amount": "30000"}, format="json")
    url = award_url(rnd, rnd.offer_a, "decide/")
    act_as(api, approver)
    for body, key in (
        ({"amount": "30000"}, "select"),
        ({"select": True}, "amount"),
        ({"select": True, "amount": "31000"}, "amount"),
        ({"select": True, "amount": "25000"}, "reason"),  # departs from the proposal without a reason
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 400 and list(errors_of(response)) == [key], (body, response.content)
    assert status_of(api, officer, "post", url, {"select": True, "amount": "30000"}) == 403
    assert status_of(api, rnd.chair, "post", url, {"select": True, "amount": "30000"}) == 403
    decided = act_as(api, approver).post(
        url, {"select": True, "amount": "25000", "reason": "Mniej środków"}, format="json"
    )
    assert decided.status_code == 200
    assert (decided.json()["state"], decided.json()["decided_amount"]) == ("selected", "25000.00")
    not_selected = api.post(
        award_url(rnd, rnd.offer_b, "decide/"), {"select": False, "reason": "Próg"}, format="json"
    )
    assert not_selected.json()["state"] == "not_selected"
    again = api.post(url, {"select": False}, format="json")
    assert again.status_code == 409


def test_the_award_for_the_offeror_only_after_the_results(api, rnd):
    rnd.to("decided")
    assert status_of(api, rnd.ngo_admin, "get", award_url(rnd, rnd.offer_a)) == 404
    rnd.to("resolved")
    body = act_as(api, rnd.ngo_admin).get(award_url(rnd, rnd.offer_a)).json()
    assert body["state"] == "awaiting_update" and body["decided_amount"] == "25000.00"
    assert body["update_deadline"] and body["update"] is None
    assert status_of(api, rnd.ngo_admin, "get", award_url(rnd, rnd.offer_a, "audit/")) == 403
    assert status_of(api, rnd.other_ngo, "get", award_url(rnd, rnd.offer_a)) == 404
    assert status_of(api, rnd.member, "get", award_url(rnd, rnd.offer_a)) == 404


def test_the_update_section_by_section(api, rnd, ngo_admin):
    rnd.to("decided")
    url = award_url(rnd, rnd.offer_a, "update/sources/")
    early = act_as(api, ngo_admin).put(
        url, {"data": {"own_financial": "4000"}, "base_revision": 0}, format="json"
    )
    assert early.status_code == 404  # the award is not the offeror's to see before the results
    rnd.to("resolved")
    saved = act_as(api, ngo_admin).put(
        url, {"data": {"own_financial": "4000.00"}, "base_revision": 0}, format="json"
    )
    assert saved.status_code == 200 and saved.json()["revision"] == 1
    assert "sources.grant" in [p["key"] for p in saved.json()["problems"]]  # the grant must equal the award
    stale = api.put(url, {"data": {"own_financial": "1"}, "base_revision": 0}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "edit_conflict"
    assert (
        api.put(award_url(rnd, rnd.offer_a, "update/task/"), {"data": {}}, format="json").status_code == 404
    )
    not_object = api.put(url, {"data": ["x"], "base_revision": 1}, format="json")
    assert not_object.status_code == 400 and list(errors_of(not_object)) == ["sources"]
    no_data = api.put(url, {"base_revision": 1}, format="json")
    assert no_data.status_code == 400 and "data" in errors_of(no_data)
    refused = api.post(award_url(rnd, rnd.offer_a, "accept-with-update/"), {}, format="json")
    assert refused.status_code == 400 and "sources.grant" in errors_of(refused)
    assert status_of(api, rnd.officer, "put", url, {"data": {}, "base_revision": 1}) == 403
    assert act_as(api, ngo_admin).get(award_url(rnd, rnd.offer_a)).json()["update"]["revision"] == 1


def test_decline_the_grant(api, rnd, ngo_admin):
    rnd.to("resolved")
    assert status_of(api, rnd.officer, "post", award_url(rnd, rnd.offer_a, "decline/"), {}) == 403
    declined = act_as(api, ngo_admin).post(
        award_url(rnd, rnd.offer_a, "decline/"), {"reason": "Za mało"}, format="json"
    )
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    again = api.post(award_url(rnd, rnd.offer_a, "decline/"), {}, format="json")
    assert again.status_code == 409
    not_selected = act_as(api, rnd.other_ngo).post(award_url(rnd, rnd.offer_b, "decline/"), {}, format="json")
    assert not_selected.status_code == 409


# --- the evaluation card, the public results, requests for justification ----------------------------


def test_the_evaluation_card_for_the_offeror_after_the_results(api, rnd, ngo_admin, officer):
    rnd.to("decided")
    url = f"{API}/offers/{rnd.offer_a.pk}/evaluation-card/"
    early = act_as(api, ngo_admin).get(url)
    assert early.status_code == 409 and early.json()["code"] == "not_resolved"
    rnd.to("resolved")
    card = act_as(api, ngo_admin).get(url).json()
    assert card["mean"] == "22.33" and card["max_points"] == "25.00" and card["passed"] is True
    assert [c["mean"] for c in card["criteria"]] == ["5.00", "8.67", "8.67"]
    assert card["award"]["cut_reason"] == "Zawyżone koszty szkoleń"
    assert set(card) == {
        "offer",
        "title",
        "formally_rejected",
        "reasons",
        "criteria",
        "mean",
        "max_points",
        "passed",
        "rank",
        "award",
    }  # never a member's score, total or spread
    assert status_of(api, officer, "get", url) == 403
    assert status_of(api, rnd.other_ngo, "get", url) == 404
    assert status_of(api, rnd.chair, "get", url) == 404


def test_the_card_of_a_formally_rejected_offer(api, authority, officer, approver, organization, ngo_admin):
    rnd = Round(
        authority=authority,
        officer=officer,
        approver=approver,
        organization=organization,
        ngo_admin=ngo_admin,
    ).to("defect")
    from evaluation import services

    services.formal_check_reject(rnd.check(rnd.offer_a), actor=officer, reasons="Brak podpisu")
    rnd.record(rnd.offer_b)
    services.formal_check_accept(rnd.check(rnd.offer_b), actor=officer)
    services.committee_appoint(rnd.committee, actor=officer, appointment_reference="Z 7")
    evaluation = services.evaluation_start_merit_review(rnd.evaluation, actor=officer)
    for user in (rnd.chair, rnd.nominee):
        services.declaration_make(rnd.declaration(user, rnd.offer_b), actor=user, impartial=True)
        rnd.score(user, rnd.offer_b, 8)
    evaluation = services.evaluation_close_scoring(evaluation, actor=rnd.chair, signed_by="A")
    services.award_decide(rnd.award(rnd.offer_b), actor=approver, select=True, amount="30000")
    services.evaluation_resolve(evaluation, actor=approver, decision_reference="Z 9")
    card = act_as(api, ngo_admin).get(f"{API}/offers/{rnd.offer_a.pk}/evaluation-card/").json()
    assert (card["formally_rejected"], card["reasons"], card["criteria"], card["award"]) == (
        True,
        "Brak podpisu",
        [],
        None,
    )


def test_public_results_only_once_published(api, rnd):
    rnd.to("decided")
    url = f"{API}/competitions/{rnd.competition.pk}/results/"
    assert client().get(url).status_code == 404
    rnd.to("resolved")
    body = client().get(url).json()
    assert body["decision_reference"] == "Zarządzenie 9/2027"
    assert body["date"] == timezone.localdate().isoformat()
    assert [
        (r["offeror"], r["title"], r["points"], r["amount"], r["selected"], r["rank"]) for r in body["rows"]
    ] == [
        (rnd.organization.name, rnd.offer_a.title, "22.33", "25000.00", True, 1),
        (rnd.other_organization.name, rnd.offer_b.title, "13.00", None, False, 2),
    ]
    assert set(body["rows"][0]) == {"offeror", "task", "title", "points", "rank", "selected", "amount"}
    draft = CompetitionFactory(authority=rnd.authority)
    assert client().get(f"{API}/competitions/{draft.pk}/results/").status_code == 404


def test_anyone_asks_for_a_justification_within_30_days(
    api, rnd, officer, django_capture_on_commit_callbacks
):
    rnd.to("decided")
    url = f"{API}/competitions/{rnd.competition.pk}/justification-requests/"
    body = {"name": "Jan Nowak", "email": "jan@example.org", "text": "Dlaczego?", "offer": rnd.offer_b.pk}
    before = client().post(url, body, format="json")
    assert before.status_code == 409 and before.json()["code"] == "not_resolved"
    rnd.to("resolved")
    for bad, keys in (
        ({**body, "name": "", "text": " ", "email": "x"}, {"name", "text", "email"}),
        (
            {
                **body,
                "offer": Offer.objects.exclude(competition=rnd.competition)
                .values_list("pk", flat=True)
                .first()
                or 99999999,
            },
            {"offer"},
        ),
        ({**body, "offer": "abc"}, {"offer"}),
    ):
        refused = client().post(url, bad, format="json")
        assert refused.status_code == 400 and set(errors_of(refused)) == keys, refused.content
    asked = client().post(url, body, format="json")
    assert asked.status_code == 201
    assert asked.json()["answer_due"] == (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    no_offer = client().post(url, {**body, "offer": None}, format="json")
    assert no_offer.status_code == 201
    with clock(rnd.refresh().evaluation.resolved_at + dt.timedelta(days=30, minutes=1)):
        late = client().post(url, body, format="json")
    assert late.status_code == 409 and late.json()["code"] == "justification_period_over"
    # the officer's queue and the answer
    assert client().get(url).status_code == 401
    for user in (rnd.ngo_admin, rnd.chair):
        assert status_of(api, user, "get", url) == 404
    queue = act_as(api, officer).get(url).json()
    assert queue["count"] == 2 and queue["results"][0]["email"] == "jan@example.org"
    answer_url = f"{url}{asked.json()['id']}/answer/"
    blank = api.post(answer_url, {"answer": " "}, format="json")
    assert blank.status_code == 400 and list(errors_of(blank)) == ["answer"]
    assert status_of(api, rnd.approver, "post", answer_url, {"answer": "Bo tak"}) == 403
    assert status_of(api, rnd.ngo_admin, "post", answer_url, {"answer": "Bo tak"}) == 404
    with django_capture_on_commit_callbacks(execute=True):
        answered = act_as(api, officer).post(
            answer_url, {"answer": "Oferta nie osiągnęła progu."}, format="json"
        )
    assert answered.status_code == 200 and answered.json()["answered_at"]
    assert mail.outbox[-1].to == ["jan@example.org"]


def test_justification_requests_need_an_evaluation(api, authority, officer):
    closed = CompetitionFactory(authority=authority, closed=True)
    url = f"{API}/competitions/{closed.pk}/justification-requests/"
    assert (
        client().post(url, {"name": "a", "email": "a@example.org", "text": "b"}, format="json").status_code
        == 404
    )
    assert status_of(api, officer, "get", url) == 404


# --- query budgets -------------------------------------------------------------------------------------


def _bulk_offers(rnd, n: int, *, seats, state=DeclarationState.IMPARTIAL, sheets=True):
    """n more accepted offers in the round's task area, with declarations, submitted sheets and
    scores of `seats` — written with bulk_create, as the services would leave them."""
    organization = OrganizationFactory()
    offers = Offer.objects.bulk_create(
        [
            Offer(
                competition=rnd.competition,
                task_area=rnd.area,
                organization=organization,
                created_by=rnd.officer,
                title=f"Oferta {i}",
                state=OfferState.SUBMITTED,
                submitted_at=timezone.now(),
                grant_requested=Decimal("30000.00"),
                total_cost=Decimal("34000.00"),
            )
            for i in range(n)
        ]
    )
    FormalCheck.objects.bulk_create([FormalCheck(offer=o, state=FormalCheckState.ACCEPTED) for o in offers])
    Declaration.objects.bulk_create(
        [Declaration(seat=s, offer=o, state=state) for s in seats for o in offers]
    )
    if not sheets:
        return offers
    made = ScoreSheet.objects.bulk_create(
        [ScoreSheet(seat=s, offer=o, state=SheetState.SUBMITTED) for s in seats for o in offers]
    )
    criteria = list(Criterion.objects.filter(task_area=rnd.area))
    Score.objects.bulk_create(
        [
            Score(sheet=sheet, criterion=c, points=Decimal((sheet.offer.pk + sheet.seat.pk) % 5), comment="c")
            for sheet in made
            for c in criteria
        ]
    )
    return offers


def test_ranking_makes_the_same_queries_for_10_and_200_offers(api, rnd, officer, django_assert_num_queries):
    rnd.to("closed")
    seats = [rnd.seat(u) for u in (rnd.chair, rnd.member, rnd.nominee)]
    url = ev_url(rnd, "ranking/")
    _bulk_offers(rnd, 8, seats=seats)
    act_as(api, officer).get(url)  # warm the content-type cache
    act_as(api, officer)
    ten = count_queries(lambda: api.get(url))
    _bulk_offers(rnd, 190, seats=seats)
    act_as(api, officer)
    with django_assert_num_queries(ten):
        response = api.get(url)
    assert response.status_code == 200 and len(response.json()[0]["rows"]) == 200
    act_as(api, rnd.chair)
    chair = count_queries(lambda: api.get(url))
    _bulk_offers(rnd, 10, seats=seats)
    act_as(api, rnd.chair)
    with django_assert_num_queries(chair):
        assert len(api.get(url).json()[0]["rows"]) == 210


def test_my_declarations_make_the_same_queries_for_10_and_200_offers(api, rnd, django_assert_num_queries):
    rnd.to("merit")
    seat = rnd.seat(rnd.member)
    url = ev_url(rnd, "my-declarations/") + "?limit=500"
    _bulk_offers(rnd, 8, seats=[seat], state=DeclarationState.PENDING, sheets=False)
    act_as(api, rnd.member).get(url)
    act_as(api, rnd.member)
    ten = count_queries(lambda: api.get(url))
    _bulk_offers(rnd, 190, seats=[seat], state=DeclarationState.PENDING, sheets=False)
    act_as(api, rnd.member)
    with django_assert_num_queries(ten):
        response = api.get(url)
    assert response.status_code == 200 and response.json()["count"] == 200


def test_formal_checks_and_score_sheets_lists_keep_their_query_budget(
    api, rnd, officer, django_assert_num_queries
):
    rnd.to("closed")
    seats = [rnd.seat(u) for u in (rnd.chair, rnd.member)]
    _bulk_offers(rnd, 3, seats=seats)
    for user, suffix in ((officer, "formal-checks/"), (rnd.chair, "score-sheets/")):
        url = ev_url(rnd, suffix)
        act_as(api, user).get(url)
        act_as(api, user)
        few = count_queries(lambda url=url: api.get(url))
        _bulk_offers(rnd, 30, seats=seats)
        act_as(api, user)
        with django_assert_num_queries(few):
            assert api.get(url).status_code == 200


def test_transitions_and_audit_of_every_object(api, rnd, officer, approver):
    rnd.to("resolved")
    for url, user, subject in (
        (ev_url(rnd), officer, rnd.evaluation),
        (check_url(rnd, rnd.offer_a), officer, rnd.check(rnd.offer_a)),
        (committee_url(rnd), officer, rnd.committee),
        (
            f"{API}/declarations/{rnd.declaration(rnd.member, rnd.offer_a).pk}/",
            rnd.member,
            rnd.declaration(rnd.member, rnd.offer_a),
        ),
        (
            f"{API}/score-sheets/{rnd.sheet(rnd.member, rnd.offer_a).pk}/",
            rnd.member,
            rnd.sheet(rnd.member, rnd.offer_a),
        ),
        (award_url(rnd, rnd.offer_a), approver, rnd.award(rnd.offer_a)),
    ):
        act_as(api, user)
        transitions = api.get(url + "transitions/")
        assert transitions.status_code == 200 and transitions.json(), url
        assert all({"name", "label", "allowed", "reasons"} <= set(t) for t in transitions.json())
        events = api.get(url + "audit/").json()
        assert [e["seq"] for e in events] == [e.seq for e in audit_events_for(subject)] != [], url
