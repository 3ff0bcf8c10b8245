"""Every page in English and German: one string table, picked by ``user.language``.

The labels live in a module per feature (``admin_texts``, ``budget_texts``...), merged here. A
key missing in German falls back to English, so a new label can never break a page
(``tests/web/test_admin_german.py`` checks that none is missing).
"""

from __future__ import annotations

from collections.abc import Mapping

from modelyard.routing.snapshot import ModelConfig
from modelyard.web import (
    admin_texts,
    budget_texts,
    design_texts,
    lifecycle_texts,
    model_texts,
    sso_texts,
    user_texts,
    wizard_texts,
)

LANGUAGES = (("en", "English"), ("de", "Deutsch"))

_EN: dict[str, str] = {
    "nav_models": "My models",
    "nav_keys": "API keys",
    "nav_playground": "Playground",
    "sign_out": "Sign out",
    "skip": "Skip to content",
    "limits_degraded": (
        "Redis is unreachable from this server: until it answers again, each server enforces "
        "token limits alone, at its share of every limit (or refuses calls to limited "
        "deployments while it knows no share). See /readyz."
    ),
    "models_title": "Your models",
    "language": "Language",
    "language_saved": "Language saved.",
    "region": "Region",
    "call_as": "Call it as",
    "kind_completion": "Completion",
    "kind_image": "Image",
    "kind_embedding": "Embedding",
    "premium": "Premium",
    "maintenance": "Maintenance",
    "your_default": "Your default",
    "no_models": "No models are available to you yet. Ask a workspace admin to make one visible.",
    "default_title": "Your default model",
    "default_intro": "Calls that name no model, and the playground, use your default model.",
    "default_current": "Current default:",
    "default_none": "No default set.",
    "default_label": "Default model",
    "default_option_none": "No default",
    "default_save": "Save default",
    "default_saved": "Default model saved.",
    "default_not_offered": "Not offered as a default",
    "premium_why": (
        "Premium models cannot be a personal default: your workspace admins mark a model as "
        "premium when it should be chosen on purpose for a task (it usually costs more), not "
        "answer every call. You can still call it by name or pick it in the playground."
    ),
    "reason_premium_model": "premium model",
    "reason_maintenance": "in maintenance right now",
    "keys_title": "Your API keys",
    "keys_intro": (
        "Use a key with any OpenAI-compatible client or SDK. Base URL: {base}. Keys act as you: "
        "your models, your limits, your usage."
    ),
    "key_name": "Name",
    "key_name_hint": "So you recognise it later, e.g. the laptop or script that uses it.",
    "key_create": "Create API key",
    "key_created": "Your new API key",
    "key_once": (
        "Copy this key now and keep it somewhere safe: it is shown only this once. Modelyard "
        "stores only a fingerprint of it and cannot show it again."
    ),
    "key_copy": "Copy key",
    "key_copied": "Copied to the clipboard.",
    "key_copy_failed": "Copying failed: select the key and copy it by hand.",
    "key_prefix": "Key",
    "key_created_at": "Created",
    "key_status": "Status",
    "key_active": "Active",
    "key_revoked_at": "Revoked",
    "key_revoke": "Revoke",
    "key_revoked": "API key revoked: it no longer works.",
    "keys_none": "You have no API keys yet.",
    "unnamed": "(no name)",
    "playground_title": "Playground",
    "playground_intro": (
        "Try a model: your message goes through the gateway exactly like an API call, so "
        "your limits apply and the call appears in your usage."
    ),
    "playground_model": "Model",
    "playground_message": "Message",
    "playground_send": "Send",
    "playground_reset": "New conversation",
    "playground_you": "You",
    "playground_answering": "Answering…",
    "playground_done": "Answer complete.",
    "playground_failed": "The call failed:",
    "playground_none": "No completion model is available to you yet.",
    "playground_noscript": "The playground needs JavaScript to stream the answer.",
    "nav_groups": "Settings: Groups",
    "groups_title": "Groups",
    "groups_intro": (
        "Give models to teams, not model by model: a model restricted to groups can be used "
        "only by their members. Admins and owners are never restricted."
    ),
    "groups_list": "All groups",
    "groups_none": "No groups yet.",
    "groups_name": "Name",
    "groups_description": "Description",
    "groups_members": "Members",
    "groups_models": "Models",
    "groups_new": "New group",
    "groups_create": "Create group",
    "groups_details": "Name and description",
    "groups_save": "Save",
    "groups_back": "All groups",
    "groups_members_legend": "Users in this group",
    "groups_members_save": "Save members",
    "groups_no_users": "This workspace has no users yet.",
    "groups_models_legend": "Models this group may use",
    "groups_models_hint": (
        "Checking a model that is open to everyone restricts it to its groups: from then on only "
        "their members (and admins) can use it. A model unchecked here keeps its other groups."
    ),
    "groups_models_save": "Save models",
    "groups_no_models": "This workspace has no models yet.",
    "groups_everyone": "open to everyone",
    "groups_restricted_to": "restricted to:",
    "groups_no_group": "restricted, no group yet (admins only)",
    "groups_delete": "Delete group",
    "groups_delete_hint": (
        "Members lose the models they had only through this group. A model no group has any "
        "more is left to admins and owners until it is given to a group or opened to everyone."
    ),
    "groups_saved_created": "Group created.",
    "groups_saved_saved": "Group saved.",
    "groups_saved_members": "Members saved: the change applies to their next call.",
    "groups_saved_models": "Models saved: the change applies to the next call.",
    "groups_saved_deleted": "Group deleted.",
    "key_expires": "Expires",
    "key_expires_label": "Expires on (optional)",
    "key_expires_hint": (
        "The key works through this day and expires at its end, 23:59 UTC. Empty: it never expires."
    ),
    "key_expired": "Expired",
    "key_never": "never",
    "key_models": "Models",
    "key_models_label": "Models this key may call (optional)",
    "key_models_hint": "None ticked: every model you may use, now and later.",
    "key_models_none": "No models are available to you yet.",
    "key_all_models": "all",
    "key_model_gone": "no longer available to you",
    "key_last_used": "Last used",
    "key_last_used_hint": "Last used is updated within about a minute of a call.",
    "nav_audit": "Settings: Audit log",
    "audit_title": "Audit log",
    "audit_intro": (
        "Every change to this workspace's settings: who made it and when, what it changed and "
        "the names of the fields it set (never the values of secrets), with the request id."
    ),
    "audit_filters": "Filters",
    "audit_entries": "Entries",
    "audit_actor": "Actor",
    "audit_action": "Action",
    "audit_target_type": "Target type",
    "audit_from": "From (UTC, inclusive)",
    "audit_to": "To (UTC, inclusive)",
    "audit_any": "Any",
    "audit_show": "Show",
    "audit_reset": "Clear filters",
    "audit_time": "Time (UTC)",
    "audit_target": "Target",
    "audit_fields": "Fields",
    "audit_request": "Request id",
    "audit_system": "System",
    "audit_scim": "Identity provider (SCIM)",
    "audit_deleted_user": "deleted user",
    "audit_none": "No entries match these filters.",
    "audit_older": "Older entries",
    "audit_newest": "Newest entries",
    "audit_csv": "Download CSV (every matching entry)",
}

_DE: dict[str, str] = {
    "limits_degraded": (
        "Redis ist von diesem Server aus nicht erreichbar: Bis es wieder antwortet, setzt jeder "
        "Server die Token-Limits allein durch, mit seinem Anteil an jedem Limit (oder lehnt "
        "Aufrufe limitierter Deployments ab, solange er keinen Anteil kennt). Siehe /readyz."
    ),
    "nav_models": "Meine Modelle",
    "nav_keys": "API-Schlüssel",
    "nav_playground": "Playground",
    "sign_out": "Abmelden",
    "skip": "Zum Inhalt springen",
    "models_title": "Ihre Modelle",
    "language": "Sprache",
    "language_saved": "Sprache gespeichert.",
    "region": "Region",
    "call_as": "Aufruf als",
    "kind_completion": "Text",
    "kind_image": "Bild",
    "kind_embedding": "Embedding",
    "premium": "Premium",
    "maintenance": "Wartung",
    "your_default": "Ihr Standard",
    "no_models": (
        "Ihnen stehen noch keine Modelle zur Verfügung. Bitten Sie eine Administratorin oder "
        "einen Administrator, eines sichtbar zu machen."
    ),
    "default_title": "Ihr Standardmodell",
    "default_intro": ("Aufrufe ohne Modellangabe und der Playground verwenden Ihr Standardmodell."),
    "default_current": "Aktuelles Standardmodell:",
    "default_none": "Kein Standardmodell festgelegt.",
    "default_label": "Standardmodell",
    "default_option_none": "Kein Standardmodell",
    "default_save": "Standard speichern",
    "default_saved": "Standardmodell gespeichert.",
    "default_not_offered": "Nicht als Standard wählbar",
    "premium_why": (
        "Premium-Modelle können kein persönliches Standardmodell sein: Ihre Administration "
        "kennzeichnet ein Modell als Premium, wenn es gezielt für eine Aufgabe gewählt werden "
        "soll (es kostet meist mehr) und nicht jeden Aufruf beantworten soll. Sie können es "
        "weiterhin mit Namen aufrufen oder im Playground wählen."
    ),
    "reason_premium_model": "Premium-Modell",
    "reason_maintenance": "gerade in Wartung",
    "keys_title": "Ihre API-Schlüssel",
    "keys_intro": (
        "Verwenden Sie einen Schlüssel mit jedem OpenAI-kompatiblen Client oder SDK. Basis-URL: "
        "{base}. Schlüssel handeln in Ihrem Namen: Ihre Modelle, Ihre Limits, Ihre Nutzung."
    ),
    "key_name": "Name",
    "key_name_hint": "Damit Sie ihn später wiedererkennen, z. B. der Laptop oder das Skript.",
    "key_create": "API-Schlüssel erstellen",
    "key_created": "Ihr neuer API-Schlüssel",
    "key_once": (
        "Kopieren Sie den Schlüssel jetzt und bewahren Sie ihn sicher auf: Er wird nur dieses "
        "eine Mal angezeigt. Modelyard speichert nur einen Fingerabdruck und kann ihn nicht "
        "erneut anzeigen."
    ),
    "key_copy": "Schlüssel kopieren",
    "key_copied": "In die Zwischenablage kopiert.",
    "key_copy_failed": "Kopieren fehlgeschlagen: Markieren und kopieren Sie den Schlüssel selbst.",
    "key_prefix": "Schlüssel",
    "key_created_at": "Erstellt",
    "key_status": "Status",
    "key_active": "Aktiv",
    "key_revoked_at": "Widerrufen",
    "key_revoke": "Widerrufen",
    "key_revoked": "API-Schlüssel widerrufen: Er funktioniert nicht mehr.",
    "keys_none": "Sie haben noch keine API-Schlüssel.",
    "unnamed": "(ohne Namen)",
    "playground_title": "Playground",
    "playground_intro": (
        "Probieren Sie ein Modell aus: Ihre Nachricht läuft wie ein API-Aufruf durch das "
        "Gateway, Ihre Limits gelten und der Aufruf erscheint in Ihrer Nutzung."
    ),
    "playground_model": "Modell",
    "playground_message": "Nachricht",
    "playground_send": "Senden",
    "playground_reset": "Neues Gespräch",
    "playground_you": "Sie",
    "playground_answering": "Antwortet…",
    "playground_done": "Antwort vollständig.",
    "playground_failed": "Der Aufruf ist fehlgeschlagen:",
    "playground_none": "Ihnen steht noch kein Textmodell zur Verfügung.",
    "playground_noscript": "Der Playground benötigt JavaScript, um die Antwort zu streamen.",
    "nav_groups": "Einstellungen: Gruppen",
    "groups_title": "Gruppen",
    "groups_intro": (
        "Modelle an Teams vergeben statt Modell für Modell: Ein auf Gruppen beschränktes Modell "
        "können nur deren Mitglieder verwenden. Admins und Owner sind nie beschränkt."
    ),
    "groups_list": "Alle Gruppen",
    "groups_none": "Noch keine Gruppen.",
    "groups_name": "Name",
    "groups_description": "Beschreibung",
    "groups_members": "Mitglieder",
    "groups_models": "Modelle",
    "groups_new": "Neue Gruppe",
    "groups_create": "Gruppe erstellen",
    "groups_details": "Name und Beschreibung",
    "groups_save": "Speichern",
    "groups_back": "Alle Gruppen",
    "groups_members_legend": "Personen in dieser Gruppe",
    "groups_members_save": "Mitglieder speichern",
    "groups_no_users": "Dieser Workspace hat noch keine Personen.",
    "groups_models_legend": "Modelle, die diese Gruppe verwenden darf",
    "groups_models_hint": (
        "Wird ein für alle freigegebenes Modell angekreuzt, ist es danach auf seine Gruppen "
        "beschränkt: Nur deren Mitglieder (und Admins) können es dann verwenden. Ein hier "
        "abgewähltes Modell behält seine anderen Gruppen."
    ),
    "groups_models_save": "Modelle speichern",
    "groups_no_models": "Dieser Workspace hat noch keine Modelle.",
    "groups_everyone": "für alle freigegeben",
    "groups_restricted_to": "beschränkt auf:",
    "groups_no_group": "beschränkt, noch keine Gruppe (nur Admins)",
    "groups_delete": "Gruppe löschen",
    "groups_delete_hint": (
        "Mitglieder verlieren die Modelle, die sie nur über diese Gruppe hatten. Ein Modell, das "
        "keine Gruppe mehr hat, bleibt Admins und Ownern vorbehalten, bis es einer Gruppe "
        "gegeben oder für alle freigegeben wird."
    ),
    "groups_saved_created": "Gruppe erstellt.",
    "groups_saved_saved": "Gruppe gespeichert.",
    "groups_saved_members": "Mitglieder gespeichert: Die Änderung gilt ab dem nächsten Aufruf.",
    "groups_saved_models": "Modelle gespeichert: Die Änderung gilt ab dem nächsten Aufruf.",
    "groups_saved_deleted": "Gruppe gelöscht.",
    "key_expires": "Läuft ab",
    "key_expires_label": "Läuft ab am (optional)",
    "key_expires_hint": (
        "Der Schlüssel gilt bis einschließlich dieses Tages und läuft an dessen Ende ab, "
        "23:59 UTC. Leer: Er läuft nie ab."
    ),
    "key_expired": "Abgelaufen",
    "key_never": "nie",
    "key_models": "Modelle",
    "key_models_label": "Modelle, die dieser Schlüssel aufrufen darf (optional)",
    "key_models_hint": (
        "Keines angekreuzt: alle Modelle, die Sie verwenden dürfen, jetzt und später."
    ),
    "key_models_none": "Ihnen stehen noch keine Modelle zur Verfügung.",
    "key_all_models": "alle",
    "key_model_gone": "für Sie nicht mehr verfügbar",
    "key_last_used": "Zuletzt verwendet",
    "key_last_used_hint": (
        "„Zuletzt verwendet“ wird etwa eine Minute nach einem Aufruf aktualisiert."
    ),
    "nav_audit": "Einstellungen: Audit-Log",
    "audit_title": "Audit-Log",
    "audit_intro": (
        "Jede Änderung an den Einstellungen dieses Workspaces: wer sie wann gemacht hat, was "
        "sie geändert hat und die Namen der gesetzten Felder (nie die Werte von Geheimnissen), "
        "mit der Request-ID."
    ),
    "audit_filters": "Filter",
    "audit_entries": "Einträge",
    "audit_actor": "Person",
    "audit_action": "Aktion",
    "audit_target_type": "Zieltyp",
    "audit_from": "Von (UTC, einschließlich)",
    "audit_to": "Bis (UTC, einschließlich)",
    "audit_any": "Alle",
    "audit_show": "Anzeigen",
    "audit_reset": "Filter zurücksetzen",
    "audit_time": "Zeit (UTC)",
    "audit_target": "Ziel",
    "audit_fields": "Felder",
    "audit_request": "Request-ID",
    "audit_system": "System",
    "audit_scim": "Identitätsanbieter (SCIM)",
    "audit_deleted_user": "gelöschte Person",
    "audit_none": "Keine Einträge passen zu diesen Filtern.",
    "audit_older": "Ältere Einträge",
    "audit_newest": "Neueste Einträge",
    "audit_csv": "CSV herunterladen (alle passenden Einträge)",
}

_EN |= budget_texts.EN  # the budget pages keep their labels in their own module
_DE |= budget_texts.DE
_EN |= user_texts.EN | sso_texts.EN  # so do the users, invite and single sign-on pages
_DE |= user_texts.DE | sso_texts.DE
for _module in (admin_texts, design_texts, lifecycle_texts, model_texts, wizard_texts):
    _EN |= _module.EN  # each feature's labels in a module of its own
    _DE |= _module.DE

_TABLES: dict[str, Mapping[str, str]] = {"en": _EN, "de": {**_EN, **_DE}}
# A fixed English message (a domain error, a warning) -> its label key, for :func:`localize`.
_KEY_OF: dict[str, str] = {}
for _key, _text in _EN.items():
    _KEY_OF.setdefault(_text, _key)


def texts(language: str) -> Mapping[str, str]:
    """The labels for ``language`` (English for any language we do not have)."""
    return _TABLES.get(language, _EN)


def localize(message: str, language: str) -> str:
    """``message`` in ``language`` when it is one of the table's English texts word for word
    (what the domain layer says in English, such as a model's warnings), else as it is."""
    key = _KEY_OF.get(message)
    return texts(language)[key] if key is not None else message


def description(model: ModelConfig, language: str) -> str:
    """The model's description in ``language``, else the English one, else nothing."""
    localized = model.description_de if language == "de" else None
    return localized or model.description_en or ""
