"""Invite mails over SMTP (the standard library's ``smtplib``), when ``MODELYARD_SMTP_HOST`` is set.

Without it nothing is mailed: the admin passes the one-time link on. A mail that cannot be sent
is a ``MailFailed`` whose message names the server and what went wrong, never the SMTP password
(nor the link: the caller still has it and shows it).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from modelyard.settings import Settings

TIMEOUT_SECONDS = 10.0
IMPLICIT_TLS_PORT = 465

_TEXTS = {
    "en": {
        "subject": "Your invitation to {workspace} on Modelyard",
        "subject_reset": "Set a new Modelyard password for {workspace}",
        "body": (
            "You have been invited to the Modelyard workspace {workspace}.\n\n"
            "Open this link to choose your password and sign in:\n{url}\n\n"
            "The link works once and expires on {expires} UTC.\n"
        ),
        "body_reset": (
            "A workspace admin of {workspace} on Modelyard issued a link for you to set a new "
            "password:\n{url}\n\nThe link works once and expires on {expires} UTC. If you did "
            "not expect it, ask your workspace admin.\n"
        ),
    },
    "de": {
        "subject": "Ihre Einladung in {workspace} auf Modelyard",
        "subject_reset": "Neues Modelyard-Passwort für {workspace}",
        "body": (
            "Sie wurden in den Modelyard-Arbeitsbereich {workspace} eingeladen.\n\n"
            "Öffnen Sie diesen Link, um Ihr Passwort zu wählen und sich anzumelden:\n{url}\n\n"
            "Der Link funktioniert einmal und läuft am {expires} UTC ab.\n"
        ),
        "body_reset": (
            "Ein Admin des Arbeitsbereichs {workspace} auf Modelyard hat Ihnen einen Link zum "
            "Setzen eines neuen Passworts geschickt:\n{url}\n\nDer Link funktioniert einmal und "
            "läuft am {expires} UTC ab. Falls Sie ihn nicht erwartet haben, fragen Sie Ihren "
            "Admin.\n"
        ),
    },
}


class MailFailed(Exception):
    """The mail was not sent; the message says why (no secret in it)."""


@dataclass(frozen=True, slots=True)
class Mailer:
    """Where and how invite mails go (built from the settings)."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer | None:
        """None when no SMTP server is configured (invites are then links only)."""
        if not settings.smtp_host:
            return None
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from or settings.smtp_username or "",
            username=settings.smtp_username,
            password=password,
            starttls=settings.smtp_starttls,
        )

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` (TLS on port 465, else STARTTLS when configured); MailFailed."""
        if not self.sender:
            raise MailFailed("No sender address: set MODELYARD_SMTP_FROM.")
        where = f"{self.host}:{self.port}"
        try:
            context = ssl.create_default_context()
            smtp: smtplib.SMTP
            if self.port == IMPLICIT_TLS_PORT:
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=TIMEOUT_SECONDS, context=context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
            with smtp:
                if self.starttls and self.port != IMPLICIT_TLS_PORT:
                    smtp.starttls(context=context)
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailFailed(
                f"The SMTP server {where} refused the login ({exc.smtp_code})."
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise MailFailed(f"The SMTP server {where} answered {exc.smtp_code}.") from None
        except smtplib.SMTPException as exc:
            raise MailFailed(f"The SMTP server {where} failed: {type(exc).__name__}.") from None
        except OSError as exc:
            raise MailFailed(
                f"Could not reach the SMTP server {where}: {exc.strerror or exc}."
            ) from None


def invite_message(
    *,
    sender: str,
    to: str,
    url: str,
    expires_at: datetime,
    workspace_name: str,
    language: str,
    reset: bool,
) -> EmailMessage:
    """The plain-text invite (or reset) mail in the user's language."""
    texts = _TEXTS.get(language, _TEXTS["en"])
    suffix = "_reset" if reset else ""
    values = {
        "workspace": " ".join(workspace_name.split()),  # one line: it goes into the subject
        "url": url,
        "expires": expires_at.strftime("%Y-%m-%d %H:%M"),
    }
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = texts["subject" + suffix].format(**values)
    message.set_content(texts["body" + suffix].format(**values))
    return message
