"""The wizard's labels in English and German (merged into ``i18n``'s tables).

``wz_*`` keys are looked up by the pages. ``PHRASES`` (``wizard_phrases``) are the English
labels and hints the field lists (``wizard.forms``) and setting rows are written in: added here,
they are translated by ``i18n.localize`` (the ``localized`` filter) like the domain's messages.
"""

from __future__ import annotations

import re

from modelyard.web.wizard_phrases import PHRASES

EN: dict[str, str] = {
    "wz_title": "Add custom {kind} model",
    "wz_back_to_models": "Back to Models",
    "wz_steps_label": "Wizard steps",
    "wz_step_of": "Step {n} of {total}",
    "wz_step_select": "Select the model",
    "wz_step_model": "Configure your model",
    "wz_step_deployment": "Configure your deployment",
    "wz_step_test": "Test your model",
    "wz_step_review": "Review and save",
    "wz_kind_completion": "completion",
    "wz_kind_image": "image",
    "wz_kind_embedding": "embedding",
    "wz_already_saved": "This draft has been saved already; saving it again changes nothing.",
    "wz_show_saved": "Show the saved model",
    "wz_fix_fields": "Please correct the fields marked below.",
    "wz_draft_gone": (
        "This wizard page is too old or was not made for you, so nothing was changed. "
        "Start again from Workspace settings: Models."
    ),
    "wz_no_kind": "There is no '{kind}' kind of model.",
    "wz_untested": "Run the test before you review the model.",
    # Step 1
    "wz_manual_title": "Not in the catalog?",
    "wz_manual_hint": (
        "Set it up manually: you configure every setting yourself and keep it accurate; it "
        "does not follow catalog updates."
    ),
    "wz_manual_button": "Set up your model manually",
    "wz_catalog_title": "Pre-configured {kind} models",
    "wz_catalog_hint": (
        "Pick a model from the catalog: its pricing, context window and capabilities come from "
        "the catalog and stay up to date with it."
    ),
    "wz_search_label": "Search the catalog",
    "wz_search_placeholder": "e.g. gpt-4o",
    "wz_provider_filter": "Provider",
    "wz_all_providers": "All providers",
    "wz_search_button": "Search",
    "wz_count": "{n} models.",
    "wz_count_matching": "{n} models matching “{q}”.",
    "wz_col_model": "Model",
    "wz_col_provider": "Provider",
    "wz_col_context": "Context window",
    "wz_col_price": "Price",
    "wz_col_action": "Action",
    "wz_already_added": "Already added",
    "wz_price_tokens": "{input} in / {output} out per 1M tokens",
    "wz_price_image": "{price} per image",
    "wz_price_embedding": "{price} per 1M tokens",
    "wz_no_price": "no price in the catalog",
    "wz_select": "Select",
    "wz_show_all": "Show all {n}",
    "wz_no_match": "No {kind} model in the catalog matches.",
    # Step 2
    "wz_preconfigured": "Pre-configured",
    "wz_preconfigured_hint": (
        "These settings come from the catalog and follow its updates; they are read-only here. "
        "You only decide how to roll the model out."
    ),
    "wz_entry_gone": "The catalog entry {id} no longer exists.",
    "wz_manual_notice": (
        "You set this model up manually: you are responsible for keeping these settings "
        "accurate; they do not change when the provider changes them."
    ),
    "wz_dup_title": "This model is already in your workspace",
    "wz_dup_text": "Members would see two entries of the same model:",
    "wz_dup_visible": "visible",
    "wz_dup_hint": (
        "Add a second one only on purpose, for example for another region or key; give it a "
        "name of its own so members can tell them apart."
    ),
    "wz_dup_confirm": "Yes, add another model of this name",
    "wz_dup_error": (
        "This workspace already has this model (listed above). Tick the box to add another "
        "one, or go back and choose a different model."
    ),
    "wz_dup_key_error": (
        "A model key of this name already exists. Choose another name, select the existing key "
        "above, or tick the box to add a second key of this name."
    ),
    "wz_pricing_hint": "Token prices are used for usage tracking and cost reporting.",
    "wz_back": "Back",
    "wz_to_deployment": "Continue to deployment",
    # Step 3
    "wz_deployment_hint": (
        "A deployment connects the model to a provider endpoint using a model key."
    ),
    "wz_deployment": "Deployment",
    "wz_key": "Key",
    "wz_key_hint": "Select a model key you have already configured, or add a new one.",
    "wz_add_key": "Add a new model key",
    "wz_new_key": "New model key",
    "wz_new_key_hint": (
        "Used when “Add a new model key” is selected above. It is saved with the model, not before."
    ),
    "wz_secret_kept": "A secret ending in …{last4} was entered; leave empty to keep it.",
    "wz_dup_key_confirm": "Yes, add a second key of this name",
    "wz_model_identifier": "Model identifier",
    "wz_model_identifier_hint": (
        "The deployment name or model ID as defined in your provider's configuration."
    ),
    "wz_tpm": "Tokens per minute (TPM)",
    "wz_tpm_hint": "Optional: how many tokens per minute this deployment may process.",
    "wz_fallbacks": "Fallback models",
    "wz_fallbacks_hint": (
        "Tried in this order when this model cannot answer (rate limits, errors, maintenance). "
        "Only {kind} models."
    ),
    "wz_fallback_n": "Fallback {n}",
    "wz_none": "None",
    "wz_no_fallbacks": "No other {kind} models in this workspace yet.",
    "wz_to_test": "Continue to test",
    # Step 4
    "wz_test_hint": (
        "The test sends a real request through the deployment and probes each declared "
        "capability, so a wrong setting or a broken key shows before anyone relies on the "
        "model. It costs a few tokens, recorded in Usage as a test. Nothing is saved yet."
    ),
    "wz_run": "Run the test",
    "wz_run_again": "Run the test again",
    "wz_to_review": "Continue to review",
    "wz_verdict_passed": "Test passed",
    "wz_verdict_passed_with_notes": "Test passed, with notes",
    "wz_verdict_failed": "Test failed",
    "wz_problem": "Problem",
    "wz_note": "Note",
    "wz_how_to_fix": "How to fix it:",
    "wz_provider_said": "What the provider said",
    "wz_answer": "Answer",
    "wz_latency": "Latency",
    "wz_usage": "Usage",
    "wz_usage_tokens": "{input} input tokens, {output} output tokens",
    "wz_usage_images": "{n} image(s)",
    "wz_cost": "Cost",
    "wz_checks": "Capability checks",
    "wz_capability": "Capability",
    "wz_declared": "Declared",
    "wz_observed": "Observed",
    "wz_check_result": "Result",
    "wz_yes": "Yes",
    "wz_no": "No",
    "wz_not_checked": "not checked",
    "wz_works": "works",
    "wz_refused": "refused",
    "wz_ok": "OK",
    "wz_mismatch_missing": "Declared, but refused",
    "wz_mismatch_extra": "Works, but not declared",
    "wz_cap_tools": "Tool calling",
    "wz_cap_image_analysis": "Image analysis",
    "wz_cap_temperature": "Temperature",
    "wz_find_deployment": "Deployment {n}:",
    "wz_find_no_deployment": "The model has no deployment to test.",
    "wz_fix_no_deployment": "Go back to the deployment step and add one.",
    "wz_find_failed_auth": "The provider refused the key (not signed in or not allowed).",
    "wz_fix_failed_auth": (
        "Check the key's secret (copy it again from your provider) and that the key may use "
        "this model; for Azure, that the key belongs to this resource."
    ),
    "wz_find_failed_not_found": "The provider does not know this model or deployment.",
    "wz_fix_failed_not_found": (
        "Check the model identifier on the deployment step: it must be the model ID, or for "
        "Azure the deployment name, exactly as your provider shows it; also check the base URL."
    ),
    "wz_find_failed_rate_limited": "The provider refused the call for its rate limit or quota.",
    "wz_fix_failed_rate_limited": (
        "Wait a minute and run the test again; if it persists, raise the quota or add billing "
        "at your provider."
    ),
    "wz_find_failed_unreachable": "The provider's server could not be reached.",
    "wz_fix_failed_unreachable": (
        "Check the key's base URL (spelling, https, port) and that this server may reach it "
        "(firewall, proxy, allowed upstream hosts)."
    ),
    "wz_find_failed_other": "The deployment did not answer.",
    "wz_fix_failed_other": (
        "Read what the provider said below, fix the key or deployment, and run the test again."
    ),
    "wz_find_capability_missing": (
        "The model is set to support {capability}, but the provider refused it."
    ),
    "wz_fix_capability_missing": (
        "Members would get errors when they use it. For a manual model, switch {capability} "
        "off on the model step; for a catalog model, choose a deployment (model identifier) "
        "that supports it."
    ),
    "wz_find_capability_undeclared": (
        "The model supports {capability}, but it is switched off, so members cannot use it."
    ),
    "wz_fix_capability_undeclared": (
        "Nothing breaks. To offer it, switch {capability} on on the model step (manual models)."
    ),
    "wz_find_dimensions_mismatch": (
        "The provider returned vectors of {observed} dimensions; the catalog says {expected}."
    ),
    "wz_fix_dimensions_mismatch": (
        "The deployment serves a different embedding model than the one chosen. Check the "
        "model identifier, or pick the catalog entry of the model it really serves."
    ),
    # Step 5
    "wz_review_hint": "Check the final settings, then save to add the model to your workspace.",
    "wz_model": "Model",
    "wz_key_saved_with": "a new key, saved with the model",
    "wz_base_url": "Base URL",
    "wz_provider_default": "provider default",
    "wz_no_limit": "no limit",
    "wz_override_title": "Publish although the test failed?",
    "wz_override_text": (
        "The model is set to be visible to users, but its test failed. Go back and untick "
        "“Visible to users” to save it hidden, fix it and test again, or give a reason to "
        "publish it anyway: the reason is recorded in the audit log."
    ),
    "wz_override_reason": "Reason for publishing anyway",
    "wz_override_hint": "Required to publish a model whose test failed; at most 500 characters.",
    "wz_save": "Save model",
    "wz_not_set": "not set",
    "wz_unit_tokens": "tokens",
    "wz_unit_per_m": "USD / 1M tokens",
    "wz_unit_per_image": "USD per image",
    "wz_origin_catalog": "Pre-configured ({id})",
    "wz_origin_manual": "Manual",
    "wz_images_limit": "{count} per {hours} hours",
    "wz_counter": "{used} / {limit} characters",
    # Publishing an existing model (the models page's Show when its test failed)
    "wz_publish_title": "Publish {name}",
    "wz_publish_intro": "The last live test of this model failed ({when}):",
    "wz_publish_button": "Publish anyway",
    "wz_publish_untested": "This model's last test did not fail; publish it from the Models page.",
}

DE: dict[str, str] = {
    "wz_title": "Eigenes {kind}-Modell hinzufügen",
    "wz_back_to_models": "Zurück zu den Modellen",
    "wz_steps_label": "Schritte des Assistenten",
    "wz_step_of": "Schritt {n} von {total}",
    "wz_step_select": "Modell auswählen",
    "wz_step_model": "Modell konfigurieren",
    "wz_step_deployment": "Deployment konfigurieren",
    "wz_step_test": "Modell testen",
    "wz_step_review": "Prüfen und speichern",
    "wz_kind_completion": "Chat",
    "wz_kind_image": "Bild",
    "wz_kind_embedding": "Embedding",
    "wz_already_saved": (
        "Dieser Entwurf wurde bereits gespeichert; erneutes Speichern ändert nichts."
    ),
    "wz_show_saved": "Gespeichertes Modell anzeigen",
    "wz_fix_fields": "Bitte korrigieren Sie die unten markierten Felder.",
    "wz_draft_gone": (
        "Diese Seite des Assistenten ist zu alt oder nicht für Sie erstellt, daher wurde nichts "
        "geändert. Beginnen Sie erneut unter Arbeitsbereich-Einstellungen: Modelle."
    ),
    "wz_no_kind": "Es gibt keine Modellart „{kind}“.",
    "wz_untested": "Führen Sie den Test aus, bevor Sie das Modell prüfen.",
    "wz_manual_title": "Nicht im Katalog?",
    "wz_manual_hint": (
        "Richten Sie es manuell ein: Sie legen jede Einstellung selbst fest und halten sie "
        "aktuell; sie folgt keinen Katalog-Aktualisierungen."
    ),
    "wz_manual_button": "Modell manuell einrichten",
    "wz_catalog_title": "Vorkonfigurierte {kind}-Modelle",
    "wz_catalog_hint": (
        "Wählen Sie ein Modell aus dem Katalog: Preise, Kontextfenster und Fähigkeiten kommen "
        "aus dem Katalog und bleiben mit ihm aktuell."
    ),
    "wz_search_label": "Katalog durchsuchen",
    "wz_search_placeholder": "z. B. gpt-4o",
    "wz_provider_filter": "Anbieter",
    "wz_all_providers": "Alle Anbieter",
    "wz_search_button": "Suchen",
    "wz_count": "{n} Modelle.",
    "wz_count_matching": "{n} Modelle passend zu „{q}“.",
    "wz_col_model": "Modell",
    "wz_col_provider": "Anbieter",
    "wz_col_context": "Kontextfenster",
    "wz_col_price": "Preis",
    "wz_col_action": "Aktion",
    "wz_already_added": "Bereits hinzugefügt",
    "wz_price_tokens": "{input} Eingabe / {output} Ausgabe pro 1 Mio. Tokens",
    "wz_price_image": "{price} pro Bild",
    "wz_price_embedding": "{price} pro 1 Mio. Tokens",
    "wz_no_price": "kein Preis im Katalog",
    "wz_select": "Auswählen",
    "wz_show_all": "Alle {n} anzeigen",
    "wz_no_match": "Kein {kind}-Modell im Katalog passt.",
    "wz_preconfigured": "Vorkonfiguriert",
    "wz_preconfigured_hint": (
        "Diese Einstellungen kommen aus dem Katalog und folgen seinen Aktualisierungen; hier "
        "sind sie schreibgeschützt. Sie entscheiden nur, wie das Modell bereitgestellt wird."
    ),
    "wz_entry_gone": "Den Katalogeintrag {id} gibt es nicht mehr.",
    "wz_manual_notice": (
        "Sie richten dieses Modell manuell ein: Sie sind dafür verantwortlich, dass diese "
        "Einstellungen stimmen; sie ändern sich nicht, wenn der Anbieter sie ändert."
    ),
    "wz_dup_title": "Dieses Modell gibt es in Ihrem Arbeitsbereich bereits",
    "wz_dup_text": "Mitglieder würden zwei Einträge desselben Modells sehen:",
    "wz_dup_visible": "sichtbar",
    "wz_dup_hint": (
        "Fügen Sie ein zweites nur absichtlich hinzu, etwa für eine andere Region oder einen "
        "anderen Schlüssel; geben Sie ihm einen eigenen Namen, damit Mitglieder sie "
        "unterscheiden können."
    ),
    "wz_dup_confirm": "Ja, ein weiteres Modell dieses Namens hinzufügen",
    "wz_dup_error": (
        "Dieses Modell gibt es in diesem Arbeitsbereich bereits (oben aufgeführt). Setzen Sie "
        "das Häkchen, um ein weiteres hinzuzufügen, oder wählen Sie ein anderes Modell."
    ),
    "wz_dup_key_error": (
        "Ein Modellschlüssel dieses Namens existiert bereits. Wählen Sie einen anderen Namen, "
        "oben den vorhandenen Schlüssel, oder setzen Sie das Häkchen für einen zweiten "
        "Schlüssel dieses Namens."
    ),
    "wz_pricing_hint": "Token-Preise dienen der Nutzungserfassung und Kostenauswertung.",
    "wz_back": "Zurück",
    "wz_to_deployment": "Weiter zum Deployment",
    "wz_deployment_hint": (
        "Ein Deployment verbindet das Modell über einen Modellschlüssel mit einem Endpunkt des "
        "Anbieters."
    ),
    "wz_deployment": "Deployment",
    "wz_key": "Schlüssel",
    "wz_key_hint": (
        "Wählen Sie einen bereits eingerichteten Modellschlüssel oder fügen Sie einen neuen hinzu."
    ),
    "wz_add_key": "Neuen Modellschlüssel hinzufügen",
    "wz_new_key": "Neuer Modellschlüssel",
    "wz_new_key_hint": (
        "Wird verwendet, wenn oben „Neuen Modellschlüssel hinzufügen“ gewählt ist. Er wird mit "
        "dem Modell gespeichert, nicht vorher."
    ),
    "wz_secret_kept": (
        "Ein Geheimnis mit Endung …{last4} wurde eingegeben; leer lassen, um es zu behalten."
    ),
    "wz_dup_key_confirm": "Ja, einen zweiten Schlüssel dieses Namens hinzufügen",
    "wz_model_identifier": "Modellkennung",
    "wz_model_identifier_hint": (
        "Der Deployment-Name oder die Modell-ID, wie in der Konfiguration Ihres Anbieters "
        "festgelegt."
    ),
    "wz_tpm": "Tokens pro Minute (TPM)",
    "wz_tpm_hint": "Optional: wie viele Tokens pro Minute dieses Deployment verarbeiten darf.",
    "wz_fallbacks": "Ausweichmodelle",
    "wz_fallbacks_hint": (
        "In dieser Reihenfolge versucht, wenn dieses Modell nicht antworten kann (Ratenlimits, "
        "Fehler, Wartung). Nur {kind}-Modelle."
    ),
    "wz_fallback_n": "Ausweichmodell {n}",
    "wz_none": "Keines",
    "wz_no_fallbacks": "Noch keine anderen {kind}-Modelle in diesem Arbeitsbereich.",
    "wz_to_test": "Weiter zum Test",
    "wz_test_hint": (
        "Der Test sendet eine echte Anfrage über das Deployment und prüft jede angegebene "
        "Fähigkeit, damit eine falsche Einstellung oder ein defekter Schlüssel auffällt, bevor "
        "sich jemand auf das Modell verlässt. Er kostet einige Tokens, die in der Nutzung als "
        "Test erfasst werden. Noch wird nichts gespeichert."
    ),
    "wz_run": "Test ausführen",
    "wz_run_again": "Test erneut ausführen",
    "wz_to_review": "Weiter zur Prüfung",
    "wz_verdict_passed": "Test bestanden",
    "wz_verdict_passed_with_notes": "Test bestanden, mit Hinweisen",
    "wz_verdict_failed": "Test fehlgeschlagen",
    "wz_problem": "Problem",
    "wz_note": "Hinweis",
    "wz_how_to_fix": "So beheben Sie es:",
    "wz_provider_said": "Antwort des Anbieters",
    "wz_answer": "Antwort",
    "wz_latency": "Antwortzeit",
    "wz_usage": "Verbrauch",
    "wz_usage_tokens": "{input} Eingabe-Tokens, {output} Ausgabe-Tokens",
    "wz_usage_images": "{n} Bild(er)",
    "wz_cost": "Kosten",
    "wz_checks": "Prüfung der Fähigkeiten",
    "wz_capability": "Fähigkeit",
    "wz_declared": "Angegeben",
    "wz_observed": "Beobachtet",
    "wz_check_result": "Ergebnis",
    "wz_yes": "Ja",
    "wz_no": "Nein",
    "wz_not_checked": "nicht geprüft",
    "wz_works": "funktioniert",
    "wz_refused": "abgelehnt",
    "wz_ok": "OK",
    "wz_mismatch_missing": "Angegeben, aber abgelehnt",
    "wz_mismatch_extra": "Funktioniert, aber nicht angegeben",
    "wz_cap_tools": "Tool-Aufrufe",
    "wz_cap_image_analysis": "Bildanalyse",
    "wz_cap_temperature": "Temperatur",
    "wz_find_deployment": "Deployment {n}:",
    "wz_find_no_deployment": "Das Modell hat kein Deployment, das getestet werden kann.",
    "wz_fix_no_deployment": "Gehen Sie zurück zum Deployment-Schritt und fügen Sie eines hinzu.",
    "wz_find_failed_auth": (
        "Der Anbieter hat den Schlüssel abgelehnt (nicht angemeldet oder nicht berechtigt)."
    ),
    "wz_fix_failed_auth": (
        "Prüfen Sie das Geheimnis des Schlüssels (kopieren Sie es erneut beim Anbieter) und ob "
        "der Schlüssel dieses Modell nutzen darf; bei Azure, ob er zu dieser Ressource gehört."
    ),
    "wz_find_failed_not_found": "Der Anbieter kennt dieses Modell oder Deployment nicht.",
    "wz_fix_failed_not_found": (
        "Prüfen Sie die Modellkennung im Deployment-Schritt: Sie muss die Modell-ID bzw. bei "
        "Azure der Deployment-Name sein, genau wie beim Anbieter angezeigt; prüfen Sie auch die "
        "Basis-URL."
    ),
    "wz_find_failed_rate_limited": (
        "Der Anbieter hat den Aufruf wegen seines Ratenlimits oder Kontingents abgelehnt."
    ),
    "wz_fix_failed_rate_limited": (
        "Warten Sie eine Minute und testen Sie erneut; wenn es anhält, erhöhen Sie das "
        "Kontingent oder hinterlegen Sie eine Zahlungsart beim Anbieter."
    ),
    "wz_find_failed_unreachable": "Der Server des Anbieters war nicht erreichbar.",
    "wz_fix_failed_unreachable": (
        "Prüfen Sie die Basis-URL des Schlüssels (Schreibweise, https, Port) und ob dieser "
        "Server sie erreichen darf (Firewall, Proxy, erlaubte Upstream-Hosts)."
    ),
    "wz_find_failed_other": "Das Deployment hat nicht geantwortet.",
    "wz_fix_failed_other": (
        "Lesen Sie unten die Antwort des Anbieters, korrigieren Sie Schlüssel oder Deployment "
        "und testen Sie erneut."
    ),
    "wz_find_capability_missing": (
        "Das Modell ist so eingestellt, dass es {capability} unterstützt, aber der Anbieter hat "
        "es abgelehnt."
    ),
    "wz_fix_capability_missing": (
        "Mitglieder bekämen Fehler, wenn sie es nutzen. Schalten Sie bei einem manuellen Modell "
        "{capability} im Modell-Schritt aus; wählen Sie bei einem Katalogmodell ein Deployment "
        "(Modellkennung), das es unterstützt."
    ),
    "wz_find_capability_undeclared": (
        "Das Modell unterstützt {capability}, aber es ist ausgeschaltet, daher können "
        "Mitglieder es nicht nutzen."
    ),
    "wz_fix_capability_undeclared": (
        "Nichts geht kaputt. Um es anzubieten, schalten Sie {capability} im Modell-Schritt ein "
        "(manuelle Modelle)."
    ),
    "wz_find_dimensions_mismatch": (
        "Der Anbieter lieferte Vektoren mit {observed} Dimensionen; laut Katalog sind es "
        "{expected}."
    ),
    "wz_fix_dimensions_mismatch": (
        "Das Deployment liefert ein anderes Embedding-Modell als das gewählte. Prüfen Sie die "
        "Modellkennung oder wählen Sie den Katalogeintrag des Modells, das es wirklich liefert."
    ),
    "wz_review_hint": (
        "Prüfen Sie die Einstellungen und speichern Sie dann, um das Modell Ihrem "
        "Arbeitsbereich hinzuzufügen."
    ),
    "wz_model": "Modell",
    "wz_key_saved_with": "ein neuer Schlüssel, mit dem Modell gespeichert",
    "wz_base_url": "Basis-URL",
    "wz_provider_default": "Standard des Anbieters",
    "wz_no_limit": "keine Begrenzung",
    "wz_override_title": "Trotz fehlgeschlagenem Test veröffentlichen?",
    "wz_override_text": (
        "Das Modell soll für Nutzer sichtbar sein, aber sein Test ist fehlgeschlagen. Gehen Sie "
        "zurück und entfernen Sie „Für Nutzer sichtbar“, um es verborgen zu speichern, beheben "
        "Sie den Fehler und testen Sie erneut, oder nennen Sie einen Grund, es trotzdem zu "
        "veröffentlichen: Der Grund wird im Audit-Protokoll festgehalten."
    ),
    "wz_override_reason": "Grund für die Veröffentlichung trotz Fehler",
    "wz_override_hint": (
        "Erforderlich, um ein Modell mit fehlgeschlagenem Test zu veröffentlichen; höchstens "
        "500 Zeichen."
    ),
    "wz_save": "Modell speichern",
    "wz_not_set": "nicht festgelegt",
    "wz_unit_tokens": "Tokens",
    "wz_unit_per_m": "USD / 1 Mio. Tokens",
    "wz_unit_per_image": "USD pro Bild",
    "wz_origin_catalog": "Vorkonfiguriert ({id})",
    "wz_origin_manual": "Manuell",
    "wz_images_limit": "{count} pro {hours} Stunden",
    "wz_counter": "{used} / {limit} Zeichen",
    "wz_publish_title": "{name} veröffentlichen",
    "wz_publish_intro": "Der letzte Live-Test dieses Modells ist fehlgeschlagen ({when}):",
    "wz_publish_button": "Trotzdem veröffentlichen",
    "wz_publish_untested": (
        "Der letzte Test dieses Modells ist nicht fehlgeschlagen; veröffentlichen Sie es auf "
        "der Seite Modelle."
    ),
}


def _key(english: str) -> str:
    return "wzp_" + re.sub(r"[^a-z0-9]+", "_", english.lower()).strip("_")[:60]


for _en, _de in PHRASES:
    EN[_key(_en)] = _en
    DE[_key(_en)] = _de
