"""``/api/invites`` and ``/api/users/{id}/invite``: one-time links for a user to set a password
(``workspace.invites``); mailed when SMTP is configured, else the admin passes the link on."""

from __future__ import annotations

from fastapi import APIRouter, Request

from modelyard.admin_api.deps import AdminDep, ServicesDep, SessionDep
from modelyard.services import Services
from modelyard.workspace import invites
from modelyard.workspace.invite_mail import Mailer
from modelyard.workspace.invites import InviteCreate, InviteOut

router = APIRouter(prefix="/api", tags=["identity"])


def base_url(request: Request, services: Services) -> str:
    """Where browsers reach this server: ``MODELYARD_PUBLIC_URL`` behind a proxy, else this
    request's own base."""
    return services.settings.public_url or str(request.base_url)


@router.post("/invites", status_code=201)
def create_invite(
    data: InviteCreate,
    request: Request,
    actor: AdminDep,
    session: SessionDep,
    services: ServicesDep,
) -> InviteOut:
    """A new user without a password, and their one-time link (7 days). Only owners invite
    owners. With SMTP configured it is mailed too (``emailed``; ``mail_error`` says why not)."""
    mailer = Mailer.from_settings(services.settings)
    return invites.invite(session, actor, data, base_url(request, services), mailer)


@router.post("/users/{user_id}/invite", status_code=201)
def reissue_invite(
    user_id: str, request: Request, actor: AdminDep, session: SessionDep, services: ServicesDep
) -> InviteOut:
    """A new one-time link for an existing user (a password reset when they have one); their
    older unused links stop working. Not for users ranking above the caller."""
    mailer = Mailer.from_settings(services.settings)
    return invites.issue_link(session, actor, user_id, base_url(request, services), mailer)
