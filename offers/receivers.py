"""How the offers stage answers the competitions stage (competitions/signals.py) and reacts
to its transitions (workflow.signals.transition_performed)."""

from django.db.models import Count
from django.dispatch import receiver
from django.utils.translation import gettext as _

from competitions.models import CancellationGround, Competition, CompetitionState
from competitions.signals import cancellation_grounds, offer_counts
from workflow.calendar import format_local
from workflow.notifications import notify
from workflow.signals import transition_performed

from .models import Offer, OfferState
from .selectors import draft_holders_for_competition

CATEGORY = {OfferState.SUBMITTED: "submitted", OfferState.WITHDRAWN: "withdrawn", OfferState.DRAFT: "drafts"}


@receiver(offer_counts)
def count_offers(sender, competition_ids, **kwargs):
    counts: dict[int, dict[str, int]] = {}
    rows = (Offer.objects.filter(competition_id__in=competition_ids, state__in=list(CATEGORY))
            .values("competition_id", "state").annotate(n=Count("pk")).order_by())
    for row in rows:
        counts.setdefault(row["competition_id"], {})[CATEGORY[row["state"]]] = row["n"]
    return counts


@receiver(cancellation_grounds)
def no_offers_ground(sender, competition, **kwargs):
    # art. 18a ust. 1 pkt 1: no offer was submitted
    if competition.state == CompetitionState.SUBMISSION_CLOSED and not Offer.objects.filter(
        competition=competition, state=OfferState.SUBMITTED
    ).exists():
        return [CancellationGround.NO_OFFERS]
    return []


@receiver(transition_performed, sender=Competition)
def tell_drafts_of_extension(sender, instance, name, event, **kwargs):
    if name != "extend_deadline":
        return
    competition = instance
    subject = _("Deadline extended: {title}").format(title=competition.title)
    body = _("The deadline for offers in “{title}” ({authority}) is now {deadline}. "
             "Your draft offer has not been submitted yet.").format(
        title=competition.title, authority=competition.authority.name,
        deadline=format_local(competition.submission_deadline))
    notify(key=f"competition.{competition.pk}.deadline.{competition.submission_deadline:%Y%m%d%H%M}",
           recipients=draft_holders_for_competition(competition=competition), subject=subject, body=body,
           link=f"/competitions/{competition.pk}/")
