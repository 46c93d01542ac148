"""How the evaluation stage answers the earlier stages' questions (competitions/signals.py,
offers/signals.py, workflow.signals.transition_guard)."""

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from competitions.models import CancellationGround, Competition
from competitions.signals import cancellation_grounds
from offers.demo import demo_parts
from offers.models import Offer
from offers.signals import section_change_allowed
from workflow.errors import Refusal
from workflow.signals import transition_guard

from .models import EvaluationState, FormalCheckState


@receiver(cancellation_grounds)
def no_valid_offers_ground(sender, competition, **kwargs):
    # art. 18a ust. 1 pkt 2: no offer met the requirements of the announcement
    evaluation = getattr(competition, "evaluation", None)
    if evaluation is None or evaluation.state != EvaluationState.FORMAL_REVIEW:
        return []
    checks = Offer.objects.filter(competition=competition, formal_check__isnull=False).values_list(
        "formal_check__state", flat=True)
    states = list(checks)
    if states and all(state == FormalCheckState.REJECTED for state in states):
        return [CancellationGround.NO_VALID_OFFERS]
    return []


@receiver(transition_guard, sender=Competition)
def no_cancellation_after_results(sender, instance, name, **kwargs):
    evaluation = getattr(instance, "evaluation", None)
    if name == "cancel" and evaluation is not None and evaluation.state == EvaluationState.RESOLVED:
        return [Refusal("resolved", _("The competition is resolved; its results stand."))]
    if name == "extend_deadline" and evaluation is not None:
        return [Refusal("evaluation_started", _("The evaluation has started; the deadline can no longer change."))]
    return []


@receiver(section_change_allowed)
def remedy_allows_change(sender, offer, key, **kwargs):
    from .services import remedy_allows

    return remedy_allows(offer=offer, key=key)


@receiver(demo_parts)
def evaluation_demo_part(sender, **kwargs):
    # the demo's second competition, in merit review (evaluation/demo.py)
    from .demo import EvaluationDemo

    return EvaluationDemo()
