"""Object permissions through django-guardian, cached per user for the request.

Roles in an authority are groups holding object permissions on the Authority
(competitions.services.authority_grant_role); representation of an NGO is a set
of object permissions on the Organization (offers.services). Nothing here grants
access by default: no rule, no access.
"""

from __future__ import annotations

from typing import Any

from guardian.core import ObjectPermissionChecker


def checker(user) -> ObjectPermissionChecker | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_pozytek_perm_checker", None)
    if cached is None:
        cached = ObjectPermissionChecker(user)
        user._pozytek_perm_checker = cached
    return cached


def has_object_perm(user, codename: str, obj: Any) -> bool:
    """`codename` without the app label, e.g. "act_as_officer"; object permissions only."""
    perm_checker = checker(user)
    if perm_checker is None or obj is None:
        return False
    return perm_checker.has_perm(codename, obj)


def forget(user) -> None:
    """Drop the cached checker after permissions of `user` changed in this request."""
    if user is not None and hasattr(user, "_pozytek_perm_checker"):
        del user._pozytek_perm_checker
