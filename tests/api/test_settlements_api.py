"""The settlements API: contracts, annexes, reports, settlement, the finance dashboard — each
endpoint's happy path, its bad input at the exact field, the state it refuses (409), and the list
endpoints' query budgets (1 row against 20)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from evaluation import services as evaluation_services
from evaluation.models import Award
from offers.models import RepresentationRole
from settlements import services
from settlements.models import (
    Contract,
    ContractLine,
    ContractState,
    Report,
    ReportKind,
    ReturnItem,
    ReturnKind,
    Settlement,
    Tranche,
)
from workflow.calendar import WARSAW

from ..evaluation.builders import scored_competition
from ..factories import CompetitionFactory, OfferFactory, OrganizationFactory, representative
from ..settlements.builders import awarded_contract, interest_table
from .support import API, act_as, client, clock, count_queries, errors_of

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WARSAW)


def as_user(user):
    return act_as(client(), user)


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:1500])
    return response.json() if response.content and response["Content-Type"].startswith("application/json") else None


# --- building blocks shared with the permission matrix ----------------------------------------------------


def ready_award(authority, officer, approver):
    """Fundacja Beta's award, ready for the contract, and a signatory of Beta."""
    scored = scored_competition(authority, officer, approver)
    evaluation_services.evaluation_resolve(scored.evaluation, actor=approver, decision_reference="Zarządzenie 9/2027")
    award = Award.objects.get(offer=scored.offers[1])
    ngo = representative(award.offer.organization, RepresentationRole.SIGNATORY, username="beta-prezes")
    return award, ngo


def report_parts(contract: Contract) -> dict[str, dict]:
    """Parts I and III and the declarations, complete for the contract's indicators and actions."""
    sections = contract.terms["sections"]
    return {
        "results": {"description": "Zrealizowano zgodnie z umową.",
                    "indicators": [{"achieved": "100%"} for _ in sections["results"]["indicators"]]},
        "actions": {"actions": [{"performed": "W terminie"} for _ in sections["schedule"]["actions"]]},
        "declarations": {"status_unchanged": True, "information_true": True, "procurement_followed": True},
    }


def invoice(line_id: int, amount: str, paid_on: dt.date, *, number: str = "FV 1/2027", share: str | None = None,
            source: str = "grant") -> dict:
    return {"number": number, "kind": "invoice", "issuer": "Drukarnia", "issued_on": paid_on.isoformat(),
            "paid_on": paid_on.isoformat(), "description": "Druk", "amount": amount,
            "shares": [{"line": line_id, "source": source, "amount": share or amount}]}


def ended(built) -> Report:
    """The task's end has passed: the contract ended and the final report requested."""
    contract = built.contract
    with clock(at(contract.task_end + dt.timedelta(days=1))):
        services.contract_end(contract, actor=built.officer)
    return contract.reports.get(kind=ReportKind.FINAL)


def filled(built, report: Report, *, over: Decimal = Decimal("1.2")) -> Report:
    """The final report completed by the signatory: the first line takes `over` × its grant part."""
    contract = built.contract
    for key, data in report_parts(contract).items():
        services.report_save_section(report=report, actor=built.ngo, key=key, data=data, base_revision=0)
    first = min(contract.lines.all(), key=lambda line: line.grant_part)  # 120% of it stays within the grant
    amount = (first.grant_part * over).quantize(Decimal("0.01"))
    services.document_save(report=report, actor=built.ngo,
                           data=invoice(first.pk, str(amount), contract.expenditure_start + dt.timedelta(days=10)))
    return report


def submitted(built, report: Report) -> Report:
    with clock(at(built.contract.task_end + dt.timedelta(days=5))):
        return services.report_submit(report, actor=built.ngo)


def settled(built) -> Settlement:
    """Accepted, computed and the notice of return sent."""
    report = submitted(built, filled(built, ended(built)))
    services.report_accept(report, actor=built.finance, note="Bez uwag")
    settlement = services.settlement_compute(built.contract.settlement, actor=built.finance)
    return services.settlement_conclude(settlement, actor=built.finance)


# --- contracts ---------------------------------------------------------------------------------------------


def test_draft_a_contract_from_the_award(authority, officer, approver, other_ngo_user):
    award, ngo = ready_award(authority, officer, approver)
    assert as_user(other_ngo_user).post(f"{API}/contracts/", {"award": award.pk}, format="json").status_code == 404
    assert as_user(approver).post(f"{API}/contracts/", {"award": award.pk}, format="json").status_code == 403
    assert as_user(ngo).post(f"{API}/contracts/", {"award": award.pk}, format="json").status_code == 403
    assert errors_of(as_user(officer).post(f"{API}/contracts/", {"award": "abc"}, format="json")).keys() == {"award"}
    assert as_user(officer).post(f"{API}/contracts/", {"award": 10**9}, format="json").status_code == 404

    contract = ok(as_user(officer).post(f"{API}/contracts/", {"award": award.pk}, format="json"), 201)
    assert contract["state"] == "drafted" and contract["award"] == award.pk
    assert contract["grant"] == "40000.00" and contract["paid"] == "0.00" and contract["outstanding"] == "0.00"
    assert [(t["number"], t["amount"], t["paid_on"]) for t in contract["tranches"]] == [(1, "40000.00", None)]
    assert contract["lines"] and all(isinstance(line["value"], str) for line in contract["lines"])
    assert {p["key"] for p in contract["parties"]} == {"organization", "authority"}
    assert all(p["signature"] is None for p in contract["parties"])
    again = as_user(officer).post(f"{API}/contracts/", {"award": award.pk}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "contract_exists"

    # the organisation sees its contract; nobody else outside the authority does
    assert ok(as_user(ngo).get(f"{API}/contracts/{contract['id']}/"))["number"] == contract["number"]
    assert as_user(other_ngo_user).get(f"{API}/contracts/{contract['id']}/").status_code == 404
    listed = ok(as_user(officer).get(f"{API}/contracts/", {"state": "drafted",
                                                            "competition": award.offer.competition_id}))
    assert [row["id"] for row in listed["results"]] == [contract["id"]]
    assert ok(as_user(officer).get(f"{API}/contracts/", {"state": "active"}))["results"] == []
    assert ok(as_user(other_ngo_user).get(f"{API}/contracts/"))["results"] == []


def test_terms_of_the_draft_at_their_fields(authority, officer, approver, finance):
    built = awarded_contract(authority, officer, approver, finance, sign=False)
    contract, url = built.contract, f"{API}/contracts/{built.contract.pk}/"
    api = as_user(officer)
    start = contract.task_start

    def patch(body):
        return api.patch(url, body, format="json")

    short = patch({"payment_mode": "tranches", "tranches": [{"due_on": start.isoformat(), "amount": "10000"},
                                                            {"due_on": start.isoformat(), "amount": "20000"}]})
    assert short.status_code == 400 and list(errors_of(short)) == ["tranches"]
    assert "40 000,00" in errors_of(short)["tranches"][0]
    letters = patch({"tranches": [{"due_on": start.isoformat(), "amount": "dziesięć tysięcy"}]})
    assert list(errors_of(letters)) == ["tranches.0.amount"]
    bad_date = patch({"task_end": "31.02.2027", "tranches": [{"due_on": "jutro", "amount": "40000"}]})
    assert set(errors_of(bad_date)) == {"task_end", "tranches.0.due_on"}
    assert set(errors_of(patch({"grant": "50000", "tolerance_pct": "sto"}))) == {"grant", "tolerance_pct"}
    assert errors_of(patch({"tolerance_pct": "150"})) == {"tolerance_pct": ["At most 100%."]}
    assert list(errors_of(patch({"bank_account": "12 3456"}))) == ["bank_account"]
    assert list(errors_of(patch({}))) == ["non_field_errors"]
    assert list(errors_of(api.patch(url, ["tolerance_pct"], format="json"))) == ["non_field_errors"]
    assert as_user(built.ngo).patch(url, {"tolerance_pct": "20"}, format="json").status_code == 403

    second = start + dt.timedelta(days=30)
    saved = ok(patch({"payment_mode": "tranches", "tolerance_pct": "15,5", "countersigned_by": "Anna Skarbnik",
                      "tranches": [{"due_on": start.isoformat(), "amount": "30 000,00"},
                                   {"due_on": second.strftime("%d.%m.%Y"), "amount": "10000"}]}))
    assert saved["tolerance_pct"] == "15.50" and saved["payment_mode"] == "tranches"
    assert [(t["number"], t["due_on"], t["amount"]) for t in saved["tranches"]] == [
        (1, start.isoformat(), "30000.00"), (2, second.isoformat(), "10000.00")]
    assert "treasurer" in {p["key"] for p in saved["parties"]}
    events = ok(api.get(f"{url}audit/"))
    assert events[-1]["action"] == "settlements.contract.terms"


def test_signatures_sign_and_pay(authority, officer, approver, finance):
    built = awarded_contract(authority, officer, approver, finance, sign=False)
    contract, url = built.contract, f"{API}/contracts/{built.contract.pk}/"
    today = timezone.localdate()
    assert ok(as_user(officer).post(f"{url}send-for-signature/", {}, format="json"))["state"] == "drafted"

    missing = as_user(officer).post(f"{url}sign/", {}, format="json")
    assert missing.status_code == 409 and "signatures_missing" in [r["code"] for r in missing.json()["reasons"]]
    bad = as_user(built.ngo).post(f"{url}signatures/", {"party_key": "organization", "signer": "",
                                                         "signed_on": "30.02.2027"}, format="json")
    assert set(errors_of(bad)) == {"signer", "signed_on"}
    future = as_user(built.ngo).post(f"{url}signatures/", {"party_key": "organization", "signer": "Beata Prezes",
                                                            "signed_on": (today + dt.timedelta(days=1)).isoformat()},
                                     format="json")
    assert list(errors_of(future)) == ["signed_on"]
    assert list(errors_of(as_user(officer).post(f"{url}signatures/", {"party_key": "partner-7", "signer": "X",
                                                                      "signed_on": today.isoformat()},
                                                format="json"))) == ["party_key"]
    # the NGO cannot sign for the authority
    assert as_user(built.ngo).post(f"{url}signatures/", {"party_key": "authority", "signer": "Prezydent",
                                                         "signed_on": today.isoformat()},
                                   format="json").status_code == 403
    signed = ok(as_user(built.ngo).post(f"{url}signatures/", {"party_key": "organization", "signer": "Beata Prezes",
                                                              "signed_on": today.strftime("%d.%m.%Y")},
                                        format="json"), 201)
    assert {p["key"]: p["signature"]["signer"] for p in signed["parties"] if p["signature"]} == {
        "organization": "Beata Prezes"}
    twice = as_user(officer).post(f"{url}signatures/", {"party_key": "organization", "signer": "Beata Prezes",
                                                        "signed_on": today.isoformat()}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "already_signed"
    ok(as_user(officer).post(f"{url}signatures/", {"party_key": "authority", "signer": "Prezydent Miasta",
                                                   "signed_on": today.isoformat()}, format="json"), 201)
    assert as_user(built.ngo).post(f"{url}sign/", {}, format="json").status_code == 403
    concluded = ok(as_user(officer).post(f"{url}sign/", {}, format="json"))
    assert concluded["state"] == "signed" and concluded["signed_on"] == today.isoformat()
    assert len(concluded["snapshot_sha256"]) == 64
    assert as_user(officer).patch(url, {"title": "Inny"}, format="json").status_code == 409

    tranche = concluded["tranches"][0]["id"]
    pay = f"{url}tranches/{tranche}/pay/"
    assert as_user(officer).post(pay, {"paid_on": today.isoformat(), "amount": "40000"},
                                 format="json").status_code == 403
    letters = as_user(finance).post(pay, {"paid_on": "wczoraj", "amount": "4O000"}, format="json")
    assert set(errors_of(letters)) == {"paid_on", "amount"}
    assert list(errors_of(as_user(finance).post(pay, {"paid_on": today.isoformat(), "amount": "39999.99"},
                                                format="json"))) == ["amount"]
    other = Tranche.objects.exclude(contract=contract).first()
    if other is not None:
        assert as_user(finance).post(f"{url}tranches/{other.pk}/pay/", {}, format="json").status_code == 404
    assert as_user(finance).post(f"{url}tranches/999999/pay/", {"paid_on": today.isoformat(), "amount": "40000"},
                                 format="json").status_code == 404
    active = ok(as_user(finance).post(pay, {"paid_on": today.isoformat(), "amount": "40 000,00",
                                            "reference": "PRZELEW 1"}, format="json"))
    assert active["state"] == "active" and active["paid"] == "40000.00"
    assert active["tranches"][0]["paid_on"] == today.isoformat()
    assert active["tranches"][0]["payment_reference"] == "PRZELEW 1"
    again = as_user(finance).post(pay, {"paid_on": today.isoformat(), "amount": "40000"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_paid"
    transitions = {t["name"]: t for t in ok(as_user(officer).get(f"{url}transitions/"))}
    assert transitions["end_implementation"]["allowed"] is False
    assert [r["code"] for r in transitions["end_implementation"]["reasons"]] == ["task_running"]
    actions = [e["action"] for e in ok(as_user(officer).get(f"{url}audit/"))]
    assert actions[-2:] == ["settlements.contract.tranche_paid", "settlements.contract.activate"]


def test_pdf_terminate_and_partial_report(authority, officer, approver, finance, other_ngo_user):
    built = awarded_contract(authority, officer, approver, finance)
    url = f"{API}/contracts/{built.contract.pk}/"
    pdf = as_user(built.ngo).get(f"{url}pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf["Content-Disposition"]
    assert as_user(other_ngo_user).get(f"{url}pdf/").status_code == 404

    today = timezone.localdate()
    period_end = (built.contract.task_start + dt.timedelta(days=60)).isoformat()
    early = as_user(officer).post(f"{url}request-partial-report/", {
        "period_start": built.contract.task_start.isoformat(), "period_end": period_end,
        "due_on": (today + dt.timedelta(days=10)).isoformat()}, format="json")
    assert list(errors_of(early)) == ["due_on"]
    report = ok(as_user(officer).post(f"{url}request-partial-report/", {
        "period_start": built.contract.task_start.isoformat(), "period_end": period_end,
        "due_on": (today + dt.timedelta(days=45)).isoformat(), "note": "Za I półrocze"}, format="json"), 201)
    assert report["kind"] == "partial" and report["state"] == "requested" and report["call_note"] == "Za I półrocze"
    assert [p["key"] for p in report["parts"]] == list(services.REPORT_SECTIONS)
    assert as_user(built.ngo).post(f"{url}request-partial-report/", {}, format="json").status_code == 400
    assert as_user(built.ngo).post(f"{url}request-partial-report/", {
        "period_start": today.isoformat(), "period_end": today.isoformat(),
        "due_on": (today + dt.timedelta(days=45)).isoformat()}, format="json").status_code == 403

    no_reason = as_user(officer).post(f"{url}terminate/", {"ground": "for_cause", "reason": "",
                                                           "terminated_on": today.isoformat()}, format="json")
    assert set(errors_of(no_reason)) == {"reason"}
    assert list(errors_of(as_user(officer).post(f"{url}terminate/", {"ground": "whim", "reason": "x",
                                                                     "terminated_on": "x"},
                                                format="json"))) == ["ground", "terminated_on"]
    assert as_user(finance).post(f"{url}terminate/", {"ground": "agreement", "reason": "Porozumienie",
                                                      "terminated_on": today.isoformat()},
                                 format="json").status_code == 403
    terminated = ok(as_user(approver).post(f"{url}terminate/", {"ground": "agreement", "reason": "Porozumienie",
                                                                "terminated_on": today.isoformat()}, format="json"))
    assert terminated["state"] == "terminated" and terminated["termination_ground"] == "agreement"
    assert terminated["settlement"] is not None  # the grant was paid: it is settled
    again = as_user(approver).post(f"{url}terminate/", {"ground": "agreement", "reason": "x",
                                                        "terminated_on": today.isoformat()}, format="json")
    assert again.status_code == 409


# --- annexes -----------------------------------------------------------------------------------------------


def test_annex_proposed_signed_by_both_and_in_force(authority, officer, approver, finance, other_ngo_user):
    built = awarded_contract(authority, officer, approver, finance)
    contract = built.contract
    today = timezone.localdate()
    assert list(errors_of(as_user(officer).post(f"{API}/annexes/", {
        "contract": contract.pk, "reason": "", "changes": {"grant": "1"}}, format="json"))) == ["grant", "reason"]
    assert as_user(other_ngo_user).post(f"{API}/annexes/", {"contract": contract.pk, "reason": "x",
                                                            "changes": {"title": "y"}},
                                        format="json").status_code == 404
    annex = ok(as_user(officer).post(f"{API}/annexes/", {
        "contract": contract.pk, "reason": "Zmiana tytułu", "changes": {"title": "Centrum Beta — edycja 2"}},
        format="json"), 201)
    assert annex["state"] == "proposed" and annex["changes"] == {"title": "Centrum Beta — edycja 2"}
    assert annex["before"]["title"] == contract.title and len(annex["sha256"]) == 64
    pending = as_user(built.ngo).post(f"{API}/annexes/", {"contract": contract.pk, "reason": "Inna",
                                                           "changes": {"place": "Sosnowiec"}}, format="json")
    assert pending.status_code == 409 and pending.json()["code"] == "annex_pending"
    url = f"{API}/annexes/{annex['id']}/"
    assert set(errors_of(as_user(officer).post(f"{url}sign/", {"signer": "", "signed_on": "x"},
                                               format="json"))) == {"signer", "signed_on"}
    by_authority = ok(as_user(officer).post(f"{url}sign/", {"signer": "Prezydent", "signed_on": today.isoformat()},
                                            format="json"))
    assert by_authority["state"] == "signed_by_authority"
    assert as_user(officer).post(f"{url}sign/", {"signer": "Prezydent", "signed_on": today.isoformat()},
                                 format="json").status_code == 409
    in_force = ok(as_user(built.ngo).post(f"{url}sign/", {"signer": "Beata Prezes", "signed_on": today.isoformat()},
                                          format="json"))
    assert in_force["state"] == "in_force" and in_force["in_force_on"] == today.isoformat()
    assert {s["party_key"] for s in in_force["signatures"]} == {"authority", "organization"}
    detail = ok(as_user(officer).get(f"{API}/contracts/{contract.pk}/"))
    assert detail["title"] == "Centrum Beta — edycja 2" and detail["version"] == 2
    assert [a["state"] for a in detail["annexes"]] == ["in_force"]
    assert as_user(officer).post(f"{url}withdraw/", {}, format="json").status_code == 409
    assert [e["action"] for e in ok(as_user(built.ngo).get(f"{url}audit/"))][-1] == (
        "settlements.annex.complete_by_organization")

    second = ok(as_user(built.ngo).post(f"{API}/annexes/", {"contract": contract.pk, "reason": "Inne miejsce",
                                                            "changes": {"place": "Sosnowiec"}}, format="json"), 201)
    assert as_user(finance).post(f"{API}/annexes/{second['id']}/withdraw/", {}, format="json").status_code == 403
    withdrawn = ok(as_user(built.ngo).post(f"{API}/annexes/{second['id']}/withdraw/", {"reason": "Pomyłka"},
                                           format="json"))
    assert withdrawn["state"] == "withdrawn"
    assert as_user(other_ngo_user).get(f"{API}/annexes/{second['id']}/").status_code == 404


# --- reports -----------------------------------------------------------------------------------------------


def test_report_parts_conflict_and_documents(authority, officer, approver, finance, other_ngo_user):
    built = awarded_contract(authority, officer, approver, finance)
    contract = built.contract
    with clock(at(contract.task_end + dt.timedelta(days=1))):
        ended_contract = ok(as_user(officer).post(f"{API}/contracts/{contract.pk}/end-implementation/", {},
                                                  format="json"))
    assert ended_contract["state"] == "implementation_ended"
    (final,) = [r for r in ended_contract["reports"] if r["kind"] == "final"]
    url = f"{API}/reports/{final['id']}/"
    ngo, editor = as_user(built.ngo), as_user(representative(contract.organization, RepresentationRole.EDITOR))
    assert as_user(other_ngo_user).get(url).status_code == 404  # another NGO's report
    report = ok(ngo.get(url))
    assert {p["key"]: p["revision"] for p in report["parts"]} == dict.fromkeys(services.REPORT_SECTIONS, 0)
    assert "documents" in {f["key"] for f in report["findings"] if f["blocking"]}

    parts = report_parts(contract)
    saved = ok(editor.put(f"{url}parts/results/", {"data": parts["results"], "base_revision": 0}, format="json"))
    assert saved["revision"] == 1 and "results.description" not in {f["key"] for f in saved["findings"]}
    stale = ngo.patch(f"{url}parts/results/", {"data": {"description": "Moja wersja"}, "base_revision": 0},
                      format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "edit_conflict"
    assert stale.json()["theirs"]["revision"] == 1
    assert stale.json()["theirs"]["data"]["description"] == "Zrealizowano zgodnie z umową."
    assert ngo.put(f"{url}parts/nonsense/", {"data": {}, "base_revision": 0}, format="json").status_code == 404
    assert list(errors_of(ngo.put(f"{url}parts/actions/", {"data": [1, 2], "base_revision": 0},
                                  format="json"))) == ["actions"]
    assert list(errors_of(ngo.put(f"{url}parts/actions/", {"data": {}}, format="json"))) == ["base_revision"]
    assert as_user(officer).put(f"{url}parts/actions/", {"data": {}, "base_revision": 0},
                                format="json").status_code == 403
    for key in ("actions", "declarations"):
        ok(ngo.put(f"{url}parts/{key}/", {"data": parts[key], "base_revision": 0}, format="json"))

    lines = {line.position: line for line in contract.lines.all()}
    first = lines[1]
    paid_on = contract.expenditure_start + dt.timedelta(days=10)
    exceeding = ngo.post(f"{url}documents/", invoice(first.pk, "100.00", paid_on, share="150.00"), format="json")
    assert list(errors_of(exceeding)) == ["shares"] and "50,00" in errors_of(exceeding)["shares"][0]
    foreign = ContractLine.objects.exclude(contract=contract).first() or ContractLine(pk=10**9)
    forged = ngo.post(f"{url}documents/", invoice(foreign.pk, "100.00", paid_on), format="json")
    assert list(errors_of(forged)) == ["shares.0.line"]
    letters = ngo.post(f"{url}documents/", {**invoice(first.pk, "sto", paid_on), "issued_on": "32.01.2027"},
                       format="json")
    assert {"amount", "issued_on"} <= set(errors_of(letters))
    assert as_user(finance).post(f"{url}documents/", invoice(first.pk, "100.00", paid_on),
                                 format="json").status_code == 403
    document = ok(editor.post(f"{url}documents/", invoice(first.pk, "1000.00", paid_on), format="json"), 201)
    assert document["position"] == 1 and document["shares"][0]["line"] == first.pk
    assert document["shares"][0]["amount"] == "1000.00"
    doc_url = f"{url}documents/{document['id']}/"
    changed = ok(ngo.put(doc_url, invoice(first.pk, "1200.00", paid_on, share="1100.00"), format="json"))
    assert changed["amount"] == "1200.00" and changed["shares"][0]["amount"] == "1100.00"
    extra = ok(ngo.post(f"{url}documents/", invoice(first.pk, "10.00", paid_on, number="FV 2"), format="json"), 201)
    assert ngo.delete(f"{url}documents/{extra['id']}/").status_code == 204
    assert ngo.delete(f"{url}documents/{extra['id']}/").status_code == 404

    # the import: one bad row names its row; a good file adds all its rows
    header = "numer dokumentu;rodzaj;wystawca;data wystawienia;data zapłaty;opis;kwota brutto;pozycja kosztorysu;" \
             "źródło;kwota przypisana\n"
    day = paid_on.strftime("%d.%m.%Y")
    good_row = f"FV 10/2027;faktura;Sklep;{day};{day};Papier;200,00;{first.label};dotacja;200,00\n"
    bad_row = f"FV 11/2027;faktura;Sklep;{day};{day};Toner;dwieście;{first.label};dotacja;200,00\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(text, name="dokumenty.csv"):
        return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")

    refused = ngo.post(f"{url}documents/import/", {"file": upload(header + good_row + bad_row)}, format="multipart")
    assert refused.status_code == 400 and list(errors_of(refused)) == ["rows.3"]
    imported = ok(ngo.post(f"{url}documents/import/", {"file": upload(header + good_row)}, format="multipart"), 201)
    assert [(d["number"], d["amount"]) for d in imported] == [("FV 10/2027", "200.00")]
    assert ngo.post(f"{url}documents/import/", {}, format="multipart").status_code == 400

    report = ok(ngo.get(url))
    assert [d["number"] for d in report["documents"]] == ["FV 1/2027", "FV 10/2027"]
    actual = next(a for a in report["actuals"] if a["line"] == first.pk)
    assert actual["grant"] == "1300.00" and actual["planned_grant"] == str(first.grant_part)
    assert report["totals"]["total"] == "1300.00" and report["received"] == "40000.00"
    assert not [f for f in report["findings"] if f["blocking"]], report["findings"]


def test_submit_clarify_assess_and_accept(authority, officer, approver, finance):
    built = awarded_contract(authority, officer, approver, finance)
    report = ended(built)
    url = f"{API}/reports/{report.pk}/"
    early = as_user(built.ngo).post(f"{url}submit/", {}, format="json")
    assert early.status_code == 400 and "declarations.information_true" in errors_of(early)
    filled(built, report)
    editor = representative(built.contract.organization, RepresentationRole.EDITOR)
    assert as_user(editor).post(f"{url}submit/", {}, format="json").status_code == 403
    with clock(at(built.contract.task_end + dt.timedelta(days=5))):
        done = ok(as_user(built.ngo).post(f"{url}submit/", {}, format="json"))
    assert done["state"] == "submitted" and len(done["snapshot_sha256"]) == 64
    assert ok(as_user(officer).get(f"{API}/contracts/{built.contract.pk}/"))["state"] == "settling"
    document = done["documents"][0]["id"]
    assert as_user(built.ngo).put(f"{url}documents/{document}/", invoice(1, "1", timezone.localdate()),
                                  format="json").status_code in (400, 409)
    assert as_user(built.ngo).delete(f"{url}documents/{document}/").status_code == 409

    assert set(errors_of(as_user(officer).post(f"{url}request-clarification/", {"question": "", "due_on": "x"},
                                               format="json"))) == {"question", "due_on"}
    due = timezone.localdate() + dt.timedelta(days=14)
    asked = ok(as_user(officer).post(f"{url}request-clarification/", {"question": "Proszę o kopię FV 1/2027.",
                                                                      "due_on": due.isoformat()}, format="json"))
    assert asked["state"] == "needs_clarification" and asked["clarifications"][0]["due_on"] == due.isoformat()
    assert as_user(finance).post(f"{url}accept/", {}, format="json").status_code == 409
    unanswered = as_user(built.ngo).post(f"{url}answer/", {}, format="json")
    assert unanswered.status_code == 400 and list(errors_of(unanswered)) == ["answer"]
    answered = ok(as_user(built.ngo).post(f"{url}answer/", {"answer": "Kopia w załączeniu."}, format="json"))
    assert answered["state"] == "submitted" and answered["clarifications"][0]["answer"] == "Kopia w załączeniu."

    assessed = ok(as_user(finance).post(f"{url}documents/{document}/ineligible/", {"reason": "Poza zakresem"},
                                        format="json"))
    assert assessed["ineligible_reason"] == "Poza zakresem"
    ok(as_user(finance).post(f"{url}documents/{document}/ineligible/", {"reason": ""}, format="json"))
    assert as_user(built.ngo).post(f"{url}documents/{document}/ineligible/", {"reason": "x"},
                                   format="json").status_code == 403
    assert list(errors_of(as_user(finance).post(f"{url}reject/", {"note": " "}, format="json"))) == ["note"]
    accepted = ok(as_user(finance).post(f"{url}accept/", {"note": "Bez uwag"}, format="json"))
    assert accepted["state"] == "accepted" and accepted["decision_note"] == "Bez uwag"
    assert as_user(finance).post(f"{url}reject/", {"note": "Za późno"}, format="json").status_code == 409
    assert ok(as_user(officer).get(f"{API}/contracts/{built.contract.pk}/"))["settlement"] is not None
    actions = [e["action"] for e in ok(as_user(officer).get(f"{url}audit/"))]
    assert actions == ["settlements.report.request", "settlements.report.submit",
                       "settlements.report.request_clarification", "settlements.report.answer",
                       "settlements.report.document_assessed", "settlements.report.document_assessed",
                       "settlements.report.accept"]


def test_reject_and_call_in_writing(authority, officer, approver, finance):
    built = awarded_contract(authority, officer, approver, finance)
    report = ended(built)
    url = f"{API}/reports/{report.pk}/"
    assert as_user(officer).post(f"{url}call-in-writing/", {"due_on": "2099-01-01"}, format="json").status_code == 409
    overdue_day = report.due_on + dt.timedelta(days=1)
    with clock(at(overdue_day)):
        services.check_deadlines()
        assert list(errors_of(as_user(officer).post(f"{url}call-in-writing/", {"due_on": overdue_day.isoformat()},
                                                    format="json"))) == ["due_on"]
        called = ok(as_user(officer).post(f"{url}call-in-writing/",
                                          {"due_on": (overdue_day + dt.timedelta(days=14)).strftime("%d.%m.%Y")},
                                          format="json"))
    assert called["state"] == "overdue" and called["written_call_due"] == (
        overdue_day + dt.timedelta(days=14)).isoformat()
    assert called["effective_due"] == called["written_call_due"]
    filled(built, report)
    with clock(at(overdue_day + dt.timedelta(days=2))):
        ok(as_user(built.ngo).post(f"{url}submit/", {}, format="json"))
    rejected = ok(as_user(officer).post(f"{url}reject/", {"note": "Brak dokumentów"}, format="json"))
    assert rejected["state"] == "rejected" and rejected["decision_note"] == "Brak dokumentów"


# --- settlement --------------------------------------------------------------------------------------------


def test_compute_conclude_and_record_returns(authority, officer, approver, finance, other_ngo_user):
    interest_table()
    built = awarded_contract(authority, officer, approver, finance)
    report = submitted(built, filled(built, ended(built)))
    settlement = Settlement.objects.get(contract=built.contract) if Settlement.objects.filter(
        contract=built.contract).exists() else None
    assert settlement is None
    services.report_accept(report, actor=built.finance, note="")
    settlement = built.contract.settlement
    url = f"{API}/settlements/{settlement.pk}/"
    assert as_user(other_ngo_user).get(url).status_code == 404
    assert as_user(built.ngo).post(f"{url}compute/", {}, format="json").status_code == 403
    assert as_user(finance).post(f"{url}conclude/", {}, format="json").status_code == 409
    computed = ok(as_user(finance).post(f"{url}compute/", {}, format="json"))
    assert computed["state"] == "computed" and computed["computation"]["report"] == report.pk
    kinds = {item["kind"]: item for item in computed["items"]}
    # paid wholly from the grant, the line also lowers the own contribution's share (DOMAIN.md §10 step 3)
    assert set(kinds) == {ReturnKind.LINE_EXCESS, ReturnKind.SHARE_EXCESS, ReturnKind.UNUSED}
    assert all(item["outstanding"] == item["amount"] for item in computed["items"])
    assert computed["totals"]["amount"] == str(sum(Decimal(i["amount"]) for i in computed["items"]))
    due = ok(as_user(finance).post(f"{url}conclude/", {}, format="json"))
    assert due["state"] == "return_due"
    assert ok(as_user(built.ngo).get(url))["state"] == "return_due"  # the organisation sees what it owes

    item = kinds[ReturnKind.UNUSED]
    returns = f"{url}items/{item['id']}/returns/"
    assert set(errors_of(as_user(finance).post(returns, {"paid_on": "1.13.2027", "amount": "dużo"},
                                               format="json"))) == {"paid_on", "amount"}
    assert as_user(built.ngo).post(returns, {"paid_on": timezone.localdate().isoformat(), "amount": "1"},
                                   format="json").status_code == 403
    too_much = as_user(finance).post(returns, {"paid_on": timezone.localdate().isoformat(),
                                               "amount": str(Decimal(item["amount"]) + 100)}, format="json")
    assert list(errors_of(too_much)) == ["amount"]
    foreign = ReturnItem.objects.exclude(settlement=settlement).first()
    assert as_user(finance).post(f"{url}items/{foreign.pk if foreign else 10**9}/returns/", {},
                                 format="json").status_code == 404
    recorded = ok(as_user(finance).post(returns, {"paid_on": timezone.localdate().isoformat(), "amount": "100,00",
                                                  "reference": "ZWROT 1"}, format="json"), 201)
    assert recorded["payment"]["to_principal"] == "100.00" and recorded["payment"]["reference"] == "ZWROT 1"
    unused = next(i for i in recorded["settlement"]["items"] if i["id"] == item["id"])
    assert unused["principal_paid"] == "100.00"
    assert Decimal(unused["outstanding"]) == Decimal(item["amount"]) - 100
    assert unused["payments"][0]["amount"] == "100.00"
    for row in recorded["settlement"]["items"]:
        ok(as_user(finance).post(f"{url}items/{row['id']}/returns/", {"paid_on": timezone.localdate().isoformat(),
                                                                      "amount": row["outstanding"]},
                                 format="json"), 201)
    closed = ok(as_user(finance).get(url))
    assert closed["state"] == "closed" and closed["totals"]["outstanding"] == "0.00"
    contract = ok(as_user(officer).get(f"{API}/contracts/{built.contract.pk}/"))
    assert contract["state"] == "performed" and contract["outstanding"] == "0.00"
    assert contract["returned"] == contract["to_return"]
    assert [e["action"] for e in ok(as_user(finance).get(f"{url}audit/"))][-2:] == [
        "settlements.settlement.mark_paid", "settlements.settlement.close"]


def test_overdue_return_and_the_decision(authority, officer, approver, finance):
    interest_table()
    built = awarded_contract(authority, officer, approver, finance)
    settlement = settled(built)
    url = f"{API}/settlements/{settlement.pk}/"
    assert as_user(approver).post(f"{url}issue-decision/", {"decision_reference": "D/1",
                                                            "decision_on": timezone.localdate().isoformat()},
                                  format="json").status_code == 409
    late = max(item.due_on for item in settlement.items.all()) + dt.timedelta(days=30)
    with clock(at(late)):
        services.check_deadlines()
        overdue = ok(as_user(finance).get(url))
        assert overdue["state"] == "overdue"
        assert all(Decimal(i["interest_to_date"]) > 0 for i in overdue["items"] if Decimal(i["amount"]) > 1000)
        assert set(errors_of(as_user(approver).post(f"{url}issue-decision/", {"decision_reference": "",
                                                                              "decision_on": "wczoraj"},
                                                    format="json"))) == {"decision_reference", "decision_on"}
        assert as_user(built.ngo).post(f"{url}issue-decision/", {"decision_reference": "D/1",
                                                                 "decision_on": late.isoformat()},
                                       format="json").status_code == 403
        decided = ok(as_user(approver).post(f"{url}issue-decision/", {"decision_reference": "Decyzja FN.1/2028",
                                                                      "decision_on": late.isoformat()},
                                            format="json"))
    assert decided["state"] == "decision_issued" and decided["decision_reference"] == "Decyzja FN.1/2028"


# --- the finance dashboard and ledger ------------------------------------------------------------------------


def test_dashboard_and_ledger(authority, officer, approver, finance, other_ngo_user):
    built = awarded_contract(authority, officer, approver, finance)
    dashboard = ok(as_user(finance).get(f"{API}/finance/dashboard/"))
    assert dashboard["authority"]["id"] == authority.pk
    assert dashboard["by_state"] == {"active": 1}
    assert dashboard["money"]["grant"] == "40000.00" and dashboard["money"]["paid"] == "40000.00"
    assert ok(as_user(officer).get(f"{API}/finance/dashboard/", {"authority": authority.pk}))["money"] == (
        dashboard["money"])
    assert as_user(built.ngo).get(f"{API}/finance/dashboard/").status_code == 404
    assert as_user(other_ngo_user).get(f"{API}/finance/dashboard/", {"authority": authority.pk}).status_code == 404
    assert list(errors_of(as_user(finance).get(f"{API}/finance/dashboard/", {"authority": "x"}))) == ["authority"]

    ledger = as_user(finance).get(f"{API}/finance/ledger/", {"competition": built.contract.award.offer.competition_id})
    assert ledger.status_code == 200 and ledger.content.startswith(b"PK")
    assert ledger["Content-Type"].startswith("application/vnd.openxmlformats")
    other = CompetitionFactory()
    assert list(errors_of(as_user(finance).get(f"{API}/finance/ledger/", {"competition": other.pk}))) == [
        "competition"]
    assert as_user(built.ngo).get(f"{API}/finance/ledger/").status_code == 404


# --- query budgets ---------------------------------------------------------------------------------------------


def bulk_contracts(authority, creator, count: int, *, organization=None) -> list[Contract]:
    """Contracts written straight to the tables (no services, no audit), each with a paid tranche, a
    final report, a partial one and a settlement with a return item: for query budgets only."""
    competition = CompetitionFactory(authority=authority, closed=True)
    area = competition.task_areas.get()
    contracts = []
    today = timezone.localdate()
    for _ in range(count):
        offer = OfferFactory(task_area=area, organization=organization or OrganizationFactory(), submitted=True)
        award = Award.objects.create(offer=offer)
        contract = Contract.objects.create(
            award=award, authority=authority, organization=offer.organization,
            number=f"B/{Contract.objects.count() + 1}", title=offer.title or "Zadanie", form="wspieranie",
            task_start=today, task_end=today, expenditure_start=today, expenditure_end=today,
            grant=Decimal("1000.00"), total_cost=Decimal("1200.00"), bank_account="61109010140000071219812874",
            tolerance_pct=Decimal("10"), return_due=today, created_by=creator)
        Contract.objects.filter(pk=contract.pk).update(state=ContractState.SETTLING)
        Tranche.objects.create(contract=contract, number=1, due_on=today, amount=Decimal("1000.00"), paid_on=today,
                               paid_amount=Decimal("1000.00"))
        Tranche.objects.create(contract=contract, number=2, due_on=today, amount=Decimal("1.00"))
        for kind in (ReportKind.FINAL, ReportKind.PARTIAL):
            Report.objects.create(contract=contract, kind=kind, period_start=today, period_end=today,
                                  requested_on=today, due_on=today)
        settlement = Settlement.objects.create(contract=contract)
        ReturnItem.objects.create(settlement=settlement, kind=ReturnKind.UNUSED, basis="u.f.p. art. 251",
                                  amount=Decimal("10.00"), due_on=today, interest_from=today)
        contracts.append(contract)
    return contracts


@pytest.mark.parametrize("path", ["/contracts/", "/reports/", "/settlements/", "/finance/dashboard/"])
def test_lists_do_not_grow_queries_with_rows(path, authority, officer, finance, organization, ngo_admin,
                                             django_assert_max_num_queries):
    bulk_contracts(authority, officer, 1, organization=organization)
    viewers = [finance, ngo_admin] if path != "/finance/dashboard/" else [finance]
    budgets = {}
    for viewer in viewers:
        api = as_user(viewer)
        response = api.get(f"{API}{path}")
        assert response.status_code == 200
        budgets[viewer.pk] = count_queries(lambda api=api: api.get(f"{API}{path}"))
    bulk_contracts(authority, officer, 19, organization=organization)
    for viewer in viewers:
        api = as_user(viewer)
        with django_assert_max_num_queries(budgets[viewer.pk]):
            response = api.get(f"{API}{path}")
        data = response.json()
        if path == "/finance/dashboard/":
            assert data["by_state"] == {"settling": 20} and len(data["reports_due"]) == 40
            assert len(data["tranches_due"]) == 0 and len(data["settlements"]) == 20
        else:
            assert data["count"] == (40 if path == "/reports/" else 20)
