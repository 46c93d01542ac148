"""The transition tables: every (state, transition) pair of both state machines.

A legal pair, done by the right actor with its guards met, succeeds and writes exactly one
audit event with the right action, source, target and role. An illegal pair is refused
with WrongState (409) and writes nothing. A wrong role gets Forbidden (403) and writes
nothing. A failing guard gives its human reason in Polish and English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from competitions.models import AuthorityRole, Competition, CompetitionState
from offers.models import Offer, OfferState, RepresentationRole
from workflow.errors import Forbidden, InvalidData, WrongState
from workflow.models import AuditEvent
from workflow.services import available_transitions, transition

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    TaskAreaFactory,
    UserFactory,
    record_all_channels,
    representative,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, scope="module")
def english():
    """The messages asserted here are the English source strings, whatever locale/pl holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


# --- actors -------------------------------------------------------------------------------------------


@pytest.fixture
def actors(authority, organization):
    other_authority = AuthorityFactory()
    return {
        "officer": staff(authority, AuthorityRole.OFFICER),
        "approver": staff(authority, AuthorityRole.APPROVER),
        "finance": staff(authority, AuthorityRole.FINANCE),
        "other_officer": staff(other_authority, AuthorityRole.OFFICER),
        "other_approver": staff(other_authority, AuthorityRole.APPROVER),
        "ngo_admin": representative(organization, RepresentationRole.ADMIN),
        "ngo_signatory": representative(organization, RepresentationRole.SIGNATORY),
        "ngo_editor": representative(organization, RepresentationRole.EDITOR),
        "other_ngo": representative(OrganizationFactory(), RepresentationRole.ADMIN),
        "stranger": UserFactory(),
        "system": None,
    }


def snapshot_of_trail() -> list[tuple]:
    return list(AuditEvent.objects.order_by("pk").values_list("pk", "hash"))


def events_of(obj) -> list[AuditEvent]:
    from workflow.audit import audit_events_for

    return list(audit_events_for(obj))


def db_state(obj) -> str:
    return type(obj).objects.filter(pk=obj.pk).values_list("state", flat=True).get()


# --- competitions -------------------------------------------------------------------------------------

COMPETITION_STATES = [s.value for s in CompetitionState]
COMPETITION_TRANSITIONS = ["approve", "reopen", "publish", "extend_deadline", "close_submissions", "cancel"]


def build_competition(state: str, authority, officer) -> Competition:
    if state == CompetitionState.DRAFT:
        return CompetitionFactory(authority=authority)
    if state == CompetitionState.APPROVED:
        competition = CompetitionFactory(authority=authority, approved=True)
        record_all_channels(competition, officer)
        return competition
    if state == CompetitionState.PUBLISHED:
        competition = CompetitionFactory(authority=authority, published=True)
        record_all_channels(competition, officer, published_on=timezone.localdate() - dt.timedelta(days=1))
        return competition
    if state == CompetitionState.SUBMISSION_CLOSED:
        return CompetitionFactory(authority=authority, closed=True)
    return CompetitionFactory(authority=authority, cancelled=True)


def competition_kwargs(name: str, competition: Competition) -> dict[str, Any]:
    if name == "approve":
        return {"approval_reference": "Zarządzenie nr 12/2027"}
    if name == "extend_deadline":
        base = max(competition.submission_deadline, timezone.now())
        return {"new_deadline": (base + dt.timedelta(days=7)).replace(second=0, microsecond=0)}
    if name == "cancel":
        return {"ground": ""}
    return {}


# the actor who may perform each transition
COMPETITION_ACTOR = {
    "approve": "approver",
    "reopen": "officer",
    "publish": "officer",
    "extend_deadline": "officer",
    "close_submissions": "system",
    "cancel": "approver",
}


@dataclass
class Legal:
    target: str
    role: str
    wrong_actors: list[str]
    prepare: Any = None  # (obj) -> None: meet the guard of this pair
    extra: dict = field(default_factory=dict)


def _set_reservation(competition: Competition) -> None:
    Competition.objects.filter(pk=competition.pk).update(
        cancellation_reservation="Organ zastrzega sobie prawo do odwołania konkursu bez podania przyczyny."
    )


COMPETITION_LEGAL = {
    ("draft", "approve"): Legal(
        "approved", "approver", ["officer", "finance", "other_approver", "ngo_admin", "stranger", "system"]
    ),
    ("draft", "cancel"): Legal(
        "cancelled", "approver", ["officer", "finance", "other_approver", "stranger", "system"]
    ),
    ("approved", "reopen"): Legal(
        "draft", "officer", ["finance", "other_officer", "ngo_admin", "stranger", "system"]
    ),
    ("approved", "publish"): Legal(
        "published", "officer", ["approver", "finance", "other_officer", "ngo_admin", "stranger", "system"]
    ),
    ("approved", "cancel"): Legal("cancelled", "approver", ["officer", "other_approver", "stranger"]),
    ("published", "extend_deadline"): Legal(
        "published", "officer", ["approver", "finance", "other_officer", "ngo_admin", "system"]
    ),
    ("published", "close_submissions"): Legal(
        "submission_closed", "system", ["approver", "finance", "other_officer", "ngo_admin", "stranger"]
    ),
    ("published", "cancel"): Legal(
        "cancelled",
        "approver",
        ["officer", "finance", "other_approver", "ngo_admin"],
        prepare=_set_reservation,
    ),
    ("submission_closed", "extend_deadline"): Legal(
        "published", "officer", ["approver", "finance", "other_officer", "stranger"]
    ),
    ("submission_closed", "cancel"): Legal(
        "cancelled", "approver", ["officer", "finance", "other_approver", "system"]
    ),
}
COMPETITION_PAIRS = [(s, t) for s in COMPETITION_STATES for t in COMPETITION_TRANSITIONS]
COMPETITION_ILLEGAL = [pair for pair in COMPETITION_PAIRS if pair not in COMPETITION_LEGAL]


def test_the_competition_table_covers_every_pair():
    assert len(COMPETITION_PAIRS) == 30
    assert len(COMPETITION_LEGAL) + len(COMPETITION_ILLEGAL) == 30
    declared = {t.name for t in Competition._meta.get_field("state").get_all_transitions(Competition)}
    assert declared == set(COMPETITION_TRANSITIONS)


def _perform_competition(competition, name, actor):
    kwargs = competition_kwargs(name, competition)
    if name == "close_submissions":
        # the scheduler runs after the deadline: move the clock two minutes past it
        later = competition.submission_deadline + dt.timedelta(minutes=2)
        with mock.patch("django.utils.timezone.now", return_value=later):
            return transition(competition, name, actor=actor, reason="test", **kwargs)
    return transition(competition, name, actor=actor, reason="test", **kwargs)


@pytest.mark.parametrize(("state", "name"), list(COMPETITION_LEGAL), ids=lambda v: v)
def test_competition_legal_transition_writes_one_event(state, name, authority, actors):
    legal = COMPETITION_LEGAL[(state, name)]
    competition = build_competition(state, authority, actors["officer"])
    if legal.prepare:
        legal.prepare(competition)
        competition.refresh_from_db()
    actor = actors[COMPETITION_ACTOR[name]]
    before = AuditEvent.objects.count()

    result = _perform_competition(competition, name, actor)

    assert result.state == legal.target
    assert db_state(competition) == legal.target
    assert AuditEvent.objects.count() == before + 1
    event = events_of(competition)[-1]
    assert event.action == f"competitions.competition.{name}"
    assert (event.source_state, event.target_state) == (state, legal.target)
    assert event.actor_role == legal.role
    assert event.actor_id == (actor.pk if actor else None)
    assert event.reason == "test"


@pytest.mark.parametrize(("state", "name"), COMPETITION_ILLEGAL, ids=lambda v: v)
def test_competition_illegal_transition_is_409_and_writes_nothing(state, name, authority, actors):
    competition = build_competition(state, authority, actors["officer"])
    trail = snapshot_of_trail()
    with pytest.raises(WrongState) as excinfo:
        _perform_competition(competition, name, actors[COMPETITION_ACTOR[name]])
    assert excinfo.value.status_code == 409
    assert excinfo.value.refusals[0].code == "wrong_state"
    assert db_state(competition) == state
    assert snapshot_of_trail() == trail


@pytest.mark.parametrize(
    ("state", "name", "who"),
    [(s, t, who) for (s, t), legal in COMPETITION_LEGAL.items() for who in legal.wrong_actors],
    ids=lambda v: v,
)
def test_competition_wrong_role_is_403_and_writes_nothing(state, name, who, authority, actors):
    legal = COMPETITION_LEGAL[(state, name)]
    competition = build_competition(state, authority, actors["officer"])
    if legal.prepare:
        legal.prepare(competition)
        competition.refresh_from_db()
    trail = snapshot_of_trail()
    with pytest.raises(Forbidden) as excinfo:
        _perform_competition(competition, name, actors[who])
    assert excinfo.value.status_code == 403
    assert db_state(competition) == state
    assert snapshot_of_trail() == trail


def test_competition_guard_gives_reasons_in_both_languages(authority, actors):
    competition = CompetitionFactory(authority=authority, award_rules="  ", selection_date=None)
    with pytest.raises(WrongState) as excinfo:
        transition(competition, "approve", actor=actors["approver"])
    codes = [r.code for r in excinfo.value.refusals]
    assert codes == ["missing_award_rules", "missing_selection_date"]
    for refusal in excinfo.value.refusals:
        data = refusal.as_dict()
        assert set(data) >= {"code", "message", "message_pl", "message_en"}
        assert data["message_pl"] and data["message_en"]
    assert "the rules for awarding grants" in excinfo.value.refusals[0].as_dict()["message_en"]
    body = excinfo.value.as_dict()
    assert body["code"] == "wrong_state" and len(body["reasons"]) == 2
    assert db_state(competition) == "draft"
    assert not AuditEvent.objects.filter(action="competitions.competition.approve").exists()


def test_close_before_the_deadline_is_refused_with_the_deadline(authority, actors):
    competition = build_competition("published", authority, actors["officer"])
    with pytest.raises(WrongState) as excinfo:
        transition(competition, "close_submissions", actor=None)
    refusal = excinfo.value.refusals[0]
    assert refusal.code == "deadline_not_reached"
    from workflow.calendar import format_local

    assert format_local(competition.submission_deadline) in refusal.as_dict()["message_en"]


def test_published_cancel_without_a_ground_is_refused(authority, actors):
    competition = build_competition("published", authority, actors["officer"])
    with pytest.raises(WrongState) as excinfo:
        transition(competition, "cancel", actor=actors["approver"])
    assert excinfo.value.refusals[0].code == "no_cancellation_ground"
    assert db_state(competition) == "published"


def test_available_transitions_match_the_table(authority, actors):
    """What the API shows as allowed is exactly what the table says the actor may do."""
    for state in COMPETITION_STATES:
        competition = build_competition(state, authority, actors["officer"])
        for who in ("officer", "approver"):
            allowed = {a.name for a in available_transitions(competition, actors[who]) if a.allowed}
            expected = {
                name
                for (s, name), legal in COMPETITION_LEGAL.items()
                if s == state and COMPETITION_ACTOR[name] == who and not legal.prepare
            }
            # reopen is open to the approver too (officer | approver)
            if state == "approved" and who == "approver":
                expected.add("reopen")
            assert allowed == expected, (state, who)
        refused = {a.name: a for a in available_transitions(competition, actors["stranger"])}
        assert not any(a.allowed for a in refused.values())
        assert all(a.reasons for a in refused.values())


# --- offers -------------------------------------------------------------------------------------------

OFFER_STATES = [s.value for s in OfferState]
OFFER_TRANSITIONS = ["submit", "withdraw", "discard"]
OFFER_ACTOR = {"submit": "ngo_signatory", "withdraw": "ngo_signatory", "discard": "ngo_editor"}
OFFER_LEGAL = {
    ("draft", "submit"): Legal(
        "submitted", "ngo_signatory", ["ngo_editor", "other_ngo", "officer", "approver", "stranger", "system"]
    ),
    ("draft", "discard"): Legal("discarded", "ngo_editor", ["other_ngo", "officer", "stranger", "system"]),
    ("submitted", "withdraw"): Legal(
        "withdrawn", "ngo_signatory", ["ngo_editor", "other_ngo", "officer", "approver", "stranger", "system"]
    ),
}
OFFER_PAIRS = [(s, t) for s in OFFER_STATES for t in OFFER_TRANSITIONS]
OFFER_ILLEGAL = [pair for pair in OFFER_PAIRS if pair not in OFFER_LEGAL]


@pytest.fixture
def open_area(authority):
    competition = CompetitionFactory(authority=authority, published=True, with_areas=False)
    return TaskAreaFactory(competition=competition)


def build_offer(state: str, area, organization) -> Offer:
    return OfferFactory(
        task_area=area,
        organization=organization,
        state=state,
        submitted_at=timezone.now() if state != "draft" else None,
    )


def test_the_offer_table_covers_every_pair():
    assert len(OFFER_PAIRS) == 12 and len(OFFER_ILLEGAL) == 9
    declared = {t.name for t in Offer._meta.get_field("state").get_all_transitions(Offer)}
    assert declared == set(OFFER_TRANSITIONS)


@pytest.mark.parametrize(("state", "name"), list(OFFER_LEGAL), ids=lambda v: v)
def test_offer_legal_transition_writes_one_event(state, name, open_area, organization, actors):
    legal = OFFER_LEGAL[(state, name)]
    offer = build_offer(state, open_area, organization)
    actor = actors[OFFER_ACTOR[name]]
    before = AuditEvent.objects.count()

    result = transition(offer, name, actor=actor, reason="test")

    assert result.state == legal.target == db_state(offer)
    assert AuditEvent.objects.count() == before + 1
    (event,) = events_of(offer)
    assert event.action == f"offers.offer.{name}"
    assert (event.source_state, event.target_state) == (state, legal.target)
    assert event.actor_role == legal.role
    assert event.actor_id == actor.pk


@pytest.mark.parametrize("role", [RepresentationRole.ADMIN, RepresentationRole.SIGNATORY])
def test_admin_and_signatory_both_submit(role, open_area, organization):
    offer = build_offer("draft", open_area, organization)
    user = representative(organization, role)
    assert transition(offer, "submit", actor=user).state == "submitted"
    assert events_of(offer)[-1].actor_role == "ngo_signatory"


@pytest.mark.parametrize(("state", "name"), OFFER_ILLEGAL, ids=lambda v: v)
def test_offer_illegal_transition_is_409_and_writes_nothing(state, name, open_area, organization, actors):
    offer = build_offer(state, open_area, organization)
    trail = snapshot_of_trail()
    with pytest.raises(WrongState) as excinfo:
        transition(offer, name, actor=actors[OFFER_ACTOR[name]])
    assert excinfo.value.status_code == 409
    assert excinfo.value.refusals[0].code == "wrong_state"
    assert db_state(offer) == state
    assert snapshot_of_trail() == trail


@pytest.mark.parametrize(
    ("state", "name", "who"),
    [(s, t, who) for (s, t), legal in OFFER_LEGAL.items() for who in legal.wrong_actors],
    ids=lambda v: v,
)
def test_offer_wrong_role_is_403_and_writes_nothing(state, name, who, open_area, organization, actors):
    offer = build_offer(state, open_area, organization)
    trail = snapshot_of_trail()
    with pytest.raises(Forbidden) as excinfo:
        transition(offer, name, actor=actors[who])
    assert excinfo.value.status_code == 403
    assert db_state(offer) == state
    assert snapshot_of_trail() == trail


def test_offer_submit_guard_on_a_closed_competition(authority, organization, actors):
    area = TaskAreaFactory(competition=CompetitionFactory(authority=authority, closed=True, with_areas=False))
    offer = build_offer("draft", area, organization)
    with pytest.raises(WrongState) as excinfo:
        transition(offer, "submit", actor=actors["ngo_signatory"])
    data = excinfo.value.refusals[0].as_dict()
    assert data["code"] == "competition_not_open"
    assert data["message_pl"] and data["message_en"]
    assert db_state(offer) == "draft" and not events_of(offer)


def test_offer_submit_guard_with_field_errors_is_400(open_area, organization, actors):
    offer = build_offer("draft", open_area, organization)
    offer.sections.filter(key="task").update(data={"title": "", "start": "2027-03-01", "end": "2027-12-15"})
    with pytest.raises(InvalidData) as excinfo:
        transition(offer, "submit", actor=actors["ngo_signatory"])
    assert excinfo.value.status_code == 400
    assert "task.title" in excinfo.value.errors
    assert "task.synthesis" in excinfo.value.errors
    assert db_state(offer) == "draft" and not events_of(offer)


def test_a_failing_effect_rolls_everything_back(open_area, organization, actors):
    offer = build_offer("draft", open_area, organization)

    def broken(locked):
        raise RuntimeError("the effect failed")

    with pytest.raises(RuntimeError):
        transition(offer, "submit", actor=actors["ngo_signatory"], effect=broken)
    assert db_state(offer) == "draft"
    assert not events_of(offer)


def test_unknown_transition_is_404(open_area, organization, actors):
    from workflow.errors import NotFound

    offer = build_offer("draft", open_area, organization)
    for name in ("fly", "_check", "save"):
        with pytest.raises(NotFound):
            transition(offer, name, actor=actors["ngo_admin"])


def test_offer_available_transitions_explain_why_not(open_area, organization, actors):
    offer = build_offer("draft", open_area, organization)
    editor = {a.name: a for a in available_transitions(offer, actors["ngo_editor"])}
    assert editor["discard"].allowed
    assert not editor["submit"].allowed and editor["submit"].reasons[0].code == "forbidden"
    assert editor["withdraw"].reasons[0].code == "wrong_state"
    signatory = {a.name: a for a in available_transitions(offer, actors["ngo_signatory"])}
    assert signatory["submit"].allowed and signatory["submit"].target == "submitted"


# --- reasons in both languages, whatever language is active ----------------------------------------------

POLISH = {
    "Publication not recorded on: {channels} (art. 13 ust. 3).": (
        "Nie odnotowano publikacji w: {channels} (art. 13 ust. 3)."
    ),
    "Public Information Bulletin (BIP)": "Biuletyn Informacji Publicznej (BIP)",
    "noticeboard at the authority's seat": "tablica ogłoszeń w siedzibie organu",
    "authority's website": "strona internetowa organu",
    "“{action}” is not possible while the state is “{state}”.": (
        "„{action}” nie jest możliwe w stanie „{state}”."
    ),
    "approved": "zatwierdzony",
    "Approve the announcement": "Zatwierdź ogłoszenie",
    "The competition is not accepting offers ({state}).": "Konkurs nie przyjmuje ofert ({state}).",
    "submissions closed": "nabór zamknięty",
}


@pytest.fixture
def polish(monkeypatch):
    """A Polish catalogue with the strings below, independent of what locale/pl holds today."""
    from django.utils.translation import trans_real

    monkeypatch.setattr(trans_real, "_translations", {})
    catalog = trans_real.translation("pl")._catalog
    for english, polish_text in POLISH.items():
        catalog[english] = polish_text


@pytest.mark.parametrize("active", ["pl", "en"])
def test_reasons_read_in_each_language_whatever_is_active(active, polish, authority, organization, actors):
    """A reason's parts (channel names, states, actions) are translated with the message, not
    rendered beforehand in the language that happened to be active."""
    from django.utils import translation

    competition = CompetitionFactory(authority=authority, approved=True)  # no channel recorded yet
    area = TaskAreaFactory(competition=CompetitionFactory(authority=authority, closed=True, with_areas=False))
    offer = build_offer("draft", area, organization)
    with translation.override(active):
        reasons = []
        for obj, name, who in (
            (competition, "publish", "officer"),
            (competition, "approve", "approver"),
            (offer, "submit", "ngo_signatory"),
        ):
            with pytest.raises(WrongState) as excinfo:
                transition(obj, name, actor=actors[who])
            reasons.append(excinfo.value.refusals[0].as_dict())
    channels, state, closed = reasons
    assert channels["message_pl"] == (
        "Nie odnotowano publikacji w: Biuletyn Informacji Publicznej (BIP), tablica "
        "ogłoszeń w siedzibie organu, strona internetowa organu (art. 13 ust. 3)."
    )
    assert channels["message_en"] == (
        "Publication not recorded on: Public Information Bulletin (BIP), noticeboard "
        "at the authority's seat, authority's website (art. 13 ust. 3)."
    )
    assert state["message_pl"] == "„Zatwierdź ogłoszenie” nie jest możliwe w stanie „zatwierdzony”."
    assert state["message_en"] == "“Approve the announcement” is not possible while the state is “approved”."
    assert closed["message_pl"] == "Konkurs nie przyjmuje ofert (nabór zamknięty)."
    assert closed["message_en"] == "The competition is not accepting offers (submissions closed)."
    assert channels["message"] == channels[f"message_{active}"]
