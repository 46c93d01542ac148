"""Running a step "in the past": the demo builds events that happened weeks ago through the real
services, which read the clock. Not for production code paths."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from unittest import mock

from django.apps import apps
from django.utils import timezone

_REAL_NOW = timezone.now


@contextlib.contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """timezone.now() — and the model fields whose default is it — answer `moment` inside."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch("django.utils.timezone.now", return_value=moment))
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if field.default is _REAL_NOW:
                    stack.enter_context(mock.patch.object(field, "_get_default", lambda: moment))
        yield
