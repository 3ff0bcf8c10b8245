"""The model page's labels in English and German (merged into ``i18n``'s tables)."""

from __future__ import annotations

EN: dict[str, str] = {
    "md_back": "← All models",
    "md_state": "State",
    "md_warnings": "Warnings",
    "md_sections": "Sections of this page",
    "md_status": "Status",
    "md_rollout": "Rollout",
    "md_settings": "Settings",
    "md_deployments": "Deployments",
    "md_fallbacks": "Fallbacks",
    "md_delete": "Delete",
    # status
    "md_usage": "Calls, tokens and cost",
    "md_period": "Period",
    "md_last_24h": "Last 24 hours",
    "md_last_30d": "Last 30 days",
    "md_calls": "Calls",
    "md_errors": "Errors",
    "md_input_tokens": "Input tokens",
    "md_output_tokens": "Output tokens",
    "md_images": "Images",
    "md_cost": "Cost",
    "md_usage_link": "Open Usage for details",
    "md_catalog": "Catalog",
    "md_catalog_from": "Pre-configured from the catalog entry {entry} ({id}).",
    "md_catalog_current": "Current",
    "md_catalog_deprecated": "Deprecated by the provider",
    "md_catalog_gone": "No longer in the catalog",
    "md_catalog_manual": "Set up manually: not linked to a catalog entry, its settings are yours.",
    "md_released": "released",
    "md_price_history": "Price history",
    "md_since": "Since",
    "md_source": "Source",
    "md_source_created": "Created",
    "md_source_admin": "Changed by an admin",
    "md_source_catalog": "Catalog update",
    "md_input_price": "Input (USD / 1M tokens)",
    "md_output_price": "Output (USD / 1M tokens)",
    "md_image_price": "Per image (USD)",
    "md_all_prices": "All prices ({count})",
    # rollout
    "md_rollout_legend": "How members get this model",
    "md_flag_visible": "Visible to users",
    "md_flag_visible_hint": "Keep it off while you test the model; members see it once it is on.",
    "md_flag_available_in_assistants": "Available in assistants",
    "md_flag_available_in_assistants_hint": "Members may build assistants on this model.",
    "md_flag_premium": "Premium",
    "md_flag_premium_hint": "Chosen on purpose for a task: members cannot make it their default.",
    "md_flag_maintenance": "Maintenance",
    "md_flag_maintenance_hint": "Pauses every call to the model without removing it.",
    "md_save_rollout": "Save rollout",
    # settings
    "md_general": "General",
    "md_configure": "Configure",
    "md_pricing": "Pricing",
    "md_capabilities": "Capabilities",
    "md_from_catalog": "from the catalog",
    "md_preconfigured_hint": (
        "Pre-configured: provider, limits, prices and capabilities follow the catalog entry "
        "and cannot be changed here."
    ),
    "md_f_display_name": "Display name",
    "md_f_slug": "Model name for API calls (slug)",
    "md_f_slug_hint": (
        'What callers send as "model". Changing it breaks callers using the old name.'
    ),
    "md_f_provider": "Provider",
    "md_f_provider_model_name": "Provider model name",
    "md_f_provider_model_name_hint": "The model's identifier at the provider.",
    "md_f_region": "Region",
    "md_f_region_hint": "Where the model is hosted; shown to users as EU, US or Global.",
    "md_f_description_en": "Description (English)",
    "md_f_description_en_hint": "Optional, at most 150 characters.",
    "md_f_description_de": "Description (German)",
    "md_f_description_de_hint": "Optional, at most 150 characters.",
    "md_f_context_window": "Context window (tokens)",
    "md_f_max_output_tokens": "Max output tokens",
    "md_f_embedding_dimensions": "Embedding dimensions",
    "md_f_similarity_threshold": "Vector similarity threshold",
    "md_f_similarity_threshold_hint": (
        "0.1 to 1: higher values return fewer, more relevant matches. Default 0.5."
    ),
    "md_f_max_images_per_user": "Max images per user",
    "md_f_max_images_per_user_hint": (
        "Optional: e.g. 50 images per 3 hours. Leave both empty for no limit."
    ),
    "md_f_max_images_count": "Images",
    "md_f_max_images_window_hours": "Per hours",
    "md_f_input_price": "Input token price",
    "md_f_output_price": "Output token price",
    "md_f_cache_read_price": "Cache read token price",
    "md_f_cache_write_price": "Cache write token price",
    "md_f_image_price": "Price per image",
    "md_price_unit_tokens": "USD per 1M tokens; empty means no price (cost is not tracked).",
    "md_price_unit_image": "USD per image; empty means no price (cost is not tracked).",
    "md_cap_image_analysis": "Image analysis",
    "md_cap_canvas": "Canvas",
    "md_cap_tools": "Supports tools",
    "md_cap_temperature": "Supports temperature",
    "md_cap_always_show_reasoning": "Always show reasoning",
    "md_cap_responses_api": "Use Responses API",
    "md_f_image_editing": "Image editing",
    "md_f_image_editing_hint": "The model can edit existing images.",
    "md_f_allow_cross_region_fallback": "Allow fallbacks in other regions",
    "md_f_allow_cross_region_fallback_hint": (
        "When off, a fallback hosted in another region is skipped."
    ),
    "md_save_settings": "Save settings",
    # deployments
    "md_deployments_hint": (
        "Each deployment is a route to the provider through a model key; calls are spread over "
        "the healthy ones. Health is this server's view."
    ),
    "md_health": "Health",
    "md_health_ok": "Healthy",
    "md_health_cooling": "Cooling down ({seconds} s left)",
    "md_health_probing": "Probing after {failures} failures in a row",
    "md_errors_hour": "Errors in the last hour",
    "md_tpm_now": "Tokens per minute in use",
    "md_tpm_of": "{used} of {limit}",
    "md_tpm_unlimited": "No limit",
    "md_dep_key": "Model key",
    "md_dep_key_pick": "Choose a key",
    "md_dep_no_keys": "No model key of this provider yet.",
    "md_dep_keys_link": "Add a model key",
    "md_dep_identifier": "Model identifier",
    "md_dep_identifier_hint": "The deployment name or model id at the provider.",
    "md_dep_tpm": "Tokens per minute (TPM)",
    "md_dep_tpm_hint": "Optional; empty means no limit.",
    "md_dep_save": "Save deployment",
    "md_dep_remove": "Remove deployment",
    "md_dep_remove_confirm": "Calls will no longer use this deployment.",
    "md_dep_add": "Add a deployment",
    "md_no_deployments": "No deployments: the model cannot be called until it has one.",
    "md_deployment_gone": (
        "This deployment does not belong to this model (any more). Reload the page."
    ),
    # fallbacks
    "md_fallbacks_hint": (
        "Tried in this order when this model cannot answer (errors, limits, maintenance). "
        "Models of the same kind only."
    ),
    "md_fallback_order": "Fallback order",
    "md_up": "Move up",
    "md_down": "Move down",
    "md_remove": "Remove",
    "md_no_fallbacks": "No fallbacks.",
    "md_fallback_add_label": "Model to add as the last fallback",
    "md_fallback_add": "Add fallback",
    "md_fallback_pick": "Choose a model to add.",
    "md_fallback_stale": "The fallbacks changed since this page was loaded. Look again and retry.",
    # delete
    "md_dependents": "What depends on this model",
    "md_dep_fallback_of": "Fallback of these models",
    "md_dep_assistants": "Assistants",
    "md_dep_collections": "Knowledge collections",
    "md_dep_budgets": "Budgets falling back to it",
    "md_dep_defaults": "Users' default model",
    "md_no_dependents": "Nothing depends on this model.",
    "md_delete_blocked": (
        "It cannot be deleted while models, assistants, knowledge collections or budgets "
        "depend on it: give them another model first."
    ),
    "md_delete_defaults": "These users lose their default model when it is deleted.",
    "md_delete_confirm": "Delete {name} with its deployments",
    "md_delete_button": "Delete model",
    "md_delete_unconfirmed": "Tick the box to confirm the deletion.",
    # notices after a redirect
    "notice_md_saved": "Settings saved.",
    "notice_md_flags_saved": "Rollout saved.",
    "notice_md_deployment_added": "Deployment added.",
    "notice_md_deployment_saved": "Deployment saved.",
    "notice_md_deployment_removed": "Deployment removed.",
    "notice_md_fallbacks_saved": "Fallbacks saved.",
    "notice_md_deleted": "Model deleted.",
}

DE: dict[str, str] = {
    "md_back": "← Alle Modelle",
    "md_state": "Zustand",
    "md_warnings": "Warnungen",
    "md_sections": "Abschnitte dieser Seite",
    "md_status": "Status",
    "md_rollout": "Freigabe",
    "md_settings": "Einstellungen",
    "md_deployments": "Deployments",
    "md_fallbacks": "Fallbacks",
    "md_delete": "Löschen",
    "md_usage": "Aufrufe, Tokens und Kosten",
    "md_period": "Zeitraum",
    "md_last_24h": "Letzte 24 Stunden",
    "md_last_30d": "Letzte 30 Tage",
    "md_calls": "Aufrufe",
    "md_errors": "Fehler",
    "md_input_tokens": "Eingabe-Tokens",
    "md_output_tokens": "Ausgabe-Tokens",
    "md_images": "Bilder",
    "md_cost": "Kosten",
    "md_usage_link": "Details unter Nutzung",
    "md_catalog": "Katalog",
    "md_catalog_from": "Vorkonfiguriert aus dem Katalogeintrag {entry} ({id}).",
    "md_catalog_current": "Aktuell",
    "md_catalog_deprecated": "Vom Anbieter abgekündigt",
    "md_catalog_gone": "Nicht mehr im Katalog",
    "md_catalog_manual": (
        "Manuell eingerichtet: mit keinem Katalogeintrag verknüpft, die Einstellungen "
        "pflegen Sie selbst."
    ),
    "md_released": "veröffentlicht am",
    "md_price_history": "Preisverlauf",
    "md_since": "Seit",
    "md_source": "Quelle",
    "md_source_created": "Angelegt",
    "md_source_admin": "Von einem Admin geändert",
    "md_source_catalog": "Katalog-Update",
    "md_input_price": "Eingabe (USD / 1 Mio. Tokens)",
    "md_output_price": "Ausgabe (USD / 1 Mio. Tokens)",
    "md_image_price": "Pro Bild (USD)",
    "md_all_prices": "Alle Preise ({count})",
    "md_rollout_legend": "Wie Mitglieder dieses Modell bekommen",
    "md_flag_visible": "Für Nutzer sichtbar",
    "md_flag_visible_hint": (
        "Lassen Sie es aus, solange Sie das Modell testen; eingeschaltet sehen es die Mitglieder."
    ),
    "md_flag_available_in_assistants": "In Assistenten verfügbar",
    "md_flag_available_in_assistants_hint": (
        "Mitglieder dürfen Assistenten mit diesem Modell bauen."
    ),
    "md_flag_premium": "Premium",
    "md_flag_premium_hint": (
        "Wird gezielt für eine Aufgabe gewählt: Mitglieder können es nicht als Standard setzen."
    ),
    "md_flag_maintenance": "Wartung",
    "md_flag_maintenance_hint": "Pausiert alle Aufrufe des Modells, ohne es zu entfernen.",
    "md_save_rollout": "Freigabe speichern",
    "md_general": "Allgemein",
    "md_configure": "Konfiguration",
    "md_pricing": "Preise",
    "md_capabilities": "Fähigkeiten",
    "md_from_catalog": "aus dem Katalog",
    "md_preconfigured_hint": (
        "Vorkonfiguriert: Anbieter, Grenzen, Preise und Fähigkeiten folgen dem Katalogeintrag "
        "und sind hier nicht änderbar."
    ),
    "md_f_display_name": "Anzeigename",
    "md_f_slug": "Modellname für API-Aufrufe (Slug)",
    "md_f_slug_hint": (
        'Das senden Aufrufer als "model". Eine Änderung bricht Aufrufer mit dem alten Namen.'
    ),
    "md_f_provider": "Anbieter",
    "md_f_provider_model_name": "Modellname beim Anbieter",
    "md_f_provider_model_name_hint": "Die Kennung des Modells beim Anbieter.",
    "md_f_region": "Region",
    "md_f_region_hint": "Wo das Modell gehostet wird; Nutzer sehen EU, US oder Global.",
    "md_f_description_en": "Beschreibung (Englisch)",
    "md_f_description_en_hint": "Optional, höchstens 150 Zeichen.",
    "md_f_description_de": "Beschreibung (Deutsch)",
    "md_f_description_de_hint": "Optional, höchstens 150 Zeichen.",
    "md_f_context_window": "Kontextfenster (Tokens)",
    "md_f_max_output_tokens": "Maximale Ausgabe-Tokens",
    "md_f_embedding_dimensions": "Embedding-Dimensionen",
    "md_f_similarity_threshold": "Schwellenwert der Vektorähnlichkeit",
    "md_f_similarity_threshold_hint": (
        "0,1 bis 1: höhere Werte liefern weniger, dafür relevantere Treffer. Standard 0,5."
    ),
    "md_f_max_images_per_user": "Maximale Bilder pro Nutzer",
    "md_f_max_images_per_user_hint": (
        "Optional: z. B. 50 Bilder pro 3 Stunden. Beide leer lassen für keine Grenze."
    ),
    "md_f_max_images_count": "Bilder",
    "md_f_max_images_window_hours": "Pro Stunden",
    "md_f_input_price": "Preis für Eingabe-Tokens",
    "md_f_output_price": "Preis für Ausgabe-Tokens",
    "md_f_cache_read_price": "Preis für Cache-Lese-Tokens",
    "md_f_cache_write_price": "Preis für Cache-Schreib-Tokens",
    "md_f_image_price": "Preis pro Bild",
    "md_price_unit_tokens": (
        "USD pro 1 Mio. Tokens; leer heißt kein Preis (Kosten werden nicht erfasst)."
    ),
    "md_price_unit_image": "USD pro Bild; leer heißt kein Preis (Kosten werden nicht erfasst).",
    "md_cap_image_analysis": "Bildanalyse",
    "md_cap_canvas": "Canvas",
    "md_cap_tools": "Unterstützt Tools",
    "md_cap_temperature": "Unterstützt Temperatur",
    "md_cap_always_show_reasoning": "Reasoning immer anzeigen",
    "md_cap_responses_api": "Responses API verwenden",
    "md_f_image_editing": "Bildbearbeitung",
    "md_f_image_editing_hint": "Das Modell kann vorhandene Bilder bearbeiten.",
    "md_f_allow_cross_region_fallback": "Fallbacks in anderen Regionen erlauben",
    "md_f_allow_cross_region_fallback_hint": (
        "Ausgeschaltet wird ein Fallback in einer anderen Region übersprungen."
    ),
    "md_save_settings": "Einstellungen speichern",
    "md_deployments_hint": (
        "Jedes Deployment ist ein Weg zum Anbieter über einen Modellschlüssel; Aufrufe verteilen "
        "sich auf die gesunden. Der Zustand ist die Sicht dieses Servers."
    ),
    "md_health": "Zustand",
    "md_health_ok": "Gesund",
    "md_health_cooling": "Pausiert (noch {seconds} s)",
    "md_health_probing": "Wird nach {failures} Fehlern in Folge erprobt",
    "md_errors_hour": "Fehler in der letzten Stunde",
    "md_tpm_now": "Tokens pro Minute in Gebrauch",
    "md_tpm_of": "{used} von {limit}",
    "md_tpm_unlimited": "Keine Grenze",
    "md_dep_key": "Modellschlüssel",
    "md_dep_key_pick": "Schlüssel wählen",
    "md_dep_no_keys": "Noch kein Modellschlüssel dieses Anbieters.",
    "md_dep_keys_link": "Modellschlüssel anlegen",
    "md_dep_identifier": "Modellkennung",
    "md_dep_identifier_hint": "Der Deployment-Name oder die Modell-ID beim Anbieter.",
    "md_dep_tpm": "Tokens pro Minute (TPM)",
    "md_dep_tpm_hint": "Optional; leer heißt keine Grenze.",
    "md_dep_save": "Deployment speichern",
    "md_dep_remove": "Deployment entfernen",
    "md_dep_remove_confirm": "Aufrufe nutzen dieses Deployment dann nicht mehr.",
    "md_dep_add": "Deployment hinzufügen",
    "md_no_deployments": "Keine Deployments: Das Modell ist erst mit einem aufrufbar.",
    "md_deployment_gone": (
        "Dieses Deployment gehört (nicht mehr) zu diesem Modell. Laden Sie die Seite neu."
    ),
    "md_fallbacks_hint": (
        "In dieser Reihenfolge versucht, wenn dieses Modell nicht antworten kann (Fehler, "
        "Grenzen, Wartung). Nur Modelle derselben Art."
    ),
    "md_fallback_order": "Reihenfolge der Fallbacks",
    "md_up": "Nach oben",
    "md_down": "Nach unten",
    "md_remove": "Entfernen",
    "md_no_fallbacks": "Keine Fallbacks.",
    "md_fallback_add_label": "Modell, das als letzter Fallback hinzukommt",
    "md_fallback_add": "Fallback hinzufügen",
    "md_fallback_pick": "Wählen Sie ein Modell zum Hinzufügen.",
    "md_fallback_stale": (
        "Die Fallbacks haben sich seit dem Laden der Seite geändert. Prüfen Sie sie und "
        "versuchen Sie es erneut."
    ),
    "md_dependents": "Was von diesem Modell abhängt",
    "md_dep_fallback_of": "Fallback dieser Modelle",
    "md_dep_assistants": "Assistenten",
    "md_dep_collections": "Wissenssammlungen",
    "md_dep_budgets": "Budgets, die darauf ausweichen",
    "md_dep_defaults": "Standardmodell dieser Nutzer",
    "md_no_dependents": "Nichts hängt von diesem Modell ab.",
    "md_delete_blocked": (
        "Es kann nicht gelöscht werden, solange Modelle, Assistenten, Wissenssammlungen oder "
        "Budgets davon abhängen: Geben Sie ihnen zuerst ein anderes Modell."
    ),
    "md_delete_defaults": "Diese Nutzer verlieren beim Löschen ihr Standardmodell.",
    "md_delete_confirm": "{name} mit seinen Deployments löschen",
    "md_delete_button": "Modell löschen",
    "md_delete_unconfirmed": "Setzen Sie das Häkchen, um das Löschen zu bestätigen.",
    "notice_md_saved": "Einstellungen gespeichert.",
    "notice_md_flags_saved": "Freigabe gespeichert.",
    "notice_md_deployment_added": "Deployment hinzugefügt.",
    "notice_md_deployment_saved": "Deployment gespeichert.",
    "notice_md_deployment_removed": "Deployment entfernt.",
    "notice_md_fallbacks_saved": "Fallbacks gespeichert.",
    "notice_md_deleted": "Modell gelöscht.",
}
