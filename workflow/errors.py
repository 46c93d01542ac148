"""The application's errors. One mapping turns them into HTTP for the API and the pages.

    NotFound         -> 404  the object does not exist *for this user*
    Forbidden        -> 403  visible, but this user may not do that
    WrongState       -> 409  the state (or the clock) does not allow it; carries the reasons
    EditConflict     -> 409  someone saved the same section first; carries both versions
    InvalidData      -> 400  bad input; carries field- or line-level errors
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Refusal:
    """Why something may not happen now: a code for machines, a message for people.

    `message` is a lazy translatable string with {placeholders} filled from `params`,
    so the same refusal can be shown in Polish and in English.
    """

    code: str
    message: Any
    params: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return str(self.message).format(**self.params) if self.params else str(self.message)

    def as_dict(self) -> dict[str, Any]:
        from django.utils import translation

        texts = {}
        for lang in ("pl", "en"):
            with translation.override(lang):
                texts[lang] = self.text()
        return {"code": self.code, "message": self.text(), "message_pl": texts["pl"], "message_en": texts["en"]}


class DomainError(Exception):
    status_code = 400
    default_code = "error"
    default_message = _("The request could not be processed.")

    def __init__(self, message: Any = None, *, code: str | None = None, params: dict | None = None):
        self.code = code or self.default_code
        self.message = message if message is not None else self.default_message
        self.params = params or {}
        super().__init__(self.text())

    def text(self) -> str:
        return str(self.message).format(**self.params) if self.params else str(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.text()}


class NotFound(DomainError):
    status_code = 404
    default_code = "not_found"
    default_message = _("Not found.")


class Forbidden(DomainError):
    status_code = 403
    default_code = "forbidden"
    default_message = _("You do not have permission to do this.")


class WrongState(DomainError):
    status_code = 409
    default_code = "wrong_state"
    default_message = _("This is not possible in the current state.")

    def __init__(self, message: Any = None, *, refusals: list[Refusal] | None = None, **kwargs):
        self.refusals = refusals or []
        if message is None and self.refusals:
            message = self.refusals[0].text()
        super().__init__(message, **kwargs)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "reasons": [r.as_dict() for r in self.refusals]}


class EditConflict(DomainError):
    status_code = 409
    default_code = "edit_conflict"
    default_message = _("Someone else saved this section after you opened it. Compare and save again.")

    def __init__(self, message: Any = None, *, theirs: dict | None = None, **kwargs):
        self.theirs = theirs or {}
        super().__init__(message, **kwargs)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "theirs": self.theirs}


class InvalidData(DomainError):
    status_code = 400
    default_code = "invalid"
    default_message = _("Please correct the errors below.")

    def __init__(self, errors: dict[str, list[str]] | None = None, message: Any = None, **kwargs):
        self.errors = {key: [str(m) for m in msgs] for key, msgs in (errors or {}).items()}
        super().__init__(message, **kwargs)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "errors": self.errors}
