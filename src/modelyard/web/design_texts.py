"""The navigation's, the layout's and the error pages' labels in English and German (merged
into ``i18n``).

``notice_<key>`` labels are the messages ``notices.with_notice`` can show after a redirect: a
page names the key, never the text, so a link cannot make a page say anything else.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "menu": "Menu",
    "menu_close": "Close menu",
    "nav_label": "Main",
    "nav_settings": "Settings",
    "nav_group_mine": "Your workspace",
    "nav_group_models": "Models",
    "nav_group_usage": "Usage & spend",
    "nav_group_people": "People & access",
    "nav_group_settings": "Settings",
    "nav_admin_models": "Models",
    "nav_admin_keys": "Model keys",
    "nav_admin_knowledge": "Knowledge",
    "nav_admin_usage": "Usage",
    "nav_admin_budgets": "Budgets",
    "nav_admin_users": "Users",
    "nav_admin_groups": "Groups",
    "nav_admin_sign_in": "Sign-in",
    "nav_admin_audit": "Audit log",
    "signed_in_as": "Signed in as",
    "confirm_title": "Are you sure?",
    "confirm_generic": "This cannot be undone.",
    "confirm_yes": "Yes, go ahead",
    "confirm_no": "Cancel",
    "notice_saved": "Saved.",
    "notice_deleted": "Deleted.",
    "notice_model_saved": "Model saved: the change applies to the next call.",
    "table_scroll": "Table (scrolls sideways)",
    "error_404_title": "Page not found",
    "error_404_text": "There is no page at this address. It may have moved, or the link is wrong.",
    "error_403_title": "Not allowed",
    "error_403_text": "You may not open this page.",
    "error_403_admin": (
        "This page is for workspace admins and owners. Your own models, API keys and spend "
        "are in the menu."
    ),
    "error_403_csrf": (
        "This form was not sent from a Modelyard page of your current session (CSRF check), "
        "so nothing was changed. Reload the page and try again."
    ),
    "error_405_title": "This address is not a page",
    "error_405_text": (
        "This address only takes a form as it is sent; it cannot be opened on its own. "
        "Go back and use the form's button."
    ),
    "error_400_title": "This address is not valid",
    "error_400_text": "A part of this address is not valid, so the page cannot be shown.",
    "error_500_title": "Something went wrong",
    "error_500_text": (
        "Modelyard hit an unexpected error and could not show this page. Nothing was "
        "changed by it. Try again; if it keeps happening, give your administrator this "
        "request id:"
    ),
    "error_generic_title": "This page cannot be shown",
    "error_home": "Go to the start page",
    "error_sign_in": "Sign in",
    "error_status": "Error {status}",
}

DE: dict[str, str] = {
    "menu": "Menü",
    "menu_close": "Menü schließen",
    "nav_label": "Hauptnavigation",
    "nav_settings": "Einstellungen",
    "nav_group_mine": "Ihr Bereich",
    "nav_group_models": "Modelle",
    "nav_group_usage": "Nutzung & Ausgaben",
    "nav_group_people": "Personen & Zugriff",
    "nav_group_settings": "Einstellungen",
    "nav_admin_models": "Modelle",
    "nav_admin_keys": "Modellschlüssel",
    "nav_admin_knowledge": "Wissen",
    "nav_admin_usage": "Nutzung",
    "nav_admin_budgets": "Budgets",
    "nav_admin_users": "Benutzer",
    "nav_admin_groups": "Gruppen",
    "nav_admin_sign_in": "Anmeldung",
    "nav_admin_audit": "Audit-Log",
    "signed_in_as": "Angemeldet als",
    "confirm_title": "Sind Sie sicher?",
    "confirm_generic": "Das lässt sich nicht rückgängig machen.",
    "confirm_yes": "Ja, fortfahren",
    "confirm_no": "Abbrechen",
    "notice_saved": "Gespeichert.",
    "notice_deleted": "Gelöscht.",
    "notice_model_saved": "Modell gespeichert: Die Änderung gilt ab dem nächsten Aufruf.",
    "table_scroll": "Tabelle (seitlich scrollbar)",
    "error_404_title": "Seite nicht gefunden",
    "error_404_text": (
        "Unter dieser Adresse gibt es keine Seite. Vielleicht wurde sie verschoben oder der "
        "Link ist falsch."
    ),
    "error_403_title": "Nicht erlaubt",
    "error_403_text": "Sie dürfen diese Seite nicht öffnen.",
    "error_403_admin": (
        "Diese Seite ist Admins und Ownern des Workspaces vorbehalten. Ihre eigenen Modelle, "
        "API-Schlüssel und Ausgaben finden Sie im Menü."
    ),
    "error_403_csrf": (
        "Dieses Formular wurde nicht von einer Modelyard-Seite Ihrer aktuellen Sitzung "
        "abgeschickt (CSRF-Prüfung), daher wurde nichts geändert. Laden Sie die Seite neu und "
        "versuchen Sie es noch einmal."
    ),
    "error_405_title": "Diese Adresse ist keine Seite",
    "error_405_text": (
        "Diese Adresse nimmt nur ein abgeschicktes Formular an und lässt sich nicht allein "
        "öffnen. Gehen Sie zurück und verwenden Sie die Schaltfläche des Formulars."
    ),
    "error_400_title": "Diese Adresse ist ungültig",
    "error_400_text": (
        "Ein Teil dieser Adresse ist ungültig, daher kann die Seite nicht erscheinen."
    ),
    "error_500_title": "Etwas ist schiefgegangen",
    "error_500_text": (
        "Modelyard ist auf einen unerwarteten Fehler gestoßen und konnte diese Seite nicht "
        "anzeigen. Dadurch wurde nichts geändert. Versuchen Sie es erneut; wenn es wieder "
        "passiert, geben Sie Ihrer Administration diese Request-ID:"
    ),
    "error_generic_title": "Diese Seite kann nicht angezeigt werden",
    "error_home": "Zur Startseite",
    "error_sign_in": "Anmelden",
    "error_status": "Fehler {status}",
}
