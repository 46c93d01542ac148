"""Writing and verifying the tamper-evident audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from .models import AuditEvent


def canonical(value: Any) -> Any:
    """The JSON form that is stored and hashed: no floats, no Decimals, stable keys.

    Money stays exact (Decimal -> "1250.00"), times are ISO 8601 in UTC, so that
    reading the payload back from JSON/JSONB gives the same bytes to hash.
    """
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(canonical(v) for v in value)
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def _digest(*, subject_label: str, subject_id: str, seq: int, actor_id: int | None, actor_role: str,
            action: str, source_state: str, target_state: str, reason: str, payload: Any,
            at: dt.datetime, prev_hash: str) -> str:
    content = json.dumps(
        [subject_label, subject_id, seq, actor_id, actor_role, action, source_state, target_state, reason,
         payload, at.astimezone(dt.UTC).isoformat(timespec="microseconds"), prev_hash],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def audit_record(*, subject: models.Model, action: str, actor=None, actor_role: str = "", source_state: str = "",
                 target_state: str = "", reason: str = "", payload: dict | None = None,
                 subject_locked: bool = False) -> AuditEvent:
    """Append one event to the subject's chain. Must run inside the change's transaction.

    The subject's row is locked (select_for_update) so that two writers of one
    subject cannot fork its chain; the transition service has locked it already.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if not subject_locked:
        type(subject)._default_manager.select_for_update().filter(pk=subject.pk).values_list("pk").first()
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=True)
    subject_id = str(subject.pk)
    connection = transaction.get_connection()
    statements = _statements(connection)
    with connection.cursor() as cursor:
        # the chain's head, read after the subject's lock was taken (a statement of its own, so that
        # under READ COMMITTED it sees the event of whoever held the lock before)
        cursor.execute(statements.last, [content_type.pk, subject_id])
        last = cursor.fetchone()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, "")
        at = timezone.now()
        payload = canonical(payload or {})
        actor_id = actor.pk if actor is not None else None
        event = AuditEvent(
            subject_type=content_type, subject_id=subject_id, seq=seq, actor_id=actor_id, actor_role=actor_role,
            action=action, source_state=source_state or "", target_state=target_state or "", reason=reason or "",
            payload=payload, at=at, prev_hash=prev_hash,
        )
        event.hash = _digest(
            subject_label=content_type.app_label + "." + content_type.model, subject_id=subject_id, seq=seq,
            actor_id=actor_id, actor_role=actor_role, action=action, source_state=event.source_state,
            target_state=event.target_state, reason=event.reason, payload=payload, at=at, prev_hash=prev_hash,
        )
        # one INSERT with the fields' own conversions (Model.save() adds only signals and checks
        # that an append-only row of a fixed shape does not need)
        cursor.execute(statements.insert, [field.get_db_prep_save(getattr(event, field.attname), connection)
                                           for field in statements.fields])
        if statements.returns:
            event.pk = cursor.fetchone()[0]
        else:  # a backend without RETURNING
            event.pk = connection.ops.last_insert_id(cursor, AuditEvent._meta.db_table, AuditEvent._meta.pk.column)
    event._state.adding, event._state.db = False, connection.alias
    return event


@dataclass(frozen=True)
class _Statements:
    last: str
    insert: str
    fields: tuple
    returns: bool


_STATEMENTS: dict[str, _Statements] = {}


def _statements(connection) -> _Statements:
    """The two statements of audit_record, built once per database alias from the model."""
    statements = _STATEMENTS.get(connection.alias)
    if statements is None:
        meta, quote = AuditEvent._meta, connection.ops.quote_name
        fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
        table = quote(meta.db_table)
        last = (f"SELECT {quote(meta.get_field('seq').column)}, {quote(meta.get_field('hash').column)} "  # noqa: S608
                f"FROM {table} WHERE {quote(meta.get_field('subject_type').column)} = %s "
                f"AND {quote(meta.get_field('subject_id').column)} = %s "
                f"ORDER BY {quote(meta.get_field('seq').column)} DESC LIMIT 1")
        returns = connection.features.can_return_columns_from_insert
        insert = (f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
                  f"VALUES ({', '.join(['%s'] * len(fields))})"
                  + (f" RETURNING {quote(meta.pk.column)}" if returns else ""))
        statements = _STATEMENTS[connection.alias] = _Statements(last, insert, fields, returns)
    return statements


@dataclass(frozen=True)
class BrokenLink:
    subject: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"{self.subject} event {self.seq}: {self.problem}"


def verify_chains(chunk_size: int = 5000) -> Iterator[BrokenLink | int]:
    """Recompute every chain; yield each broken link, then the number of events read.

    A changed event breaks its own hash; a deleted or inserted one breaks the
    next event's prev_hash or the run of sequence numbers.
    """
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    fields = ("subject_type_id", "subject_id", "seq", "actor_id", "actor_role", "action", "source_state",
              "target_state", "reason", "payload", "at", "prev_hash", "hash")
    rows = AuditEvent.objects.order_by("subject_type_id", "subject_id", "seq").values_list(*fields)
    current = None
    expected_seq, expected_prev = 1, ""
    count = 0
    for (ct_id, subject_id, seq, actor_id, role, action, source, target, reason, payload, at, prev_hash,
         stored_hash) in rows.iterator(chunk_size=chunk_size):
        count += 1
        key = (ct_id, subject_id)
        subject = f"{labels.get(ct_id, ct_id)}#{subject_id}"
        if key != current:
            current, expected_seq, expected_prev = key, 1, ""
        if seq != expected_seq:
            yield BrokenLink(subject, seq, f"expected event {expected_seq} (an event is missing or inserted)")
        if prev_hash != expected_prev:
            yield BrokenLink(subject, seq, "does not follow the previous event (prev_hash differs)")
        actual = _digest(subject_label=labels.get(ct_id, ""), subject_id=subject_id, seq=seq, actor_id=actor_id,
                         actor_role=role, action=action, source_state=source, target_state=target, reason=reason,
                         payload=payload, at=at, prev_hash=prev_hash)
        if actual != stored_hash:
            yield BrokenLink(subject, seq, "content was changed after it was written (hash differs)")
        expected_seq, expected_prev = seq + 1, stored_hash
    yield count


def audit_events_for(subject: models.Model):
    content_type = ContentType.objects.get_for_model(subject, for_concrete_model=True)
    return (
        AuditEvent.objects.filter(subject_type=content_type, subject_id=str(subject.pk))
        .select_related("actor").order_by("seq")
    )
