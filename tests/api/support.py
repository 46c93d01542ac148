"""Helpers shared by the API tests, the permission matrix and the end-to-end walk."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from offers.models import OfferAttachment

API = "/api/v1"
PASSWORD = "correct horse battery"  # noqa: S105 (what tests.factories.UserFactory sets)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def client() -> APIClient:
    # English messages, so that assertions do not depend on the Polish catalogue.
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def act_as(api: APIClient, user) -> APIClient:
    """Authenticate as a fresh copy of `user`, as a real request would load it (no cached permissions)."""
    if user is None:
        api.force_authenticate(user=None)
    else:
        api.force_authenticate(user=get_user_model().objects.get(pk=user.pk))
    return api


def pdf_upload(name: str = "statut.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_attachment(offer, user, name: str = "statut.pdf") -> OfferAttachment:
    """An attachment row with its file, for offers created directly in a later state."""
    import hashlib

    attachment = OfferAttachment(
        offer=offer,
        filename=name,
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        uploaded_by=user,
    )
    attachment.file.save(name, ContentFile(PDF), save=False)
    attachment.save()
    return attachment


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as context:
        func()
    return len(context.captured_queries)


@contextmanager
def clock(at: dt.datetime):
    """Move the server clock: everything reads it through django.utils.timezone.now."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def in_days(days: int, hour: int = 16) -> dt.datetime:
    """A deadline `days` from today at `hour`:00 Warsaw time, as an aware datetime."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def errors_of(response) -> dict:
    return response.json().get("errors", {})


def competition_body(authority, **overrides) -> dict:
    body = {
        "authority": authority.pk,
        "reference": "BOP.524.90.2027",
        "year": 2027,
        "title": "Otwarty konkurs ofert na wspieranie organizacji pozarządowych w 2027 r.",
        "task_type": "Działalność wspomagająca rozwój organizacji pozarządowych",
        "award_rules": "Dotacje przyznaje Prezydent Miasta po zaopiniowaniu ofert przez komisję konkursową.",
        "performance_terms": "Zadanie realizowane od 1 marca do 15 grudnia 2027 r.",
        "submission_deadline": in_days(30).isoformat(),
        "selection_procedure": "Oceny dokonuje komisja według kryteriów z art. 15 ust. 1 ustawy.",
        "selection_date": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
    }
    body.update(overrides)
    return body


TASK_AREA = {
    "number": 1,
    "name": "Prowadzenie centrum wsparcia organizacji pozarządowych",
    "sphere": "wspieranie_ngo",
    "form": "wspieranie",
    "budget": "120000.00",
    "min_grant": "20000.00",
    "max_grant": "60000.00",
    "min_own_contribution_pct": "10.00",
    "max_admin_costs_pct": "15.00",
    "window_start": "2027-03-01",
    "window_end": "2027-12-15",
}

ORGANIZATION = {
    "name": "Stowarzyszenie Centrum Inicjatyw Obywatelskich",
    "legal_form": "stowarzyszenie",
    "krs": "0000123456",
    "nip": "8567346215",
    "regon": "123456785",
    "street": "ul. Graniczna 27",
    "postal_code": "41-300",
    "city": "Dąbrowa Górnicza",
    "email": "biuro@cio.example.org",
    "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
    "function": "Prezes Zarządu",
}
