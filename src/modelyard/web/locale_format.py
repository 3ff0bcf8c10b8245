"""Numbers, money and dates in the reader's language, and decimals read back from forms.

Formatting is Babel's (CLDR data): German writes ``1.234,5`` and ``08.12.2026, 03:25``,
English ``1,234.5`` and ``Dec 8, 2026, 3:25 AM``. Templates use the filters in :data:`FILTERS`
(registered in ``pages``), which take the language from the page's signed-in user.

Reading: :func:`parse_decimal` is the one rule every form of the admin UI uses before the domain
validates a decimal (prices, budget amounts, thresholds, temperature): the language's own
notation is read as it is written (German ``0,7``, ``1.234,5``; English ``0.7``, ``1,234.5``),
and the other notation too when it cannot mean anything else (``0.7`` typed on a German page).
What could be read two ways is refused with a message that says how to write it: the
language's thousands sign alone before three digits (``1.234`` on a German page, ``1,234`` on an
English one: a thousand and more, or just over one?). Never silently misread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import dates, numbers
from jinja2 import pass_context
from jinja2.runtime import Context

from modelyard.errors import InvalidInput
from modelyard.web.i18n import localize

LOCALES = {"en": "en_US", "de": "de_DE"}
_MONEY = {"en": "¤#,##0.###", "de": "#,##0.###\u00a0¤"}  # exact digits, none added
_NUMBER = re.compile(r"[+-]?[0-9.,]+")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")


def locale_of(language: str) -> str:
    return LOCALES.get(language, LOCALES["en"])


# Thousands are grouped from five digits on (``1072``, ``12,345`` / ``12.345``), as DIN 5008
# and most English style guides write them.
_GROUP_FROM = 10_000


def number(value: Decimal | float | int | None, language: str) -> str:
    """With every decimal it has (``1234,5`` / ``12,345.5``); empty for None."""
    if value is None:
        return ""
    return numbers.format_decimal(
        value,
        locale=locale_of(language),
        decimal_quantization=False,
        group_separator=abs(float(value)) >= _GROUP_FROM,
    )


def usd(value: Decimal | float | int | None, language: str) -> str:
    """Dollars with every stored digit (``$0.000042``, ``1.234,5 $``): costs are exact."""
    if value is None:
        return ""
    pattern = _MONEY.get(language, _MONEY["en"])
    return numbers.format_currency(
        value,
        "USD",
        pattern,
        locale=locale_of(language),
        currency_digits=False,
        decimal_quantization=False,
        group_separator=abs(float(value)) >= _GROUP_FROM,
    )


def when(value: datetime | None, language: str) -> str:
    """An instant, in UTC (the admin pages' clock), at medium length."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return dates.format_datetime(aware, "medium", tzinfo=UTC, locale=locale_of(language))


def day(value: date | datetime | str | None, language: str) -> str:
    """A calendar day (``08.12.2026`` / ``Dec 8, 2026``); ISO text is accepted too."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date() if value.tzinfo else value.date()
    return dates.format_date(value, "medium", locale=locale_of(language))


# -- reading decimals -----------------------------------------------------------------------


class DecimalUnreadable(ValueError):
    """The text is no number, or could be read two ways; ``hint`` is the message key."""

    def __init__(self, hint: str, example: str = "") -> None:
        super().__init__(hint)
        self.hint = hint
        self.example = example


def _grouped(integer: str, group: str) -> str:
    """``1.234.567`` with ``group`` = ".": the digits, when every group has three."""
    head, *rest = integer.split(group)
    if not head.lstrip("+-") or len(head.lstrip("+-")) > 3 or any(len(p) != 3 for p in rest):
        raise DecimalUnreadable("number_grouping")
    return head + "".join(rest)


def parse_decimal(text: str, language: str) -> Decimal:
    """The decimal ``text`` means on a page in ``language`` (see the module's docstring)."""
    compact = text.strip().translate(_SPACES)
    if not _NUMBER.fullmatch(compact) or not any(c.isdigit() for c in compact):
        raise DecimalUnreadable("number_invalid")
    mine = numbers.get_decimal_symbol(locale_of(language))
    present = [sign for sign in (",", ".") if sign in compact]
    if len(present) == 2:  # the last one is the decimal sign, the other groups thousands
        point = "," if compact.rfind(",") > compact.rfind(".") else "."
        group = "." if point == "," else ","
        integer, _, fraction = compact.rpartition(point)
        if not fraction.isdigit():
            raise DecimalUnreadable("number_invalid")
        canonical = f"{_grouped(integer, group)}.{fraction}"
    elif present:
        sign = present[0]
        integer, _, fraction = compact.partition(sign)
        if compact.count(sign) > 1:
            canonical = _grouped(compact, sign)
        elif sign == mine or len(fraction) != 3:
            if not fraction.isdigit():
                raise DecimalUnreadable("number_invalid")
            canonical = f"{integer or '0'}.{fraction}"
        else:  # "1.234" on a German page, "1,234" on an English one... or the other way?
            raise DecimalUnreadable("number_ambiguous", example=compact)
    else:
        canonical = compact
    try:
        return Decimal(canonical)
    except InvalidOperation:
        raise DecimalUnreadable("number_invalid") from None


def read_decimals(
    values: Mapping[str, str],
    names: Iterable[str],
    language: str,
    said: Mapping[str, str],
) -> tuple[dict[str, str], dict[str, str]]:
    """``values`` with each decimal field of ``names`` rewritten as the domain reads decimals
    (``"0.7"``), and the messages of those that could not be read, by field name."""
    out, errors = dict(values), {}
    for name in names:
        raw = values.get(name)
        if raw is None or not str(raw).strip():
            continue
        try:
            out[name] = str(parse_decimal(str(raw), language))
        except DecimalUnreadable as exc:
            errors[name] = decimal_message(exc, raw, language, said)
    return out, errors


def decimal_message(
    exc: DecimalUnreadable, raw: str, language: str, said: Mapping[str, str]
) -> str:
    """What to write instead, in the reader's words."""
    example = exc.example or raw.strip()
    if exc.hint == "number_ambiguous":
        whole = example.replace(",", "").replace(".", "")
        point = numbers.get_decimal_symbol(locale_of(language))
        fraction = example.replace(",", point).replace(".", point)
        return said["number_ambiguous"].format(value=example, whole=whole, fraction=fraction)
    sample = "0,7" if language == "de" else "0.7"
    return said[exc.hint].format(value=example, example=sample)


def require_decimal(text: str, field: str, language: str, said: Mapping[str, str]) -> Decimal:
    """:func:`parse_decimal` for a single field, as the ``InvalidInput`` pages show."""
    try:
        return parse_decimal(text, language)
    except DecimalUnreadable as exc:
        raise InvalidInput(decimal_message(exc, text, language, said), param=field) from None


# -- Jinja filters --------------------------------------------------------------------------


def _language(context: Context) -> str:
    user = context.get("user")
    language = getattr(user, "language", None) or context.get("language")
    return language if isinstance(language, str) else "en"


def _filter(format_: Callable[[Any, str], str]) -> Callable[..., str]:
    @pass_context
    def apply(context: Context, value: Any) -> str:
        return format_(value, _language(context))

    return apply


FILTERS: dict[str, Callable[..., str]] = {
    "number": _filter(number),
    "usd": _filter(usd),
    "when": _filter(when),
    "day": _filter(day),
    "localized": _filter(localize),  # a fixed English message of the domain, translated
}
