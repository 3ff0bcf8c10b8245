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


# Settings -> Sign-in and provisioning (web/identity_pages.py).
EN |= {
    "nav_identity": "Settings: Sign-in",
    "identity_title": "Sign-in and provisioning",
    "identity_intro": (
        "What to enter at your identity provider for single sign-on (OpenID Connect) and for "
        "provisioning users and groups (SCIM 2.0)."
    ),
    "identity_sso": "Single sign-on",
    "identity_sso_on": "Single sign-on is on: the login page offers \u201cSign in with SSO\u201d.",
    "identity_sso_off": (
        "Single sign-on is off. Set MODELYARD_OIDC_ISSUER, MODELYARD_OIDC_CLIENT_ID and "
        "MODELYARD_OIDC_CLIENT_SECRET on the server to turn it on."
    ),
    "identity_redirect_uri": "Redirect URI to register",
    "identity_issuer": "Issuer",
    "identity_client_id": "Client ID",
    "identity_groups_claim": "Groups claim",
    "identity_domains": "Allowed email domains",
    "identity_any_domain": "any",
    "identity_scim": "Provisioning (SCIM)",
    "identity_scim_url": "SCIM URL",
    "identity_token_once": (
        "Your new SCIM token. Copy it now into your identity provider: it is not shown again."
    ),
    "identity_token_name": "Token name",
    "identity_token_prefix": "Starts with",
    "identity_token_created": "Created",
    "identity_token_used": "Last used",
    "identity_revoke": "Revoke",
    "identity_revoked": "Token revoked: the identity provider can no longer use it.",
    "identity_no_tokens": "No SCIM tokens yet.",
    "identity_create_token": "Create SCIM token",
    "identity_owner_only": "Only workspace owners create and revoke SCIM tokens.",
}
DE |= {
    "nav_identity": "Einstellungen: Anmeldung",
    "identity_title": "Anmeldung und Bereitstellung",
    "identity_intro": (
        "Was Sie bei Ihrem Identitätsanbieter für Single Sign-on (OpenID Connect) und für die "
        "Bereitstellung von Benutzern und Gruppen (SCIM 2.0) eintragen."
    ),
    "identity_sso": "Single Sign-on",
    "identity_sso_on": (
        "Single Sign-on ist eingeschaltet: Die Anmeldeseite bietet \u201eMit SSO anmelden\u201c."
    ),
    "identity_sso_off": (
        "Single Sign-on ist ausgeschaltet. Setzen Sie MODELYARD_OIDC_ISSUER, "
        "MODELYARD_OIDC_CLIENT_ID und MODELYARD_OIDC_CLIENT_SECRET auf dem Server."
    ),
    "identity_redirect_uri": "Einzutragende Weiterleitungs-URI",
    "identity_issuer": "Aussteller",
    "identity_client_id": "Client-ID",
    "identity_groups_claim": "Gruppen-Claim",
    "identity_domains": "Erlaubte E-Mail-Domains",
    "identity_any_domain": "alle",
    "identity_scim": "Bereitstellung (SCIM)",
    "identity_scim_url": "SCIM-URL",
    "identity_token_once": (
        "Ihr neues SCIM-Token. Kopieren Sie es jetzt in Ihren Identitätsanbieter: Es wird nicht "
        "noch einmal angezeigt."
    ),
    "identity_token_name": "Name des Tokens",
    "identity_token_prefix": "Beginnt mit",
    "identity_token_created": "Erstellt",
    "identity_token_used": "Zuletzt verwendet",
    "identity_revoke": "Widerrufen",
    "identity_revoked": "Token widerrufen: Der Identitätsanbieter kann es nicht mehr verwenden.",
    "identity_no_tokens": "Noch keine SCIM-Tokens.",
    "identity_create_token": "SCIM-Token erstellen",
    "identity_owner_only": "Nur Eigentümer des Workspaces erstellen und widerrufen SCIM-Tokens.",
}
