"""The model lifecycle pages' labels in English and German (merged into ``i18n``'s tables)."""

from __future__ import annotations

EN: dict[str, str] = {}

DE: dict[str, str] = {}
