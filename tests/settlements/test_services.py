"""Every service of contracts, reports and settlement with good and bad input (DOMAIN.md §8–10).

Most tests start from `quick_contract`: an award ready for the contract written straight with the
factories (no competition walk), then drafted, signed and paid through the services, on a clock
pinned by the `clock` fixture so that the dates of the law fall where the test says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest

from competitions.models import AuthorityRole
from evaluation.models import Award, AwardState, AwardUpdate
from offers.models import RepresentationRole
from offers.services import snapshot_hash
from settlements import selectors, services
from settlements.models import (
    AnnexState,
    Contract,
    ContractState,
    Report,
    ReportKind,
    ReportState,
    ReturnKind,
    Settlement,
    SettlementState,
    Tranche,
)
from workflow.audit import audit_events_for, canonical
from workflow.calendar import WARSAW, deadline_in_days
from workflow.errors import EditConflict, Forbidden, InvalidData, NotFound, WrongState
from workflow.models import Notification
from workflow.services import transition

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    TaskAreaFactory,
    complete_sections,
    representative,
    staff,
)
from .builders import interest_table

pytestmark = pytest.mark.django_db


# --- shared by the settlement test modules ---------------------------------------------------


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WARSAW)


class Clock:
    """django.utils.timezone.now pinned to a Warsaw noon; `to()` moves it."""

    def __init__(self, day: dt.date):
        self.now = at(day)

    def to(self, day: dt.date, hour: int = 12) -> dt.date:
        self.now = at(day, hour)
        return day

    @property
    def today(self) -> dt.date:
        return self.now.date()


START = dt.date(2027, 2, 1)  # before the task window of the factories (1 March – 15 December 2027)


def pinned_clock():
    """For a fixture: `yield from pinned_clock()`."""
    pinned = Clock(START)
    with mock.patch("django.utils.timezone.now", side_effect=lambda: pinned.now):
        yield pinned


@pytest.fixture
def clock():
    yield from pinned_clock()


@dataclass
class Quick:
    contract: Contract
    officer: Any
    finance: Any
    ngo: Any
    award: Award

    def refresh(self) -> Contract:
        self.contract.refresh_from_db()
        return self.contract


def quick_award(authority, *, grant: str = "30000.00", own: str = "4000.00", admin: str = "2000.00",
                sections: dict | None = None, organization=None, split: bool = True) -> tuple[Award, Any]:
    """An award ready for the contract, written with the factories: one action line and one
    administrative line (`admin` from the grant), `own` own contribution."""
    competition = CompetitionFactory(authority=authority, closed=True, with_areas=False)
    if competition.per_line_grant_split != split:
        type(competition).objects.filter(pk=competition.pk).update(per_line_grant_split=split)
    area = TaskAreaFactory(competition=competition)
    organization = organization or OrganizationFactory()
    ngo = representative(organization, RepresentationRole.SIGNATORY)
    content = sections or complete_sections(area, organization, grant=grant, own=own, admin=admin)
    offer = OfferFactory(task_area=area, organization=organization, submitted=True, content=content,
                         grant_requested=Decimal(grant), total_cost=Decimal(grant) + Decimal(own))
    award = Award.objects.create(offer=offer, state=AwardState.READY_FOR_CONTRACT, decided_amount=Decimal(grant))
    return award, ngo


def sign_everyone(contract: Contract, officer, ngo, finance, day: dt.date) -> Contract:
    for party in services.required_parties(contract):
        key = party["key"]
        actor = ngo if key == "organization" else finance if key == "treasurer" else officer
        services.signature_record(contract=contract, actor=actor, party_key=key, signer="Jan Podpisujący",
                                  signed_on=day)
    return services.contract_sign(contract, actor=officer, signed_on=day)


def quick_contract(authority, officer, finance, *, sign: bool = True, pay: bool = True,
                   terms: dict | None = None, **award_kwargs) -> Quick:
    """Drafted on the clock's day, its terms changed by `terms`, signed by everyone and paid."""
    award, ngo = quick_award(authority, **award_kwargs)
    contract = services.contract_draft(award=award, actor=officer)
    if terms:
        contract = services.contract_update_terms(contract, actor=officer, data=terms)
    from django.utils import timezone

    today = timezone.localdate()
    if sign:
        contract = sign_everyone(contract, officer, ngo, finance, today)
        if pay:
            for tranche in contract.tranches.filter(due_on__lte=max(today, contract.task_start)):
                services.tranche_record_payment(tranche, actor=finance, paid_on=today, amount=str(tranche.amount))
    contract.refresh_from_db()
    return Quick(contract, officer, finance, ngo, award)


def fill_report(report: Report, ngo, *, documents: list[dict] | None = None) -> Report:
    """Parts I and III complete, the declarations confirmed, and `documents` (default: one invoice
    for the whole first line from the grant, paid on the task's first day)."""
    contract = report.contract
    sections = contract.terms["sections"]
    services.report_save_section(report=report, actor=ngo, key="results", base_revision=None, data={
        "description": "Zrealizowano.",
        "indicators": [{"achieved": "100%"} for _ in sections["results"]["indicators"]]})
    services.report_save_section(report=report, actor=ngo, key="actions", base_revision=None, data={
        "actions": [{"performed": "Zrobione"} for _ in sections["schedule"]["actions"]]})
    services.report_save_section(report=report, actor=ngo, key="declarations", base_revision=None, data={
        "status_unchanged": True, "information_true": True, "procurement_followed": True})
    if documents is None:
        line = contract.lines.order_by("position").first()
        documents = [invoice("FV 1/2027", contract.expenditure_start + dt.timedelta(days=5),
                             [(line, "grant", line.grant_part)])]
    for data in documents:
        services.document_save(report=report, actor=ngo, data=data)
    return report


def invoice(number: str, paid_on: dt.date | None, shares: list[tuple[Any, str, Any]], *, kind: str = "invoice",
            amount: Any = None) -> dict:
    total = sum((Decimal(str(a)) for _l, _s, a in shares), Decimal("0.00"))
    return {"number": number, "kind": kind, "issued_on": (paid_on or dt.date(2027, 3, 5)).isoformat(),
            "paid_on": paid_on.isoformat() if paid_on else "", "amount": str(amount if amount is not None else total),
            "shares": [{"line": line.pk, "source": source, "amount": str(a)} for line, source, a in shares]}


def ended(quick: Quick, clock: Clock, days_after: int = 1) -> Report:
    """The task's end passed: the contract ends and the final report is requested."""
    clock.to(quick.contract.task_end + dt.timedelta(days=days_after))
    services.contract_end(quick.contract)
    quick.refresh()
    return quick.contract.reports.get(kind=ReportKind.FINAL)


def audit_actions(subject) -> list[str]:
    return [event.action for event in audit_events_for(subject)]


# --- drafting --------------------------------------------------------------------------------


def test_a_contract_is_drafted_from_an_award_ready_for_it_by_an_officer_only(authority, officer, finance, clock):
    award, ngo = quick_award(authority)
    other_officer = staff(AuthorityFactory(), AuthorityRole.OFFICER)
    for actor in (ngo, finance, other_officer):
        with pytest.raises(Forbidden):
            services.contract_draft(award=award, actor=actor)
    Award.objects.filter(pk=award.pk).update(state=AwardState.SELECTED)
    award.refresh_from_db()
    with pytest.raises(WrongState) as refused:
        services.contract_draft(award=award, actor=officer)
    assert refused.value.code == "award_not_ready" and refused.value.status_code == 409
    assert not Contract.objects.exists()


def test_an_organisation_without_a_bank_account_gets_no_contract(authority, officer, clock):
    award, _ngo = quick_award(authority, organization=OrganizationFactory(bank_account=""))
    with pytest.raises(InvalidData) as refused:
        services.contract_draft(award=award, actor=officer)
    assert list(refused.value.errors) == ["bank_account"] and refused.value.status_code == 400
    assert not Contract.objects.exists()


def test_the_draft_copies_the_offer_numbers_per_authority_and_asks_no_report_yet(authority, officer, clock):
    award, _ngo = quick_award(authority, grant="30000.00", own="4000.00", admin="2000.00")
    contract = services.contract_draft(award=award, actor=officer)
    assert contract.state == ContractState.DRAFTED
    assert (contract.grant, contract.total_cost, contract.own_financial) == (
        Decimal("30000.00"), Decimal("34000.00"), Decimal("4000.00"))
    assert [(line.name, line.value, line.grant_part) for line in contract.lines.order_by("position")] == [
        ("Wynagrodzenie doradcy", Decimal("32000.00"), Decimal("28000.00")),
        ("Koordynacja", Decimal("2000.00"), Decimal("2000.00"))]
    assert (contract.task_start, contract.task_end) == (dt.date(2027, 3, 1), dt.date(2027, 12, 15))
    assert contract.bank_account == award.offer.organization.bank_account
    # the unused grant: 15 days after the spending ends, moved to a working day (u.f.p. art. 251 ust. 3)
    assert contract.return_due == deadline_in_days(dt.date(2027, 12, 15), 15) == dt.date(2027, 12, 30)
    assert [(t.number, t.amount) for t in contract.tranches.all()] == [(1, Decimal("30000.00"))]
    assert contract.number == f"{authority.slug.upper()}/2027/0001"
    assert not contract.reports.exists()
    assert audit_actions(contract) == ["settlements.contract.draft"]
    with pytest.raises(WrongState) as again:
        services.contract_draft(award=award, actor=officer)
    assert again.value.code == "contract_exists"

    second, _ = quick_award(authority)
    assert services.contract_draft(award=second, actor=officer).number == f"{authority.slug.upper()}/2027/0002"
    elsewhere = AuthorityFactory()
    third, _ = quick_award(elsewhere)
    numbered = services.contract_draft(award=third, actor=staff(elsewhere, AuthorityRole.OFFICER))
    assert numbered.number == f"{elsewhere.slug.upper()}/2027/0001"


def test_the_draft_takes_the_cost_estimate_as_updated(authority, officer, clock):
    award, ngo = quick_award(authority)
    sections = complete_sections(award.offer.task_area, award.offer.organization, grant="25000.00", own="4000.00",
                                 admin="1500.00")
    sections["costs"]["lines"][0]["name"] = "Wynagrodzenie doradcy (po aktualizacji)"
    AwardUpdate.objects.create(award=award, sections={"costs": sections["costs"], "sources": sections["sources"]},
                               updated_by=ngo, snapshot_sha256="a" * 64)
    Award.objects.filter(pk=award.pk).update(decided_amount=Decimal("25000.00"))
    award.refresh_from_db()
    contract = services.contract_draft(award=award, actor=officer)
    assert contract.grant == Decimal("25000.00") and contract.total_cost == Decimal("29000.00")
    assert [(line.name, line.grant_part) for line in contract.lines.order_by("position")] == [
        ("Wynagrodzenie doradcy (po aktualizacji)", Decimal("23500.00")), ("Koordynacja", Decimal("1500.00"))]
    assert contract.terms["update_sha256"] == "a" * 64


# --- the terms of the draft -----------------------------------------------------------------------


def test_payments_that_do_not_add_up_are_refused_with_the_difference(authority, officer, finance, clock):
    contract = quick_contract(authority, officer, finance, sign=False).contract
    with pytest.raises(InvalidData) as refused:
        services.contract_update_terms(contract, actor=officer, data={
            "payment_mode": "tranches",
            "tranches": [{"due_on": "2027-03-01", "amount": "20000"}, {"due_on": "2027-07-01", "amount": "9 000,50"}]})
    assert refused.value.errors == {"tranches": [
        "The payments add up to 29 000,50 zł, not to the grant 30 000,00 zł (difference 999,50 zł)."]}
    assert [t.amount for t in contract.tranches.all()] == [Decimal("30000.00")]
    done = services.contract_update_terms(contract, actor=officer, data={
        "payment_mode": "tranches",
        "tranches": [{"due_on": "2027-03-01", "amount": "20000"}, {"due_on": "2027-07-01", "amount": "10 000,00"}]})
    assert [(t.number, t.due_on, t.amount) for t in done.tranches.all()] == [
        (1, dt.date(2027, 3, 1), Decimal("20000.00")), (2, dt.date(2027, 7, 1), Decimal("10000.00"))]
    event = audit_events_for(done).last()
    assert event.action == "settlements.contract.terms"
    assert event.payload["tranches"] == [{"due_on": "2027-03-01", "amount": "20000.00"},
                                         {"due_on": "2027-07-01", "amount": "10000.00"}]
    assert event.payload["tranches_before"] == [{"due_on": "2027-03-01", "amount": "30000.00"}]


@pytest.mark.parametrize(("data", "key", "words"), [
    ({"tranches": [{"due_on": "2027-12-20", "amount": "30000"}]}, "tranches.0.due_on", "after the grant may be spent"),
    ({"expenditure_end": "2028-01-15", "return_due": "2028-01-31"}, "expenditure_end", "31 December 2027"),
    ({"bank_account": "PL 12 3456 7890 1234 5678 9012 3456"}, "bank_account", ""),
    ({"tranches": [{"due_on": "2027-03-01", "amount": "30 tys."}]}, "tranches.0.amount", ""),
    ({"tranches": [{"due_on": "1 marca", "amount": "30000"}]}, "tranches.0.due_on", ""),
    ({"grant": "50000"}, "grant", "cannot be changed here"),
    ({"tolerance_pct": "150"}, "tolerance_pct", "100%"),
    ({"task_end": "2027-02-01"}, "task_end", "ends before it starts"),
], ids=["tranche-after-spending", "art-221", "iban", "letters-in-amount", "bad-date", "unknown-key", "tolerance",
        "end-before-start"])
def test_bad_terms_are_refused_at_their_field(authority, officer, finance, clock, data, key, words):
    contract = quick_contract(authority, officer, finance, sign=False).contract
    before = list(audit_events_for(contract))
    with pytest.raises(InvalidData) as refused:
        services.contract_update_terms(contract, actor=officer, data=data)
    assert key in refused.value.errors, refused.value.errors
    assert words in " ".join(refused.value.errors[key])
    assert list(audit_events_for(contract)) == before
    contract.refresh_from_db()
    assert contract.expenditure_end == dt.date(2027, 12, 15)


def test_the_grant_may_be_spent_into_the_next_year_only_with_a_tranche_in_it(authority, officer, finance, clock):
    # u.f.p. art. 221 ust. 3: the term of use is within the budget year of the money, the year of the last tranche
    contract = quick_contract(authority, officer, finance, sign=False).contract
    done = services.contract_update_terms(contract, actor=officer, data={
        "task_end": "2028-03-31", "expenditure_end": "2028-03-31", "return_due": "2028-04-15",
        "payment_mode": "tranches",
        "tranches": [{"due_on": "2027-03-01", "amount": "20000"}, {"due_on": "2028-01-10", "amount": "10000"}]})
    assert done.expenditure_end == dt.date(2028, 3, 31)


def test_only_the_officer_changes_the_terms_and_only_of_a_draft(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance, sign=False)
    for actor in (quick.ngo, finance):
        with pytest.raises(Forbidden):
            services.contract_update_terms(quick.contract, actor=actor, data={"title": "Inny"})
    signed = sign_everyone(quick.contract, officer, quick.ngo, finance, clock.today)
    with pytest.raises(WrongState) as refused:
        services.contract_update_terms(signed, actor=officer, data={"title": "Inny"})
    assert refused.value.code == "contract_signed"


# --- signatures and signing -----------------------------------------------------------------------


def test_signatures_are_recorded_by_whom_they_may_be(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance, sign=False)
    contract = services.contract_update_terms(quick.contract, actor=officer, data={"countersigned_by": "Anna Skarbnik"})
    assert [p["key"] for p in services.required_parties(contract)] == ["organization", "authority", "treasurer"]
    today = clock.today
    with pytest.raises(InvalidData) as unknown:
        services.signature_record(contract=contract, actor=officer, party_key="partner-1", signer="X", signed_on=today)
    assert list(unknown.value.errors) == ["party_key"]
    with pytest.raises(InvalidData) as future:
        services.signature_record(contract=contract, actor=quick.ngo, party_key="organization", signer="Anna Nowak",
                                  signed_on=today + dt.timedelta(days=1))
    assert list(future.value.errors) == ["signed_on"]
    with pytest.raises(InvalidData) as nameless:
        services.signature_record(contract=contract, actor=quick.ngo, party_key="organization", signer=" ",
                                  signed_on=today)
    assert list(nameless.value.errors) == ["signer"]
    for actor, key in ((quick.ngo, "authority"), (quick.ngo, "treasurer"), (finance, "organization"),
                       (finance, "authority"), (OTHER_NGO(), "organization")):
        with pytest.raises(Forbidden):
            services.signature_record(contract=contract, actor=actor, party_key=key, signer="X", signed_on=today)
    signature = services.signature_record(contract=contract, actor=quick.ngo, party_key="organization",
                                          signer="Anna Nowak", signed_on=today)
    assert (signature.party, signature.party_name) == ("organization", contract.organization.name)
    with pytest.raises(WrongState) as twice:
        services.signature_record(contract=contract, actor=officer, party_key="organization", signer="Anna Nowak",
                                  signed_on=today)
    assert twice.value.code == "already_signed"
    services.signature_record(contract=contract, actor=officer, party_key="authority", signer="Wójt", signed_on=today)
    services.signature_record(contract=contract, actor=finance, party_key="treasurer", signer="Anna Skarbnik",
                              signed_on=today)
    events = [e for e in audit_events_for(contract) if e.action == "settlements.contract.signature"]
    assert [(e.payload["party"], e.actor_role) for e in events] == [
        ("organization", "ngo_signatory"), ("authority", "officer"), ("treasurer", "finance")]


def OTHER_NGO():  # noqa: N802 — a representative of another organisation
    return representative(OrganizationFactory(), RepresentationRole.SIGNATORY)


def test_signing_freezes_the_contract_with_its_hash(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance, sign=False)
    clock.to(dt.date(2027, 2, 3))
    for key, actor in (("organization", quick.ngo), ("authority", officer)):
        services.signature_record(contract=quick.contract, actor=actor, party_key=key, signer="Jan",
                                  signed_on=dt.date(2027, 2, 2) if key == "organization" else dt.date(2027, 2, 3))
    with pytest.raises(InvalidData) as future:
        services.contract_sign(quick.contract, actor=officer, signed_on="2027-02-04")
    assert list(future.value.errors) == ["signed_on"]
    with pytest.raises(InvalidData) as before_the_last:
        services.contract_sign(quick.contract, actor=officer, signed_on="2027-02-02")
    assert before_the_last.value.errors == {"signed_on": [
        "The contract is concluded on the day of its last signature (03.02.2027) or later."]}
    signed = services.contract_sign(quick.contract, actor=officer)
    assert signed.state == ContractState.SIGNED
    assert signed.signed_on == dt.date(2027, 2, 3)  # the day of the last signature
    assert signed.snapshot["grant"] == "30000.00" and signed.snapshot["number"] == signed.number
    assert [line["grant_part"] for line in signed.snapshot["lines"]] == ["28000.00", "2000.00"]
    assert signed.snapshot_sha256 == snapshot_hash(signed.snapshot)
    assert len(signed.snapshot_sha256) == 64
    event = audit_events_for(signed).last()
    assert (event.action, event.source_state, event.target_state) == (
        "settlements.contract.sign", "drafted", "signed")
    assert event.payload["sha256"] == signed.snapshot_sha256
    assert not signed.reports.exists()
    with pytest.raises(WrongState):
        services.signature_record(contract=signed, actor=officer, party_key="authority", signer="Jan",
                                  signed_on=clock.today)


# --- payments of the grant --------------------------------------------------------------------------


def test_the_finance_officer_records_each_tranche_once_in_full_and_the_first_starts_performance(
        authority, officer, finance, clock):
    tranches = [{"due_on": "2027-03-01", "amount": "20000"}, {"due_on": "2027-07-01", "amount": "10000"}]
    quick = quick_contract(authority, officer, finance, pay=False,
                           terms={"payment_mode": "tranches", "tranches": tranches})
    contract = quick.contract
    assert contract.state == ContractState.SIGNED and contract.signed_on == START
    first, second = contract.tranches.all()
    with pytest.raises(Forbidden):
        services.tranche_record_payment(first, actor=officer, paid_on=START, amount="20000")
    with pytest.raises(InvalidData) as not_equal:
        services.tranche_record_payment(first, actor=finance, paid_on=START, amount="19999.99")
    assert not_equal.value.errors == {"amount": [
        "Tranche 1 is 20 000,00 zł; record it as paid in full, or change the schedule by an annex."]}
    with pytest.raises(InvalidData) as early:
        services.tranche_record_payment(first, actor=finance, paid_on=START - dt.timedelta(days=1), amount="20000")
    assert "01.02.2027" in early.value.errors["paid_on"][0]
    with pytest.raises(InvalidData) as future:
        services.tranche_record_payment(first, actor=finance, paid_on=START + dt.timedelta(days=1), amount="20000")
    assert list(future.value.errors) == ["paid_on"]
    contract.refresh_from_db()
    assert contract.state == ContractState.SIGNED
    clock.to(dt.date(2027, 3, 1))
    paid = services.tranche_record_payment(first, actor=finance, paid_on="01.03.2027", amount="20 000,00",
                                           reference="PRZELEW 1")
    assert (paid.paid_on, paid.paid_amount, paid.recorded_by) == (dt.date(2027, 3, 1), Decimal("20000.00"), finance)
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert audit_actions(contract)[-2:] == ["settlements.contract.tranche_paid", "settlements.contract.activate"]
    with pytest.raises(WrongState) as twice:
        services.tranche_record_payment(first, actor=finance, paid_on="2027-03-01", amount="20000")
    assert twice.value.code == "already_paid"
    clock.to(dt.date(2027, 7, 1))
    services.tranche_record_payment(second, actor=finance, paid_on="2027-07-01", amount="10000")
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE  # the second payment changes no state


def test_a_draft_is_not_paid(authority, officer, finance, clock):
    contract = quick_contract(authority, officer, finance, sign=False).contract
    with pytest.raises(WrongState) as refused:
        services.tranche_record_payment(contract.tranches.get(), actor=finance, paid_on=START, amount="30000")
    assert refused.value.code == "contract_not_in_force"


# --- the end of the task -------------------------------------------------------------------------------


@pytest.mark.parametrize(("task_end", "due_on"), [
    (dt.date(2027, 10, 14), dt.date(2027, 11, 15)),  # +30 is Saturday 13 November → Monday
    (dt.date(2027, 10, 12), dt.date(2027, 11, 12)),  # +30 is 11 November, Independence Day → Friday
    (dt.date(2027, 4, 1), dt.date(2027, 5, 4)),  # +30 is Saturday 1 May, then Sunday, then 3 May → Tuesday
    (dt.date(2027, 6, 15), dt.date(2027, 7, 15)),  # +30 is a Thursday: stays
], ids=["saturday", "11-november", "1-may", "working-day"])
def test_the_final_report_is_due_30_days_after_the_end_on_a_working_day(authority, officer, finance, clock,
                                                                         task_end, due_on):
    # art. 18 ust. 1; KPA art. 57 § 4 for the end falling on a day off
    quick = quick_contract(authority, officer, finance, terms={
        "task_end": task_end.isoformat(), "expenditure_end": task_end.isoformat()})
    with pytest.raises(WrongState) as early:
        clock.to(task_end)
        services.contract_end(quick.contract)
    assert early.value.refusals[0].code == "task_running"
    report = ended(quick, clock)
    assert quick.contract.state == ContractState.IMPLEMENTATION_ENDED
    assert (report.kind, report.state, report.due_on) == (ReportKind.FINAL, ReportState.REQUESTED, due_on)
    assert (report.period_start, report.period_end, report.requested_on) == (
        dt.date(2027, 3, 1), task_end, task_end + dt.timedelta(days=1))
    request = audit_events_for(report).get()
    assert request.payload["due_on"] == due_on.isoformat() and request.payload["basis"] == "art. 18 ust. 1"
    assert Notification.objects.filter(recipient=quick.ngo, key__startswith=f"report.{report.pk}.requested").exists()


# --- partial reports -------------------------------------------------------------------------------------


def test_a_partial_report_is_due_at_least_30_days_from_the_call(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    clock.to(dt.date(2027, 4, 1))
    for actor in (quick.ngo, AUTHORITY_APPROVER(authority)):
        with pytest.raises(Forbidden):
            services.report_request_partial(contract=quick.contract, actor=actor, period_start="2027-03-01",
                                            period_end="2027-03-31", due_on="2027-05-10")
    with pytest.raises(InvalidData) as refused:
        services.report_request_partial(contract=quick.contract, actor=officer, period_start="2027-03-01",
                                        period_end="2027-03-31", due_on="2027-04-30")
    # 1 April + 30 = Saturday 1 May (a holiday), Sunday, 3 May (a holiday): Tuesday 4 May at the earliest
    assert refused.value.errors == {"due_on": [
        "A partial report may be due on 04.05.2027 at the earliest (30 days from the call, art. 18 ust. 3)."]}
    with pytest.raises(InvalidData) as backwards:
        services.report_request_partial(contract=quick.contract, actor=officer, period_start="2027-03-31",
                                        period_end="2027-03-01", due_on="2027-05-10")
    assert list(backwards.value.errors) == ["period_end"]
    report = services.report_request_partial(contract=quick.contract, actor=finance, period_start="2027-03-01",
                                             period_end="2027-03-31", due_on="01.05.2027", note="Za marzec.")
    # a deadline set on a day off moves to the next working day: 1 May → Tuesday 4 May
    assert (report.kind, report.state, report.requested_on, report.due_on) == (
        ReportKind.PARTIAL, ReportState.REQUESTED, dt.date(2027, 4, 1), dt.date(2027, 5, 4))
    assert audit_events_for(report).get().payload["basis"] == "art. 18 ust. 3"


def AUTHORITY_APPROVER(authority):  # noqa: N802
    return staff(authority, AuthorityRole.APPROVER)


def test_a_partial_report_is_called_for_only_while_the_task_runs(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance, pay=False)
    with pytest.raises(WrongState) as refused:
        services.report_request_partial(contract=quick.contract, actor=officer, period_start="2027-03-01",
                                        period_end="2027-03-31", due_on="2027-04-30")
    assert refused.value.code == "contract_not_active"


# --- the report's parts and documents --------------------------------------------------------------


def test_saving_a_part_detects_a_stale_revision_and_keeps_to_the_organisation(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    report = ended(quick, clock)
    editor = representative(quick.contract.organization, RepresentationRole.EDITOR)
    first = services.report_save_section(report=report, actor=quick.ngo, key="results", base_revision=0,
                                         data={"description": "Pierwsza wersja"})
    assert first.revision == 1
    second = services.report_save_section(report=report, actor=editor, key="results", base_revision=1,
                                          data={"description": "Druga wersja\u0000"})
    assert (second.revision, second.data) == (2, {"description": "Druga wersja"})
    with pytest.raises(EditConflict) as stale:
        services.report_save_section(report=report, actor=quick.ngo, key="results", base_revision=1,
                                     data={"description": "Moja wersja"})
    assert stale.value.status_code == 409
    assert stale.value.theirs["revision"] == 2 and stale.value.theirs["data"] == {"description": "Druga wersja"}
    assert stale.value.theirs["saved_by"] == editor.get_full_name()
    with pytest.raises(NotFound):
        services.report_save_section(report=report, actor=quick.ngo, key="budget", base_revision=None, data={})
    with pytest.raises(InvalidData) as huge:
        services.report_save_section(report=report, actor=quick.ngo, key="other", base_revision=None,
                                     data={"text": "ż" * 150_000})
    assert list(huge.value.errors) == ["other"]
    with pytest.raises(InvalidData):
        services.report_save_section(report=report, actor=quick.ngo, key="other", base_revision=None, data=["x"])
    for outsider in (OTHER_NGO(), officer, finance):
        with pytest.raises(Forbidden):
            services.report_save_section(report=report, actor=outsider, key="other", base_revision=None,
                                         data={"text": "cudze"})
    assert services.report_read(report).revisions == {"results": 2}


def test_a_submitted_report_can_no_longer_be_changed(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    report = fill_report(ended(quick, clock), quick.ngo)
    report = services.report_submit(report, actor=quick.ngo)
    with pytest.raises(WrongState) as refused:
        services.report_save_section(report=report, actor=quick.ngo, key="other", base_revision=None, data={})
    assert refused.value.code == "report_not_editable"
    line = quick.contract.lines.first()
    with pytest.raises(WrongState):
        services.document_save(report=report, actor=quick.ngo,
                               data=invoice("FV 2", dt.date(2027, 4, 1), [(line, "grant", "10")]))
    with pytest.raises(WrongState):
        services.document_remove(document=report.documents.get(), actor=quick.ngo)


def test_documents_are_checked_at_their_fields(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    other = quick_contract(authority, officer, finance)
    report = ended(quick, clock)
    line, admin = quick.contract.lines.order_by("position")
    foreign = other.contract.lines.first()
    paid = dt.date(2027, 4, 1)

    def refused(data) -> dict[str, list[str]]:
        with pytest.raises(InvalidData) as error:
            services.document_save(report=report, actor=quick.ngo, data=data)
        return error.value.errors

    errors = refused(invoice("FV 1", paid, [(line, "grant", "800.00"), (admin, "own_financial", "300.00")],
                             amount="1000.00"))
    assert errors == {"shares": ["The parts add up to 1 100,00 zł, more than the document's 1 000,00 zł by 100,00 zł."]}
    assert "shares.0.line" in refused(invoice("FV 1", paid, [(foreign, "grant", "100")]))
    assert "shares" in refused(invoice("OŚW 1", paid, [(line, "grant", "100")], kind="in_kind"))
    assert "paid_on" in refused(invoice("FV 1", None, [(line, "grant", "100")]))
    assert "shares.0.source" in refused(invoice("FV 1", paid, [(line, "darowizna", "100")]))
    assert "amount" in refused({**invoice("FV 1", paid, [(line, "grant", "100")]), "amount": "sto"})
    assert "shares" in refused({**invoice("FV 1", paid, [(line, "grant", "100")]), "shares": []})
    assert not report.documents.exists()
    # an in-kind statement needs no payment date; it is a non-financial contribution
    statement = services.document_save(report=report, actor=quick.ngo,
                                       data=invoice("OŚW 1", None, [(line, "in_kind", "500")], kind="in_kind"))
    document = services.document_save(report=report, actor=quick.ngo, data=invoice(
        "FV 1", paid, [(line, "grant", "700.00"), (admin, "own_financial", "300.00")]))
    assert (statement.position, document.position) == (1, 2)
    assert sorted((s.line_id, s.source, s.amount) for s in document.shares.all()) == sorted(
        [(line.pk, "grant", Decimal("700.00")), (admin.pk, "own_financial", Decimal("300.00"))])
    changed = services.document_save(report=report, actor=quick.ngo, document=document,
                                     data=invoice("FV 1/K", paid, [(admin, "grant", "1000.00")]))
    assert (changed.pk, changed.number) == (document.pk, "FV 1/K")
    assert [(s.line_id, s.amount) for s in changed.shares.all()] == [(admin.pk, Decimal("1000.00"))]
    with pytest.raises(Forbidden):
        services.document_save(report=report, actor=OTHER_NGO(), data=invoice("FV 9", paid, [(line, "grant", "1")]))
    # a document of another report is not there to change
    other_report = ended(other, clock)
    theirs = services.document_save(report=other_report, actor=other.ngo,
                                    data=invoice("FV 5", paid, [(foreign, "grant", "5")]))
    with pytest.raises(NotFound):
        services.document_save(report=report, actor=quick.ngo, document=theirs,
                               data=invoice("FV 5", paid, [(line, "grant", "5")]))
    assert theirs.shares.get().line_id == foreign.pk


def test_documents_are_imported_all_or_nothing(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    report = ended(quick, clock)
    line, admin = quick.contract.lines.order_by("position")
    header = ("numer dokumentu;rodzaj;data wystawienia;data zapłaty;kwota brutto;pozycja kosztorysu;źródło;"
              "kwota przypisana")
    good = "\n".join([header,
                      f"FV 1/2027;faktura;05.03.2027;10.03.2027;1 230,00;{line.label};dotacja;1 000,00",
                      f"FV 1/2027;;;;;{admin.label};środki własne;230,00",
                      f"R 2/2027;rachunek;01.04.2027;02.04.2027;500,00;{admin.label};dotacja;500,00"]).encode()
    bad = good + b"\nFV 3;faktura;01.04.2027;02.04.2027;100,00;IX.9;dotacja;100,00"
    with pytest.raises(InvalidData) as refused:
        services.documents_import(report=report, actor=quick.ngo, data=bad, filename="dokumenty.csv")
    assert "rows.5" in refused.value.errors
    assert not report.documents.exists()
    with pytest.raises(Forbidden):
        services.documents_import(report=report, actor=OTHER_NGO(), data=good, filename="dokumenty.csv")
    saved = services.documents_import(report=report, actor=quick.ngo, data=good, filename="dokumenty.csv")
    assert [(d.position, d.number, d.kind, d.amount) for d in saved] == [
        (1, "FV 1/2027", "invoice", Decimal("1230.00")), (2, "R 2/2027", "bill", Decimal("500.00"))]
    assert sorted((s.line_id, s.source, s.amount) for s in saved[0].shares.all()) == sorted(
        [(line.pk, "grant", Decimal("1000.00")), (admin.pk, "own_financial", Decimal("230.00"))])
    again = services.documents_import(report=report, actor=quick.ngo, data=good, filename="d.csv", replace=True)
    assert [d.position for d in again] == [1, 2] and report.documents.count() == 2


# --- submission ------------------------------------------------------------------------------------------


def test_a_report_with_blocking_findings_is_refused_at_its_keys_flags_do_not_block(authority, officer, finance,
                                                                                    clock):
    quick = quick_contract(authority, officer, finance)
    report = ended(quick, clock)
    line, admin = quick.contract.lines.order_by("position")
    with pytest.raises(InvalidData) as refused:
        services.report_submit(report, actor=quick.ngo)
    keys = set(refused.value.errors)
    assert {"results.description", "results.indicators.0.achieved", "actions.actions.0.performed",
            "declarations.information_true", "documents"} <= keys, keys
    report.refresh_from_db()
    assert report.state == ReportState.REQUESTED
    assert not [e for e in audit_events_for(report) if e.action == "settlements.report.submit"]
    # the admin line takes 20% more from the grant than planned (a flag), a document is paid after the period (a flag)
    fill_report(report, quick.ngo, documents=[
        invoice("FV 1", dt.date(2027, 4, 1), [(admin, "grant", "2400.00"), (line, "own_financial", "600.00")]),
        invoice("FV 2", dt.date(2027, 12, 20), [(line, "grant", "100.00")]),
    ])
    view = services.report_read(report)
    assert not view.blocking
    assert {f.key for f in view.flags} == {f"lines.{admin.pk}", "documents.2"}
    with pytest.raises(Forbidden):
        services.report_submit(report, actor=representative(quick.contract.organization, RepresentationRole.EDITOR))
    submitted = services.report_submit(report, actor=quick.ngo)
    assert submitted.state == ReportState.SUBMITTED and submitted.submitted_by == quick.ngo
    assert submitted.snapshot_sha256 == snapshot_hash(submitted.snapshot)
    assert [d["number"] for d in submitted.snapshot["documents"]] == ["FV 1", "FV 2"]
    assert {f["key"] for f in submitted.snapshot["flags"]} == {f"lines.{admin.pk}", "documents.2"}
    event = [e for e in audit_events_for(submitted) if e.action == "settlements.report.submit"][0]
    assert event.payload["sha256"] == submitted.snapshot_sha256
    quick.refresh()
    assert quick.contract.state == ContractState.SETTLING
    assert audit_actions(quick.contract)[-1] == "settlements.contract.start_settling"


def test_a_partial_report_leaves_the_contract_running(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    clock.to(dt.date(2027, 4, 1))
    report = services.report_request_partial(contract=quick.contract, actor=officer, period_start="2027-03-01",
                                             period_end="2027-03-31", due_on="2027-05-04")
    fill_report(report, quick.ngo, documents=[])
    submitted = services.report_submit(report, actor=quick.ngo)  # a partial report needs no documents
    assert submitted.state == ReportState.SUBMITTED
    assert quick.refresh().state == ContractState.ACTIVE
    accepted = services.report_accept(submitted, actor=officer)
    assert accepted.state == ReportState.ACCEPTED
    assert not Settlement.objects.filter(contract=quick.contract).exists()


def test_clarification_is_requested_answered_and_the_report_accepted(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    report = services.report_submit(fill_report(ended(quick, clock), quick.ngo), actor=quick.ngo)
    with pytest.raises(InvalidData) as past:
        services.report_request_clarification(report, actor=officer, question="Brak", due_on=clock.today)
    assert list(past.value.errors) == ["due_on"]
    with pytest.raises(Forbidden):
        services.report_request_clarification(report, actor=quick.ngo, question="?",
                                              due_on=clock.today + dt.timedelta(days=14))
    asked = services.report_request_clarification(report, actor=officer, question="Proszę o listę obecności.",
                                                  due_on=clock.today + dt.timedelta(days=14))
    assert asked.state == ReportState.NEEDS_CLARIFICATION
    # while clarifying, the organisation may correct its parts and documents
    services.report_save_section(report=asked, actor=quick.ngo, key="other", base_revision=None,
                                 data={"text": "Dołączamy listy"})
    with pytest.raises(InvalidData) as empty:
        services.report_answer(asked, actor=quick.ngo, answer="  ")
    assert list(empty.value.errors) == ["answer"]
    with pytest.raises(Forbidden):
        services.clarification_save_answer(report=asked, actor=OTHER_NGO(), answer="cudze")
    answered = services.report_answer(asked, actor=quick.ngo, answer="Listy obecności w załączeniu.")
    assert answered.state == ReportState.SUBMITTED
    clarification = answered.clarifications.get()
    assert (clarification.answer, clarification.answered_by) == ("Listy obecności w załączeniu.", quick.ngo)
    assert answered.snapshot["answer"] == "Listy obecności w załączeniu."
    assert answered.snapshot_sha256 == snapshot_hash(canonical(answered.snapshot))
    with pytest.raises(WrongState) as no_more:
        services.clarification_save_answer(report=answered, actor=quick.ngo, answer="jeszcze")
    assert no_more.value.code == "no_clarification"
    accepted = services.report_accept(answered, actor=finance, note="Bez uwag")
    assert (accepted.state, accepted.decision_note) == (ReportState.ACCEPTED, "Bez uwag")
    settlement = Settlement.objects.get(contract=quick.contract)
    assert settlement.state == SettlementState.OPEN
    assert [e.action for e in audit_events_for(accepted)] == [
        "settlements.report.request", "settlements.report.submit", "settlements.report.request_clarification",
        "settlements.report.part_saved",  # a change after submission is in the trail
        "settlements.report.answer", "settlements.report.accept"]


def test_a_rejected_final_report_settles_everything_as_misuse_with_interest_from_the_transfer(
        authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    report = services.report_submit(fill_report(ended(quick, clock), quick.ngo), actor=quick.ngo)
    with pytest.raises(InvalidData):
        services.report_reject(report, actor=officer, note=" ")
    rejected = services.report_reject(report, actor=officer, note="Brak dokumentacji zdjęciowej i list obecności.")
    assert rejected.state == ReportState.REJECTED
    settlement = Settlement.objects.get(contract=quick.contract)
    settlement = services.settlement_compute(settlement, actor=finance)
    items = {item.kind: item for item in settlement.items.all()}
    assert set(items) == {ReturnKind.INELIGIBLE, ReturnKind.UNUSED}
    misuse = items[ReturnKind.INELIGIBLE]
    assert misuse.amount == Decimal("28000.00")
    assert misuse.basis == "u.f.p. art. 252 ust. 1 pkt 1"
    assert misuse.interest_from == START  # the day the grant was transferred
    assert misuse.due_on == deadline_in_days(clock.today, 15)
    assert items[ReturnKind.UNUSED].amount == Decimal("2000.00")
    assert settlement.computation["report_rejected"] is True
    assert sum((i.amount for i in items.values()), Decimal("0")) == Decimal("30000.00")


# --- annexes ----------------------------------------------------------------------------------------------


def test_an_annex_proposed_by_the_officer_signed_by_both_changes_the_contract(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    contract = quick.contract
    line, admin = contract.lines.order_by("position")
    clock.to(dt.date(2027, 5, 4))
    changes = {"task_end": "2027-11-30", "expenditure_end": "2027-11-30", "lines": [
        {"position": line.position, "value": "31000.00", "grant_part": "27000.00"},
        {"position": admin.position, "value": "2000.00", "grant_part": "2000.00"},
        {"name": "Materiały szkoleniowe", "label": "I.1.2", "value": "1000.00", "grant_part": "1000.00"}]}
    with pytest.raises(Forbidden):
        services.annex_propose(contract=contract, actor=finance, reason="Zmiana", changes=changes)
    with pytest.raises(InvalidData) as no_reason:
        services.annex_propose(contract=contract, actor=officer, reason="", changes=changes)
    assert list(no_reason.value.errors) == ["reason"]
    annex = services.annex_propose(contract=contract, actor=officer, reason="Przesunięcie terminu", changes=changes)
    assert (annex.number, annex.state, annex.sha256) == (1, AnnexState.PROPOSED, snapshot_hash(annex.changes))
    with pytest.raises(WrongState) as pending:
        services.annex_propose(contract=contract, actor=quick.ngo, reason="Inna zmiana", changes={"title": "Nowy"})
    assert pending.value.code == "annex_pending"
    signed = services.annex_sign(annex, actor=quick.ngo, signer="Anna Nowak", signed_on=clock.today)
    assert signed.state == AnnexState.SIGNED_BY_ORGANIZATION
    with pytest.raises(WrongState):
        services.annex_sign(annex, actor=quick.ngo, signer="Anna Nowak", signed_on=clock.today)
    assert quick.refresh().version == 1  # nothing changes until both have signed
    in_force = services.annex_sign(annex, actor=officer, signer="Wójt", signed_on=clock.today)
    assert (in_force.state, in_force.in_force_on) == (AnnexState.IN_FORCE, clock.today)
    contract = quick.refresh()
    assert contract.version == 2
    assert (contract.task_end, contract.expenditure_end) == (dt.date(2027, 11, 30), dt.date(2027, 11, 30))
    assert [(x.label, x.value, x.grant_part, x.is_active) for x in contract.lines.order_by("position")] == [
        (line.label, Decimal("31000.00"), Decimal("27000.00"), True),
        (admin.label, Decimal("2000.00"), Decimal("2000.00"), True),
        ("I.1.2", Decimal("1000.00"), Decimal("1000.00"), True)]
    event = [e for e in audit_events_for(contract) if e.action == "settlements.contract.annex_in_force"][0]
    assert event.payload["version"] == 2 and event.payload["changes"]["task_end"] == "2027-11-30"
    assert event.payload["before"]["task_end"] == "2027-12-15"
    assert [x["grant_part"] for x in event.payload["before"]["lines"]] == ["28000.00", "2000.00"]
    assert [e.action for e in audit_events_for(in_force)] == [
        "settlements.annex.propose", "settlements.annex.sign_organization", "settlements.annex.complete_by_authority"]
    # now another annex may be proposed; the NGO proposes it, and may withdraw it
    second = services.annex_propose(contract=contract, actor=quick.ngo, reason="Nowy tytuł", changes={"title": "Nowy"})
    assert second.number == 2
    assert services.annex_withdraw(second, actor=quick.ngo, reason="Jednak nie").state == AnnexState.WITHDRAWN


@pytest.mark.parametrize(("changes", "key"), [
    ({"tranches": [{"due_on": "2027-03-02", "amount": "30000"}]}, "tranches.0"),
    ({"tranches": [{"due_on": "2027-03-01", "amount": "20000"}, {"due_on": "2027-07-01", "amount": "10000"}]},
     "tranches.0"),
    ({"expenditure_end": "2028-01-31", "task_end": "2028-01-31"}, "expenditure_end"),
    ({"lines": [{"position": 1, "value": "100", "grant_part": "200"}]}, "lines.0.grant_part"),
    ({"grant": "1"}, "grant"),
    ({}, "changes"),
    ({"bank_account": "12 3456"}, "bank_account"),
], ids=["paid-tranche-date", "paid-tranche-split", "art-221", "grant-part-above-value", "not-by-annex", "nothing",
        "iban"])
def test_an_annex_outside_the_law_is_refused(authority, officer, finance, clock, changes, key):
    quick = quick_contract(authority, officer, finance)
    Tranche.objects.filter(contract=quick.contract).update(due_on=dt.date(2027, 3, 1))
    with pytest.raises(InvalidData) as refused:
        services.annex_propose(contract=quick.contract, actor=officer, reason="Zmiana", changes=changes)
    assert key in refused.value.errors, refused.value.errors
    assert not quick.contract.annexes.exists()


def test_an_unpaid_tranche_is_rescheduled_by_annex(authority, officer, finance, clock):
    tranches = [{"due_on": "2027-02-01", "amount": "20000"}, {"due_on": "2027-07-01", "amount": "10000"}]
    quick = quick_contract(authority, officer, finance, terms={"payment_mode": "tranches", "tranches": tranches})
    annex = services.annex_propose(contract=quick.contract, actor=officer, reason="Później", changes={"tranches": [
        {"due_on": "2027-02-01", "amount": "20000"}, {"due_on": "2027-09-01", "amount": "5000"},
        {"due_on": "2027-10-01", "amount": "5000"}]})
    services.annex_sign(annex, actor=officer, signer="Wójt", signed_on=clock.today)
    services.annex_sign(annex, actor=quick.ngo, signer="Anna", signed_on=clock.today)
    assert [(t.number, t.due_on, t.amount, t.paid_on) for t in quick.contract.tranches.order_by("number")] == [
        (1, dt.date(2027, 2, 1), Decimal("20000.00"), START), (2, dt.date(2027, 9, 1), Decimal("5000.00"), None),
        (3, dt.date(2027, 10, 1), Decimal("5000.00"), None)]


# --- termination -------------------------------------------------------------------------------------------


def test_termination_after_payment_opens_a_settlement_returning_the_whole_grant(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    clock.to(dt.date(2027, 4, 10))
    with pytest.raises(InvalidData) as bad:
        services.contract_terminate(quick.contract, actor=officer, ground="because", reason="", terminated_on="x")
    assert set(bad.value.errors) == {"ground", "reason", "terminated_on"}
    with pytest.raises(Forbidden):
        services.contract_terminate(quick.contract, actor=finance, ground="for_cause", reason="Odmowa kontroli",
                                    terminated_on="2027-04-10")
    terminated = services.contract_terminate(quick.contract, actor=officer, ground="for_cause",
                                             reason="Odmowa poddania się kontroli", terminated_on="2027-04-10")
    assert (terminated.state, terminated.termination_ground, terminated.terminated_on) == (
        ContractState.TERMINATED, "for_cause", dt.date(2027, 4, 10))
    event = audit_events_for(terminated).last()
    assert event.payload["paid"] == "30000.00" and event.reason == "Odmowa poddania się kontroli"
    settlement = Settlement.objects.get(contract=terminated)
    settlement = services.settlement_compute(settlement, actor=finance)
    assert sum((i.amount for i in settlement.items.all()), Decimal("0")) == Decimal("30000.00")
    assert settlement.computation["received"] == "30000.00"
    assert settlement.computation["total_to_return"] == "30000.00"


def test_termination_of_an_unpaid_contract_opens_no_settlement(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance, sign=False)
    approver = AUTHORITY_APPROVER(authority)
    terminated = services.contract_terminate(quick.contract, actor=approver, ground="agreement",
                                             reason="Organizacja zrezygnowała", terminated_on=clock.today)
    assert terminated.state == ContractState.TERMINATED
    assert not Settlement.objects.filter(contract=terminated).exists()


# --- the settlement ------------------------------------------------------------------------------------------


def accepted_final(quick: Quick, clock: Clock, documents: list[dict]) -> Settlement:
    report = services.report_submit(fill_report(ended(quick, clock), quick.ngo, documents=documents), actor=quick.ngo)
    services.report_accept(report, actor=quick.officer)
    return Settlement.objects.get(contract=quick.contract)


def test_the_worked_example_a_line_4000_spent_4700_at_10_percent_returns_300(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance, admin="4000.00")
    line, admin = quick.contract.lines.order_by("position")
    assert admin.grant_part == Decimal("4000.00") and quick.contract.tolerance_pct == Decimal("10.00")
    settlement = accepted_final(quick, clock, [
        invoice("FV 7/2027", dt.date(2027, 6, 1), [(admin, "grant", "4700.00"), (admin, "own_financial", "700.00")])])
    with pytest.raises(Forbidden):
        services.settlement_compute(settlement, actor=officer)
    settlement = services.settlement_compute(settlement, actor=finance)
    assert settlement.state == SettlementState.COMPUTED
    items = {item.kind: item for item in settlement.items.all()}
    assert set(items) == {ReturnKind.LINE_EXCESS, ReturnKind.UNUSED}
    excess = items[ReturnKind.LINE_EXCESS]
    assert (excess.amount, excess.line_id, excess.basis) == (Decimal("300.00"), admin.pk,
                                                               "u.f.p. art. 252 ust. 1 pkt 2")
    assert excess.explanation["limit"] == "4400.00" and excess.explanation["actual"] == "4700.00"
    # excessive: interest from the day after the 15 days to return it
    assert excess.interest_from == excess.due_on + dt.timedelta(days=1)
    assert items[ReturnKind.UNUSED].amount == Decimal("25300.00")
    event = audit_events_for(settlement).last()
    assert event.action == "settlements.settlement.compute"
    assert {i["kind"]: i["amount"] for i in event.payload["items"]} == {"line_excess": "300.00",
                                                                        "unused": "25300.00"}
    # computing again gives the same items (nothing was paid yet)
    again = services.settlement_compute(settlement, actor=finance)
    assert sorted((i.kind, i.amount) for i in again.items.all()) == sorted((k, i.amount) for k, i in items.items())


def test_nothing_to_return_closes_the_settlement_and_the_contract_is_performed(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance, grant="30000.00", own="4000.00", admin="2000.00")
    line, admin = quick.contract.lines.order_by("position")
    settlement = accepted_final(quick, clock, [
        invoice("FV 1", dt.date(2027, 6, 1), [(line, "grant", "28000.00"), (line, "own_financial", "4000.00")]),
        invoice("FV 2", dt.date(2027, 6, 2), [(admin, "grant", "2000.00")])])
    settlement = services.settlement_compute(settlement, actor=finance)
    assert not settlement.items.exists()
    closed = services.settlement_conclude(settlement, actor=finance)
    assert closed.state == SettlementState.CLOSED
    assert quick.refresh().state == ContractState.PERFORMED


def test_a_late_return_bears_interest_counted_over_weekends_and_holidays(authority, officer, finance, clock):
    interest_table()
    # the grant may be spent until Friday 22 October 2027: + 15 days is Saturday 6 November → Monday 8 November
    quick = quick_contract(authority, officer, finance, terms={"task_end": "2027-10-22",
                                                               "expenditure_end": "2027-10-22"})
    line, admin = quick.contract.lines.order_by("position")
    settlement = accepted_final(quick, clock, [invoice("FV 1", dt.date(2027, 6, 1), [
        (admin, "grant", "2000.00"), (line, "own_financial", "4000.00")])])
    settlement = services.settlement_compute(settlement, actor=finance)
    unused = settlement.items.get()
    assert (unused.kind, unused.amount, unused.basis) == (ReturnKind.UNUSED, Decimal("28000.00"),
                                                          "u.f.p. art. 251 ust. 3")
    assert (unused.due_on, unused.interest_from) == (dt.date(2027, 11, 8), dt.date(2027, 11, 9))
    with pytest.raises(WrongState) as not_yet:
        services.return_record(item=unused, actor=finance, paid_on=clock.today, amount="1")
    assert not_yet.value.code == "no_return_due"
    with pytest.raises(WrongState):  # something is to be returned: the settlement does not close
        transition(settlement, "close_nothing_due", actor=finance)
    settlement = services.settlement_conclude(settlement, actor=finance)
    assert settlement.state == SettlementState.RETURN_DUE and settlement.notice_sent_on == clock.today

    clock.to(dt.date(2027, 11, 8))
    on_time = services.return_record(item=unused, actor=finance, paid_on="2027-11-08", amount="10000.00")
    assert (on_time.interest_charged, on_time.to_principal, on_time.to_interest) == (
        Decimal("0.00"), Decimal("10000.00"), Decimal("0.00"))
    clock.to(dt.date(2027, 11, 15))
    with pytest.raises(Forbidden):
        services.return_record(item=unused, actor=officer, paid_on="2027-11-15", amount="18000.00")
    with pytest.raises(InvalidData) as earlier:
        services.return_record(item=unused, actor=finance, paid_on="2027-11-07", amount="1.00")
    assert "08.11.2027" in earlier.value.errors["paid_on"][0]
    # 9–15 November: 7 days including the 11 November holiday and a weekend, at 11.00% (from 4 December 2025):
    # 18 000 × 11% × 7 / 365 = 37.97 → 38 zł (whole złoty, above the 8.70 zł threshold)
    late = services.return_record(item=unused, actor=finance, paid_on="2027-11-15", amount="18000.00")
    assert late.interest_charged == Decimal("38.00")
    assert late.explanation["interest"]["days"] == 7 and late.explanation["interest"]["exact"] == "37.97"
    # booked proportionally (Ordynacja podatkowa art. 55 § 2): 18 000 × 38 / 18 038 = 37.92 to the interest
    assert (late.to_interest, late.to_principal) == (Decimal("37.92"), Decimal("17962.08"))
    (balance,) = selectors.item_balances(settlement)
    assert (balance.principal_outstanding, balance.interest_outstanding) == (Decimal("37.92"), Decimal("0.08"))
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.RETURN_DUE
    with pytest.raises(InvalidData) as too_much:
        services.return_record(item=unused, actor=finance, paid_on="2027-11-15", amount="38.01")
    assert "38,00 zł" in too_much.value.errors["amount"][0]
    services.return_record(item=unused, actor=finance, paid_on="2027-11-15", amount="38.00")
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.CLOSED
    assert quick.refresh().state == ContractState.PERFORMED
    assert [e.action for e in audit_events_for(settlement)][-3:] == [
        "settlements.settlement.return_recorded", "settlements.settlement.mark_paid", "settlements.settlement.close"]
    assert Notification.objects.filter(recipient=quick.ngo, subject="Interest charged on a late return").exists()


def test_an_overdue_return_gets_an_administrative_decision(authority, officer, finance, clock):
    interest_table()
    quick = quick_contract(authority, officer, finance)
    line, admin = quick.contract.lines.order_by("position")
    settlement = accepted_final(quick, clock, [invoice("FV 1", dt.date(2027, 6, 1), [
        (line, "grant", "28000.00"), (line, "own_financial", "4000.00")])])
    settlement = services.settlement_conclude(services.settlement_compute(settlement, actor=finance), actor=finance)
    item = settlement.items.get()
    with pytest.raises(WrongState):  # not yet: the deadline has not passed
        services.settlement_issue_decision(settlement, actor=finance, decision_reference="D/1", decision_on=clock.today)
    clock.to(item.due_on + dt.timedelta(days=1))
    assert services.check_deadlines()["overdue_returns"] == 1
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.OVERDUE
    with pytest.raises(InvalidData) as bad:
        services.settlement_issue_decision(settlement, actor=finance, decision_reference=" ", decision_on="wczoraj")
    assert set(bad.value.errors) == {"decision_reference", "decision_on"}
    with pytest.raises(Forbidden):
        services.settlement_issue_decision(settlement, actor=officer, decision_reference="D/1",
                                           decision_on=clock.today)
    decided = services.settlement_issue_decision(settlement, actor=AUTHORITY_APPROVER(authority),
                                                 decision_reference="Decyzja FN.3111.1.2028", decision_on=clock.today)
    assert (decided.state, decided.decision_reference, decided.decision_on) == (
        SettlementState.DECISION_ISSUED, "Decyzja FN.3111.1.2028", clock.today)
    event = audit_events_for(decided).last()
    assert (event.action, event.actor_role) == ("settlements.settlement.issue_decision", "approver")
    # the return still may be paid after the decision; interest from the day after the deadline
    payment = services.return_record(item=item, actor=finance, paid_on=clock.today, amount="2000.00")
    assert payment.interest_charged == Decimal("0.00")  # 1 day of 2 000 zł is below the threshold
    decided.refresh_from_db()
    assert decided.state == SettlementState.CLOSED


def test_a_pasted_nul_character_is_dropped_not_a_500(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance)
    report = ended(quick, clock)
    line = quick.contract.lines.order_by("position").first()
    data = invoice("FV\x00 7/2027", quick.contract.expenditure_start, [(line, "grant", "10.00")])
    data["description"] = "Naj\x00em sali"
    document = services.document_save(report=report, actor=quick.ngo, data=data)
    document.refresh_from_db()
    assert (document.number, document.description) == ("FV 7/2027", "Najem sali")
    section = services.report_save_section(report=report, actor=quick.ngo, key="other", base_revision=None,
                                           data={"text\x00": "Uwa\x00gi"})
    assert section.data == {"text": "Uwagi"}
