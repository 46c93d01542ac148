"""The evaluation's Celery tasks: the scheduler's catch-up (remedies, updates) and the large
protocol export, run eagerly as in the embedded default."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from evaluation import services
from evaluation.models import (
    Award,
    AwardState,
    Evaluation,
    EvaluationState,
    ExportJob,
    ExportState,
    FormalCheck,
    FormalCheckState,
)
from evaluation.tasks import expire_remedies, expire_updates, export_protocol
from workflow.audit import audit_events_for

from ..factories import CompetitionFactory, OfferFactory
from .builders import checklist, scored_competition

pytestmark = pytest.mark.django_db


def test_the_tasks_are_registered_and_the_catch_up_is_scheduled():
    for name in ("expire_remedies", "expire_updates", "export_protocol"):
        assert f"evaluation.tasks.{name}" in app.tasks
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"evaluation.tasks.expire_remedies", "evaluation.tasks.expire_updates"} <= scheduled


def test_expire_remedies_rejects_what_was_not_remedied_in_time(authority, officer):
    competition = CompetitionFactory(authority=authority, closed=True)
    items = checklist(competition)
    offers = [OfferFactory(task_area=competition.task_areas.get(), submitted=True) for _ in range(2)]
    services.evaluation_start(competition=competition, actor=officer)
    checks = []
    for offer in offers:
        check = offer.formal_check
        services.formal_check_record(check=check, actor=officer,
                                     results={items[0].pk: ("defect", "Brak podpisu"), items[1].pk: ("met", "")})
        checks.append(services.formal_check_request_remedy(check, actor=officer, message="Podpisz",
                                                           sections=["declarations"]))
    FormalCheck.objects.filter(pk=checks[1].pk).update(remedy_deadline=timezone.now() + dt.timedelta(days=30))
    assert expire_remedies.delay().get() == []
    later = checks[0].remedy_deadline + dt.timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert expire_remedies.delay().get() == [checks[0].pk]
        assert expire_remedies.delay().get() == []  # a second run finds nothing to do
    states = dict(FormalCheck.objects.values_list("pk", "state"))
    assert states == {checks[0].pk: FormalCheckState.REJECTED, checks[1].pk: FormalCheckState.REMEDY_REQUESTED}
    assert audit_events_for(checks[0]).last().actor_role == "system"


def test_expire_updates_declines_for_the_silent(authority):
    competition = CompetitionFactory(authority=authority, closed=True)
    Evaluation.objects.create(competition=competition, state=EvaluationState.RESOLVED, resolved_at=timezone.now())
    area = competition.task_areas.get()
    due = timezone.now() + dt.timedelta(days=2)
    silent, waiting = (Award.objects.create(offer=OfferFactory(task_area=area, submitted=True),
                                            state=AwardState.AWAITING_UPDATE, decided_amount=Decimal("25000.00"),
                                            update_deadline=due + dt.timedelta(days=days)) for days in (0, 10))
    assert expire_updates.delay().get() == []
    with mock.patch("django.utils.timezone.now", return_value=due + dt.timedelta(minutes=1)):
        assert expire_updates.delay().get() == [silent.pk]
    assert dict(Award.objects.values_list("pk", "state")) == {silent.pk: AwardState.DECLINED,
                                                              waiting.pk: AwardState.AWAITING_UPDATE}
    event = audit_events_for(silent).last()
    assert (event.action, event.actor_role, event.actor) == ("evaluation.award.decline", "system", None)


def test_export_protocol_writes_the_file_to_private_storage(authority, officer, approver):
    scored = scored_competition(authority, officer, approver)
    job_id = export_protocol.delay(scored.evaluation.pk, officer.pk).get()
    job = ExportJob.objects.get(pk=job_id)
    assert (job.state, job.requested_by, job.evaluation) == (ExportState.DONE, officer, scored.evaluation)
    assert job.file.storage.path(job.file.name).startswith(str(settings.PRIVATE_STORAGE_ROOT))
    with job.file.open("rb") as stored:
        workbook = openpyxl.load_workbook(io.BytesIO(stored.read()), read_only=True)
    assert workbook.sheetnames == ["Komisja", "Ocena formalna", "Oceny", "Ranking", "Kwoty", "Audyt"]
    # a retried task does the work once
    assert export_protocol.delay(scored.evaluation.pk, officer.pk, job_id).get() == job_id
    assert ExportJob.objects.count() == 1
