"""What base.html needs on every page besides the page's own context: the navigation (grouped,
with the current page marked), the labels in the reader's language and the notice a redirect
asked for. ``install`` makes these Jinja globals, so no page has to pass them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from starlette.requests import Request

from modelyard.web import notices
from modelyard.web.i18n import texts
from modelyard.web.sso_texts import language_of

__all__ = ["NavGroup", "NavLink", "install", "nav_groups", "page_language"]


@dataclass(frozen=True, slots=True)
class NavLink:
    href: str
    label: str  # a key of the string table
    admin: bool  # an admin page: its accessible name says "Settings: ..."


@dataclass(frozen=True, slots=True)
class NavGroup:
    label: str  # a key of the string table
    links: tuple[NavLink, ...]


def _member(href: str, label: str) -> NavLink:
    return NavLink(href, label, admin=False)


def _admin(href: str, label: str) -> NavLink:
    return NavLink(href, label, admin=True)


MEMBER_GROUP = NavGroup(
    "nav_group_mine",
    (
        _member("/", "nav_models"),
        _member("/me/api-keys", "nav_keys"),
        _member("/playground", "nav_playground"),
        _member("/me/spend", "nav_spend"),
    ),
)
ADMIN_GROUPS = (
    NavGroup(
        "nav_group_models",
        (
            _admin("/settings/models", "nav_admin_models"),
            _admin("/settings/model-keys", "nav_admin_keys"),
            _admin("/settings/knowledge", "nav_admin_knowledge"),
        ),
    ),
    NavGroup(
        "nav_group_usage",
        (
            _admin("/settings/usage", "nav_admin_usage"),
            _admin("/settings/budgets", "nav_admin_budgets"),
        ),
    ),
    NavGroup(
        "nav_group_people",
        (
            _admin("/settings/users", "nav_admin_users"),
            _admin("/settings/groups", "nav_admin_groups"),
        ),
    ),
    NavGroup(
        "nav_group_settings",
        (
            _admin("/settings/sign-in", "nav_admin_sign_in"),
            _admin("/settings/audit", "nav_admin_audit"),
        ),
    ),
)


def nav_groups(user: Any) -> tuple[NavGroup, ...]:
    """The groups this user sees: members their own pages, admins those and the settings."""
    if user is None:
        return ()
    return (MEMBER_GROUP, *ADMIN_GROUPS) if user.actor.is_admin else (MEMBER_GROUP,)


def is_current(link: NavLink, path: str) -> bool:
    """The link of the page at ``path``, or of the section it is in (a model's page is under
    Models); "/" only for itself."""
    if link.href == "/":
        return path == "/"
    return path == link.href or path.startswith(link.href + "/")


def page_language(request: Request, user: Any) -> str:
    """The signed-in user's language, else the browser's (as the sign-in page picks it)."""
    return str(user.language) if user is not None else language_of(request)


def ui_texts(request: Request, user: Any) -> Mapping[str, str]:
    return texts(page_language(request, user))


def install(env: Environment) -> None:
    env.globals.update(
        nav_groups=nav_groups,
        nav_is_current=is_current,
        page_language=page_language,
        ui_texts=ui_texts,
        notice_text=notices.notice_text,
    )
