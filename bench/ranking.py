"""Ranking at national scale: evaluation.selectors.ranking against one raw SQL statement that
computes the same numbers (sheets counted, mean of the members' totals, mean per criterion,
spread) with GROUP BY on the same database, in the same process, alternately.

Data set "national" (bench.data.build_national): 20 000 offers × 5 members × 6 criteria."""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from evaluation.selectors import ranking

from .common import clock, figure, ms, say
from .data import national

RUNS = {"full": 5, "smoke": 3}
CENT = Decimal("0.01")

# The rule of selectors.ranking written as one statement: the counting sheets (submitted, of
# active voting members who declared impartiality, on formally accepted offers), each sheet's
# total, then per offer the count, the mean and the spread of the totals and the mean per criterion.
RAW = """
WITH counting AS (
    SELECT sh.id, sh.offer_id
    FROM evaluation_scoresheet sh
    JOIN offers_offer o ON o.id = sh.offer_id
    JOIN evaluation_formalcheck fc ON fc.offer_id = sh.offer_id
    JOIN evaluation_seat st ON st.id = sh.seat_id
    WHERE o.competition_id = %(competition)s AND sh.state = 'submitted' AND fc.state = 'accepted'
      AND st.is_active AND st.role <> 'expert'
      AND EXISTS (SELECT 1 FROM evaluation_declaration d
                  WHERE d.seat_id = sh.seat_id AND d.offer_id = sh.offer_id AND d.state = 'impartial')
), scores AS (
    SELECT c.offer_id, s.sheet_id, s.criterion_id, s.points
    FROM evaluation_score s JOIN counting c ON c.id = s.sheet_id
), sheets AS (
    SELECT offer_id, count(*) AS n, sum(total) AS total, max(total) - min(total) AS spread
    FROM (SELECT offer_id, sheet_id, sum(points) AS total FROM scores GROUP BY offer_id, sheet_id) t
    GROUP BY offer_id
), criteria AS (
    SELECT offer_id, array_agg(criterion_id ORDER BY criterion_id) AS ids,
           array_agg(points ORDER BY criterion_id) AS sums
    FROM (SELECT offer_id, criterion_id, sum(points) AS points FROM scores GROUP BY offer_id, criterion_id) t
    GROUP BY offer_id
)
SELECT s.offer_id, s.n, round(s.total / s.n, 2), s.spread, c.ids, c.sums
FROM sheets s JOIN criteria c ON c.offer_id = s.offer_id
"""


def _q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def raw_numbers(evaluation) -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(RAW, {"competition": evaluation.competition_id})
        rows = cursor.fetchall()
    return {offer: (n, mean, spread, {c: _q2(s / n) for c, s in zip(ids, sums, strict=True)})
            for offer, n, mean, spread, ids, sums in rows}


def selector_numbers(evaluation) -> dict[int, tuple]:
    return {row.offer.pk: (row.sheets, row.mean, row.spread, dict(row.criteria))
            for row in ranking(evaluation=evaluation) if row.sheets}


def run(size: str) -> list[dict]:
    evaluation, _officer = national()
    say("ranking: warm-up")
    selector_numbers(evaluation)
    raw_numbers(evaluation)
    times: dict[str, list[float]] = defaultdict(list)
    ours = theirs = None
    for i in range(RUNS[size]):
        # alternate, so that the machine's noise falls on both alike
        for name in (("selector", "raw") if i % 2 == 0 else ("raw", "selector")):
            seconds, result = clock(lambda name=name: (selector_numbers if name == "selector" else raw_numbers)(
                evaluation))
            times[name].append(seconds)
            if name == "selector":
                ours = result
            else:
                theirs = result
    selector_s, raw_s = statistics.median(times["selector"]), statistics.median(times["raw"])
    differing = sum(1 for pk in set(ours) | set(theirs) if ours.get(pk) != theirs.get(pk))
    offers = len(ours)
    say(f"ranking: selector {ms(selector_s)} ms, raw SQL {ms(raw_s)} ms, {offers} offers, {differing} differ")
    return [
        figure("ranking_ratio", selector_s / raw_s, "×", "<=", 1.5, selector_ms=ms(selector_s), raw_sql_ms=ms(raw_s),
               offers=offers, scores=offers and sum(n for n, *_rest in ours.values()) * len(
                   next(iter(ours.values()))[3]), runs=RUNS[size], selector_runs_ms=[ms(t) for t in times["selector"]],
               raw_runs_ms=[ms(t) for t in times["raw"]]),
        figure("ranking_differences", differing, "offers", "==", 0, compared=offers),
    ]
