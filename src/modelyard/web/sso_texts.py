"""The sign-in page's and single sign-on's labels and refusals in English and German (merged
into ``i18n``'s tables), and the language of pages shown before anyone is signed in.

Before sign-in there is no user whose language to use: ``?lang=`` or the browser's
``Accept-Language`` decides, English otherwise.
"""

from __future__ import annotations

from starlette.requests import Request

SUPPORTED = ("en", "de")

EN: dict[str, str] = {
    "login_title": "Sign in",
    "login_email": "Email",
    "login_password": "Password",
    "login_submit": "Sign in",
    "login_or": "or",
    "sso_button": "Sign in with SSO",
    "sso_error_title": "Single sign-on did not work",
    "sso_provider_answer": "The identity provider answered:",
    "sso_try_again": "Start the sign-in again",
    "sso_password_login": "Sign in with a password",
    "sso_not_configured": "Single sign-on is not set up on this Modelyard.",
    "sso_state_missing": (
        "The identity provider sent you back without the sign-in's state, so it cannot finish."
    ),
    "sso_state_unknown": (
        "This sign-in is not known here: the link is incomplete or was not started by this "
        "Modelyard."
    ),
    "sso_state_used": ("This sign-in was already used: each one works once. Start a new sign-in."),
    "sso_state_expired": ("This sign-in took longer than 10 minutes and expired. Start it again."),
    "sso_other_browser": (
        "This sign-in was started in another browser (or this browser's sign-in cookie has "
        "expired), so it cannot finish here. Start the sign-in in this browser."
    ),
    "sso_provider_error": "The identity provider did not sign you in.",
    "sso_issuer_unreachable": (
        "The identity provider could not be reached, or its answer was unusable. Try again in "
        "a few minutes; if it keeps happening, tell your workspace admin."
    ),
    "sso_token_refused": "The identity provider refused to complete the sign-in.",
    "sso_bad_id_token": (
        "The identity provider's answer could not be verified (signature, issuer, audience, "
        "expiry or nonce of its ID token), so you were not signed in."
    ),
    "sso_missing_email": (
        "The identity provider sent no email address for you. Your admin must release the "
        "email claim to Modelyard."
    ),
    "sso_email_unverified": (
        "The identity provider says your email address is not verified, so it cannot sign "
        "you in here."
    ),
    "sso_wrong_domain": "Email addresses at {domain} may not sign in to this Modelyard.",
    "sso_deactivated": (
        "Your Modelyard account is deactivated. Ask a workspace admin to reactivate it."
    ),
    "sso_deleted": "Your Modelyard account was deleted. Ask a workspace admin.",
    "sso_linked_elsewhere": (
        "The Modelyard account with your email address is already linked to another "
        "single sign-on identity. Ask a workspace admin."
    ),
    "sso_no_workspace": (
        "This Modelyard has no workspace yet: an administrator must run 'modelyard init' first."
    ),
}

DE: dict[str, str] = {
    "login_title": "Anmelden",
    "login_email": "E-Mail",
    "login_password": "Passwort",
    "login_submit": "Anmelden",
    "login_or": "oder",
    "sso_button": "Mit SSO anmelden",
    "sso_error_title": "Die Anmeldung mit SSO hat nicht geklappt",
    "sso_provider_answer": "Antwort des Identitätsanbieters:",
    "sso_try_again": "Anmeldung neu beginnen",
    "sso_password_login": "Mit Passwort anmelden",
    "sso_not_configured": "Single Sign-on ist für dieses Modelyard nicht eingerichtet.",
    "sso_state_missing": (
        "Der Identitätsanbieter hat Sie ohne den Status der Anmeldung zurückgeschickt; sie "
        "kann so nicht abgeschlossen werden."
    ),
    "sso_state_unknown": (
        "Diese Anmeldung ist hier nicht bekannt: Der Link ist unvollständig oder wurde nicht "
        "von diesem Modelyard begonnen."
    ),
    "sso_state_used": (
        "Diese Anmeldung wurde schon verwendet: Jede gilt nur einmal. Beginnen Sie eine neue."
    ),
    "sso_state_expired": (
        "Diese Anmeldung hat länger als 10 Minuten gedauert und ist abgelaufen. Beginnen Sie "
        "sie neu."
    ),
    "sso_other_browser": (
        "Diese Anmeldung wurde in einem anderen Browser begonnen (oder das Anmelde-Cookie "
        "dieses Browsers ist abgelaufen) und kann hier nicht abgeschlossen werden. Beginnen "
        "Sie die Anmeldung in diesem Browser."
    ),
    "sso_provider_error": "Der Identitätsanbieter hat Sie nicht angemeldet.",
    "sso_issuer_unreachable": (
        "Der Identitätsanbieter war nicht erreichbar oder seine Antwort war unbrauchbar. "
        "Versuchen Sie es in ein paar Minuten noch einmal; wenn es so bleibt, sagen Sie es "
        "Ihrem Workspace-Admin."
    ),
    "sso_token_refused": "Der Identitätsanbieter hat die Anmeldung nicht abgeschlossen.",
    "sso_bad_id_token": (
        "Die Antwort des Identitätsanbieters ließ sich nicht prüfen (Signatur, Aussteller, "
        "Empfänger, Ablauf oder Nonce seines ID-Tokens); Sie wurden nicht angemeldet."
    ),
    "sso_missing_email": (
        "Der Identitätsanbieter hat keine E-Mail-Adresse für Sie geschickt. Ihr Admin muss "
        "Modelyard den E-Mail-Claim freigeben."
    ),
    "sso_email_unverified": (
        "Laut Identitätsanbieter ist Ihre E-Mail-Adresse nicht bestätigt; damit können Sie "
        "sich hier nicht anmelden."
    ),
    "sso_wrong_domain": (
        "E-Mail-Adressen bei {domain} dürfen sich bei diesem Modelyard nicht anmelden."
    ),
    "sso_deactivated": (
        "Ihr Modelyard-Konto ist deaktiviert. Bitten Sie einen Workspace-Admin, es wieder "
        "zu aktivieren."
    ),
    "sso_deleted": "Ihr Modelyard-Konto wurde gelöscht. Wenden Sie sich an einen Workspace-Admin.",
    "sso_linked_elsewhere": (
        "Das Modelyard-Konto mit Ihrer E-Mail-Adresse ist schon mit einer anderen "
        "SSO-Identität verbunden. Wenden Sie sich an einen Workspace-Admin."
    ),
    "sso_no_workspace": (
        "Dieses Modelyard hat noch keinen Workspace: Ein Administrator muss zuerst "
        "'modelyard init' ausführen."
    ),
}


def language_of(request: Request) -> str:
    """The language of a page before sign-in: ``?lang=``, else the browser's first supported
    ``Accept-Language``, else English."""
    wanted = request.query_params.get("lang")
    if wanted is not None and wanted in SUPPORTED:
        return wanted
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";", 1)[0].strip().lower()[:2]
        if tag in SUPPORTED:
            return tag
    return "en"
