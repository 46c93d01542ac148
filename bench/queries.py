"""Query budgets: every list of the API (every GET route of the router that is not one object)
and every list page, with 1 row and with 500 rows, counted with CaptureQueriesContext.

One world is built twice (inside a transaction that is rolled back), at 1 and at 500: one
authority and its officer; a closed competition whose offers (each of its own organisation, all
represented by one NGO user) are formally accepted and scored by a chair and a member; that many
other competitions, each with its evaluation and committee; that many invitations. Each URL is
read by the first of officer, chair, member, NGO user that may read it (the same one at both
sizes), with ?limit=1000 so that an API page holds every row. The figure is the largest growth
(queries at 500 − queries at 1) over all of them; the target is 0.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import Permission
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions.models import Competition, CompetitionState
from config.api_urls import router
from evaluation.models import Committee, CommitteeState, Evaluation, EvaluationState
from offers.models import (
    ROLE_PERMISSIONS,
    Invitation,
    OrganizationUserObjectPermission,
    Representation,
    RepresentationRole,
)

from . import data
from .common import figure, say

SIZES = {"full": (1, 500), "smoke": (1, 20)}
PAGES = [  # (URL name, the kwargs it takes from the world)
    ("competitions:public_list", {}), ("competitions:staff_list", {}),
    ("competitions:staff_detail", {"pk": "competition"}), ("competitions:staff_audit", {"pk": "competition"}),
    ("offers:staff_offers", {"pk": "competition"}), ("offers:my_offers", {}), ("offers:organizations", {}),
    ("evaluation:my_committees", {}), ("evaluation:office", {"pk": "competition"}),
    ("evaluation:committee", {"pk": "competition"}), ("evaluation:decision", {"pk": "competition"}),
    ("evaluation:chair", {"competition_pk": "competition"}),
    ("evaluation:declarations", {"competition_pk": "competition"}),
    ("evaluation:justification_queue", {"pk": "competition"}),
]


class Rollback(Exception):
    pass


def _api_lists() -> list[tuple[str, dict]]:
    """Every GET route of the API router that reads a list: the viewsets' list routes and the
    routes without an object's pk (a competition's offers, its evaluation's lists)."""
    found = []
    for pattern in router.urls:
        name = pattern.name or ""
        regex = pattern.pattern.regex.pattern
        if "(?P<pk>" in regex or "format" in regex:
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", {}) or {}
        if "get" not in actions:
            continue
        kwargs = {key: "competition" if key == "competition_pk" else "offer"
                  for key in re.findall(r"\(\?P<(\w+)>", regex)}
        found.append((name, kwargs))
    return found


def _world(n: int) -> dict:
    authority, officer = data.authority_with_staff(f"kwerendy{n}")
    comp, areas, criteria = data.competition(authority, state=CompetitionState.SUBMISSION_CLOSED,
                                             reference=f"BOP.524.{n}.2027")
    orgs, _users, _keys = data.organizations(n, tag=f"q{n}", with_users=False)
    ngo = data.User.objects.create(username=f"ngo-q{n}", email=f"ngo-q{n}@example.org", password=data.NO_PASSWORD)
    Representation.objects.bulk_create([Representation(organization=o, user=ngo, role=RepresentationRole.ADMIN)
                                        for o in orgs])
    permissions = list(Permission.objects.filter(content_type__app_label="offers",
                                                 codename__in=ROLE_PERMISSIONS[RepresentationRole.ADMIN]))
    OrganizationUserObjectPermission.objects.bulk_create([
        OrganizationUserObjectPermission(user=ngo, permission=p, content_object=o) for o in orgs for p in permissions])
    offers = data.submitted_offers(comp, areas, orgs, officer)
    _evaluation, seats = data.evaluation(comp, offers, criteria, members=2, tag=f"q{n}",
                                         state=EvaluationState.AWAITING_DECISION)
    others = Competition.objects.bulk_create([
        Competition(authority=authority, reference=f"BOP.525.{i}.2027", title=f"Konkurs {i}", year=2027,
                    state=CompetitionState.SUBMISSION_CLOSED) for i in range(n - 1)])
    Evaluation.objects.bulk_create([Evaluation(competition=c) for c in others])
    Committee.objects.bulk_create([Committee(competition=c, state=CommitteeState.FORMING) for c in others])
    Invitation.objects.bulk_create([Invitation(organization=orgs[0], email=f"osoba{i}@example.org",
                                               role=RepresentationRole.EDITOR, invited_by=ngo) for i in range(n)])
    return {"competition": comp.pk, "offer": offers[0].pk,
            "users": [("officer", officer), ("chair", seats[0].user), ("member", seats[1].user), ("ngo", ngo)]}


def _count(client: Client, url: str) -> tuple[int, int, int]:
    reset_queries()  # the test client's request_started empties the log: start it empty, too
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured), len(response.content)


def _measure(n: int) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(status, queries, bytes) per (URL, reader) in a world of size n, rolled back afterwards."""
    counts = {}
    try:
        with transaction.atomic():
            world = _world(n)
            clients = {}
            for role, user in world["users"]:
                clients[role] = Client()
                clients[role].force_login(user)
            targets = [(name, kwargs, True) for name, kwargs in _api_lists()] + [
                (name, kwargs, False) for name, kwargs in PAGES]
            for name, kwargs, is_api in targets:
                url = reverse(name, kwargs={k: world[v] for k, v in kwargs.items()})
                if is_api:
                    url += "?limit=1000"
                key = f"{'api' if is_api else 'page'} {name}"
                for role in clients:
                    clients[role].get(url)  # the first read fills the per-process caches (content types…)
                    counts[(key, role)] = _count(clients[role], url)
            raise Rollback
    except Rollback:
        pass
    return counts


def run(size: str) -> list[dict]:
    small, large = SIZES[size]
    say(f"queries: every list with {small} and {large} rows, read by each of officer, chair, member, NGO user")
    at_small, at_large = _measure(small), _measure(large)
    rows: dict[str, dict] = {}
    unread = []
    for (key, role), (status, queries, length) in sorted(at_small.items()):
        status_large, queries_large, length_large = at_large[(key, role)]
        if status != 200 or status_large != 200:
            continue
        row = rows.setdefault(key, {})
        # the bytes show who sees the rows: a reader who sees none proves nothing about growth
        row[role] = {f"at_{small}": queries, f"at_{large}": queries_large, "growth": queries_large - queries,
                     "bytes_grew": length_large > length}
    for key in sorted({k for k, _role in at_small}):
        if key not in rows:
            unread.append(key)
    growth = max((r["growth"] for per in rows.values() for r in per.values()), default=0)
    seeing = sum(1 for per in rows.values() if any(r["bytes_grew"] for r in per.values()))
    worst = sorted(((r["growth"], f"{key} as {role}") for key, per in rows.items() for role, r in per.items()),
                   reverse=True)[:5]
    say(f"queries: {len(rows)} lists ({seeing} with rows that grew), largest growth {growth}: {worst[:3]}; "
        f"unread: {unread}")
    return [figure("list_query_growth", growth, "queries", "==", 0, lists=len(rows), lists_with_rows=seeing,
                   worst=worst, unread=unread, per_list=rows)]
