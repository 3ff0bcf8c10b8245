"""The model lifecycle pages' labels in English and German (merged into ``i18n``'s tables)."""

from __future__ import annotations

EN: dict[str, str] = {
    "lifecycle_title": "Deprecated and removed models",
    "lifecycle_link": "Deprecated and removed models",
    "lifecycle_intro": (
        "Pre-configured models whose catalog entry the provider deprecated or the catalog no "
        "longer lists. They keep working with their last known prices and capabilities; move "
        "what depends on them to the suggested successor before the provider retires them."
    ),
    "lifecycle_back": "Catalog updates",
    "lifecycle_none": "No model of this workspace uses a deprecated or removed catalog entry.",
    "lifecycle_model": "Model",
    "lifecycle_status": "Status",
    "lifecycle_deprecated": "deprecated",
    "lifecycle_removed": "removed from the catalog",
    "lifecycle_since": "since",
    "lifecycle_successor": "Suggested successor",
    "lifecycle_no_successor": "No successor is known: choose the model to move to.",
    "lifecycle_reason_named": "named by the catalog",
    "lifecycle_reason_same_line": "newest current model of the same line",
    "lifecycle_reason_similar_name": "closest current model of the provider",
    "lifecycle_not_set_up": "Not set up in this workspace yet.",
    "lifecycle_add_successor": "Add it from the catalog",
    "lifecycle_set_up_as": "Set up as",
    "lifecycle_dependents": "Depends on it",
    "lifecycle_nothing_depends": "Nothing depends on this model.",
    "lifecycle_dep_assistants": "Assistants",
    "lifecycle_dep_default_of_users": "Personal default of",
    "lifecycle_dep_fallback_of": "Fallback of",
    "lifecycle_dep_budgets": "Fallback of budgets",
    "lifecycle_dep_knowledge_collections": "Embeds knowledge collections",
    "lifecycle_move_to": "Move to",
    "lifecycle_review": "Review the move",
    "lifecycle_no_targets": "No other model of this kind to move to.",
    "lifecycle_moved": "Moved: every dependent of {model} now uses {target}.",
    "lifecycle_review_title": "Move what depends on {model}",
    "lifecycle_review_intro": (
        "These changes are made together when you confirm, or none of them. {model} itself "
        "stays as it is."
    ),
    "lifecycle_target": "Target",
    "lifecycle_change_kind": "What",
    "lifecycle_change_name": "Name",
    "lifecycle_change_action": "Change",
    "lifecycle_kind_assistant": "Assistant",
    "lifecycle_kind_user_default": "Personal default",
    "lifecycle_kind_fallback": "Fallback chain",
    "lifecycle_kind_budget_fallback": "Budget's fallback model",
    "lifecycle_kind_knowledge_collection": "Knowledge collection",
    "lifecycle_action_repoint": "uses {target} instead",
    "lifecycle_action_drop": (
        "link removed ({target} is already in the chain, or is the chain's model)"
    ),
    "lifecycle_action_keep": "not moved",
    "lifecycle_keep_note": (
        "its documents would need embedding anew: give it another embedding model on its "
        "knowledge page"
    ),
    "lifecycle_blocked": "Blocked",
    "lifecycle_no_changes": "Nothing depends on this model: there is nothing to move.",
    "lifecycle_blocked_notice": "The move is blocked until the marked rows are fixed.",
    "lifecycle_confirm": "Confirm the move",
    "lifecycle_cancel": "Back",
}

DE: dict[str, str] = {
    "lifecycle_title": "Veraltete und entfernte Modelle",
    "lifecycle_link": "Veraltete und entfernte Modelle",
    "lifecycle_intro": (
        "Vorkonfigurierte Modelle, deren Katalogeintrag der Anbieter als veraltet markiert hat "
        "oder den der Katalog nicht mehr führt. Sie funktionieren mit ihren zuletzt bekannten "
        "Preisen und Fähigkeiten weiter; stellen Sie um, was von ihnen abhängt, bevor der "
        "Anbieter sie abschaltet."
    ),
    "lifecycle_back": "Katalog-Aktualisierungen",
    "lifecycle_none": (
        "Kein Modell dieses Arbeitsbereichs nutzt einen veralteten oder entfernten Katalogeintrag."
    ),
    "lifecycle_model": "Modell",
    "lifecycle_status": "Status",
    "lifecycle_deprecated": "veraltet",
    "lifecycle_removed": "aus dem Katalog entfernt",
    "lifecycle_since": "seit",
    "lifecycle_successor": "Vorgeschlagener Nachfolger",
    "lifecycle_no_successor": "Kein Nachfolger bekannt: wählen Sie das Zielmodell.",
    "lifecycle_reason_named": "vom Katalog genannt",
    "lifecycle_reason_same_line": "neuestes aktuelles Modell derselben Reihe",
    "lifecycle_reason_similar_name": "ähnlichstes aktuelles Modell des Anbieters",
    "lifecycle_not_set_up": "In diesem Arbeitsbereich noch nicht eingerichtet.",
    "lifecycle_add_successor": "Aus dem Katalog hinzufügen",
    "lifecycle_set_up_as": "Eingerichtet als",
    "lifecycle_dependents": "Hängt davon ab",
    "lifecycle_nothing_depends": "Nichts hängt von diesem Modell ab.",
    "lifecycle_dep_assistants": "Assistenten",
    "lifecycle_dep_default_of_users": "Persönliches Standardmodell von",
    "lifecycle_dep_fallback_of": "Ausweichmodell von",
    "lifecycle_dep_budgets": "Ausweichmodell von Budgets",
    "lifecycle_dep_knowledge_collections": "Bettet Wissenssammlungen ein",
    "lifecycle_move_to": "Umstellen auf",
    "lifecycle_review": "Umstellung prüfen",
    "lifecycle_no_targets": "Kein anderes Modell dieser Art, auf das umgestellt werden kann.",
    "lifecycle_moved": "Umgestellt: alles, was von {model} abhing, nutzt jetzt {target}.",
    "lifecycle_review_title": "Umstellen, was von {model} abhängt",
    "lifecycle_review_intro": (
        "Diese Änderungen werden beim Bestätigen gemeinsam vorgenommen, oder keine davon. "
        "{model} selbst bleibt, wie es ist."
    ),
    "lifecycle_target": "Ziel",
    "lifecycle_change_kind": "Was",
    "lifecycle_change_name": "Name",
    "lifecycle_change_action": "Änderung",
    "lifecycle_kind_assistant": "Assistent",
    "lifecycle_kind_user_default": "Persönliches Standardmodell",
    "lifecycle_kind_fallback": "Ausweichkette",
    "lifecycle_kind_budget_fallback": "Ausweichmodell eines Budgets",
    "lifecycle_kind_knowledge_collection": "Wissenssammlung",
    "lifecycle_action_repoint": "nutzt stattdessen {target}",
    "lifecycle_action_drop": (
        "Verweis entfernt ({target} steht schon in der Kette oder ist das Modell der Kette)"
    ),
    "lifecycle_action_keep": "nicht umgestellt",
    "lifecycle_keep_note": (
        "seine Dokumente müssten neu eingebettet werden: wählen Sie auf seiner Wissensseite ein "
        "anderes Einbettungsmodell"
    ),
    "lifecycle_blocked": "Blockiert",
    "lifecycle_no_changes": "Nichts hängt von diesem Modell ab: es gibt nichts umzustellen.",
    "lifecycle_blocked_notice": (
        "Die Umstellung ist blockiert, bis die markierten Zeilen behoben sind."
    ),
    "lifecycle_confirm": "Umstellung bestätigen",
    "lifecycle_cancel": "Zurück",
}
