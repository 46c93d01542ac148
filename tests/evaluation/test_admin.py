"""The evaluation's back office: every model registered and readable, no hand edits, and the
transition buttons go through the services (audited)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from evaluation.models import Evaluation, FormalCheck, FormalCheckState
from workflow.audit import audit_events_for

from .builders import scored_competition

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


def url(obj_or_model, view: str, *args) -> str:
    meta = obj_or_model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def test_every_evaluation_model_is_registered_and_its_pages_load(boss, authority, officer, approver):
    scored_competition(authority, officer, approver)
    from evaluation.exports import export_job_run

    export_job_run(evaluation_id=Evaluation.objects.get().pk,
                   requested_by_id=officer.pk)
    for model in apps.get_app_config("evaluation").get_models():
        assert admin.site.is_registered(model), model
        assert boss.get(url(model, "changelist")).status_code == 200, model
        obj = model.objects.first()
        if obj is not None:
            page = boss.get(url(model, "change", obj.pk))
            assert page.status_code == 200, model
            assert url(obj, "delete", obj.pk) not in page.content.decode()
        assert boss.get(url(model, "add")).status_code == 403, model


def test_a_formal_check_is_rejected_in_the_admin_through_its_service(boss, admin_user, authority, officer):
    from competitions.models import ChecklistItem
    from evaluation import services

    from ..factories import CompetitionFactory, OfferFactory

    competition = CompetitionFactory(authority=authority, closed=True)
    item = ChecklistItem.objects.create(competition=competition, text="Złożona w terminie", remediable=False)
    offer = OfferFactory(task_area=competition.task_areas.get(), submitted=True)
    services.evaluation_start(competition=competition, actor=officer)
    check = FormalCheck.objects.get(offer=offer)
    services.formal_check_record(check=check, actor=officer, results={item.pk: ("defect", "Po terminie")})
    target = reverse("admin:evaluation_formalcheck_transition", args=[check.pk, "reject"])
    assert target in boss.get(url(check, "change", check.pk)).content.decode()
    assert boss.post(target, {"reasons": ""}).status_code == 200  # the form asks for the reasons
    assert FormalCheck.objects.get(pk=check.pk).state == FormalCheckState.OPEN
    assert boss.post(target, {"reasons": "Oferta złożona po terminie."}).status_code == 302
    check.refresh_from_db()
    assert (check.state, check.reasons) == (FormalCheckState.REJECTED, "Oferta złożona po terminie.")
    event = audit_events_for(check).last()
    assert (event.action, event.actor, event.reason) == ("evaluation.formalcheck.reject", admin_user,
                                                         "Oferta złożona po terminie.")
