"""Polish registry identifiers (DOMAIN.md §15), validated with python-stdnum.

Each `clean_*` returns the normalised value or raises ValueError with a message for people.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip, regon

_SEPARATORS = re.compile(r"[\s\-]")


def _digits(value: str) -> str:
    value = _SEPARATORS.sub("", value or "").upper()
    return value[2:] if value.startswith("PL") else value


def clean_krs(value: str) -> str:
    # KRS has no check digit: ten digits with leading zeros, not all zeros.
    number = _digits(value)
    if not re.fullmatch(r"\d{10}", number):
        raise ValueError(_("A KRS number has exactly 10 digits, e.g. 0000123456."))
    if int(number) == 0:
        raise ValueError(_("0000000000 is not a KRS number."))
    return number


def clean_nip(value: str) -> str:
    number = _digits(value)
    if not re.fullmatch(r"\d{10}", number):
        raise ValueError(_("A NIP has 10 digits."))
    try:
        return nip.validate(number)
    except InvalidChecksum as exc:
        raise ValueError(_("This NIP's check digit is wrong; check for a typo.")) from exc
    except StdnumError as exc:
        raise ValueError(_("This is not a valid NIP.")) from exc


def clean_regon(value: str) -> str:
    number = _digits(value)
    if not re.fullmatch(r"\d{9}|\d{14}", number):
        raise ValueError(_("A REGON has 9 or 14 digits."))
    try:
        return regon.validate(number)
    except InvalidChecksum as exc:
        raise ValueError(_("This REGON's check digit is wrong; check for a typo.")) from exc
    except StdnumError as exc:
        raise ValueError(_("This is not a valid REGON.")) from exc


def clean_bank_account(value: str) -> str:
    """A Polish account: 26 digits (NRB) or PL + 26 digits (IBAN). Returned as PL IBAN, compact."""
    compact = _SEPARATORS.sub("", value or "").upper()
    if re.fullmatch(r"\d{26}", compact):
        compact = "PL" + compact
    if not re.fullmatch(r"PL\d{26}", compact):
        raise ValueError(_("A Polish bank account has 26 digits (optionally preceded by PL)."))
    try:
        return iban.validate(compact)
    except (InvalidChecksum, InvalidComponent) as exc:
        raise ValueError(_("This account number's check digits are wrong; check for a typo.")) from exc
    except (InvalidFormat, InvalidLength, StdnumError) as exc:
        raise ValueError(_("This is not a valid Polish account number.")) from exc


def format_bank_account(value: str) -> str:
    compact = clean_bank_account(value) if value else ""
    return iban.format(compact) if compact else ""


def _validate(cleaner, value) -> None:
    if value in ("", None):
        return
    try:
        cleaner(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid") from exc


# Django field validators (module-level functions, so that migrations can refer to them).
def validate_krs(value):
    _validate(clean_krs, value)


def validate_nip(value):
    _validate(clean_nip, value)


def validate_regon(value):
    _validate(clean_regon, value)


def validate_bank_account(value):
    _validate(clean_bank_account, value)


# --- generated identifiers with valid check digits (demo data and tests; never real ones) -----------


def generate_krs(rng) -> str:
    # Far above any number the register has issued (about 1.2 million by 2026), so never a real entry.
    return f"{rng.randint(9_900_000, 9_999_999):010d}"


def generate_nip(rng) -> str:
    # stdnum has no check-digit helper for NIP: try the ten digits until one validates.
    while True:
        body = f"{rng.randint(100, 999)}{rng.randint(0, 999999):06d}"
        for digit in "0123456789":
            if nip.is_valid(body + digit):
                return body + digit


def generate_regon(rng) -> str:
    body = f"{rng.randint(10000000, 99999999)}"
    return body + regon.calc_check_digit(body)


def generate_bank_account(rng) -> str:
    bank = "10901014"  # a real sort-code shape; the account number itself is random
    account = f"{rng.randint(0, 10**16 - 1):016d}"
    body = bank + account
    check = iban.calc_check_digits("PL00" + body)
    return f"PL{check}{body}"
