"""Personal data is never written to logs (hard rule 8): PESEL numbers, e-mail addresses
and Polish account numbers are masked in every log record."""

import logging
import re

_PATTERNS = [
    (re.compile(r"\b\d{11}\b"), "[PESEL?]"),
    (re.compile(r"\b(PL)?\d{2}( ?\d{4}){6}\b"), "[ACCOUNT]"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[EMAIL]"),
]


def mask(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not stop logging
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
