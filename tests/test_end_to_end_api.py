"""End to end through the API only: announce and publish a competition, file and submit offers,
let the deadline pass, close submissions, and read the audit trail.

Only the people exist beforehand (accounts and the authority's roles are not made through the API);
everything else is done by requests, with token authentication.
"""

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from competitions.models import AuthorityRole
from offers.identifiers import generate_bank_account, generate_krs, generate_nip, generate_regon
from offers.models import Offer
from offers.services import snapshot_hash

from .api.support import (
    API,
    ORGANIZATION,
    PASSWORD,
    TASK_AREA,
    client,
    clock,
    competition_body,
    in_days,
    pdf_upload,
)
from .factories import AuthorityFactory, UserFactory, complete_sections, staff


def token_client(user):
    api = client()
    response = api.post(
        f"{API}/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:1000])
    return response.json() if response.content else None


def fill_offer(api, offer_id, area_id, organization, answers):
    """PUT every section of the statutory form, each from the revision the server reported."""
    detail = ok(api.get(f"{API}/offers/{offer_id}/"))
    revisions = {s["key"]: s["revision"] for s in detail["sections"]}
    sections = complete_sections(SimpleNamespace(pk=area_id), SimpleNamespace(**organization))
    sections["questions"] = {"answers": answers}
    assert set(sections) == set(revisions)
    for key, data in sections.items():
        saved = ok(
            api.put(
                f"{API}/offers/{offer_id}/sections/{key}/",
                {"data": data, "base_revision": revisions[key]},
                format="json",
            )
        )
        assert saved["revision"] > revisions[key]
    return saved["problems"]


@pytest.mark.django_db
def test_competition_from_announcement_to_closed_submissions():
    authority = AuthorityFactory(name="Gmina Miasto Dąbrowa Górnicza", slug="dabrowa-gornicza")
    officer = staff(authority, AuthorityRole.OFFICER)
    approver = staff(authority, AuthorityRole.APPROVER)
    ngo_a, ngo_b = UserFactory(), UserFactory()
    as_officer, as_approver = token_client(officer), token_client(approver)
    deadline = in_days(22)

    # --- the officer announces the competition and configures it -------------------------------
    competition = ok(
        as_officer.post(
            f"{API}/competitions/",
            competition_body(authority, submission_deadline=deadline.isoformat()),
            format="json",
        ),
        201,
    )
    cid = competition["id"]
    area = ok(as_officer.post(f"{API}/competitions/{cid}/task-areas/", TASK_AREA, format="json"), 201)
    for order, (name, points) in enumerate(
        [
            ("Możliwość realizacji zadania", "5"),
            ("Kalkulacja kosztów", "10"),
            ("Jakość i kwalifikacje osób", "10"),
        ],
        1,
    ):
        ok(
            as_officer.post(
                f"{API}/competitions/{cid}/criteria/",
                {"task_area": area["id"], "order": order, "name": name, "max_points": points},
                format="json",
            ),
            201,
        )
    year = timezone.localdate().year
    for prior_year in (year - 1, year):
        ok(
            as_officer.post(
                f"{API}/competitions/{cid}/prior-funding/",
                {
                    "year": prior_year,
                    "description": "Centrum wsparcia organizacji pozarządowych",
                    "total_cost": "110000.00",
                    "grants_to_ngos": "110000.00",
                },
                format="json",
            ),
            201,
        )
    ok(
        as_officer.post(
            f"{API}/competitions/{cid}/checklist/",
            {"text": "Oferta złożona w terminie", "remediable": False},
            format="json",
        ),
        201,
    )
    statute = ok(
        as_officer.post(
            f"{API}/competitions/{cid}/required-attachments/",
            {"name": "Statut organizacji", "required_for": "all"},
            format="json",
        ),
        201,
    )
    question = ok(
        as_officer.post(
            f"{API}/competitions/{cid}/extra-questions/",
            {"text": "Ilu wolontariuszy zaangażujecie?", "max_length": 500},
            format="json",
        ),
        201,
    )

    # --- approval, the three publications, publication ---------------------------------------
    approve = {t["name"]: t for t in ok(as_approver.get(f"{API}/competitions/{cid}/transitions/"))}["approve"]
    assert approve["allowed"] is True, approve["reasons"]
    assert (
        ok(
            as_approver.post(
                f"{API}/competitions/{cid}/approve/",
                {"approval_reference": "Zarządzenie nr 1234/2026"},
                format="json",
            )
        )["state"]
        == "approved"
    )
    published_on = timezone.localdate()
    assert deadline.date() >= published_on + dt.timedelta(days=21)  # art. 13 ust. 1
    for channel, address in (
        ("bip", "https://bip.dabrowa-gornicza.pl/ogloszenie"),
        ("noticeboard", ""),
        ("website", "https://www.dabrowa-gornicza.pl/ngo"),
    ):
        ok(
            as_officer.post(
                f"{API}/competitions/{cid}/publications/",
                {"channel": channel, "published_on": published_on.isoformat(), "url": address},
                format="json",
            ),
            201,
        )
    assert (
        ok(as_officer.post(f"{API}/competitions/{cid}/publish/", {}, format="json"))["state"] == "published"
    )
    public = ok(client().get(f"{API}/competitions/", {"authority_slug": "dabrowa-gornicza"}))
    assert [row["id"] for row in public["results"]] == [cid]

    # --- two NGOs register and file offers --------------------------------------------------
    rng = random.Random(2027)
    as_a, as_b = token_client(ngo_a), token_client(ngo_b)
    org_a = ok(as_a.post(f"{API}/organizations/", ORGANIZATION, format="json"), 201)
    org_b = ok(
        as_b.post(
            f"{API}/organizations/",
            {
                **ORGANIZATION,
                "name": "Fundacja Zagłębiowska Akademia Obywatelska",
                "legal_form": "fundacja",
                "krs": generate_krs(rng),
                "nip": generate_nip(rng),
                "regon": generate_regon(rng),
                "bank_account": generate_bank_account(rng),
                "email": "biuro@zao.example.org",
            },
            format="json",
        ),
        201,
    )
    profile = ("name", "legal_form", "krs", "nip", "regon", "street", "postal_code", "city", "email")
    answers = {str(question["id"]): "Dwunastu wolontariuszy, w tym troje z doświadczeniem."}

    def start(api, organization):
        return ok(
            api.post(
                f"{API}/offers/", {"task_area": area["id"], "organization": organization["id"]}, format="json"
            ),
            201,
        )["id"]

    filed = {
        "a1": (as_a, start(as_a, org_a), org_a),
        "a2": (as_a, start(as_a, org_a), org_a),  # hard rule 3
        "b1": (as_b, start(as_b, org_b), org_b),
    }
    late_id = start(as_b, org_b)
    assert as_b.get(f"{API}/offers/{filed['a1'][1]}/").status_code == 404  # hard rule 1

    receipts = {}
    for name, (api, offer_id, organization) in filed.items():
        problems = fill_offer(api, offer_id, area["id"], {k: organization[k] for k in profile}, answers)
        assert [p["key"] for p in problems] == [f"attachments.{statute['id']}"]
        ok(
            api.post(
                f"{API}/offers/{offer_id}/attachments/",
                {"file": pdf_upload(), "requirement": statute["id"]},
                format="multipart",
            ),
            201,
        )
        assert ok(api.get(f"{API}/offers/{offer_id}/problems/")) == []
        assert ok(api.post(f"{API}/offers/{offer_id}/submit/", {}, format="json"))["state"] == "submitted"
        receipts[name] = ok(api.get(f"{API}/offers/{offer_id}/receipt/"))
        stored = Offer.objects.get(pk=offer_id)
        assert receipts[name]["sha256"] == stored.snapshot_sha256 == snapshot_hash(stored.snapshot)
        assert receipts[name]["timezone"] == "Europe/Warsaw"
    fill_offer(as_b, late_id, area["id"], {k: org_b[k] for k in profile}, answers)
    ok(
        as_b.post(
            f"{API}/offers/{late_id}/attachments/",
            {"file": pdf_upload(), "requirement": statute["id"]},
            format="multipart",
        ),
        201,
    )
    assert ok(as_b.get(f"{API}/offers/{late_id}/problems/")) == []

    # --- the deadline passes: one minute late is refused, with no scheduler running -------------
    with clock(deadline + dt.timedelta(minutes=1)):
        late = as_b.post(f"{API}/offers/{late_id}/submit/", {}, format="json")
        assert late.status_code == 409
        assert [r["code"] for r in late.json()["reasons"]] == ["deadline_passed"]
        assert (
            ok(as_officer.post(f"{API}/competitions/{cid}/close-submissions/", {}, format="json"))["state"]
            == "submission_closed"
        )
        listed = ok(as_officer.get(f"{API}/competitions/{cid}/offers/"))
    assert sorted(row["id"] for row in listed["results"]) == sorted(
        offer_id for _, offer_id, _ in filed.values()
    )
    assert {row["organization"]["id"] for row in listed["results"]} == {org_a["id"], org_b["id"]}
    assert Offer.objects.get(pk=late_id).state == "draft"

    # --- the audit trail shows every transition ---------------------------------------------
    events = ok(as_officer.get(f"{API}/competitions/{cid}/audit/"))
    transitions = [
        (e["action"].rsplit(".", 1)[1], e["source_state"], e["target_state"], e["actor_role"])
        for e in events
        if e["source_state"]
    ]
    assert transitions == [
        ("approve", "draft", "approved", "approver"),
        ("publish", "approved", "published", "officer"),
        ("close_submissions", "published", "submission_closed", "officer"),
    ]
    assert sum(e["action"] == "competitions.competition.record_publication" for e in events) == 3
    for name, (api, offer_id, _organization) in filed.items():
        offer_events = ok(api.get(f"{API}/offers/{offer_id}/audit/"))
        assert [e["action"] for e in offer_events] == [
            "offers.offer.create",
            "offers.offer.attach",
            "offers.offer.submit",
        ]
        assert offer_events[-1]["payload"]["sha256"] == receipts[name]["sha256"]
        assert ok(as_officer.get(f"{API}/offers/{offer_id}/audit/")) == offer_events
    call_command("verify_audit")
