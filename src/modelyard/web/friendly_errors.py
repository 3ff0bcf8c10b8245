"""A pydantic validation error, as an admin reads it: in their language, naming the field.

Pydantic writes for developers ("Input should be a valid integer, unable to parse string as an
integer"). The domain's schemas stay the one place that decides what is valid; this only
rewords their verdict, by error type (``err_<type>`` labels) and field (``field_<name>``
labels, else the name itself). A type without a label keeps pydantic's words; a custom
validator's message (``value_error``) is the domain's own, translated when the table knows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic_core import ErrorDetails

from modelyard.web import locale_format
from modelyard.web.i18n import localize, texts

# Error types worded alike: the label key they share.
_SAME = {
    "int_type": "int_parsing",
    "int_from_float": "int_parsing",
    "float_type": "float_parsing",
    "decimal_type": "decimal_parsing",
    "string_type": "string_type",
    "bool_type": "bool_parsing",
    "enum": "literal_error",
    "url_type": "url_parsing",
    "too_short": "string_too_short",
    "too_long": "string_too_long",
    "datetime_from_date_parsing": "datetime_parsing",
    "date_from_datetime_parsing": "date_parsing",
}


def field_label(field: str, language: str) -> str:
    """The field's name as its form labels it (``field_<name>``), else the name with spaces."""
    said = texts(language)
    return said.get(f"field_{field}") or field.replace("_", " ").replace(".", " ")


def _value(value: Any, language: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    return locale_format.number(value, language)


def message(error: ErrorDetails, field: str, language: str) -> str:
    """One error's message for the page; ``field`` is the form field it belongs to."""
    said: Mapping[str, str] = texts(language)
    kind = error["type"]
    if kind == "value_error":
        custom = str(error.get("ctx", {}).get("error") or error["msg"])
        return localize(custom.removeprefix("Value error, "), language)
    template = said.get(f"err_{_SAME.get(kind, kind)}")
    if template is None:
        return error["msg"]
    context = _Known({n: _value(v, language) for n, v in (error.get("ctx") or {}).items()})
    context["field"] = field_label(field, language)
    return template.format_map(context)


class _Known(dict[str, str]):
    """A placeholder the error did not fill stays as it is written (never a KeyError)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
