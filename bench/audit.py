"""The audit trail: what writing the audit row costs a transition, and how fast the chains verify.

* audit_ratio: drafts discarded through workflow.services.transition, each with its audit row,
  against the same transition with the audit write taken out (audit_record replaced by a no-op),
  alternately, in one run. Both lock the row, check the permission, run the FSM and save.
* audit_verify_per_s: workflow.audit.verify_chains over 1 000 000 events (100 000 subjects with
  chains of 10), each hashed with workflow.audit's own digest and written with COPY.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from unittest import mock

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from competitions.models import CompetitionState
from evaluation.models import Award, Declaration, FormalCheck, ScoreSheet
from offers.models import Offer
from workflow import audit
from workflow.models import AuditEvent
from workflow.services import transition

from . import data
from .common import figure, ms, say

SIZES = {"full": {"events": 1_000_000, "chain": 10, "transitions": 1200},
         "smoke": {"events": 20_000, "chain": 10, "transitions": 60}}
ACTIONS = {Offer: ("offers.offer.create", "offers.offer.submit"), FormalCheck: ("evaluation.formalcheck.record",
                                                                                 "evaluation.formalcheck.accept"),
           Declaration: ("evaluation.declaration.declare_impartial",), ScoreSheet: ("evaluation.scoresheet.score",
                                                                                    "evaluation.scoresheet.submit"),
           Award: ("evaluation.award.propose", "evaluation.award.select")}


def _events(types: list, total: int, chain: int, actor_id: int):
    """Rows of AuditEvent in COPY order, every chain correctly hashed with workflow.audit._digest.
    No query may run here: the connection is busy with the COPY that consumes these rows."""
    start = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)
    subjects = total // chain
    for s in range(subjects):
        content_type, actions = types[s % len(types)]
        label = f"{content_type.app_label}.{content_type.model}"
        subject_id = str(10_000_000 + s)
        prev = ""
        for seq in range(1, chain + 1):
            at = start + dt.timedelta(seconds=s * 7 + seq * 3, microseconds=seq * 101)
            action = actions[seq % len(actions)]
            payload = audit.canonical({"sha256": f"{s:032x}{seq:032x}", "grant_requested": "30000.00",
                                       "scores": {"1": "7.50", "2": "9.00"}, "n": seq})
            digest = audit._digest(subject_label=label, subject_id=subject_id, seq=seq, actor_id=actor_id,
                                   actor_role="committee_member", action=action, source_state="draft",
                                   target_state="submitted", reason="", payload=payload, at=at, prev_hash=prev)
            yield (content_type.pk, subject_id, seq, actor_id, "committee_member", action, "draft", "submitted", "",
                   json.dumps(payload, ensure_ascii=False), at, prev, digest)
            prev = digest


def load_events(total: int, chain: int, actor_id: int) -> int:
    columns = ["subject_type_id", "subject_id", "seq", "actor_id", "actor_role", "action", "source_state",
               "target_state", "reason", "payload", "at", "prev_hash", "hash"]
    types = [(ContentType.objects.get_for_model(model), actions) for model, actions in ACTIONS.items()]
    with transaction.atomic():
        count = data.copy_rows(AuditEvent, columns, _events(types, total, chain, actor_id))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {AuditEvent._meta.db_table}")
    return count


def _no_audit(**kwargs):
    return AuditEvent()  # nothing written: the transition without its audit row


def transition_ratio(count: int) -> dict:
    authority, _officer = data.authority_with_staff("audyt")
    comp, areas, _criteria = data.competition(authority, state=CompetitionState.PUBLISHED, reference="BOP.524.7.2027")
    orgs, users, _keys = data.organizations(count, tag="audyt")
    offers = data.draft_offers(comp, areas[0], orgs, users)
    times = {"with": [], "without": []}
    for i, (offer, user) in enumerate(zip(offers, users, strict=True)):
        kind = "with" if i % 2 == 0 else "without"
        offer = Offer.objects.select_related("organization").get(pk=offer.pk)
        start = time.perf_counter()
        if kind == "with":
            transition(offer, "discard", actor=user)
        else:
            with mock.patch("workflow.services.audit_record", _no_audit):
                transition(offer, "discard", actor=user)
        times[kind].append(time.perf_counter() - start)
    written = AuditEvent.objects.filter(action="offers.offer.discard").count()
    assert written == len(times["with"]), (written, len(times["with"]))
    warm = max(2, len(times["with"]) // 10)  # the first few warm the caches of both
    with_s = statistics.mean(times["with"][warm:])
    without_s = statistics.mean(times["without"][warm:])
    return {"with_ms": ms(with_s), "without_ms": ms(without_s), "ratio": with_s / without_s,
            "with_median_ms": ms(statistics.median(times["with"][warm:])),
            "without_median_ms": ms(statistics.median(times["without"][warm:])), "transitions": count,
            "audit_rows_written": written}


def verify(expected_events: int) -> dict:
    start = time.perf_counter()
    broken, count = [], 0
    for item in audit.verify_chains():
        if isinstance(item, int):
            count = item
        else:
            broken.append(str(item))
    seconds = time.perf_counter() - start
    return {"events": count, "seconds": round(seconds, 2), "per_s": count / seconds, "broken": len(broken),
            "first_broken": broken[:3], "expected_at_least": expected_events}


def run(size: str) -> list[dict]:
    spec = SIZES[size]
    _authority, officer = data.authority_with_staff("kontrola")
    say(f"audit: writing {spec['events']} hash-chained events")
    start = time.perf_counter()
    loaded = load_events(spec["events"], spec["chain"], officer.pk)
    say(f"audit: {loaded} events in {time.perf_counter() - start:.1f} s; {spec['transitions']} transitions")
    ratio = transition_ratio(spec["transitions"])
    say(f"audit: transition {ratio['with_ms']} ms with the audit row, {ratio['without_ms']} ms without")
    checked = verify(loaded)
    say(f"audit: verify_chains read {checked['events']} events in {checked['seconds']} s, {checked['broken']} broken")
    return [
        figure("audit_ratio", ratio.pop("ratio"), "×", "<=", 1.25, **ratio),
        figure("audit_verify_per_s", round(checked["per_s"]), "events/s", ">=", 50_000,
               **{k: v for k, v in checked.items() if k != "per_s"}),
        figure("audit_broken_links", checked["broken"], "links", "==", 0, events=checked["events"]),
    ]
