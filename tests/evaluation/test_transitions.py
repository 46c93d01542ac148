"""Transition tables of the evaluation machines: every (state, transition) pair of Evaluation,
FormalCheck, Committee, Declaration, ScoreSheet and Award through the one transition service.

A legal pair succeeds and writes exactly one audit event (action, from, to, role); an illegal
pair is refused with WrongState and writes nothing; the right state with the wrong person is
refused with Forbidden and writes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from competitions.models import AuthorityRole
from evaluation.models import (
    Award,
    AwardState,
    AwardUpdate,
    CheckItemResult,
    Committee,
    CommitteeState,
    Declaration,
    DeclarationState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    Score,
    ScoreSheet,
    Seat,
    SeatKind,
    SeatRole,
    SheetState,
)
from offers.models import RepresentationRole
from workflow.errors import Forbidden, WrongState
from workflow.models import AuditEvent
from workflow.services import transition

from ..factories import (
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    UserFactory,
    representative,
    staff,
)
from .builders import checklist

pytestmark = pytest.mark.django_db

SYSTEM = None  # the scheduler acts without a user


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    who: str  # the actor who may
    role: str  # the role written into the audit event
    wrong: str  # someone who may not
    kwargs: dict[str, Any]


IN_3_DAYS = "in_3_days"
SYSTEM_TOO = {(Award, "decline")}  # silence past the deadline is declining: the scheduler declines too

TABLES: dict[type, tuple[type, dict[str, Move]]] = {
    Evaluation: (EvaluationState, {
        "start_merit_review": Move(("formal_review",), "merit_review", "officer", "officer", "approver", {}),
        "close_scoring": Move(("merit_review",), "awaiting_decision", "chair", "committee_chair", "officer",
                              {"signed_by": "Adamska, Borowski"}),
        "resolve": Move(("awaiting_decision",), "resolved", "approver", "approver", "officer",
                        {"decision_reference": "Zarządzenie 9/2027"}),
    }),
    FormalCheck: (FormalCheckState, {
        "request_remedy": Move(("open", "remedied"), "remedy_requested", "officer", "officer", "approver",
                               {"deadline": IN_3_DAYS, "message": "Uzupełnij podpis", "sections": ["declarations"]}),
        "remedy": Move(("remedy_requested",), "remedied", "ngo", "ngo_signatory", "officer", {}),
        "expire": Move(("remedy_requested",), "rejected", "system", "system", "ngo", {}),
        "accept": Move(("open", "remedied"), "accepted", "officer", "officer", "approver", {}),
        "reject": Move(("open", "remedied"), "rejected", "officer", "officer", "ngo", {"reasons": "Brak podpisu"}),
    }),
    Committee: (CommitteeState, {
        "appoint": Move(("forming",), "appointed", "officer", "officer", "approver",
                        {"appointment_reference": "Zarządzenie 7/2027"}),
        "reform": Move(("appointed",), "forming", "officer", "officer", "chair", {}),
    }),
    Declaration: (DeclarationState, {
        "declare_impartial": Move(("pending",), "impartial", "member", "committee_member", "chair", {}),
        "declare_conflict": Move(("pending",), "conflict", "member", "committee_member", "officer",
                                 {"ground": "Brat prezesa"}),
        "exclude": Move(("pending", "impartial"), "excluded", "system", "system", "member",
                        {"ground": "Reprezentuje oferenta"}),
    }),
    ScoreSheet: (SheetState, {
        "submit": Move(("draft",), "submitted", "member", "committee_member", "chair", {}),
        "reopen": Move(("submitted",), "draft", "chair", "committee_chair", "member", {}),
    }),
    Award: (AwardState, {
        "propose": Move(("pending", "proposed"), "proposed", "chair", "committee_chair", "approver",
                        {"amount": Decimal("25000.00"), "cut_reason": "Zawyżone koszty"}),
        "select": Move(("pending", "proposed"), "selected", "approver", "approver", "chair",
                       {"amount": Decimal("25000.00"), "decision_reason": "Budżet"}),
        "reject": Move(("pending", "proposed"), "not_selected", "approver", "approver", "chair",
                       {"decision_reason": "Poniżej progu"}),
        "request_update": Move(("selected",), "awaiting_update", "system", "system", "officer",
                               {"deadline": IN_3_DAYS}),
        "confirm": Move(("selected",), "ready_for_contract", "system", "system", "approver", {}),
        "accept_with_update": Move(("awaiting_update",), "ready_for_contract", "ngo", "ngo_signatory", "officer",
                                   {}),
        "decline": Move(("awaiting_update",), "declined", "ngo", "ngo_signatory", "officer", {}),
    }),
}

# The evaluation's state each machine works in (its guards ask for it).
ROUND = {Evaluation: None, FormalCheck: "formal_review", Committee: "formal_review", Declaration: "merit_review",
         ScoreSheet: "merit_review", Award: "awaiting_decision"}


def _pairs():
    for model, (states, moves) in TABLES.items():
        for state in states.values:
            for name in moves:
                yield pytest.param(model, state, name, id=f"{model.__name__}-{state}-{name}")


def _legal():
    for model, (_states, moves) in TABLES.items():
        for name, move in moves.items():
            for state in move.sources:
                yield pytest.param(model, state, name, id=f"{model.__name__}-{state}-{name}")


class World:
    """One competition in evaluation whose every guard holds: an accepted offer, a committee of a
    chair, a member, an NGO nominee and an expert, impartial declarations and submitted sheets of
    the chair and the member, a decided award. Each machine under test is then put in the state
    the case asks for."""

    def __init__(self, round_state: str):
        self.competition = CompetitionFactory(closed=True)
        authority = self.competition.authority
        self.area = self.competition.task_areas.get()
        self.items = checklist(self.competition)
        organization = OrganizationFactory()
        self.people = {
            "officer": staff(authority, AuthorityRole.OFFICER),
            "approver": staff(authority, AuthorityRole.APPROVER),
            "ngo": representative(organization, RepresentationRole.ADMIN),
            "chair": UserFactory(), "member": UserFactory(), "nominee": UserFactory(), "expert": UserFactory(),
            "system": SYSTEM,
        }
        self.offer = OfferFactory(task_area=self.area, organization=organization, submitted=True)
        self.evaluation = Evaluation.objects.create(competition=self.competition, state=round_state)
        self.check = FormalCheck.objects.create(offer=self.offer, state=FormalCheckState.ACCEPTED)
        self._results(defect=False)
        self.committee = Committee.objects.create(competition=self.competition, state=CommitteeState.APPOINTED)
        seats = {}
        for key, role, kind in (("chair", SeatRole.CHAIR, SeatKind.AUTHORITY),
                                ("member", SeatRole.MEMBER, SeatKind.AUTHORITY),
                                ("nominee", SeatRole.MEMBER, SeatKind.NGO_NOMINEE),
                                ("expert", SeatRole.EXPERT, SeatKind.EXPERT)):
            seats[key] = Seat.objects.create(committee=self.committee, user=self.people[key], role=role, kind=kind,
                                             nominated_by_name="Rada Działalności Pożytku Publicznego"
                                             if kind == SeatKind.NGO_NOMINEE else "")
        self.seats = seats
        for key in ("chair", "member"):
            Declaration.objects.create(seat=seats[key], offer=self.offer, state=DeclarationState.IMPARTIAL)
            self.sheet(key, SheetState.SUBMITTED)
        self.award = Award.objects.create(offer=self.offer, state=AwardState.NOT_SELECTED,
                                          decided_amount=Decimal("0.00"))

    def _results(self, *, defect: bool) -> None:
        CheckItemResult.objects.filter(formal_check__offer=self.offer).delete()
        for item in self.items:
            outcome = "defect" if defect and item.remediable else "met"
            CheckItemResult.objects.create(formal_check=FormalCheck.objects.get(offer=self.offer), item=item,
                                           outcome=outcome, note="Brak podpisu" if outcome == "defect" else "",
                                           recorded_by=self.people["officer"])

    def sheet(self, key: str, state: str) -> ScoreSheet:
        sheet = ScoreSheet.objects.create(seat=self.seats[key], offer=self.offer, state=state,
                                          submitted_at=timezone.now() if state == SheetState.SUBMITTED else None)
        for criterion in self.area.criteria.all():
            Score.objects.create(sheet=sheet, criterion=criterion, points=criterion.max_points, comment="dobrze")
        return sheet

    def subject(self, model: type, state: str, name: str):
        """The object of `model` in `state`, set up so that the guards of `name` hold."""
        if model is Evaluation:
            return Evaluation.objects.filter(pk=self.evaluation.pk).first()
        if model is FormalCheck:
            FormalCheck.objects.filter(pk=self.check.pk).delete()
            deadline = timezone.now() + (dt.timedelta(days=-1) if name == "expire" else dt.timedelta(days=3))
            check = FormalCheck.objects.create(offer=self.offer, state=state, remedy_deadline=deadline,
                                               remedy_sections=["declarations"])
            self._results(defect=name in ("request_remedy", "reject"))
            return check
        if model is Committee:
            Committee.objects.filter(pk=self.committee.pk).update(state=state)
            return Committee.objects.get(pk=self.committee.pk)
        if model is Declaration:
            if name == "exclude":  # the system excludes the nominee, who has no declaration yet
                return Declaration.objects.create(seat=self.seats["nominee"], offer=self.offer, state=state)
            declaration = Declaration.objects.get(seat=self.seats["member"], offer=self.offer)
            Declaration.objects.filter(pk=declaration.pk).update(state=state)
            return Declaration.objects.get(pk=declaration.pk)
        if model is ScoreSheet:
            sheet = ScoreSheet.objects.get(seat=self.seats["member"], offer=self.offer)
            ScoreSheet.objects.filter(pk=sheet.pk).update(state=state)
            return ScoreSheet.objects.get(pk=sheet.pk)
        if model is Award:
            Award.objects.filter(pk=self.award.pk).delete()
            award = Award.objects.create(
                offer=self.offer, state=state, proposed_amount=Decimal("25000.00"),
                decided_amount=Decimal("30000.00") if state in ("selected", "awaiting_update") else None,
                update_deadline=timezone.now() + dt.timedelta(days=3))
            AwardUpdate.objects.create(award=award, sections={}, updated_by=self.people["ngo"])
            return award
        raise AssertionError(model)


def _world(model: type, state: str) -> World:
    return World(state if model is Evaluation else ROUND[model])


def _kwargs(move: Move) -> dict[str, Any]:
    return {key: timezone.now() + dt.timedelta(days=3) if value == IN_3_DAYS else value
            for key, value in move.kwargs.items()}


def test_the_tables_name_every_declared_transition():
    for model, (_states, moves) in TABLES.items():
        field = model._meta.get_field("state")
        declared = {}
        for fsm_transition in field.get_all_transitions(model):
            declared.setdefault(fsm_transition.name, set()).add((fsm_transition.source, fsm_transition.target))
        assert set(declared) == set(moves), model
        for name, move in moves.items():
            assert declared[name] == {(source, move.target) for source in move.sources}, (model, name)


@pytest.mark.parametrize(("model", "state", "name"), list(_pairs()))
def test_every_state_and_transition(model, state, name):
    move = TABLES[model][1][name]
    world = _world(model, state)
    obj = world.subject(model, state, name)
    actor = world.people[move.who]
    before = AuditEvent.objects.count()
    if state in move.sources:
        done = transition(obj, name, actor=actor, **_kwargs(move))
        assert done.state == move.target
        assert AuditEvent.objects.count() == before + 1
        event = AuditEvent.objects.order_by("-pk").first()
        assert (event.action, event.source_state, event.target_state, event.actor_role, event.actor) == (
            f"evaluation.{model._meta.model_name}.{name}", state, move.target, move.role, actor)
        assert event.subject_id == str(obj.pk)
    else:
        with pytest.raises(WrongState):
            transition(obj, name, actor=actor, **_kwargs(move))
        assert AuditEvent.objects.count() == before
        assert type(obj).objects.get(pk=obj.pk).state == state


@pytest.mark.parametrize(("model", "state", "name"), list(_legal()))
def test_the_wrong_person_is_forbidden_and_nothing_is_written(model, state, name):
    move = TABLES[model][1][name]
    world = _world(model, state)
    obj = world.subject(model, state, name)
    before = AuditEvent.objects.count()
    with pytest.raises(Forbidden):
        transition(obj, name, actor=world.people[move.wrong], **_kwargs(move))
    assert AuditEvent.objects.count() == before
    assert type(obj).objects.get(pk=obj.pk).state == state
    if move.who != "system" and (model, name) not in SYSTEM_TOO:
        # nor may the scheduler do what only a person does
        with pytest.raises(Forbidden):
            transition(obj, name, actor=SYSTEM, **_kwargs(move))
