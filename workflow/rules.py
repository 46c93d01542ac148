"""Who may perform a transition: permission rules that also name the role acted in.

A Rule is a callable `(instance, user) -> bool` for django-fsm's `permission=`.
Rules combine with `|`; the transition service asks which rule matched and writes
that role into the audit event. `SYSTEM` matches only the scheduler (actor None).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Rule:
    def __init__(self, role: str, check: Callable[[Any, Any], bool]):
        self.role = role
        self.check = check

    def matching_role(self, instance: Any, user: Any) -> str | None:
        return self.role if self.check(instance, user) else None

    def __call__(self, instance: Any, user: Any) -> bool:
        return self.matching_role(instance, user) is not None

    def __or__(self, other: Rule) -> Rule:
        return AnyRule([self, other])

    def __repr__(self) -> str:
        return f"Rule({self.role})"


class AnyRule(Rule):
    def __init__(self, rules: list[Rule]):
        self.rules = []
        for rule in rules:
            self.rules.extend(rule.rules if isinstance(rule, AnyRule) else [rule])
        self.role = "|".join(r.role for r in self.rules)

    def matching_role(self, instance: Any, user: Any) -> str | None:
        for rule in self.rules:
            role = rule.matching_role(instance, user)
            if role:
                return role
        return None


SYSTEM = Rule("system", lambda instance, user: user is None)


def authenticated(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active
