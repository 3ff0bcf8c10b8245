"""CSV cells that a spreadsheet shows as text, never runs as a formula (CSV injection).

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before looking) is a formula to Excel, LibreOffice and Google Sheets; a leading
``'`` makes it text. Any export with text someone else typed (names, descriptions) goes through
``safe_cell``.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, with a leading ``'`` when it is text that would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: list[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]
