"""The navigation: where each user's work is. It lives in config because it reads every stage
(workflow, the engine, knows none of them)."""

from competitions.selectors import authorities_for_user
from evaluation.models import Seat
from offers.selectors import organizations_for_user


def navigation(request):
    user = request.user
    if not user.is_authenticated:
        return {"nav_authorities": [], "nav_organizations": [], "nav_committees": False, "nav_contracts": False,
                "nav_finance": []}
    from competitions.models import AuthorityRole
    from settlements.models import Contract

    organizations = list(organizations_for_user(user=user))
    return {
        "nav_authorities": list(authorities_for_user(user=user)),
        "nav_organizations": organizations,
        "nav_committees": Seat.objects.filter(user=user, is_active=True).exists(),
        # "Contracts and reports" for the people of an organisation that has a contract
        "nav_contracts": bool(organizations) and Contract.objects.filter(organization__in=organizations).exists(),
        "nav_finance": list(authorities_for_user(user=user, role=AuthorityRole.FINANCE)),
    }
