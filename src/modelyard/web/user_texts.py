"""The users and invite pages' labels in English and German (merged into ``i18n``'s tables)."""

from __future__ import annotations

EN: dict[str, str] = {
    "nav_users": "Settings: Users",
    "users_title": "Users",
    "users_intro": (
        "Everyone in this workspace: invite people, change their role, deactivate them "
        "(every API key revoked and every sign-in ended at once) and reset passwords."
    ),
    "users_search_label": "Search by email or name",
    "users_search": "Search",
    "users_show_all": "Show everyone",
    "users_matches": "{count} user(s) match “{query}”.",
    "users_none": "No users match.",
    "users_person": "Person",
    "users_email": "Email",
    "users_name": "Name",
    "users_role": "Role",
    "users_groups": "Groups",
    "users_no_groups": "none",
    "users_status": "Status",
    "users_sign_in": "Signs in with",
    "users_created": "Created",
    "users_active": "Active",
    "users_deactivated": "Deactivated",
    "users_you": "you",
    "users_by_password": "Password",
    "users_by_sso": "Single sign-on",
    "users_by_both": "Password and single sign-on",
    "users_by_nothing": "Not yet (invite pending)",
    "role_owner": "Owner",
    "role_admin": "Admin",
    "role_member": "Member",
    "users_language": "Language",
    "users_invite_title": "Invite someone",
    "users_invite_hint": (
        "The person gets a one-time link to choose their password; it expires after 7 days."
    ),
    "users_invite_hint_mail": "The link is mailed to them.",
    "users_invite_hint_link": "No mail is sent: you pass the link on.",
    "users_invite_groups": "Groups",
    "users_invite_no_groups": "No groups yet.",
    "users_invite": "Send invite",
    "users_link_title": "Sign-in link for {email}",
    "users_link_once": (
        "Shown only now: copy it and pass it on. It works once, until {expires} UTC; a newer "
        "link replaces it."
    ),
    "users_link_mailed": "Mailed to {email}. It works once, until {expires} UTC.",
    "users_link_mail_failed": (
        "The mail could not be sent ({error}). The link works anyway: copy it and pass it on."
    ),
    "users_link_label": "One-time link",
    "users_back": "All users",
    "users_details": "Account",
    "users_higher_rank": (
        "This account ranks above yours ({role}): only an owner can change it or see its keys."
    ),
    "users_role_title": "Role",
    "users_role_save": "Change role",
    "users_role_hint": "Owners manage everything; admins manage members and admins.",
    "users_status_title": "Access",
    "users_deactivate": "Deactivate",
    "users_deactivate_hint": (
        "Deactivating revokes every API key of this person and ends every sign-in at once; "
        "their usage history stays. Reactivated, they make new keys."
    ),
    "users_reactivate": "Reactivate",
    "users_reactivate_hint": "Reactivated, they can sign in again; their old keys stay revoked.",
    "users_self_hint": "You cannot deactivate yourself.",
    "users_password_title": "Password",
    "users_password_new": "New password",
    "users_password_hint": (
        "At least 8 characters. Setting it ends all of this person's sign-ins; tell them the "
        "new password yourself."
    ),
    "users_password_set": "Set password",
    "users_reset_link": "Issue a reset link",
    "users_reset_hint": "Or give them a one-time link to choose a new password themselves.",
    "users_new_invite": "Issue a new invite link",
    "users_new_invite_hint": (
        "No password yet: give them a new one-time link to choose one (older links stop working)."
    ),
    "users_keys_title": "API keys",
    "users_keys_none": "No API keys.",
    "users_key_name": "Name",
    "users_key_prefix": "Key",
    "users_key_created": "Created",
    "users_key_expires": "Expires",
    "users_key_last_used": "Last used",
    "users_key_status": "Status",
    "users_key_never": "never",
    "users_key_unnamed": "(no name)",
    "users_key_active": "active",
    "users_key_expired": "expired",
    "users_key_revoked": "revoked",
    "users_key_revoke": "Revoke",
    "users_saved_invited": "Invite created.",
    "users_saved_role": "Role changed.",
    "users_saved_deactivated": "Deactivated: every API key revoked, every sign-in ended.",
    "users_saved_reactivated": "Reactivated.",
    "users_saved_password": "Password set; the person's sign-ins were ended.",
    "users_saved_revoked": "API key revoked.",
    "invite_title": "Choose your password",
    "invite_reset_title": "Choose a new password",
    "invite_intro": "Welcome to {workspace}. You sign in as {email}.",
    "invite_reset_intro": "Set a new password for {email} in {workspace}.",
    "invite_expires": "This link works once, until {expires} UTC.",
    "invite_password": "Password",
    "invite_password_hint": "At least 8 characters.",
    "invite_confirm": "Password again",
    "invite_mismatch": "The two passwords differ.",
    "invite_submit": "Set password and sign in",
    "invite_gone_title": "This link cannot be used",
    "invite_sign_in": "Go to sign-in",
    "invite_gone_unknown_invite": (
        "This link is not valid. It may have been replaced by a newer one; ask a workspace "
        "admin for a new link."
    ),
    "invite_gone_invite_used": (
        "This link was already used. Sign in with your password, or ask a workspace admin for "
        "a new link."
    ),
    "invite_gone_invite_expired": "This link has expired. Ask a workspace admin for a new one.",
    "invite_gone_user_deactivated": (
        "This account is deactivated, or was since this link was issued. Ask a workspace admin."
    ),
}

DE: dict[str, str] = {
    "nav_users": "Einstellungen: Benutzer",
    "users_title": "Benutzer",
    "users_intro": (
        "Alle in diesem Arbeitsbereich: Personen einladen, ihre Rolle ändern, sie deaktivieren "
        "(alle API-Schlüssel gesperrt und alle Anmeldungen sofort beendet) und Passwörter "
        "zurücksetzen."
    ),
    "users_search_label": "Nach E-Mail oder Name suchen",
    "users_search": "Suchen",
    "users_show_all": "Alle anzeigen",
    "users_matches": "{count} Benutzer passen zu „{query}“.",
    "users_none": "Keine passenden Benutzer.",
    "users_person": "Person",
    "users_email": "E-Mail",
    "users_name": "Name",
    "users_role": "Rolle",
    "users_groups": "Gruppen",
    "users_no_groups": "keine",
    "users_status": "Status",
    "users_sign_in": "Meldet sich an mit",
    "users_created": "Angelegt",
    "users_active": "Aktiv",
    "users_deactivated": "Deaktiviert",
    "users_you": "Sie",
    "users_by_password": "Passwort",
    "users_by_sso": "Single Sign-On",
    "users_by_both": "Passwort und Single Sign-On",
    "users_by_nothing": "Noch nicht (Einladung offen)",
    "role_owner": "Inhaber",
    "role_admin": "Administrator",
    "role_member": "Mitglied",
    "users_language": "Sprache",
    "users_invite_title": "Jemanden einladen",
    "users_invite_hint": (
        "Die Person erhält einen einmaligen Link, um ihr Passwort zu wählen; er läuft nach "
        "7 Tagen ab."
    ),
    "users_invite_hint_mail": "Der Link wird ihr per E-Mail geschickt.",
    "users_invite_hint_link": "Es wird keine E-Mail verschickt: Sie geben den Link weiter.",
    "users_invite_groups": "Gruppen",
    "users_invite_no_groups": "Noch keine Gruppen.",
    "users_invite": "Einladung erstellen",
    "users_link_title": "Anmeldelink für {email}",
    "users_link_once": (
        "Nur jetzt sichtbar: kopieren und weitergeben. Er funktioniert einmal, bis {expires} "
        "UTC; ein neuerer Link ersetzt ihn."
    ),
    "users_link_mailed": "An {email} geschickt. Er funktioniert einmal, bis {expires} UTC.",
    "users_link_mail_failed": (
        "Die E-Mail konnte nicht verschickt werden ({error}). Der Link funktioniert trotzdem: "
        "kopieren und weitergeben."
    ),
    "users_link_label": "Einmaliger Link",
    "users_back": "Alle Benutzer",
    "users_details": "Konto",
    "users_higher_rank": (
        "Dieses Konto steht über Ihrem ({role}): nur ein Inhaber kann es ändern oder seine "
        "Schlüssel sehen."
    ),
    "users_role_title": "Rolle",
    "users_role_save": "Rolle ändern",
    "users_role_hint": (
        "Inhaber verwalten alles; Administratoren verwalten Mitglieder und Administratoren."
    ),
    "users_status_title": "Zugang",
    "users_deactivate": "Deaktivieren",
    "users_deactivate_hint": (
        "Deaktivieren sperrt sofort alle API-Schlüssel dieser Person und beendet alle "
        "Anmeldungen; ihr Verbrauch bleibt erhalten. Wieder aktiviert, erstellt sie neue "
        "Schlüssel."
    ),
    "users_reactivate": "Wieder aktivieren",
    "users_reactivate_hint": (
        "Wieder aktiviert, kann sie sich erneut anmelden; ihre alten Schlüssel bleiben gesperrt."
    ),
    "users_self_hint": "Sie können sich nicht selbst deaktivieren.",
    "users_password_title": "Passwort",
    "users_password_new": "Neues Passwort",
    "users_password_hint": (
        "Mindestens 8 Zeichen. Das beendet alle Anmeldungen dieser Person; teilen Sie ihr das "
        "neue Passwort selbst mit."
    ),
    "users_password_set": "Passwort setzen",
    "users_reset_link": "Link zum Zurücksetzen erstellen",
    "users_reset_hint": (
        "Oder geben Sie ihr einen einmaligen Link, mit dem sie selbst ein neues Passwort wählt."
    ),
    "users_new_invite": "Neuen Einladungslink erstellen",
    "users_new_invite_hint": (
        "Noch kein Passwort: geben Sie ihr einen neuen einmaligen Link, um eines zu wählen "
        "(ältere Links funktionieren dann nicht mehr)."
    ),
    "users_keys_title": "API-Schlüssel",
    "users_keys_none": "Keine API-Schlüssel.",
    "users_key_name": "Name",
    "users_key_prefix": "Schlüssel",
    "users_key_created": "Erstellt",
    "users_key_expires": "Läuft ab",
    "users_key_last_used": "Zuletzt benutzt",
    "users_key_status": "Status",
    "users_key_never": "nie",
    "users_key_unnamed": "(ohne Namen)",
    "users_key_active": "aktiv",
    "users_key_expired": "abgelaufen",
    "users_key_revoked": "gesperrt",
    "users_key_revoke": "Sperren",
    "users_saved_invited": "Einladung erstellt.",
    "users_saved_role": "Rolle geändert.",
    "users_saved_deactivated": (
        "Deaktiviert: alle API-Schlüssel gesperrt, alle Anmeldungen beendet."
    ),
    "users_saved_reactivated": "Wieder aktiviert.",
    "users_saved_password": "Passwort gesetzt; die Anmeldungen der Person wurden beendet.",
    "users_saved_revoked": "API-Schlüssel gesperrt.",
    "invite_title": "Wählen Sie Ihr Passwort",
    "invite_reset_title": "Wählen Sie ein neues Passwort",
    "invite_intro": "Willkommen in {workspace}. Sie melden sich als {email} an.",
    "invite_reset_intro": "Neues Passwort für {email} in {workspace}.",
    "invite_expires": "Dieser Link funktioniert einmal, bis {expires} UTC.",
    "invite_password": "Passwort",
    "invite_password_hint": "Mindestens 8 Zeichen.",
    "invite_confirm": "Passwort wiederholen",
    "invite_mismatch": "Die beiden Passwörter stimmen nicht überein.",
    "invite_submit": "Passwort setzen und anmelden",
    "invite_gone_title": "Dieser Link kann nicht benutzt werden",
    "invite_sign_in": "Zur Anmeldung",
    "invite_gone_unknown_invite": (
        "Dieser Link ist ungültig. Vielleicht wurde er durch einen neueren ersetzt; bitten Sie "
        "einen Admin des Arbeitsbereichs um einen neuen Link."
    ),
    "invite_gone_invite_used": (
        "Dieser Link wurde schon benutzt. Melden Sie sich mit Ihrem Passwort an oder bitten "
        "Sie einen Admin um einen neuen Link."
    ),
    "invite_gone_invite_expired": (
        "Dieser Link ist abgelaufen. Bitten Sie einen Admin des Arbeitsbereichs um einen neuen."
    ),
    "invite_gone_user_deactivated": (
        "Dieses Konto ist deaktiviert oder wurde es, seit dieser Link erstellt wurde. Fragen Sie "
        "einen Admin."
    ),
}
