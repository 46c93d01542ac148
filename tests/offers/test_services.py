"""Services of organisations and offers: drafting section by section with conflict detection,
every version kept, submission (snapshot, hash, cost lines, receipt), attachments."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from competitions.models import RequiredAttachment
from offers.form import read_offer_from_db
from offers.models import (
    CostLine,
    Offer,
    OfferAttachment,
    OfferRevision,
    OfferState,
    Organization,
    RepresentationRole,
)
from offers.selectors import offer_compare, offer_list_for_user, offer_revisions
from offers.services import (
    attachment_add,
    attachment_remove,
    invitation_accept,
    invitation_create,
    offer_copy,
    offer_create,
    offer_discard,
    offer_save_section,
    offer_submit,
    offer_withdraw,
    organization_register,
    organization_update,
    representation_set,
    snapshot_hash,
)
from workflow.audit import audit_events_for
from workflow.errors import EditConflict, Forbidden, InvalidData, NotFound, WrongState
from workflow.models import Notification
from workflow.permissions import has_object_perm

from ..factories import (
    CompetitionFactory,
    OfferFactory,
    TaskAreaFactory,
    UserFactory,
    complete_sections,
    representative,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True, scope="module")
def english():
    """The messages asserted here are the English source strings, whatever locale/pl holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def area(published):
    return published.task_areas.get()


@pytest.fixture
def draft(area, organization, ngo_admin):
    return offer_create(task_area=area, organization=organization, actor=ngo_admin)


def fill(offer, user, sections):
    for key, data in sections.items():
        current = offer.sections.filter(key=key).values_list("revision", flat=True).first()
        offer_save_section(offer=offer, actor=user, key=key, data=data, base_revision=current or 0)
    offer.refresh_from_db()
    return offer


@pytest.fixture
def complete(draft, area, organization, ngo_admin):
    return fill(draft, ngo_admin, complete_sections(area, organization))


# --- creating a draft ----------------------------------------------------------------------------------


def test_a_new_draft_is_prefilled_from_the_profile(draft, organization, ngo_admin):
    sections = {s.key: s for s in draft.sections.all()}
    assert set(sections) == {"basic", "offeror", "declarations"}
    assert sections["offeror"].data["nip"] == organization.nip
    assert sections["offeror"].data["contact_email"] == ngo_admin.email
    assert sections["declarations"].data["signatories"] == [
        {"name": ngo_admin.get_full_name(), "function": "Prezes Zarządu"}
    ]
    assert draft.last_revision == 3
    assert [e.action for e in audit_events_for(draft)] == ["offers.offer.create"]


def test_one_organisation_files_several_offers_in_one_competition(area, organization, ngo_admin):
    offers = [
        fill(
            offer_create(task_area=area, organization=organization, actor=ngo_admin),
            ngo_admin,
            complete_sections(area, organization),
        )
        for _ in range(3)
    ]
    for offer in offers:
        offer_submit(offer, actor=ngo_admin)
    assert (
        Offer.objects.filter(
            organization=organization, competition=area.competition, state=OfferState.SUBMITTED
        ).count()
        == 3
    )
    assert len({o.snapshot_sha256 for o in Offer.objects.filter(pk__in=[o.pk for o in offers])}) == 3
    assert offer_list_for_user(user=ngo_admin).count() == 3


def test_only_a_representative_who_drafts_may_create(area, organization, stranger, other_ngo_user, officer):
    for user in (stranger, other_ngo_user, officer):
        with pytest.raises(Forbidden):
            offer_create(task_area=area, organization=organization, actor=user)
    assert not Offer.objects.exists()


@pytest.mark.parametrize("state", ["draft", "approved", "submission_closed", "cancelled"])
def test_no_draft_in_a_competition_not_accepting_offers(state, authority, organization, ngo_admin):
    competition = CompetitionFactory(authority=authority, state=state, with_areas=False)
    with pytest.raises(WrongState):
        offer_create(
            task_area=TaskAreaFactory(competition=competition), organization=organization, actor=ngo_admin
        )


# --- saving sections: conflicts and versions --------------------------------------------------------------


def test_a_stale_base_revision_is_a_conflict_carrying_theirs(draft, organization, ngo_admin, ngo_editor):
    first = offer_save_section(
        offer=draft, actor=ngo_editor, key="task", data={"title": "Pierwszy"}, base_revision=0
    )
    assert first.revision == 4
    with pytest.raises(EditConflict) as excinfo:
        offer_save_section(offer=draft, actor=ngo_admin, key="task", data={"title": "Drugi"}, base_revision=0)
    conflict = excinfo.value
    assert conflict.status_code == 409
    assert conflict.theirs["revision"] == 4 and conflict.theirs["data"] == {"title": "Pierwszy"}
    assert conflict.theirs["saved_by"] == ngo_editor.get_full_name() and conflict.theirs["saved_at"]
    assert conflict.as_dict()["theirs"]["data"] == {"title": "Pierwszy"}
    draft.refresh_from_db()
    assert draft.sections.get(key="task").data == {"title": "Pierwszy"}
    assert draft.title == "Pierwszy" and draft.last_revision == 4
    # having seen theirs, the user saves on top of it
    offer_save_section(offer=draft, actor=ngo_admin, key="task", data={"title": "Drugi"}, base_revision=4)
    assert draft.sections.get(key="task").data == {"title": "Drugi"}


def test_sections_save_independently(draft, ngo_admin, ngo_editor):
    """Two people on two sections of one draft do not conflict."""
    offer_save_section(offer=draft, actor=ngo_editor, key="task", data={"title": "T"}, base_revision=0)
    offer_save_section(
        offer=draft, actor=ngo_admin, key="capacity", data={"prior_activity": "Od 2009"}, base_revision=0
    )
    assert {s.key: s.revision for s in draft.sections.all()}["capacity"] == 5


def test_every_saved_version_is_kept(draft, ngo_admin):
    for revision, title in enumerate(["Wersja 1", "Wersja 2", "Wersja 3"], start=0):
        base = 0 if revision == 0 else 3 + revision
        offer_save_section(
            offer=draft, actor=ngo_admin, key="task", data={"title": title}, base_revision=base
        )
    versions = list(
        OfferRevision.objects.filter(offer=draft).order_by("number").values_list("number", "section", "data")
    )
    assert [v[0] for v in versions] == [1, 2, 3, 4, 5, 6]
    assert [v[2]["title"] for v in versions if v[1] == "task"] == ["Wersja 1", "Wersja 2", "Wersja 3"]
    assert [r.number for r in offer_revisions(offer=draft)] == [6, 5, 4, 3, 2, 1]


def test_compare_shows_exactly_the_changed_fields(complete, ngo_admin):
    task = dict(complete.sections.get(key="task").data)
    base = complete.sections.get(key="task").revision
    older = complete.last_revision
    changed = {**task, "title": "Nowy tytuł", "place": task["place"]}
    changed.pop("synthesis")
    changed["start"] = "2027-04-01"
    offer_save_section(offer=complete, actor=ngo_admin, key="task", data=changed, base_revision=base)
    complete.refresh_from_db()
    rows = offer_compare(offer=complete, older=older, newer=complete.last_revision)
    assert rows == [
        {"field": "task.start", "before": "2027-03-01", "after": "2027-04-01"},
        {"field": "task.synthesis", "before": task["synthesis"], "after": ""},
        {"field": "task.title", "before": task["title"], "after": "Nowy tytuł"},
    ]
    assert offer_compare(offer=complete, older=complete.last_revision, newer=complete.last_revision) == []


def test_compare_across_sections_and_list_items(complete, ngo_admin):
    costs = json.loads(json.dumps(complete.sections.get(key="costs").data))
    costs["lines"][1]["unit_cost"] = "2500"
    older = complete.last_revision
    offer_save_section(
        offer=complete,
        actor=ngo_admin,
        key="costs",
        data=costs,
        base_revision=complete.sections.get(key="costs").revision,
    )
    offer_save_section(
        offer=complete,
        actor=ngo_admin,
        key="sources",
        data={"own_financial": "4500"},
        base_revision=complete.sections.get(key="sources").revision,
    )
    complete.refresh_from_db()
    fields = [
        row["field"] for row in offer_compare(offer=complete, older=older, newer=complete.last_revision)
    ]
    assert fields == ["costs.lines.2.unit_cost", "sources.own_financial"]


def test_saving_keeps_the_projections_current(complete):
    assert complete.title == "Centrum wsparcia organizacji pozarządowych"
    assert (complete.total_cost, complete.grant_requested) == (Decimal("34000.00"), Decimal("30000.00"))


def test_saving_never_validates_a_draft(draft, ngo_admin):
    """Problems are shown as the user goes; what was typed is saved exactly, even nonsense."""
    data = {"lines": [{"unit_cost": "abc", "units": "-1"}], "extra": ["x", {"y": None}]}
    section = offer_save_section(offer=draft, actor=ngo_admin, key="costs", data=data, base_revision=0)
    assert section.data == data
    assert read_offer_from_db(draft).problems


def test_a_null_character_is_dropped_not_a_500(draft, ngo_admin):
    """PostgreSQL's jsonb refuses U+0000; a pasted one must not make the autosave fail."""
    data = {"title": "Cen\x00trum", "tags\x00": ["a\x00", {"b": "\x00c"}]}
    section = offer_save_section(offer=draft, actor=ngo_admin, key="task", data=data, base_revision=0)
    section.refresh_from_db()
    assert section.data == {"title": "Centrum", "tags": ["a", {"b": "c"}]}
    assert draft.revisions.get(number=section.revision).data == section.data


@pytest.mark.parametrize(
    ("key", "data", "error"),
    [
        ("nonsense", {}, NotFound),
        ("attachments", {}, NotFound),
        ("task", ["a list"], InvalidData),
        ("task", {"title": "x" * 400_001}, InvalidData),
    ],
    ids=["unknown", "attachments-are-files", "not-a-dict", "too-big"],
)
def test_malformed_saves_are_refused_without_a_500(draft, ngo_admin, key, data, error):
    with pytest.raises(error):
        offer_save_section(offer=draft, actor=ngo_admin, key=key, data=data, base_revision=None)
    assert draft.revisions.count() == 3


def test_the_task_must_be_one_of_the_competition(draft, ngo_admin, authority):
    other = TaskAreaFactory(
        competition=CompetitionFactory(authority=authority, published=True, with_areas=False)
    )
    for value in (other.pk, "abc", None):
        with pytest.raises(InvalidData) as excinfo:
            offer_save_section(
                offer=draft, actor=ngo_admin, key="basic", data={"task_area": value}, base_revision=None
            )
        assert list(excinfo.value.errors) == ["basic.task_area"]
    second = TaskAreaFactory(competition=draft.competition)
    offer_save_section(
        offer=draft, actor=ngo_admin, key="basic", data={"task_area": second.pk}, base_revision=1
    )
    draft.refresh_from_db()
    assert draft.task_area == second


def test_only_the_organisations_people_edit(draft, other_ngo_user, officer, stranger):
    for user in (other_ngo_user, officer, stranger):
        with pytest.raises(Forbidden):
            offer_save_section(offer=draft, actor=user, key="task", data={"title": "x"}, base_revision=0)
    assert not draft.sections.filter(key="task").exists()


def test_a_submitted_offer_cannot_be_edited(complete, ngo_admin):
    offer = offer_submit(complete, actor=ngo_admin)
    base = offer.sections.get(key="task").revision
    with pytest.raises(WrongState) as excinfo:
        offer_save_section(
            offer=offer, actor=ngo_admin, key="task", data={"title": "Po terminie"}, base_revision=base
        )
    assert excinfo.value.status_code == 409 and excinfo.value.code == "not_draft"
    with pytest.raises(WrongState):
        attachment_add(offer=offer, actor=ngo_admin, upload=SimpleUploadedFile("a.pdf", PDF))
    assert offer.sections.get(key="task").data["title"] != "Po terminie"


# --- submission ---------------------------------------------------------------------------------------


def test_submission_freezes_hashes_and_writes_cost_lines(
    complete, organization, ngo_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        returned = offer_submit(complete, actor=ngo_admin)
    assert (returned.total_cost, returned.grant_requested) == (Decimal("34000.00"), Decimal("30000.00"))
    assert isinstance(returned.total_cost, Decimal)  # money is never a string, even before a reload
    offer = Offer.objects.get(pk=complete.pk)
    assert offer.state == OfferState.SUBMITTED and offer.submitted_by == ngo_admin
    # the hash recomputes from the snapshot as stored (JSON on SQLite, JSONB on PostgreSQL)
    assert snapshot_hash(offer.snapshot) == offer.snapshot_sha256
    encoded = json.dumps(offer.snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(encoded.encode()).hexdigest() == offer.snapshot_sha256
    snapshot = offer.snapshot
    assert snapshot["organization"]["nip"] == organization.nip
    assert snapshot["budget"]["total"] == "34000.00" and snapshot["budget"]["grant"] == "30000.00"
    assert snapshot["sections"]["task"]["title"] == offer.title
    assert snapshot["submitted_by"] == ngo_admin.pk and snapshot["submitted_at"]
    assert list(
        CostLine.objects.filter(offer=offer).values_list(
            "position", "label", "group", "unit_cost", "units", "value", "grant_part"
        )
    ) == [
        (
            1,
            "I.1.1",
            "action",
            Decimal("1.00"),
            Decimal("32000.00"),
            Decimal("32000.00"),
            Decimal("28000.00"),
        ),
        (2, "II.1", "admin", Decimal("2000.00"), Decimal("1.00"), Decimal("2000.00"), Decimal("2000.00")),
    ]
    event = audit_events_for(offer).get(action="offers.offer.submit")
    assert event.payload == {
        "sha256": offer.snapshot_sha256,
        "grant_requested": "30000.00",
        "total_cost": "34000.00",
    }
    (receipt,) = mail.outbox
    assert receipt.to == [ngo_admin.email] and offer.snapshot_sha256 in receipt.body
    assert f"/offers/{offer.pk}/receipt/" in receipt.body
    assert Notification.objects.get(key=f"offer.{offer.pk}.receipt:{ngo_admin.pk}").sent_at


def test_the_snapshot_does_not_follow_later_profile_changes(complete, organization, ngo_admin):
    offer = offer_submit(complete, actor=ngo_admin)
    organization_update(organization=organization, actor=ngo_admin, name="Nowa nazwa", city="Sosnowiec")
    offer.refresh_from_db()
    assert offer.snapshot["organization"]["name"] != "Nowa nazwa"
    assert snapshot_hash(offer.snapshot) == offer.snapshot_sha256


def test_an_incomplete_offer_is_refused_with_its_problems(draft, ngo_admin):
    with pytest.raises(InvalidData) as excinfo:
        offer_submit(draft, actor=ngo_admin)
    errors = excinfo.value.errors
    assert {"task.title", "costs.lines", "schedule.actions"} <= set(errors)
    assert excinfo.value.code == "offer_incomplete"
    draft.refresh_from_db()
    assert draft.state == OfferState.DRAFT and draft.snapshot is None and not draft.cost_lines.exists()
    assert [e.action for e in audit_events_for(draft)] == ["offers.offer.create"]


def test_an_editor_cannot_submit(complete, ngo_editor):
    with pytest.raises(Forbidden):
        offer_submit(complete, actor=ngo_editor)


def test_withdraw_and_discard(complete, draft, area, organization, ngo_admin, ngo_editor):
    submitted = offer_submit(complete, actor=ngo_admin)
    withdrawn = offer_withdraw(submitted, actor=ngo_admin, reason="Rezygnacja")
    assert withdrawn.state == OfferState.WITHDRAWN and withdrawn.withdrawn_at
    assert audit_events_for(withdrawn).last().payload == {"sha256": submitted.snapshot_sha256}
    other = offer_create(task_area=area, organization=organization, actor=ngo_admin)
    assert offer_discard(other, actor=ngo_editor).state == OfferState.DISCARDED
    assert Offer.objects.filter(pk=other.pk).exists()  # nothing is hard-deleted


def test_copy_starts_a_new_draft_with_the_content(complete, area, ngo_admin):
    offer_submit(complete, actor=ngo_admin)
    copy = offer_copy(offer=complete, actor=ngo_admin, task_area=area)
    assert copy.pk != complete.pk and copy.state == OfferState.DRAFT
    assert copy.sections.get(key="costs").data == complete.sections.get(key="costs").data
    assert copy.title == complete.title
    assert read_offer_from_db(copy).blocking == []


# --- attachments -------------------------------------------------------------------------------------


def test_a_pdf_is_stored_outside_the_web_root(draft, ngo_admin):
    attachment = attachment_add(
        offer=draft,
        actor=ngo_admin,
        upload=SimpleUploadedFile("Statut.PDF", PDF),
        description="Statut stowarzyszenia",
    )
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(Path(settings.PRIVATE_STORAGE_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert stored.read_bytes() == PDF and "Statut" not in stored.name  # no user-chosen names on disk
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "Statut.PDF",
        "application/pdf",
        len(PDF),
    )
    event = audit_events_for(draft).get(action="offers.offer.attach")
    assert event.payload["sha256"] == attachment.sha256


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("statut.pdf", b"MZ\x90\x00 not a pdf at all", "The file's content is not a PDF file."),
        ("zdjecie.png", b"%PDF-1.4 a pdf posing as png", "The file's content is not a PNG file."),
        (
            "program.exe",
            b"MZ\x90\x00",
            "Files of type “.exe” are not accepted; use PDF, JPG, PNG, DOCX, XLSX, ODT or ODS.",
        ),
        (
            "statut.pdf.js",
            PDF,
            "Files of type “.js” are not accepted; use PDF, JPG, PNG, DOCX, XLSX, ODT or ODS.",
        ),
        ("README", PDF, "Files of type “?” are not accepted; use PDF, JPG, PNG, DOCX, XLSX, ODT or ODS."),
    ],
)
def test_a_wrong_file_is_refused_at_the_file_field(draft, ngo_admin, name, content, message):
    with pytest.raises(InvalidData) as excinfo:
        attachment_add(offer=draft, actor=ngo_admin, upload=SimpleUploadedFile(name, content))
    assert excinfo.value.errors == {"file": [message]}
    assert not OfferAttachment.objects.exists()


def test_a_too_large_file_is_refused_at_the_file_field(draft, ngo_admin, settings):
    settings.POZYTEK_MAX_UPLOAD_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("duzy.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(InvalidData) as excinfo:
        attachment_add(offer=draft, actor=ngo_admin, upload=upload)
    assert excinfo.value.errors == {"file": ["The file is too large: 1.0 MB, at most 1 MB."]}
    assert not OfferAttachment.objects.exists()


def test_an_attachment_answers_a_requirement_of_its_own_competition(draft, ngo_admin, authority):
    mine = RequiredAttachment.objects.create(competition=draft.competition, name="Statut")
    foreign = RequiredAttachment.objects.create(
        competition=CompetitionFactory(authority=authority), name="Statut"
    )
    with pytest.raises(InvalidData) as excinfo:
        attachment_add(
            offer=draft, actor=ngo_admin, upload=SimpleUploadedFile("s.pdf", PDF), requirement_id=foreign.pk
        )
    assert list(excinfo.value.errors) == ["requirement"]
    key = f"attachments.{mine.pk}"
    assert key in {p.key for p in read_offer_from_db(draft).problems}
    attachment = attachment_add(
        offer=draft, actor=ngo_admin, upload=SimpleUploadedFile("s.pdf", PDF), requirement_id=mine.pk
    )
    assert key not in {p.key for p in read_offer_from_db(draft).problems}
    attachment_remove(attachment=attachment, actor=ngo_admin)
    attachment.refresh_from_db()
    assert attachment.removed_at is not None  # kept, marked removed
    assert key in {p.key for p in read_offer_from_db(draft).problems}
    assert [e.action for e in audit_events_for(draft)][-2:] == [
        "offers.offer.attach",
        "offers.offer.remove_attachment",
    ]


def test_only_the_organisations_people_attach(draft, other_ngo_user):
    with pytest.raises(Forbidden):
        attachment_add(offer=draft, actor=other_ngo_user, upload=SimpleUploadedFile("s.pdf", PDF))
    assert not OfferAttachment.objects.exists()


def test_submitted_attachments_are_in_the_snapshot(complete, ngo_admin):
    attachment = attachment_add(offer=complete, actor=ngo_admin, upload=SimpleUploadedFile("s.pdf", PDF))
    offer = offer_submit(complete, actor=ngo_admin)
    assert offer.snapshot["attachments"] == [
        {
            "id": attachment.pk,
            "filename": "s.pdf",
            "sha256": attachment.sha256,
            "size": len(PDF),
            "requirement": None,
        }
    ]


# --- organisations and their people --------------------------------------------------------------------


def profile(**overrides):
    fields = {
        "name": "Fundacja Nowa",
        "legal_form": "fundacja",
        "krs": "0000123456",
        "nip": "8567346215",
        "regon": "123456785",
        "street": "ul. Długa 1",
        "postal_code": "00-001",
        "city": "Warszawa",
        "email": "biuro@fundacja.example.org",
    }
    fields.update(overrides)
    return fields


def test_registration_makes_the_user_its_administrator(stranger):
    organization = organization_register(user=stranger, function="Prezes", **profile())
    for codename in ("view_organization", "edit_offers", "submit_offers", "administer_organization"):
        assert has_object_perm(stranger, codename, organization)
    assert [e.action for e in audit_events_for(organization)] == ["offers.organization.register"]


def test_an_organisation_outside_the_krs_names_its_register(stranger):
    with pytest.raises(InvalidData) as excinfo:
        organization_register(user=stranger, **profile(krs="", legal_form="uks"))
    assert list(excinfo.value.errors) == ["krs"]
    organization = organization_register(
        user=stranger, **profile(krs="", legal_form="uks", other_register="Ewidencja UKS starosty, nr 15")
    )
    assert organization.register_label() == "Ewidencja UKS starosty, nr 15"
    assert Organization.objects.count() == 1


def test_the_last_administrator_stays(organization, ngo_admin):
    with pytest.raises(InvalidData):
        representation_set(
            organization=organization, user=ngo_admin, role=RepresentationRole.EDITOR, actor=ngo_admin
        )
    assert has_object_perm(ngo_admin, "administer_organization", organization)


def test_a_role_change_changes_the_permissions(organization, ngo_admin, ngo_editor):
    representation_set(
        organization=organization, user=ngo_editor, role=RepresentationRole.SIGNATORY, actor=ngo_admin
    )
    assert has_object_perm(ngo_editor, "submit_offers", organization)
    representation_set(
        organization=organization, user=ngo_editor, role=RepresentationRole.EDITOR, actor=ngo_admin
    )
    assert not has_object_perm(ngo_editor, "submit_offers", organization)
    assert has_object_perm(ngo_editor, "edit_offers", organization)


def test_only_the_administrator_manages_people(organization, ngo_editor):
    with pytest.raises(Forbidden):
        representation_set(
            organization=organization, user=UserFactory(), role=RepresentationRole.ADMIN, actor=ngo_editor
        )
    with pytest.raises(Forbidden):
        invitation_create(organization=organization, email="x@example.org", role="editor", actor=ngo_editor)


def test_an_invitation_is_accepted_once(organization, ngo_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            organization=organization,
            email=" Nowa@Example.org ",
            role=RepresentationRole.SIGNATORY,
            actor=ngo_admin,
        )
    assert invitation.email == "nowa@example.org"
    assert mail.outbox[0].to == ["nowa@example.org"] and str(invitation.token) in mail.outbox[0].body
    newcomer = UserFactory()
    representation = invitation_accept(token=invitation.token, user=newcomer)
    assert representation.role == RepresentationRole.SIGNATORY
    assert has_object_perm(newcomer, "submit_offers", organization)
    with pytest.raises(WrongState):
        invitation_accept(token=invitation.token, user=UserFactory())
    with pytest.raises(NotFound):
        invitation_accept(token="00000000-0000-0000-0000-000000000000", user=UserFactory())  # noqa: S106


def test_a_representative_of_two_organisations_works_for_both(organization, ngo_admin, area):
    from offers.models import Representation

    second = OfferFactory(task_area=area).organization
    Representation.objects.create(organization=second, user=ngo_admin, role=RepresentationRole.ADMIN)
    representative(second)  # somebody else administers it too
    from offers.services import _grant

    _grant(second, ngo_admin, RepresentationRole.ADMIN)
    for org in (organization, second):
        offer_create(task_area=area, organization=org, actor=ngo_admin)
    assert offer_list_for_user(user=ngo_admin).count() == 3
