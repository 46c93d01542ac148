"""Pages against a peer: with 1 000 offers in a competition, each scored by 2 members, the
officer's offer list page and an offer's detail page rendered through the test client on
PostgreSQL (median of 5 after a warm-up, queries counted), and the full export of the 1 000
offers: the committee's protocol (evaluation.exports.ProtocolExporter — every offer, its formal
check, every member's scores, the ranking, the amounts and the audit summary).

The peer (an established open-source grant system) needs 142 queries and ~400 ms for a list of
60, 109 queries for a detail page, and ~8 s for such an export on this kind of machine.
"""

from __future__ import annotations

import statistics

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions.models import CompetitionState
from evaluation.exports import ProtocolExporter
from evaluation.models import EvaluationState
from offers.models import Offer
from offers.services import offer_snapshot

from . import data
from .common import clock, figure, ms, say

SIZES = {"full": {"offers": 1000, "runs": 5}, "smoke": {"offers": 40, "runs": 3}}


def _build(n: int):
    authority, officer = data.authority_with_staff("strony")
    comp, areas, criteria = data.competition(authority, state=CompetitionState.SUBMISSION_CLOSED,
                                             reference="BOP.524.5.2027")
    # the frozen content of a real offer (offers.services.offer_snapshot), copied to every offer
    orgs, users, _keys = data.organizations(1, tag="wzor")
    draft = data.draft_offers(comp, areas[0], orgs, users)[0]
    template = offer_snapshot(Offer.objects.select_related("competition__authority", "task_area", "organization")
                              .get(pk=draft.pk))
    draft.sections.all().delete()
    Offer.objects.filter(pk=draft.pk).delete()
    orgs, _users, _keys = data.organizations(n, tag="strony", with_users=False)
    offers = data.submitted_offers(comp, areas, orgs, officer, snapshot=template)
    evaluation, _seats = data.evaluation(comp, offers, criteria, members=2, tag="strony",
                                         state=EvaluationState.AWAITING_DECISION)
    return officer, comp, offers, evaluation


def _page(client: Client, url: str, runs: int) -> dict:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    reset_queries()  # the test client's request_started empties the log: start it empty, too
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured)  # read now: the next request empties the log the count is read from
    times = [clock(lambda: client.get(url))[0] for _ in range(runs)]
    return {"url": url, "queries": queries, "ms": ms(statistics.median(times)),
            "runs_ms": [ms(t) for t in times], "bytes": len(response.content),
            "htmx_loads": response.content.count(b"hx-get") + response.content.count(b'hx-trigger="load')}


def run(size: str) -> list[dict]:
    spec = SIZES[size]
    say(f"pages: {spec['offers']} offers, each scored by 2 members")
    officer, comp, offers, evaluation = _build(spec["offers"])
    client = Client()
    client.force_login(officer)
    listing = _page(client, reverse("offers:staff_offers", args=[comp.pk]), spec["runs"])
    listing["rows"] = listing["bytes"] and Offer.objects.filter(competition=comp).count()
    detail = _page(client, reverse("offers:offer_detail", args=[offers[len(offers) // 2].pk]), spec["runs"])
    ProtocolExporter(evaluation).to_bytes()  # warm-up
    export_times = []
    for _ in range(3):
        seconds, content = clock(lambda: ProtocolExporter(evaluation).to_bytes())
        export_times.append(seconds)
    export_s = statistics.median(export_times)
    say(f"pages: list {listing['queries']} queries {listing['ms']} ms; detail {detail['queries']} queries "
        f"{detail['ms']} ms; protocol of {len(offers)} offers {export_s:.2f} s")
    return [
        figure("page_list_queries", listing["queries"], "queries", "<=", 15, peer=142, **listing),
        figure("page_list_ms", listing["ms"], "ms", "<=", 120, peer_ms=400, rows=listing["rows"]),
        figure("page_detail_queries", detail["queries"], "queries", "<=", 20, peer=109, **detail),
        figure("export_1000_s", round(export_s, 3), "s", "<=", 0.8, peer_s=8, offers=len(offers),
               export="committee protocol (.xlsx)", runs_s=[round(t, 3) for t in export_times],
               bytes=len(content)),
    ]
