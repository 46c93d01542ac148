"""The back office: every model registered, transitions only through the transition service
(audited, guarded), nothing hard-deleted, the audit trail read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from competitions.models import Competition, CompetitionState
from offers.models import Offer, OfferState, Organization
from workflow.audit import audit_events_for, audit_record
from workflow.models import AuditEvent, Notification

from .factories import CompetitionFactory, OfferFactory, record_all_channels

pytestmark = pytest.mark.django_db

APPS = ("workflow", "competitions", "offers")


@pytest.fixture
def boss(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


def admin_url(obj_or_model, view: str, *args) -> str:
    meta = obj_or_model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_every_model_of_the_three_apps_is_registered():
    from django.apps import apps

    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model), model


def test_admin_pages_load_for_a_superuser(boss, authority, officer, organization, ngo_admin):
    competition = CompetitionFactory(authority=authority, closed=True)
    OfferFactory(task_area=competition.task_areas.get(), organization=organization, submitted=True)
    record_all_channels(competition, officer)
    from django.db import transaction

    with transaction.atomic():
        audit_record(subject=competition, action="competitions.competition.test", actor=officer)
    Notification.objects.create(key="k1", recipient=officer, subject="Temat", body="Treść")

    assert boss.get(reverse("admin:index")).status_code == 200
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APPS:
            continue
        changelist = boss.get(admin_url(model, "changelist"))
        assert changelist.status_code == 200, model
        obj = model_admin.get_queryset(changelist.wsgi_request).first()
        if obj is not None:
            assert boss.get(admin_url(model, "change", obj.pk)).status_code == 200, model


def test_a_transition_button_goes_through_the_service_and_is_audited(boss, admin_user, authority):
    competition = CompetitionFactory(authority=authority)
    change = boss.get(admin_url(competition, "change", competition.pk))
    transition_url = reverse("admin:competitions_competition_transition", args=[competition.pk, "approve"])
    assert transition_url in change.content.decode()
    # the form asks for what the transition needs; without it nothing happens
    assert "approved by" in boss.get(transition_url).content.decode()
    response = boss.post(transition_url, {"approval_reference": ""})
    assert response.status_code == 200
    competition.refresh_from_db()
    assert competition.state == CompetitionState.DRAFT

    response = boss.post(transition_url, {"approval_reference": "Zarządzenie 7/2027", "reason": "z zaplecza"})
    assert response.status_code == 302
    competition.refresh_from_db()
    assert competition.state == CompetitionState.APPROVED
    assert competition.approval_reference == "Zarządzenie 7/2027"
    event = audit_events_for(competition).last()
    assert (event.action, event.actor, event.source_state, event.target_state, event.reason) == (
        "competitions.competition.approve", admin_user, "draft", "approved", "z zaplecza")


def inline_management(prefix: str, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": initial, f"{prefix}-INITIAL_FORMS": initial,
            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}


def test_the_mixins_own_button_leads_to_the_service_not_the_method(boss, authority):
    competition = CompetitionFactory(authority=authority, approved=True)
    response = boss.post(admin_url(competition, "change", competition.pk),
                         {"is_active": "on", "_fsm_transition_to": "reopen",
                          **inline_management("task_areas"), **inline_management("publications")})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:competitions_competition_transition",
                                           args=[competition.pk, "reopen"])
    competition.refresh_from_db()
    assert competition.state == CompetitionState.APPROVED
    assert boss.post(response["Location"], {"reason": ""}).status_code == 302
    competition.refresh_from_db()
    assert competition.state == CompetitionState.DRAFT
    assert audit_events_for(competition).last().action == "competitions.competition.reopen"


def test_a_refused_transition_is_an_admin_message_and_changes_nothing(boss, authority):
    competition = CompetitionFactory(authority=authority, approved=True)
    before = AuditEvent.objects.count()
    change = boss.get(admin_url(competition, "change", competition.pk)).content.decode()
    assert "Publication not recorded on" in change  # why "Publish" is not offered

    publish = reverse("admin:competitions_competition_transition", args=[competition.pk, "publish"])
    response = boss.post(publish, {"reason": ""})
    assert response.status_code == 302
    assert any("Publication not recorded on" in m for m in messages_of(response))
    competition.refresh_from_db()
    assert competition.state == CompetitionState.APPROVED
    assert AuditEvent.objects.count() == before


def test_extend_deadline_in_the_admin_reports_field_errors(boss, authority):
    competition = CompetitionFactory(authority=authority, published=True)
    url = reverse("admin:competitions_competition_transition", args=[competition.pk, "extend_deadline"])
    response = boss.post(url, {"new_deadline": "2020-01-01T10:00", "reason": "awaria"})
    assert response.status_code == 200
    assert "The new deadline must be in the future." in response.content.decode()
    before = competition.submission_deadline
    competition.refresh_from_db()
    assert competition.submission_deadline == before


def test_an_offer_is_submitted_through_its_service(boss, organization):
    offer = OfferFactory(organization=organization)
    url = reverse("admin:offers_offer_transition", args=[offer.pk, "submit"])
    assert url in boss.get(admin_url(offer, "change", offer.pk)).content.decode()
    assert boss.post(url, {"reason": ""}).status_code == 302
    offer.refresh_from_db()
    assert offer.state == OfferState.SUBMITTED
    # the service's effect (snapshot, hash, cost lines), not just the state machine's
    assert len(offer.snapshot_sha256) == 64 and offer.cost_lines.exists()
    assert audit_events_for(offer).last().action == "offers.offer.submit"


def test_delete_is_not_offered(boss, authority, organization):
    competition = CompetitionFactory(authority=authority, closed=True)
    offer = OfferFactory(task_area=competition.task_areas.get(), organization=organization, submitted=True)
    from django.db import transaction

    with transaction.atomic():
        event = audit_record(subject=competition, action="competitions.competition.test")
    for obj in (competition, offer, organization, event, authority):
        change = boss.get(admin_url(obj, "change", obj.pk))
        assert change.status_code == 200
        assert admin_url(obj, "delete", obj.pk) not in change.content.decode()
        assert boss.post(admin_url(obj, "delete", obj.pk), {"post": "yes"}).status_code == 403
        changelist = boss.get(admin_url(obj, "changelist")).content.decode()
        assert 'value="delete_selected"' not in changelist
    assert Competition.objects.filter(pk=competition.pk).exists()
    assert Offer.objects.filter(pk=offer.pk).exists()
    assert Organization.objects.filter(pk=organization.pk).exists()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_audit_trail_and_notifications_are_read_only(boss, officer, authority):
    from django.db import transaction

    with transaction.atomic():
        event = audit_record(subject=authority, action="competitions.authority.test")
    notification = Notification.objects.create(key="k2", recipient=officer, subject="Temat", body="Treść")
    for obj in (event, notification):
        assert boss.get(admin_url(obj, "add")).status_code == 403
        page = boss.get(admin_url(obj, "change", obj.pk)).content.decode()
        assert 'name="_save"' not in page
        response = boss.post(admin_url(obj, "change", obj.pk), {"reason": "changed", "subject": "changed"})
        assert response.status_code == 403
    event.refresh_from_db()
    assert event.reason == ""


def test_an_admin_change_of_a_draft_is_audited_and_a_published_one_is_frozen(boss, admin_user, authority):
    draft = CompetitionFactory(authority=authority)
    page = boss.get(admin_url(draft, "change", draft.pk)).content.decode()
    assert 'name="title"' in page
    data = {
        "authority": authority.pk, "reference": draft.reference, "title": "Nowy tytuł z zaplecza",
        "year": draft.year, "is_active": "on", "task_type": draft.task_type, "award_rules": draft.award_rules,
        "performance_terms": draft.performance_terms,
        "submission_deadline_0": timezone.localtime(draft.submission_deadline).strftime("%Y-%m-%d"),
        "submission_deadline_1": timezone.localtime(draft.submission_deadline).strftime("%H:%M"),
        "submission_deadline": timezone.localtime(draft.submission_deadline).strftime("%Y-%m-%dT%H:%M"),
        "selection_procedure": draft.selection_procedure, "selection_date": draft.selection_date.isoformat(),
        "remedy_days": 7, "per_line_grant_split": "on", "allow_joint_offers": "on",
        "cancellation_reservation": "",
        "task_areas-TOTAL_FORMS": 1, "task_areas-INITIAL_FORMS": 1, "task_areas-MIN_NUM_FORMS": 0,
        "task_areas-MAX_NUM_FORMS": 1000, "task_areas-0-id": draft.task_areas.get().pk,
        "task_areas-0-competition": draft.pk,
        "publications-TOTAL_FORMS": 0, "publications-INITIAL_FORMS": 0, "publications-MIN_NUM_FORMS": 0,
        "publications-MAX_NUM_FORMS": 1000,
    }
    response = boss.post(admin_url(draft, "change", draft.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.title == "Nowy tytuł z zaplecza"
    event = audit_events_for(draft).last()
    assert (event.action, event.actor, event.actor_role) == (
        "competitions.competition.admin_change", admin_user, "admin")
    assert event.payload["fields"] == {"title": "Nowy tytuł z zaplecza"}

    published = CompetitionFactory(authority=authority, published=True)
    page = boss.get(admin_url(published, "change", published.pk)).content.decode()
    assert 'name="title"' not in page and 'name="is_active"' in page
