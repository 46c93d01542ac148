"""Questions the offers stage asks the stages after it (they import offers, never the reverse)."""

from django.dispatch import Signal

# kwargs: offer, key (a section key, or "attachments"). A receiver returns True to let the
# offeror change that part of a submitted offer now (evaluation: a call to remedy).
section_change_allowed = Signal()


def change_allowed(offer, key: str) -> bool:
    return any(result is True for _r, result in section_change_allowed.send(sender=None, offer=offer, key=key))
