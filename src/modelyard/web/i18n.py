"""The members' pages in English and German: one string table, picked by ``user.language``.

Only the pages members use are translated (the admin settings stay English, as the product
document writes them). A key missing in German falls back to English, so a new label can never
break a page.
"""

from __future__ import annotations

from collections.abc import Mapping

from modelyard.routing.snapshot import ModelConfig

LANGUAGES = (("en", "English"), ("de", "Deutsch"))

_EN: dict[str, str] = {
    "nav_models": "My models",
    "nav_keys": "API keys",
    "nav_playground": "Playground",
    "sign_out": "Sign out",
    "skip": "Skip to content",
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
}

_DE: dict[str, str] = {
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
}

_TABLES: dict[str, Mapping[str, str]] = {"en": _EN, "de": {**_EN, **_DE}}


def texts(language: str) -> Mapping[str, str]:
    """The labels for ``language`` (English for any language we do not have)."""
    return _TABLES.get(language, _EN)


def description(model: ModelConfig, language: str) -> str:
    """The model's description in ``language``, else the English one, else nothing."""
    localized = model.description_de if language == "de" else None
    return localized or model.description_en or ""
