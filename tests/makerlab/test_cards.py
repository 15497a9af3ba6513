import pytest
from django.core.exceptions import ValidationError

from makerlab.cards import card_number_make, card_number_normalise, luhn_check_digit, validate_card_number


@pytest.fixture(autouse=True)
def card_format(settings):
    settings.PATRON_CARD_LENGTH = 14
    settings.PATRON_CARD_PREFIX = "2"
    settings.PATRON_CARD_CHECK_DIGIT = True


def test_a_made_card_number_is_valid():
    number = card_number_make(1234)
    assert len(number) == 14
    assert number.startswith("2")
    validate_card_number(number)


def test_luhn_check_digit_matches_the_textbook_example():
    # 7992739871 is the textbook Luhn payload; its check digit is 3.
    assert luhn_check_digit("7992739871") == "3"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "digits"),
        ("2000000001234X", "digits"),
        ("abcdefghijklmn", "digits"),
        ("2000 0000 1234", "digits"),
        ("٢٠٠٠٠٠٠٠٠١٢٣٤٥", "digits"),  # Arabic-Indic digits are digits to Python, not to the library
        ("'; DROP TABLE makerlab_patron; --", "digits"),
        ("<script>alert(1)</script>", "digits"),
        ("2000000001234\x00", "digits"),
        ("2" * 500, "length"),
        ("200000000123", "length"),
        ("20000000012345", "check_digit"),
        ("30000000012347", "prefix"),
    ],
)
def test_bad_card_numbers_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as caught:
        validate_card_number(value)
    assert caught.value.code == code


def test_bad_check_digit_names_the_problem_in_plain_language():
    good = card_number_make(42)
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValidationError, match=r"not valid\. Check each digit"):
        validate_card_number(wrong)


def test_check_digit_and_prefix_can_be_turned_off(settings):
    settings.PATRON_CARD_CHECK_DIGIT = False
    settings.PATRON_CARD_PREFIX = ""
    settings.PATRON_CARD_LENGTH = 8
    validate_card_number("12345678")
    with pytest.raises(ValidationError) as refused:
        validate_card_number("1234567")
    assert refused.value.code == "length"


def test_spaces_and_dashes_typed_by_patrons_are_dropped_before_validation():
    number = card_number_make(77)
    spaced = f"{number[:4]} {number[4:9]}-{number[9:]}"
    assert card_number_normalise(spaced) == number
    validate_card_number(card_number_normalise(spaced))


def test_a_sequence_too_long_for_the_format_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        card_number_make(10**14)
