"""Registry identifiers (DOMAIN.md §15): the worked examples pass, a typo in each is caught
with its own message, and a bad identifier is a field error, never a 500."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from offers.identifiers import (
    clean_bank_account,
    clean_krs,
    clean_nip,
    clean_regon,
    format_bank_account,
    generate_bank_account,
    generate_krs,
    generate_nip,
    generate_regon,
    validate_bank_account,
    validate_krs,
    validate_nip,
    validate_regon,
)

NIP_CHECK = "This NIP's check digit is wrong; check for a typo."
REGON_CHECK = "This REGON's check digit is wrong; check for a typo."
IBAN_CHECK = "This account number's check digits are wrong; check for a typo."


@pytest.fixture(autouse=True, scope="module")
def english():
    """The messages asserted here are the English source strings, whatever locale/pl holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


# --- NIP ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["8567346215", "856-734-62-15", "856 734 62 15", "PL8567346215", " 8567346215 "]
)
def test_nip_example_is_valid_in_any_spelling(value):
    assert clean_nip(value) == "8567346215"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("8567346216", NIP_CHECK),  # last digit mistyped
        ("8567364215", NIP_CHECK),  # two digits swapped
        ("5867346215", NIP_CHECK),  # first two swapped
        ("856734621", "A NIP has 10 digits."),
        ("85673462150", "A NIP has 10 digits."),
        ("856734621O", "A NIP has 10 digits."),  # a letter O for a zero
        ("", "A NIP has 10 digits."),
    ],
)
def test_nip_typos_get_their_message(value, message):
    with pytest.raises(ValueError) as excinfo:
        clean_nip(value)
    assert str(excinfo.value) == message


def test_nip_whose_checksum_is_10_is_never_valid():
    # 1234567890: 1·6+2·5+3·7+4·2+5·3+6·4+7·5+8·6+9·7 = 230; 230 mod 11 = 10 -> no digit fits
    for last in "0123456789":
        with pytest.raises(ValueError):
            clean_nip("123456789" + last)


# --- REGON ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["123456785", "12345678512347", "123-456-785", "1234 5678 5123 47"])
def test_regon_examples_are_valid(value):
    assert clean_regon(value) in ("123456785", "12345678512347")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("123456786", REGON_CHECK),
        ("213456785", REGON_CHECK),
        ("12345678512348", REGON_CHECK),
        ("12345678512437", REGON_CHECK),
        ("12345678612342", REGON_CHECK),  # the 14-digit check holds but the 9-digit prefix is wrong
        ("12345678", "A REGON has 9 or 14 digits."),
        ("1234567851234", "A REGON has 9 or 14 digits."),
        ("12345678A", "A REGON has 9 or 14 digits."),
    ],
)
def test_regon_typos_get_their_message(value, message):
    with pytest.raises(ValueError) as excinfo:
        clean_regon(value)
    assert str(excinfo.value) == message


# --- KRS ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0000123456", "0000 123 456", "0000-123-456"])
def test_krs_is_ten_digits(value):
    assert clean_krs(value) == "0000123456"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("123456", "A KRS number has exactly 10 digits, e.g. 0000123456."),
        ("00001234567", "A KRS number has exactly 10 digits, e.g. 0000123456."),
        ("000012345X", "A KRS number has exactly 10 digits, e.g. 0000123456."),
        ("0000000000", "0000000000 is not a KRS number."),
    ],
)
def test_krs_typos_get_their_message(value, message):
    with pytest.raises(ValueError) as excinfo:
        clean_krs(value)
    assert str(excinfo.value) == message


# --- IBAN / NRB -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "PL61 1090 1014 0000 0712 1981 2874",
        "PL61109010140000071219812874",
        "61 1090 1014 0000 0712 1981 2874",
        "61109010140000071219812874",
        "pl61-1090-1014-0000-0712-1981-2874",
    ],
)
def test_iban_example_is_valid_as_iban_or_nrb(value):
    assert clean_bank_account(value) == "PL61109010140000071219812874"
    assert format_bank_account(value) == "PL61 1090 1014 0000 0712 1981 2874"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("PL61 1090 1014 0000 0712 1981 2875", IBAN_CHECK),  # last digit
        ("PL62 1090 1014 0000 0712 1981 2874", IBAN_CHECK),  # check digits
        ("PL61 1090 1014 0000 0721 1981 2874", IBAN_CHECK),  # two digits swapped
        ("61 1090 1014 0000 0712 1981 2875", IBAN_CHECK),  # the same typo in an NRB
        (
            "PL61 1090 1014 0000 0712 1981 287",
            "A Polish bank account has 26 digits (optionally preceded by PL).",
        ),
        ("DE89 3704 0044 0532 0130 00", "A Polish bank account has 26 digits (optionally preceded by PL)."),
        (
            "PL61 1090 1014 0000 0712 1981 287A",
            "A Polish bank account has 26 digits (optionally preceded by PL).",
        ),
    ],
)
def test_iban_typos_get_their_message(value, message):
    with pytest.raises(ValueError) as excinfo:
        clean_bank_account(value)
    assert str(excinfo.value) == message


def test_computing_the_check_digits_gives_61():
    from stdnum import iban

    assert iban.calc_check_digits("PL00109010140000071219812874") == "61"


# --- as Django field validators and on the model ---------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "bad", "good"),
    [
        (validate_nip, "8567346216", "8567346215"),
        (validate_regon, "123456786", "123456785"),
        (validate_krs, "12345", "0000123456"),
        (validate_bank_account, "PL62109010140000071219812874", "PL61109010140000071219812874"),
    ],
)
def test_validators_raise_field_errors(validator, bad, good):
    validator(good)
    validator("")  # optional fields stay optional
    with pytest.raises(ValidationError) as excinfo:
        validator(bad)
    assert excinfo.value.code == "invalid"


@pytest.mark.django_db
def test_registration_with_a_mistyped_nip_is_a_field_error(stranger):
    from offers.services import organization_register
    from workflow.errors import InvalidData

    with pytest.raises(InvalidData) as excinfo:
        organization_register(
            user=stranger,
            name="Fundacja Test",
            legal_form="fundacja",
            krs="12345",
            nip="8567346216",
            regon="123456786",
            bank_account="PL62109010140000071219812874",
            street="ul. Długa 1",
            postal_code="00-001",
            city="Warszawa",
            email="f@example.org",
        )
    # every mistyped identifier is reported at once, each at its own field
    assert excinfo.value.errors == {
        "krs": ["A KRS number has exactly 10 digits, e.g. 0000123456."],
        "nip": [NIP_CHECK],
        "regon": [REGON_CHECK],
        "bank_account": [IBAN_CHECK],
    }
    from offers.models import Organization

    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_registration_stores_the_account_as_compact_iban(stranger):
    from offers.services import organization_register

    organization = organization_register(
        user=stranger,
        name="Fundacja Test",
        legal_form="fundacja",
        krs="0000123456",
        nip="8567346215",
        regon="123456785",
        bank_account="61 1090 1014 0000 0712 1981 2874",
        street="ul. Długa 1",
        postal_code="00-001",
        city="Warszawa",
        email="f@example.org",
    )
    organization.refresh_from_db()
    assert organization.bank_account == "PL61109010140000071219812874"


# --- generated identifiers (demo and tests) have valid check digits ----------------------------------------


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_identifiers_are_valid(seed):
    rng = random.Random(seed)
    assert clean_nip(generate_nip(rng))
    assert clean_regon(generate_regon(rng))
    assert clean_krs(generate_krs(rng))
    assert clean_bank_account(generate_bank_account(rng)).startswith("PL")
