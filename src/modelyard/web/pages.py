"""Rendering for the web UI: the templates, the per-request context every page needs, and the
translation of domain errors into messages next to the field they name.

The web UI validates nothing itself: it hands form values to the same schemas and services as the
admin API and shows their ``ModelyardError`` / pydantic ``ValidationError`` where the ``param``
(or the error's location) points.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from modelyard.errors import ModelyardError
from modelyard.services import Services
from modelyard.web import friendly_errors, locale_format
from modelyard.web import session as web_session
from modelyard.web.i18n import localize, texts
from modelyard.web.session import WebSession
from modelyard.web.sso_texts import language_of

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(locale_format.FILTERS)  # number, usd, when, day, localized

# Key of the page-wide message in an errors dict (for errors that name no field).
GENERAL = "_"


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def current_session(request: Request) -> WebSession:
    """The browser's session; a new anonymous one (set on the response) when it has none."""
    found: WebSession | None = getattr(request.state, "web_session", None)
    if found is not None:
        return found
    box = services_of(request).secret_box
    found = web_session.decode(box, request.cookies.get(web_session.COOKIE_NAME))
    if found is None:
        found = WebSession.new()
        request.state.set_cookie = True
    request.state.web_session = found
    return found


def use_session(request: Request, session: WebSession) -> None:
    """Replace the browser's session (sign-in, sign-out); the response will carry it."""
    request.state.web_session = session
    request.state.set_cookie = True


def _cookie_secure(request: Request) -> bool:
    """HTTPS to the browser: this request's scheme, or ``public_url`` behind a TLS proxy."""
    public_url = services_of(request).settings.public_url or ""
    return request.url.scheme == "https" or public_url.lower().startswith("https")


def finish(request: Request, response: Response) -> Response:
    """Attach the session cookie to ``response`` when it was created or replaced."""
    if getattr(request.state, "set_cookie", False):
        response.set_cookie(
            web_session.COOKIE_NAME,
            web_session.encode(services_of(request).secret_box, current_session(request)),
            max_age=web_session.MAX_AGE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=_cookie_secure(request),
        )
    return response


def render(
    request: Request, template: str, context: Mapping[str, Any], status_code: int = 200
) -> Response:
    """A page with the context every template expects (the CSRF token, the signed-in user)."""
    user = getattr(request.state, "web_user", None)
    language = user.language if user is not None else language_of(request)
    full = {
        "csrf": current_session(request).csrf,
        "user": user,
        "language": language,
        "t": texts(language),  # the labels of every page, in the reader's language
        "errors": {},
        "limits_warning": _limits_warning(request, user),
        **context,
    }
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    return finish(request, response)


def _limits_warning(request: Request, user: Any) -> str | None:
    """For admins while this replica's token limits or budgets run without Redis (each
    replica at its share): the banner's text in their language, else None."""
    if user is None or not user.actor.is_admin:
        return None
    services = services_of(request)
    said = texts(user.language)
    warnings = [
        said[key]
        for key, degraded in (
            ("limits_degraded", services.router.limits.degraded),
            ("budgets_degraded", services.budgets.degraded),
        )
        if degraded
    ]
    return " ".join(warnings) or None


def field_errors(
    exc: ModelyardError | ValidationError, language: str | None = None
) -> dict[str, str]:
    """Messages by field name (``GENERAL`` for those naming none). With the reader's
    ``language``: a validation error as ``friendly_errors`` words it (naming the field), a
    domain error as the domain wrote it (in German when the string table knows it). Without:
    as the server wrote them (pages not yet translated)."""
    if isinstance(exc, ModelyardError):
        message = exc.message if language is None else localize(exc.message, language)
        return {exc.param or GENERAL: message}
    out: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if isinstance(part, str)]
        field = loc[0] if loc else GENERAL
        if language is not None:
            message = friendly_errors.message(error, field, language)
        else:
            message = "This field is required." if error["type"] == "missing" else error["msg"]
        out.setdefault(field, message)
    return out


def form_values(form: FormData, fields: tuple[str, ...]) -> dict[str, str]:
    """The non-empty text values of ``fields``: an empty input means "not given", so the schema
    (not the UI) decides whether that field is required."""
    values: dict[str, str] = {}
    for name in fields:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value
    return values
