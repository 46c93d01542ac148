"""End to end through the API only: announce and publish a competition, file and submit offers,
let the deadline pass, close submissions, and read the audit trail; then evaluate the offers and
publish the results (formal check, committee, scoring, award, the offeror's update).

Only the people exist beforehand (accounts and the authority's roles are not made through the API);
everything else is done by requests, with token authentication.
"""

import datetime as dt
import random
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from competitions.models import AuthorityRole
from offers.identifiers import generate_bank_account, generate_krs, generate_nip, generate_regon
from offers.models import Offer
from offers.services import snapshot_hash
from workflow.audit import verify_chains
from workflow.calendar import WARSAW

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
from .settlements.builders import interest_table


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WARSAW)


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


def walk_to_closed_submissions() -> SimpleNamespace:
    """Announce, publish, file three offers (two by one NGO), let the deadline pass and close
    submissions; returns the people, their API clients and the ids for the stages that follow."""
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
    on_time = ok(
        as_officer.post(
            f"{API}/competitions/{cid}/checklist/",
            {"text": "Oferta złożona w terminie", "remediable": False},
            format="json",
        ),
        201,
    )
    signed = ok(
        as_officer.post(
            f"{API}/competitions/{cid}/checklist/",
            {"text": "Oferta podpisana przez osoby upoważnione", "remediable": True},
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
    return SimpleNamespace(
        authority=authority,
        officer=officer,
        approver=approver,
        ngo_a=ngo_a,
        ngo_b=ngo_b,
        as_officer=as_officer,
        as_approver=as_approver,
        as_a=as_a,
        as_b=as_b,
        cid=cid,
        area=area,
        org_a=org_a,
        org_b=org_b,
        offers={name: offer_id for name, (_api, offer_id, _org) in filed.items()},
        checklist={"on_time": on_time["id"], "signed": signed["id"]},
    )


@pytest.mark.django_db
def test_competition_from_announcement_to_closed_submissions():
    walk_to_closed_submissions()
    call_command("verify_audit")


@pytest.mark.django_db
def test_from_submitted_offers_to_published_results(django_capture_on_commit_callbacks):
    walk_to_published_results(django_capture_on_commit_callbacks)
    call_command("verify_audit")


def walk_to_published_results(django_capture_on_commit_callbacks) -> SimpleNamespace:
    """From closed submissions to published results and the offeror's update, by HTTP only:
    the formal check with a call to remedy, the committee, impartiality, scoring, the ranking,
    the proposal and the decision, the results, the evaluation card, the update and a request
    for justification. Returns the walk so far, with the award of offer a1 ready for the contract."""
    w = walk_to_closed_submissions()
    a1, a2, b1 = w.offers["a1"], w.offers["a2"], w.offers["b1"]
    on_time, signed = w.checklist["on_time"], w.checklist["signed"]
    as_officer, as_approver, as_a, as_b = w.as_officer, w.as_approver, w.as_a, w.as_b
    people = {name: UserFactory() for name in ("chair", "member", "nominee", "conflicted", "expert")}

    # a person of organisation B joins it (an invitation by e-mail) and will sit on the committee
    people["member_of_b"] = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ok(
            as_b.post(
                f"{API}/organizations/{w.org_b['id']}/invitations/",
                {"email": people["member_of_b"].email, "role": "editor"},
                format="json",
            ),
            201,
        )
    token = re.search(r"/invitations/([0-9a-f-]{36})/", mail.outbox[-1].body).group(1)
    ok(token_client(people["member_of_b"]).post(f"{API}/invitations/{token}/accept/", {}, format="json"))
    api = {name: token_client(user) for name, user in people.items()}

    # --- the formal review ----------------------------------------------------------------------
    evaluation = ok(as_officer.post(f"{API}/competitions/{w.cid}/evaluation/", {}, format="json"), 201)
    eid = evaluation["id"]
    assert evaluation["state"] == "formal_review"
    assert evaluation["counts"]["formal_checks"] == {"open": 3}
    assert as_officer.post(f"{API}/competitions/{w.cid}/evaluation/", {}, format="json").status_code == 409
    checks = {
        c["offer"]["id"]: c["id"]
        for c in ok(as_officer.get(f"{API}/evaluations/{eid}/formal-checks/"))["results"]
    }
    assert set(checks) == {a1, a2, b1}

    def record(offer_id, outcomes):
        body = {"items": {str(item): {"outcome": o, "note": n} for item, (o, n) in outcomes.items()}}
        return ok(as_officer.put(f"{API}/formal-checks/{checks[offer_id]}/items/", body, format="json"))

    # a1 lacks a signature: a call to remedy, which the offeror reads and answers
    record(a1, {on_time: ("met", ""), signed: ("defect", "Brak podpisu skarbnika")})
    called = ok(
        as_officer.post(
            f"{API}/formal-checks/{checks[a1]}/request-remedy/",
            {"message": "Proszę uzupełnić podpis skarbnika w oświadczeniach.", "sections": ["declarations"]},
            format="json",
        )
    )
    assert called["state"] == "remedy_requested"
    seen = ok(as_a.get(f"{API}/formal-checks/{checks[a1]}/"))
    assert seen["remedy_sections"] == ["declarations"]
    assert [i["note"] for i in seen["items"] if i["outcome"] == "defect"] == ["Brak podpisu skarbnika"]
    assert as_b.get(f"{API}/formal-checks/{checks[a1]}/").status_code == 404
    sections = {s["key"]: s for s in ok(as_a.get(f"{API}/offers/{a1}/"))["sections"]}
    declarations = sections["declarations"]["data"]
    declarations["signatories"].append({"name": "Jan Kowalski", "function": "Skarbnik"})
    ok(
        as_a.put(
            f"{API}/offers/{a1}/sections/declarations/",
            {"data": declarations, "base_revision": sections["declarations"]["revision"]},
            format="json",
        )
    )
    substance = as_a.put(
        f"{API}/offers/{a1}/sections/task/",
        {
            "data": {**sections["task"]["data"], "title": "Inny tytuł"},
            "base_revision": sections["task"]["revision"],
        },
        format="json",
    )
    assert substance.status_code == 409  # only what was flagged may change
    assert (
        ok(as_a.post(f"{API}/formal-checks/{checks[a1]}/remedy/", {}, format="json"))["state"] == "remedied"
    )
    record(a1, {on_time: ("met", ""), signed: ("met", "")})
    assert (
        ok(as_officer.post(f"{API}/formal-checks/{checks[a1]}/accept/", {}, format="json"))["state"]
        == "accepted"
    )
    # a2 is signed by a person without authority: rejected, with the reasons its offeror reads
    record(a2, {on_time: ("met", ""), signed: ("defect", "Podpisana przez osobę nieupoważnioną")})
    no_reasons = as_officer.post(f"{API}/formal-checks/{checks[a2]}/reject/", {"reasons": ""}, format="json")
    assert no_reasons.status_code == 400 and "reasons" in no_reasons.json()["errors"]
    rejected = ok(
        as_officer.post(
            f"{API}/formal-checks/{checks[a2]}/reject/",
            {"reasons": "Oferta podpisana przez osobę nieupoważnioną według KRS."},
            format="json",
        )
    )
    assert rejected["state"] == "rejected"
    record(b1, {on_time: ("met", ""), signed: ("met", "")})
    ok(as_officer.post(f"{API}/formal-checks/{checks[b1]}/accept/", {}, format="json"))

    # --- the committee ---------------------------------------------------------------------------
    committee_id = ok(as_officer.get(f"{API}/evaluations/{eid}/"))["committee"]
    committee_url = f"{API}/committees/{committee_id}/"
    ok(as_officer.patch(committee_url, {"quorum": 3}, format="json"))

    def seat(name, role="member", kind="authority", **extra):
        body = {"user": people[name].pk, "role": role, "kind": kind, **extra}
        return ok(as_officer.post(f"{committee_url}seats/", body, format="json"), 201)

    seats = {
        "chair": seat("chair", role="chair"),
        "member": seat("member"),
        "conflicted": seat("conflicted"),
        "member_of_b": seat("member_of_b"),
        "nominee": seat(
            "nominee", kind="ngo_nominee", nominated_by_name="Rada Działalności Pożytku Publicznego"
        ),
        "expert": seat("expert", role="expert", kind="expert"),
    }
    refused = as_officer.post(
        f"{committee_url}seats/",
        {"user": UserFactory().pk, "kind": "ngo_nominee", "nominated_by": w.org_a["id"]},
        format="json",
    )
    assert refused.status_code == 400 and "nominated_by" in refused.json()["errors"]  # art. 15 ust. 2d
    early = as_officer.post(f"{API}/evaluations/{eid}/start-merit-review/", {}, format="json")
    assert early.status_code == 409
    assert "committee_not_appointed" in [r["code"] for r in early.json()["reasons"]]
    appointed = ok(
        as_officer.post(f"{committee_url}appoint/", {"appointment_reference": "Zarządzenie 7/2027"})
    )
    assert appointed["state"] == "appointed" and len(appointed["seats"]) == 6
    merit = ok(as_officer.post(f"{API}/evaluations/{eid}/start-merit-review/", {}, format="json"))
    assert merit["state"] == "merit_review"

    # --- impartiality: the list of offerors first, no content ------------------------------------
    def declarations_of(name):
        rows = ok(api[name].get(f"{API}/evaluations/{eid}/my-declarations/"))["results"]
        assert all("title" not in row for row in rows)
        return {row["offer"]: row for row in rows}

    listed = declarations_of("chair")
    assert set(listed) == {a1, b1}  # the formally rejected offer never reaches the committee
    assert {row["organization"]["name"] for row in listed.values()} == {w.org_a["name"], w.org_b["name"]}
    assert declarations_of("member_of_b")[b1]["state"] == "excluded"  # represents the offeror
    assert api["member"].get(f"{API}/member-offers/{a1}/").status_code == 404  # not declared yet

    def declare(name, offer_id, impartial=True, ground=""):
        declaration = declarations_of(name)[offer_id]
        body = {"impartial": impartial, "ground": ground}
        return ok(api[name].post(f"{API}/declarations/{declaration['id']}/declare/", body, format="json"))

    assert declare("conflicted", a1, impartial=False, ground="Brat prezesa zarządu")["state"] == "conflict"
    assert api["conflicted"].get(f"{API}/member-offers/{a1}/").status_code == 404
    for name, offer_ids in {
        "chair": (a1, b1),
        "member": (a1, b1),
        "nominee": (a1, b1),
        "conflicted": (b1,),
        "member_of_b": (a1,),
        "expert": (a1,),
    }.items():
        for offer_id in offer_ids:
            assert declare(name, offer_id)["state"] == "impartial"
    assert api["member_of_b"].get(f"{API}/member-offers/{b1}/").status_code == 404

    # --- scoring ---------------------------------------------------------------------------------
    def score(name, offer_id, points, submit=True):
        content = ok(api[name].get(f"{API}/member-offers/{offer_id}/"))
        assert content["sections"] and content["declaration"]["state"] == "impartial"
        body = {
            "scores": {
                str(c["id"]): {
                    "points": str(min(Decimal(points), Decimal(c["max_points"]))),
                    "comment": "Ocena",
                }
                for c in content["criteria"]
            },
            "comment": "Oferta spójna.",
        }
        sheet = ok(api[name].put(f"{API}/member-offers/{offer_id}/scores/", body, format="json"))
        if submit:
            assert ok(api[name].post(f"{API}/score-sheets/{sheet['id']}/submit/", {}, format="json"))[
                "state"
            ] == ("submitted")
        return sheet

    criteria = ok(api["chair"].get(f"{API}/member-offers/{a1}/"))["criteria"]
    too_many = api["chair"].put(
        f"{API}/member-offers/{a1}/scores/",
        {"scores": {str(criteria[0]["id"]): {"points": "99", "comment": ""}}},
        format="json",
    )
    assert too_many.status_code == 400
    assert list(too_many.json()["errors"]) == [f"scores.{criteria[0]['id']}"]
    expert = api["expert"].put(
        f"{API}/member-offers/{a1}/scores/",
        {"scores": {str(criteria[0]["id"]): {"points": "3"}}},
        format="json",
    )
    assert expert.status_code == 403  # an advisory voice, no score (art. 15 ust. 2e)
    for name in ("chair", "member", "nominee"):
        score(name, a1, 9)
        score(name, b1, 4)
    score("member_of_b", a1, 2)
    score("conflicted", b1, 4)

    # members do not see each other's scores; the chair follows the progress and the ranking
    assert api["member"].get(f"{API}/evaluations/{eid}/ranking/").status_code == 403
    assert as_officer.get(f"{API}/evaluations/{eid}/ranking/").status_code == 409
    assert as_a.get(f"{API}/evaluations/{eid}/ranking/").status_code == 404
    progress = ok(api["chair"].get(f"{API}/evaluations/{eid}/progress/"))
    assert progress["needed"] == 3
    assert {row["offer"]: row["submitted"] for row in progress["offers"]} == {a1: 4, b1: 4}
    # the chair reopens the member's sheet for b1, with a reason; the member submits again
    sheets = ok(
        api["chair"].get(
            f"{API}/evaluations/{eid}/score-sheets/", {"offer": b1, "seat": seats["member"]["id"]}
        )
    )["results"]
    assert [s["scores"] for s in sheets] == [None]  # the chair sees the state, not the points
    no_reason = api["chair"].post(
        f"{API}/score-sheets/{sheets[0]['id']}/reopen/", {"reason": ""}, format="json"
    )
    assert no_reason.status_code == 400
    reopened = ok(
        api["chair"].post(
            f"{API}/score-sheets/{sheets[0]['id']}/reopen/", {"reason": "Omyłka w kryterium 2"}, format="json"
        )
    )
    assert reopened["state"] == "draft"
    score("member", b1, 5)

    unsigned = api["chair"].post(f"{API}/evaluations/{eid}/close-scoring/", {"signed_by": ""}, format="json")
    assert unsigned.status_code == 400 and "signed_by" in unsigned.json()["errors"]
    closed = ok(
        api["chair"].post(
            f"{API}/evaluations/{eid}/close-scoring/",
            {"signed_by": "Przewodnicząca, członek, członek z nominacji"},
            format="json",
        )
    )
    assert closed["state"] == "awaiting_decision"
    late = api["nominee"].put(
        f"{API}/member-offers/{a1}/scores/",
        {"scores": {str(criteria[0]["id"]): {"points": "1", "comment": "x"}}},
        format="json",
    )
    assert late.status_code == 409

    # --- the ranking, the proposal and the decision ----------------------------------------------
    (area_ranking,) = ok(as_officer.get(f"{API}/evaluations/{eid}/ranking/"))
    rows = {row["offer"]: row for row in area_ranking["rows"]}
    assert [row["offer"] for row in area_ranking["rows"]] == [a1, b1]
    assert rows[a1]["sheets"] == 4 and rows[a1]["mean"] == "18.75" and rows[a1]["passed"] is True
    assert rows[a1]["flagged"] is True  # 23 against 6: the chair should look at it
    assert rows[b1]["passed"] is False and rows[b1]["rank"] == 2
    award_a, award_b = rows[a1]["award"]["id"], rows[b1]["award"]["id"]
    assert ok(api["member"].get(f"{API}/evaluations/{eid}/ranking/"))[0]["rows"][0]["offer"] == a1

    def propose(body):
        return api["chair"].post(f"{API}/awards/{award_a}/propose/", body, format="json")

    assert list(propose({"amount": "35000"}).json()["errors"]) == ["amount"]  # above the request
    assert list(propose({"amount": "25000"}).json()["errors"]) == ["cut_reason"]
    proposed = ok(
        propose({"amount": "25000", "justification": "Najwyżej oceniona", "cut_reason": "Zawyżone koszty"})
    )
    assert proposed["state"] == "proposed" and proposed["proposed_amount"] == "25000.00"
    selected = ok(
        as_approver.post(
            f"{API}/awards/{award_a}/decide/", {"select": True, "amount": "25000"}, format="json"
        )
    )
    assert selected["state"] == "selected"
    ok(
        as_approver.post(
            f"{API}/awards/{award_b}/decide/",
            {"select": False, "reason": "Poniżej progu punktowego"},
            format="json",
        )
    )
    assert client().get(f"{API}/competitions/{w.cid}/results/").status_code == 404  # not yet
    resolved = ok(
        as_approver.post(f"{API}/evaluations/{eid}/resolve/", {"decision_reference": "Zarządzenie 9/2027"})
    )
    assert resolved["state"] == "resolved"

    # --- the published results and the evaluation card ------------------------------------------
    results = ok(client().get(f"{API}/competitions/{w.cid}/results/"))
    assert results["decision_reference"] == "Zarządzenie 9/2027"
    assert [(r["offeror"], r["amount"], r["selected"]) for r in results["rows"]] == [
        (w.org_a["name"], "25000.00", True),
        (w.org_b["name"], None, False),
    ]
    card = ok(as_a.get(f"{API}/offers/{a1}/evaluation-card/"))
    assert card["mean"] == "18.75" and card["passed"] is True and card["rank"] == 1
    assert card["award"]["state"] == "awaiting_update" and card["award"]["cut_reason"] == "Zawyżone koszty"
    assert [c["mean"] for c in card["criteria"]] == ["4.25", "7.25", "7.25"]
    assert ok(as_a.get(f"{API}/offers/{a2}/evaluation-card/"))["formally_rejected"] is True
    assert as_b.get(f"{API}/offers/{a1}/evaluation-card/").status_code == 404

    # --- the update (aktualizacja) after the lower grant ----------------------------------------
    costs = sections["costs"]["data"]
    costs["lines"][0]["units"] = str(Decimal(costs["lines"][0]["units"]) - Decimal("5882.35"))
    costs["lines"][0]["grant_part"] = str(Decimal(costs["lines"][0]["grant_part"]) - Decimal("5000"))

    def update(key, data, base):
        return ok(
            as_a.put(
                f"{API}/awards/{award_a}/update/{key}/", {"data": data, "base_revision": base}, format="json"
            )
        )

    update("costs", costs, 0)
    saved = update("sources", {"own_financial": "3117.65"}, 1)
    assert "sources.total" in [p["key"] for p in saved["problems"]]
    share = as_a.post(f"{API}/awards/{award_a}/accept-with-update/", {}, format="json")
    assert (
        share.status_code == 400 and "sources.total" in share.json()["errors"]
    )  # the grant's share may not rise
    costs["lines"][0]["units"] = str(Decimal(costs["lines"][0]["units"]) + Decimal("882.35"))
    update("costs", costs, 2)
    assert update("sources", {"own_financial": "4000.00"}, 3)["problems"] == []
    accepted = ok(as_a.post(f"{API}/awards/{award_a}/accept-with-update/", {}, format="json"))
    assert accepted["state"] == "ready_for_contract" and accepted["update"]["snapshot_sha256"]

    # --- a request for justification (art. 15 ust. 2j) ------------------------------------------
    public = client()
    bad = public.post(
        f"{API}/competitions/{w.cid}/justification-requests/",
        {"name": "Jan Nowak", "email": "nie-adres", "text": "Proszę o uzasadnienie."},
        format="json",
    )
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["email"]
    asked = ok(
        public.post(
            f"{API}/competitions/{w.cid}/justification-requests/",
            {
                "name": "Jan Nowak",
                "email": "jan@example.org",
                "text": "Dlaczego odrzucono ofertę?",
                "offer": b1,
            },
            format="json",
        ),
        201,
    )
    queue = ok(as_officer.get(f"{API}/competitions/{w.cid}/justification-requests/"))["results"]
    assert [(r["id"], r["offer"]) for r in queue] == [(asked["id"], b1)]
    with django_capture_on_commit_callbacks(execute=True):
        answered = ok(
            as_officer.post(
                f"{API}/competitions/{w.cid}/justification-requests/{asked['id']}/answer/",
                {"answer": "Oferta uzyskała 12,25 pkt przy progu 15 pkt."},
                format="json",
            )
        )
    assert answered["answered_at"] and mail.outbox[-1].to == ["jan@example.org"]

    # --- every step is in the trail ---------------------------------------------------------------
    events = ok(as_officer.get(f"{API}/evaluations/{eid}/audit/"))
    assert [
        (e["action"].rsplit(".", 1)[1], e["source_state"], e["target_state"], e["actor_role"]) for e in events
    ] == [
        ("start", "", "formal_review", "officer"),
        ("start_merit_review", "formal_review", "merit_review", "officer"),
        ("close_scoring", "merit_review", "awaiting_decision", "committee_chair"),
        ("resolve", "awaiting_decision", "resolved", "approver"),
        ("justification_request", "", "", "public"),
        ("justification_answer", "", "", "officer"),
    ]
    award_events = [
        e["action"].rsplit(".", 1)[1] for e in ok(as_officer.get(f"{API}/awards/{award_a}/audit/"))
    ]
    assert award_events == ["propose", "select", "request_update", "accept_with_update"]
    w.award_a, w.a1 = award_a, a1
    return w


@pytest.mark.django_db
def test_from_published_results_to_a_closed_settlement(django_capture_on_commit_callbacks):
    """From the award to a performed contract, by HTTP only: the contract drafted and its terms
    set, signed by every party (the treasurer countersigns), the grant paid; the task's end passes
    (the clock); the final report filed with one cost line above the tolerance, submitted and
    accepted; the settlement computed (that line's excess and the unused grant), the notice of
    return sent, the returns paid late with interest; the settlement closed, the contract performed."""
    interest_table()  # the rates of interest on tax arrears: kept by the finance officer in the admin
    w = walk_to_published_results(django_capture_on_commit_callbacks)
    as_officer, as_a = w.as_officer, w.as_a
    finance = staff(w.authority, AuthorityRole.FINANCE)
    as_finance = token_client(finance)
    today = timezone.localdate()

    # --- the contract: drafted from the award, its terms set --------------------------------------
    assert as_a.post(f"{API}/contracts/", {"award": w.award_a}, format="json").status_code == 403
    contract = ok(as_officer.post(f"{API}/contracts/", {"award": w.award_a}, format="json"), 201)
    url = f"{API}/contracts/{contract['id']}/"
    assert contract["state"] == "drafted" and contract["grant"] == "25000.00"
    assert contract["organization"]["id"] == w.org_a["id"]
    assert w.as_b.get(url).status_code == 404  # hard rule 1
    start = contract["task_start"]
    short = as_officer.patch(url, {"tranches": [{"due_on": start, "amount": "20000.00"}]}, format="json")
    assert short.status_code == 400 and list(short.json()["errors"]) == ["tranches"]
    contract = ok(as_officer.patch(url, {"tolerance_pct": "10", "countersigned_by": "Anna Skarbnik",
                                         "tranches": [{"due_on": start, "amount": "25000.00"}]}, format="json"))
    parties = [p["key"] for p in contract["parties"]]
    assert set(parties) == {"organization", "authority", "treasurer"}
    assert ok(as_officer.post(f"{url}send-for-signature/", {}, format="json"))["state"] == "drafted"
    pdf = as_a.get(f"{url}pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # --- signed by every party, concluded, paid ----------------------------------------------------
    signers = {"organization": (as_a, "Prezes Zarządu"), "authority": (as_officer, "Prezydent Miasta"),
               "treasurer": (as_finance, "Anna Skarbnik")}
    for key in parties:
        early = as_officer.post(f"{url}sign/", {}, format="json")
        assert early.status_code == 409 and "signatures_missing" in [r["code"] for r in early.json()["reasons"]]
        api, signer = signers[key]
        ok(api.post(f"{url}signatures/", {"party_key": key, "signer": signer, "signed_on": today.isoformat()},
                    format="json"), 201)
    signed = ok(as_officer.post(f"{url}sign/", {}, format="json"))
    assert signed["state"] == "signed" and len(signed["snapshot_sha256"]) == 64
    assert all(p["signature"] for p in signed["parties"])
    tranche = signed["tranches"][0]["id"]
    letters = as_finance.post(f"{url}tranches/{tranche}/pay/", {"paid_on": today.isoformat(), "amount": "25 tys."},
                              format="json")
    assert letters.status_code == 400 and list(letters.json()["errors"]) == ["amount"]
    active = ok(as_finance.post(f"{url}tranches/{tranche}/pay/", {"paid_on": today.isoformat(),
                                                                  "amount": "25000.00", "reference": "PRZELEW 77"},
                                format="json"))
    assert active["state"] == "active" and active["paid"] == "25000.00"

    # --- the task ends (the clock): the final report is called for ------------------------------
    end = dt.date.fromisoformat(active["task_end"])
    assert as_officer.post(f"{url}end-implementation/", {}, format="json").status_code == 409
    with clock(at(end + dt.timedelta(days=1))):
        ended = ok(as_officer.post(f"{url}end-implementation/", {}, format="json"))
    assert ended["state"] == "implementation_ended"
    (final,) = ended["reports"]
    report_url = f"{API}/reports/{final['id']}/"
    assert final["kind"] == "final" and final["due_on"] >= (end + dt.timedelta(days=30)).isoformat()
    assert w.as_b.get(report_url).status_code == 404  # another NGO's report

    # --- the organisation files it: one line above the tolerance ---------------------------------
    report = ok(as_a.get(report_url))
    revisions = {p["key"]: p["revision"] for p in report["parts"]}
    sections = active["terms"]["sections"]
    parts = {
        "results": {"description": "Centrum działało przez cały okres zadania.",
                    "indicators": [{"achieved": "Osiągnięto"} for _ in sections["results"]["indicators"]]},
        "actions": {"actions": [{"performed": "Zrealizowano w terminie"} for _ in sections["schedule"]["actions"]]},
        "declarations": {"status_unchanged": True, "information_true": True, "procurement_followed": True},
    }
    for key, data in parts.items():
        ok(as_a.put(f"{report_url}parts/{key}/", {"data": data, "base_revision": revisions[key]}, format="json"))
    line = min((line for line in active["lines"] if Decimal(line["grant_part"]) > 0),
               key=lambda line: Decimal(line["grant_part"]))
    planned = Decimal(line["grant_part"])
    over = (planned * Decimal("1.2")).quantize(Decimal("0.01"))
    paid_on = (dt.date.fromisoformat(active["expenditure_start"]) + dt.timedelta(days=10)).isoformat()
    limit = (planned * Decimal("1.1")).quantize(Decimal("0.01"))
    # the own contribution keeps its agreed share of the costs (else the grant's share is excessive too)
    own = (limit * Decimal(active["total_cost"]) / Decimal(active["grant"]) - over).quantize(Decimal("1")) + 1
    document = {"number": "FV 12/2027", "kind": "invoice", "issuer": "Biuro Rachunkowe", "issued_on": paid_on,
                "paid_on": paid_on, "description": "Obsługa księgowa", "amount": str(over + own),
                "shares": [{"line": line["id"], "source": "grant", "amount": str(over + own)},
                           {"line": line["id"], "source": "own_financial", "amount": str(own)}]}
    exceeding = as_a.post(f"{report_url}documents/", document, format="json")
    assert exceeding.status_code == 400 and list(exceeding.json()["errors"]) == ["shares"]
    document["shares"][0]["amount"] = str(over)
    ok(as_a.post(f"{report_url}documents/", document, format="json"), 201)
    report = ok(as_a.get(report_url))
    assert not [f for f in report["findings"] if f["blocking"]], report["findings"]
    actual = next(a for a in report["actuals"] if a["line"] == line["id"])
    assert (actual["grant"], actual["limit"], actual["excess"]) == (str(over), str(limit), str(over - limit))
    assert f"lines.{line['id']}" in [f["key"] for f in report["findings"] if not f["blocking"]]
    with clock(at(end + dt.timedelta(days=5))):
        submitted = ok(as_a.post(f"{report_url}submit/", {}, format="json"))
    assert submitted["state"] == "submitted" and len(submitted["snapshot_sha256"]) == 64
    assert ok(as_officer.get(url))["state"] == "settling"

    # --- verified and accepted; the settlement computed and the notice sent ------------------------
    accepted = ok(as_finance.post(f"{report_url}accept/", {"note": "Sprawozdanie bez uwag."}, format="json"))
    assert accepted["state"] == "accepted"
    settlement_id = ok(as_finance.get(url))["settlement"]
    settlement_url = f"{API}/settlements/{settlement_id}/"
    computed = ok(as_finance.post(f"{settlement_url}compute/", {}, format="json"))
    items = {item["kind"]: item for item in computed["items"]}
    assert set(items) == {"line_excess", "unused"}
    assert items["line_excess"]["amount"] == str(over - limit) and items["line_excess"]["line"] == line["id"]
    assert items["unused"]["amount"] == str(Decimal("25000.00") - over)
    notice = ok(as_finance.post(f"{settlement_url}conclude/", {}, format="json"))
    assert notice["state"] == "return_due" and notice["notice_sent_on"]
    assert ok(as_a.get(settlement_url))["state"] == "return_due"  # the organisation sees what it owes
    dashboard = ok(as_finance.get(f"{API}/finance/dashboard/"))
    assert Decimal(dashboard["money"]["outstanding"]) == Decimal("25000.00") - over + (over - limit)

    # --- the returns come late: interest to the day of payment ----------------------------------
    charged = Decimal("0")
    for item in notice["items"]:
        late = dt.date.fromisoformat(item["due_on"]) + dt.timedelta(days=40)
        returns = f"{settlement_url}items/{item['id']}/returns/"
        with clock(at(late)):
            recorded = ok(as_finance.post(returns, {"paid_on": late.isoformat(), "amount": item["amount"],
                                                    "reference": f"ZWROT {item['kind']}"}, format="json"), 201)
            charged += Decimal(recorded["payment"]["interest_charged"])
            rest = next(i for i in recorded["settlement"]["items"] if i["id"] == item["id"])["outstanding"]
            if Decimal(rest):
                ok(as_finance.post(returns, {"paid_on": late.isoformat(), "amount": rest}, format="json"), 201)
    assert charged > 0  # 40 days late on the unused grant is well above the 8,70 zł threshold
    closed = ok(as_finance.get(settlement_url))
    assert closed["state"] == "closed" and closed["totals"]["outstanding"] == "0.00"
    performed = ok(as_officer.get(url))
    assert performed["state"] == "performed"
    assert performed["returned"] == performed["to_return"] and performed["interest_paid"] == str(charged)
    assert performed["outstanding"] == "0.00"

    # --- every step is in the trail --------------------------------------------------------------
    contract_events = [e["action"].rsplit(".", 1)[1] for e in ok(as_officer.get(f"{url}audit/"))]
    assert contract_events[0] == "draft" and contract_events[-1] == "perform"
    assert {"terms", "signature", "sign", "tranche_paid", "activate", "end_implementation",
            "start_settling"} <= set(contract_events)
    settlement_events = [e["action"].rsplit(".", 1)[1] for e in ok(as_finance.get(f"{settlement_url}audit/"))]
    assert settlement_events[:3] == ["open", "compute", "notify_return"]
    assert settlement_events[-2:] == ["mark_paid", "close"]
    assert not [link for link in verify_chains() if not isinstance(link, int)]
    call_command("verify_audit")
