"""How the settlement stage answers the earlier stages' questions (offers/signals.py,
workflow.signals.transition_guard)."""

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from offers.demo import demo_parts
from offers.models import Offer
from workflow.errors import Refusal
from workflow.signals import transition_guard

from .models import Contract, ContractState


@receiver(transition_guard, sender=Offer)
def no_withdrawal_after_signing(sender, instance, name, **kwargs):
    # DOMAIN.md §14.2: an offer may be withdrawn before the contract is signed
    if name != "withdraw":
        return []
    signed = Contract.objects.filter(award__offer=instance).exclude(state=ContractState.DRAFTED).exists()
    if signed:
        return [Refusal("contract_signed", _("The contract is signed; the offer can no longer be withdrawn."))]
    return []


@receiver(demo_parts)
def settlement_demo_part(sender, **kwargs):
    # the demo's contracts, reports and a settlement (settlements/demo.py)
    try:
        from .demo import SettlementDemo
    except ImportError:  # the demo part is written alongside; until then the demo has none
        return None
    return SettlementDemo()
