"""The download pages: the committee protocol (at once, or through a job with progress for a
large competition) and the results list for BIP."""

import csv
import io

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse

from evaluation.models import ExportJob, ExportState

from ..factories import UserFactory
from .builders import scored_competition

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(authority, officer, approver):
    return scored_competition(authority, officer, approver, close=True, decide=False)


def test_officer_downloads_the_protocol_with_its_six_sheets(client, scored, officer):
    client.force_login(officer)
    response = client.get(reverse("evaluation:protocol", args=[scored.competition.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Komisja", "Ocena formalna", "Oceny", "Ranking", "Kwoty", "Audyt"]


def test_a_stranger_gets_404_and_an_ngo_user_too(client, scored, organization, ngo_admin):
    for user in (UserFactory(), ngo_admin):
        client.force_login(user)
        assert client.get(reverse("evaluation:protocol", args=[scored.competition.pk])).status_code == 404


@override_settings(POZYTEK_EXPORT_ASYNC_OFFERS=1)
def test_a_large_protocol_is_a_job_with_progress_then_a_download(client, scored, officer,
                                                                  django_capture_on_commit_callbacks):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("evaluation:protocol", args=[scored.competition.pk]))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("evaluation:export_job", args=[job.pk])
    job.refresh_from_db()
    assert job.state == ExportState.DONE  # eager Celery in the embedded default
    page = client.get(response.url)
    assert reverse("evaluation:export_job_download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("evaluation:export_job_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    client.force_login(UserFactory())
    assert client.get(response.url).status_code == 404  # a job is its requester's only


def test_results_list_is_public_once_resolved(client, authority, officer, approver):
    from evaluation.services import evaluation_resolve

    scored = scored_competition(authority, officer, approver, close=True, decide=True)
    url_csv = reverse("evaluation:results_file", args=[scored.competition.pk, "csv"])
    url_xlsx = reverse("evaluation:results_file", args=[scored.competition.pk, "xlsx"])
    assert client.get(url_csv).status_code == 404  # not before the results are published
    evaluation_resolve(scored.evaluation, actor=approver, decision_reference="Zarządzenie 12/2027")
    rows = list(csv.reader(io.StringIO(client.get(url_csv).content.decode("utf-8-sig")), delimiter=";"))
    # a header, then the three offers that reached the committee (the fourth was rejected formally)
    assert rows[0][0] == "Oferent" and len(rows) == 1 + 3
    assert client.get(url_xlsx).status_code == 200
    assert client.get(reverse("evaluation:results_file", args=[scored.competition.pk, "pdf"])).status_code == 404
