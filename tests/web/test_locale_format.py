"""The one rule every admin form reads decimals by, and the locale formats pages write in."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from modelyard.web import locale_format
from modelyard.web.i18n import texts
from modelyard.web.locale_format import DecimalUnreadable, parse_decimal, read_decimals


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("0,7", "de", "0.7"),
        ("1.234,5", "de", "1234.5"),
        ("1.234.567,25", "de", "1234567.25"),
        ("1.234.567", "de", "1234567"),
        ("0.7", "de", "0.7"),  # a point that cannot group thousands is a decimal point
        ("1,234.5", "de", "1234.5"),  # both signs: the last one is the decimal sign
        ("-0,5", "de", "-0.5"),
        (" 12 345,5 ", "de", "12345.5"),
        ("0.7", "en", "0.7"),
        ("1,234.5", "en", "1234.5"),
        ("0,7", "en", "0.7"),
        ("1.234,5", "en", "1234.5"),
        ("42", "en", "42"),
        (",5", "de", "0.5"),
    ],
)
def test_readable_decimals(text: str, language: str, expected: str) -> None:
    assert parse_decimal(text, language) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "language"),
    [("1.234", "de"), ("1,234", "en"), ("-12.500", "de"), ("12,500", "en")],
)
def test_the_thousands_sign_alone_is_ambiguous(text: str, language: str) -> None:
    """A thousand and more by the page's notation, or just over one by the other's?"""
    with pytest.raises(DecimalUnreadable) as refused:
        parse_decimal(text, language)
    assert refused.value.hint == "number_ambiguous"


def test_the_pages_own_decimal_sign_is_read_as_written() -> None:
    assert parse_decimal("1,234", "de") == Decimal("1.234")
    assert parse_decimal("1.234", "en") == Decimal("1.234")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("1.23.4", "number_grouping"),
        ("1,2,3", "number_grouping"),
        ("ten", "number_invalid"),
        ("1e5", "number_invalid"),
        ("5,", "number_invalid"),
        ("NaN", "number_invalid"),
        ("", "number_invalid"),
    ],
)
@pytest.mark.parametrize("language", ["de", "en"])
def test_never_silently_misread(text: str, hint: str, language: str) -> None:
    with pytest.raises(DecimalUnreadable) as refused:
        parse_decimal(text, language)
    assert refused.value.hint == hint


def test_form_values_are_rewritten_and_refusals_explained() -> None:
    values = {"amount_usd": "1.234,5", "threshold": "1.234", "name": "Acme"}
    read, errors = read_decimals(values, ("amount_usd", "threshold"), "de", texts("de"))
    assert read["amount_usd"] == "1234.5" and read["name"] == "Acme"
    assert errors == {
        "threshold": "„1.234“ lässt sich zweifach lesen: Schreiben Sie 1234 für die ganze Zahl "
        "oder 1,234 für die Dezimalzahl."
    }
    _, errors = read_decimals({"x": "ten"}, ("x",), "en", texts("en"))
    assert errors == {"x": "“ten” is not a decimal number: write it like 0.7."}


def test_numbers_money_and_dates_in_each_locale() -> None:
    assert locale_format.number(Decimal("12345.5"), "de") == "12.345,5"
    assert locale_format.number(Decimal("12345.5"), "en") == "12,345.5"
    assert locale_format.number(1072, "en") == "1072"  # grouped from five digits on
    assert locale_format.usd(Decimal("0.000042"), "de") == "0,000042\xa0$"
    assert locale_format.usd(Decimal("0.000042"), "en") == "$0.000042"
    assert locale_format.usd(Decimal("12345.5"), "de") == "12.345,5\xa0$"
    assert locale_format.usd(Decimal(0), "en") == "$0"
    moment = datetime(2026, 12, 8, 15, 4, tzinfo=UTC)
    assert locale_format.when(moment, "de") == "08.12.2026, 15:04:00"
    assert locale_format.when(moment, "en").startswith("Dec 8, 2026")
    assert locale_format.day("2026-12-08", "de") == "08.12.2026"
