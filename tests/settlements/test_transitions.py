"""Transition tables of the settlement machines (DOMAIN.md §14.4–14.6): every (state, transition)
pair of Contract, Annex, Report and Settlement through the one transition service.

A legal pair succeeds and writes exactly one audit event (action, from, to, role); an illegal pair
is refused with WrongState (409, code "wrong_state") and writes nothing; the right state with the
wrong person is refused with Forbidden (403) and writes nothing — and what only the scheduler does
is refused to people, what only people do is refused to the scheduler. Then each guard explains
itself, in Polish and in English."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import F

from competitions.models import AuthorityRole
from competitions.services import authority_grant_role
from settlements import services
from settlements.models import (
    Annex,
    AnnexState,
    Clarification,
    Contract,
    ContractState,
    Report,
    ReportKind,
    ReportState,
    ReturnItem,
    ReturnPayment,
    Settlement,
    SettlementState,
    Tranche,
)
from workflow.errors import Forbidden, InvalidData, WrongState
from workflow.models import AuditEvent
from workflow.services import available_transitions, transition

from ..factories import AuthorityFactory, complete_sections, staff
from .test_services import START, fill_report, pinned_clock, quick_award, quick_contract

pytestmark = pytest.mark.django_db

LATER = dt.date(2028, 1, 20)  # the task ended on 15 December 2027, the final report was due on 14 January 2028


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    who: str  # the actor who may
    role: str  # the role written into the audit event
    wrong: str  # someone who may not
    kwargs: dict[str, Any]


TABLES: dict[type, tuple[type, dict[str, Move]]] = {
    Contract: (ContractState, {
        "sign": Move(("drafted",), "signed", "officer", "officer", "ngo", {"signed_on": START}),
        "activate": Move(("signed",), "active", "finance", "finance", "officer", {}),
        "end_implementation": Move(("active",), "implementation_ended", "system", "system", "ngo", {}),
        "start_settling": Move(("implementation_ended",), "settling", "ngo", "ngo_signatory", "officer", {}),
        "perform": Move(("settling",), "performed", "finance", "finance", "officer", {}),
        "terminate": Move(("drafted", "signed", "active", "implementation_ended", "settling"), "terminated",
                          "officer", "officer", "finance",
                          {"ground": "agreement", "termination_reason": "Porozumienie stron", "terminated_on": LATER}),
    }),
    Annex: (AnnexState, {
        "sign_organization": Move(("proposed",), "signed_by_organization", "ngo", "ngo_signatory", "officer", {}),
        "sign_authority": Move(("proposed",), "signed_by_authority", "officer", "officer", "ngo", {}),
        "complete_by_organization": Move(("signed_by_authority",), "in_force", "ngo", "ngo_signatory", "officer",
                                         {"in_force_on": LATER}),
        "complete_by_authority": Move(("signed_by_organization",), "in_force", "officer", "officer", "ngo",
                                      {"in_force_on": LATER}),
        "withdraw": Move(("proposed", "signed_by_organization", "signed_by_authority"), "withdrawn", "officer",
                         "officer", "finance", {}),
    }),
    Report: (ReportState, {
        "submit": Move(("requested", "overdue"), "submitted", "ngo", "ngo_signatory", "officer", {}),
        "mark_overdue": Move(("requested",), "overdue", "system", "system", "officer", {}),
        "call_in_writing": Move(("overdue",), "overdue", "officer", "officer", "ngo",
                                {"due_on": LATER + dt.timedelta(days=14)}),
        "request_clarification": Move(("submitted",), "needs_clarification", "finance", "finance", "ngo", {}),
        "answer": Move(("needs_clarification",), "submitted", "ngo", "ngo_signatory", "officer", {}),
        "accept": Move(("submitted",), "accepted", "officer", "officer", "ngo", {}),
        "reject": Move(("submitted",), "rejected", "officer", "officer", "approver", {"note": "Brak list obecności"}),
    }),
    Settlement: (SettlementState, {
        "compute": Move(("open", "computed"), "computed", "finance", "finance", "officer", {}),
        "close_nothing_due": Move(("computed",), "closed", "finance", "finance", "officer", {}),
        "notify_return": Move(("computed",), "return_due", "finance", "finance", "officer", {}),
        "mark_overdue": Move(("return_due",), "overdue", "system", "system", "finance", {}),
        "issue_decision": Move(("overdue",), "decision_issued", "approver", "approver", "officer",
                               {"decision_reference": "Decyzja FN.1.2028", "decision_on": LATER}),
        "mark_paid": Move(("return_due", "overdue", "decision_issued"), "paid", "finance", "finance", "officer", {}),
        "close": Move(("paid",), "closed", "finance", "finance", "officer", {}),
    }),
}

# what a person does and the scheduler may do too (the services call them with actor=None)
SYSTEM_TOO = {(Contract, "activate"), (Contract, "start_settling"), (Contract, "perform"),
              (Settlement, "close_nothing_due"), (Settlement, "mark_paid"), (Settlement, "close")}
# what the scheduler does and a person may do too
PEOPLE_TOO = {(Contract, "end_implementation"): ("officer", "finance")}


class World:
    """One contract whose every guard holds for the transition `name` of `model`: every party
    has signed, the grant is paid, the task has ended, the final report is complete (accepted
    and its settlement closed where that is asked), the clock past the report's due date."""

    def __init__(self, clock, authority, officer, approver, finance, model: type, name: str):
        quick = quick_contract(authority, officer, finance, sign=False)
        self.contract = contract = quick.contract
        self.people = {"officer": officer, "approver": approver, "finance": finance, "ngo": quick.ngo,
                       "system": None}
        self.model, self.name = model, name
        if model is Contract and name == "sign":
            for party in services.required_parties(contract):
                actor = quick.ngo if party["key"] == "organization" else officer
                services.signature_record(contract=contract, actor=actor, party_key=party["key"], signer="Jan",
                                          signed_on=START)
        Tranche.objects.filter(contract=contract).update(paid_on=START, paid_amount=F("amount"))
        self.report = Report.objects.create(contract=contract, kind=ReportKind.FINAL, period_start=contract.task_start,
                                            period_end=contract.task_end, requested_on=dt.date(2027, 12, 16),
                                            due_on=dt.date(2028, 1, 14))
        if model is Report and name in ("submit", "answer"):
            clock.to(dt.date(2027, 12, 16))
            fill_report(self.report, quick.ngo)
        if model is Report and name == "answer":
            Clarification.objects.create(report=self.report, question="Listy obecności?", due_on=LATER,
                                         asked_by=officer, answer="W załączeniu")
        if model is Contract and name == "perform" or model is Settlement:
            Report.objects.filter(pk=self.report.pk).update(state=ReportState.ACCEPTED)
        clock.to(LATER)
        if model is Contract:
            if name == "perform":
                Settlement.objects.create(contract=contract, state=SettlementState.CLOSED)
        elif model is Annex:
            Contract.objects.filter(pk=contract.pk).update(state=ContractState.ACTIVE)
            self.annex = Annex.objects.create(contract=contract, number=1, reason="Zmiana terminu",
                                              changes={"title": "Nowy"}, before={}, sha256="0" * 64,
                                              proposed_by=officer)
        elif model is Report:
            Contract.objects.filter(pk=contract.pk).update(state=ContractState.IMPLEMENTATION_ENDED)
        else:
            Contract.objects.filter(pk=contract.pk).update(state=ContractState.SETTLING)
            self.settlement = Settlement.objects.create(contract=contract)
            if name in ("notify_return", "mark_overdue"):  # something to return, past its deadline
                ReturnItem.objects.create(settlement=self.settlement, kind="unused", basis="u.f.p. art. 251 ust. 3",
                                          amount=Decimal("100.00"), due_on=dt.date(2028, 1, 10),
                                          interest_from=dt.date(2028, 1, 11))

    def subject(self, state: str):
        """The object of the machine under test, put in `state`."""
        row = {Contract: self.contract, Annex: getattr(self, "annex", None), Report: self.report,
               Settlement: getattr(self, "settlement", None)}[self.model]
        self.model.objects.filter(pk=row.pk).update(state=state)
        return self.model.objects.get(pk=row.pk)


@pytest.fixture
def clock():
    yield from pinned_clock()


@pytest.fixture
def world(clock, authority, officer, approver, finance):
    return lambda model, name: World(clock, authority, officer, approver, finance, model, name)


def _names():
    for model, (_states, moves) in TABLES.items():
        for name in moves:
            yield pytest.param(model, name, id=f"{model.__name__}-{name}")


def test_the_tables_name_every_declared_transition():
    for model, (_states, moves) in TABLES.items():
        field = model._meta.get_field("state")
        declared: dict[str, set] = {}
        for fsm_transition in field.get_all_transitions(model):
            declared.setdefault(fsm_transition.name, set()).add((fsm_transition.source, fsm_transition.target))
        assert set(declared) == set(moves), model
        for name, move in moves.items():
            assert declared[name] == {(source, move.target) for source in move.sources}, (model, name)


@pytest.mark.parametrize(("model", "name"), list(_names()))
def test_every_state_and_transition(world, model, name):
    states, moves = TABLES[model]
    move = moves[name]
    here = world(model, name)
    actor = here.people[move.who]
    for state in states.values:
        obj = here.subject(state)
        before = AuditEvent.objects.count()
        if state in move.sources:
            done = transition(obj, name, actor=actor, **move.kwargs)
            assert done.state == move.target, state
            assert AuditEvent.objects.count() == before + 1, state
            event = AuditEvent.objects.order_by("-pk").first()
            assert (event.action, event.source_state, event.target_state, event.actor_role, event.actor) == (
                f"settlements.{model._meta.model_name}.{name}", state, move.target, move.role, actor), state
            assert event.subject_id == str(obj.pk)
        else:
            with pytest.raises(WrongState) as refused:
                transition(obj, name, actor=actor, **move.kwargs)
            assert (refused.value.status_code, refused.value.code) == (409, "wrong_state"), state
            assert [r.code for r in refused.value.refusals] == ["wrong_state"], state
            assert refused.value.as_dict()["reasons"][0]["message_pl"].startswith("Czynność „")
            assert AuditEvent.objects.count() == before, state
            assert model.objects.get(pk=obj.pk).state == state


def other_staff():
    """The officer, finance officer and approver of another authority, all in one person."""
    authority = AuthorityFactory()
    person = staff(authority, AuthorityRole.OFFICER)
    for role in (AuthorityRole.FINANCE, AuthorityRole.APPROVER):
        authority_grant_role(authority=authority, user=person, role=role)
    return person


@pytest.mark.parametrize(("model", "name"), list(_names()))
def test_the_wrong_person_is_forbidden_and_nothing_is_written(world, model, name):
    move = TABLES[model][1][name]
    here = world(model, name)
    obj = here.subject(move.sources[0])
    outsiders = [here.people[move.wrong], other_staff()]
    if move.who != "system" and (model, name) not in SYSTEM_TOO:
        outsiders.append(None)  # the scheduler does not do what a person does
    if move.who == "system":
        # what only the scheduler does is refused to everyone, except the staff named in PEOPLE_TOO
        allowed = PEOPLE_TOO.get((model, name), ())
        outsiders += [here.people[key] for key in ("officer", "finance", "approver", "ngo") if key not in allowed]
    before = AuditEvent.objects.count()
    for outsider in outsiders:
        with pytest.raises(Forbidden) as refused:
            transition(obj, name, actor=outsider, **move.kwargs)
        assert (refused.value.status_code, refused.value.code) == (403, "forbidden")
    assert AuditEvent.objects.count() == before
    assert model.objects.get(pk=obj.pk).state == move.sources[0]


@pytest.mark.parametrize(("model", "name"), sorted(SYSTEM_TOO, key=lambda pair: (pair[0].__name__, pair[1])),
                         ids=lambda value: value if isinstance(value, str) else value.__name__)
def test_the_scheduler_may_do_what_the_services_ask_of_it(world, model, name):
    move = TABLES[model][1][name]
    obj = world(model, name).subject(move.sources[0])
    done = transition(obj, name, actor=None, **move.kwargs)
    assert done.state == move.target
    event = AuditEvent.objects.order_by("-pk").first()
    assert (event.actor, event.actor_role) == (None, "system")


def test_the_audit_event_is_written_in_the_transaction_of_the_change(world):
    here = world(Contract, "terminate")
    contract = here.subject(ContractState.ACTIVE)
    before = AuditEvent.objects.count()

    def fails(locked):
        raise RuntimeError("the effect failed")

    with pytest.raises(RuntimeError):
        transition(contract, "terminate", actor=here.people["officer"], effect=fails,
                   **TABLES[Contract][1]["terminate"].kwargs)
    assert AuditEvent.objects.count() == before
    contract.refresh_from_db()
    assert (contract.state, contract.termination_ground) == (ContractState.ACTIVE, "")


def test_officer_and_finance_may_end_the_task_too(world):
    here = world(Contract, "end_implementation")
    for key in ("officer", "finance"):
        done = transition(here.subject(ContractState.ACTIVE), "end_implementation", actor=here.people[key])
        assert done.state == ContractState.IMPLEMENTATION_ENDED
        assert AuditEvent.objects.order_by("-pk").first().actor_role == key


def test_available_transitions_list_what_each_person_may_do_and_why_not(world):
    here = world(Contract, "end_implementation")
    contract = here.subject(ContractState.ACTIVE)
    officer = {a.name: a for a in available_transitions(contract, here.people["officer"])}
    assert {name for name, a in officer.items() if a.allowed} == {"end_implementation", "terminate"}
    assert officer["end_implementation"].target == ContractState.IMPLEMENTATION_ENDED
    assert [r.code for r in officer["sign"].reasons] == ["wrong_state"]
    assert [r.code for r in officer["perform"].reasons] == ["wrong_state"]
    ngo = {a.name: a for a in available_transitions(contract, here.people["ngo"])}
    assert not [name for name, a in ngo.items() if a.allowed]
    assert [r.code for r in ngo["terminate"].reasons] == ["forbidden"]
    assert ngo["terminate"].reasons[0].as_dict()["message_pl"] == "Nie możesz tego zrobić."


# --- the guards explain themselves -------------------------------------------------------------------------


def _refusals(obj, name: str, actor) -> list:
    """The reasons given by available_transitions and by the refused transition: the same, and
    nothing written."""
    obj = type(obj).objects.get(pk=obj.pk)  # as the pages read it: fresh
    before = AuditEvent.objects.count()
    listed = next(a for a in available_transitions(obj, actor) if a.name == name)
    assert not listed.allowed
    with pytest.raises((WrongState, InvalidData)) as refused:
        transition(obj, name, actor=actor)
    assert AuditEvent.objects.count() == before
    if isinstance(refused.value, WrongState):
        assert [r.code for r in refused.value.refusals] == [r.code for r in listed.reasons]
    return listed.reasons


def test_signing_names_every_party_yet_to_sign_including_a_co_offeror(authority, officer, finance, clock):
    award, ngo = quick_award(authority)
    sections = complete_sections(award.offer.task_area, award.offer.organization)
    sections["partners"] = {"joint": True, "partners": [{"name": "Klub Sportowy Orlik"}], "lead_share": "20000"}
    award.offer.sections.filter(key="partners").update(data=sections["partners"])
    contract = services.contract_draft(award=award, actor=officer)
    assert [p["key"] for p in services.required_parties(contract)] == ["organization", "partner-1", "authority"]
    organization, authority_name = contract.organization.name, contract.authority.name
    (refusal,) = _refusals(contract, "sign", officer)
    assert refusal.code == "signatures_missing"
    texts = refusal.as_dict()
    assert texts["message_en"] == f"Not yet signed by: {organization}, Klub Sportowy Orlik, {authority_name}."
    assert f"{organization}, Klub Sportowy Orlik, {authority_name}" in texts["message_pl"]
    services.signature_record(contract=contract, actor=ngo, party_key="organization", signer="Anna", signed_on=START)
    services.signature_record(contract=contract, actor=officer, party_key="authority", signer="Wójt", signed_on=START)
    (refusal,) = _refusals(contract, "sign", officer)
    assert refusal.as_dict()["message_en"] == "Not yet signed by: Klub Sportowy Orlik."
    with pytest.raises(WrongState) as refused:
        services.contract_sign(contract, actor=officer)
    assert refused.value.as_dict()["reasons"][0]["code"] == "signatures_missing"
    # the co-offeror signs (its signature brought in and recorded by the lead organisation)
    services.signature_record(contract=contract, actor=ngo, party_key="partner-1", signer="Piotr Orlik",
                              signed_on=START)
    assert services.contract_sign(contract, actor=officer).state == ContractState.SIGNED


def test_terms_that_do_not_hold_stop_the_signing_at_their_fields(authority, officer, finance, clock):
    quick = quick_contract(authority, officer, finance, sign=False)
    for party in services.required_parties(quick.contract):
        services.signature_record(contract=quick.contract, actor=officer, party_key=party["key"], signer="Jan",
                                  signed_on=START)
    Tranche.objects.filter(contract=quick.contract).update(amount=Decimal("29000.00"))
    with pytest.raises(InvalidData) as refused:
        transition(quick.contract, "sign", actor=officer, signed_on=START)
    assert refused.value.code == "terms_incomplete"
    assert list(refused.value.errors) == ["tranches"] and "difference 1 000,00 zł" in refused.value.errors[
        "tranches"][0]


def test_performance_starts_with_the_first_payment(world):
    here = world(Contract, "activate")
    Tranche.objects.filter(contract=here.contract).update(paid_on=None, paid_amount=None)
    contract = here.subject(ContractState.SIGNED)
    (refusal,) = _refusals(contract, "activate", here.people["finance"])
    assert refusal.as_dict()["code"] == "nothing_paid"
    assert refusal.as_dict()["message_en"] == "Performance starts with the first payment; record it first."


def test_the_task_ends_only_after_its_end_date(world, clock):
    here = world(Contract, "end_implementation")
    contract = here.subject(ContractState.ACTIVE)
    clock.to(dt.date(2027, 12, 15), hour=23)
    (refusal,) = _refusals(contract, "end_implementation", None)
    texts = refusal.as_dict()
    assert (texts["code"], texts["message_en"]) == ("task_running", "The task runs until 15.12.2027.")
    assert "15.12.2027" in texts["message_pl"]
    clock.to(dt.date(2027, 12, 16), hour=0)
    assert transition(contract, "end_implementation", actor=None).state == ContractState.IMPLEMENTATION_ENDED


def test_the_contract_is_performed_when_the_final_report_is_accepted_and_the_settlement_closed(world):
    here = world(Contract, "perform")
    finance = here.people["finance"]
    contract = here.subject(ContractState.SETTLING)
    Report.objects.filter(pk=here.report.pk).update(state=ReportState.SUBMITTED)
    Settlement.objects.filter(contract=contract).update(state=SettlementState.RETURN_DUE)
    reasons = _refusals(contract, "perform", finance)
    assert [r.code for r in reasons] == ["final_report_not_accepted", "settlement_open"]
    assert [r.as_dict()["message_en"] for r in reasons] == ["The final report has not been accepted.",
                                                            "The settlement is not closed."]
    Report.objects.filter(pk=here.report.pk).update(state=ReportState.ACCEPTED)
    assert [r.code for r in _refusals(contract, "perform", finance)] == ["settlement_open"]
    Settlement.objects.filter(contract=contract).update(state=SettlementState.CLOSED)
    Report.objects.filter(pk=here.report.pk).update(state=ReportState.REJECTED)
    assert [r.code for r in _refusals(contract, "perform", finance)] == ["final_report_not_accepted"]
    Report.objects.filter(pk=here.report.pk).update(state=ReportState.ACCEPTED)
    assert transition(contract, "perform", actor=finance).state == ContractState.PERFORMED


def test_a_report_is_overdue_only_after_its_due_date(world, clock):
    here = world(Report, "mark_overdue")
    report = here.subject(ReportState.REQUESTED)
    clock.to(report.due_on, hour=23)
    (refusal,) = _refusals(report, "mark_overdue", None)
    texts = refusal.as_dict()
    assert (texts["code"], texts["message_en"]) == ("not_overdue", "The report is due by 14.01.2028.")
    assert "14.01.2028" in texts["message_pl"]
    clock.to(report.due_on + dt.timedelta(days=1), hour=0)
    assert transition(report, "mark_overdue", actor=None).state == ReportState.OVERDUE


def test_an_answer_needs_its_text_and_an_open_request_blocks_acceptance(world):
    here = world(Report, "answer")
    report = here.subject(ReportState.NEEDS_CLARIFICATION)
    Clarification.objects.filter(report=report).update(answer=" ")
    with pytest.raises(InvalidData) as refused:
        transition(report, "answer", actor=here.people["ngo"])
    assert list(refused.value.errors) == ["answer"]
    report = here.subject(ReportState.SUBMITTED)
    (refusal,) = _refusals(report, "accept", here.people["officer"])
    assert refusal.code == "clarification_open"


def test_the_settlement_is_computed_only_on_a_verified_final_report(world):
    here = world(Settlement, "compute")
    settlement = here.subject(SettlementState.OPEN)
    for state in (ReportState.REQUESTED, ReportState.SUBMITTED, ReportState.NEEDS_CLARIFICATION):
        Report.objects.filter(pk=here.report.pk).update(state=state)
        (refusal,) = _refusals(settlement, "compute", here.people["finance"])
        assert refusal.as_dict()["message_en"] == "The final report has not been accepted or rejected yet."
    Report.objects.filter(pk=here.report.pk).update(state=ReportState.REJECTED)
    assert transition(settlement, "compute", actor=here.people["finance"]).state == SettlementState.COMPUTED


def test_a_settlement_with_returns_does_not_close_and_one_without_sends_no_notice(world):
    here = world(Settlement, "notify_return")
    finance = here.people["finance"]
    settlement = here.subject(SettlementState.COMPUTED)
    (refusal,) = _refusals(settlement, "close_nothing_due", finance)
    texts = refusal.as_dict()
    assert (texts["code"], texts["message_en"]) == (
        "returns_due", "1 amount(s) are to be returned; send the notice of return.")
    ReturnItem.objects.filter(settlement=settlement).delete()
    (refusal,) = _refusals(settlement, "notify_return", finance)
    assert refusal.code == "nothing_due"


def test_a_return_is_paid_only_when_nothing_is_outstanding_and_overdue_only_past_its_deadline(world, clock):
    here = world(Settlement, "mark_overdue")
    finance = here.people["finance"]
    settlement = here.subject(SettlementState.RETURN_DUE)
    item = settlement.items.get()
    (refusal,) = _refusals(settlement, "mark_paid", finance)
    assert (refusal.code, refusal.as_dict()["message_en"]) == ("returns_outstanding",
                                                                "100,00 zł is still to be returned.")
    assert "100,00 zł" in refusal.as_dict()["message_pl"]
    ReturnPayment.objects.create(item=item, paid_on=LATER, amount=Decimal("60.00"), to_principal=Decimal("60.00"),
                                 to_interest=Decimal("0.00"), interest_charged=Decimal("0.00"),
                                 recorded_by=finance)
    (refusal,) = _refusals(settlement, "mark_paid", finance)
    assert refusal.as_dict()["message_en"] == "40,00 zł is still to be returned."
    clock.to(item.due_on)
    (refusal,) = _refusals(settlement, "mark_overdue", None)
    assert refusal.code == "not_overdue"
    clock.to(item.due_on + dt.timedelta(days=1))
    assert transition(settlement, "mark_overdue", actor=None).state == SettlementState.OVERDUE
    ReturnPayment.objects.create(item=item, paid_on=LATER, amount=Decimal("40.00"), to_principal=Decimal("40.00"),
                                 to_interest=Decimal("0.00"), interest_charged=Decimal("0.00"),
                                 recorded_by=finance)
    assert transition(settlement, "mark_paid", actor=finance).state == SettlementState.PAID


def test_an_annex_is_signed_only_while_the_contract_is_in_force(world):
    here = world(Annex, "sign_authority")
    annex = here.subject(AnnexState.PROPOSED)
    for state in (ContractState.DRAFTED, ContractState.IMPLEMENTATION_ENDED, ContractState.TERMINATED):
        Contract.objects.filter(pk=here.contract.pk).update(state=state)
        (refusal,) = _refusals(annex, "sign_authority", here.people["officer"])
        assert refusal.as_dict()["message_en"] == "An annex can change a contract only while it is in force."
    Contract.objects.filter(pk=here.contract.pk).update(state=ContractState.SIGNED)
    assert transition(annex, "sign_authority", actor=here.people["officer"]).state == AnnexState.SIGNED_BY_AUTHORITY
