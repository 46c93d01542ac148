"""The audit trail: one event per transition, per-subject hash chains that `verify_audit`
recomputes, and on PostgreSQL a trigger that refuses UPDATE and DELETE."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from competitions.models import Competition
from offers.services import offer_submit, offer_withdraw
from workflow.audit import audit_events_for, audit_record, verify_chains
from workflow.models import AuditEvent
from workflow.services import transition

from ..factories import CompetitionFactory, OfferFactory, TaskAreaFactory, record_all_channels

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(authority, officer, approver, organization, ngo_admin):
    """A competition through approve/publish and an offer through submit/withdraw."""
    competition = CompetitionFactory(authority=authority)
    transition(competition, "approve", actor=approver, approval_reference="Zarządzenie 7/2027")
    record_all_channels(competition, officer)
    competition = transition(competition, "publish", actor=officer)
    offer = OfferFactory(task_area=competition.task_areas.get(), organization=organization)
    offer = offer_submit(offer, actor=ngo_admin)
    offer = offer_withdraw(offer, actor=ngo_admin, reason="Rezygnujemy z realizacji.")
    return competition, offer


def _label(obj) -> str:
    ct = ContentType.objects.get_for_model(obj)
    return f"{ct.app_label}.{ct.model}#{obj.pk}"


def _raw_table_change(sql: str, params: list) -> None:
    """Change the table behind the application's back, as an intruder with SQL access would.
    On PostgreSQL the intruder must also switch the trigger off first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks may block the ALTER
            cursor.execute("ALTER TABLE workflow_auditevent DISABLE TRIGGER pozytek_audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE workflow_auditevent ENABLE TRIGGER pozytek_audit_append_only")


def test_each_transition_writes_exactly_one_event(trail):
    competition, offer = trail
    assert [(e.seq, e.action, e.source_state, e.target_state) for e in audit_events_for(competition)] == [
        (1, "competitions.competition.approve", "draft", "approved"),
        (2, "competitions.competition.publish", "approved", "published"),
    ]
    events = list(audit_events_for(offer))
    assert [(e.seq, e.action, e.actor_role) for e in events] == [
        (1, "offers.offer.submit", "ngo_signatory"),
        (2, "offers.offer.withdraw", "ngo_signatory"),
    ]
    submit, withdraw = events
    assert submit.payload["sha256"] == offer.snapshot_sha256
    assert withdraw.reason == "Rezygnujemy z realizacji."
    assert withdraw.prev_hash == submit.hash and submit.prev_hash == ""


def test_verify_audit_passes_on_an_intact_trail(trail, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"audit trail intact: {AuditEvent.objects.count()} events verified" in out
    assert [item for item in verify_chains() if not isinstance(item, int)] == []


def test_an_edited_payload_is_found_and_named(trail):
    competition, _offer = trail
    event = audit_events_for(competition).get(seq=2)
    _raw_table_change(
        "UPDATE workflow_auditevent SET payload = %s WHERE id = %s", ['{"version": 2}', event.pk]
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit")
    message = str(excinfo.value)
    assert f"{_label(competition)} event 2" in message
    assert "content was changed" in message


def test_an_edited_reason_is_found(trail):
    _competition, offer = trail
    event = audit_events_for(offer).get(seq=1)
    _raw_table_change("UPDATE workflow_auditevent SET reason = %s WHERE id = %s", ["backdated", event.pk])
    broken = [item for item in verify_chains() if not isinstance(item, int)]
    assert [(b.subject, b.seq) for b in broken] == [(_label(offer), 1)]


def test_a_deleted_middle_event_is_found(authority, approver, officer):
    competition = CompetitionFactory(authority=authority)
    transition(competition, "approve", actor=approver)
    transition(competition, "reopen", actor=officer)
    transition(competition, "approve", actor=approver)
    middle = audit_events_for(competition).get(seq=2)
    _raw_table_change("DELETE FROM workflow_auditevent WHERE id = %s", [middle.pk])
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit")
    assert f"{_label(competition)} event 3" in str(excinfo.value)
    problems = {b.problem for b in verify_chains() if not isinstance(b, int)}
    assert any("missing" in p for p in problems) and any("prev_hash" in p for p in problems)


def test_chains_are_per_subject(authority, approver):
    first, second = CompetitionFactory(authority=authority), CompetitionFactory(authority=authority)
    transition(first, "approve", actor=approver)
    transition(second, "approve", actor=approver)
    for competition in (first, second):
        (event,) = audit_events_for(competition)
        assert event.seq == 1 and event.prev_hash == ""


def test_exact_values_round_trip_through_the_database(authority):
    """Money and times survive JSON/JSONB unchanged, so the recomputed hash matches."""
    competition = CompetitionFactory(authority=authority)
    with transaction.atomic():
        event = audit_record(
            subject=competition,
            action="test.values",
            payload={
                "amount": Decimal("1250.50"),
                "at": dt.datetime(2027, 3, 1, 16, 0, tzinfo=dt.UTC),
                "day": dt.date(2027, 3, 1),
                "nested": {"b": [1, "ż"], "a": None},
                7: "int key",
            },
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.payload["amount"] == "1250.50"
    assert stored.payload["7"] == "int key"
    assert [item for item in verify_chains() if not isinstance(item, int)] == []


def test_audit_record_refuses_to_run_outside_a_transaction(authority):
    competition = CompetitionFactory(authority=authority)
    # pytest-django wraps the test in a transaction; leave it out of the picture
    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError):
            audit_record(subject=competition, action="test.outside")
    finally:
        connection.in_atomic_block = saved


# --- PostgreSQL: the table itself is append-only ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE workflow_auditevent SET reason = 'rewritten' WHERE id = %s",
        "UPDATE workflow_auditevent SET payload = '{}'::jsonb WHERE id = %s",
        "DELETE FROM workflow_auditevent WHERE id = %s",
    ],
    ids=["update-reason", "update-payload", "delete"],
)
def test_postgres_trigger_refuses_update_and_delete(postgres_only, trail, sql):
    event = AuditEvent.objects.order_by("pk").first()
    original = (event.reason, event.payload, event.hash)
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert "append-only" in str(excinfo.value)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.reason, stored.payload, stored.hash) == original
    call_command("verify_audit")


@pytest.mark.postgres
def test_postgres_trigger_refuses_the_orm_too(postgres_only, trail):
    competition, _offer = trail
    events = AuditEvent.objects.filter(
        subject_id=str(competition.pk), subject_type=ContentType.objects.get_for_model(Competition)
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        events.update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        events.delete()
    assert events.count() == 2
    call_command("verify_audit")


def test_the_trigger_is_installed_only_on_postgres():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'workflow_auditevent'::regclass "
                "AND NOT tgisinternal"
            )
            assert [row[0] for row in cursor.fetchall()] == ["pozytek_audit_append_only"]
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            assert cursor.fetchall() == []


def test_offer_create_and_submit_each_add_one_event(authority, organization, ngo_admin):
    from offers.services import offer_create

    competition = CompetitionFactory(authority=authority, published=True, with_areas=False)
    area = TaskAreaFactory(competition=competition)
    offer = offer_create(task_area=area, organization=organization, actor=ngo_admin)
    assert [e.action for e in audit_events_for(offer)] == ["offers.offer.create"]
