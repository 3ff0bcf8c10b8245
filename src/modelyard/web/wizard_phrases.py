"""The English words the wizard's field lists (``wizard.forms``) and setting rows are written
in, with their German: ``wizard_texts`` adds them to the string table, so ``i18n.localize`` (the
``localized`` filter) translates them like the domain's fixed messages."""

from __future__ import annotations

# The field lists' and setting rows' English words, with their German.
PHRASES: tuple[tuple[str, str], ...] = (
    ("API version", "API-Version"),
    ("Advanced", "Erweitert"),
    ("All image models can generate images.", "Alle Bildmodelle können Bilder erzeugen."),
    ("Always show reasoning", "Denkprozess immer anzeigen"),
    ("Available in assistants", "In Assistenten verfügbar"),
    ("Azure OpenAI only.", "Nur Azure OpenAI."),
    ("Base URL", "Basis-URL"),
    ("Cache read token price", "Preis für Cache-Lese-Tokens"),
    ("Cache write token price", "Preis für Cache-Schreib-Tokens"),
    ("Called as", "Aufruf als"),
    ("Canvas", "Canvas"),
    ("Capabilities", "Fähigkeiten"),
    ("Configure", "Konfiguration"),
    ("Context window", "Kontextfenster"),
    ("Context window size", "Größe des Kontextfensters"),
    ("Description", "Beschreibung"),
    ("Description (DE)", "Beschreibung (DE)"),
    ("Description (EN)", "Beschreibung (EN)"),
    ("Display name", "Anzeigename"),
    ("E.g. 3.", "Z. B. 3."),
    ("Embedding dimensions", "Embedding-Dimensionen"),
    ("Encrypted at rest; never shown again.", "Verschlüsselt gespeichert; nie wieder angezeigt."),
    (
        "For models that produce reasoning output (e.g. o3).",
        "Für Modelle, die einen Denkprozess ausgeben (z. B. o3).",
    ),
    ("General", "Allgemein"),
    ("Image analysis", "Bildanalyse"),
    ("Image editing", "Bildbearbeitung"),
    ("Image generation", "Bilderzeugung"),
    ("In tokens.", "In Tokens."),
    ("Input token price", "Preis für Eingabe-Tokens"),
    (
        "Keep it off while you test the model.",
        "Lassen Sie es aus, solange Sie das Modell testen.",
    ),
    ("Key name", "Name des Schlüssels"),
    ("Key provider", "Anbieter des Schlüssels"),
    ("Maintenance mode", "Wartungsmodus"),
    ("Max images per user", "Max. Bilder pro Nutzer"),
    ("Max output tokens", "Max. Ausgabe-Tokens"),
    (
        "Minimum similarity score (0.1-1) of matches; 0.5 when empty.",
        "Mindest-Ähnlichkeit (0,1 bis 1) der Treffer; 0,5, wenn leer.",
    ),
    ("Model name", "Modellname"),
    ("Name", "Name"),
    (
        "Only such models can back an assistant.",
        "Nur solche Modelle können einen Assistenten antreiben.",
    ),
    ("Optional.", "Optional."),
    (
        "Optional: how many images one user may generate per time window (e.g. 50).",
        "Optional: wie viele Bilder ein Nutzer pro Zeitfenster erzeugen darf (z. B. 50).",
    ),
    (
        "Optional; empty means the provider's public endpoint.",
        "Optional; leer bedeutet den öffentlichen Endpunkt des Anbieters.",
    ),
    (
        "Optional; the provider model name when empty.",
        "Optional; wenn leer, der Modellname des Anbieters.",
    ),
    ("Organization", "Organisation"),
    ("Output token price", "Preis für Ausgabe-Tokens"),
    (
        "Pauses usage without removing the model.",
        "Pausiert die Nutzung, ohne das Modell zu entfernen.",
    ),
    ("Premium", "Premium"),
    ("Premium model", "Premium-Modell"),
    ("Price per image", "Preis pro Bild"),
    ("Pricing", "Preise"),
    ("Provider", "Anbieter"),
    ("Provider model name", "Modellname beim Anbieter"),
    ("Region", "Region"),
    ("Rollout", "Bereitstellung"),
    ("Secret", "Geheimnis"),
    ("Set up", "Einrichtung"),
    ("Supports temperature", "Unterstützt Temperatur"),
    ("Supports tools", "Unterstützt Tools"),
    ("The model accepts images as input.", "Das Modell nimmt Bilder als Eingabe an."),
    ("The model can edit existing images.", "Das Modell kann vorhandene Bilder bearbeiten."),
    (
        "The model identifier used by your provider.",
        "Die Modellkennung, die Ihr Anbieter verwendet.",
    ),
    (
        "The model may create documents with the canvas tool.",
        "Das Modell darf mit dem Canvas-Werkzeug Dokumente erstellen.",
    ),
    ("The model supports tool calling.", "Das Modell unterstützt Tool-Aufrufe."),
    (
        "The most tokens the model can generate per response.",
        "Die meisten Tokens, die das Modell pro Antwort erzeugen kann.",
    ),
    ("The name shown to users.", "Der Name, den Nutzer sehen."),
    ("The organization that built the model.", "Die Organisation, die das Modell entwickelt hat."),
    ("Time window (hours)", "Zeitfenster (Stunden)"),
    ("USD per 1M tokens", "USD pro 1 Mio. Tokens"),
    ("USD per image.", "USD pro Bild."),
    (
        "Use OpenAI's Responses API instead of Chat Completions.",
        "OpenAIs Responses-API statt Chat Completions verwenden.",
    ),
    ("Use Responses API", "Responses-API verwenden"),
    (
        "Users cannot set it as their personal default.",
        "Nutzer können es nicht als persönlichen Standard festlegen.",
    ),
    ("Vector similarity threshold", "Schwellenwert der Vektorähnlichkeit"),
    ("Visibility", "Sichtbarkeit"),
    ("Visible to users", "Für Nutzer sichtbar"),
    (
        "When off, temperature is not sent to the model.",
        "Wenn aus, wird die Temperatur nicht an das Modell gesendet.",
    ),
    (
        "Where the model is hosted; shown to users.",
        "Wo das Modell gehostet wird; wird Nutzern angezeigt.",
    ),
    ("Who serves the calls with this key.", "Wer die Aufrufe mit diesem Schlüssel bedient."),
    (
        "The last live test of this model failed, so it cannot be made visible yet. Fix what "
        "the test found and run it again, or publish it anyway with a reason (recorded in the "
        "audit log).",
        "Der letzte Live-Test dieses Modells ist fehlgeschlagen, daher kann es noch nicht "
        "sichtbar gemacht werden. Beheben Sie, was der Test gefunden hat, und testen Sie erneut, "
        "oder veröffentlichen Sie es trotzdem mit einer Begründung (im Audit-Protokoll "
        "festgehalten).",
    ),
)
