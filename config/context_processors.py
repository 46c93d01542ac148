"""The navigation: where each user's work is. It lives in config because it reads every stage
(workflow, the engine, knows none of them)."""

from competitions.selectors import authorities_for_user
from evaluation.models import Seat
from offers.selectors import organizations_for_user


def navigation(request):
    user = request.user
    if not user.is_authenticated:
        return {"nav_authorities": [], "nav_organizations": [], "nav_committees": False}
    return {
        "nav_authorities": list(authorities_for_user(user=user)),
        "nav_organizations": list(organizations_for_user(user=user)),
        "nav_committees": Seat.objects.filter(user=user, is_active=True).exists(),
    }
