"""The navigation's and the layout's labels in English and German (merged into ``i18n``)."""

from __future__ import annotations

EN: dict[str, str] = {}

DE: dict[str, str] = {}
