"""Questions the competitions stage asks the stages after it.

Later stages import competitions, never the reverse (DESIGN.md "Shape"); where a
competition needs to know about its offers, it asks through these signals and the
later stage answers (offers/receivers.py).
"""

from django.dispatch import Signal

# kwargs: competition_ids (list[int]).
# Receivers return {competition_id: {"submitted": n, "withdrawn": n, "drafts": n}}.
offer_counts = Signal()

# kwargs: competition. Receivers return a list of CancellationGround values that apply now
# (art. 18a ust. 1: no offer submitted; no offer met the requirements).
cancellation_grounds = Signal()


def counts_for(competition_ids) -> dict[int, dict[str, int]]:
    merged: dict[int, dict[str, int]] = {pk: {"submitted": 0, "withdrawn": 0, "drafts": 0} for pk in competition_ids}
    for _receiver, result in offer_counts.send(sender=None, competition_ids=list(competition_ids)):
        for pk, counts in (result or {}).items():
            merged.setdefault(pk, {}).update(counts)
    return merged


def grounds_for(competition) -> list[str]:
    grounds: list[str] = []
    for _receiver, result in cancellation_grounds.send(sender=None, competition=competition):
        grounds.extend(result or [])
    return grounds
