"""The competitions API: every endpoint, with good and bad input."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from competitions.models import (
    ChecklistItem,
    Competition,
    CompetitionState,
    Criterion,
    ExtraQuestion,
    PriorFunding,
    RequiredAttachment,
    TaskArea,
)
from offers.models import RepresentationRole
from workflow.audit import audit_events_for

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OfferFactory,
    TaskAreaFactory,
    record_all_channels,
    representative,
    staff,
)
from .support import API, TASK_AREA, act_as, client, competition_body, count_queries, errors_of, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return client()


def url(competition=None, suffix=""):
    if competition is None:
        return f"{API}/competitions/"
    return f"{API}/competitions/{getattr(competition, 'pk', competition)}/{suffix}"


# --- list and retrieve -----------------------------------------------------------------------------


def test_anonymous_lists_only_published_competitions(api, authority):
    published = CompetitionFactory(authority=authority, published=True)
    closed = CompetitionFactory(authority=authority, closed=True)
    CompetitionFactory(authority=authority)  # draft
    CompetitionFactory(authority=authority, approved=True)
    response = api.get(url())
    assert response.status_code == 200
    body = response.json()
    assert {row["id"] for row in body["results"]} == {published.pk, closed.pk}
    row = next(r for r in body["results"] if r["id"] == published.pk)
    assert row["authority"]["slug"] == authority.slug
    assert row["funds"] == "120000.00"
    assert row["task_areas"][0]["number"] == 1


def test_staff_list_every_state_of_their_authority_only(api, authority, officer):
    draft = CompetitionFactory(authority=authority)
    published = CompetitionFactory(authority=authority, published=True)
    other_draft = CompetitionFactory()
    other_published = CompetitionFactory(published=True)
    ids = {row["id"] for row in act_as(api, officer).get(url()).json()["results"]}
    assert {draft.pk, published.pk, other_published.pk} <= ids
    assert other_draft.pk not in ids


def test_list_filters_by_authority_state_and_year(api, authority, officer):
    draft = CompetitionFactory(authority=authority)
    published = CompetitionFactory(authority=authority, published=True)
    old = CompetitionFactory(authority=authority, published=True, year=2026)
    elsewhere = CompetitionFactory(published=True)
    act_as(api, officer)

    def ids(**params):
        response = api.get(url(), params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(authority=authority.pk) == {draft.pk, published.pk, old.pk}
    assert ids(authority_slug=elsewhere.authority.slug) == {elsewhere.pk}
    assert ids(state="draft") == {draft.pk}
    assert ids(year=2026) == {old.pk}
    assert ids(authority=authority.pk, state="published", year=2027) == {published.pk}


def test_bad_filter_value_is_400_with_the_field(api):
    response = api.get(url(), {"state": "nonsense"})
    assert response.status_code == 400
    assert "state" in errors_of(response)


def test_retrieve_published_anonymously_with_configuration(api, authority):
    competition = CompetitionFactory(authority=authority, published=True)
    ChecklistItem.objects.create(competition=competition, text="Oferta złożona w terminie")
    RequiredAttachment.objects.create(competition=competition, name="Statut")
    ExtraQuestion.objects.create(competition=competition, text="Ilu wolontariuszy?")
    response = api.get(url(competition))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "published"
    assert body["accepting_offers"] is True
    assert body["funds"] == "120000.00"
    assert len(body["task_areas"][0]["criteria"]) == 3
    assert [c["text"] for c in body["checklist"]] == ["Oferta złożona w terminie"]
    assert body["required_attachments"][0]["name"] == "Statut"
    assert body["extra_questions"][0]["text"] == "Ilu wolontariuszy?"
    assert {p["year"] for p in body["prior_funding"]} == {
        timezone.localdate().year - 1,
        timezone.localdate().year,
    }


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "99999999999999999999", "1e5"])
def test_garbage_ids_are_404(api, officer, bad_id):
    act_as(api, officer)
    for suffix in ("", "transitions/", "audit/"):
        assert api.get(url(bad_id, suffix)).status_code == 404
    assert api.post(url(bad_id, "approve/"), {"approval_reference": "x"}, format="json").status_code == 404
    assert api.get(f"{API}/competitions/{bad_id}/offers/").status_code == 404


def test_draft_is_404_to_the_public_and_to_another_authority(api, authority):
    draft = CompetitionFactory(authority=authority)
    assert api.get(url(draft)).status_code == 404
    assert act_as(api, staff(AuthorityFactory(), "officer")).get(url(draft)).status_code == 404


# --- create and update -----------------------------------------------------------------------------


def test_officer_creates_a_draft(api, authority, officer):
    response = act_as(api, officer).post(url(), competition_body(authority), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft"
    assert body["authority"]["id"] == authority.pk
    competition = Competition.objects.get(pk=body["id"])
    assert [e.action for e in audit_events_for(competition)] == ["competitions.competition.create"]


def test_create_bad_input_is_400_per_field(api, authority, officer):
    act_as(api, officer)
    response = api.post(url(), competition_body(authority, title="", year=1500), format="json")
    assert response.status_code == 400
    assert {"title", "year"} <= set(errors_of(response))
    response = api.post(url(), competition_body(AuthorityFactory.build(pk=999999)), format="json")
    assert response.status_code == 400
    assert "authority" in errors_of(response)
    response = api.post(url(), competition_body(authority, submission_deadline="next friday"), format="json")
    assert "submission_deadline" in errors_of(response)


def test_duplicate_reference_is_400(api, authority, officer):
    CompetitionFactory(authority=authority, reference="BOP.524.90.2027")
    response = act_as(api, officer).post(url(), competition_body(authority), format="json")
    assert response.status_code == 400
    assert errors_of(response)


def test_only_an_officer_of_the_authority_creates(api, authority, approver):
    assert act_as(api, approver).post(url(), competition_body(authority), format="json").status_code == 403
    assert (
        act_as(api, staff(AuthorityFactory(), "officer"))
        .post(url(), competition_body(authority), format="json")
        .status_code
        == 403
    )
    assert act_as(api, None).post(url(), competition_body(authority), format="json").status_code == 401


def test_officer_updates_the_draft(api, authority, officer):
    draft = CompetitionFactory(authority=authority)
    response = act_as(api, officer).patch(
        url(draft), {"title": "Nowy tytuł", "remedy_days": 14}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Nowy tytuł"
    assert response.json()["remedy_days"] == 14
    assert audit_events_for(draft).last().payload == {"title": "Nowy tytuł", "remedy_days": 14}


def test_update_bad_input_and_wrong_state(api, authority, officer):
    draft = CompetitionFactory(authority=authority)
    act_as(api, officer)
    response = api.patch(url(draft), {"remedy_days": 0}, format="json")
    assert response.status_code == 400
    assert "remedy_days" in errors_of(response)
    approved = CompetitionFactory(authority=authority, approved=True)
    response = api.patch(url(approved), {"title": "Zmiana"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_editable"


# --- configuration items ---------------------------------------------------------------------------


def test_task_area_add_change_remove(api, authority, officer):
    draft = CompetitionFactory(authority=authority, with_areas=False)
    act_as(api, officer)
    response = api.post(url(draft, "task-areas/"), TASK_AREA, format="json")
    assert response.status_code == 201, response.content
    area_id = response.json()["id"]
    assert response.json()["budget"] == "120000.00"
    response = api.patch(url(draft, f"task-areas/{area_id}/"), {"budget": "150000.00"}, format="json")
    assert response.status_code == 200
    assert TaskArea.objects.get(pk=area_id).budget == 150000
    assert api.delete(url(draft, f"task-areas/{area_id}/")).status_code == 204
    assert not TaskArea.objects.filter(pk=area_id).exists()
    actions = [e.action for e in audit_events_for(draft)]
    assert actions == [
        "competitions.taskarea.save",
        "competitions.taskarea.save",
        "competitions.taskarea.remove",
    ]


def test_task_area_bad_input(api, authority, officer):
    draft = CompetitionFactory(authority=authority, with_areas=False)
    act_as(api, officer)
    response = api.post(
        url(draft, "task-areas/"), {**TASK_AREA, "budget": "-5", "form": "gift"}, format="json"
    )
    assert response.status_code == 400
    assert {"budget", "form"} <= set(errors_of(response))
    # the model's constraint: the window ends after it starts
    response = api.post(url(draft, "task-areas/"), {**TASK_AREA, "window_end": "2027-01-01"}, format="json")
    assert response.status_code == 400
    assert errors_of(response)
    assert not TaskArea.objects.filter(competition=draft).exists()


def test_criteria_belong_to_a_task_area_of_this_competition(api, authority, officer):
    draft = CompetitionFactory(authority=authority)
    area = draft.task_areas.get()
    foreign_area = TaskAreaFactory()
    act_as(api, officer)
    body = {"task_area": area.pk, "order": 4, "name": "Udział wolontariuszy", "max_points": "5"}
    response = api.post(url(draft, "criteria/"), body, format="json")
    assert response.status_code == 201, response.content
    criterion_id = response.json()["id"]
    response = api.post(url(draft, "criteria/"), {**body, "task_area": foreign_area.pk}, format="json")
    assert response.status_code == 400
    assert "task_area" in errors_of(response)
    response = api.patch(url(draft, f"criteria/{criterion_id}/"), {"max_points": "0.1"}, format="json")
    assert response.status_code == 400
    assert "max_points" in errors_of(response)
    response = api.patch(url(draft, f"criteria/{criterion_id}/"), {"max_points": "7.5"}, format="json")
    assert response.status_code == 200
    assert str(Criterion.objects.get(pk=criterion_id).max_points) == "7.50"


@pytest.mark.parametrize(
    ("path", "model", "body", "change"),
    [
        ("checklist", ChecklistItem, {"text": "Oferta podpisana", "remediable": False}, {"order": 2}),
        (
            "required-attachments",
            RequiredAttachment,
            {"name": "Wyciąg z rejestru", "required_for": "no_krs"},
            {"name": "Wyciąg z ewidencji"},
        ),
        (
            "extra-questions",
            ExtraQuestion,
            {"text": "Ilu wolontariuszy?", "max_length": 500},
            {"required": False},
        ),
        (
            "prior-funding",
            PriorFunding,
            {
                "year": 2025,
                "description": "Centrum NGO",
                "total_cost": "80000.00",
                "grants_to_ngos": "80000.00",
            },
            {"total_cost": "90000.00"},
        ),
    ],
)
def test_other_items_add_change_remove(api, authority, officer, path, model, body, change):
    draft = CompetitionFactory(authority=authority)
    act_as(api, officer)
    response = api.post(url(draft, f"{path}/"), body, format="json")
    assert response.status_code == 201, response.content
    item_id = response.json()["id"]
    response = api.patch(url(draft, f"{path}/{item_id}/"), change, format="json")
    assert response.status_code == 200, response.content
    for key, value in change.items():
        assert response.json()[key] == value
    assert api.delete(url(draft, f"{path}/{item_id}/")).status_code == 204
    assert not model.objects.filter(pk=item_id).exists()


def test_item_bad_input_and_unknown_items(api, authority, officer):
    draft = CompetitionFactory(authority=authority)
    other = CompetitionFactory(authority=authority)
    foreign_item = ChecklistItem.objects.create(competition=other, text="Cudzy")
    act_as(api, officer)
    response = api.post(
        url(draft, "required-attachments/"), {"name": "", "required_for": "sometimes"}, format="json"
    )
    assert response.status_code == 400
    assert {"name", "required_for"} <= set(errors_of(response))
    response = api.post(url(draft, "extra-questions/"), {"text": "Pytanie", "max_length": 5}, format="json")
    assert "max_length" in errors_of(response)
    for item in ("abc", "999999", "99999999999999999999", str(foreign_item.pk)):
        assert api.patch(url(draft, f"checklist/{item}/"), {"order": 1}, format="json").status_code == 404
        assert api.delete(url(draft, f"checklist/{item}/")).status_code == 404
    assert ChecklistItem.objects.filter(pk=foreign_item.pk).exists()


def test_items_are_frozen_after_approval(api, authority, officer):
    approved = CompetitionFactory(authority=authority, approved=True)
    act_as(api, officer)
    response = api.post(url(approved, "checklist/"), {"text": "Nowy wymóg"}, format="json")
    assert response.status_code == 409
    area = approved.task_areas.get()
    assert api.delete(url(approved, f"task-areas/{area.pk}/")).status_code == 409
    assert TaskArea.objects.filter(pk=area.pk).exists()


# --- publications and transitions ------------------------------------------------------------------


def test_approve_record_publications_and_publish(api, authority, officer, approver):
    draft = CompetitionFactory(authority=authority)
    response = act_as(api, approver).post(
        url(draft, "approve/"), {"approval_reference": "Zarządzenie 12/2026"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    assert response.json()["approval_reference"] == "Zarządzenie 12/2026"
    act_as(api, officer)
    for channel in ("bip", "noticeboard", "website"):
        response = api.post(
            url(draft, "publications/"),
            {
                "channel": channel,
                "published_on": timezone.localdate().isoformat(),
                "url": "https://bip.example.org/ogloszenie",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
    response = api.post(url(draft, "publish/"), {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "published"
    assert len(response.json()["publications"]) == 3
    events = api.get(url(draft, "audit/")).json()
    assert [e["action"] for e in events] == [
        "competitions.competition.approve",
        *["competitions.competition.record_publication"] * 3,
        "competitions.competition.publish",
    ]
    assert events[0]["actor_role"] == "approver"


def test_approve_needs_a_reference_and_a_complete_announcement(api, authority, approver):
    incomplete = CompetitionFactory(authority=authority, with_areas=False, award_rules="")
    act_as(api, approver)
    response = api.post(url(incomplete, "approve/"), {}, format="json")
    assert response.status_code == 400
    assert "approval_reference" in errors_of(response)
    response = api.post(url(incomplete, "approve/"), {"approval_reference": "Z 1"}, format="json")
    assert response.status_code == 409
    codes = {r["code"] for r in response.json()["reasons"]}
    assert {"missing_award_rules", "no_task_areas", "missing_prior_funding"} <= codes
    assert Competition.objects.get(pk=incomplete.pk).state == CompetitionState.DRAFT


def test_publication_bad_input_and_state(api, authority, officer):
    approved = CompetitionFactory(authority=authority, approved=True)
    act_as(api, officer)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = api.post(
        url(approved, "publications/"), {"channel": "bip", "published_on": tomorrow}, format="json"
    )
    assert response.status_code == 400
    assert "published_on" in errors_of(response)
    response = api.post(
        url(approved, "publications/"), {"channel": "radio", "published_on": "2026-01-01"}, format="json"
    )
    assert "channel" in errors_of(response)
    draft = CompetitionFactory(authority=authority)
    response = api.post(
        url(draft, "publications/"),
        {"channel": "bip", "published_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == 409


def test_publish_refused_with_reasons(api, authority, officer):
    draft = CompetitionFactory(authority=authority)
    act_as(api, officer)
    assert api.post(url(draft, "publish/"), {}, format="json").status_code == 409  # a draft
    approved = CompetitionFactory(authority=authority, approved=True, submission_deadline=in_days(10))
    record_all_channels(approved, officer)
    response = api.post(url(approved, "publish/"), {}, format="json")
    assert response.status_code == 409
    assert [r["code"] for r in response.json()["reasons"]] == ["deadline_too_early"]
    assert "21 days" in response.json()["reasons"][0]["message_en"]


def test_reopen_returns_to_draft(api, authority, officer):
    approved = CompetitionFactory(authority=authority, approved=True)
    response = act_as(api, officer).post(
        url(approved, "reopen/"), {"reason": "Poprawka kryteriów"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "draft"
    assert audit_events_for(approved).last().reason == "Poprawka kryteriów"


def test_extend_deadline_notifies_draft_holders(api, authority, officer, django_capture_on_commit_callbacks):
    competition = CompetitionFactory(authority=authority, published=True)
    offer = OfferFactory(task_area=competition.task_areas.get())
    holder = representative(offer.organization, RepresentationRole.EDITOR)
    act_as(api, officer)
    response = api.post(
        url(competition, "extend-deadline/"), {"new_deadline": "", "reason": ""}, format="json"
    )
    assert response.status_code == 400
    response = api.post(
        url(competition, "extend-deadline/"),
        {"new_deadline": in_days(5).isoformat(), "reason": "Awaria"},
        format="json",
    )
    assert response.status_code == 400
    assert "new_deadline" in errors_of(response)
    response = api.post(
        url(competition, "extend-deadline/"),
        {"new_deadline": in_days(40).isoformat(), "reason": ""},
        format="json",
    )
    assert "reason" in errors_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            url(competition, "extend-deadline/"),
            {"new_deadline": in_days(40).isoformat(), "reason": "Awaria serwera 3 grudnia"},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert dt.datetime.fromisoformat(response.json()["submission_deadline"]) == in_days(40)
    assert holder.email in {address for message in mail.outbox for address in message.to}
    event = audit_events_for(competition).last()
    assert event.action == "competitions.competition.extend_deadline"
    assert event.reason == "Awaria serwera 3 grudnia"


def test_close_submissions_only_after_the_deadline(api, authority, officer):
    open_competition = CompetitionFactory(authority=authority, published=True)
    act_as(api, officer)
    response = api.post(url(open_competition, "close-submissions/"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["reasons"][0]["code"] == "deadline_not_reached"
    due = CompetitionFactory(
        authority=authority, published=True, submission_deadline=timezone.now() - dt.timedelta(minutes=5)
    )
    response = api.post(url(due, "close-submissions/"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "submission_closed"


def test_cancel_needs_a_reason_and_a_ground(api, authority, approver):
    draft = CompetitionFactory(authority=authority)
    published = CompetitionFactory(authority=authority, published=True)
    act_as(api, approver)
    response = api.post(url(draft, "cancel/"), {"reason": ""}, format="json")
    assert response.status_code == 400
    assert "reason" in errors_of(response)
    response = api.post(url(draft, "cancel/"), {"reason": "Brak środków", "ground": "whim"}, format="json")
    assert "ground" in errors_of(response)
    response = api.post(url(published, "cancel/"), {"reason": "Zmiana planów"}, format="json")
    assert response.status_code == 409
    assert response.json()["reasons"][0]["code"] == "no_cancellation_ground"
    response = api.post(url(draft, "cancel/"), {"reason": "Brak środków w budżecie"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    assert response.json()["cancellation_ground"] == "not_published"


def test_transitions_explain_why_not(api, authority, officer):
    draft = CompetitionFactory(authority=authority)
    response = act_as(api, officer).get(url(draft, "transitions/"))
    assert response.status_code == 200
    by_name = {t["name"]: t for t in response.json()}
    assert by_name["approve"]["allowed"] is False
    assert by_name["approve"]["reasons"][0]["code"] == "forbidden"
    assert by_name["publish"]["reasons"][0]["code"] == "wrong_state"
    assert by_name["publish"]["reasons"][0]["message_pl"]


def test_audit_of_a_public_competition_is_for_staff(api, authority, officer, stranger):
    published = CompetitionFactory(authority=authority, published=True)
    assert act_as(api, officer).get(url(published, "audit/")).status_code == 200
    assert act_as(api, stranger).get(url(published, "audit/")).status_code == 403
    assert act_as(api, None).get(url(published, "audit/")).status_code == 401


# --- query budgets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("as_staff", [False, True])
def test_list_makes_the_same_queries_for_1_and_50_rows(
    api, authority, officer, as_staff, django_assert_num_queries
):
    user = officer if as_staff else None
    CompetitionFactory(authority=authority, published=True)
    act_as(api, user).get(url())  # warm the content-type cache
    act_as(api, user)
    one = count_queries(lambda: api.get(url()))
    for index in range(49):
        # staff see their drafts too; the public only what is published
        CompetitionFactory(authority=authority, published=not as_staff or index % 2 == 0)
    act_as(api, user)
    with django_assert_num_queries(one):
        response = api.get(url())
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50
    assert all(row["task_areas"] for row in response.json()["results"])
