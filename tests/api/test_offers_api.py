"""The organisations and offers API: every endpoint, with good and bad input."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.middleware.csrf import _get_new_csrf_string

from offers.models import (
    Invitation,
    Offer,
    OfferAttachment,
    OfferState,
    Organization,
)
from offers.services import snapshot_hash
from workflow.audit import audit_events_for

from ..factories import (
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    UserFactory,
)
from .support import (
    API,
    ORGANIZATION,
    PASSWORD,
    PDF,
    act_as,
    client,
    count_queries,
    errors_of,
    pdf_upload,
    stored_attachment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return client()


@pytest.fixture
def area(published):
    return published.task_areas.get()


@pytest.fixture
def offer(area, organization, ngo_admin):
    """A complete draft of `organization` in the published competition."""
    return OfferFactory(task_area=area, organization=organization, created_by=ngo_admin)


def offer_url(offer, suffix=""):
    return f"{API}/offers/{getattr(offer, 'pk', offer)}/{suffix}"


def revision_of(offer, key):
    return offer.sections.get(key=key).revision


# --- organisations ---------------------------------------------------------------------------------


def test_register_an_organisation(api, stranger):
    response = act_as(api, stranger).post(f"{API}/organizations/", ORGANIZATION, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["nip"] == "8567346215"
    assert body["bank_account"] == "PL61109010140000071219812874"
    assert body["representatives"] == [
        {"name": stranger.get_full_name(), "role": "admin", "function": "Prezes Zarządu"}
    ]
    ids = [row["id"] for row in api.get(f"{API}/organizations/").json()["results"]]
    assert ids == [body["id"]]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nip", "8567346216"),  # wrong check digit
        ("regon", "123456784"),
        ("krs", "12345"),
        ("bank_account", "PL61 1090 1014 0000 0712 1981 2875"),
        ("email", "not-an-address"),
        ("legal_form", "spółka z o.o."),
    ],
)
def test_register_with_a_bad_identifier_is_400_at_the_field(api, stranger, field, value):
    response = act_as(api, stranger).post(
        f"{API}/organizations/", {**ORGANIZATION, field: value}, format="json"
    )
    assert response.status_code == 400
    assert field in errors_of(response), response.json()
    assert not Organization.objects.exists()


def test_register_needs_krs_or_another_register(api, stranger):
    body = {**ORGANIZATION, "krs": "", "other_register": ""}
    response = act_as(api, stranger).post(f"{API}/organizations/", body, format="json")
    assert response.status_code == 400
    assert "krs" in errors_of(response)
    body["other_register"] = "Ewidencja stowarzyszeń zwykłych Starosty Będzińskiego nr 12"
    assert api.post(f"{API}/organizations/", body, format="json").status_code == 201


def test_organisations_of_others_are_404(api, organization, ngo_admin, other_ngo_user, officer):
    assert act_as(api, ngo_admin).get(f"{API}/organizations/{organization.pk}/").status_code == 200
    for user in (other_ngo_user, officer):
        act_as(api, user)
        assert api.get(f"{API}/organizations/{organization.pk}/").status_code == 404
        assert organization.pk not in [r["id"] for r in api.get(f"{API}/organizations/").json()["results"]]
    for bad in ("abc", "99999999999999999999"):
        assert api.get(f"{API}/organizations/{bad}/").status_code == 404


def test_update_the_profile(api, organization, ngo_admin, ngo_editor):
    response = act_as(api, ngo_admin).patch(
        f"{API}/organizations/{organization.pk}/",
        {"phone": "+48 32 262 00 00", "city": "Będzin"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["city"] == "Będzin"
    response = api.patch(f"{API}/organizations/{organization.pk}/", {"nip": "1234567890"}, format="json")
    assert response.status_code == 400
    assert "nip" in errors_of(response)
    response = act_as(api, ngo_editor).patch(
        f"{API}/organizations/{organization.pk}/", {"city": "Sosnowiec"}, format="json"
    )
    assert response.status_code == 403
    assert Organization.objects.get(pk=organization.pk).city == "Będzin"


def test_invite_and_accept(api, organization, ngo_admin, ngo_editor, django_capture_on_commit_callbacks):
    url = f"{API}/organizations/{organization.pk}/invitations/"
    act_as(api, ngo_admin)
    response = api.post(url, {"email": "nowa@example.org", "role": "bogus"}, format="json")
    assert response.status_code == 400
    assert "role" in errors_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            url, {"email": "Nowa@Example.org", "role": "signatory", "function": "Skarbnik"}, format="json"
        )
    assert response.status_code == 201, response.content
    assert "token" not in response.json()
    invitation = Invitation.objects.get()
    assert str(invitation.token) in mail.outbox[-1].body
    assert (
        act_as(api, ngo_editor)
        .post(url, {"email": "x@example.org", "role": "editor"}, format="json")
        .status_code
        == 403
    )

    newcomer = UserFactory()
    act_as(api, newcomer)
    response = api.post(f"{API}/invitations/{invitation.token}/accept/")
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "signatory"
    assert response.json()["organization"]["id"] == organization.pk
    assert act_as(api, newcomer).get(f"{API}/organizations/{organization.pk}/").status_code == 200
    assert api.post(f"{API}/invitations/{invitation.token}/accept/").status_code == 409
    assert api.post(f"{API}/invitations/{uuid.uuid4()}/accept/").status_code == 404
    assert api.post(f"{API}/invitations/not-a-token/accept/").status_code == 404


# --- creating and reading offers -------------------------------------------------------------------


def test_create_a_draft_prefilled_from_the_profile(api, area, organization, ngo_editor):
    response = act_as(api, ngo_editor).post(
        f"{API}/offers/", {"task_area": area.pk, "organization": organization.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft"
    sections = {s["key"]: s for s in body["sections"]}
    assert sections["offeror"]["data"]["nip"] == organization.nip
    assert sections["basic"]["revision"] >= 1
    assert sections["task"]["revision"] == 0
    assert body["number"] == f"{area.competition.reference}/{body['id']}"


def test_one_organisation_files_several_offers_in_one_task(api, area, organization, ngo_admin):
    act_as(api, ngo_admin)
    for _ in range(2):
        response = api.post(
            f"{API}/offers/", {"task_area": area.pk, "organization": organization.pk}, format="json"
        )
        assert response.status_code == 201
    assert Offer.objects.filter(task_area=area, organization=organization).count() == 2


def test_create_bad_input(api, authority, area, organization, ngo_admin, other_ngo_user):
    act_as(api, ngo_admin)
    response = api.post(f"{API}/offers/", {"task_area": "x", "organization": organization.pk}, format="json")
    assert "task_area" in errors_of(response)
    other_organization = Organization.objects.exclude(pk=organization.pk).get()
    response = api.post(
        f"{API}/offers/", {"task_area": area.pk, "organization": other_organization.pk}, format="json"
    )
    assert response.status_code == 400
    assert "organization" in errors_of(response)
    draft_competition = CompetitionFactory(authority=authority)
    response = api.post(
        f"{API}/offers/",
        {"task_area": draft_competition.task_areas.get().pk, "organization": organization.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "task_area" in errors_of(response)
    closed = CompetitionFactory(authority=authority, closed=True)
    response = api.post(
        f"{API}/offers/",
        {"task_area": closed.task_areas.get().pk, "organization": organization.pk},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "competition_not_open"


def test_retrieve_shows_sections_with_revisions_and_attachments(api, offer, ngo_admin):
    stored_attachment(offer, ngo_admin)
    response = act_as(api, ngo_admin).get(offer_url(offer))
    assert response.status_code == 200
    body = response.json()
    assert [s["key"] for s in body["sections"]] == [
        "basic",
        "offeror",
        "partners",
        "task",
        "schedule",
        "results",
        "capacity",
        "costs",
        "sources",
        "other",
        "questions",
        "declarations",
    ]
    assert {s["key"]: s["revision"] for s in body["sections"]}["task"] == revision_of(offer, "task")
    assert body["attachments"][0]["filename"] == "statut.pdf"
    assert body["grant_requested"] == "30000.00"


@pytest.mark.parametrize("bad_id", ["abc", "0", "99999999999999999999", "1e5"])
def test_garbage_offer_ids_are_404(api, ngo_admin, bad_id):
    act_as(api, ngo_admin)
    for suffix in (
        "",
        "problems/",
        "revisions/",
        "receipt/",
        "transitions/",
        "audit/",
        "compare/?older=1&newer=2",
        "attachments/1/download/",
    ):
        assert api.get(offer_url(bad_id, suffix)).status_code == 404, suffix
    assert (
        api.put(
            offer_url(bad_id, "sections/task/"), {"data": {}, "base_revision": 0}, format="json"
        ).status_code
        == 404
    )
    assert api.post(offer_url(bad_id, "submit/"), {}, format="json").status_code == 404
    assert api.delete(offer_url(bad_id, "attachments/1/")).status_code == 404


# --- sections, problems, revisions -----------------------------------------------------------------


def test_save_a_section_returns_revision_and_problems(api, offer, ngo_admin):
    base = revision_of(offer, "task")
    data = {
        "title": "Centrum NGO 2027",
        "start": "2027-02-01",
        "end": "2027-12-15",
        "place": "Będzin",
        "synthesis": "Opis",
    }
    response = act_as(api, ngo_admin).put(
        offer_url(offer, "sections/task/"), {"data": data, "base_revision": base}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == offer.last_revision + 1
    assert body["offer"]["title"] == "Centrum NGO 2027"
    problem = next(p for p in body["problems"] if p["key"] == "task.start")
    assert problem["section"] == "task"
    assert "01.03.2027" in problem["message"]
    assert set(problem) >= {"section", "key", "label", "message"}
    assert api.get(offer_url(offer, "problems/")).json() == body["problems"]


def test_saving_never_loses_what_was_typed(api, offer, ngo_admin):
    data = {
        "lines": [
            {
                "group": "action",
                "action": "a1",
                "name": "Doradca",
                "unit": "godz.",
                "unit_cost": "sto złotych",
                "units": "12,5",
            }
        ]
    }
    response = act_as(api, ngo_admin).put(
        offer_url(offer, "sections/costs/"),
        {"data": data, "base_revision": revision_of(offer, "costs")},
        format="json",
    )
    assert response.status_code == 200
    keys = {p["key"] for p in response.json()["problems"]}
    assert "costs.lines.0.unit_cost" in keys
    saved = {s["key"]: s for s in api.get(offer_url(offer)).json()["sections"]}["costs"]
    assert saved["data"] == data


def test_stale_base_revision_is_409_with_theirs(api, offer, ngo_admin, ngo_editor):
    base = revision_of(offer, "capacity")
    mine = {"prior_activity": "Od 2009 r.", "resources": "Lokal"}
    assert (
        act_as(api, ngo_editor)
        .put(offer_url(offer, "sections/capacity/"), {"data": mine, "base_revision": base}, format="json")
        .status_code
        == 200
    )
    response = act_as(api, ngo_admin).put(
        offer_url(offer, "sections/capacity/"),
        {"data": {"prior_activity": "Inaczej"}, "base_revision": base},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "edit_conflict"
    assert body["theirs"]["data"] == mine
    assert body["theirs"]["saved_by"] == ngo_editor.get_full_name()
    assert offer.sections.get(key="capacity").data == mine


def test_section_bad_input(api, offer, ngo_admin):
    act_as(api, ngo_admin)
    assert (
        api.put(
            offer_url(offer, "sections/budget/"), {"data": {}, "base_revision": 0}, format="json"
        ).status_code
        == 404
    )
    assert (
        api.put(
            offer_url(offer, "sections/attachments/"), {"data": {}, "base_revision": 0}, format="json"
        ).status_code
        == 404
    )
    response = api.put(offer_url(offer, "sections/task/"), {"data": {"title": "x"}}, format="json")
    assert response.status_code == 400
    assert "base_revision" in errors_of(response)
    response = api.put(
        offer_url(offer, "sections/task/"),
        {"data": ["x"], "base_revision": revision_of(offer, "task")},
        format="json",
    )
    assert response.status_code == 400
    assert "task" in errors_of(response)
    response = api.put(
        offer_url(offer, "sections/basic/"),
        {"data": {"task_area": 999999}, "base_revision": revision_of(offer, "basic")},
        format="json",
    )
    assert response.status_code == 400
    assert "basic.task_area" in errors_of(response)


def test_revisions_and_compare(api, offer, ngo_admin):
    act_as(api, ngo_admin)
    data = offer.sections.get(key="task").data
    first = api.put(
        offer_url(offer, "sections/task/"),
        {"data": {**data, "title": "Pierwszy tytuł"}, "base_revision": revision_of(offer, "task")},
        format="json",
    ).json()["revision"]
    second = api.put(
        offer_url(offer, "sections/task/"),
        {"data": {**data, "title": "Drugi tytuł"}, "base_revision": first},
        format="json",
    ).json()["revision"]
    revisions = api.get(offer_url(offer, "revisions/")).json()["results"]
    assert [r["number"] for r in revisions] == [second, first]
    assert revisions[0]["section"] == "task"
    assert revisions[0]["author"] == ngo_admin.get_full_name()
    response = api.get(offer_url(offer, "compare/"), {"older": first, "newer": second})
    assert response.status_code == 200
    assert response.json() == [{"field": "task.title", "before": "Pierwszy tytuł", "after": "Drugi tytuł"}]
    response = api.get(offer_url(offer, "compare/"), {"older": "x"})
    assert response.status_code == 400
    assert {"older", "newer"} <= set(errors_of(response))


# --- attachments -----------------------------------------------------------------------------------


def test_upload_download_remove(api, offer, ngo_admin):
    act_as(api, ngo_admin)
    response = api.post(
        offer_url(offer, "attachments/"), {"file": pdf_upload(), "description": "Statut"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    attachment_id = response.json()["id"]
    download = api.get(offer_url(offer, f"attachments/{attachment_id}/download/"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/pdf"
    assert api.delete(offer_url(offer, f"attachments/{attachment_id}/")).status_code == 204
    assert OfferAttachment.objects.get(pk=attachment_id).removed_at is not None
    assert api.get(offer_url(offer, f"attachments/{attachment_id}/download/")).status_code == 404
    assert api.delete(offer_url(offer, f"attachments/{attachment_id}/")).status_code == 404
    assert [e.action for e in audit_events_for(offer)][-2:] == [
        "offers.offer.attach",
        "offers.offer.remove_attachment",
    ]


def test_upload_bad_files_are_400_at_the_file(api, offer, ngo_admin, published):
    act_as(api, ngo_admin)
    cases = [
        {},
        {"file": pdf_upload("program.exe", b"MZ\x90\x00")},
        {"file": pdf_upload("skan.pdf", b"GIF89a not a pdf")},
    ]
    for body in cases:
        response = api.post(offer_url(offer, "attachments/"), body, format="multipart")
        assert response.status_code == 400, body
        assert "file" in errors_of(response)
    foreign = CompetitionFactory().required_attachments.create(name="Statut")
    response = api.post(
        offer_url(offer, "attachments/"),
        {"file": pdf_upload(), "requirement": foreign.pk},
        format="multipart",
    )
    assert response.status_code == 400
    assert "requirement" in errors_of(response)
    assert not OfferAttachment.objects.exists()


def test_oversized_upload_is_a_field_error_never_500(api, offer, ngo_admin, settings):
    settings.POZYTEK_MAX_UPLOAD_BYTES = 4096
    act_as(api, ngo_admin)
    # cut while the file streams in (workflow.uploads sets request.upload_too_large)
    response = api.post(
        offer_url(offer, "attachments/"), {"file": pdf_upload(content=PDF + b"0" * 8000)}, format="multipart"
    )
    assert response.status_code == 400
    assert "too large" in errors_of(response)["file"][0]
    # refused from the declared length before anything is read
    response = api.post(
        offer_url(offer, "attachments/"),
        {"file": pdf_upload(content=PDF + b"0" * 80_000)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "too large" in errors_of(response)["file"][0]
    assert not OfferAttachment.objects.exists()


def test_oversized_upload_with_session_and_csrf_is_400(offer, ngo_admin, settings):
    """With session auth the CSRF check reads the body first; the cut upload must still be a 400."""
    from rest_framework.test import APIClient

    settings.POZYTEK_MAX_UPLOAD_BYTES = 4096
    browser = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert browser.login(username=ngo_admin.username, password=PASSWORD)
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    for content in (PDF + b"0" * 8000, PDF + b"0" * 80_000):
        response = browser.post(
            offer_url(offer, "attachments/"),
            {"file": pdf_upload(content=content)},
            format="multipart",
            HTTP_X_CSRFTOKEN=secret,
        )
        assert response.status_code == 400
        assert "file" in errors_of(response)
    response = browser.post(
        offer_url(offer, "attachments/"), {"file": pdf_upload()}, format="multipart", HTTP_X_CSRFTOKEN=secret
    )
    assert response.status_code == 201


# --- transitions and the receipt -------------------------------------------------------------------


def test_submit_with_budget_errors_is_400_at_the_lines(api, offer, ngo_admin):
    costs = offer.sections.get(key="costs").data
    costs["lines"][0]["unit_cost"] = "abc"
    costs["lines"][1]["grant_part"] = "9999.00"
    act_as(api, ngo_admin)
    api.put(
        offer_url(offer, "sections/costs/"),
        {"data": costs, "base_revision": revision_of(offer, "costs")},
        format="json",
    )
    response = api.post(offer_url(offer, "submit/"), {}, format="json")
    assert response.status_code == 400
    errors = errors_of(response)
    assert "costs.lines.0.unit_cost" in errors
    assert errors["costs.lines.1.grant_part"][0].startswith("V.A line II.1:")
    assert Offer.objects.get(pk=offer.pk).state == OfferState.DRAFT


def test_submit_then_receipt(api, offer, ngo_admin, django_capture_on_commit_callbacks):
    act_as(api, ngo_admin)
    assert api.get(offer_url(offer, "receipt/")).status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(offer_url(offer, "submit/"), {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"
    stored = Offer.objects.get(pk=offer.pk)
    receipt = api.get(offer_url(offer, "receipt/")).json()
    assert receipt["sha256"] == stored.snapshot_sha256 == snapshot_hash(stored.snapshot)
    submitted_at = dt.datetime.fromisoformat(receipt["submitted_at"])
    assert submitted_at == stored.submitted_at
    assert submitted_at.utcoffset() == stored.submitted_at.astimezone(ZoneInfo("Europe/Warsaw")).utcoffset()
    assert receipt["timezone"] == "Europe/Warsaw"
    assert receipt["number"] == stored.number
    assert stored.snapshot_sha256 in mail.outbox[-1].body
    response = api.post(offer_url(offer, "submit/"), {}, format="json")
    assert response.status_code == 409  # twice
    assert response.json()["code"] == "wrong_state"


def test_editor_cannot_submit(api, offer, ngo_editor):
    response = act_as(api, ngo_editor).post(offer_url(offer, "submit/"), {}, format="json")
    assert response.status_code == 403
    assert Offer.objects.get(pk=offer.pk).state == OfferState.DRAFT


def test_withdraw_and_discard(api, area, organization, ngo_admin):
    submitted = OfferFactory(task_area=area, organization=organization, submitted=True)
    draft = OfferFactory(task_area=area, organization=organization)
    act_as(api, ngo_admin)
    assert api.post(offer_url(draft, "withdraw/"), {}, format="json").status_code == 409
    response = api.post(offer_url(submitted, "withdraw/"), {"reason": "Rezygnacja z udziału"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    response = api.post(offer_url(draft, "discard/"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "discarded"
    ids = [row["id"] for row in api.get(f"{API}/offers/").json()["results"]]
    assert submitted.pk in ids
    assert draft.pk not in ids


def test_offer_transitions_and_audit(api, area, organization, ngo_editor):
    act_as(api, ngo_editor)
    offer_id = api.post(
        f"{API}/offers/", {"task_area": area.pk, "organization": organization.pk}, format="json"
    )
    offer_id = offer_id.json()["id"]
    by_name = {t["name"]: t for t in api.get(offer_url(offer_id, "transitions/")).json()}
    assert by_name["submit"]["allowed"] is False
    assert by_name["submit"]["reasons"][0]["code"] == "forbidden"
    assert by_name["discard"]["allowed"] is True
    assert api.post(offer_url(offer_id, "discard/"), {"reason": "Pomyłka"}, format="json").status_code == 200
    events = api.get(offer_url(offer_id, "audit/")).json()
    assert [(e["action"], e["source_state"], e["target_state"]) for e in events] == [
        ("offers.offer.create", "", "draft"),
        ("offers.offer.discard", "draft", "discarded"),
    ]
    assert events[1]["actor"] == ngo_editor.get_full_name()
    assert events[1]["reason"] == "Pomyłka"
    assert events[1]["prev_hash"] == events[0]["hash"]


def test_user_list_filters(api, area, organization, ngo_admin):
    draft = OfferFactory(task_area=area, organization=organization)
    submitted = OfferFactory(task_area=area, organization=organization, submitted=True)
    OfferFactory(task_area=area)  # someone else's
    act_as(api, ngo_admin)
    rows = api.get(f"{API}/offers/").json()["results"]
    assert {row["id"] for row in rows} == {draft.pk, submitted.pk}
    rows = api.get(f"{API}/offers/", {"state": "submitted"}).json()["results"]
    assert [row["id"] for row in rows] == [submitted.pk]
    assert api.get(f"{API}/offers/", {"state": "lost"}).status_code == 400


# --- the authority's list and query budgets --------------------------------------------------------


def test_staff_list_offers_of_a_closed_competition(api, authority, officer, other_ngo_user, ngo_admin):
    closed = CompetitionFactory(authority=authority, closed=True)
    area = closed.task_areas.get()
    submitted = OfferFactory(task_area=area, submitted=True)
    OfferFactory(task_area=area)  # a draft: never shown to the authority
    open_competition = CompetitionFactory(authority=authority, published=True)
    OfferFactory(task_area=open_competition.task_areas.get(), submitted=True)
    response = act_as(api, officer).get(f"{API}/competitions/{closed.pk}/offers/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [submitted.pk]
    # before the deadline the authority sees no offer's content
    assert (
        act_as(api, officer).get(f"{API}/competitions/{open_competition.pk}/offers/").json()["results"] == []
    )
    for user in (other_ngo_user, ngo_admin):
        assert act_as(api, user).get(f"{API}/competitions/{closed.pk}/offers/").status_code == 404


def _same_queries_for_1_and_50(api, user, url, make_row, django_assert_num_queries):
    make_row()
    act_as(api, user).get(url)  # warm the content-type cache
    act_as(api, user)
    one = count_queries(lambda: api.get(url))
    for _ in range(49):
        make_row()
    act_as(api, user)
    with django_assert_num_queries(one):
        response = api.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50


def test_user_offers_list_same_queries_for_1_and_50(
    api, area, organization, ngo_admin, django_assert_num_queries
):
    _same_queries_for_1_and_50(
        api,
        ngo_admin,
        f"{API}/offers/",
        lambda: OfferFactory(task_area=area, organization=organization, content=False),
        django_assert_num_queries,
    )


def test_staff_offers_list_same_queries_for_1_and_50(api, authority, officer, django_assert_num_queries):
    closed = CompetitionFactory(authority=authority, closed=True)
    area = closed.task_areas.get()
    _same_queries_for_1_and_50(
        api,
        officer,
        f"{API}/competitions/{closed.pk}/offers/",
        lambda: OfferFactory(
            task_area=area, organization=OrganizationFactory(), submitted=True, content=False
        ),
        django_assert_num_queries,
    )
