"""The back office of settlements: every model registered; only the transitions that have a service
are offered, and they run through it (the others are done on their pages, which gather what they need)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from settlements import services
from settlements.models import ReportKind, ReportState, Settlement, SettlementState
from workflow.calendar import WARSAW

from .builders import awarded_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_user)
    return client


def test_every_settlement_model_is_registered():
    from django.apps import apps

    for model in apps.get_app_config("settlements").get_models():
        assert admin.site.is_registered(model), model


def test_a_report_is_accepted_in_the_admin_through_its_service_and_bare_transitions_are_not_offered(
        boss, authority, officer, approver, finance):
    built = awarded_contract(authority, officer, approver, finance)
    contract = built.contract
    moment = dt.datetime.combine(contract.task_end + dt.timedelta(days=1), dt.time(12), tzinfo=WARSAW)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        services.contract_end(contract, actor=None)
    report = contract.reports.get(kind=ReportKind.FINAL)
    sections = contract.terms["sections"]
    for key, data in {
        "results": {"description": "Zrealizowano.", "indicators": [{"achieved": "tak"}
                                                                   for _ in sections["results"]["indicators"]]},
        "actions": {"actions": [{"performed": "tak"} for _ in sections["schedule"]["actions"]]},
        "declarations": {"status_unchanged": True, "information_true": True, "procurement_followed": True},
    }.items():
        services.report_save_section(report=report, actor=built.ngo, key=key, data=data, base_revision=0)
    line = contract.lines.first()
    paid_on = contract.expenditure_start + dt.timedelta(days=3)
    services.document_save(report=report, actor=built.ngo, data={
        "number": "FV 1", "kind": "invoice", "issued_on": paid_on, "paid_on": paid_on, "amount": "100.00",
        "shares": [{"line": line.pk, "source": "grant", "amount": "100.00"}]})
    report = services.report_submit(report, actor=built.ngo)

    page = boss.get(reverse("admin:settlements_report_change", args=[report.pk])).content.decode()
    accept = reverse("admin:settlements_report_transition", args=[report.pk, "accept"])
    clarify = reverse("admin:settlements_report_transition", args=[report.pk, "request_clarification"])
    assert accept in page and clarify not in page  # a clarification needs its question: on the report's page
    response = boss.post(clarify, {"reason": "?"})
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and not report.clarifications.exists()
    assert response.status_code in (200, 302)
    assert boss.post(accept, {"reason": "Bez uwag"}).status_code == 302
    report.refresh_from_db()
    assert (report.state, report.decision_note) == (ReportState.ACCEPTED, "Bez uwag")
    # the service's effect happened too: the final report opens the settlement
    assert Settlement.objects.get(contract=contract).state == SettlementState.OPEN
    for model in ("contract", "annex", "report", "settlement", "interestrate", "interestrule"):
        assert boss.get(reverse(f"admin:settlements_{model}_changelist")).status_code == 200
    assert boss.get(reverse("admin:settlements_contract_change", args=[contract.pk])).status_code == 200
