def navigation(request):
    from competitions.selectors import authorities_for_user
    from offers.selectors import organizations_for_user

    user = request.user
    if not user.is_authenticated:
        return {"nav_authorities": [], "nav_organizations": []}
    return {
        "nav_authorities": list(authorities_for_user(user=user)),
        "nav_organizations": list(organizations_for_user(user=user)),
    }
