"""Guards with a human explanation.

A guard is a pure function of the object that returns None when the transition
may go ahead and a Refusal (or a list of them) when not. Wrapped with @guard it is
also a plain boolean condition for django-fsm's `conditions=`, so the state
machine and the explanations can never disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from .errors import Refusal


class Guard:
    def __init__(self, func: Callable[[Any], Refusal | Iterable[Refusal] | None]):
        functools.update_wrapper(self, func)
        self.func = func

    def explain(self, instance: Any) -> list[Refusal]:
        result = self.func(instance)
        if result is None:
            return []
        if isinstance(result, Refusal):
            return [result]
        return list(result)

    def __call__(self, instance: Any) -> bool:
        return not self.explain(instance)


def guard(func: Callable[[Any], Any]) -> Guard:
    return Guard(func)


def explain_conditions(conditions: Iterable[Callable], instance: Any) -> list[Refusal]:
    refusals: list[Refusal] = []
    for condition in conditions:
        if isinstance(condition, Guard):
            refusals.extend(condition.explain(instance))
        elif not condition(instance):  # a plain condition still gets a message
            from django.utils.translation import gettext_lazy as _

            refusals.append(Refusal("condition", _("A condition is not met: {name}."), {"name": condition.__name__}))
    return refusals
